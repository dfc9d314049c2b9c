package store

import (
	"context"
	"errors"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"rapport/model"
)

// baseCurrencyKey is the settings row holding the installation's base currency.
const baseCurrencyKey = "base_currency"

// setting is a row of the settings table: installation-wide values an admin
// changes at run time (as opposed to cmd's start-up configuration).
type setting struct {
	Key   string `gorm:"primaryKey"`
	Value string
}

func (setting) TableName() string { return "settings" }

// BaseCurrency returns the installation's base currency: what forecasts and
// reports convert to, and what exchange rates are quoted in.
// model.DefaultBaseCurrency until an admin sets another.
func (s *Store) BaseCurrency(ctx context.Context) (string, error) {
	var row setting
	err := s.conn(ctx).Where("key = ?", baseCurrencyKey).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return model.DefaultBaseCurrency, nil
	}
	if err != nil {
		return "", dbErr(err)
	}
	return row.Value, nil
}

// SetBaseCurrency changes the base currency (admins). It is refused while
// live exchange rates exist, since they are quoted in the old base.
func (s *Store) SetBaseCurrency(ctx context.Context, code string) error {
	if !model.ActorFrom(ctx).IsAdmin() {
		return model.Errorf(model.EFORBIDDEN, "admins only")
	}
	if !model.ValidCurrency(code) {
		return model.FieldErrors{"currency": "an ISO 4217 code such as EUR"}.Err()
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		cur, err := s.BaseCurrency(ctx)
		if err != nil || cur == code {
			return err
		}
		var n int64
		if err := s.conn(ctx).Model(&model.ExchangeRate{}).Where("deleted_at IS NULL").Count(&n).Error; err != nil {
			return dbErr(err)
		}
		if n > 0 {
			return model.Errorf(model.ECONFLICT, "delete the %d exchange rates (quoted in %s) before changing the base currency", n, cur)
		}
		err = s.conn(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "key"}}, DoUpdates: clause.AssignmentColumns([]string{"value"})}).
			Create(&setting{Key: baseCurrencyKey, Value: code}).Error
		if err != nil {
			return dbErr(err)
		}
		return s.Audit(ctx, "settings.base_currency", "", code, "", map[string]any{"old": cur, "new": code})
	})
}

// RateOn returns the exchange rate of currency valid on day: the live rate
// with the latest valid_from on or before day. The base currency's rate is 1.
func (s *Store) RateOn(ctx context.Context, currency string, day time.Time) (model.Decimal, error) {
	base, err := s.BaseCurrency(ctx)
	if err != nil {
		return model.Decimal{}, err
	}
	if currency == base {
		return model.DecInt(1), nil
	}
	var r model.ExchangeRate
	err = s.conn(ctx).Where("currency = ? AND valid_from <= ? AND deleted_at IS NULL", currency, day.Format(model.DateLayout)).
		Order("valid_from DESC").Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return model.Decimal{}, model.Errorf(model.EINVALID, "no exchange rate from %s to %s valid on %s", currency, base, day.Format(model.DateLayout))
	}
	if err != nil {
		return model.Decimal{}, dbErr(err)
	}
	return r.Rate, nil
}

// ConvertToBase converts amount in currency to the base currency at the
// rate valid on day, to DecimalPlaces (reports round for display).
func (s *Store) ConvertToBase(ctx context.Context, amount model.Decimal, currency string, day time.Time) (model.Decimal, error) {
	rate, err := s.RateOn(ctx, currency, day)
	if err != nil {
		return model.Decimal{}, err
	}
	return model.Decimal{Decimal: amount.Mul(rate.Decimal).Round(model.DecimalPlaces)}, nil
}

// PriceEntries returns a page of a price list's entries in product id order,
// after the product id after ("" for the first page).
func (s *Store) PriceEntries(ctx context.Context, listID, after string, limit int) ([]model.PriceListEntry, error) {
	if _, err := Get[model.PriceList](ctx, s, listID); err != nil {
		return nil, err
	}
	out := []model.PriceListEntry{}
	err := s.conn(ctx).Where("price_list_id = ? AND product_id > ?", listID, after).
		Order("product_id").Limit(clampLimit(limit, 1000)).Find(&out).Error
	return out, dbErr(err)
}

