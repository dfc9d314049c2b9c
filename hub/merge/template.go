package merge

import (
	"bytes"
	"container/list"
	"context"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"rapport/model"
	"rapport/model/store"
	"rapport/templates/lang"
	"rapport/templates/office"
	"rapport/templates/templatefile"
)

// Template is a template opened for merging: a stored template's current
// revision, or a file. It is immutable and shared by concurrent merges.
type Template struct {
	ID         string // "" for a file
	Name       string
	RecordType string
	Format     string // docx, odt, html or text
	Locale     string
	Revision   int
	*parsed
}

// parsed is a template file read and checked for one record type: a Word
// or Writer document, or the text of an HTML or plain-text template.
type parsed struct {
	doc  *office.Doc
	text *lang.Template
	size int64 // the file's bytes, which doc keeps reading
}

// OpenTemplate opens a template file that is not stored (the CLI's
// --template FILE) for records of recordType. Its format is decided as at
// upload (templatefile.Check: the content, else the name), and mistakes in
// it are lang.Errors with their places.
func (s *Service) OpenTemplate(name string, data []byte, recordType, locale string) (*Template, error) {
	if !slices.Contains(model.TemplateEntities, recordType) {
		return nil, model.FieldErrors{"record_type": "one of " + strings.Join(model.TemplateEntities, ", ")}.Err()
	}
	res, err := templatefile.Check(bytes.NewReader(data), int64(len(data)), name, "", recordType)
	switch {
	case err != nil:
		return nil, err
	case len(res.Errors) > 0:
		return nil, res.Errors
	}
	p, err := s.parse(data, res.Format, recordType)
	if err != nil {
		return nil, err
	}
	return &Template{Name: strings.TrimSuffix(path.Base(name), path.Ext(name)), RecordType: recordType,
		Format: res.Format, Locale: locale, parsed: p}, nil
}

// template returns the stored template id as the actor sees it, or t.
func (s *Service) template(ctx context.Context, id string, t *Template) (*Template, error) {
	if t != nil {
		return t, nil
	}
	dt, err := store.Get[model.DocumentTemplate](ctx, s.store, id)
	if err != nil {
		if model.ErrorCode(err) == model.ENOTFOUND {
			return nil, model.Errorf(model.ENOTFOUND, "no template %s", id)
		}
		return nil, err
	}
	key := cacheKey{sha: dt.SHA256, format: dt.Format, recordType: dt.RecordType}
	p, err := s.templates.get(key, func() (*parsed, error) {
		data, err := s.readBlob(ctx, dt.SHA256, s.maxTemplateBytes())
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", dt.Name, err)
		}
		return s.parse(data, dt.Format, dt.RecordType)
	})
	if err != nil {
		return nil, err
	}
	return &Template{ID: dt.ID, Name: dt.Name, RecordType: dt.RecordType, Format: dt.Format, Locale: dt.Locale,
		Revision: dt.Revision, parsed: p}, nil
}

// maxTemplateBytes is the largest template file read.
func (s *Service) maxTemplateBytes() int64 {
	if n := s.cfg.Office.Limits.MaxFileBytes; n > 0 {
		return n
	}
	return office.DefaultLimits.MaxFileBytes
}

// readBlob reads a blob of at most max bytes.
func (s *Service) readBlob(ctx context.Context, sha string, max int64) ([]byte, error) {
	if s.cfg.Blobs == nil {
		return nil, model.Errorf(model.EINTERNAL, "no blob store configured")
	}
	rc, err := s.cfg.Blobs.Open(ctx, sha)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, model.Errorf(model.ETOOLARGE, "the file is larger than %d bytes", max)
	}
	return data, nil
}

// parse opens a template file of format and lints it against recordType's
// fields, so that a misspelt field is an error with its place rather than
// an empty value in every document.
func (s *Service) parse(data []byte, format, recordType string) (*parsed, error) {
	p := &parsed{size: int64(len(data))}
	var errs lang.Errors
	switch format {
	case model.TemplateDOCX, model.TemplateODT:
		d, err := office.Open(bytes.NewReader(data), int64(len(data)), s.cfg.Office)
		if err != nil {
			return nil, err
		}
		if string(d.Format()) != format {
			return nil, model.Errorf(model.EINVALID, "the template is %s, but its file is %s", format, d.Format())
		}
		p.doc, errs = d, d.Lint(lang.DefaultSchema(), recordType)
	case model.TemplateHTML, model.TemplateText:
		data = bytes.TrimPrefix(data, []byte("\ufeff")) // Windows editors' byte order mark
		if !utf8.Valid(data) {
			return nil, model.Errorf(model.EINVALID, "a %s template is UTF-8 text", format)
		}
		t, err := lang.ParseText(lang.Config{Limits: s.cfg.Office.Template}, string(data))
		if err != nil {
			return nil, err
		}
		p.text, errs = t, t.Lint(lang.DefaultSchema(), recordType)
	default:
		return nil, model.Errorf(model.EINVALID, "unknown template format %q", format)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return p, nil
}

// checkRecordType refuses a record type other than the template's.
func (t *Template) checkRecordType(recordType string) error {
	if recordType != "" && recordType != t.RecordType {
		return model.FieldErrors{"record_type": fmt.Sprintf("the template is for a %s, not a %s", t.RecordType, recordType)}.Err()
	}
	return nil
}

// templateCacheBytes bounds the template files the cache keeps open.
const templateCacheBytes = 64 << 20

// cacheKey names a parsed template: the same file checked for the same
// record type parses the same.
type cacheKey struct{ sha, format, recordType string }

// templateCache keeps recently used templates parsed, least recently used
// first out, within a budget of file bytes: parsing a Word template costs
// more than merging it.
type templateCache struct {
	mu     sync.Mutex
	budget int64
	used   int64
	order  *list.List // of *cacheEntry, most recent first
	byKey  map[cacheKey]*list.Element
}

type cacheEntry struct {
	key cacheKey
	p   *parsed
}

func newTemplateCache(budget int64) *templateCache {
	return &templateCache{budget: budget, order: list.New(), byKey: map[cacheKey]*list.Element{}}
}

// get returns the cached template for key, or opens it. Errors are not
// cached: the next merge tries again.
func (c *templateCache) get(key cacheKey, open func() (*parsed, error)) (*parsed, error) {
	c.mu.Lock()
	if el, ok := c.byKey[key]; ok {
		c.order.MoveToFront(el)
		c.mu.Unlock()
		return el.Value.(*cacheEntry).p, nil
	}
	c.mu.Unlock()
	p, err := open()
	if err != nil {
		return nil, err
	}
	c.put(key, p)
	return p, nil
}

// put adds a parsed template and evicts the least recently used ones over
// the budget; a template larger than a quarter of it is not kept.
func (c *templateCache) put(key cacheKey, p *parsed) {
	if p.size > c.budget/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byKey[key]; ok {
		return
	}
	c.byKey[key] = c.order.PushFront(&cacheEntry{key: key, p: p})
	c.used += p.size
	for c.used > c.budget {
		last := c.order.Back()
		e := last.Value.(*cacheEntry)
		c.order.Remove(last)
		delete(c.byKey, e.key)
		c.used -= e.p.size
	}
}
