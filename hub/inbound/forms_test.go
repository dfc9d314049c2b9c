package inbound_test

import (
	"bytes"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// newForm stores a contact form with a honeypot and a thank-you page.
func (rg *rig) newForm(edit func(f *model.WebForm)) *model.WebForm {
	rg.t.Helper()
	f := &model.WebForm{Name: "Contact us", Honeypot: "website_url", RedirectURL: "https://example.com/thanks", RateLimit: 50,
		IntakeRules: model.IntakeRules{Active: true, OwnerID: &rg.owner, Required: []string{"email"},
			Mapping: map[string]string{"first_name": "first", "last_name": "last", "email": "email", "company": "org",
				"tags": "interest", "custom_fields.source": "utm_source", "notes": "message"},
			Defaults: map[string]string{"language": "en"}}}
	if edit != nil {
		edit(f)
	}
	if err := rg.s.CreateWebForm(rg.admin, f); err != nil {
		rg.t.Fatal(err)
	}
	return f
}

func contactByEmail(t *testing.T, rg *rig, email string) *model.Contact {
	t.Helper()
	var id string
	if err := rg.row("SELECT record_id FROM search_keys WHERE entity = 'contact' AND kind = ? AND value = ?",
		model.KeyEmail, email).Scan(&id); err != nil {
		t.Fatalf("no contact with %s: %v", email, err)
	}
	c, err := store.Get[model.Contact](rg.admin, rg.s, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestWebFormCreatesContact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		rg := newRig(t, s, false)
		f := rg.newForm(nil)
		path := "/in/forms/" + f.Key

		// A browser posts the form: 303 to the thank-you page.
		rec := rg.post(path, "application/x-www-form-urlencoded",
			"first=Ada&last=Lovelace&email=Ada%40Example.com&org=Analytical+Engines&interest=pricing&interest=demo&utm_source=ad&message=Call+me&website_url=", "192.0.2.1",
			"User-Agent", "Firefox", "Referer", "https://example.com/contact")
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "https://example.com/thanks" {
			t.Fatalf("%d %s %s", rec.Code, rec.Header().Get("Location"), rec.Body)
		}
		if rec.Header().Get("Access-Control-Allow-Origin") != "*" {
			t.Error("no CORS header")
		}
		c := contactByEmail(t, rg, "ada@example.com")
		if c.DisplayName != "Ada Lovelace" || c.Language != "en" || c.Notes != "Call me" || c.OwnerID == nil || *c.OwnerID != rg.owner ||
			strings.Join(c.Tags, ",") != "pricing,demo" || c.CustomFields["source"] != "ad" || c.AccountID == nil {
			t.Errorf("contact %+v", c)
		}
		acct, err := store.Get[model.Account](rg.admin, s, *c.AccountID)
		if err != nil || acct.Name != "Analytical Engines" {
			t.Errorf("account %+v %v", acct, err)
		}
		var note model.Activity
		if err := rg.row("SELECT subject, description FROM activities WHERE contact_id = ?", c.ID).Scan(&note.Subject, &note.Description); err != nil {
			t.Fatal(err)
		}
		if note.Subject != "Web form “Contact us” submitted" || !strings.Contains(note.Description, "email: Ada@Example.com") ||
			!strings.Contains(note.Description, "192.0.2.1 (Firefox)") || !strings.Contains(note.Description, "https://example.com/contact") {
			t.Errorf("note %q\n%s", note.Subject, note.Description)
		}
		// The history says where the contact came from.
		var actor string
		if err := rg.row("SELECT actor FROM changes WHERE entity = 'contact' AND record_id = ?", c.ID).Scan(&actor); err != nil || actor != "web form Contact us" {
			t.Errorf("feed actor %q %v", actor, err)
		}

		// A script posts JSON for a known address: 200 JSON, the contact
		// is not changed by a public form, the note lands on it.
		before := rg.count("contacts", "")
		rec = rg.post(path, "application/json", `{"first":"Mallory","last":"Evil","email":"ada@example.com","interest":["x",1,true]}`, "192.0.2.2")
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"received"`) {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		if rg.count("contacts", "") != before {
			t.Error("a second contact for a known address")
		}
		if again := contactByEmail(t, rg, "ada@example.com"); again.FirstName != "Ada" || again.Version != c.Version {
			t.Errorf("the public form changed the contact: %+v", again)
		}
		if n := rg.count("activities", "contact_id = ?", c.ID); n != 2 {
			t.Errorf("%d notes on the contact", n)
		}

		// No redirect configured: a short thank-you page.
		plain := rg.newForm(func(f *model.WebForm) { f.RedirectURL = "" })
		rec = rg.post("/in/forms/"+plain.Key, "application/x-www-form-urlencoded", "email=grace@example.com", "192.0.2.3")
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Thank you") || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" {
			t.Errorf("%d %s", rec.Code, rec.Body)
		}
	})
}

func TestWebFormMultipart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		rg := newRig(t, s, false)
		f := rg.newForm(nil)
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField("first", "Grace")
		_ = mw.WriteField("email", "grace@example.com")
		fw, _ := mw.CreateFormFile("cv", "cv.pdf")
		_, _ = fw.Write([]byte("%PDF-1.4 ignored"))
		_ = mw.Close()
		rec := rg.post("/in/forms/"+f.Key, mw.FormDataContentType(), body.String(), "192.0.2.1")
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		if c := contactByEmail(t, rg, "grace@example.com"); c.FirstName != "Grace" {
			t.Errorf("%+v", c)
		}
	})
}

// TestWebFormRefusals: spam, bad and oversized input, unknown and inactive
// forms change nothing; a flood from one address is throttled while other
// visitors still get through.
func TestWebFormRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		rg := newRig(t, s, false)
		f := rg.newForm(func(f *model.WebForm) { f.RateLimit = 3 })
		path := "/in/forms/" + f.Key
		const form = "application/x-www-form-urlencoded"
		before := rg.snapshot()

		// The honeypot: answered like a success, nothing stored.
		rec := rg.post(path, form, "email=bot@example.com&website_url=http://spam.example", "198.51.100.1")
		if rec.Code != http.StatusSeeOther {
			t.Errorf("spam: %d", rec.Code)
		}
		rg.unchanged(before, "spam")

		for _, tc := range []struct {
			name, ctype, body string
			status            int
		}{
			{"missing required", form, "first=NoMail", http.StatusUnprocessableEntity},
			{"bad e-mail", form, "email=not-an-address", http.StatusUnprocessableEntity},
			{"bad JSON", "application/json", `{"email":`, http.StatusBadRequest},
			{"JSON object value", "application/json", `{"email":{"a":1}}`, http.StatusBadRequest},
			{"JSON array body", "application/json", `["email"]`, http.StatusBadRequest},
			{"oversized", form, "email=a@example.com&message=" + strings.Repeat("x", 5<<10), http.StatusRequestEntityTooLarge},
			{"bad encoding", form, "email=%zz", http.StatusBadRequest},
			{"XML", "application/xml", "<email/>", http.StatusBadRequest},
			{"multipart without boundary", "multipart/form-data", "x", http.StatusBadRequest},
		} {
			ip := "203.0.113." + tc.name[:1] // its own address, clear of the limit below
			rec := rg.post(path, tc.ctype, tc.body, ip, "Accept", "application/json")
			if rec.Code != tc.status || rec.Header().Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s: %d %s %s", tc.name, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
			}
		}
		// A browser gets the same refusal as a page that lists the fields.
		rec = rg.post(path, form, "email=not-an-address", "203.0.113.200")
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "<li>") {
			t.Errorf("browser refusal: %d %s", rec.Code, rec.Body)
		}
		rg.unchanged(before, "refused submissions")

		if rec := rg.post("/in/forms/wf_nope", form, "email=a@example.com", "203.0.113.9"); rec.Code != http.StatusNotFound {
			t.Errorf("unknown form: %d", rec.Code)
		}
		off := rg.newForm(func(f *model.WebForm) { f.Active = false })
		if rec := rg.post("/in/forms/"+off.Key, form, "email=a@example.com", "203.0.113.9"); rec.Code != http.StatusNotFound {
			t.Errorf("inactive form: %d", rec.Code)
		}

		// A flood from one address: three go through, the rest get 429
		// with Retry-After; another visitor is not affected.
		var ok, limited int
		for i := range 10 {
			rec := rg.post(path, form, "email=flood"+string(rune('a'+i))+"@example.com", "198.51.100.7")
			switch rec.Code {
			case http.StatusSeeOther:
				ok++
			case http.StatusTooManyRequests:
				limited++
				if rec.Header().Get("Retry-After") == "" {
					t.Error("429 without Retry-After")
				}
			default:
				t.Fatalf("flood: %d %s", rec.Code, rec.Body)
			}
		}
		if ok != 3 || limited != 7 {
			t.Errorf("flood: %d accepted, %d limited", ok, limited)
		}
		if rec := rg.post(path, form, "email=real.person@example.com", "198.51.100.8"); rec.Code != http.StatusSeeOther {
			t.Errorf("a legitimate visitor during the flood: %d", rec.Code)
		}
		contactByEmail(t, rg, "real.person@example.com")
	})
}

func TestWebFormPreflight(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		rg := newRig(t, s, false)
		req := httptest.NewRequest(http.MethodOptions, "/in/forms/anything", nil)
		rec := httptest.NewRecorder()
		rg.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Origin") != "*" ||
			!strings.Contains(rec.Header().Get("Access-Control-Allow-Headers"), "Content-Type") {
			t.Errorf("%d %v", rec.Code, rec.Header())
		}
	})
}

// TestWebFormValidation: the model refuses mappings that could not work.
func TestWebFormValidation(t *testing.T) {
	f := &model.WebForm{Name: "x", Honeypot: "email", RedirectURL: "javascript:alert(1)", RateLimit: -1,
		IntakeRules: model.IntakeRules{Target: "planet", Mapping: map[string]string{}}}
	f.Normalize()
	var me *model.Error
	err := f.Validate()
	if !errors.As(err, &me) || me.Fields["target"] == "" || me.Fields["redirect_url"] == "" || me.Fields["rate_limit"] == "" {
		t.Fatalf("%#v", err)
	}
	f.Target = "contact"
	f.Mapping = map[string]string{"email": "email", "shoe_size": "s", "custom_fields.x": ""}
	f.Required = []string{"last_name"}
	f.Normalize()
	err = f.Validate()
	if !errors.As(err, &me) || me.Fields["mapping.shoe_size"] == "" || me.Fields["mapping.custom_fields.x"] == "" ||
		me.Fields["required"] == "" || me.Fields["honeypot"] == "" {
		t.Fatalf("%#v", err)
	}
}

// TestWebFormCreatesRequest: a support form opens a request from the web
// channel for the contact with the e-mail address (made if new).
func TestWebFormCreatesRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		rg := newRig(t, s, false)
		f := rg.newForm(func(f *model.WebForm) {
			f.Target = model.TargetRequest
			f.Mapping = map[string]string{"email": "email", "last_name": "name", "subject": "topic", "description": "message", "priority": "urgency"}
			f.Required, f.Defaults = []string{"email", "description"}, nil
		})
		rec := rg.post("/in/forms/"+f.Key, "application/x-www-form-urlencoded",
			"email=grace@example.com&name=Hopper&topic=&message=The+compiler+crashes%0Aon+every+build&urgency=high", "192.0.2.4")
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		c := contactByEmail(t, rg, "grace@example.com")
		var id string
		if err := rg.row("SELECT id FROM requests WHERE contact_id = ?", c.ID).Scan(&id); err != nil {
			t.Fatal(err)
		}
		r, err := store.Get[model.Request](rg.admin, s, id)
		if err != nil || r.Subject != "The compiler crashes" || r.Channel != "web" || r.Priority != "high" || r.Status != model.RequestNew {
			t.Fatalf("%+v %v", r, err)
		}
		if n := rg.count("activities", "id IN (SELECT activity_id FROM activity_links WHERE entity = 'request' AND record_id = ?)", id); n != 1 {
			t.Errorf("%d notes on the request", n)
		}
		before := rg.snapshot()
		if rec := rg.post("/in/forms/"+f.Key, "application/x-www-form-urlencoded", "email=grace@example.com&message=x&urgency=whenever", "192.0.2.4",
			"Accept", "application/json"); rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("bad priority: %d %s", rec.Code, rec.Body)
		}
		rg.unchanged(before, "a refused request form")
	})
}
