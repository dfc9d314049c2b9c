package inbound_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"rapport/connectors/webhook"
	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

const senderSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// newHook stores an inbound hook that maps a shop's customer events.
func (rg *rig) newHook(edit func(h *model.InboundHook)) *model.InboundHook {
	rg.t.Helper()
	h := &model.InboundHook{Name: "Shop", MatchOn: "email", IntakeRules: model.IntakeRules{Active: true, OwnerID: &rg.owner,
		Mapping: map[string]string{"first_name": "data.customer.first", "last_name": "data.customer.last",
			"email": "data.customer.email", "tags": "data.customer.segments", "custom_fields.shop_id": "data.customer.id"},
		Defaults: map[string]string{"tags": "shop"}}}
	if edit != nil {
		edit(h)
	}
	if err := rg.s.CreateInboundHook(rg.admin, h, senderSecret); err != nil {
		rg.t.Fatal(err)
	}
	return h
}

// send posts body to the hook signed by our outbound signer (an
// implementation independent of the reference library the hook verifies
// with) at time ts.
func (rg *rig) send(h *model.InboundHook, id, body string, ts time.Time, secret string) (int, map[string]any) {
	rg.t.Helper()
	key, err := webhook.ParseSecret(secret)
	if err != nil {
		rg.t.Fatal(err)
	}
	hdr := webhook.Headers(id, ts, webhook.Sign([][]byte{key}, id, ts, []byte(body)))
	var kv []string
	for k := range hdr {
		kv = append(kv, k, hdr.Get(k))
	}
	rec := rg.post("/in/hooks/"+h.Key, "application/json", body, "192.0.2.50", kv...)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out
}

func customer(id, first, email string) string {
	return `{"type":"customer.updated","data":{"customer":{"id":` + id + `,"first":"` + first + `","last":"Hopper","email":"` + email +
		`","segments":["vip","newsletter"]}}}`
}

func TestInboundHookCreatesAndUpdates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		rg := newRig(t, s, true)
		h := rg.newHook(nil)
		status, out := rg.send(h, "msg_1", customer("42", "Grace", "grace@example.com"), time.Now(), senderSecret)
		if status != http.StatusAccepted || out["status"] != model.InboundQueued || out["duplicate"] != false {
			t.Fatalf("%d %v", status, out)
		}
		rg.eventually("the message processed", func() bool {
			return rg.count("inbound_messages", "status = ?", model.InboundProcessed) == 1
		})
		c := contactByEmail(t, rg, "grace@example.com")
		if c.DisplayName != "Grace Hopper" || strings.Join(c.Tags, ",") != "vip,newsletter" || c.CustomFields["shop_id"] != "42" {
			t.Errorf("%+v", c)
		}
		var recordID string
		if err := rg.row("SELECT record_id FROM inbound_messages WHERE webhook_id = 'msg_1'").Scan(&recordID); err != nil || recordID != c.ID {
			t.Errorf("message record %q %v", recordID, err)
		}

		// The sender retries the same webhook-id: 200, nothing new.
		status, out = rg.send(h, "msg_1", customer("42", "Grace", "grace@example.com"), time.Now(), senderSecret)
		if status != http.StatusOK || out["duplicate"] != true {
			t.Fatalf("retry: %d %v", status, out)
		}
		if n := rg.count("inbound_messages", ""); n != 1 {
			t.Errorf("%d messages after a retry", n)
		}

		// A later event for the same address updates the contact.
		if status, _ := rg.send(h, "msg_2", customer("42", "Amazing Grace", "GRACE@example.com"), time.Now(), senderSecret); status != http.StatusAccepted {
			t.Fatal(status)
		}
		rg.eventually("the update", func() bool {
			return rg.count("inbound_messages", "status = ?", model.InboundProcessed) == 2
		})
		if n := rg.count("contacts", ""); n != 1 {
			t.Errorf("%d contacts, want the one updated", n)
		}
		if c := contactByEmail(t, rg, "grace@example.com"); c.FirstName != "Amazing Grace" || c.DisplayName != "Amazing Grace Hopper" || len(c.Emails) != 1 {
			t.Errorf("updated %+v", c)
		}

		// A payload that cannot become a contact is marked failed with the
		// reason and not retried; nothing else is written.
		contacts := rg.count("contacts", "")
		if status, _ := rg.send(h, "msg_3", customer("7", "X", "not-an-address"), time.Now(), senderSecret); status != http.StatusAccepted {
			t.Fatal(status)
		}
		rg.eventually("the failure", func() bool { return rg.count("inbound_messages", "status = ?", model.InboundFailed) == 1 })
		var reason string
		_ = rg.row("SELECT error FROM inbound_messages WHERE webhook_id = 'msg_3'").Scan(&reason)
		if !strings.Contains(reason, "email") || rg.count("contacts", "") != contacts {
			t.Errorf("failed message: %q, %d contacts", reason, rg.count("contacts", ""))
		}
		msgs, next, err := s.InboundMessages(rg.admin, h.ID, store.LogCursor{}, 2)
		if err != nil || len(msgs) != 2 || msgs[0].WebhookID != "msg_3" || next.String() == "" {
			t.Fatalf("log page 1: %v %v %v", msgs, next, err)
		}
		rest, next, err := s.InboundMessages(rg.admin, h.ID, next, 2)
		if err != nil || len(rest) != 1 || rest[0].WebhookID != "msg_1" || next.String() != "" {
			t.Fatalf("log page 2: %v %v %v", rest, next, err)
		}
	})
}

