package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"rapport/model/store"
	"rapport/model/storetest"
)

func TestContactCRUDOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		body := `{"first_name": "Иван", "last_name": "Петров 李 🚀", "emails": [{"type": "work", "value": "ivan@example.ru"}],
			"phones": [{"type": "mobile", "value": "+7 916 123-45-67"}], "notes": "Robert'); DROP TABLE contacts;--", "tags": ["vip"]}`
		r := c.do("POST", "/contacts", body)
		created := c.want(r, http.StatusCreated)
		id := created["id"].(string)
		if r.Header().Get("ETag") != `"1"` || r.Header().Get("Location") != "/api/v1/contacts/"+id {
			t.Fatalf("headers %v", r.Header())
		}
		if created["last_name"] != "Петров 李 🚀" || created["notes"] != "Robert'); DROP TABLE contacts;--" {
			t.Fatalf("round trip %v", created)
		}
		dup := c.want(c.do("POST", "/contacts", `{"first_name": "Ваня", "emails": [{"value": "IVAN@example.ru"}]}`), http.StatusCreated)
		warnings, _ := dup["warnings"].([]any)
		if len(warnings) != 1 || !strings.Contains(fmt.Sprint(warnings[0]), id) {
			t.Fatalf("duplicate warning %v", dup)
		}
		got := c.want(c.do("GET", "/contacts/"+id, ""), http.StatusOK)
		if got["display_name"] != "Иван Петров 李 🚀" {
			t.Fatalf("get %v", got)
		}
		patched := c.want(c.do("PATCH", "/contacts/"+id, `{"title": "Директор", "tags": null}`,
			"Content-Type", "application/merge-patch+json", "If-Match", `"1"`), http.StatusOK)
		if patched["title"] != "Директор" || patched["version"] != float64(2) || len(patched["tags"].([]any)) != 0 {
			t.Fatalf("patch %v", patched)
		}
		c.want(c.do("PATCH", "/contacts/"+id, `{"title": "x"}`, "If-Match", `"1"`), http.StatusPreconditionFailed)
		hist := c.want(c.do("GET", "/contacts/"+id+"/history", ""), http.StatusOK)
		items := hist["items"].([]any)
		if len(items) != 2 || items[1].(map[string]any)["fields"].(map[string]any)["title"].(map[string]any)["new"] != "Директор" {
			t.Fatalf("history %v", hist)
		}
		c.want(c.do("DELETE", "/contacts/"+id, ""), http.StatusNoContent)
		c.want(c.do("GET", "/contacts/"+id, ""), http.StatusNotFound)
		feed := c.want(c.do("GET", "/changes?since=0&limit=100", ""), http.StatusOK)
		if n := len(feed["items"].([]any)); n < 4 {
			t.Fatalf("feed has %d changes", n)
		}
	})
}

func TestBadInputChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		id := c.want(c.do("POST", "/contacts", `{"first_name": "Keep"}`), http.StatusCreated)["id"].(string)
		cases := []struct {
			name, method, path, body string
			status                   int
			field                    string
		}{
			{"malformed", "POST", "/contacts", `{"first_name": `, 400, ""},
			{"not an object", "POST", "/contacts", `[1,2]`, 422, ""},
			{"unknown field", "POST", "/contacts", `{"first_name": "A", "shoe_size": 44}`, 422, "shoe_size"},
			{"wrong type", "POST", "/contacts", `{"first_name": 5}`, 422, "first_name"},
			{"bad email", "POST", "/contacts", `{"first_name": "A", "emails": [{"value": "not-an-email"}]}`, 422, "emails[0].value"},
			{"bad phone", "POST", "/contacts", `{"first_name": "A", "phones": [{"value": "call me maybe"}]}`, 422, "phones[0].value"},
			{"bad url", "POST", "/accounts", `{"name": "A", "website": "javascript:alert(1)"}`, 422, "website"},
			{"bad date", "POST", "/contacts", `{"first_name": "A", "birthday": "31/12/1990"}`, 422, ""},
			{"unknown account", "POST", "/contacts", `{"first_name": "A", "account_id": "01900000-0000-7000-8000-000000000000"}`, 422, "account_id"},
			{"too large", "POST", "/contacts", `{"notes": "` + strings.Repeat("x", 70<<10) + `"}`, 413, ""},
			{"unknown id", "GET", "/contacts/01900000-0000-7000-8000-000000000000", "", 404, ""},
			{"garbage id", "PATCH", "/contacts/not-an-id", `{"title": "x"}`, 404, ""},
			{"patch unknown field", "PATCH", "/contacts/" + id, `{"shoe_size": 1}`, 422, "shoe_size"},
			{"patch not object", "PATCH", "/contacts/" + id, `"x"`, 422, ""},
			{"bad sort", "GET", "/contacts?sort=password_hash", "", 422, ""},
			{"bad limit", "GET", "/contacts?limit=100000", "", 422, "limit"},
			{"NUL in text", "POST", "/contacts", `{"first_name": "A\u0000B"}`, 422, ""},
			{"name too long", "POST", "/contacts", `{"first_name": "` + strings.Repeat("я", 201) + `"}`, 422, "first_name"},
			{"language too long", "POST", "/contacts", `{"first_name": "A", "language": "` + strings.Repeat("x", 17) + `"}`, 422, "language"},
			{"int out of range", "POST", "/activities", `{"kind": "call", "subject": "x", "duration_seconds": 99999999999999}`, 422, "duration_seconds"},
			{"NUL in filter", "GET", "/contacts?language=%00", "", 422, ""},
			{"unknown attendee", "POST", "/activities", `{"kind": "appointment", "subject": "x", "start_at": "2026-01-01T10:00:00Z", "attendees": [{"contact_id": "01900000-0000-7000-8000-000000000000"}]}`, 422, "attendees[0].contact_id"},
			{"Local zone", "POST", "/activities", `{"kind": "task", "subject": "x", "time_zone": "Local"}`, 422, "time_zone"},
			{"year zero birthday", "POST", "/contacts", `{"first_name": "A", "birthday": "0000-01-01"}`, 422, "birthday"},
			{"bad UTF-8 in filter", "GET", "/contacts?language=%FF", "", 422, ""},
			{"NUL in search", "POST", "/contacts/search", `{"all": [{"field": "first_name", "op": "eq", "value": "\u0000"}]}`, 422, ""},
			{"NUL in patch", "PATCH", "/contacts/" + id, `{"notes": "x\u0000"}`, 422, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := c.do(tc.method, tc.path, tc.body)
				if r.Code != tc.status {
					t.Fatalf("status %d, want %d: %s", r.Code, tc.status, r.Body.String())
				}
				if r.Header().Get("Content-Type") != "application/problem+json" {
					t.Fatalf("content type %q", r.Header().Get("Content-Type"))
				}
				if tc.field != "" && !strings.Contains(r.Body.String(), `"field":"`+tc.field+`"`) {
					t.Fatalf("no error for %s: %s", tc.field, r.Body.String())
				}
			})
		}
		list := c.want(c.do("GET", "/contacts", ""), http.StatusOK)
		if n := len(list["items"].([]any)); n != 1 {
			t.Fatalf("bad input wrote records: %d contacts", n)
		}
		if seq, _ := s.LastSeq(t.Context()); seq != 2 { // the admin user and the one contact
			t.Fatalf("bad input wrote changes: last seq %d", seq)
		}
	})
}

func TestListSearchAndFilterOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		for i, n := range []string{"Жанна", "Anna", "Яна", "Boris", "Ольга"} {
			c.want(c.do("POST", "/contacts", fmt.Sprintf(`{"first_name": %q, "tags": [%q]}`, n, []string{"a", "b"}[i%2])), http.StatusCreated)
		}
		var names []string
		cursor := ""
		for {
			page := c.want(c.do("GET", "/contacts?limit=2&sort=-name&cursor="+cursor, ""), http.StatusOK)
			for _, it := range page["items"].([]any) {
				names = append(names, it.(map[string]any)["first_name"].(string))
			}
			if cursor = page["next_cursor"].(string); cursor == "" {
				break
			}
		}
		if strings.Join(names, ",") != "Яна,Ольга,Жанна,Boris,Anna" {
			t.Fatalf("sorted %v", names)
		}
		q := c.want(c.do("GET", "/contacts?q=%D0%96%D0%90%D0%9D", ""), http.StatusOK) // ЖАН
		if len(q["items"].([]any)) != 1 {
			t.Fatalf("q %v", q)
		}
		f := c.want(c.do("POST", "/contacts/search?tag=a", `{"all": [{"field": "first_name", "op": "ne", "value": "Яна"}]}`), http.StatusOK)
		if len(f["items"].([]any)) != 2 {
			t.Fatalf("search %v", f)
		}
		c.want(c.do("POST", "/contacts/search", `{"all": [{"field": "first_name", "op": "like", "value": "x"}]}`), http.StatusUnprocessableEntity)
	})
}

