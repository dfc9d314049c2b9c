package api_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"rapport/hub/api"
	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// fakeChecks stand in for connectors/webhook's rules, which the hub may
// not import (they are tested there and end to end in cmd/rapport): enough
// to see that the API calls them and turns refusals into problems.
var fakeChecks = api.WebhookChecks{
	CheckURL: func(raw string) error {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
			return model.Errorf(model.EINVALID, "webhook URL must be http(s) with a host")
		}
		if a, err := netip.ParseAddr(u.Hostname()); err == nil && (a.IsLoopback() || a.IsPrivate()) {
			return model.Errorf(model.EINVALID, "webhook URL address %s is not allowed", a)
		}
		return nil
	},
	CheckHeaders: func(h map[string]string) error {
		for k := range h {
			if lk := strings.ToLower(k); strings.HasPrefix(lk, "webhook-") || lk == "content-type" {
				return model.Errorf(model.EINVALID, "custom header %q is reserved", k)
			}
		}
		return nil
	},
	NewSecret: func() string { return "whsec_" + base64.StdEncoding.EncodeToString([]byte(rand.Text()[:24])) },
	ParseSecret: func(s string) ([]byte, error) {
		enc, ok := strings.CutPrefix(s, "whsec_")
		key, err := base64.StdEncoding.DecodeString(enc)
		if !ok || err != nil || len(key) < 24 || len(key) > 64 {
			return nil, model.Errorf(model.EINVALID, "webhook secret must be whsec_ and base64 of 24 to 64 bytes")
		}
		return key, nil
	},
}

// newWebhookClient is newClient with the webhook rules configured.
func newWebhookClient(t *testing.T, s *store.Store) *client {
	c := newClient(t, s)
	c.a = api.New(api.Config{Store: s, MaxBodyBytes: 64 << 10, Webhooks: fakeChecks})
	r := mux.NewRouter()
	c.a.Mount(r.PathPrefix(api.Prefix).Subrouter())
	c.h = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.ServeHTTP(w, req.WithContext(model.WithActor(req.Context(), c.actor)))
	})
	return c
}

const validSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func (c *client) countRows(table string) int64 {
	c.t.Helper()
	var n int64
	if err := c.s.DB().QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		c.t.Fatal(err)
	}
	return n
}

func TestWebhookEndpointsOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newWebhookClient(t, s)
		admin := model.WithActor(context.Background(), c.actor)
		r := c.do("POST", "/webhooks/endpoints", `{"url": "https://hooks.example.com/in", "description": "CRM → ERP",
			"event_types": ["contact.*", "Account.Created"], "headers": {"Authorization": "Bearer abc"}, "payload_mode": "thin"}`)
		created := c.want(r, http.StatusCreated)
		id, _ := created["id"].(string)
		secret, _ := created["secret"].(string)
		if !strings.HasPrefix(secret, "whsec_") || created["active"] != true || created["version"] != float64(1) ||
			created["payload_mode"] != "thin" || created["event_types"].([]any)[1] != "account.created" {
			t.Fatalf("created %v", created)
		}
		if r.Header().Get("Cache-Control") != "no-store" || r.Header().Get("Location") != api.Prefix+"/webhooks/endpoints/"+id {
			t.Fatalf("headers %v", r.Header())
		}
		if secrets, err := s.WebhookSecrets(admin, id); err != nil || len(secrets) != 1 || secrets[0] != secret {
			t.Fatalf("stored secrets %v %v", secrets, err)
		}
		got := c.want(c.do("GET", "/webhooks/endpoints/"+id, ""), http.StatusOK)
		list := c.want(c.do("GET", "/webhooks/endpoints?active=true", ""), http.StatusOK)
		if _, ok := got["secret"]; ok || len(list["items"].([]any)) != 1 || strings.Contains(c.do("GET", "/webhooks/endpoints", "").Body.String(), secret) {
			t.Fatalf("the secret is shown once only: get %v, list %v", got, list)
		}
		own := c.want(c.do("POST", "/webhooks/endpoints", `{"url": "http://hooks.example.com:8080/x", "active": false, "secret": "`+validSecret+`"}`),
			http.StatusCreated)
		if own["secret"] != validSecret || own["active"] != false || own["event_types"].([]any)[0] != "*" {
			t.Fatalf("own secret %v", own)
		}

		// Patch: merge, If-Match, and the egress rules for a changed URL or headers.
		patched := c.want(c.do("PATCH", "/webhooks/endpoints/"+id, `{"description": "ERP", "headers": {"X-Tenant": "7"}}`,
			"Content-Type", "application/merge-patch+json", "If-Match", `"1"`), http.StatusOK)
		if patched["description"] != "ERP" || patched["version"] != float64(2) || len(patched["headers"].(map[string]any)) != 2 {
			t.Fatalf("patched %v", patched)
		}
		c.want(c.do("PATCH", "/webhooks/endpoints/"+id, `{"description": "x"}`, "If-Match", `"1"`), http.StatusPreconditionFailed)
		for _, bad := range []string{`{"url": "http://10.0.0.1/x"}`, `{"url": "gopher://hooks.example.com/"}`, `{"headers": {"Webhook-Signature": "v1,x"}}`,
			`{"event_types": ["contact.exploded"]}`, `{"secret": "` + validSecret + `"}`, `{"max_concurrency": 1000}`} {
			c.want(c.do("PATCH", "/webhooks/endpoints/"+id, bad), http.StatusUnprocessableEntity)
		}
		if again := c.want(c.do("GET", "/webhooks/endpoints/"+id, ""), http.StatusOK); again["version"] != float64(2) || again["url"] != "https://hooks.example.com/in" {
			t.Fatalf("a refused patch changed the endpoint: %v", again)
		}
		hist := c.want(c.do("GET", "/webhooks/endpoints/"+id+"/history", ""), http.StatusOK)
		if len(hist["items"].([]any)) != 2 {
			t.Fatalf("history %v", hist)
		}

		// Rotation: a fresh or given secret, shown once; old ones valid for the grace period.
		r = c.do("POST", "/webhooks/endpoints/"+id+"/rotate-secret", "")
		rotated := c.want(r, http.StatusCreated)
		if s2, _ := rotated["secret"].(string); !strings.HasPrefix(s2, "whsec_") || s2 == secret || r.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("rotated %v %v", rotated, r.Header())
		}
		if secrets, _ := s.WebhookSecrets(admin, id); len(secrets) != 2 {
			t.Fatalf("after a rotation with grace: %d secrets", len(secrets))
		}
		c.want(c.do("POST", "/webhooks/endpoints/"+id+"/rotate-secret", `{"secret": "whsec_short"}`), http.StatusUnprocessableEntity)
		c.want(c.do("POST", "/webhooks/endpoints/"+id+"/rotate-secret", `{"grace": "forever"}`), http.StatusUnprocessableEntity)
		c.want(c.do("POST", "/webhooks/endpoints/"+id+"/rotate-secret", `{"secret": "`+validSecret+`", "grace": "0s"}`), http.StatusCreated)
		if secrets, _ := s.WebhookSecrets(admin, id); len(secrets) != 1 || secrets[0] != validSecret {
			t.Fatalf("after a rotation without grace: %v", secrets)
		}
		c.want(c.do("POST", "/webhooks/endpoints/01900000-0000-7000-8000-000000000000/rotate-secret", ""), http.StatusNotFound)

		state := c.want(c.do("GET", "/webhooks/endpoints/"+id+"/state", ""), http.StatusOK)
		if _, ok := state["cursor"].(float64); !ok || state["disabled_at"] != nil || state["failing_since"] != nil {
			t.Fatalf("state %v", state)
		}

		// Test ping, the delivery log and replays.
		c.want(c.do("POST", "/webhooks/endpoints/"+own["id"].(string)+"/test", ""), http.StatusConflict) // inactive
		ping := c.want(c.do("POST", "/webhooks/endpoints/"+id+"/test", ""), http.StatusAccepted)
		did, _ := ping["id"].(string)
		if ping["event_type"] != model.EventPing || ping["status"] != model.DeliveryPending || ping["endpoint_id"] != id {
			t.Fatalf("ping %v", ping)
		}
		log := c.want(c.do("GET", "/webhooks/endpoints/"+id+"/deliveries?status=pending&limit=10", ""), http.StatusOK)
		if items := log["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != did || log["next_cursor"] != "" {
			t.Fatalf("deliveries %v", log)
		}
		ds, err := s.WebhookDeliveries(admin, id, "", time.Time{}, 10)
		if err != nil || len(ds) != 1 {
			t.Fatalf("deliveries %v %v", ds, err)
		}
		at := &model.WebhookAttempt{Attempt: 1, At: time.Now().UTC(), Status: 410, ResponseExcerpt: "gone"}
		if err := s.RecordWebhookAttempt(admin, &ds[0], at, store.AttemptFailed, time.Time{}); err != nil {
			t.Fatal(err)
		}
		attempts := c.want(c.do("GET", "/webhooks/endpoints/"+id+"/deliveries/"+did+"/attempts", ""), http.StatusOK)
		if items := attempts["items"].([]any); len(items) != 1 || items[0].(map[string]any)["status"] != float64(410) {
			t.Fatalf("attempts %v", attempts)
		}
		c.want(c.do("GET", "/webhooks/endpoints/"+own["id"].(string)+"/deliveries/"+did+"/attempts", ""), http.StatusNotFound) // another endpoint's
		c.want(c.do("GET", "/webhooks/endpoints/"+id+"/deliveries/01a21b4d-0000-7000-8000-000000000000/attempts", ""), http.StatusNotFound)
		failed := c.want(c.do("GET", "/webhooks/endpoints/"+id+"/deliveries?status=failed", ""), http.StatusOK)
		if len(failed["items"].([]any)) != 1 {
			t.Fatalf("failed deliveries %v", failed)
		}
		if n := c.want(c.do("POST", "/webhooks/endpoints/"+id+"/replay", `{"failed": true}`), http.StatusOK)["replayed"]; n != float64(1) {
			t.Fatalf("replay failed: %v", n)
		}
		if n := c.want(c.do("POST", "/webhooks/endpoints/"+id+"/deliveries/"+did+"/replay", ""), http.StatusOK)["replayed"]; n != float64(1) {
			t.Fatalf("replay one: %v", n)
		}
		since := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		if n := c.want(c.do("POST", "/webhooks/endpoints/"+id+"/replay", `{"since": "`+since+`"}`), http.StatusOK)["replayed"]; n != float64(1) {
			t.Fatalf("replay since: %v", n)
		}
		until := time.Now().Add(-30 * time.Minute).UTC().Format(time.RFC3339)
		if n := c.want(c.do("POST", "/webhooks/endpoints/"+id+"/replay", `{"since": "`+since+`", "until": "`+until+`"}`), http.StatusOK)["replayed"]; n != float64(0) {
			t.Fatalf("replay of an empty range: %v", n)
		}
		c.want(c.do("POST", "/webhooks/endpoints/"+id+"/deliveries/01900000-0000-7000-8000-000000000000/replay", ""), http.StatusNotFound)
		c.want(c.do("POST", "/webhooks/endpoints/"+own["id"].(string)+"/deliveries/"+did+"/replay", ""), http.StatusNotFound)
		for _, bad := range []string{`{}`, `{"failed": true, "since": "` + since + `"}`, `{"since": "` + until + `", "until": "` + since + `"}`,
			`{"until": "` + until + `"}`, `{"since": "yesterday"}`} {
			c.want(c.do("POST", "/webhooks/endpoints/"+id+"/replay", bad), http.StatusUnprocessableEntity)
		}
		for _, q := range []string{"status=lost", "before=yesterday", "limit=0", "limit=501"} {
			c.want(c.do("GET", "/webhooks/endpoints/"+id+"/deliveries?"+q, ""), http.StatusUnprocessableEntity)
		}

		c.want(c.do("DELETE", "/webhooks/endpoints/"+own["id"].(string), "", "If-Match", `"1"`), http.StatusNoContent)
		c.want(c.do("GET", "/webhooks/endpoints/"+own["id"].(string), ""), http.StatusNotFound)
		c.want(c.do("GET", "/webhooks/endpoints/"+own["id"].(string)+"/deliveries", ""), http.StatusNotFound)
	})
}

func TestWebhookBadInputWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newWebhookClient(t, s)
		cases := []struct{ name, body, field string }{
			{"no url", `{"event_types": ["*"]}`, "url"},
			{"scheme", `{"url": "ftp://hooks.example.com/x"}`, "url"},
			{"relative", `{"url": "/in"}`, "url"},
			{"loopback literal", `{"url": "http://127.0.0.1:9000/in"}`, "url"},
			{"private literal", `{"url": "https://10.0.0.1/x"}`, "url"},
			{"unknown event type", `{"url": "https://hooks.example.com/in", "event_types": ["contact.exploded"]}`, "event_types[0]"},
			{"bad pattern", `{"url": "https://hooks.example.com/in", "event_types": ["contact.[" ]}`, "event_types[0]"},
			{"secret form", `{"url": "https://hooks.example.com/in", "secret": "s3cret"}`, "secret"},
			{"secret base64", `{"url": "https://hooks.example.com/in", "secret": "whsec_!!!not base64!!!"}`, "secret"},
			{"signature header", `{"url": "https://hooks.example.com/in", "headers": {"webhook-signature": "v1,forged"}}`, "headers"},
			{"content-type header", `{"url": "https://hooks.example.com/in", "headers": {"Content-Type": "text/plain"}}`, "headers"},
			{"payload mode", `{"url": "https://hooks.example.com/in", "payload_mode": "fat"}`, "payload_mode"},
			{"rate limit", `{"url": "https://hooks.example.com/in", "rate_limit": -1}`, "rate_limit"},
			{"unknown field", `{"url": "https://hooks.example.com/in", "retries": 3}`, "retries"},
		}
		for _, tc := range cases {
			p := c.want(c.do("POST", "/webhooks/endpoints", tc.body), http.StatusUnprocessableEntity)
			errs, _ := p["errors"].([]any)
			found := false
			for _, e := range errs {
				found = found || e.(map[string]any)["field"] == tc.field
			}
			if !found || p["code"] != model.EINVALID {
				t.Errorf("%s: want a problem on %s, got %v", tc.name, tc.field, p)
			}
		}
		c.want(c.do("POST", "/webhooks/endpoints", `{"url": `), http.StatusBadRequest)
		for _, table := range []string{"webhook_endpoints", "webhook_states", "webhook_secrets", "webhook_deliveries"} {
			if n := c.countRows(table); n != 0 {
				t.Errorf("%s has %d rows after refused input", table, n)
			}
		}
	})
}

