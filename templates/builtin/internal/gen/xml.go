package gen

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// entry is a file of a document's zip.
type entry struct {
	name string
	data []byte
}

// modified is the time stamp of every zip entry, so that the output
// depends on the sources only.
var modified = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// zipEntries writes the entries in order; "mimetype" is stored, as ODF
// requires of the first entry, the rest deflated.
func zipEntries(entries []entry) ([]byte, error) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: modified}
		if e.name == "mimetype" {
			h.Method = zip.Store
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(e.data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// esc escapes text for XML content and attribute values.
func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// xmlHead is the declaration of every XML part.
const xmlHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

// num writes a number without needless digits.
func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// twips converts centimetres to twentieths of a point (DOCX lengths).
func twips(cm float64) int { return int(cm*567 + 0.5) }

// cmLen writes centimetres as an ODF length.
func cmLen(cm float64) string { return num(cm) + "cm" }

// ptLen writes points as an ODF length.
func ptLen(pt float64) string { return num(pt) + "pt" }

// sum adds column widths.
func sum(ws []float64) float64 {
	t := 0.0
	for _, w := range ws {
		t += w
	}
	return t
}

// spanWidth is the width of the columns a cell spans from column col.
func spanWidth(t *table, col, n int) float64 { return sum(t.widths[col : col+n]) }

// check reports a table row whose cells do not fill the table's columns.
func check(t *table) error {
	for i, r := range t.rows {
		n := 0
		for _, c := range r.cells {
			n += c.span
		}
		if n != len(t.widths) {
			return fmt.Errorf("table row %d spans %d columns, the table has %d", i+1, n, len(t.widths))
		}
	}
	return nil
}
