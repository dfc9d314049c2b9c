package api_test

import (
	"context"

	"testing"

	"rapport/model/store"
	"rapport/model/storetest"
)

// TestMeAndDAVSettings: /users/me is the signed-in user (not a user called
// "me"); a user turns the "mine" address book on through /dav-collections;
// DAV links on contacts are read-only over the API.
func TestMeAndDAVSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		me := c.want(c.do("GET", "/users/me", ""), 200)
		if me["email"] != "admin@example.com" {
			t.Fatalf("me: %v", me)
		}
		col := c.want(c.do("POST", "/dav-collections", `{"kind":"addressbook","slug":"mine","builtin":true,"enabled":true}`), 201)
		if col["owner_id"] != me["id"] {
			t.Errorf("collection owner %v", col["owner_id"])
		}
		ct := c.want(c.do("POST", "/contacts", `{"first_name":"Ann","dav":{"uid":"x","name":"../evil","extra":"X-A:1"}}`), 201)
		if dav, _ := ct["dav"].(map[string]any); len(dav) != 0 {
			t.Errorf("create kept client DAV fields: %v", dav)
		}
		id := ct["id"].(string)
		ct = c.want(c.do("PATCH", "/contacts/"+id, `{"dav":{"uid":"y"},"title":"CEO"}`), 200)
		if dav, _ := ct["dav"].(map[string]any); len(dav) != 0 || ct["title"] != "CEO" {
			t.Errorf("patch changed DAV fields: %v", ct)
		}
	})
}

// TestAppPasswordsListAndRevoke: each device's DAV password is listed
// without its secret and revoked on its own.
func TestAppPasswordsListAndRevoke(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		app := c.want(c.do("POST", "/app-passwords", `{"label": "Tablet"}`), 201)
		list := c.want(c.do("GET", "/app-passwords", ""), 200)
		items := list["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["label"] != "Tablet" || items[0].(map[string]any)["password"] != nil {
			t.Fatalf("list: %v", list)
		}
		c.want(c.do("DELETE", "/app-passwords/"+app["id"].(string), ""), 204)
		c.want(c.do("DELETE", "/app-passwords/"+app["id"].(string), ""), 404)
		if _, err := s.AppPasswordAuth(context.Background(), "admin@example.com", app["password"].(string)); err == nil {
			t.Error("revoked app password still signs in")
		}
	})
}
