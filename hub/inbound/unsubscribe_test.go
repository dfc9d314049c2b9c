package inbound_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"rapport/hub/inbound"
	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

func TestOneClickUnsubscribe(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		rg := newRig(t, s, false)
		c := &model.Contact{FirstName: "Анна", LastName: "Петрова", Language: "ru",
			Emails: []model.Labeled{{Type: "work", Value: "anna@example.org"}}}
		if err := store.Create(rg.admin, s, c); err != nil {
			t.Fatal(err)
		}
		link := inbound.UnsubscribeURL("https://crm.example.com/", unsubscribeKey, c.ID)
		path := strings.TrimPrefix(link, "https://crm.example.com")
		if !strings.HasPrefix(path, "/in/unsubscribe/"+c.ID+".") {
			t.Fatalf("link %s", link)
		}
		unsubscribed := func() bool {
			got, err := store.Get[model.Contact](rg.admin, s, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got.Unsubscribed
		}

		// A link scanner's GET changes nothing.
		rec := httptest.NewRecorder()
		rg.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Отписаться") || unsubscribed() {
			t.Fatalf("GET: %d, unsubscribed=%v\n%s", rec.Code, unsubscribed(), rec.Body)
		}

		// Tampered and foreign tokens are not found and change nothing.
		for _, bad := range []string{"/in/unsubscribe/" + c.ID, path + "x", "/in/unsubscribe/x.y"} {
			if rec := rg.post(bad, "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click", "192.0.2.1"); rec.Code != http.StatusNotFound {
				t.Errorf("POST %s = %d", bad, rec.Code)
			}
		}
		if unsubscribed() {
			t.Fatal("a bad token unsubscribed the contact")
		}

		// The mail provider's one-click POST (RFC 8058).
		rec = rg.post(path, "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click", "192.0.2.1")
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Вы отписаны") || !unsubscribed() {
			t.Fatalf("one-click POST: %d, unsubscribed=%v\n%s", rec.Code, unsubscribed(), rec.Body)
		}
		if n := rg.count("changes", "entity = 'contact' AND record_id = ? AND op = 'update'", c.ID); n != 1 {
			t.Errorf("%d contact updates in the feed, want 1", n)
		}
		// Twice is fine and writes nothing more.
		if rec := rg.post(path, "", "", "192.0.2.1"); rec.Code != http.StatusOK {
			t.Errorf("second POST = %d", rec.Code)
		}
		if n := rg.count("changes", "entity = 'contact' AND record_id = ? AND op = 'update'", c.ID); n != 1 {
			t.Errorf("%d contact updates after a second POST, want 1", n)
		}
	})
}
