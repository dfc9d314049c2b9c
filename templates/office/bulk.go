package office

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"path"
	"strings"

	"rapport/model"
	"rapport/templates/lang"
)

// Record is one record of a bulk merge.
type Record struct {
	// Name is the document's file name in a zip (MergeZip); "" gives
	// document-00001.docx and so on. Slashes become underscores.
	Name string
	Data map[string]any
	// Env holds the record's locale (a contact's language) and the rest
	// of the evaluation's environment.
	Env lang.Env
}

// MergeCombined merges the records into one document, for bulk letters:
// each record's body follows the previous one's after a page break (in
// DOCX a section break that repeats the template's page settings, so a
// different first-page header shows on each letter's first page). Headers
// and footers are merged once, with the first record: write fields that
// change per record in the body. The body is streamed to w as records
// come, so memory does not grow with their number; an error stops the
// merge and leaves w incomplete.
func (d *Doc) MergeCombined(ctx context.Context, w io.Writer, records iter.Seq2[Record, error], images Images) error {
	next, stop := iter.Pull2(records)
	defer stop()
	first, err, ok := next()
	switch {
	case err != nil:
		return err
	case !ok:
		return model.Errorf(model.EINVALID, "a combined document needs at least one record")
	}
	m := d.newMerge(ctx, images)
	m.combined = true
	main := d.parts[0]
	outs := map[*part][]byte{}
	for _, p := range d.parts[1:] {
		var buf bytes.Buffer
		if err := m.walkPart(p, &buf, first); err != nil {
			return recordError(1, first, err)
		}
		outs[p] = buf.Bytes()
	}
	return m.write(w, func(p *part, ew io.Writer) error {
		if p != main {
			_, err := ew.Write(outs[p])
			return err
		}
		bw := bufio.NewWriterSize(ew, 64<<10)
		wk := &walker{m: m, p: p, w: bw}
		sc := p.tmpl.Start(ctx, first.Data, first.Env)
		if err := wk.walk(sc, p.tree[0]); err != nil {
			return recordError(1, first, err)
		}
		rec := first
		for n := 1; ; n++ {
			sc = p.tmpl.Start(ctx, rec.Data, rec.Env)
			if err := wk.walk(sc, p.tree[1]); err != nil {
				return recordError(n, rec, err)
			}
			if rec, err, ok = next(); err != nil {
				return err
			} else if !ok {
				break
			}
			bw.WriteString(d.f.separator(p))
		}
		if err := wk.walk(sc, p.tree[2]); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// walkPart merges a whole part for one record.
func (m *merge) walkPart(p *part, w sink, rec Record) error {
	wk := &walker{m: m, p: p, w: w}
	sc := p.tmpl.Start(m.ctx, rec.Data, rec.Env)
	for _, nodes := range p.tree {
		if err := wk.walk(sc, nodes); err != nil {
			return err
		}
	}
	return nil
}

// recordError says which record a merge error belongs to.
func recordError(n int, rec Record, err error) error {
	if rec.Name != "" {
		return fmt.Errorf("record %d (%s): %w", n, rec.Name, err)
	}
	return fmt.Errorf("record %d: %w", n, err)
}

// MergeZip streams a zip with one merged document per record. Each
// document is merged into memory and then written (stored: it is
// compressed already), so memory holds one document at a time whatever
// the number of records. An error stops the merge and leaves w incomplete.
func (d *Doc) MergeZip(ctx context.Context, w io.Writer, records iter.Seq2[Record, error], images Images) error {
	zw := zip.NewWriter(w)
	var buf bytes.Buffer
	seen := map[string]bool{}
	n := 0
	for rec, err := range records {
		if err != nil {
			return err
		}
		n++
		buf.Reset()
		if err := d.Merge(ctx, &buf, rec.Data, rec.Env, images); err != nil {
			return recordError(n, rec, err)
		}
		if err := writeStored(zw, d.entryName(rec.Name, n, seen), buf.Bytes()); err != nil {
			return err
		}
	}
	if n == 0 {
		return errors.New("office: no records to merge")
	}
	return zw.Close()
}

// entryName makes a record's document name safe and unique in the zip.
func (d *Doc) entryName(name string, n int, seen map[string]bool) string {
	ext := "." + string(d.format)
	name = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < 0x20 {
			return '_'
		}
		return r
	}, strings.TrimSpace(name))
	if strings.Trim(name, ".") == "" {
		name = fmt.Sprintf("document-%05d", n)
	}
	if !strings.EqualFold(path.Ext(name), ext) {
		name += ext
	}
	base := strings.TrimSuffix(name, ext)
	for i := 2; seen[name]; i++ {
		name = fmt.Sprintf("%s-%d%s", base, i, ext)
	}
	seen[name] = true
	return name
}
