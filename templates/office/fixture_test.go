package office

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"rapport/model"
	"rapport/templates/lang"
	"rapport/templates/locale"
)

// descriptions are the lines' descriptions, Latin and Cyrillic, and one
// with characters XML must escape.
var descriptions = []string{"Consulting day", "Монтаж оборудования", "Widget <XL> & spare parts", "Обучение персонала", "Support hours"}

// fixtureData returns the data of a quote document with n lines in a
// currency: the quote with its lines, account and contact (also at the
// top level), the company and the user.
func fixtureData(n int, currency string) map[string]any {
	until := model.Date{Time: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)}
	q := &model.Quote{Meta: model.Meta{ID: "q1", Version: 3}, Number: "Q-2026-0042", Status: "sent", ValidUntil: &until,
		Notes: "Delivery within two weeks."}
	q.Currency, q.Rounding = currency, model.RoundLine
	lines := make([]model.Line, n)
	for i := range lines {
		rate := "19"
		if i%3 == 1 {
			rate = "7"
		}
		lines[i] = model.Line{ID: fmt.Sprintf("l%d", i), Position: i + 1, Description: fmt.Sprintf("%s %d", descriptions[i%len(descriptions)], i+1),
			Unit: "pc", Quantity: model.DecInt(int64(i%4 + 1)), UnitPrice: model.Dec(fmt.Sprintf("%d.50", 10*(i+1))), TaxRate: model.Dec(rate)}
	}
	totals, err := model.Calculate(&q.Pricing, lines)
	if err != nil {
		panic(err)
	}
	q.ApplyTotals(totals, n)
	photo, logo := "photo-1", "logo-1"
	contact := lang.Map(&model.Contact{Meta: model.Meta{ID: "c1"}, FirstName: "Анна", LastName: "Smith-Jones", PhotoID: &photo})
	account := lang.Map(&model.Account{Meta: model.Meta{ID: "a1"}, Name: "Acme GmbH"})
	quote := lang.Map(q)
	quote["lines"] = lang.Value(lines)
	quote["account"], quote["contact"] = account, contact
	contact["account"] = account
	return map[string]any{"quote": quote, "account": account, "contact": contact,
		"company": lang.Map(&lang.Company{Name: "Rapport Ltd", LegalName: "ООО «Рапорт»", TaxID: "7701234567",
			IBAN: "DE00 1234 5678", LogoID: logo}),
		"user": lang.Map(&model.User{Name: "Olga Petrova"})}
}

// testEnv is an environment in a locale with a fixed "now".
func testEnv(loc string) lang.Env {
	l, err := locale.Get(loc)
	if err != nil {
		panic(err)
	}
	return lang.Env{Locale: l, Location: time.UTC, Now: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}
}

// testPNG returns a small PNG of w × h pixels.
func testPNG(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), 80, uint8(y * 255 / h), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// photoPNG and logoPNG are the fixture's pictures.
var photoPNG, logoPNG = testPNG(60, 80), testPNG(200, 50)

// testImages serves the fixture's photo and logo.
var testImages = ImageFunc(func(_ context.Context, ref string) ([]byte, error) {
	switch ref {
	case "photo-1":
		return photoPNG, nil
	case "logo-1":
		return logoPNG, nil
	}
	return nil, fmt.Errorf("no picture %s", ref)
})

// openFile opens a template from testdata.
func openFile(t testing.TB, name string) *Doc {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return openBytes(t, data)
}

