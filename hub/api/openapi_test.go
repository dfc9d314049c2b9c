package api_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"rapport/hub/api"
	"rapport/model/store"
	"rapport/model/storetest"
)

// TestOpenAPICoversEveryRoute walks the router and fails when a mounted
// route is missing from openapi.json.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	s := storetest.Open(t, "sqlite")
	a := api.New(api.Config{Store: s})
	r := mux.NewRouter()
	a.Mount(r.PathPrefix(api.Prefix).Subrouter())
	doc, err := json.Marshal(a.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(doc, &spec); err != nil || spec.OpenAPI != "3.1.0" {
		t.Fatalf("spec %v %v", spec.OpenAPI, err)
	}
	n := 0
	err = r.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		path, err1 := route.GetPathTemplate()
		methods, err2 := route.GetMethods()
		if err1 != nil || err2 != nil {
			return nil // the prefix subrouter itself
		}
		for _, m := range methods {
			n++
			if _, ok := spec.Paths[path][strings.ToLower(m)]; !ok {
				t.Errorf("%s %s is not in openapi.json", m, path)
			}
		}
		return nil
	})
	if err != nil || n < 40 {
		t.Fatalf("walked %d routes: %v", n, err)
	}
	if _, ok := spec.Paths["/api/v1/contacts"]["get"]; !ok {
		t.Fatal("paths must be written in full")
	}
	var full struct {
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	_ = json.Unmarshal(doc, &full)
	for _, m := range regexp.MustCompile(`"#/components/schemas/([A-Za-z]+)"`).FindAllStringSubmatch(string(doc), -1) {
		if _, ok := full.Components.Schemas[m[1]]; !ok {
			t.Errorf("$ref to missing schema %s", m[1])
		}
	}
}

func TestAttachmentUploadAndDownload(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		id := c.want(c.do("POST", "/accounts", `{"name": "Acme"}`), 201)["id"].(string)
		upload := func(name, recordID string, content []byte) *httptest.ResponseRecorder {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			_ = mw.WriteField("record_type", "account")
			_ = mw.WriteField("record_id", recordID)
			fw, _ := mw.CreateFormFile("file", "x")
			_, _ = fw.Write(content)
			_ = mw.Close()
			body := strings.Replace(buf.String(), `filename="x"`, `filename="`+name+`"`, 1)
			req := httptest.NewRequest("POST", "/api/v1/attachments", strings.NewReader(body))
			req.Header.Set("Content-Type", mw.FormDataContentType())
			rec := httptest.NewRecorder()
			c.h.ServeHTTP(rec, req)
			return rec
		}
		rec := upload("Договор №1.txt", id, []byte("привет"))
		if rec.Code != http.StatusCreated {
			t.Fatalf("upload %d %s", rec.Code, rec.Body.String())
		}
		var att map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &att)
		if att["filename"] != "Договор №1.txt" || att["size"] != float64(len("привет")) {
			t.Fatalf("attachment %v", att)
		}
		dl := c.do("GET", "/attachments/"+att["id"].(string)+"/content", "")
		if dl.Code != 200 || dl.Body.String() != "привет" || !strings.Contains(dl.Header().Get("Content-Disposition"), "attachment") {
			t.Fatalf("download %d %q %v", dl.Code, dl.Body.String(), dl.Header())
		}
		for _, bad := range []string{"../../etc/passwd", `..\evil.exe`, "a/b.txt"} {
			if rec := upload(bad, id, []byte("x")); rec.Code != http.StatusUnprocessableEntity {
				t.Errorf("%q: %d %s", bad, rec.Code, rec.Body.String())
			}
		}
		if rec := upload("ok.txt", "01900000-0000-7000-8000-000000000000", []byte("x")); rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("unknown record: %d", rec.Code)
		}
		list := c.want(c.do("GET", "/attachments?record_type=account&record_id="+id, ""), 200)
		if len(list["items"].([]any)) != 1 {
			t.Fatalf("attachments %v", list)
		}
	})
}
