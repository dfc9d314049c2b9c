package store_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// TestWebhookDeliveriesFollowTheFeed: an endpoint gets deliveries for the
// events it subscribes to from its creation on, once each; claims give a
// record's events one at a time in feed order; attempts move deliveries on.
func TestWebhookDeliveriesFollowTheFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := model.WithActor(context.Background(), model.System)
		before := &model.Contact{FirstName: "Before"}
		if err := store.Create(ctx, s, before); err != nil {
			t.Fatal(err)
		}
		ep := &model.WebhookEndpoint{URL: "https://hooks.example.com/in", EventTypes: []string{"contact.*"}, Active: true}
		if err := s.CreateWebhookEndpoint(ctx, ep, "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"); err != nil {
			t.Fatal(err)
		}
		a, b := &model.Contact{FirstName: "A"}, &model.Contact{FirstName: "B"}
		for _, c := range []*model.Contact{a, b} {
			if err := store.Create(ctx, s, c); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := store.Update(ctx, s, a.ID, 0, func(c *model.Contact) error { c.Title = "CEO"; return nil }); err != nil {
			t.Fatal(err)
		}
		if err := store.Create(ctx, s, &model.Account{Name: "Not subscribed"}); err != nil {
			t.Fatal(err)
		}
		for range 2 { // a second fill makes nothing new
			if _, err := s.FillWebhookDeliveries(ctx, ep, 2); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := s.FillWebhookDeliveries(ctx, ep, 500); err != nil || n != 0 {
			t.Fatalf("fill again: %d %v", n, err)
		}
		all, err := s.WebhookDeliveries(ctx, ep.ID, "", time.Time{}, 100)
		if err != nil || len(all) != 3 {
			t.Fatalf("deliveries: %d %v", len(all), err)
		}
		var p struct {
			Type string `json:"type"`
			Data struct {
				ID      string `json:"id"`
				Version int64  `json:"version"`
			} `json:"data"`
		}
		if err := json.Unmarshal(all[0].Payload, &p); err != nil || p.Type != "contact.updated" || p.Data.ID != a.ID || p.Data.Version != 2 {
			t.Errorf("newest payload %s %v", all[0].Payload, err)
		}
		// One per record, oldest first: A's update waits for A's create.
		got, err := s.ClaimWebhookDeliveries(ctx, ep.ID, 10, time.Minute)
		if err != nil || len(got) != 2 || got[0].RecordID != a.ID || got[0].EventType != "contact.created" || got[1].RecordID != b.ID {
			t.Fatalf("first claim: %+v %v", got, err)
		}
		if again, _ := s.ClaimWebhookDeliveries(ctx, ep.ID, 10, time.Minute); len(again) != 0 {
			t.Errorf("leased deliveries claimed twice: %+v", again)
		}
		at := func(d *model.WebhookDelivery, status int) *model.WebhookAttempt {
			return &model.WebhookAttempt{Attempt: d.Attempts + 1, At: time.Now().UTC(), Status: status}
		}
		if err := s.RecordWebhookAttempt(ctx, &got[0], at(&got[0], 200), store.AttemptDelivered, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordWebhookAttempt(ctx, &got[1], at(&got[1], 500), store.AttemptRetry, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		st, err := s.WebhookState(ctx, ep.ID)
		if err != nil || st.FailingSince == nil {
			t.Errorf("state after a failure: %+v %v", st, err)
		}
		next, err := s.ClaimWebhookDeliveries(ctx, ep.ID, 10, time.Minute)
		if err != nil || len(next) != 1 || next[0].EventType != "contact.updated" {
			t.Fatalf("second claim: %+v %v", next, err)
		}
		// Replaying B's delivery makes it due at once, with the same id.
		if n, err := s.ReplayWebhookDeliveries(ctx, ep.ID, store.ReplayFilter{DeliveryID: got[1].ID}); err != nil || n != 1 {
			t.Fatalf("replay: %d %v", n, err)
		}
		replayed, _ := s.ClaimWebhookDeliveries(ctx, ep.ID, 10, time.Minute)
		if len(replayed) != 1 || replayed[0].ID != got[1].ID || replayed[0].Attempts != 0 {
			t.Errorf("replayed: %+v", replayed)
		}
		attempts, err := s.WebhookAttempts(ctx, got[1].ID)
		if err != nil || len(attempts) != 1 || attempts[0].Status != 500 {
			t.Errorf("attempt log: %+v %v", attempts, err)
		}
		if _, err := s.ReplayWebhookDeliveries(ctx, ep.ID, store.ReplayFilter{}); model.ErrorCode(err) != model.EINVALID {
			t.Errorf("replay without a filter: %v", err)
		}
		// Agents manage no webhooks.
		agent := &model.User{Email: "agent@example.com", Name: "Agent", Role: model.RoleAgent}
		if err := s.CreateUser(ctx, agent, ""); err != nil {
			t.Fatal(err)
		}
		actor, _ := s.ActorFor(ctx, agent, nil)
		if _, err := s.WebhookDeliveries(model.WithActor(context.Background(), actor), ep.ID, "", time.Time{}, 10); model.ErrorCode(err) != model.EFORBIDDEN {
			t.Errorf("agent reads the delivery log: %v", err)
		}
		// Disabling turns the endpoint off and audits it.
		if err := s.DisableWebhookEndpoint(ctx, ep.ID, "410 Gone"); err != nil {
			t.Fatal(err)
		}
		if eps, _ := s.ActiveWebhookEndpoints(ctx); len(eps) != 0 {
			t.Errorf("disabled endpoint still active")
		}
		if n, err := s.PurgeWebhookLog(ctx, time.Now().Add(time.Hour)); err != nil || n < 2 {
			t.Errorf("purge: %d %v", n, err)
		}
	})
}

// TestReactivatedEndpointStartsAfresh: turning a disabled endpoint back on
// clears its failure state.
func TestReactivatedEndpointStartsAfresh(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := model.WithActor(context.Background(), model.System)
		ep := &model.WebhookEndpoint{URL: "https://hooks.example.com/in", Active: true}
		if err := s.CreateWebhookEndpoint(ctx, ep, "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"); err != nil {
			t.Fatal(err)
		}
		if err := s.DisableWebhookEndpoint(ctx, ep.ID, "410 Gone"); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Update(ctx, s, ep.ID, 0, func(e *model.WebhookEndpoint) error { e.Active = true; return nil }); err != nil {
			t.Fatal(err)
		}
		st, err := s.WebhookState(ctx, ep.ID)
		if err != nil || st.DisabledAt != nil || st.FailingSince != nil || st.DisabledReason != "" {
			t.Errorf("state after re-activation: %+v %v", st, err)
		}
	})
}

