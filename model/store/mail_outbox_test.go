package store_test

import (
	"context"
	"errors"
	"testing"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

func TestOutboxLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newMailFixture(t, s)
		msg := f.ingest(f.mail("ann@customer.example", "Printer broken", "It does not print."))
		req, err := store.Get[model.Request](salesAdmin, s, *msg.RequestID)
		if err != nil {
			t.Fatal(err)
		}
		var queued []string
		enqueue := func(_ context.Context, id string) error { queued = append(queued, id); return nil }
		reply := &model.OutboundMail{MailboxID: &f.mb.ID, From: model.MailAddress{Email: "support@rapport.example"},
			To: []model.MailAddress{{Email: "ann@customer.example"}}, Subject: "Re: Printer broken", Text: "Try turning it off and on.",
			MessageID: "r-x.0123456789abcdef.000000000000000000000000@rapport.example", RequestID: &req.ID, ContactID: req.ContactID}
		if err := s.QueueMail(salesAdmin, reply, enqueue); err != nil {
			t.Fatal(err)
		}
		if len(queued) != 1 || queued[0] != reply.ID || reply.Status != model.OutboundQueued {
			t.Fatalf("queued %v, status %s", queued, reply.Status)
		}
		timeline := func() *model.Activity {
			page, err := store.List[model.Activity](salesAdmin, s, store.ListParams{Equals: map[string]string{"linked": "outbound_mail:" + reply.ID}})
			if err != nil || len(page.Items) != 1 {
				t.Fatalf("timeline: %v %v", page.Items, err)
			}
			return page.Items[0]
		}
		if a := timeline(); a.Status != "draft" || a.Kind != model.KindEmail || *a.ContactID != *req.ContactID {
			t.Fatalf("activity %+v", a)
		}

		// A temporary failure goes back to the queue; a run after success does nothing.
		if _, err := s.StartMailAttempt(salesAdmin, reply.ID); err != nil {
			t.Fatal(err)
		}
		m, err := s.FinishMailAttempt(salesAdmin, reply.ID, errors.New("451 greylisted"), nil, false)
		if err != nil || m.Status != model.OutboundQueued || m.Attempts != 1 || m.LastError != "451 greylisted" {
			t.Fatalf("after a temporary failure: %+v %v", m, err)
		}
		if _, err := s.StartMailAttempt(salesAdmin, reply.ID); err != nil {
			t.Fatal(err)
		}
		if m, err = s.FinishMailAttempt(salesAdmin, reply.ID, nil, nil, false); err != nil || m.Status != model.OutboundSent || m.SentAt == nil || m.Attempts != 2 {
			t.Fatalf("after delivery: %+v %v", m, err)
		}
		if a := timeline(); a.Status != "sent" {
			t.Errorf("activity status %s after delivery", a.Status)
		}
		if _, err := s.StartMailAttempt(salesAdmin, reply.ID); !errors.Is(err, store.ErrNotSendable) {
			t.Errorf("second run of a sent mail: %v", err)
		}
		var sentEvents int
		if err := s.DB().QueryRow("SELECT count(*) FROM changes WHERE event = 'mail.sent'").Scan(&sentEvents); err != nil || sentEvents != 1 {
			t.Fatalf("%d mail.sent events, %v", sentEvents, err)
		}

		// Automatic mail skips suppressed addresses; nobody left, nothing queued.
		if err := store.Create(salesAdmin, s, &model.MailSuppression{Address: "gone@customer.example", Reason: model.SuppressBounce}); err != nil {
			t.Fatal(err)
		}
		ack := &model.OutboundMail{From: model.MailAddress{Email: "support@rapport.example"}, To: []model.MailAddress{{Email: "gone@customer.example"}},
			Subject: "[R-1] received", Text: "Thanks", AutoSubmitted: "auto-replied", MessageID: "ack1@rapport.example"}
		if err := s.QueueMail(salesAdmin, ack, enqueue); err != nil {
			t.Fatal(err)
		}
		if ack.Status != model.OutboundSuppressed || len(queued) != 1 {
			t.Fatalf("suppressed ack: status %s, queued %v", ack.Status, queued)
		}

		// The last attempt fails the mail for good.
		late := &model.OutboundMail{From: model.MailAddress{Email: "support@rapport.example"}, To: []model.MailAddress{{Email: "ann@customer.example"}},
			Subject: "Hello", Text: "Hi", MessageID: "late@rapport.example"}
		if err := s.QueueMail(salesAdmin, late, enqueue); err != nil {
			t.Fatal(err)
		}
		if _, err := s.StartMailAttempt(salesAdmin, late.ID); err != nil {
			t.Fatal(err)
		}
		if m, err := s.FinishMailAttempt(salesAdmin, late.ID, errors.New("550 no such user"), nil, true); err != nil || m.Status != model.OutboundFailed {
			t.Fatalf("given up: %+v %v", m, err)
		}
	})
}
