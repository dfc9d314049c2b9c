package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"rapport/hub/api"
	"rapport/hub/hubtest"
	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

func TestPrivacyExportAndErase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		blobs := hubtest.NewMemBlobs()
		var collected []string
		c.reconfigure(api.Config{Store: s, Blobs: blobs, MaxBodyBytes: 64 << 10, Privacy: api.Privacy{
			Keep: []string{model.KeepInvoices},
			CollectBlobs: func(_ context.Context, shas []string) (int, error) {
				collected = append(collected, shas...)
				return len(shas), nil
			}}})
		admin := c.actor
		sys := model.WithActor(context.Background(), model.System)
		id := c.want(c.do("POST", "/contacts", `{"first_name": "Ada", "last_name": "Lovelace", "emails": [{"value": "ada@example.com"}],
			"notes": "Prefers mornings"}`), http.StatusCreated)["id"].(string)
		c.want(c.do("POST", "/activities", `{"kind": "note", "subject": "Call with Ada", "contact_id": "`+id+`"}`), http.StatusCreated)
		info, err := blobs.Put(sys, strings.NewReader("Ada's CV"), "cv.txt", 100)
		if err != nil {
			t.Fatal(err)
		}
		att := &model.Attachment{RecordType: "contact", RecordID: id, Filename: "cv.txt", ContentType: "text/plain", Size: info.Size, SHA256: info.SHA256}
		if err := store.Create(sys, s, att); err != nil {
			t.Fatal(err)
		}
		export := "/contacts/" + id + "/privacy-export"
		erase := "/contacts/" + id + "/erase"

		// Admins only; a read-write token of an admin is not enough.
		agent := newAgent(t, s, "agent@example.com")
		c.actor = agent
		c.want(c.do("GET", export, ""), http.StatusForbidden)
		c.want(c.do("POST", erase, `{}`), http.StatusForbidden)
		c.actor = admin
		c.actor.Scopes = []string{"read", "write"}
		c.want(c.do("GET", export, ""), http.StatusForbidden)
		c.actor = admin
		c.want(c.do("GET", "/contacts/"+model.NewID()+"/privacy-export", ""), http.StatusNotFound)

		// The export: a zip with person.json and the files.
		r := c.do("GET", export, "")
		if r.Code != http.StatusOK || r.Header().Get("Content-Type") != "application/zip" ||
			!strings.Contains(r.Header().Get("Content-Disposition"), "person-"+id+".zip") || r.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("export: %d %v", r.Code, r.Header())
		}
		zr, err := zip.NewReader(bytes.NewReader(r.Body.Bytes()), int64(r.Body.Len()))
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]string{}
		for _, f := range zr.File {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			names[f.Name] = string(b)
		}
		var person struct {
			Contact    model.Contact     `json:"contact"`
			Activities []json.RawMessage `json:"activities"`
		}
		if err := json.Unmarshal([]byte(names["person.json"]), &person); err != nil || person.Contact.ID != id || len(person.Activities) != 1 ||
			names["files/attachments/"+att.ID+"/cv.txt"] != "Ada's CV" {
			t.Fatalf("archive %v: %+v %v", slices.Sorted(maps.Keys(names)), person, err)
		}

		// Bad erase requests change nothing; a dry run neither.
		c.want(c.do("POST", erase, `{`), http.StatusBadRequest)
		c.want(c.do("POST", erase, `{"dry_run": true, "keep": ["orders"]}`), http.StatusUnprocessableEntity)
		dry := c.want(c.do("POST", erase, `{"dry_run": true}`), http.StatusOK)
		if dry["dry_run"] != true || dry["changed"].(float64) < 3 || len(collected) != 0 {
			t.Fatalf("dry run %v, collected %v", dry, collected)
		}
		c.want(c.do("GET", "/contacts/"+id, ""), http.StatusOK)

		rep := c.want(c.do("POST", erase, `{}`), http.StatusOK)
		if rep["dry_run"] != false || !slices.Equal(collected, []string{info.SHA256}) || rep["blobs"] != float64(1) ||
			rep["blobs_deleted"] != float64(1) || rep["keep"].([]any)[0] != "invoices" {
			t.Fatalf("erase: %v, collected %v", rep, collected)
		}
		var tables []string
		for _, it := range rep["items"].([]any) {
			m := it.(map[string]any)
			tables = append(tables, m["table"].(string)+" "+m["action"].(string))
		}
		for _, want := range []string{"contacts erased", "activities erased", "attachments erased", "changes scrubbed"} {
			if !slices.Contains(tables, want) {
				t.Errorf("report lacks %q: %v", want, tables)
			}
		}
		c.want(c.do("GET", "/contacts/"+id, ""), http.StatusNotFound)
		p := c.want(c.do("POST", erase, `{}`), http.StatusGone)
		if p["code"] != model.EGONE || !strings.Contains(p["detail"].(string), "erased on") {
			t.Errorf("erasing twice: %v", p)
		}
		c.want(c.do("GET", export, ""), http.StatusGone)

		// The event is in the webhook catalogue, with a schema.
		events := c.want(c.do("GET", "/webhooks/event-types", ""), http.StatusOK)["items"].([]any)
		if !slices.ContainsFunc(events, func(e any) bool {
			m := e.(map[string]any)
			return m["type"] == model.EventContactErased && m["schema"] != nil && strings.Contains(m["description"].(string), "erased")
		}) {
			t.Error("contact.erased is not in the event catalogue")
		}
	})
}

func TestChangesBelowTheHorizon(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		for range 4 {
			c.want(c.do("POST", "/accounts", `{"name": "Acme"}`), http.StatusCreated)
		}
		page := c.want(c.do("GET", "/changes", ""), http.StatusOK)
		if page["horizon"] != float64(0) || len(page["items"].([]any)) < 5 {
			t.Fatalf("page %v", page)
		}
		if n, err := s.PruneFeed(model.WithActor(context.Background(), model.System), time.Now().Add(time.Hour), 100); err != nil || n < 4 {
			t.Fatalf("pruned %d: %v", n, err)
		}
		h, _ := s.FeedHorizon(context.Background())
		p := c.want(c.do("GET", "/changes?since=1", ""), http.StatusGone)
		if p["code"] != model.EGONE || !strings.Contains(p["detail"].(string), "read the records afresh") {
			t.Errorf("below the horizon: %v", p)
		}
		// Without since, the page starts at the horizon.
		page = c.want(c.do("GET", "/changes", ""), http.StatusOK)
		if page["horizon"] != float64(h) || len(page["items"].([]any)) != 1 {
			t.Errorf("page from the horizon: %v", page)
		}
	})
}
