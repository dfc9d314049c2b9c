package store

import (
	"context"
	"fmt"

	"rapport/model"
)

// CreatePriced creates a priced document (quote or order) with its lines
// in one transaction: the header is checked and priced first, the number
// of kind is drawn only when everything is valid, and the create change
// row carries the totals. Owner and team default to the actor's.
func CreatePriced[T any, P PricedPtr[T]](ctx context.Context, s *Store, doc P, kind string, lines []model.LineInput) ([]model.Line, error) {
	var out []model.Line
	err := s.WithTx(ctx, func(ctx context.Context) error {
		defaultOwner(ctx, doc)
		doc.Normalize()
		p := doc.PricingInfo()
		if err := s.applyPriceList(ctx, p); err != nil {
			return err
		}
		var err error
		if out, err = s.applyLineEdit(ctx, p, nil, LineEdit{Add: lines}); err != nil {
			return err
		}
		return s.insertPriced(ctx, doc, kind, out)
	})
	return out, err
}

// insertPriced validates doc, draws its number of kind, and stores it with
// lines (already calculated) in the transaction in ctx. An empty kind
// leaves the number for later: invoices are numbered when issued.
func (s *Store) insertPriced(ctx context.Context, doc model.Priced, kind string, lines []model.Line) error {
	if _, err := validate(doc); err != nil {
		return err
	}
	if err := authorizeWrite(model.ActorFrom(ctx), doc); err != nil {
		return err
	}
	if err := s.checkRefs(ctx, refsOf([]model.Record{doc})); err != nil {
		return err
	}
	if kind != "" {
		n, err := s.NextNumber(ctx, kind)
		if err != nil {
			return err
		}
		doc.SetNumber(n)
	}
	doc.RecordMeta().ID = model.NewID()
	if err := s.createRecord(ctx, doc); err != nil {
		return err
	}
	_, err := s.saveLines(ctx, doc, nil, lines)
	return err
}

// createRecord is Create for a record known only by interface.
func (s *Store) createRecord(ctx context.Context, doc model.Priced) error {
	switch d := doc.(type) {
	case *model.Quote:
		return Create(ctx, s, d)
	case *model.Order:
		return Create(ctx, s, d)
	case *model.Invoice:
		return Create(ctx, s, d)
	}
	return fmt.Errorf("store: %s is not a priced document", doc.Entity())
}

// defaultOwner makes the actor the owner (and the actor's team the team)
// of a new document that names none.
func defaultOwner(ctx context.Context, doc model.Priced) {
	a := model.ActorFrom(ctx)
	owner, team := doc.OwnerTeam()
	ids := ownerFields(doc)
	if owner == "" && a.UserID != "" {
		*ids[0] = &a.UserID
	}
	if team == "" && a.TeamID != "" {
		*ids[1] = &a.TeamID
	}
}

func ownerFields(doc model.Priced) [2]**string {
	switch d := doc.(type) {
	case *model.Quote:
		return [2]**string{&d.OwnerID, &d.TeamID}
	case *model.Order:
		return [2]**string{&d.OwnerID, &d.TeamID}
	case *model.Invoice:
		return [2]**string{&d.OwnerID, &d.TeamID}
	}
	var a, b *string
	return [2]**string{&a, &b}
}

// applyPriceList checks p's price list (it exists, shares p's currency and
// is valid today) and takes its tax convention.
func (s *Store) applyPriceList(ctx context.Context, p *model.Pricing) error {
	if p.PriceListID == nil {
		return nil
	}
	var pl model.PriceList
	err := s.conn(ctx).Where("id = ? AND deleted_at IS NULL", *p.PriceListID).Take(&pl).Error
	if model.ErrorCode(dbErr(err)) == model.ENOTFOUND {
		return model.FieldErrors{"price_list_id": "no price list with id " + *p.PriceListID}.Err()
	}
	if err != nil {
		return dbErr(err)
	}
	if pl.Currency != p.Currency {
		return model.FieldErrors{"currency": fmt.Sprintf("must be %s, the currency of price list %s", pl.Currency, pl.Name)}.Err()
	}
	if err := pl.ValidOn(s.today()); err != nil {
		return err
	}
	p.PricesIncludeTax = pl.PricesIncludeTax
	return nil
}

