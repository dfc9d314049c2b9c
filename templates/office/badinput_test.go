package office

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"strings"
	"testing"

	"rapport/model"
)

// minimalDOCX returns the entries of a small valid DOCX.
func minimalDOCX(t *testing.T) map[string][]byte {
	t.Helper()
	return entries(t, docxOf(t, wp("Hello {contact.first_name}"), ""))
}

// withEntries returns a DOCX's entries changed by the given ones (nil
// values delete).
func withEntries(t *testing.T, change map[string][]byte) []byte {
	files := minimalDOCX(t)
	for k, v := range change {
		if v == nil {
			delete(files, k)
		} else {
			files[k] = v
		}
	}
	return zipFiles(t, files)
}

// rawZip writes entries with the sizes their headers declare, true or not.
func rawZip(t *testing.T, name string, data []byte, declared uint64) []byte {
	t.Helper()
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write(data)
	fw.Close()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range []struct {
		name string
		data []byte
	}{{contentTypes, minimalDOCX(t)[contentTypes]}} {
		w, _ := zw.Create(f.name)
		w.Write(f.data)
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(data),
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: declared})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp.Bytes())
	zw.Close()
	return b.Bytes()
}

// zipInOrder writes entries (name, text, name, text …) in that order.
func zipInOrder(t *testing.T, nameText ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for i := 0; i < len(nameText); i += 2 {
		w, err := zw.Create(nameText[i])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(nameText[i+1]))
	}
	zw.Close()
	return b.Bytes()
}

func TestBadInput(t *testing.T) {
	doc := `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="` + nsW + `"><w:body>`
	many := map[string][]byte{}
	for i := range 30 {
		many["extra/"+strings.Repeat("x", i+1)] = []byte("x")
	}
	zeros := make([]byte, 4<<20)
	cases := []struct {
		name string
		src  []byte
		cfg  Config
		kind error
		code string
		msg  string
	}{
		{"not a zip", []byte("just text"), Config{}, ErrNotDocument, model.EINVALID, "not a DOCX or ODT document: the file is not a zip archive"},
		{"empty zip", zipFiles(t, map[string][]byte{"a.txt": []byte("x")}), Config{}, ErrNotDocument, model.EINVALID,
			"not a DOCX or ODT document: the archive has neither [Content_Types].xml nor mimetype"},
		{"no document.xml", withEntries(t, map[string][]byte{"word/document.xml": nil}), Config{}, ErrNotDocument, model.EINVALID,
			"not a Word document: it has no word/document.xml"},
		{"ODT without content", zipFiles(t, map[string][]byte{"mimetype": []byte(odtMime), odtManifst: []byte("<m/>")}), Config{}, ErrNotDocument, model.EINVALID,
			"not an ODT document: it has no content.xml"},
		{"spreadsheet", zipFiles(t, map[string][]byte{"mimetype": []byte("application/vnd.oasis.opendocument.spreadsheet")}), Config{}, ErrNotDocument, model.EINVALID,
			`mimetype: not a text document: the mimetype is "application/vnd.oasis.opendocument.spreadsheet"`},
		{"mimetype not first", zipInOrder(t, "content.xml", "<x/>", "mimetype", odtMime), Config{}, ErrNotDocument, model.EINVALID,
			"not an ODT document: the first entry must be mimetype, not content.xml"},
		{"entry outside the archive", withEntries(t, map[string][]byte{"../evil.xml": []byte("x")}), Config{}, ErrUnsafe, model.EINVALID,
			"../evil.xml: the entry name leads outside the archive (..)"},
		{"absolute entry", withEntries(t, map[string][]byte{"/etc/cron.d/x": []byte("x")}), Config{}, ErrUnsafe, model.EINVALID,
			"/etc/cron.d/x: the entry name is not a relative path inside the archive"},
		{"drive letter", withEntries(t, map[string][]byte{`C:\x`: []byte("x")}), Config{}, ErrUnsafe, model.EINVALID,
			`C:\x: the entry name is not a relative path inside the archive`},
		{"too many entries", withEntries(t, many), Config{Limits: Limits{MaxEntries: 20}}, ErrTooLarge, model.ETOOLARGE,
			"the archive has 33 entries; the limit is 20"},
		{"zip bomb", withEntries(t, map[string][]byte{"word/media/zeros.bin": zeros}), Config{}, ErrTooLarge, model.ETOOLARGE,
			"word/media/zeros.bin: the entry is compressed more than 200:1 (a zip bomb?)"},
		{"big entry", withEntries(t, map[string][]byte{"word/media/big.bin": bytes.Repeat([]byte("0123456789abcdef"), 1<<13)}),
			Config{Limits: Limits{MaxEntryBytes: 64 << 10}}, ErrTooLarge, model.ETOOLARGE, "word/media/big.bin: the entry has 131072 bytes uncompressed; the limit is 65536"},
		{"big in total", withEntries(t, map[string][]byte{"a.bin": bytes.Repeat([]byte("a"), 40<<10), "b.bin": bytes.Repeat([]byte("b"), 40<<10)}),
			Config{Limits: Limits{MaxTotalBytes: 64 << 10}}, ErrTooLarge, model.ETOOLARGE, "the entries hold more than 65536 bytes uncompressed"},
		{"big file", withEntries(t, nil), Config{Limits: Limits{MaxFileBytes: 100}}, ErrTooLarge, model.ETOOLARGE, "the file has"},
		{"lying sizes", rawZip(t, "word/document.xml", []byte(doc+strings.Repeat("<w:p/>", 1000)+`</w:body></w:document>`), 100), Config{}, ErrMalformed, model.EMALFORMED,
			"word/document.xml: cannot read the entry: zip: not a valid zip file"},
		{"DOCTYPE", withEntries(t, map[string][]byte{"word/document.xml": []byte(`<?xml version="1.0"?>` + "\n" + `<!DOCTYPE w [<!ENTITY lol "lol">]><w:document/>`)}),
			Config{}, ErrUnsafe, model.EINVALID, "word/document.xml, line 2: the XML has a DOCTYPE or other declaration"},
		{"undefined entity", withEntries(t, map[string][]byte{"word/document.xml": []byte(doc + "<w:p><w:r><w:t>&lol;</w:t></w:r></w:p></w:body></w:document>")}),
			Config{}, ErrMalformed, model.EMALFORMED, "word/document.xml, line 1: broken XML: invalid character entity &lol;"},
		{"broken XML", withEntries(t, map[string][]byte{"word/document.xml": []byte(doc + "\n<w:p>\n<w:r></w:p></w:body></w:document>")}),
			Config{}, ErrMalformed, model.EMALFORMED, "word/document.xml, line 3: broken XML: element <r> closed by </p>"},
		{"not UTF-8", withEntries(t, map[string][]byte{"word/document.xml": []byte(`<?xml version="1.0" encoding="ISO-8859-1"?><w:document/>`)}),
			Config{}, ErrMalformed, model.EMALFORMED, "word/document.xml, line 1: the XML is not in UTF-8"},
		{"deep XML", withEntries(t, map[string][]byte{"word/document.xml": []byte(strings.Repeat("<a>", 300) + strings.Repeat("</a>", 300))}),
			Config{}, ErrMalformed, model.EMALFORMED, "word/document.xml, line 1: elements nested deeper than 256 levels"},
		{"big part", withEntries(t, map[string][]byte{"word/document.xml": []byte(doc + strings.Repeat("<w:p/>", 2000) + "</w:body></w:document>")}),
			Config{Limits: Limits{MaxPartBytes: 4096}}, ErrTooLarge, model.ETOOLARGE, "word/document.xml: the entry has"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := Open(bytes.NewReader(c.src), int64(len(c.src)), c.cfg)
			if d != nil || err == nil {
				t.Fatal("opened")
			}
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, c.kind) || model.ErrorCode(err) != c.code || !strings.HasPrefix(err.Error(), c.msg) {
				t.Errorf("got %v (%T, code %s)\nwant %s… (%v, %s)", err, err, model.ErrorCode(err), c.msg, c.kind, c.code)
			}
		})
	}
}

