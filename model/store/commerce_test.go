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

// commerceFixture is an account, two products and a EUR price list.
type commerceFixture struct {
	account  *model.Account
	widget   *model.Product
	gadget   *model.Product
	eurPrice *model.PriceList
}

func newCommerce(t testing.TB, s *store.Store) commerceFixture {
	t.Helper()
	ctx := context.Background()
	f := commerceFixture{account: &model.Account{Name: "Acme"},
		widget:   &model.Product{SKU: "W-1", Name: "Widget", Unit: "pc", TaxRate: model.Dec("19"), Active: true},
		gadget:   &model.Product{SKU: "G-1", Name: "Gadget", Unit: "h", TaxRate: model.Dec("7"), Active: true},
		eurPrice: &model.PriceList{Name: "Standard EUR", Currency: "EUR", Active: true}}
	for _, err := range []error{store.Create(ctx, s, f.account), store.Create(ctx, s, f.widget),
		store.Create(ctx, s, f.gadget), store.Create(ctx, s, f.eurPrice)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.SetPrices(ctx, f.eurPrice.ID, 0, []model.PriceListEntry{
		{ProductID: f.widget.ID, UnitPrice: model.Dec("100")}, {ProductID: f.gadget.ID, UnitPrice: model.Dec("80.50")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f commerceFixture) quote() *model.Quote {
	return &model.Quote{AccountID: &f.account.ID, Pricing: model.Pricing{Currency: "EUR", PriceListID: &f.eurPrice.ID}}
}

func ptr[T any](v T) *T { return &v }

func lastSeq(t testing.TB, s *store.Store) int64 {
	t.Helper()
	seq, err := s.LastSeq(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

func TestProductSKUUniqueAmongLive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := &model.Product{SKU: "A-1", Name: "A", TaxRate: model.Dec("20"), Active: true}
		if err := store.Create(ctx, s, p); err != nil {
			t.Fatal(err)
		}
		seq := lastSeq(t, s)
		if err := store.Create(ctx, s, &model.Product{SKU: "A-1", Name: "B"}); model.ErrorCode(err) != model.ECONFLICT {
			t.Fatalf("duplicate SKU: %v", err)
		}
		if err := store.Create(ctx, s, &model.Product{SKU: "T", Name: "T", TaxRate: model.Dec("101")}); model.ErrorCode(err) != model.EINVALID {
			t.Fatalf("tax 101%%: %v", err)
		}
		if lastSeq(t, s) != seq {
			t.Fatal("a refused product wrote to the feed")
		}
		if err := store.Delete[model.Product](ctx, s, p.ID, 0); err != nil {
			t.Fatal(err)
		}
		if err := store.Create(ctx, s, &model.Product{SKU: "A-1", Name: "A again"}); err != nil {
			t.Fatalf("SKU of a deleted product: %v", err)
		}
	})
}

func TestPriceListEntries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newCommerce(t, s)
		pl, err := s.SetPrices(ctx, f.eurPrice.ID, 0, []model.PriceListEntry{{ProductID: f.widget.ID, UnitPrice: model.Dec("110")}}, []string{f.gadget.ID})
		if err != nil || pl.Version != 3 {
			t.Fatalf("set prices: %v %+v", err, pl)
		}
		entries, err := s.PriceEntries(ctx, f.eurPrice.ID, "", 10)
		if err != nil || len(entries) != 1 || !entries[0].UnitPrice.Equal(model.Dec("110").Decimal) {
			t.Fatalf("entries %+v %v", entries, err)
		}
		hist, _ := s.History(ctx, "price_list", f.eurPrice.ID)
		got := hist[len(hist)-1].Fields["entries"]
		if got.New.(map[string]any)[f.gadget.ID] != nil || got.Old.(map[string]any)[f.widget.ID] != "100" {
			t.Fatalf("entries change %+v", got)
		}
		seq := lastSeq(t, s)
		if _, err := s.SetPrices(ctx, f.eurPrice.ID, 0, []model.PriceListEntry{{ProductID: model.NewID(), UnitPrice: model.Dec("1")}}, nil); model.ErrorCode(err) != model.EINVALID {
			t.Fatalf("unknown product: %v", err)
		}
		if _, err := s.SetPrices(ctx, f.eurPrice.ID, 0, []model.PriceListEntry{{ProductID: f.widget.ID, UnitPrice: model.Dec("-1")}}, nil); model.ErrorCode(err) != model.EINVALID {
			t.Fatalf("negative price: %v", err)
		}
		if pl, err := s.SetPrices(ctx, f.eurPrice.ID, 0, []model.PriceListEntry{{ProductID: f.widget.ID, UnitPrice: model.Dec("110.00")}}, nil); err != nil || pl.Version != 3 {
			t.Fatalf("unchanged price wrote: %v %+v", err, pl)
		}
		if lastSeq(t, s) != seq {
			t.Fatal("refused or empty price changes wrote to the feed")
		}
	})
}

