package merge

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"rapport/model"
	"rapport/model/store"
	"rapport/templates/lang"
	"rapport/templates/locale"
	"rapport/templates/office"
)

// BlobInfo describes stored content.
type BlobInfo struct {
	SHA256      string
	Size        int64
	ContentType string
}

// Blobs is the blob store (connectors/blobstore through cmd): templates and
// pictures are read from it, merged documents saved to it. Put reports
// content over maxBytes as a model.ETOOLARGE error.
type Blobs interface {
	Put(ctx context.Context, r io.Reader, filename string, maxBytes int64) (BlobInfo, error)
	Open(ctx context.Context, sha256 string) (io.ReadCloser, error)
}

// PDFConverter turns a DOCX, ODT or HTML document (format "docx", "odt" or
// "html") into PDF: LibreOffice through connectors/officepdf.
type PDFConverter interface {
	ConvertPDF(ctx context.Context, in io.Reader, format string, out io.Writer) error
}

// ErrNoPDF is returned for PDF output when the hub has no converter.
var ErrNoPDF = errors.New("LibreOffice is not installed: PDF output is not available here")

// Config holds the service's dependencies and the installation's settings.
type Config struct {
	Store *store.Store
	Blobs Blobs
	// PDF converts to PDF; nil means PDF output answers ErrNoPDF.
	PDF PDFConverter
	// Company is the installation's details, the "company" of every document.
	Company lang.Company
	// DefaultLocale is the installation's locale ("en-GB"), used when
	// neither the template nor the record's contact or account names one.
	DefaultLocale string
	// Location is the installation's time zone (today, times); nil is UTC.
	Location *time.Location
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Office bounds template containers and evaluations; zero fields take
	// the engine's defaults.
	Office office.Config
}

// Service merges records into documents. It is safe for concurrent use.
type Service struct {
	cfg       Config
	store     *store.Store
	templates *templateCache
}

// New returns the service with defaults applied.
func New(cfg Config) *Service {
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{cfg: cfg, store: cfg.Store, templates: newTemplateCache(templateCacheBytes)}
}

// Output formats of merged documents, besides the template formats.
const (
	FormatPDF = "pdf"
	FormatZip = "zip"
)

// outputs lists the formats each template format merges into; the first
// is the template's own.
var outputs = map[string][]string{
	model.TemplateDOCX: {model.TemplateDOCX, FormatPDF},
	model.TemplateODT:  {model.TemplateODT, FormatPDF},
	model.TemplateHTML: {model.TemplateHTML, FormatPDF},
	model.TemplateText: {model.TemplateText},
}

// ContentTypes are the media types of the output formats.
var ContentTypes = map[string]string{
	model.TemplateDOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	model.TemplateODT:  "application/vnd.oasis.opendocument.text",
	model.TemplateHTML: "text/html; charset=utf-8",
	model.TemplateText: "text/plain; charset=utf-8",
	FormatPDF:          "application/pdf",
	FormatZip:          "application/zip",
}

// extensions are the file name extensions of the output formats.
var extensions = map[string]string{model.TemplateDOCX: ".docx", model.TemplateODT: ".odt",
	model.TemplateHTML: ".html", model.TemplateText: ".txt", FormatPDF: ".pdf", FormatZip: ".zip"}

// outputFormat checks that t merges into format ("" is the template's own)
// and returns it.
func outputFormat(t *Template, format string) (string, error) {
	format = strings.ToLower(strings.TrimSpace(format))
	allowed := outputs[t.Format]
	if format == "" {
		return allowed[0], nil
	}
	if !slices.Contains(allowed, format) {
		return "", model.FieldErrors{"format": "a " + t.Format + " template merges into " + strings.Join(allowed, " or ")}.Err()
	}
	return format, nil
}

// Request asks for one record merged into one document.
type Request struct {
	// TemplateID names a stored template; Template is one read from a file
	// instead (the CLI). One of them is set.
	TemplateID string
	Template   *Template
	// RecordType, when set, must be the template's record type.
	RecordType string
	RecordID   string
	// Format is the output format: "" (the template's), pdf, or the
	// template's own.
	Format string
	// Save stores the document as an attachment of the record, with a
	// document activity on its timeline.
	Save bool
}

// Document is a merged document.
type Document struct {
	Filename    string
	Format      string
	ContentType string
	Body        []byte
	// Attachment and Activity are the saved records (Request.Save).
	Attachment *model.Attachment
	Activity   *model.Activity
}

