package templatefile

import (
	"archive/zip"
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/ from the fixture definitions")

// The fixtures are small files written by this test, so that each bad case
// is a real file the API and CLI tests upload too (they read this
// directory). Real Word and Writer templates are templates/office's.
const (
	docxContentTypes = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`
	docxRels = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`
	docxHead = `<?xml version="1.0" encoding="UTF-8"?>`
	docxBody = `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>%s<w:sectPr/></w:body></w:document>`
)

// docx returns the entries of a DOCX whose body is paragraphs (a "|"
// in one makes a one-row table of its cells); prolog goes before the root.
func docx(prolog string, paragraphs ...string) []string {
	var body strings.Builder
	for _, p := range paragraphs {
		cells := strings.Split(p, "|")
		if len(cells) == 1 {
			body.WriteString(`<w:p><w:r><w:t xml:space="preserve">` + p + `</w:t></w:r></w:p>`)
			continue
		}
		body.WriteString("<w:tbl><w:tr>")
		for _, c := range cells {
			body.WriteString(`<w:tc><w:p><w:r><w:t xml:space="preserve">` + c + `</w:t></w:r></w:p></w:tc>`)
		}
		body.WriteString("</w:tr></w:tbl>")
	}
	return []string{"[Content_Types].xml", docxContentTypes, "_rels/.rels", docxRels,
		"word/document.xml", docxHead + prolog + strings.Replace(docxBody, "%s", body.String(), 1)}
}

// odt returns the entries of an ODT whose body is paragraphs.
func odt(paragraphs ...string) []string {
	var body strings.Builder
	for _, p := range paragraphs {
		body.WriteString("<text:p>" + p + "</text:p>")
	}
	return []string{"mimetype", "application/vnd.oasis.opendocument.text",
		"META-INF/manifest.xml", `<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">` +
			`<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>` +
			`<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>`,
		"content.xml", `<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" ` +
			`xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3"><office:body><office:text>` +
			body.String() + `</office:text></office:body></office:document-content>`}
}

// fixtures are the files of testdata/ by name: zip entries (name, content
// …) for office files, the content itself for others.
var fixtures = map[string][]string{
	"letter.docx":   docx("", "Dear {contact.first_name},", "{contact.last_name}|{contact.account.name}"),
	"letter2.docx":  docx("", "Hello {contact.display_name}!"),
	"letter.odt":    odt("Dear {contact.first_name},", "{contact.account.name}"),
	"errors.docx":   docx("", "Dear {contact.frist_name},", "{contact.emial}|fine"),
	"unclosed.docx": docx("", "{#if contact.first_name}Hello", "no end"),
	"doctype.docx":  docx(`<!DOCTYPE w:document [<!ENTITY x "boom">]>`, "Dear &x;"),
	"bomb.docx":     append(docx("", "Hello"), "word/zeros.bin", strings.Repeat("\x00", 8<<20)),
	"nodoc.docx":    {"hello.txt", "a zip, but not a document"},
	"letter.html":   {"<p>Dear {contact.first_name},</p>\n<p>your request {request.number} is open.</p>\n"},
	"errors.html":   {"<p>Dear {contact.frist_name},</p>\n<p>{request.numbr}</p>\n"},
	"letter.txt":    {"\ufeffDear {contact.first_name | default \"customer\"},\n"},
	"notatext.txt":  {"Dear \xff\xfe"},
	"picture.png":   {"\x89PNG\r\n\x1a\n"},
}

// fixtureBytes builds a fixture's file.
func fixtureBytes(t testing.TB, name string) []byte {
	f := fixtures[name]
	if !strings.HasSuffix(name, ".docx") && !strings.HasSuffix(name, ".odt") {
		return []byte(f[0])
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for i := 0; i < len(f); i += 2 {
		method := zip.Deflate
		if f[i] == "mimetype" {
			method = zip.Store // ODF: stored, first
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f[i], Method: method, Modified: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(f[i+1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestFixtures keeps testdata/ in step with the definitions above; run
// with -update after changing them.
func TestFixtures(t *testing.T) {
	for name := range fixtures {
		path := filepath.Join("testdata", name)
		want := fixtureBytes(t, name)
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is stale or missing (%v): go test ./templates/templatefile -run TestFixtures -update", path, err)
		}
	}
}