// TestInboundHookRefusals: bad, stale or missing signatures, oversized and
// non-JSON bodies, unknown and inactive hooks are refused and write nothing.
func TestInboundHookRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		rg := newRig(t, s, false)
		h := rg.newHook(nil)
		off := rg.newHook(func(h *model.InboundHook) { h.Active = false })
		body := customer("1", "Ada", "ada@example.com")
		before := rg.snapshot()
		other := "whsec_" + strings.Repeat("QUJD", 8)
		for _, tc := range []struct {
			name   string
			id     string
			body   string
			ts     time.Time
			secret string
			status int
		}{
			{"wrong secret", "m1", body, time.Now(), other, http.StatusUnauthorized},
			{"ten minutes old", "m2", body, time.Now().Add(-10 * time.Minute), senderSecret, http.StatusUnauthorized},
			{"from the future", "m3", body, time.Now().Add(10 * time.Minute), senderSecret, http.StatusUnauthorized},
			{"oversized", "m4", `{"pad":"` + strings.Repeat("x", 20<<10) + `"}`, time.Now(), senderSecret, http.StatusRequestEntityTooLarge},
			{"not JSON", "m5", "customer=1", time.Now(), senderSecret, http.StatusBadRequest},
			{"long webhook-id", strings.Repeat("i", 201), body, time.Now(), senderSecret, http.StatusBadRequest},
		} {
			if status, out := rg.send(h, tc.id, tc.body, tc.ts, tc.secret); status != tc.status {
				t.Errorf("%s: %d %v", tc.name, status, out)
			}
		}
		// A body changed after signing.
		key, _ := webhook.ParseSecret(senderSecret)
		ts := time.Now()
		hdr := webhook.Headers("m6", ts, webhook.Sign([][]byte{key}, "m6", ts, []byte(body)))
		rec := rg.post("/in/hooks/"+h.Key, "application/json", strings.Replace(body, "Ada", "Eve", 1), "192.0.2.9",
			"webhook-id", hdr.Get("webhook-id"), "webhook-timestamp", hdr.Get("webhook-timestamp"), "webhook-signature", hdr.Get("webhook-signature"))
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("tampered body: %d", rec.Code)
		}
		if rec := rg.post("/in/hooks/"+h.Key, "application/json", body, "192.0.2.9"); rec.Code != http.StatusUnauthorized ||
			!strings.Contains(rec.Body.String(), "required") {
			t.Errorf("unsigned: %d %s", rec.Code, rec.Body)
		}
		if rec := rg.post("/in/hooks/ih_nope", "application/json", body, "192.0.2.9"); rec.Code != http.StatusNotFound {
			t.Errorf("unknown hook: %d", rec.Code)
		}
		if status, _ := rg.send(off, "m7", body, time.Now(), senderSecret); status != http.StatusNotFound {
			t.Errorf("inactive hook: %d", status)
		}
		rg.unchanged(before, "refused webhooks")

		// A rotated secret: the old one stops working at once.
		if err := s.SetInboundHookSecret(rg.admin, h.ID, other); err != nil {
			t.Fatal(err)
		}
		if status, _ := rg.send(h, "m8", body, time.Now(), senderSecret); status != http.StatusUnauthorized {
			t.Errorf("old secret after rotation: %d", status)
		}
		if status, _ := rg.send(h, "m8", body, time.Now(), other); status != http.StatusAccepted {
			t.Errorf("new secret: %d", status)
		}
	})
}

// TestInboundHookIntake: GJSON paths pick values; arrays of values join,
// objects are refused.
func TestInboundHookIntake(t *testing.T) {
	h := &model.InboundHook{IntakeRules: model.IntakeRules{Mapping: map[string]string{
		"email": "a.b", "tags": "list", "notes": "obj", "title": "missing"}}}
	_, err := h.Intake([]byte(`{"a":{"b":"x@example.com"},"list":["a",2],"obj":{"k":1}}`))
	if model.ErrorCode(err) != model.EINVALID {
		t.Fatalf("an object mapped to notes: %v", err)
	}
	delete(h.Mapping, "notes")
	in, err := h.Intake([]byte(`{"a":{"b":" x@example.com "},"list":["a",2],"obj":{"k":1}}`))
	if err != nil || in["email"] != "x@example.com" || in["tags"] != "a, 2" || in["title"] != "" {
		t.Fatalf("%v %v", in, err)
	}
	if _, err := h.Intake([]byte(`{"a":`)); model.ErrorCode(err) != model.EINVALID {
		t.Errorf("broken JSON: %v", err)
	}
}
