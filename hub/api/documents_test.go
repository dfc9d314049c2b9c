package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"rapport/hub/api"
	"rapport/hub/hubtest"
	"rapport/hub/merge"
	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// mergeBlobs is the in-memory blob store the API and the merge service share.
type mergeBlobs struct{ *hubtest.MemBlobs }

// documentsClient is newClient with a merge service (without PDF) on the
// API's blob store; with merging false, without one.
func newDocumentsClient(t *testing.T, s *store.Store, merging bool) (*client, mergeBlobs) {
	c := newClient(t, s)
	blobs := mergeBlobs{hubtest.NewMemBlobs()}
	cfg := api.Config{Store: s, Blobs: blobs.MemBlobs, MaxBodyBytes: 64 << 10}
	if merging {
		cfg.Merge = merge.New(merge.Config{Store: s, Blobs: blobs, DefaultLocale: "en-GB",
			Now: func() time.Time { return time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC) }})
	}
	c.a = api.New(cfg)
	r := mux.NewRouter()
	c.a.Mount(r.PathPrefix(api.Prefix).Subrouter())
	c.h = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.ServeHTTP(w, req.WithContext(model.WithActor(req.Context(), c.actor)))
	})
	return c, blobs
}

// template stores a template file (a text one unless name ends in .docx).
func (c *client) template(blobs mergeBlobs, name, recordType string, data []byte) string {
	c.t.Helper()
	ctx := model.WithActor(context.Background(), c.actor)
	info, err := blobs.Put(ctx, bytes.NewReader(data), name, 1<<20)
	if err != nil {
		c.t.Fatal(err)
	}
	format := model.TemplateText
	if strings.HasSuffix(name, ".docx") {
		format = model.TemplateDOCX
	}
	tmpl := &model.DocumentTemplate{Name: strings.TrimSuffix(name, path.Ext(name)), RecordType: recordType, Format: format, Revision: 1, Filename: name,
		ContentType: info.ContentType, Size: info.Size, SHA256: info.SHA256}
	if err := store.Create(ctx, c.s, tmpl); err != nil {
		c.t.Fatal(err)
	}
	return tmpl.ID
}

