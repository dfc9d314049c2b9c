package store

import (
	"context"

	"rapport/model"
)

// QueueReply queues an agent's mail answering a request (QueueMail: the
// outbox entry, its e-mail activity on the request's timeline and the
// delivery job) and, in the same transaction, moves the request as a reply
// does: the first answer stamps first_response_at, a new request opens,
// and status, when given, is applied under the workflow's rules. The
// change carries request.replied.
func (s *Store) QueueReply(ctx context.Context, m *model.OutboundMail, status string, enqueue Enqueue) error {
	if m.RequestID == nil {
		return fieldErr("request_id", "a reply answers a request")
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.QueueMail(ctx, m, enqueue); err != nil {
			return err
		}
		ev := RequestEvent{Type: "reply", Status: status}
		_, err := Update(serverWrite(ctx), s, *m.RequestID, 0, func(r *model.Request) error { return applyEvent(r, ev, true) })
		if err == nil {
			s.tagEvent(ctx, requestEventName(ev))
		}
		return prefixFields(err, "request.")
	})
}
