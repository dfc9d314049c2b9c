package api_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rapport/model/store"
	"rapport/model/storetest"
	"rapport/templates/templatefile"
)

// templateFixture reads a template file of templates/templatefile's
// fixtures (or, with a directory, one of templates/office's).
func templateFixture(t *testing.T, name string) []byte {
	t.Helper()
	path := filepath.Join("../../templates/templatefile/testdata", name)
	if strings.Contains(name, "/") {
		path = filepath.Join("../../templates", name)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// upload sends multipart/form-data: the fields (name, value …) and, unless
// filename is "", the file.
func (c *client) upload(path, filename string, content []byte, fields ...string) response {
	c.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		_ = mw.WriteField(fields[i], fields[i+1])
	}
	if filename != "" {
		fw, _ := mw.CreateFormFile("file", filename)
		_, _ = fw.Write(content)
	}
	_ = mw.Close()
	return c.do("POST", path, b.String(), "Content-Type", mw.FormDataContentType())
}

// lintPlaces returns the "place: message" of each error of a lint answer.
func lintPlaces(m map[string]any) []string {
	var out []string
	for _, e := range m["errors"].([]any) {
		e := e.(map[string]any)
		out = append(out, e["place"].(string)+": "+e["message"].(string))
	}
	return out
}

func TestTemplateLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		letter, letter2 := templateFixture(t, "letter.docx"), templateFixture(t, "letter2.docx")
		rec := c.upload("/templates", "Письмо.docx", letter, "name", "Welcome letter", "record_type", "contact", "locale", "ru-RU")
		tpl := c.want(rec, http.StatusCreated)
		id := tpl["id"].(string)
		if tpl["format"] != "docx" || tpl["revision"] != float64(1) || tpl["filename"] != "Письмо.docx" || tpl["size"] != float64(len(letter)) ||
			!strings.HasPrefix(tpl["content_type"].(string), "application/vnd.openxmlformats") || rec.Header().Get("Location") != "/api/v1/templates/"+id {
			t.Fatalf("created %v %v", tpl, rec.Header())
		}
		if items := c.want(c.do("GET", "/templates?record_type=contact", ""), 200)["items"].([]any); len(items) != 1 {
			t.Fatalf("list %v", items)
		}
		if items := c.want(c.do("GET", "/templates?record_type=quote", ""), 200)["items"].([]any); len(items) != 0 {
			t.Fatalf("quote templates %v", items)
		}
		dl := c.do("GET", "/templates/"+id+"/content", "")
		if dl.Code != 200 || !bytes.Equal(dl.Body.Bytes(), letter) || !strings.Contains(dl.Header().Get("Content-Disposition"), "attachment") {
			t.Fatalf("download %d %v", dl.Code, dl.Header())
		}
		if again := c.do("GET", "/templates/"+id+"/content", "", "If-None-Match", dl.Header().Get("ETag")); again.Code != http.StatusNotModified {
			t.Fatalf("conditional download %d", again.Code)
		}

		// A new revision, the same file again (nothing new), a stale
		// If-Match, and a file of another format.
		rec = c.upload("/templates/"+id+"/versions", "letter2.docx", letter2, "note", "shorter")
		v2 := c.want(rec, http.StatusCreated)
		if v2["revision"] != float64(2) || rec.Header().Get("Location") != "/api/v1/templates/"+id+"/versions/2/content" {
			t.Fatalf("revision 2 %v %v", v2, rec.Header())
		}
		if same := c.want(c.upload("/templates/"+id+"/versions", "letter2.docx", letter2), http.StatusOK); same["revision"] != float64(2) {
			t.Fatalf("same file %v", same)
		}
		c.want(c.do("POST", "/templates/"+id+"/versions/1/restore", "", "If-Match", `"1"`), http.StatusPreconditionFailed)
		odt := c.want(c.upload("/templates/"+id+"/versions", "letter.odt", templateFixture(t, "letter.odt")), http.StatusUnprocessableEntity)
		if !strings.Contains(odt["errors"].([]any)[0].(map[string]any)["message"].(string), "the template is docx; this file is odt") {
			t.Fatalf("format change %v", odt)
		}

		versions := c.want(c.do("GET", "/templates/"+id+"/versions", ""), 200)["items"].([]any)
		if len(versions) != 2 || versions[1].(map[string]any)["note"] != "shorter" {
			t.Fatalf("versions %v", versions)
		}
		if old := c.do("GET", "/templates/"+id+"/versions/1/content", ""); old.Code != 200 || !bytes.Equal(old.Body.Bytes(), letter) {
			t.Fatalf("revision 1 download %d", old.Code)
		}
		for _, rev := range []string{"9", "0", "x"} {
			c.want(c.do("GET", "/templates/"+id+"/versions/"+rev+"/content", ""), http.StatusNotFound)
		}
		restored := c.want(c.do("POST", "/templates/"+id+"/versions/1/restore", ""), http.StatusOK)
		if restored["revision"] != float64(3) || restored["sha256"] != tpl["sha256"] {
			t.Fatalf("restored %v", restored)
		}

		// PATCH changes the fields, never the file or format.
		patched := c.want(c.do("PATCH", "/templates/"+id, `{"name": "Письмо", "sha256": "`+v2["sha256"].(string)+`", "format": "odt", "revision": 7}`), 200)
		if patched["name"] != "Письмо" || patched["sha256"] != tpl["sha256"] || patched["format"] != "docx" || patched["revision"] != float64(3) {
			t.Fatalf("patched %v", patched)
		}
		if lint := c.want(c.do("POST", "/templates/"+id+"/lint", ""), 200); len(lint["errors"].([]any)) != 0 {
			t.Fatalf("stored lint %v", lint)
		}
		c.want(c.do("DELETE", "/templates/"+id, ""), http.StatusNoContent)
		c.want(c.do("GET", "/templates/"+id, ""), http.StatusNotFound)
		c.want(c.do("GET", "/templates/"+id+"/content", ""), http.StatusNotFound)
	})
}

