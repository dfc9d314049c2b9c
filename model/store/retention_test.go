package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// age moves the rows of table matching where back in time: column is set
// to days days ago.
func age(t *testing.T, s *store.Store, table, column string, days int, where string, args ...any) {
	t.Helper()
	old := time.Now().UTC().Add(-time.Duration(days) * 24 * time.Hour)
	execSQL(t, s, rebind(s, "UPDATE "+table+" SET "+column+" = ? WHERE "+where), append([]any{old}, args...)...)
}

func count(t *testing.T, s *store.Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow(rebind(s, q), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestRetentionLogsAndMail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := salesAdmin
		// An endpoint with nothing to prune comes first.
		idle := &model.WebhookEndpoint{URL: "https://hooks.example.com/idle", Active: true}
		if err := s.CreateWebhookEndpoint(ctx, idle, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"); err != nil {
			t.Fatal(err)
		}
		execSQL(t, s, rebind(s, "UPDATE webhook_endpoints SET id = ? WHERE id = ?"), "00000000-0000-7000-8000-000000000000", idle.ID)
		ep := &model.WebhookEndpoint{URL: "https://hooks.example.com/x", Active: true}
		if err := s.CreateWebhookEndpoint(ctx, ep, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"); err != nil {
			t.Fatal(err)
		}
		for i := range 7 {
			mustCreateRecord(t, s, storetest.Contact(i))
		}
		if n, err := s.FillWebhookDeliveries(ctx, ep, 100); err != nil || n != 7 {
			t.Fatalf("fill: %d %v", n, err)
		}
		ds, err := s.ClaimWebhookDeliveries(ctx, ep.ID, 10, time.Minute)
		if err != nil || len(ds) < 5 {
			t.Fatalf("claim: %d %v", len(ds), err)
		}
		// Five delivered long ago, with their attempts; the rest pending.
		var outs []store.AttemptOutcome
		for i := range 5 {
			outs = append(outs, store.AttemptOutcome{Delivery: &ds[i], Attempt: &model.WebhookAttempt{Attempt: 1, At: time.Now(), Status: 200},
				Outcome: model.DeliveryDelivered})
		}
		if err := s.RecordWebhookAttempts(ctx, outs); err != nil {
			t.Fatal(err)
		}
		execSQL(t, s, rebind(s, "UPDATE webhook_deliveries SET status = ? WHERE status = ? AND id IN (SELECT id FROM webhook_deliveries WHERE status = ? ORDER BY id LIMIT 1)"),
			model.DeliveryPending, model.DeliveryPending, model.DeliveryPending)
		age(t, s, "webhook_deliveries", "created_at", 100, "1 = 1")
		age(t, s, "webhook_attempts", "at", 100, "1 = 1")

		// Mail: two messages long ago, one today; a quarantined one long ago.
		mf := newMailFixture(t, s)
		var msgs []*model.MailMessage
		for i := range 3 {
			msgs = append(msgs, mf.ingest(mf.mail(fmt.Sprintf("p%d@customer.example", i), "Help", "text")))
		}
		age(t, s, "mail_messages", "created_at", 200, "id IN (?, ?)", msgs[0].ID, msgs[1].ID)
		q := &model.MailQuarantine{MailboxID: mf.mb.ID, Folder: "INBOX", UIDValidity: 7, UID: 77, SHA256: sha("broken"), Size: 6,
			FromAddress: "x@customer.example", Subject: "Broken", Reason: model.QuarantineMalformed, Error: "bad", Status: model.QuarantineOpen}
		mustCreateRecord(t, s, q)
		age(t, s, "mail_quarantines", "created_at", 100, "id = ?", q.ID)

		res, err := s.ApplyRetention(ctx, store.Retention{Deliveries: 90 * 24 * time.Hour, RawMail: 180 * 24 * time.Hour,
			Quarantine: 90 * 24 * time.Hour, Batch: 2}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if res[store.RetainDeliveries] != 5 || res[store.RetainAttempts] != 5 || res[store.RetainRawMail] != 2 || res[store.RetainQuarantine] != 1 {
			t.Errorf("removed %v", res)
		}
		if n := count(t, s, "SELECT COUNT(*) FROM webhook_deliveries WHERE status = ?", model.DeliveryPending); n != 2 {
			t.Errorf("%d pending deliveries left, want 2 (old but unsettled)", n)
		}
		for i, m := range msgs {
			got, err := store.Get[model.MailMessage](ctx, s, m.ID)
			if err != nil || (got.SHA256 == "") != (i < 2) || got.Version != m.Version {
				t.Errorf("message %d: %+v %v", i, got, err)
			}
			body, err := s.MailBody(ctx, m.ID)
			if err != nil || body.Text != "text" {
				t.Errorf("message %d lost its body: %+v %v", i, body, err)
			}
			if used, _ := s.BlobReferenced(ctx, m.SHA256); used == (i < 2) {
				t.Errorf("message %d: raw referenced %v", i, used)
			}
		}
		// A purged message read again is still known (its place, its Message-ID).
		again := mf.mail("p0@customer.example", "Help", "text")
		again.UID, again.SHA256, again.MessageID = 1, sha("other bytes"), msgs[0].MessageID
		if _, dup, err := s.IngestMail(context.Background(), again); err != nil || !dup {
			t.Errorf("re-read after the raw purge: dup %v, %v", dup, err)
		}
		gone, err := store.Get[model.MailQuarantine](ctx, s, q.ID)
		if model.ErrorCode(err) != model.ENOTFOUND {
			t.Errorf("quarantine entry still live: %+v %v", gone, err)
		}
		if c := lastChange(t, s, "mail_quarantine", q.ID); c.Op != model.OpDelete || c.Fields["from_address"].Old != nil ||
			count(t, s, "SELECT COUNT(*) FROM mail_quarantines WHERE id = ? AND from_address = '' AND sha256 = ''", q.ID) != 1 {
			t.Errorf("quarantine tombstone: %+v", c)
		}
		// A second pass finds nothing more.
		if res, err := s.ApplyRetention(ctx, store.Retention{Deliveries: 90 * 24 * time.Hour, RawMail: 180 * 24 * time.Hour,
			Quarantine: 90 * 24 * time.Hour}, time.Now()); err != nil || len(res) != 0 && (res[store.RetainDeliveries]+res[store.RetainRawMail]+res[store.RetainQuarantine] != 0) {
			t.Errorf("second pass: %v %v", res, err)
		}
	})
}

