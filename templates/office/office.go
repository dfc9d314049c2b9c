package office

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"

	"rapport/templates/lang"
)

// Format names a document format.
type Format string

// The formats Open reads.
const (
	DOCX Format = "docx"
	ODT  Format = "odt"
)

// Config is how to open a template.
type Config struct {
	// Limits bound the container (zip and XML); zero fields take defaults.
	Limits Limits
	// Template bounds the template language (loops, output, time).
	Template lang.Limits
}

// format is what differs between DOCX and ODT.
type format interface {
	// vocab is the format's XML vocabulary.
	vocab() *vocab
	// mediaDir is the folder of the archive new pictures go to.
	mediaDir() string
	// parts checks that the archive is a document of the format and lists
	// its parts with text, the main part first.
	parts(a *archive, lim Limits) ([]partSpec, error)
	// content returns the range of the main part that a combined document
	// repeats per record, and what the combined document adds.
	content(p *part) (start, end int, hooks []repl)
	// separator is written between the records of a combined document.
	separator(p *part) string
	// writeText writes text inside a text node; writePicture a picture of
	// w × h EMU.
	writeText(wk *walker, s string)
	writePicture(wk *walker, pic *picture, w, h int64)
	// fixed returns what the format writes for an entry in every merge
	// instead of its bytes (an .ott's mimetype), or nil.
	fixed(name string) []byte
	// dependent reports whether an entry may change with the pictures a
	// merge inserts; finish writes those entries (given in archive order)
	// after the rest, and the pictures.
	dependent(name string) bool
	finish(m *merge, zw *zip.Writer, deferred []*zip.File) error
}

// partSpec is a part with text and its place ("header 1", "" for the body).
type partSpec struct{ name, root string }

// Doc is an opened template. It is immutable: merge it for many records,
// also concurrently. It reads the archive through the io.ReaderAt given to
// Open, which must stay readable while the Doc is used.
type Doc struct {
	a      *archive
	f      format
	format Format
	lim    Limits
	cfg    lang.Config
	parts  []*part // the main part first
	byName map[string]*part
}

// Open reads a DOCX or ODT template. Container problems are an *Error
// (ErrNotDocument, ErrUnsafe, ErrTooLarge, ErrMalformed); mistakes in the
// template are lang.Errors, each with its place ("paragraph 4, column 2",
// "table 1 row 2 cell 3", "header 1 paragraph 1").
func Open(r io.ReaderAt, size int64, cfg Config) (*Doc, error) {
	lim := cfg.Limits.withDefaults()
	a, err := openArchive(r, size, lim)
	if err != nil {
		return nil, err
	}
	d := &Doc{a: a, lim: lim, byName: map[string]*part{},
		cfg: lang.Config{Limits: cfg.Template, Formatters: map[string]*lang.Formatter{"image": imageFormatter}}}
	switch {
	case a.has("mimetype"):
		d.f, d.format = &odtFormat{}, ODT
	case a.has(contentTypes):
		d.f, d.format = &docxFormat{}, DOCX
	default:
		return nil, errorf(ErrNotDocument, "", "not a DOCX or ODT document: the archive has neither [Content_Types].xml nor mimetype")
	}
	specs, err := d.f.parts(a, lim)
	if err != nil {
		return nil, err
	}
	var errs lang.Errors
	counters := map[string]int{}
	for i, sp := range specs {
		p, err := d.openPart(sp, i == 0, counters)
		var les lang.Errors
		switch {
		case errors.As(err, &les):
			errs = append(errs, les...)
		case err != nil:
			return nil, err
		default:
			d.parts = append(d.parts, p)
			d.byName[p.name] = p
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return d, nil
}

// openPart reads, normalises, parses and lays out one part.
func (d *Doc) openPart(sp partSpec, main bool, counters map[string]int) (*part, error) {
	src, err := d.a.read(sp.name, d.lim.MaxPartBytes)
	if err != nil {
		return nil, err
	}
	p, err := scanPart(sp.name, src, d.f.vocab(), sp.root, counters)
	if err != nil {
		return nil, err
	}
	p.normalise()
	if p.tmpl, err = lang.Parse(d.cfg, p.segments()...); err != nil {
		return nil, err
	}
	p.countTags()
	start, end := 0, 0
	if main {
		start, end, p.hooks = d.f.content(p)
	}
	return p, p.layout(start, end)
}

// Format returns the document's format.
func (d *Doc) Format() Format { return d.format }

// Lint checks every field the template names against the schema for a
// document merged from a record of type entity (see lang.Template.Lint).
// It returns nil when all is well.
func (d *Doc) Lint(s *lang.Schema, entity string) lang.Errors {
	var errs lang.Errors
	for _, p := range d.parts {
		errs = append(errs, p.tmpl.Lint(s, entity)...)
	}
	return errs
}

// Merge merges one record's data into the template and writes the
// document, in the template's format, to w. Pictures come from images
// (nil: every picture is written as "[image]"). The parts are merged in
// memory first, so an error in the template or the data writes nothing;
// then the archive is streamed, entries without placeholders copied
// without recompressing.
func (d *Doc) Merge(ctx context.Context, w io.Writer, data map[string]any, env lang.Env, images Images) error {
	m := d.newMerge(ctx, images)
	outs := map[*part]*bytes.Buffer{}
	defer func() {
		for _, b := range outs {
			putBuf(b)
		}
	}()
	for _, p := range d.parts {
		if p.static() {
			continue
		}
		buf := bufPool.Get().(*bytes.Buffer)
		buf.Reset()
		outs[p] = buf
		if err := m.walkPart(p, buf, Record{Data: data, Env: env}); err != nil {
			return err
		}
	}
	return m.write(w, func(p *part, w io.Writer) error {
		_, err := w.Write(outs[p].Bytes())
		return err
	})
}

// static reports whether a part has nothing to merge: it is copied.
func (p *part) static() bool {
	t := p.tree
	return len(t[1]) == 0 && len(t[2]) == 0 && (len(t[0]) == 0 || len(t[0]) == 1 && t[0][0].kind == nRaw)
}