func TestWebhooksAreForAdmins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newWebhookClient(t, s)
		id := c.want(c.do("POST", "/webhooks/endpoints", `{"url": "https://hooks.example.com/in"}`), http.StatusCreated)["id"].(string)
		admin := c.actor
		agent := &model.User{Email: "agent@example.com", Name: "Agent", Role: model.RoleAgent}
		if err := s.CreateUser(model.WithActor(context.Background(), model.System), agent, ""); err != nil {
			t.Fatal(err)
		}
		reqs := [][2]string{{"GET", "/webhooks/endpoints"}, {"GET", "/webhooks/endpoints/" + id}, {"POST", "/webhooks/endpoints"},
			{"PATCH", "/webhooks/endpoints/" + id}, {"DELETE", "/webhooks/endpoints/" + id}, {"POST", "/webhooks/endpoints/" + id + "/rotate-secret"},
			{"POST", "/webhooks/endpoints/" + id + "/test"}, {"GET", "/webhooks/endpoints/" + id + "/deliveries"},
			{"GET", "/webhooks/endpoints/" + id + "/state"}, {"POST", "/webhooks/endpoints/" + id + "/replay"}, {"GET", "/webhooks/event-types"}}
		for _, who := range []model.Actor{
			{UserID: agent.ID, Name: agent.Name, Role: model.RoleAgent},
			{UserID: admin.UserID, Name: admin.Name, Role: model.RoleAdmin, Scopes: []string{model.ScopeRead, model.ScopeWrite}}, // no admin scope
		} {
			c.actor = who
			for _, rq := range reqs {
				c.want(c.do(rq[0], rq[1], `{"url": "https://hooks.example.com/other"}`), http.StatusForbidden)
			}
		}
		c.actor = model.Actor{UserID: admin.UserID, Name: admin.Name, Role: model.RoleAdmin, Scopes: []string{model.ScopeAdmin}}
		c.want(c.do("GET", "/webhooks/endpoints/"+id, ""), http.StatusOK)
		if n := c.countRows("webhook_endpoints"); n != 1 {
			t.Fatalf("%d endpoints", n)
		}
	})
}

func TestWebhooksNotConfigured(t *testing.T) {
	s := storetest.Open(t, "sqlite")
	c := newClient(t, s) // no webhook rules
	p := c.want(c.do("POST", "/webhooks/endpoints", `{"url": "https://hooks.example.com/in"}`), http.StatusNotImplemented)
	if p["code"] != "not_configured" {
		t.Fatalf("problem %v", p)
	}
	c.want(c.do("GET", "/webhooks/endpoints", ""), http.StatusOK)
	c.want(c.do("GET", "/webhooks/event-types", ""), http.StatusOK)
}

func TestWebhookEventCatalogue(t *testing.T) {
	s := storetest.Open(t, "sqlite")
	c := newClient(t, s)
	items := c.want(c.do("GET", "/webhooks/event-types", ""), http.StatusOK)["items"].([]any)
	types := model.EventTypes()
	if len(items) != len(types) {
		t.Fatalf("%d entries for %d event types", len(items), len(types))
	}
	for i, it := range items {
		e := it.(map[string]any)
		schema, _ := e["schema"].(map[string]any)
		props, _ := schema["properties"].(map[string]any)
		data, _ := props["data"].(map[string]any)
		if e["type"] != types[i] || e["description"] == "" || schema["title"] != types[i] || data == nil {
			t.Fatalf("entry %v", e)
		}
		if types[i] == model.EventPing {
			continue
		}
		// data is the record (full) or its id and version (thin).
		anyOf, _ := data["anyOf"].([]any)
		if len(anyOf) != 2 {
			t.Fatalf("%s: data %v", types[i], data)
		}
		rs, _ := anyOf[0].(map[string]any)
		record, _ := rs["properties"].(map[string]any)
		if record["id"] == nil || record["version"] == nil || len(record) < 6 {
			t.Fatalf("%s: no record schema: %v", types[i], anyOf[0])
		}
	}
}
