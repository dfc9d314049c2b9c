package store_test

import (
	"context"
	"testing"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// TestQueueReplyMovesTheRequest queues an agent's mail on a request: the
// request is answered (first response, open) in the same transaction, a
// bad status undoes the mail, and a mail without a request is refused.
func TestQueueReplyMovesTheRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newMailFixture(t, s)
		msg := f.ingest(f.mail("ann@customer.example", "Printer broken", "It does not print."))
		var queued []string
		enqueue := func(_ context.Context, id string) error { queued = append(queued, id); return nil }
		reply := func(status string) (*model.OutboundMail, error) {
			m := &model.OutboundMail{MailboxID: &f.mb.ID, From: model.MailAddress{Email: "support@rapport.example"},
				To: []model.MailAddress{{Email: "ann@customer.example"}}, Subject: "Re: Printer broken", Text: "Restart it.",
				MessageID: "r-x." + model.NewID() + "@rapport.example", RequestID: msg.RequestID}
			return m, s.QueueReply(salesAdmin, m, status, enqueue)
		}
		if _, err := reply("no such status"); model.ErrorCode(err) != model.EINVALID {
			t.Fatalf("a bad status: %v", err)
		}
		queued = nil // the fake queue kept what the transaction rolled back
		if n, _ := store.List[model.OutboundMail](salesAdmin, s, store.ListParams{}); len(n.Items) != 0 {
			t.Fatalf("a refused reply left %d outbox entries", len(n.Items))
		}
		m, err := reply("")
		if err != nil || len(queued) != 1 || queued[0] != m.ID {
			t.Fatalf("reply: %v, queued %v", err, queued)
		}
		req, _ := store.Get[model.Request](salesAdmin, s, *msg.RequestID)
		if req.FirstResponseAt == nil || req.Status != model.RequestOpen {
			t.Errorf("request after the reply: %s, first response %v", req.Status, req.FirstResponseAt)
		}
		var replied int
		if err := s.DB().QueryRow("SELECT count(*) FROM changes WHERE event = 'request.replied'").Scan(&replied); err != nil || replied != 1 {
			t.Errorf("%d request.replied events, %v", replied, err)
		}
		if _, err := reply(model.RequestPendingCustomer); err != nil {
			t.Fatal(err)
		}
		if req, _ = store.Get[model.Request](salesAdmin, s, *msg.RequestID); req.Status != model.RequestPendingCustomer {
			t.Errorf("status %s", req.Status)
		}
		if err := s.QueueReply(salesAdmin, &model.OutboundMail{}, "", enqueue); model.ErrorCode(err) != model.EINVALID {
			t.Errorf("a reply without a request: %v", err)
		}
	})
}