// TestWebhookRetryHoldsRecord: while a record's head waits for a retry,
// its later events (those queued already and those made by a fill) wait
// with it, out of the claims' way; a replay of the head releases them, and
// they still go out one at a time after it.
func TestWebhookRetryHoldsRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := model.WithActor(context.Background(), model.System)
		ep := &model.WebhookEndpoint{URL: "https://hooks.example.com/in", EventTypes: []string{"contact.*"}, Active: true}
		if err := s.CreateWebhookEndpoint(ctx, ep, "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"); err != nil {
			t.Fatal(err)
		}
		a := &model.Contact{FirstName: "A"}
		if err := store.Create(ctx, s, a); err != nil {
			t.Fatal(err)
		}
		retitle := func(title string) {
			t.Helper()
			if _, err := store.Update(ctx, s, a.ID, 0, func(c *model.Contact) error { c.Title = title; return nil }); err != nil {
				t.Fatal(err)
			}
			if _, err := s.FillWebhookDeliveries(ctx, ep, 100); err != nil {
				t.Fatal(err)
			}
		}
		retitle("one")
		retitle("two")
		head, err := s.ClaimWebhookDeliveries(ctx, ep.ID, 10, time.Minute)
		if err != nil || len(head) != 1 {
			t.Fatalf("claim: %+v %v", head, err)
		}
		retry := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
		at := &model.WebhookAttempt{Attempt: 1, At: time.Now().UTC(), Status: 503}
		if err := s.RecordWebhookAttempt(ctx, &head[0], at, store.AttemptRetry, retry); err != nil {
			t.Fatal(err)
		}
		retitle("three") // made while the endpoint is failing
		pending, err := s.WebhookDeliveries(ctx, ep.ID, model.DeliveryPending, time.Time{}, 10)
		if err != nil || len(pending) != 4 {
			t.Fatalf("pending: %d %v", len(pending), err)
		}
		for _, d := range pending {
			if !d.NextAttemptAt.Equal(retry) {
				t.Errorf("seq %d due %s, want the head's retry %s", d.Seq, d.NextAttemptAt, retry)
			}
		}
		if got, _ := s.ClaimWebhookDeliveries(ctx, ep.ID, 10, time.Minute); len(got) != 0 {
			t.Errorf("claimed while the head waits: %+v", got)
		}
		if _, err := s.ReplayWebhookDeliveries(ctx, ep.ID, store.ReplayFilter{DeliveryID: head[0].ID}); err != nil {
			t.Fatal(err)
		}
		for i, want := range []int64{head[0].Seq, pending[2].Seq, pending[1].Seq, pending[0].Seq} {
			got, err := s.ClaimWebhookDeliveries(ctx, ep.ID, 10, time.Minute)
			if err != nil || len(got) != 1 || got[0].Seq != want {
				t.Fatalf("claim %d after the replay: %+v %v, want seq %d", i, got, err, want)
			}
			at := &model.WebhookAttempt{Attempt: got[0].Attempts + 1, At: time.Now().UTC(), Status: 204}
			if err := s.RecordWebhookAttempt(ctx, &got[0], at, store.AttemptDelivered, time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestRESTHookSeesWhatItsOwnerSees: a REST hook's deliveries are limited to
// the records its subscriber may see; domain events are delivered beside
// the plain update; a 410 unsubscribes the hook.
func TestRESTHookSeesWhatItsOwnerSees(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		newPipeline(t, s, "New business")
		rep := newUser(t, s, "hook.rep@example.com", model.RoleAgent)
		other := newUser(t, s, "hook.other@example.com", model.RoleAgent)
		repCtx := model.WithActor(context.Background(), model.Actor{UserID: rep.ID, Name: rep.Name, Role: model.RoleAgent})
		hook := &model.WebhookEndpoint{URL: "https://hooks.example.com/zap", EventTypes: []string{"opportunity.*"}, Active: true,
			RESTHook: true, OwnerID: rep.ID}
		if err := s.CreateWebhookEndpoint(repCtx, hook, "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"); err != nil {
			t.Fatal(err)
		}
		mine := &model.Opportunity{Name: "Mine", Currency: "EUR", OwnerID: &rep.ID}
		theirs := &model.Opportunity{Name: "Theirs", Currency: "EUR", OwnerID: &other.ID}
		for _, o := range []*model.Opportunity{mine, theirs} {
			if err := store.Create(salesAdmin, s, o); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := store.Update(salesAdmin, s, mine.ID, 0, func(o *model.Opportunity) error { o.Outcome = model.OutcomeWon; return nil }); err != nil {
			t.Fatal(err)
		}
		sys := model.WithActor(context.Background(), model.System)
		if _, err := s.FillWebhookDeliveries(sys, hook, 500); err != nil {
			t.Fatal(err)
		}
		all, _ := s.WebhookDeliveries(sys, hook.ID, "", time.Time{}, 100)
		var types []string
		for _, d := range all {
			if d.RecordID == theirs.ID {
				t.Errorf("the hook got a deal its owner may not see: %s", d.EventType)
			}
			types = append(types, d.EventType)
			var p struct{ Type string }
			if err := json.Unmarshal(d.Payload, &p); err != nil || p.Type != d.EventType {
				t.Errorf("payload type %q for %s", p.Type, d.EventType)
			}
		}
		slices.Sort(types)
		if strings.Join(types, " ") != "opportunity.created opportunity.updated opportunity.won" {
			t.Errorf("deliveries %v", types)
		}
		// The receiver answers 410: the subscription is gone.
		if err := s.DisableWebhookEndpoint(sys, hook.ID, "410 Gone"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RESTHook(repCtx, hook.ID); model.ErrorCode(err) != model.ENOTFOUND {
			t.Errorf("the hook survived its 410: %v", err)
		}
	})
}