func TestFeedHorizon(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := salesAdmin
		for i := range 10 {
			mustCreateRecord(t, s, storetest.Contact(i))
		}
		head := feedSeq(t, s)
		// An endpoint that has turned the first six rows into deliveries
		// (its creation is the next row).
		ep := &model.WebhookEndpoint{URL: "https://hooks.example.com/x", Active: true}
		if err := s.CreateWebhookEndpoint(ctx, ep, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"); err != nil {
			t.Fatal(err)
		}
		execSQL(t, s, rebind(s, "UPDATE webhook_states SET cursor_seq = ?"), head-4)
		for i := range 3 {
			mustCreateRecord(t, s, storetest.Contact(100+i))
		}
		age(t, s, "changes", "at", 40, "1 = 1")
		sc := store.DAVScope{Slug: model.SlugContacts, UserID: model.NewID()}
		token, err := s.DAVSyncSeq(ctx, sc, "")
		if err != nil {
			t.Fatal(err)
		}

		n, err := s.PruneFeed(ctx, time.Now().Add(-30*24*time.Hour), 3)
		if err != nil || n != int64(head-4) {
			t.Fatalf("pruned %d, want %d (to the endpoint's cursor): %v", n, head-4, err)
		}
		h, err := s.FeedHorizon(ctx)
		if err != nil || h != head-4 {
			t.Fatalf("horizon %d %v", h, err)
		}
		// Readers below the horizon are told; at or above it they read on.
		if _, _, err := s.Changes(ctx, h-1, 10); model.ErrorCode(err) != model.EGONE {
			t.Errorf("changes below the horizon: %v", err)
		}
		if rows, _, err := s.Changes(ctx, h, 100); err != nil || len(rows) != 8 {
			t.Errorf("changes from the horizon: %d %v", len(rows), err)
		}
		if _, _, _, err := s.DAVChanges(ctx, sc, ".vcf", 1, 100); model.ErrorCode(err) != model.EINVALID {
			t.Errorf("a DAV token below the horizon: %v", err)
		}
		if _, _, _, err := s.DAVChanges(ctx, sc, ".vcf", token, 100); err != nil {
			t.Errorf("the collection's token: %v", err)
		}
		// The endpoint caught up and disabled: the rest goes but the newest row.
		execSQL(t, s, rebind(s, "UPDATE webhook_states SET disabled_at = ?"), time.Now().UTC())
		if n, err := s.PruneFeed(ctx, time.Now().Add(-30*24*time.Hour), 1000); err != nil || n != 7 {
			t.Errorf("pruned %d more: %v", n, err)
		}
		last := feedSeq(t, s)
		if h, _ := s.FeedHorizon(ctx); h != last-1 {
			t.Errorf("horizon %d, head %d", h, last)
		}
		if seq, err := s.DAVSyncSeq(ctx, store.DAVScope{Slug: model.SlugTasks, UserID: sc.UserID}, ""); err != nil || seq != last-1 {
			t.Errorf("a collection whose changes were all pruned has token %d: %v", seq, err)
		}
		// Once it is no longer the newest, the old head goes; young rows never do.
		mustCreateRecord(t, s, storetest.Contact(200))
		if n, err := s.PruneFeed(ctx, time.Now().Add(-30*24*time.Hour), 1000); err != nil || n != 1 {
			t.Errorf("pruned %d: %v", n, err)
		}
		mustCreateRecord(t, s, storetest.Contact(201))
		if n, err := s.PruneFeed(ctx, time.Now().Add(-30*24*time.Hour), 1000); err != nil || n != 0 {
			t.Errorf("pruned young rows: %d %v", n, err)
		}
		if h, _ := s.FeedHorizon(ctx); h != last {
			t.Errorf("horizon %d, want %d", h, last)
		}
	})
}
