package builtin

import (
	"archive/zip"
	"bytes"
	"io"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"rapport/model"
	"rapport/templates/builtin/internal/gen"
)

// keys are the built-ins' keys in the order All lists them; other code
// (installing built-ins, docs/templates.md) relies on them.
var keys = []string{
	"letter-en", "letter-en.odt", "letter-ru", "letter-ru.odt",
	"welcome-en", "welcome-en.odt", "welcome-ru", "welcome-ru.odt",
	"quote-en", "quote-en.odt", "quote-ru", "quote-ru.odt",
	"order-en", "order-en.odt", "order-ru", "order-ru.odt",
	"invoice-en", "invoice-en.odt", "invoice-ru", "invoice-ru.odt",
	"rma-en", "rma-en.odt", "rma-ru", "rma-ru.odt",
	"request-ack-en.html", "request-ack-en.txt", "request-ack-ru.html", "request-ack-ru.txt",
}

// TestCatalog checks every built-in's fields: each installs as a valid
// model.DocumentTemplate, mail bodies have a subject that tags the request
// number, and Get finds each by key and returns a copy.
func TestCatalog(t *testing.T) {
	all := All()
	var got []string
	for _, tm := range all {
		got = append(got, tm.Key)
	}
	if !slices.Equal(got, keys) {
		t.Fatalf("keys:\n got  %q\n want %q", got, keys)
	}
	for _, tm := range all {
		rec := model.DocumentTemplate{Name: tm.Name, Description: tm.Description, RecordType: tm.RecordType, Format: tm.Format,
			Locale: tm.Locale, Subject: tm.Subject, Builtin: tm.Key, Revision: 1, Filename: tm.Filename, SHA256: strings.Repeat("0", 64)}
		rec.Normalize()
		if err := rec.Validate(); err != nil {
			t.Errorf("%s: %v", tm.Key, err)
		}
		if len(tm.Content) == 0 || tm.Description == "" {
			t.Errorf("%s: no content or description", tm.Key)
		}
		file, locale := tm.Key, "en-GB"
		if !strings.Contains(file, ".") {
			file += ".docx"
		}
		if strings.Contains(tm.Key, "-ru") {
			locale = "ru-RU"
		}
		if tm.Filename != file || tm.Locale != locale {
			t.Errorf("%s: file %s, locale %s; want %s, %s", tm.Key, tm.Filename, tm.Locale, file, locale)
		}
		mail := tm.Format == model.TemplateHTML || tm.Format == model.TemplateText
		if mail != strings.Contains(tm.Subject, "[{request.number}]") {
			t.Errorf("%s: subject %q", tm.Key, tm.Subject)
		}
	}
	tm, ok := Get("quote-ru.odt")
	if !ok || tm.Format != model.TemplateODT || tm.RecordType != "quote" || tm.Name != "Коммерческое предложение (Writer)" {
		t.Fatalf("Get: %+v, %v", tm, ok)
	}
	tm.Content[0] = 'X'
	if again, _ := Get("quote-ru.odt"); again.Content[0] == 'X' {
		t.Error("Get returns the shared content")
	}
	if _, ok := Get("quote-de"); ok {
		t.Error("Get finds an unknown key")
	}
}

// TestEmbeddedFiles checks that files/ holds exactly the built-ins' files
// and that the office files are what internal/gen writes now: run
// `go generate ./templates/builtin` after changing the generator. Zips are
// compared entry by entry, so a new compressor does not matter.
func TestEmbeddedFiles(t *testing.T) {
	var names []string
	for _, tm := range All() {
		names = append(names, tm.Filename)
	}
	entries, err := fs.ReadDir(files, "files")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !slices.Contains(names, e.Name()) {
			t.Errorf("files/%s belongs to no built-in", e.Name())
		}
	}
	generated, err := gen.Files()
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range generated {
		committed, err := files.ReadFile("files/" + name)
		if err != nil {
			t.Errorf("%v: run go generate ./templates/builtin", err)
			continue
		}
		if diff := zipDiff(t, committed, data); diff != "" {
			t.Errorf("files/%s is not what the generator writes (%s): run go generate ./templates/builtin", name, diff)
		}
	}
	again, err := gen.Files()
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range generated {
		if !bytes.Equal(again[name], data) {
			t.Errorf("%s: the generator's output changes from run to run", name)
		}
	}
}

// zipDiff compares two zips entry by entry: names in order and contents.
func zipDiff(t *testing.T, a, b []byte) string {
	t.Helper()
	read := func(data []byte) ([]string, map[string][]byte) {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		out := map[string][]byte{}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			out[f.Name], err = io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, f.Name)
		}
		return names, out
	}
	an, ac := read(a)
	bn, bc := read(b)
	if !slices.Equal(an, bn) {
		return "entries " + strings.Join(an, ",") + " ≠ " + strings.Join(bn, ",")
	}
	for _, n := range an {
		if !bytes.Equal(ac[n], bc[n]) {
			return n + " differs"
		}
	}
	return ""
}
