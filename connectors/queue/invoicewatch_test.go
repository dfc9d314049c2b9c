package queue

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// TestPeriodicInvoiceWatch runs the real job through the leader's periodic
// enqueuer with the store's marking: an issued invoice past its due date
// becomes overdue with the invoice.overdue event.
func TestPeriodicInvoiceWatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		migrated(t, s)
		ctx := model.WithActor(context.Background(), model.System)
		acc := &model.Account{Name: "Late payer"}
		if err := store.Create(ctx, s, acc); err != nil {
			t.Fatal(err)
		}
		inv := &model.Invoice{AccountID: acc.ID, Pricing: model.Pricing{Currency: "EUR"}}
		one := model.Dec("1")
		if _, err := s.CreateInvoice(ctx, inv, []model.LineInput{{Description: new("Service"), UnitPrice: &one}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.IssueInvoice(ctx, inv.ID, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec("UPDATE invoices SET due_date = '2020-01-01' WHERE id = $1", inv.ID); err != nil {
			t.Fatal(err)
		}
		calls := make(chan int, 100)
		workers := river.NewWorkers()
		river.AddWorker(workers, &InvoiceWatch{Mark: func(ctx context.Context, limit int) (int, error) {
			n, err := s.MarkOverdueInvoices(model.WithActor(ctx, model.System), limit)
			calls <- n
			return n, err
		}})
		q := newTestQueue(t, Config{Store: s, Workers: workers, Periodic: []*river.PeriodicJob{PeriodicInvoiceWatch(100 * time.Millisecond)}})
		if err := q.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		select {
		case n := <-calls:
			if n != 1 {
				t.Fatalf("marked %d", n)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("invoice_watch did not run within 5s")
		}
		got, err := store.Get[model.Invoice](ctx, s, inv.ID)
		if err != nil || got.Status != model.InvoiceOverdue {
			t.Fatalf("invoice %+v %v", got, err)
		}
	})
}

// TestInvoiceWatchBatches checks that one pass calls Mark until a batch
// comes back short.
func TestInvoiceWatchBatches(t *testing.T) {
	results := []int{invoiceBatch, invoiceBatch, 7}
	calls := 0
	w := &InvoiceWatch{Mark: func(_ context.Context, limit int) (int, error) {
		if limit != invoiceBatch {
			t.Fatalf("limit %d", limit)
		}
		calls++
		return results[calls-1], nil
	}}
	// Outside a job River cannot record the output; the marking is done by then.
	_ = w.Work(context.Background(), &river.Job[InvoiceWatchArgs]{})
	if calls != 3 {
		t.Fatalf("%d calls", calls)
	}
}