func TestTemplateUploadsAreLintedAndRefusedWhole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		contact := []string{"name", "Letter", "record_type", "contact"}
		refused := func(file, as string, status int, fields ...string) map[string]any {
			t.Helper()
			before := c.feedAndRows("document_template_versions")
			m := c.want(c.upload("/templates", as, templateFixture(t, file), fields...), status)
			if after := c.feedAndRows("document_template_versions"); after != before {
				t.Fatalf("%s wrote: %v → %v", file, before, after)
			}
			return m
		}
		m := refused("errors.docx", "errors.docx", http.StatusUnprocessableEntity, contact...)
		want := []string{
			"paragraph 1: unknown field contact.frist_name; did you mean contact.first_name?",
			"table 1 row 1 cell 1: unknown field contact.emial; did you mean contact.emails?"}
		if got := lintPlaces(m); strings.Join(got, "\n") != strings.Join(want, "\n") || m["code"] != "invalid" ||
			!strings.HasSuffix(m["detail"].(string), "(and 1 more)") {
			t.Fatalf("lint refusal %v", m)
		}
		if got := lintPlaces(refused("unclosed.docx", "x.docx", 422, contact...)); len(got) != 1 || !strings.Contains(got[0], "{#if} is not closed") {
			t.Fatalf("unclosed %v", got)
		}
		// The right file for another record type.
		refused("letter.html", "x.html", 422, "name", "Quote", "record_type", "quote")
		for _, bad := range []struct {
			file, as string
			status   int
			detail   string
		}{
			{"doctype.docx", "x.docx", 422, "DOCTYPE"},
			{"bomb.docx", "x.docx", 413, "200:1"},
			{"nodoc.docx", "x.docx", 422, "not a DOCX or ODT document"},
			{"letter.txt", "x.docx", 422, "not a zip archive"},
			{"picture.png", "x.png", 422, "not a template"},
			{"letter.docx", "x.odt", 422, "but its name ends in .odt"},
		} {
			if m := refused(bad.file, bad.as, bad.status, contact...); !strings.Contains(m["detail"].(string), bad.detail) {
				t.Errorf("%s: %v", bad.file, m)
			}
		}
		// Fields: required, unknown, a subject on a Word template.
		refused("letter.docx", "x.docx", 422, "record_type", "contact")
		refused("letter.docx", "x.docx", 422, "name", "x")
		refused("letter.docx", "x.docx", 422, "name", "x", "record_type", "contact", "colour", "red")
		refused("letter.docx", "x.docx", 422, "name", "x", "record_type", "contact", "subject", "Hi")
		refused("letter.docx", "../x.docx", 422, contact...)
		c.want(c.upload("/templates", "", nil, contact...), 422)
		// Over the upload limit (lowered here): 413 before anything is read
		// as a template.
		defer func(max int64) { templatefile.MaxBytes = max }(templatefile.MaxBytes)
		templatefile.MaxBytes = 1 << 20
		big := append(templateFixture(t, "letter.docx"), make([]byte, 1<<20)...)
		if m := c.want(c.upload("/templates", "big.docx", big, contact...), 413); !strings.Contains(m["detail"].(string), "larger than") {
			t.Fatalf("large upload %v", m)
		}
		c.want(c.do("POST", "/templates", `{"name": "x"}`), http.StatusBadRequest)
		// Mail templates.
		mail := c.want(c.upload("/templates", "ack.html", templateFixture(t, "letter.html"), "name", "Ack", "record_type", "request",
			"subject", "Request {request.number}"), http.StatusCreated)
		if mail["format"] != "html" || mail["content_type"] != "text/html; charset=utf-8" {
			t.Fatalf("mail template %v", mail)
		}
		m = refused("errors.html", "errors.html", 422, "name", "x", "record_type", "request")
		if got := lintPlaces(m); len(got) != 2 || m["errors"].([]any)[1].(map[string]any)["line"] != float64(2) {
			t.Fatalf("html lint %v", m)
		}
	})
}

func TestTemplateLintWithoutStoring(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		before := c.feedAndRows("document_templates")
		m := c.want(c.upload("/templates/lint", "errors.docx", templateFixture(t, "errors.docx"), "record_type", "contact"), 200)
		if got := lintPlaces(m); len(got) != 2 || !strings.HasPrefix(got[1], "table 1 row 1 cell 1: ") {
			t.Fatalf("lint %v", m)
		}
		m = c.want(c.upload("/templates/lint", "quote.docx", templateFixture(t, "office/testdata/quote-en.docx"), "record_type", "quote"), 200)
		if m["format"] != "docx" || len(m["errors"].([]any)) != 0 {
			t.Fatalf("clean lint %v", m)
		}
		c.want(c.upload("/templates/lint", "x.docx", templateFixture(t, "doctype.docx")), 422)
		c.want(c.upload("/templates/lint", "x.docx", templateFixture(t, "letter.docx"), "record_type", "spaceship"), 422)
		if after := c.feedAndRows("document_templates"); after != before {
			t.Fatalf("lint wrote: %v → %v", before, after)
		}
	})
}