// PriceEntry returns one product's entry in a price list.
func (s *Store) PriceEntry(ctx context.Context, listID, productID string) (*model.PriceListEntry, error) {
	if _, err := Get[model.PriceList](ctx, s, listID); err != nil {
		return nil, err
	}
	var e model.PriceListEntry
	err := s.conn(ctx).Where("price_list_id = ? AND product_id = ?", listID, productID).Take(&e).Error
	if err != nil {
		return nil, dbErr(err)
	}
	return &e, nil
}

// SetPrices upserts entries and removes the prices of the products in
// remove, in one transaction: the price list's next version with one change
// row whose "entries" field holds each changed product's old and new price.
func (s *Store) SetPrices(ctx context.Context, listID string, ifVersion int64, entries []model.PriceListEntry, remove []string) (*model.PriceList, error) {
	if err := model.CheckEntries(entries); err != nil {
		return nil, err
	}
	return editRecord(ctx, s, listID, ifVersion, func(ctx context.Context, pl *model.PriceList) (map[string]model.FieldChange, string, error) {
		ids := make([]string, 0, len(entries)+len(remove))
		for _, e := range entries {
			ids = append(ids, e.ProductID)
		}
		if err := s.checkRefs(ctx, productRefs(ids)); err != nil {
			return nil, "", err
		}
		old, err := s.pricesOf(ctx, listID, append(ids, remove...))
		if err != nil {
			return nil, "", err
		}
		changed := priceChanges(old, entries, remove)
		if len(changed.Old) == 0 && len(changed.New) == 0 {
			return nil, "", nil
		}
		return map[string]model.FieldChange{"entries": {Old: changed.Old, New: changed.New}}, "", s.writePrices(ctx, listID, entries, remove)
	})
}

func productRefs(ids []string) []model.Ref {
	refs := make([]model.Ref, len(ids))
	for i := range ids {
		refs[i] = model.Ref{Field: "entries[" + strconv.Itoa(i) + "].product_id", Entity: "product", ID: &ids[i]}
	}
	return refs
}

// priceDiff is the old and new prices of changed products (null: no price).
type priceDiff struct{ Old, New map[string]any }

func priceChanges(old map[string]model.Decimal, entries []model.PriceListEntry, remove []string) priceDiff {
	d := priceDiff{Old: map[string]any{}, New: map[string]any{}}
	for _, e := range entries {
		if p, ok := old[e.ProductID]; ok && p.Equal(e.UnitPrice.Decimal) {
			continue
		}
		d.Old[e.ProductID], d.New[e.ProductID] = priceOrNil(old, e.ProductID), e.UnitPrice
	}
	for _, id := range remove {
		if _, ok := old[id]; ok {
			d.Old[id], d.New[id] = old[id], nil
		}
	}
	return d
}

func priceOrNil(m map[string]model.Decimal, id string) any {
	if p, ok := m[id]; ok {
		return p
	}
	return nil
}

// pricesOf returns the list's current prices of productIDs.
func (s *Store) pricesOf(ctx context.Context, listID string, productIDs []string) (map[string]model.Decimal, error) {
	out := map[string]model.Decimal{}
	for start := 0; start < len(productIDs); start += 500 {
		var rows []model.PriceListEntry
		chunk := productIDs[start:min(start+500, len(productIDs))]
		if err := s.conn(ctx).Where("price_list_id = ? AND product_id IN ?", listID, chunk).Find(&rows).Error; err != nil {
			return nil, dbErr(err)
		}
		for _, r := range rows {
			out[r.ProductID] = r.UnitPrice
		}
	}
	return out, nil
}

func (s *Store) writePrices(ctx context.Context, listID string, entries []model.PriceListEntry, remove []string) error {
	db := s.conn(ctx)
	t := now()
	for i := range entries {
		entries[i].PriceListID, entries[i].UpdatedAt = listID, t
	}
	if len(remove) > 0 {
		if err := db.Where("price_list_id = ? AND product_id IN ?", listID, remove).Delete(&model.PriceListEntry{}).Error; err != nil {
			return dbErr(err)
		}
	}
	if len(entries) == 0 {
		return nil
	}
	upsert := clause.OnConflict{Columns: []clause.Column{{Name: "price_list_id"}, {Name: "product_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"unit_price", "updated_at"})}
	return dbErr(db.Clauses(upsert).CreateInBatches(entries, s.batchRows(4)).Error)
}