// letterDOCX is a one-paragraph Word letter to a contact.
func letterDOCX(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, body := range map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
		"word/document.xml": `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">` +
			`<w:body><w:p><w:r><w:t>Dear {contact.first_name} of {account.name},</w:t></w:r></w:p><w:sectPr/></w:body></w:document>`,
	} {
		w, _ := zw.Create(name)
		_, _ = io.WriteString(w, body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// mergeRecords makes an account with two contacts on a static list.
func (c *client) mergeRecords() (anna, list string) {
	acc := c.want(c.do("POST", "/accounts", `{"name": "Acme GmbH"}`), 201)["id"].(string)
	anna = c.want(c.do("POST", "/contacts", `{"first_name": "Анна", "last_name": "Smith", "account_id": "`+acc+`"}`), 201)["id"].(string)
	boris := c.want(c.do("POST", "/contacts", `{"first_name": "Boris", "last_name": "Brown", "account_id": "`+acc+`"}`), 201)["id"].(string)
	list = c.want(c.do("POST", "/mailing-lists", `{"name": "Letters"}`), 201)["id"].(string)
	c.want(c.do("POST", "/mailing-lists/"+list+"/members", `{"contact_ids": ["`+anna+`", "`+boris+`"]}`), 200)
	return anna, list
}

func TestDocumentsMerge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c, blobs := newDocumentsClient(t, s, true)
		anna, _ := c.mergeRecords()
		letter := c.template(blobs, "Welcome.docx", "contact", letterDOCX(t))
		r := c.do("POST", "/documents", `{"template_id": "`+letter+`", "record_type": "contact", "record_id": "`+anna+`"}`)
		if r.Code != http.StatusCreated {
			t.Fatalf("merge: %d %s", r.Code, r.Body.String())
		}
		h := r.Header()
		att := h.Get("Rapport-Attachment-Id")
		if h.Get("Content-Type") != merge.ContentTypes["docx"] || h.Get("Location") != api.Prefix+"/attachments/"+att ||
			h.Get("Rapport-Activity-Id") == "" || !strings.Contains(h.Get("Content-Disposition"), "Welcome%20%D0%90%D0%BD%D0%BD%D0%B0%20Smith.docx") {
			t.Errorf("headers %v", h)
		}
		zr, err := zip.NewReader(bytes.NewReader(r.Body.Bytes()), int64(r.Body.Len()))
		if err != nil || len(zr.File) != 3 {
			t.Fatalf("not the DOCX: %v", err)
		}
		if dl := c.do("GET", "/attachments/"+att+"/content", ""); !bytes.Equal(dl.Body.Bytes(), r.Body.Bytes()) {
			t.Error("the attachment is not the document")
		}
		acts := c.want(c.do("GET", "/activities?linked=contact:"+anna, ""), 200)["items"].([]any)
		if len(acts) != 1 || acts[0].(map[string]any)["kind"] != "document" || acts[0].(map[string]any)["id"] != h.Get("Rapport-Activity-Id") {
			t.Errorf("timeline %v", acts)
		}
		// Without saving: the document only.
		r = c.do("POST", "/documents", `{"template_id": "`+letter+`", "record_id": "`+anna+`", "save": false}`)
		if r.Code != http.StatusOK || r.Header().Get("Rapport-Attachment-Id") != "" || r.Header().Get("Content-Length") != strconv.Itoa(r.Body.Len()) {
			t.Errorf("unsaved: %d %v", r.Code, r.Header())
		}
		if n := len(c.want(c.do("GET", "/attachments?record_type=contact&record_id="+anna, ""), 200)["items"].([]any)); n != 1 {
			t.Errorf("%d attachments", n)
		}
		text := c.template(blobs, "note.txt", "contact", []byte("{contact.first_name}"))
		r = c.do("POST", "/documents", `{"template_id": "`+text+`", "record_id": "`+anna+`", "format": "text", "save": false}`)
		if r.Code != http.StatusOK || r.Body.String() != "Анна" || r.Header().Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Errorf("text: %d %q %v", r.Code, r.Body.String(), r.Header())
		}
	})
}

func TestDocumentsMergeErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c, blobs := newDocumentsClient(t, s, true)
		anna, list := c.mergeRecords()
		letter := c.template(blobs, "Welcome.docx", "contact", letterDOCX(t))
		typo := c.template(blobs, "typo.txt", "contact", []byte("Dear\n{contact.frist_name}"))
		loop := c.template(blobs, "loop.txt", "contact", []byte(`{#each contact.tags}{#each contact.tags}{#each contact.tags}{/each}{/each}{/each}`))
		tags := make([]string, 60)
		for i := range tags {
			tags[i] = strconv.Quote("t" + strconv.Itoa(i))
		}
		c.want(c.do("PATCH", "/contacts/"+anna, `{"tags": [`+strings.Join(tags, ",")+`]}`), 200)
		seq := c.feedSeq()
		for _, tc := range []struct {
			body   string
			status int
			want   string
		}{
			{`{"record_id": "` + anna + `"}`, 422, `"template_id"`},
			{`{"template_id": "` + letter + `", "record_id": "` + anna + `", "record_type": "quote"}`, 422, "the template is for a contact, not a quote"},
			{`{"template_id": "` + letter + `", "record_id": "` + list + `"}`, 404, "no contact"},
			{`{"template_id": "` + anna + `", "record_id": "` + anna + `"}`, 404, "no template"},
			{`{"template_id": "` + letter + `", "record_id": "` + anna + `", "format": "xls"}`, 422, "a docx template merges into docx or pdf"},
			{`{"template_id": "` + letter + `", "record_id": "` + anna + `", "format": "pdf"}`, 501, "LibreOffice is not installed"},
			{`{"template_id": "` + typo + `", "record_id": "` + anna + `"}`, 422, `"place":"","line":2,"column":2`},
			{`{"template_id": "` + loop + `", "record_id": "` + anna + `"}`, 413, "items in all"},
			{`{"template_id": "` + letter + `", "record_id": "` + anna + `", "pages": 2}`, 422, `"pages"`},
		} {
			r := c.do("POST", "/documents", tc.body)
			if r.Code != tc.status || !strings.Contains(r.Body.String(), tc.want) || r.Header().Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s: %d %s", tc.body, r.Code, r.Body.String())
			}
		}
		if c.feedSeq() != seq {
			t.Error("a refused merge wrote")
		}
		off, _ := newDocumentsClient(t, storetest.Open(t, "sqlite"), false)
		if r := off.do("POST", "/documents", `{"template_id": "`+letter+`", "record_id": "`+anna+`"}`); r.Code != http.StatusNotImplemented {
			t.Errorf("without merging: %d %s", r.Code, r.Body.String())
		}
	})
}

