package office

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"rapport/templates/lang"
)

// FuzzOpen opens arbitrary bytes as a template: an error or a document,
// never a panic; a document that opens merges into well-formed XML.
func FuzzOpen(f *testing.F) {
	for _, name := range []string{"quote-en.docx", "quote-en.odt", "letter-ru.docx", "letter-ru.odt"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(zipDir(f, "word-split"))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Open(bytes.NewReader(data), int64(len(data)), Config{})
		if err != nil {
			return
		}
		checkMerge(t, d)
	})
}

// FuzzDocumentXML opens a DOCX whose document.xml is arbitrary.
func FuzzDocumentXML(f *testing.F) {
	f.Add(string(entries(f, zipDir(f, "word-split"))["word/document.xml"]))
	f.Add(string(entries(f, templateBytes(f, "quote-en.docx"))["word/document.xml"]))
	f.Add(`<w:document xmlns:w="` + nsW + `"><w:body>` + wp("{#each quote.lines}", "{posi", "tion}") + wp("{/each}") + `</w:body></w:document>`)
	f.Fuzz(func(t *testing.T, doc string) {
		files := entries(t, docxOf(t, "", ""))
		files["word/document.xml"] = []byte(doc)
		src := zipFiles(t, files)
		d, err := Open(bytes.NewReader(src), int64(len(src)), Config{})
		if err != nil {
			return
		}
		checkMerge(t, d)
	})
}

// xmlText reports whether s is text XML holds as it is.
func xmlText(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0xFFFE || r == 0xFFFF || r == utf8.RuneError {
			return false
		}
	}
	return utf8.ValidString(s)
}

// checkMerge merges a document and checks that its parts with text are
// well-formed. (Other entries are copied as they are, broken or not.)
func checkMerge(t *testing.T, d *Doc) {
	var b bytes.Buffer
	if err := d.Merge(context.Background(), &b, fixtureData(2, "EUR"), testEnv("de-DE"), testImages); err != nil {
		return
	}
	zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range d.parts {
		rc, err := zr.Open(p.name)
		if err != nil {
			t.Fatal(err)
		}
		part, err := io.ReadAll(rc)
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		dec := xml.NewDecoder(bytes.NewReader(part))
		for {
			_, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s is not well-formed after the merge: %v\n%s", p.name, err, part)
			}
		}
	}
}

// FuzzNormalise cuts a paragraph's text into runs (DOCX) or spans (ODT)
// and checks that normalisation keeps the text and leaves every tag whole
// in one node.
func FuzzNormalise(f *testing.F) {
	f.Add("Dear {contact.first_name | default “Sir”}, {{x}} {#if a}b{/if}", []byte{3, 9, 1, 14}, false)
	f.Add("{a}{b}}{", []byte{1, 1, 1, 1, 1}, true)
	f.Add("Итого: {quote.total | money \"RUB\"} ₽", []byte{8, 2, 30}, true)
	f.Fuzz(func(t *testing.T, text string, cuts []byte, odt bool) {
		if !xmlText(text) || strings.Contains(text, "  ") || len(cuts) > 64 {
			return
		}
		var runs []string
		rest := text
		for _, c := range cuts {
			n := min(int(c), len(rest))
			for n > 0 && !utf8.RuneStart(rest[n%len(rest)]) && n < len(rest) {
				n++
			}
			runs, rest = append(runs, rest[:n]), rest[n:]
		}
		runs = append(runs, rest)
		var src []byte
		var v *vocab
		if odt {
			var b strings.Builder
			for i, r := range runs {
				if i%2 == 1 {
					b.WriteString(`<text:span text:style-name="T">` + escape(r) + `</text:span>`)
				} else {
					b.WriteString(escape(r))
				}
			}
			src = []byte(`<text:p xmlns:text="` + nsText + `">` + b.String() + `</text:p>`)
			v = odtVocab()
		} else {
			src = []byte(strings.Replace(wp(runs...), "<w:p>", `<w:p xmlns:w="`+nsW+`">`, 1))
			v = docxVocab()
		}
		p, err := scanPart("document.xml", src, v, "", map[string]int{})
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		p.normalise()
		var got strings.Builder
		var nodes []string
		for _, n := range p.nodes {
			got.WriteString(n.text)
			nodes = append(nodes, n.text)
		}
		if got.String() != text {
			t.Fatalf("text %q became %q", text, got.String())
		}
		off := 0
		ends := map[int]bool{}
		for _, n := range nodes {
			off += len(n)
			ends[off] = true
		}
		for _, sp := range lang.Tags(got.String()) {
			for e := range ends {
				if e > sp[0] && e < sp[1] {
					t.Fatalf("tag %q is cut across nodes %q", got.String()[sp[0]:sp[1]], nodes)
				}
			}
		}
	})
}
