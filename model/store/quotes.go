package store

import (
	"context"

	"rapport/model"
)

// CreateQuote creates a draft quote (revision 1, numbered Q-yyyy-nnnn) with
// lines, in one transaction.
func (s *Store) CreateQuote(ctx context.Context, q *model.Quote, lines []model.LineInput) ([]model.Line, error) {
	q.Status, q.Revision = model.QuoteDraft, 1
	q.RejectReason, q.SentAt, q.DecidedAt, q.PreviousID, q.SupersededBy, q.OrderID = "", nil, nil, nil, nil, nil
	return CreatePriced(ctx, s, q, model.QuoteNumberKind, lines)
}

// QuoteAction moves a quote through its statuses: send, accept, reject
// (with reason), expire; revise is ReviseQuote. Send, accept and reject
// record their domain event on the change row.
func (s *Store) QuoteAction(ctx context.Context, id string, ifVersion int64, action, reason string) (*model.Quote, error) {
	if action == model.ActionRevise {
		return s.ReviseQuote(ctx, id, ifVersion)
	}
	return editRecord(ctx, s, id, ifVersion, func(ctx context.Context, q *model.Quote) (map[string]model.FieldChange, string, error) {
		event, err := q.Move(action, reason, now())
		if err == nil && action == model.ActionAccept && q.OpportunityID != nil {
			err = s.applyAcceptedQuote(ctx, q)
		}
		return nil, event, err
	})
}

// applyAcceptedQuote makes the accepted quote's net total the amount of
// its opportunity, in the quote's currency, in the accepting transaction.
// Winning the deal stays the rep's call (an order or a contract may still
// be missing).
func (s *Store) applyAcceptedQuote(ctx context.Context, q *model.Quote) error {
	_, err := Update(ctx, s, *q.OpportunityID, 0, func(o *model.Opportunity) error {
		o.Amount, o.Currency = q.NetTotal, q.Currency
		return nil
	})
	return prefixFields(err, "opportunity.")
}

// ReviseQuote copies a sent, rejected or expired quote into its next
// revision: a draft with the same number and lines, linked both ways
// (previous_id, superseded_by); the old revision becomes superseded.
// It returns the new revision.
func (s *Store) ReviseQuote(ctx context.Context, id string, ifVersion int64) (*model.Quote, error) {
	var next *model.Quote
	_, err := editRecord(ctx, s, id, ifVersion, func(ctx context.Context, q *model.Quote) (map[string]model.FieldChange, string, error) {
		if _, err := q.Move(model.ActionRevise, "", now()); err != nil {
			return nil, "", err
		}
		lines, err := s.linesOf(ctx, q)
		if err != nil {
			return nil, "", err
		}
		next = q.NextRevision()
		next.ID = model.NewID()
		if err := Create(ctx, s, next); err != nil {
			return nil, "", err
		}
		q.SupersededBy = &next.ID
		_, err = s.saveLines(ctx, next, nil, copyLines(lines))
		return nil, "", err
	})
	return next, err
}

// OrderFromQuote turns an accepted quote into a draft order with copies of
// its lines and prices, once; the quote records the order's id.
func (s *Store) OrderFromQuote(ctx context.Context, quoteID string, ifVersion int64) (*model.Order, error) {
	var o *model.Order
	_, err := editRecord(ctx, s, quoteID, ifVersion, func(ctx context.Context, q *model.Quote) (map[string]model.FieldChange, string, error) {
		if q.Status != model.QuoteAccepted {
			return nil, "", model.Errorf(model.ECONFLICT, "only an accepted quote becomes an order; this one is %s", q.Status)
		}
		if q.OrderID != nil {
			return nil, "", model.Errorf(model.ECONFLICT, "the quote is already order %s", *q.OrderID)
		}
		lines, err := s.linesOf(ctx, q)
		if err != nil {
			return nil, "", err
		}
		o = model.OrderFromQuote(q)
		day := model.Date{Time: s.today()}
		o.OrderDate = &day
		if err := s.insertPriced(ctx, o, model.OrderNumberKind, copyLines(lines)); err != nil {
			return nil, "", err
		}
		q.OrderID = &o.ID
		return nil, "", nil
	})
	return o, err
}
