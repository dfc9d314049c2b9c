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

// benchQuote creates a draft quote with n lines of a product priced by a
// price list, in a store shared with the other benchmarks.
func benchQuote(b *testing.B, s *store.Store, n int) (*model.Quote, []model.LineInput) {
	b.Helper()
	ctx := context.Background()
	id := model.NewID()
	tag := id[len(id)-8:]
	acc := &model.Account{Name: "Bench " + tag}
	prod := &model.Product{SKU: "B-" + tag, Name: "Bench widget", TaxRate: model.Dec("19"), Active: true}
	pl := &model.PriceList{Name: "Bench " + tag, Currency: "EUR", Active: true}
	for _, err := range []error{store.Create(ctx, s, acc), store.Create(ctx, s, prod), store.Create(ctx, s, pl)} {
		if err != nil {
			b.Fatal(err)
		}
	}
	if _, err := s.SetPrices(ctx, pl.ID, 0, []model.PriceListEntry{{ProductID: prod.ID, UnitPrice: model.Dec("99.99")}}, nil); err != nil {
		b.Fatal(err)
	}
	in := make([]model.LineInput, n)
	for i := range in {
		in[i] = model.LineInput{ProductID: &prod.ID, Quantity: ptr(model.DecInt(int64(i%7 + 1))), DiscountPct: ptr(model.Dec("12.5"))}
	}
	q := &model.Quote{AccountID: &acc.ID, Pricing: model.Pricing{Currency: "EUR", PriceListID: &pl.ID}}
	if _, err := s.CreateQuote(ctx, q, in); err != nil {
		b.Fatal(err)
	}
	return q, in
}

// BenchmarkQuote500LinesSave replaces all 500 lines of a quote (new
// quantities), recalculates and saves lines, totals, version and feed row
// in one transaction. Target: p50 < 50 ms.
func BenchmarkQuote500LinesSave(b *testing.B) {
	eachEngine(b, func(b *testing.B, engine string) {
		s, _ := storetest.Shared(b, engine)
		q, in := benchQuote(b, s, 500)
		ctx := context.Background()
		var d []time.Duration
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			for j := range in {
				in[j].Quantity = ptr(model.DecInt(int64((i+j)%9 + 1)))
			}
			start := time.Now()
			if _, _, err := store.EditLines[model.Quote](ctx, s, q.ID, 0, store.LineEdit{Replace: true, Add: in}); err != nil {
				b.Fatal(err)
			}
			d = append(d, time.Since(start))
		}
		storetest.ReportPercentiles(b, d)
	})
}

// BenchmarkQuote500LinesEditOne changes one line of a 500-line quote: every
// line is recalculated, one line row and the quote are written.
func BenchmarkQuote500LinesEditOne(b *testing.B) {
	eachEngine(b, func(b *testing.B, engine string) {
		s, _ := storetest.Shared(b, engine)
		q, _ := benchQuote(b, s, 500)
		ctx := context.Background()
		lines, err := store.Lines[model.Quote](ctx, s, q.ID)
		if err != nil {
			b.Fatal(err)
		}
		var d []time.Duration
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			edit := store.LineEdit{Change: map[string]model.LineInput{lines[i%500].ID: {Quantity: ptr(model.Dec(fmt.Sprint(i%50 + 1)))}}}
			start := time.Now()
			if _, _, err := store.EditLines[model.Quote](ctx, s, q.ID, 0, edit); err != nil {
				b.Fatal(err)
			}
			d = append(d, time.Since(start))
		}
		storetest.ReportPercentiles(b, d)
	})
}
