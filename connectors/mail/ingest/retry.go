package ingest

import (
	"context"

	"rapport/model"
	"rapport/model/store"
)

// Reparse reads a quarantined message's raw bytes back from the blob store,
// parses and classifies them as on fetch: the store.Reparse behind
// RetryQuarantine. An invitation answer is logged as a report but not
// applied again.
func (p *Pipeline) Reparse(ctx context.Context, q *model.MailQuarantine) (*model.MailIngest, error) {
	r, err := p.read(ctx, q.SHA256)
	if err != nil {
		return nil, err
	}
	return r.in, nil
}

// RetryQuarantine runs a waiting quarantined message through ingest again
// (admins; the API's MailRetrier) and acknowledges the new request it may
// make. store.RetryQuarantine commits the message in a transaction of its
// own, so the acknowledgement follows in another: a crash between the two
// loses that acknowledgement (never the message), and a request that has
// one already — the message was ingested meanwhile — gets no second.
func (p *Pipeline) RetryQuarantine(ctx context.Context, id string) (*model.MailQuarantine, *model.MailMessage, error) {
	var in *model.MailIngest
	q, msg, err := p.cfg.Store.RetryQuarantine(ctx, id, func(ctx context.Context, q *model.MailQuarantine) (*model.MailIngest, error) {
		var err error
		in, err = p.Reparse(ctx, q)
		return in, err
	})
	if err != nil || msg == nil || !msg.AckDue {
		return q, msg, err
	}
	err = p.cfg.Store.WithTx(system(ctx), func(ctx context.Context) error {
		page, err := store.List[model.OutboundMail](ctx, p.cfg.Store, store.ListParams{Limit: 1, Equals: map[string]string{
			"request_id": deref(msg.RequestID), "in_reply_to": msg.MessageID, "auto_submitted": "auto-replied"}})
		if err != nil || len(page.Items) > 0 {
			return err
		}
		return p.acks.send(ctx, msg, in)
	})
	if err != nil {
		p.log.Error("ingest: the retried message is in, its acknowledgement is not", "mail_message", msg.ID, "err", err)
	}
	return q, msg, nil
}
