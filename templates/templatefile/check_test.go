package templatefile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rapport/model"
	"rapport/templates/office"
)

// check runs Check on a file of testdata/ (or ../office/testdata/ for the
// real Word and Writer templates), uploaded under name.
func check(t *testing.T, path, name, contentType, recordType string) (Result, error) {
	t.Helper()
	if !strings.Contains(path, "/") {
		path = filepath.Join("testdata", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return Check(bytes.NewReader(b), int64(len(b)), name, contentType, recordType)
}

func TestCheckGoodTemplates(t *testing.T) {
	cases := []struct{ path, name, contentType, recordType, format string }{
		{"letter.docx", "letter.docx", "", "contact", model.TemplateDOCX},
		{"letter.docx", "letter", "application/octet-stream", "contact", model.TemplateDOCX},
		{"letter.docx", "Письмо.dotx", "", "", model.TemplateDOCX},
		{"letter2.docx", "letter2.docx", "", "contact", model.TemplateDOCX},
		{"letter.odt", "letter.odt", "", "contact", model.TemplateODT},
		{"../office/testdata/quote-en.docx", "quote.docx", "", "quote", model.TemplateDOCX},
		{"../office/testdata/letter-ru.odt", "letter.odt", "", "quote", model.TemplateODT},
		{"../office/testdata/letter-ru.odt", "letter.ott", "", "", model.TemplateODT},
		{"letter.html", "ack.html", "", "request", model.TemplateHTML},
		{"letter.html", "ack", "text/html; charset=utf-8", "request", model.TemplateHTML},
		{"letter.txt", "ack.txt", "", "contact", model.TemplateText},
		{"letter.txt", "ack", "text/plain", "contact", model.TemplateText},
	}
	for _, c := range cases {
		res, err := check(t, c.path, c.name, c.contentType, c.recordType)
		if err != nil || res.Format != c.format || res.Errors != nil {
			t.Errorf("%s as %s: %+v %v", c.path, c.name, res, err)
		}
	}
}

func TestCheckReportsEveryErrorWithItsPlace(t *testing.T) {
	cases := []struct {
		path, recordType string
		want             []string
	}{
		{"errors.docx", "contact", []string{
			"paragraph 1, column 7: unknown field contact.frist_name; did you mean contact.first_name?",
			"table 1 row 1 cell 1, column 2: unknown field contact.emial; did you mean contact.emails?"}},
		{"unclosed.docx", "contact", []string{"paragraph 1, column 1: {#if} is not closed: add {/if}"}},
		{"errors.html", "request", []string{"line 1, column 10: unknown field contact.frist_name; did you mean contact.first_name?",
			"line 2, column 5: unknown field request.numbr; did you mean request.number?"}},
		// The right file for another record type.
		{"letter.html", "quote", []string{"line 2, column 18: unknown field request"}},
	}
	for _, c := range cases {
		res, err := check(t, c.path, c.path, "", c.recordType)
		if err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		var got []string
		for _, e := range res.Errors {
			got = append(got, e.Error())
		}
		if len(got) < len(c.want) {
			t.Fatalf("%s: errors %q, want %q", c.path, got, c.want)
		}
		for i, w := range c.want {
			if got[i] != w {
				t.Errorf("%s: error %d is %q, want %q", c.path, i, got[i], w)
			}
		}
	}
}

func TestCheckRefusesBadFiles(t *testing.T) {
	cases := []struct {
		path, name, contentType string
		code                    string
		kind                    error // office's kind, when office refused it
		msg                     string
	}{
		{"doctype.docx", "x.docx", "", model.EINVALID, office.ErrUnsafe, "DOCTYPE"},
		{"bomb.docx", "x.docx", "", model.ETOOLARGE, office.ErrTooLarge, "200:1"},
		{"nodoc.docx", "x.docx", "", model.EINVALID, office.ErrNotDocument, "neither"},
		{"letter.txt", "x.docx", "", model.EINVALID, office.ErrNotDocument, "not a zip"},
		{"letter.txt", "x", ContentType(model.TemplateDOCX), model.EINVALID, office.ErrNotDocument, "not a zip"},
		{"letter.docx", "letter.odt", "", model.EINVALID, nil, "is a Word (DOCX) document, but its name ends in .odt"},
		{"../office/testdata/letter-ru.odt", "letter.docx", "", model.EINVALID, nil, "is a Writer (ODT) document, but its name ends in .docx"},
		{"picture.png", "picture.png", "image/png", model.EINVALID, nil, "not a template"},
		{"letter.html", "letter", "", model.EINVALID, nil, "not a template"},
		{"notatext.txt", "x.txt", "", model.EINVALID, nil, "not UTF-8"},
	}
	for _, c := range cases {
		res, err := check(t, c.path, c.name, c.contentType, "contact")
		if model.ErrorCode(err) != c.code || !strings.Contains(model.ErrorMessage(err), c.msg) || res.Errors != nil {
			t.Errorf("%s as %s: %+v %v, want %s %q", c.path, c.name, res, err, c.code, c.msg)
		}
		if c.kind != nil && !errors.Is(err, c.kind) {
			t.Errorf("%s: %v is not %v", c.path, err, c.kind)
		}
	}
	if _, err := check(t, "letter.docx", "x.docx", "", "spaceship"); model.ErrorCode(err) != model.EINVALID {
		t.Errorf("unknown record type: %v", err)
	}
	big := bytes.Repeat([]byte("x"), 3<<20)
	if _, err := Check(bytes.NewReader(big), int64(len(big)), "big.txt", "", ""); model.ErrorCode(err) != model.ETOOLARGE {
		t.Errorf("big text: %v", err)
	}
}