// Blobs returns the blob store the service reads templates and pictures
// from and saves documents to; the console stores uploaded templates there.
func (s *Service) Blobs() Blobs { return s.cfg.Blobs }

// Merge merges one record, as the actor in ctx sees it, into a document,
// and saves it when asked. A record the actor cannot see is ENOTFOUND;
// mistakes in the template or its data are lang errors with their place
// (EINVALID, ETOOLARGE for limits).
func (s *Service) Merge(ctx context.Context, req Request) (*Document, error) {
	if req.Save && !model.ActorFrom(ctx).HasScope(model.ScopeWrite) {
		return nil, model.Errorf(model.EFORBIDDEN, "saving a document needs a token that may write; send save: false to only download it")
	}
	t, format, err := s.open(ctx, req.TemplateID, req.Template, req.RecordType, req.Format)
	if err != nil {
		return nil, err
	}
	src, images, err := s.build(ctx, t, req.RecordID)
	if err != nil {
		return nil, err
	}
	var body bytes.Buffer
	if err := s.render(ctx, t, src.Record, images, format, &body); err != nil {
		return nil, err
	}
	doc := &Document{Filename: fileName(t.Name+" "+src.title, format), Format: format,
		ContentType: ContentTypes[format], Body: body.Bytes()}
	if req.Save {
		if err := s.save(ctx, t, src, doc); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

// open returns the template a request names (stored, or given), checked
// against the record type asked for ("": any), and its output format.
func (s *Service) open(ctx context.Context, id string, given *Template, recordType, format string) (*Template, string, error) {
	t, err := s.template(ctx, id, given)
	if err != nil {
		return nil, "", err
	}
	if err := t.checkRecordType(recordType); err != nil {
		return nil, "", err
	}
	format, err = outputFormat(t, format)
	return t, format, err
}

// build builds the data of record id's document from t, and the pictures
// it shows.
func (s *Service) build(ctx context.Context, t *Template, id string) (built, office.Images, error) {
	b := s.newBuilder(t)
	recs, err := b.byIDs(ctx, t.RecordType, []string{id})
	if err != nil {
		return built{}, nil, err
	}
	if recs[id] == nil {
		return built{}, nil, model.Errorf(model.ENOTFOUND, "no %s %s (or you may not see it)", t.RecordType, id)
	}
	docs, err := b.records(ctx, []model.Record{recs[id]})
	if err != nil {
		return built{}, nil, err
	}
	return docs[0], b.images, nil
}

// render merges one record into t and writes it to w in format.
func (s *Service) render(ctx context.Context, t *Template, rec office.Record, images office.Images, format string, w io.Writer) error {
	if format == FormatPDF {
		if s.cfg.PDF == nil {
			return ErrNoPDF
		}
		var src bytes.Buffer
		if err := s.render(ctx, t, rec, images, t.Format, &src); err != nil {
			return err
		}
		return s.cfg.PDF.ConvertPDF(ctx, &src, t.Format, w)
	}
	var text string
	var err error
	switch t.Format {
	case model.TemplateDOCX, model.TemplateODT:
		return t.doc.Merge(ctx, w, rec.Data, rec.Env, images)
	case model.TemplateHTML:
		text, err = t.text.HTML(ctx, rec.Data, rec.Env)
	default:
		text, err = t.text.Text(ctx, rec.Data, rec.Env)
	}
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, text)
	return err
}

// env is the evaluation environment of a record's document: the locale is
// the template's, else the contact's or the account's language, else the
// installation's default; money without a currency takes the record's.
func (s *Service) env(t *Template, data map[string]any, root map[string]any) lang.Env {
	l := locale.Choose(t.Locale, field(data["contact"], "language"), field(data["account"], "language"), s.cfg.DefaultLocale)
	return lang.Env{Locale: l, Location: s.cfg.Location, Currency: field(root, "currency"), Now: s.cfg.Now()}
}

// field returns a text field of a record's data, "" when absent.
func field(rec any, name string) string {
	m, _ := rec.(map[string]any)
	v, _ := m[name].(string)
	return v
}

// fileName makes a file name from a document's title: no path separators
// or control characters, at most 200 bytes before the extension.
func fileName(title, format string) string {
	title = strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, title)), " ")
	for len(title) > 200 {
		_, size := utf8.DecodeLastRuneInString(title)
		title = title[:len(title)-size]
	}
	if strings.Trim(title, ".") == "" {
		title = "document"
	}
	return title + extensions[format]
}