func TestIdempotencyKeyReplays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		body := `{"name": "Acme"}`
		first := c.do("POST", "/accounts", body, "Idempotency-Key", "k-1")
		second := c.do("POST", "/accounts", body, "Idempotency-Key", "k-1")
		a, b := c.want(first, 201), c.want(second, 201)
		if a["id"] != b["id"] || second.Header().Get("Idempotent-Replayed") != "true" {
			t.Fatalf("not replayed: %v %v", a, b)
		}
		c.want(c.do("POST", "/accounts", `{"name": "Other"}`, "Idempotency-Key", "k-1"), http.StatusUnprocessableEntity)
		list := c.want(c.do("GET", "/accounts", ""), 200)
		if n := len(list["items"].([]any)); n != 1 {
			t.Fatalf("%d accounts", n)
		}
	})
}

func TestReadOnlyTokenCannotWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		c.actor.Scopes = []string{"read"}
		c.want(c.do("GET", "/contacts", ""), http.StatusOK)
		c.want(c.do("POST", "/contacts", `{"first_name": "A"}`), http.StatusForbidden)
		c.want(c.do("POST", "/tokens", `{"scopes": "read,write"}`), http.StatusForbidden)
		c.want(c.do("GET", "/audit", ""), http.StatusForbidden)
	})
}

func TestOwnCredentialsOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		tok := c.want(c.do("POST", "/tokens", `{"name": "ci", "scopes": "read", "expires_in": "24h"}`), http.StatusCreated)
		if !strings.HasPrefix(tok["token"].(string), "rpt_") || tok["expires_at"] == nil {
			t.Fatalf("token %v", tok)
		}
		c.want(c.do("POST", "/tokens", `{"expires_in": "soon"}`), http.StatusUnprocessableEntity)
		list := c.want(c.do("GET", "/tokens", ""), http.StatusOK)
		if len(list["items"].([]any)) != 1 || strings.Contains(fmt.Sprint(list), "hash") {
			t.Fatalf("tokens %v", list)
		}
		c.want(c.do("DELETE", "/tokens/"+tok["id"].(string), ""), http.StatusNoContent)
		c.want(c.do("DELETE", "/tokens/"+tok["id"].(string), ""), http.StatusNotFound)
		feed := c.want(c.do("POST", "/ics-feeds", `{"include_tasks": true}`), http.StatusCreated)
		if !strings.HasPrefix(feed["path"].(string), "/ics/ics_") || !strings.HasSuffix(feed["url"].(string), ".ics") {
			t.Fatalf("feed %v", feed)
		}
		c.want(c.do("DELETE", "/ics-feeds/"+feed["id"].(string), ""), http.StatusNoContent)
		app := c.want(c.do("POST", "/app-passwords", `{"label": "Anna's iPhone"}`), http.StatusCreated)
		if len(app["password"].(string)) != 29 {
			t.Fatalf("app password %v", app)
		}
		c.want(c.do("POST", "/app-passwords", `{"label": ""}`), http.StatusUnprocessableEntity)
	})
}

func TestTokensCannotMintOrReplaySecrets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		first := c.do("POST", "/tokens", `{"name": "x"}`, "Idempotency-Key", "k")
		second := c.do("POST", "/tokens", `{"name": "x"}`, "Idempotency-Key", "k")
		a, b := c.want(first, 201), c.want(second, 201)
		if a["token"] == b["token"] || second.Header().Get("Idempotent-Replayed") != "" || first.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("a one-time secret was replayed: %v %v", a, b)
		}
		var n int64
		if err := s.DB().QueryRow("SELECT COUNT(*) FROM idempotency_keys").Scan(&n); err != nil || n != 0 {
			t.Fatalf("secrets kept for replay: %d %v", n, err)
		}
		c.actor.Scopes = []string{"read", "write"}
		for _, path := range []string{"/tokens", "/app-passwords", "/ics-feeds"} {
			c.want(c.do("POST", path, `{}`), http.StatusForbidden)
		}
		c.actor.Scopes = []string{"read"}
		c.want(c.do("DELETE", "/tokens/"+a["id"].(string), ""), http.StatusForbidden)
	})
}