func (c *client) feedSeq() int64 {
	c.t.Helper()
	seq, err := c.s.LastSeq(context.Background())
	if err != nil {
		c.t.Fatal(err)
	}
	return seq
}

func TestDocumentsBulk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c, blobs := newDocumentsClient(t, s, true)
		anna, list := c.mergeRecords()
		letter := c.template(blobs, "Welcome.docx", "contact", letterDOCX(t))
		r := c.do("POST", "/documents/bulk", `{"template_id": "`+letter+`", "mailing_list_id": "`+list+`", "output": "zip"}`)
		if r.Code != http.StatusOK || r.Header().Get("Content-Type") != "application/zip" ||
			!strings.Contains(r.Header().Get("Content-Disposition"), `filename=Welcome.zip`) {
			t.Fatalf("zip: %d %v %.200s", r.Code, r.Header(), r.Body.String())
		}
		zr, err := zip.NewReader(bytes.NewReader(r.Body.Bytes()), int64(r.Body.Len()))
		if err != nil || len(zr.File) != 2 || zr.File[0].Name != "00001 Boris Brown.docx" {
			t.Fatalf("zip entries: %v", err)
		}
		r = c.do("POST", "/documents/bulk", `{"template_id": "`+letter+`", "ids": ["`+anna+`"]}`)
		if r.Code != http.StatusOK || r.Header().Get("Content-Type") != merge.ContentTypes["docx"] {
			t.Fatalf("combined: %d %.200s", r.Code, r.Body.String())
		}
		empty := c.want(c.do("POST", "/mailing-lists", `{"name": "Empty"}`), 201)["id"].(string)
		for _, tc := range []struct {
			body    string
			headers []string
			status  int
			want    string
		}{
			{`{"template_id": "` + letter + `", "mailing_list_id": "` + empty + `"}`, nil, 422, "there are no records to merge"},
			{`{"template_id": "` + letter + `", "mailing_list_id": "` + list + `", "ids": ["` + anna + `"]}`, nil, 422, "one of mailing_list_id, filter and ids"},
			{`{"template_id": "` + letter + `", "filter": {"all": [{"field": "first_name", "op": "like", "value": "A"}]}}`, nil, 422, "all[0].op"},
			{`{"template_id": "` + letter + `", "filter": {"all": [{"field": "shoe_size", "op": "eq", "value": "A"}]}}`, nil, 422, "unknown field"},
			{`{"template_id": "` + letter + `", "mailing_list_id": "` + list + `", "output": "pdf"}`, nil, 422, "combined or zip"},
			{`{"template_id": "` + letter + `", "mailing_list_id": "` + list + `", "format": "pdf"}`, nil, 501, "LibreOffice"},
			{`{"template_id": "` + letter + `", "mailing_list_id": "` + list + `"}`, []string{"Idempotency-Key", "k1"}, 422, "Idempotency-Key"},
		} {
			r := c.do("POST", "/documents/bulk", tc.body, tc.headers...)
			if r.Code != tc.status || !strings.Contains(r.Body.String(), tc.want) {
				t.Errorf("%s: %d %s", tc.body, r.Code, r.Body.String())
			}
		}
	})
}
