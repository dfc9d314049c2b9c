package officepdf

import (
	"archive/zip"
	"bytes"
	"html"
	"strings"
	"testing"
)

// The test documents are built here rather than kept as files, so that
// each can carry the address of the test's own HTTP server.

// zipDoc packs an office document; files are name, content pairs, stored
// in that order (ODT wants its mimetype first and uncompressed).
func zipDoc(t testing.TB, files ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for i := 0; i < len(files); i += 2 {
		method := zip.Deflate
		if files[i] == "mimetype" {
			method = zip.Store
		}
		f, err := w.CreateHeader(&zip.FileHeader{Name: files[i], Method: method})
		if err == nil {
			_, err = f.Write([]byte(files[i+1]))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// docx is a one-paragraph-per-line Word document. With remote set, it also
// shows a picture linked (not embedded) from remote+"/docx.png" and
// includes one with an INCLUDEPICTURE field.
func docx(t testing.TB, text, remote string) []byte {
	var body, rels strings.Builder
	for _, line := range strings.Split(text, "\n") {
		body.WriteString(`<w:p><w:r><w:t xml:space="preserve">` + html.EscapeString(line) + `</w:t></w:r></w:p>`)
	}
	if remote != "" {
		rels.WriteString(`<Relationship Id="rIdPic" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="` + remote + `/docx.png" TargetMode="External"/>`)
		body.WriteString(`<w:p><w:r><w:drawing><wp:inline><wp:extent cx="952500" cy="952500"/><wp:docPr id="1" name="Linked"/>` +
			`<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic>` +
			`<pic:nvPicPr><pic:cNvPr id="1" name="Linked"/><pic:cNvPicPr/></pic:nvPicPr>` +
			`<pic:blipFill><a:blip r:link="rIdPic"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>` +
			`<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="952500" cy="952500"/></a:xfrm><a:prstGeom prst="rect"/></pic:spPr>` +
			`</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>`)
		body.WriteString(`<w:p><w:fldSimple w:instr=" INCLUDEPICTURE &quot;` + remote + `/field.png&quot; \d "><w:r><w:t>picture</w:t></w:r></w:fldSimple></w:p>`)
	}
	return zipDoc(t,
		"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+
			`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`+
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>`+
			`<Default Extension="xml" ContentType="application/xml"/>`+
			`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+
			`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
		"word/_rels/document.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+
			`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+rels.String()+`</Relationships>`,
		"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+
			`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"`+
			` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`+
			` xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"`+
			` xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"`+
			` xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">`+
			`<w:body>`+body.String()+`</w:body></w:document>`,
	)
}

// odt is a one-paragraph-per-line ODF text document. With remote set, it
// also shows a picture linked from remote+"/odt.png" and a section linked
// to remote+"/section.odt".
func odt(t testing.TB, text, remote string) []byte {
	var body strings.Builder
	for _, line := range strings.Split(text, "\n") {
		body.WriteString(`<text:p>` + html.EscapeString(line) + `</text:p>`)
	}
	if remote != "" {
		body.WriteString(`<text:p><draw:frame draw:name="Linked" text:anchor-type="as-char" svg:width="2cm" svg:height="2cm">` +
			`<draw:image xlink:href="` + remote + `/odt.png" xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/></draw:frame></text:p>`)
		body.WriteString(`<text:section text:name="Linked"><text:section-source xlink:href="` + remote + `/section.odt" xlink:type="simple"/><text:p>section</text:p></text:section>`)
	}
	const ns = ` xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"` +
		` xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"` +
		` xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"` +
		` xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"` +
		` xmlns:xlink="http://www.w3.org/1999/xlink"`
	return zipDoc(t,
		"mimetype", "application/vnd.oasis.opendocument.text",
		"META-INF/manifest.xml", `<?xml version="1.0" encoding="UTF-8"?>`+
			`<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">`+
			`<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>`+
			`<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>`,
		"content.xml", `<?xml version="1.0" encoding="UTF-8"?>`+
			`<office:document-content`+ns+` office:version="1.2"><office:body><office:text>`+body.String()+
			`</office:text></office:body></office:document-content>`,
	)
}

// htmlDoc is a one-paragraph-per-line HTML page. With remote set, it also
// loads from the remote server what LibreOffice's HTML import fetches:
// style sheets (<link>, @import), background images (body, style
// attribute) and a picture.
func htmlDoc(text, remote string) []byte {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>Test</title>`)
	body := `<body>`
	if remote != "" {
		b.WriteString(`<link rel="stylesheet" href="` + remote + `/link.css"><style>@import url(` + remote + `/import.css);</style>`)
		body = `<body background="` + remote + `/body.png">`
	}
	b.WriteString(`</head>` + body)
	for _, line := range strings.Split(text, "\n") {
		b.WriteString(`<p>` + html.EscapeString(line) + `</p>`)
	}
	if remote != "" {
		b.WriteString(`<p style="background: url(` + remote + `/style.png)"><img src="` + remote + `/html.png" width="50" height="50" alt="x"></p>`)
	}
	b.WriteString(`</body></html>`)
	return []byte(b.String())
}

// testDoc builds a document of the given format.
func testDoc(t testing.TB, format, text, remote string) []byte {
	switch format {
	case "docx":
		return docx(t, text, remote)
	case "odt":
		return odt(t, text, remote)
	}
	return htmlDoc(text, remote)
}