func TestConvertToBase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		day := func(s string) time.Time { d, _ := model.ParseDate(s); return d.Time }
		for _, r := range []struct{ from, rate string }{{"2026-01-01", "0.9"}, {"2026-03-01", "0.8512"}} {
			d, _ := model.ParseDate(r.from)
			if err := store.Create(ctx, s, &model.ExchangeRate{Currency: "USD", Rate: model.Dec(r.rate), ValidFrom: d}); err != nil {
				t.Fatal(err)
			}
		}
		cases := []struct{ on, want string }{{"2026-02-28", "90"}, {"2026-03-01", "85.12"}, {"2027-01-01", "85.12"}}
		for _, c := range cases {
			got, err := s.ConvertToBase(ctx, model.Dec("100"), "USD", day(c.on))
			if err != nil || !got.Equal(model.Dec(c.want).Decimal) {
				t.Fatalf("100 USD on %s = %s, %v; want %s", c.on, got, err, c.want)
			}
		}
		if _, err := s.ConvertToBase(ctx, model.Dec("1"), "USD", day("2025-12-31")); model.ErrorCode(err) != model.EINVALID {
			t.Fatalf("before the first rate: %v", err)
		}
		if got, err := s.ConvertToBase(ctx, model.Dec("7.5"), "EUR", day("2020-01-01")); err != nil || !got.Equal(model.Dec("7.5").Decimal) {
			t.Fatalf("base to base: %s %v", got, err)
		}
		if err := s.SetBaseCurrency(ctx, "USD"); model.ErrorCode(err) != model.ECONFLICT {
			t.Fatalf("changing base with rates: %v", err)
		}
	})
}

func TestBaseCurrencySetting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if b, err := s.BaseCurrency(ctx); err != nil || b != "EUR" {
			t.Fatalf("default %s %v", b, err)
		}
		if err := s.SetBaseCurrency(ctx, "rub"); model.ErrorCode(err) != model.EINVALID {
			t.Fatalf("lower case: %v", err)
		}
		for _, c := range []string{"RUB", "USD"} {
			if err := s.SetBaseCurrency(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		if b, _ := s.BaseCurrency(ctx); b != "USD" {
			t.Fatalf("base %s", b)
		}
	})
}

func TestQuoteLinesTotalsAndFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newCommerce(t, s)
		q := f.quote()
		lines, err := s.CreateQuote(ctx, q, []model.LineInput{{ProductID: &f.widget.ID, Quantity: ptr(model.Dec("2"))},
			{Description: ptr("Set-up"), UnitPrice: ptr(model.Dec("50")), DiscountPct: ptr(model.Dec("10"))}})
		if err != nil {
			t.Fatal(err)
		}
		year := time.Now().Year()
		if q.Number != fmt.Sprintf("Q-%d-0001", year) || q.Revision != 1 || q.Status != model.QuoteDraft || len(lines) != 2 {
			t.Fatalf("quote %+v", q)
		}
		// 2 × 100 at 19 % + 50 − 10 % at 0 %
		if !q.Total.Equal(model.Dec("283").Decimal) || !q.TaxTotal.Equal(model.Dec("38").Decimal) || !q.DiscountTotal.Equal(model.Dec("5").Decimal) {
			t.Fatalf("totals %+v", q.Pricing)
		}
		seq := lastSeq(t, s)
		got, all, err := store.EditLines[model.Quote](ctx, s, q.ID, 1, store.LineEdit{Change: map[string]model.LineInput{lines[1].ID: {Quantity: ptr(model.Dec("3"))}}})
		if err != nil || got.Version != 2 || len(all) != 2 || !got.Total.Equal(model.Dec("373").Decimal) {
			t.Fatalf("edit: %v %+v", err, got)
		}
		changes, _, _ := s.Changes(ctx, seq, 10)
		if len(changes) != 1 || changes[0].Fields["lines"].New == nil || changes[0].Fields["total"].New != "373" {
			t.Fatalf("one change row with lines and totals, got %+v", changes)
		}
		if _, _, err := store.EditLines[model.Quote](ctx, s, q.ID, 1, store.LineEdit{Remove: []string{lines[0].ID}}); model.ErrorCode(err) != model.EPRECONDITION {
			t.Fatalf("stale version: %v", err)
		}
		q2, rest, err := store.EditLines[model.Quote](ctx, s, q.ID, 2, store.LineEdit{Remove: []string{lines[0].ID}})
		if err != nil || len(rest) != 1 || q2.LineCount != 1 || !q2.Total.Equal(model.Dec("135").Decimal) {
			t.Fatalf("remove: %v %+v", err, q2)
		}
	})
}

func TestQuoteBadInputWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newCommerce(t, s)
		seq := lastSeq(t, s)
		usd := f.quote()
		usd.Currency = "USD"
		bad := map[string]struct {
			q     *model.Quote
			lines []model.LineInput
		}{
			"currency mismatch": {usd, nil},
			"negative quantity": {f.quote(), []model.LineInput{{Description: ptr("x"), UnitPrice: ptr(model.Dec("1")), Quantity: ptr(model.Dec("-1"))}}},
			"negative price":    {f.quote(), []model.LineInput{{Description: ptr("x"), UnitPrice: ptr(model.Dec("-1"))}}},
			"discount over 100": {f.quote(), []model.LineInput{{ProductID: &f.widget.ID, DiscountPct: ptr(model.Dec("100.5"))}}},
			"unknown product":   {f.quote(), []model.LineInput{{ProductID: ptr(model.NewID())}}},
			"no customer":       {&model.Quote{Pricing: model.Pricing{Currency: "EUR"}}, nil},
		}
		for name, c := range bad {
			if _, err := s.CreateQuote(ctx, c.q, c.lines); model.ErrorCode(err) != model.EINVALID {
				t.Errorf("%s: %v", name, err)
			}
		}
		if lastSeq(t, s) != seq {
			t.Fatal("refused quotes wrote to the feed")
		}
		q := f.quote()
		if _, err := s.CreateQuote(ctx, q, nil); err != nil {
			t.Fatal(err)
		}
		if q.Number != fmt.Sprintf("Q-%d-0001", time.Now().Year()) {
			t.Fatalf("refused quotes used numbers: %s", q.Number)
		}
	})
}

func TestQuoteLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newCommerce(t, s)
		q := f.quote()
		if _, err := s.CreateQuote(ctx, q, []model.LineInput{{ProductID: &f.gadget.ID}}); err != nil {
			t.Fatal(err)
		}
		sent, err := s.QuoteAction(ctx, q.ID, 0, model.ActionSend, "")
		if err != nil || sent.Status != model.QuoteSent || sent.SentAt == nil {
			t.Fatalf("send: %v %+v", err, sent)
		}
		seq := lastSeq(t, s)
		if _, _, err := store.EditLines[model.Quote](ctx, s, q.ID, 0, store.LineEdit{Add: []model.LineInput{{ProductID: &f.widget.ID}}}); model.ErrorCode(err) != model.ECONFLICT {
			t.Fatalf("edit a sent quote: %v", err)
		}
		if _, err := store.UpdatePriced(ctx, s, q.ID, 0, func(q *model.Quote) error { q.Rounding = model.RoundDocument; return nil }); model.ErrorCode(err) != model.ECONFLICT {
			t.Fatalf("reprice a sent quote: %v", err)
		}
		if lastSeq(t, s) != seq {
			t.Fatal("refused edits wrote")
		}
		next, err := s.ReviseQuote(ctx, q.ID, 0)
		if err != nil || next.Revision != 2 || next.Number != q.Number || next.Status != model.QuoteDraft || next.LineCount != 1 {
			t.Fatalf("revise: %v %+v", err, next)
		}
		old, _ := store.Get[model.Quote](ctx, s, q.ID)
		if old.Status != model.QuoteSuperseded || *old.SupersededBy != next.ID || *next.PreviousID != q.ID {
			t.Fatalf("old revision %+v", old)
		}
		if _, err := s.QuoteAction(ctx, next.ID, 0, model.ActionSend, ""); err != nil {
			t.Fatal(err)
		}
		acc, err := s.QuoteAction(ctx, next.ID, 0, model.ActionAccept, "")
		if err != nil || acc.Status != model.QuoteAccepted {
			t.Fatalf("accept: %v", err)
		}
		hist, _ := s.History(ctx, "quote", next.ID)
		if ev := hist[len(hist)-1].Event; ev != model.EventQuoteAccepted {
			t.Fatalf("event %q", ev)
		}
		seq = lastSeq(t, s)
		if _, err := s.QuoteAction(ctx, next.ID, 0, model.ActionAccept, ""); model.ErrorCode(err) != model.ECONFLICT {
			t.Fatalf("accept twice: %v", err)
		}
		if lastSeq(t, s) != seq {
			t.Fatal("accepting twice wrote")
		}
		o, err := s.OrderFromQuote(ctx, next.ID, 0)
		if err != nil || o.Status != model.OrderDraft || !o.Total.Equal(next.Total.Decimal) || o.LineCount != 1 || *o.QuoteID != next.ID {
			t.Fatalf("order: %v %+v", err, o)
		}
		if o.Number != fmt.Sprintf("O-%d-00001", time.Now().Year()) {
			t.Fatalf("order number %s", o.Number)
		}
		if _, err := s.OrderFromQuote(ctx, next.ID, 0); model.ErrorCode(err) != model.ECONFLICT {
			t.Fatalf("second order: %v", err)
		}
		ol, err := store.Lines[model.Order](ctx, s, o.ID)
		if err != nil || len(ol) != 1 || ol[0].Description != "Gadget" {
			t.Fatalf("order lines %+v %v", ol, err)
		}
	})
}

func TestOrderBatchAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newCommerce(t, s)
		o := &model.Order{AccountID: &f.account.ID, Billable: true, Pricing: model.Pricing{Currency: "EUR", PriceListID: &f.eurPrice.ID}}
		var in []model.LineInput
		for i := 0; i < 20; i++ {
			in = append(in, model.LineInput{ProductID: &f.widget.ID})
		}
		lines, err := s.CreateOrder(ctx, o, in)
		if err != nil || o.Kind != model.OrderKindSales || !o.Total.Equal(model.Dec("2380").Decimal) {
			t.Fatalf("create: %v %+v", err, o)
		}
		ids := []string{lines[0].ID, lines[1].ID, model.NewID()}
		batch := model.LineBatch{LineIDs: ids, DiscountPct: ptr(model.Dec("10"))}
		seq := lastSeq(t, s)
		if _, _, err := store.EditLines[model.Order](ctx, s, o.ID, 0, store.BatchEdit(batch)); model.ErrorCode(err) != model.EINVALID {
			t.Fatalf("unknown line: %v", err)
		}
		batch.LineIDs = ids[:2]
		batch.DiscountPct = ptr(model.Dec("150"))
		if _, _, err := store.EditLines[model.Order](ctx, s, o.ID, 0, store.BatchEdit(batch)); model.ErrorCode(err) != model.EINVALID {
			t.Fatalf("discount 150: %v", err)
		}
		if lastSeq(t, s) != seq {
			t.Fatal("refused batches wrote")
		}
		batch = model.LineBatch{All: true, DiscountPct: ptr(model.Dec("10")), Quantity: ptr(model.Dec("2"))}
		got, _, err := store.EditLines[model.Order](ctx, s, o.ID, 0, store.BatchEdit(batch))
		if err != nil || !got.Total.Equal(model.Dec("4284").Decimal) || got.Version != 2 {
			t.Fatalf("batch all: %v %+v", err, got)
		}
		for _, a := range []string{model.ActionConfirm, model.ActionFulfil} {
			if _, err := s.OrderAction(ctx, o.ID, 0, a); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.OrderAction(ctx, o.ID, 0, model.ActionCancel); model.ErrorCode(err) != model.ECONFLICT {
			t.Fatalf("cancel fulfilled: %v", err)
		}
		if err := store.DeletePriced[model.Order](ctx, s, o.ID, 0); model.ErrorCode(err) != model.ECONFLICT {
			t.Fatalf("delete fulfilled: %v", err)
		}
	})
}
