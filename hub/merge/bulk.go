package merge

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"

	"rapport/model"
	"rapport/model/store"
	"rapport/templates/office"
)

// pageSize is how many records a bulk merge reads, and builds the data
// of, at a time; it also bounds the ids of one query.
const pageSize = 200

// MaxBulkIDs bounds the ids one bulk merge names.
const MaxBulkIDs = 10_000

// Bulk outputs.
const (
	// OutputCombined is one document with every record's, each starting on
	// a new page (Word and Writer templates).
	OutputCombined = "combined"
	// OutputZip is a zip with one document per record.
	OutputZip = "zip"
)

// BulkRequest asks for many records merged at once.
type BulkRequest struct {
	// TemplateID names a stored template; Template is one read from a file.
	TemplateID string
	Template   *Template
	// The records: exactly one of MailingListID (the list's members, who
	// never include contacts that unsubscribed; the template must be for
	// contacts), Filter (the records of the template's type that match it;
	// for contacts, those who unsubscribed are left out), or IDs (these
	// records, in this order).
	MailingListID string
	Filter        *model.Filter
	IDs           []string
	// Output is OutputCombined (default) or OutputZip.
	Output string
	// Format is the documents' format: "" (the template's) or pdf.
	Format string
}

// Bulk is a bulk merge whose template, source and first page are checked,
// ready to be written.
type Bulk struct {
	s      *Service
	t      *Template
	src    source
	first  page
	output string
	format string
	b      *builder
	// Filename and ContentType describe what Write writes.
	Filename    string
	ContentType string
}

// page is a page of a source's records and the cursor of the next ("" at
// the end).
type page struct {
	recs []model.Record
	next string
}

// source yields the records of a bulk merge a page at a time.
type source interface {
	page(ctx context.Context, cursor string) (page, error)
}

// PrepareBulk checks a bulk merge and reads its first page, so that a
// missing list, a bad filter or no records at all are errors before
// anything is written.
func (s *Service) PrepareBulk(ctx context.Context, req BulkRequest) (*Bulk, error) {
	t, format, err := s.open(ctx, req.TemplateID, req.Template, "", req.Format)
	if err != nil {
		return nil, err
	}
	b := &Bulk{s: s, t: t, output: req.Output, format: format, b: s.newBuilder(t)}
	if b.output == "" {
		b.output = OutputCombined
	}
	if err := b.checkOutput(); err != nil {
		return nil, err
	}
	if b.src, err = s.source(t, req); err != nil {
		return nil, err
	}
	if b.first, err = b.src.page(ctx, ""); err != nil {
		return nil, err
	}
	if len(b.first.recs) == 0 {
		return nil, model.Errorf(model.EINVALID, "there are no records to merge")
	}
	return b, nil
}

// checkOutput refuses outputs the template cannot give, and PDF without a
// converter, and names what Write writes.
func (b *Bulk) checkOutput() error {
	switch {
	case b.output != OutputCombined && b.output != OutputZip:
		return model.FieldErrors{"output": "combined or zip"}.Err()
	case b.output == OutputCombined && b.t.doc == nil:
		return model.FieldErrors{"output": "only Word and Writer templates combine into one document; use zip"}.Err()
	case b.format == FormatPDF && b.s.cfg.PDF == nil:
		return ErrNoPDF
	}
	kind := b.format
	if b.output == OutputZip {
		kind = FormatZip
	}
	b.Filename, b.ContentType = fileName(b.t.Name, kind), ContentTypes[kind]
	return nil
}

// source returns the source a request names.
func (s *Service) source(t *Template, req BulkRequest) (source, error) {
	given := 0
	for _, set := range []bool{req.MailingListID != "", req.Filter != nil, req.IDs != nil} {
		if set {
			given++
		}
	}
	if given != 1 {
		return nil, model.Errorf(model.EINVALID, "name the records with one of mailing_list_id, filter and ids")
	}
	switch {
	case req.MailingListID != "":
		if t.RecordType != "contact" {
			return nil, model.FieldErrors{"mailing_list_id": "a mailing list holds contacts; the template is for a " + t.RecordType}.Err()
		}
		return listSource{s: s.store, id: req.MailingListID}, nil
	case req.Filter != nil:
		f := *req.Filter
		if t.RecordType == "contact" {
			f.All = append(append([]model.Condition(nil), f.All...), model.Condition{Field: "unsubscribed", Op: "eq", Value: false})
		}
		return filterSource{s: s.store, k: kinds[t.RecordType], f: f}, nil
	}
	if len(req.IDs) == 0 || len(req.IDs) > MaxBulkIDs {
		return nil, model.FieldErrors{"ids": fmt.Sprintf("give 1 to %d ids", MaxBulkIDs)}.Err()
	}
	return idSource{s: s.store, typ: t.RecordType, ids: req.IDs}, nil
}