// UpdatePriced changes a priced document's header with mutate (a merge
// patch). Server-owned fields are kept; a document whose lines are locked
// may change only model.LockedEditable fields; a change of currency, price
// list, rounding or tax convention recalculates every line in the same
// transaction (unit prices stay as they are).
func UpdatePriced[T any, P PricedPtr[T]](ctx context.Context, s *Store, id string, ifVersion int64, mutate func(P) error) (P, error) {
	return editRecord(ctx, s, id, ifVersion, func(ctx context.Context, cur P) (map[string]model.FieldChange, string, error) {
		prev := *cur
		prevRec := P(&prev)
		saved := *cur.RecordMeta()
		if err := mutate(cur); err != nil {
			return nil, "", err
		}
		*cur.RecordMeta() = saved
		any(cur).(model.ServerOwned).KeepServerOwned(prevRec)
		cur.Normalize()
		if err := lockedChanges(prevRec, cur); err != nil {
			return nil, "", err
		}
		if !cur.PricingInfo().PricingChanged(prevRec.PricingInfo()) {
			return nil, "", nil
		}
		return s.repriceLines(ctx, cur)
	})
}

// lockedChanges refuses changes beyond the fields still editable to a
// document whose lines are locked: model.LockedEditable, or what the
// document's own LockedEditable says (an issued invoice: none).
func lockedChanges(prev, cur model.Priced) error {
	locked := prev.LinesEditable()
	if locked == nil {
		return nil
	}
	editable := model.LockedEditable
	if l, ok := prev.(interface{ LockedEditable() map[string]bool }); ok {
		editable = l.LockedEditable()
	}
	before, err := model.ToMap(prev)
	if err != nil {
		return err
	}
	after, err := model.ToMap(cur)
	if err != nil {
		return err
	}
	for field := range model.Diff(before, after) {
		if !editable[field] {
			return locked
		}
	}
	return nil
}

// repriceLines recalculates every line of doc after its pricing changed.
func (s *Store) repriceLines(ctx context.Context, doc model.Priced) (map[string]model.FieldChange, string, error) {
	p := doc.PricingInfo()
	if err := s.applyPriceList(ctx, p); err != nil {
		return nil, "", err
	}
	old, err := s.linesOf(ctx, doc)
	if err != nil {
		return nil, "", err
	}
	lines := cloneLines(old)
	if err := recalc(p, lines); err != nil {
		return nil, "", err
	}
	extra, err := s.saveLines(ctx, doc, old, lines)
	return extra, "", err
}

// cloneLines copies lines deeply enough to change their amounts.
func cloneLines(lines []model.Line) []model.Line {
	return append([]model.Line(nil), lines...)
}

// DeletePriced deletes a document its rules allow deleting (a draft quote,
// a draft or cancelled order, a draft invoice). A quote's or an order's
// lines stay with the tombstone; a draft invoice's lines go, so that the
// work they billed is billed again by the next run.
func DeletePriced[T any, P PricedPtr[T]](ctx context.Context, s *Store, id string, ifVersion int64) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		cur, err := lockForWrite[T, P](ctx, s, id, ifVersion)
		if err != nil {
			return err
		}
		if err := cur.Deletable(); err != nil {
			return err
		}
		if err := Delete[T, P](ctx, s, id, ifVersion); err != nil {
			return err
		}
		if _, ok := any(cur).(*model.Invoice); ok {
			return dbErr(s.conn(ctx).Table(lineTables["invoice"]).Where("doc_id = ?", id).Delete(&model.InvoiceLine{}).Error)
		}
		return nil
	})
}

// copyLines returns lines with fresh ids, for another document.
func copyLines(lines []model.Line) []model.Line {
	out := cloneLines(lines)
	for i := range out {
		out[i].ID, out[i].DocID = model.NewID(), ""
	}
	return out
}