// openBytes opens a template from bytes.
func openBytes(t testing.TB, data []byte) *Doc {
	t.Helper()
	d, err := Open(bytes.NewReader(data), int64(len(data)), Config{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// zipDir builds a zip from a directory of testdata, entries in name
// order ("mimetype" first).
func zipDir(t testing.TB, dir string) []byte {
	t.Helper()
	files := map[string][]byte{}
	root := filepath.Join("testdata", dir)
	err := filepath.WalkDir(root, func(p string, de os.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return zipFiles(t, files)
}

// zipFiles builds a zip of the given entries, "mimetype" first (stored).
func zipFiles(t testing.TB, files map[string][]byte) []byte {
	t.Helper()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int {
		if (a == "mimetype") != (b == "mimetype") {
			if a == "mimetype" {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, n := range names {
		method := zip.Deflate
		if n == "mimetype" {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(files[n])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// entries reads every entry of a zip.
func entries(t testing.TB, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name], err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
	}
	return out
}

// mergeDoc merges a template with data in a locale and returns the output.
func mergeDoc(t testing.TB, d *Doc, data map[string]any, loc string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := d.Merge(context.Background(), &b, data, testEnv(loc), testImages); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// docxOf builds a minimal DOCX whose body is body (and a header when
// header is not "").
func docxOf(t testing.TB, body, header string) []byte {
	t.Helper()
	const ns = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	files := map[string][]byte{
		"[Content_Types].xml": []byte(`<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
			`<Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/></Types>`),
		"_rels/.rels": []byte(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`),
		"word/document.xml": []byte(`<?xml version="1.0" encoding="UTF-8"?><w:document ` + ns + `><w:body>` + body + `<w:sectPr/></w:body></w:document>`),
	}
	if header != "" {
		files["word/header1.xml"] = []byte(`<?xml version="1.0" encoding="UTF-8"?><w:hdr ` + ns + `>` + header + `</w:hdr>`)
	}
	return zipFiles(t, files)
}

// wp is a DOCX paragraph with one run per text.
func wp(texts ...string) string {
	var b strings.Builder
	b.WriteString("<w:p>")
	for _, t := range texts {
		fmt.Fprintf(&b, `<w:r><w:t xml:space="preserve">%s</w:t></w:r>`, escape(t))
	}
	b.WriteString("</w:p>")
	return b.String()
}

// wtable is a DOCX table of rows of cells, each cell one paragraph.
func wtable(rows ...[]string) string {
	var b strings.Builder
	b.WriteString("<w:tbl>")
	for _, r := range rows {
		b.WriteString("<w:tr>")
		for _, c := range r {
			b.WriteString("<w:tc>" + wp(c) + "</w:tc>")
		}
		b.WriteString("</w:tr>")
	}
	b.WriteString("</w:tbl>")
	return b.String()
}

// escape escapes text for XML.
func escape(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// odtOf builds a minimal ODT whose office:text holds body.
func odtOf(t testing.TB, body string) []byte {
	t.Helper()
	return zipFiles(t, map[string][]byte{
		"mimetype": []byte(odtMime),
		"META-INF/manifest.xml": []byte(`<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">` +
			`<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>` +
			`<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>`),
		"content.xml": []byte(`<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" ` +
			`xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" ` +
			`xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" office:version="1.3"><office:automatic-styles/>` +
			`<office:body><office:text>` + body + `</office:text></office:body></office:document-content>`),
	})
}

// docText returns the text of a merged part, one line per paragraph
// (pictures as [picture], line breaks as ⏎, tabs as →).
func docText(t testing.TB, src []byte) []string {
	t.Helper()
	var out []string
	var stack []*strings.Builder
	d := xml.NewDecoder(bytes.NewReader(src))
	inText, odt := false, bytes.Contains(src, []byte(nsText))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("merged XML: %v", err)
		}
		cur := func() *strings.Builder {
			if len(stack) == 0 {
				return &strings.Builder{}
			}
			return stack[len(stack)-1]
		}
		switch x := tok.(type) {
		case xml.StartElement:
			switch x.Name.Local {
			case "p", "h":
				stack = append(stack, &strings.Builder{})
			case "t":
				inText = x.Name.Space == nsW
			case "br", "line-break":
				cur().WriteString("⏎")
			case "tab":
				cur().WriteString("→")
			case "s":
				n := 1
				if c, ok := attr(x.Attr, nsText, "c"); ok {
					fmt.Sscan(c, &n)
				}
				cur().WriteString(strings.Repeat(" ", n))
			case "drawing", "frame":
				cur().WriteString("[picture]")
			}
		case xml.EndElement:
			switch x.Name.Local {
			case "p", "h":
				out = append(out, cur().String())
				stack = stack[:len(stack)-1]
			case "t":
				inText = false
			}
		case xml.CharData:
			if inText || odt && len(stack) > 0 {
				cur().Write(x)
			}
		}
	}
}