// Write merges the records into w: one combined document or a zip,
// streamed as the pages are read. An error stops it and leaves w
// incomplete.
func (b *Bulk) Write(ctx context.Context, w io.Writer) error {
	switch {
	case b.output == OutputZip && b.format == b.t.Format && b.t.doc != nil:
		return b.t.doc.MergeZip(ctx, w, b.records(ctx), b.b.images)
	case b.output == OutputZip:
		return b.zipEach(ctx, w)
	case b.format == FormatPDF:
		return b.combinedPDF(ctx, w)
	}
	return b.t.doc.MergeCombined(ctx, w, b.records(ctx), b.b.images)
}

// records yields the records' data page by page; its memory holds one
// page whatever the number of records.
func (b *Bulk) records(ctx context.Context) iter.Seq2[office.Record, error] {
	return func(yield func(office.Record, error) bool) {
		pg, n := b.first, 0
		for {
			b.b.forget()
			docs, err := b.b.records(ctx, pg.recs)
			if err != nil {
				yield(office.Record{}, err)
				return
			}
			for _, d := range docs {
				n++
				d.Name = fmt.Sprintf("%05d %s", n, d.title)
				if !yield(d.Record, nil) {
					return
				}
			}
			if pg.next == "" {
				return
			}
			if pg, err = b.src.page(ctx, pg.next); err != nil {
				yield(office.Record{}, err)
				return
			}
		}
	}
}

// zipEach writes a zip of documents that the office engine does not zip
// itself: HTML, text and PDF, one record at a time.
func (b *Bulk) zipEach(ctx context.Context, w io.Writer) error {
	zw := zip.NewWriter(w)
	var buf bytes.Buffer
	n := 0
	for rec, err := range b.records(ctx) {
		if err != nil {
			return err
		}
		n++
		buf.Reset()
		if err := b.s.render(ctx, b.t, rec, b.b.images, b.format, &buf); err != nil {
			return fmt.Errorf("record %d (%s): %w", n, rec.Name, err)
		}
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: fileName(rec.Name, b.format), Method: zip.Deflate, Modified: b.s.cfg.Now()})
		if err != nil {
			return err
		}
		if _, err := fw.Write(buf.Bytes()); err != nil {
			return err
		}
	}
	return zw.Close()
}

// combinedPDF converts the combined document to PDF while it is merged:
// the converter reads the document through a pipe, so neither is held in
// memory whole.
func (b *Bulk) combinedPDF(ctx context.Context, w io.Writer) error {
	pr, pw := io.Pipe()
	merged := make(chan error, 1)
	go func() {
		err := b.t.doc.MergeCombined(ctx, pw, b.records(ctx), b.b.images)
		pw.CloseWithError(err)
		merged <- err
	}()
	err := b.s.cfg.PDF.ConvertPDF(ctx, pr, b.t.Format, w)
	// A converter that stopped reading must not leave the merge blocked.
	pr.CloseWithError(errors.New("merge: the PDF converter stopped reading"))
	if merr := <-merged; merr != nil {
		return merr
	}
	return err
}

// listSource is a mailing list's members, in name order.
type listSource struct {
	s  *store.Store
	id string
}

func (l listSource) page(ctx context.Context, cursor string) (page, error) {
	p, err := l.s.MailingListMembers(ctx, l.id, store.ListParams{Limit: pageSize, Cursor: cursor})
	if err != nil {
		return page{}, err
	}
	return page{recs: asRecords(p.Items), next: p.NextCursor}, nil
}

// filterSource is the records of a type that match a filter.
type filterSource struct {
	s *store.Store
	k kind
	f model.Filter
}

func (f filterSource) page(ctx context.Context, cursor string) (page, error) {
	recs, next, err := f.k.list(ctx, f.s, store.ListParams{Limit: pageSize, Cursor: cursor, Filter: f.f})
	return page{recs: recs, next: next}, err
}

// idSource is the records a list of ids names, in its order; its cursor
// is the offset of the next page.
type idSource struct {
	s   *store.Store
	typ string
	ids []string
}

func (src idSource) page(ctx context.Context, cursor string) (page, error) {
	off, _ := strconv.Atoi(cursor)
	end := min(off+pageSize, len(src.ids))
	chunk := src.ids[off:end]
	recs, _, err := kinds[src.typ].list(ctx, src.s, store.ListParams{Limit: len(chunk), Filter: idsIn(chunk)})
	if err != nil {
		return page{}, err
	}
	byID := make(map[string]model.Record, len(recs))
	for _, r := range recs {
		byID[r.RecordMeta().ID] = r
	}
	out := page{recs: make([]model.Record, len(chunk))}
	for i, id := range chunk {
		if out.recs[i] = byID[id]; out.recs[i] == nil {
			return page{}, model.FieldErrors{"ids": fmt.Sprintf("no %s %s (or you may not see it)", src.typ, id)}.Err()
		}
	}
	if end < len(src.ids) {
		out.next = strconv.Itoa(end)
	}
	return out, nil
}

// asRecords returns records as model.Records.
func asRecords[P model.Record](items []P) []model.Record {
	out := make([]model.Record, len(items))
	for i, r := range items {
		out[i] = r
	}
	return out
}
