package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// newAgent adds a staff member without admin rights.
func newAgent(t *testing.T, s *store.Store, email string) model.Actor {
	t.Helper()
	u := &model.User{Email: email, Name: "Agent " + email, Role: model.RoleAgent}
	if err := s.CreateUser(model.WithActor(context.Background(), model.System), u, ""); err != nil {
		t.Fatal(err)
	}
	return model.Actor{UserID: u.ID, Name: u.Name, Role: u.Role}
}

func TestRESTHooks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newWebhookClient(t, s)
		admin := c.actor
		agent := newAgent(t, s, "zap@example.com")
		other := newAgent(t, s, "other@example.com")

		// Any staff member with write scope subscribes; the secret is shown once.
		c.actor = agent
		r := c.do("POST", "/hooks", `{"target_url": "https://hooks.zapier.example/catch/1", "event": "contact.created"}`)
		sub := c.want(r, http.StatusCreated)
		id, _ := sub["id"].(string)
		if sub["event"] != "contact.created" || sub["target_url"] != "https://hooks.zapier.example/catch/1" || sub["owner_id"] != agent.UserID ||
			!strings.HasPrefix(sub["secret"].(string), "whsec_") || r.Header().Get("Location") != "/api/v1/hooks/"+id || r.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("%v %v", sub, r.Header())
		}
		ep, err := store.Get[model.WebhookEndpoint](model.WithActor(context.Background(), admin), s, id)
		if err != nil || !ep.RESTHook || ep.OwnerID != agent.UserID || !ep.Active || ep.EventTypes[0] != "contact.created" {
			t.Fatalf("stored %+v %v", ep, err)
		}
		got := c.want(c.do("GET", "/hooks/"+id, ""), http.StatusOK)
		if _, shown := got["secret"]; shown || got["id"] != id {
			t.Errorf("get %v", got)
		}
		if list := c.want(c.do("GET", "/hooks", ""), http.StatusOK); len(list["items"].([]any)) != 1 {
			t.Errorf("own list %v", list)
		}

		// Bad input: 4xx naming the request's fields, nothing stored.
		for body, field := range map[string]string{
			`{"target_url": "http://127.0.0.1:9/x", "event": "contact.created"}`:   "target_url",
			`{"target_url": "http://10.0.0.1/x", "event": "contact.created"}`:      "target_url",
			`{"target_url": "ftp://example.com/x", "event": "contact.created"}`:    "target_url",
			`{"target_url": "https://example.com/x", "event": "contact.exploded"}`: "event",
			`{"target_url": "https://example.com/x"}`:                              "event",
		} {
			p := c.want(c.do("POST", "/hooks", body), http.StatusUnprocessableEntity)
			if !strings.Contains(c.do("POST", "/hooks", body).Body.String(), `"field":"`+field+`"`) {
				t.Errorf("%s: %v", body, p)
			}
		}
		c.want(c.do("POST", "/hooks", `{"target_url": "https://example.com/x", "event": "contact.created", "extra": 1}`), http.StatusUnprocessableEntity)
		c.want(c.do("POST", "/hooks", `{"target_url": `), http.StatusBadRequest)

		// Another user neither sees nor deletes it; a read-only token may not subscribe.
		c.actor = other
		c.want(c.do("GET", "/hooks/"+id, ""), http.StatusNotFound)
		c.want(c.do("DELETE", "/hooks/"+id, ""), http.StatusNotFound)
		if list := c.want(c.do("GET", "/hooks", ""), http.StatusOK); len(list["items"].([]any)) != 0 {
			t.Errorf("other's list %v", list)
		}
		c.actor.Scopes = []string{model.ScopeRead}
		c.want(c.do("POST", "/hooks", `{"target_url": "https://example.com/x", "event": "contact.created"}`), http.StatusForbidden)
		// Nor may a non-admin reach it through the admin endpoints API.
		c.actor = agent
		c.want(c.do("GET", "/webhooks/endpoints/"+id, ""), http.StatusForbidden)

		// Admins see every subscription; an admin's own endpoint is not a hook.
		c.actor = admin
		plain := c.want(c.do("POST", "/webhooks/endpoints", `{"url": "https://erp.example.com/in", "rest_hook": true, "owner_id": "`+agent.UserID+`"}`), http.StatusCreated)
		if plain["rest_hook"] != false || plain["owner_id"] != "" {
			t.Errorf("an admin endpoint posing as a hook: %v", plain)
		}
		c.want(c.do("GET", "/hooks/"+plain["id"].(string), ""), http.StatusNotFound)
		if list := c.want(c.do("GET", "/hooks", ""), http.StatusOK); len(list["items"].([]any)) != 1 {
			t.Errorf("admin's list %v", list)
		}
		c.want(c.do("PATCH", "/webhooks/endpoints/"+id, `{"owner_id": "`+other.UserID+`", "rest_hook": false}`), http.StatusOK)
		if ep, _ := store.Get[model.WebhookEndpoint](model.WithActor(context.Background(), admin), s, id); ep.OwnerID != agent.UserID || !ep.RESTHook {
			t.Errorf("owner or kind changed by a patch: %+v", ep)
		}

		// The subscriber unsubscribes.
		c.actor = agent
		c.want(c.do("DELETE", "/hooks/"+id, ""), http.StatusNoContent)
		c.want(c.do("GET", "/hooks/"+id, ""), http.StatusNotFound)
		c.want(c.do("DELETE", "/hooks/"+id, ""), http.StatusNotFound)
	})
}

func TestWebFormsAndInboundHooksAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newWebhookClient(t, s)
		form := c.want(c.do("POST", "/web-forms", `{"name": "Newsletter", "honeypot": "url", "redirect_url": "https://example.com/thanks",
			"mapping": {"email": "email", "first_name": "name", "custom_fields.topic": "topic"}, "required": ["email"], "key": "mine"}`), http.StatusCreated)
		id, key := form["id"].(string), form["key"].(string)
		if !strings.HasPrefix(key, "wf_") || form["active"] != true || form["target"] != "contact" || form["rate_limit"] != float64(model.DefaultFormRateLimit) {
			t.Fatalf("%v", form)
		}
		snip := c.want(c.do("GET", "/web-forms/"+id+"/snippet", ""), http.StatusOK)
		html := snip["html"].(string)
		if snip["action"] != "http://example.com/in/forms/"+key || !strings.Contains(html, `action="http://example.com/in/forms/`+key+`"`) ||
			!strings.Contains(html, `name="email" type="email" required`) || !strings.Contains(html, `name="url" tabindex="-1"`) ||
			!strings.Contains(html, `<label>Topic<br><input name="topic" type="text">`) ||
			strings.Index(html, `name="name"`) > strings.Index(html, `name="email"`) || strings.Index(html, `name="topic"`) < strings.Index(html, `name="email"`) {
			t.Fatalf("snippet %s", html)
		}
		c.want(c.do("PATCH", "/web-forms/"+id, `{"key": "chosen", "name": "Letters"}`), http.StatusOK)
		if again := c.want(c.do("GET", "/web-forms/"+id, ""), http.StatusOK); again["key"] != key || again["name"] != "Letters" {
			t.Errorf("patched %v", again)
		}
		for _, bad := range []string{`{"name": "x", "mapping": {"shoe": "s"}}`, `{"name": "x", "mapping": {}}`,
			`{"name": "x", "mapping": {"email": "e"}, "target": "moon"}`, `{"name": "x", "mapping": {"email": "e"}, "owner_id": "01a21ae3-0000-7000-8000-000000000000"}`} {
			c.want(c.do("POST", "/web-forms", bad), http.StatusUnprocessableEntity)
		}

		hook := c.want(c.do("POST", "/inbound-hooks", `{"name": "Shop", "mapping": {"email": "data.email"}, "match_on": "email"}`),
			http.StatusCreated)
		hid, secret := hook["id"].(string), hook["secret"].(string)
		if !strings.HasPrefix(secret, "whsec_") || !strings.HasPrefix(hook["url"].(string), "http://example.com/in/hooks/ih_") {
			t.Fatalf("%v", hook)
		}
		if got := c.do("GET", "/inbound-hooks/"+hid, "").Body.String(); strings.Contains(got, secret) || strings.Contains(got, `"secret"`) {
			t.Errorf("the secret shown again: %s", got)
		}
		rot := c.want(c.do("POST", "/inbound-hooks/"+hid+"/rotate-secret", `{"secret": "`+validSecret+`"}`), http.StatusCreated)
		if rot["secret"] != validSecret {
			t.Errorf("rotated %v", rot)
		}
		c.want(c.do("POST", "/inbound-hooks/"+hid+"/rotate-secret", `{"secret": "whsec_x"}`), http.StatusUnprocessableEntity)
		c.want(c.do("POST", "/inbound-hooks", `{"name": "Shop", "mapping": {"email": "data.email"}, "secret": "plain"}`), http.StatusUnprocessableEntity)
		c.want(c.do("POST", "/inbound-hooks", `{"name": "Shop", "mapping": {"first_name": "n"}, "match_on": "email"}`), http.StatusUnprocessableEntity)
		page := c.want(c.do("GET", "/inbound-hooks/"+hid+"/messages", ""), http.StatusOK)
		if len(page["items"].([]any)) != 0 || page["next_cursor"] != "" {
			t.Errorf("messages %v", page)
		}
		c.want(c.do("GET", "/inbound-hooks/"+hid+"/messages?cursor=garbage", ""), http.StatusUnprocessableEntity)

		// Staff who are not admins do not configure the doors.
		c.actor = newAgent(t, s, "agent@example.com")
		c.want(c.do("GET", "/web-forms", ""), http.StatusForbidden)
		c.want(c.do("GET", "/web-forms/"+id, ""), http.StatusNotFound)
		c.want(c.do("POST", "/web-forms", `{"name": "x", "mapping": {"email": "e"}}`), http.StatusForbidden)
		c.want(c.do("POST", "/inbound-hooks/"+hid+"/rotate-secret", ""), http.StatusNotFound)
		c.want(c.do("GET", "/inbound-hooks/"+hid+"/messages", ""), http.StatusNotFound)
	})
}
