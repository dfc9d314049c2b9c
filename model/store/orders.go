package store

import (
	"context"

	"rapport/model"
)

// CreateOrder creates a draft order taken directly (not from a quote),
// numbered O-yyyy-nnnnn, with lines, in one transaction.
func (s *Store) CreateOrder(ctx context.Context, o *model.Order, lines []model.LineInput) ([]model.Line, error) {
	o.Status, o.QuoteID = model.OrderDraft, nil
	o.ConfirmedAt, o.FulfilledAt, o.CancelledAt = nil, nil, nil
	if o.OrderDate == nil {
		day := model.Date{Time: s.today()}
		o.OrderDate = &day
	}
	return CreatePriced(ctx, s, o, model.OrderNumberKind, lines)
}

// OrderAction moves an order through its statuses: confirm, fulfil, cancel.
func (s *Store) OrderAction(ctx context.Context, id string, ifVersion int64, action string) (*model.Order, error) {
	return editRecord(ctx, s, id, ifVersion, func(ctx context.Context, o *model.Order) (map[string]model.FieldChange, string, error) {
		return nil, "", o.Move(action, now())
	})
}