// TestTemplateFormats merges Word and Writer templates (.dotx, .ott) into
// documents, and refuses documents with macros.
func TestTemplateFormats(t *testing.T) {
	files := minimalDOCX(t)
	files[contentTypes] = bytes.Replace(files[contentTypes], []byte(ctDocument), []byte(ctTemplate), 1)
	out := entries(t, mergeDoc(t, openBytes(t, zipFiles(t, files)), fixtureData(1, "EUR"), "en-US"))
	if ct := out[contentTypes]; !bytes.Contains(ct, []byte(ctDocument)) || bytes.Contains(ct, []byte(ctTemplate)) {
		t.Errorf(".dotx content types: %s", ct)
	}
	files = entries(t, odtOf(t, "<text:p>{contact.first_name}</text:p>"))
	files["mimetype"] = []byte(odtMime + "-template")
	files[odtManifst] = bytes.Replace(files[odtManifst], []byte(odtMime), []byte(odtMime+"-template"), 1)
	merged := mergeDoc(t, openBytes(t, zipFiles(t, files)), fixtureData(1, "EUR"), "en-US")
	zr, _ := zip.NewReader(bytes.NewReader(merged), int64(len(merged)))
	out = entries(t, merged)
	if first := zr.File[0]; first.Name != "mimetype" || first.Method != zip.Store || string(out["mimetype"]) != odtMime ||
		bytes.Contains(out[odtManifst], []byte("-template")) {
		t.Errorf(".ott: first entry %s (method %d): %q; manifest %s", first.Name, first.Method, out["mimetype"], out[odtManifst])
	}
	files = minimalDOCX(t)
	files[contentTypes] = bytes.Replace(files[contentTypes], []byte(ctDocument), []byte("application/vnd.ms-word.document.macroEnabled.main+xml"), 1)
	src := zipFiles(t, files)
	if _, err := Open(bytes.NewReader(src), int64(len(src)), Config{}); !errors.Is(err, ErrUnsafe) {
		t.Errorf("macros: %v", err)
	}
}
