package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// invoiceNumber is the n-th invoice number of this year.
func invoiceNumber(n int) string { return fmt.Sprintf("INV-%d-%05d", time.Now().Year(), n) }

// draftInvoice stores a draft EUR invoice for a new account with two
// manual lines: 3 × 100 and 1 × 50, both at 19 % tax.
func draftInvoice(t testing.TB, s *store.Store) *model.Invoice {
	t.Helper()
	acc := &model.Account{Name: "Billed Ltd"}
	if err := store.Create(salesAdmin, s, acc); err != nil {
		t.Fatal(err)
	}
	inv := &model.Invoice{AccountID: acc.ID, Pricing: model.Pricing{Currency: "EUR"}}
	_, err := s.CreateInvoice(salesAdmin, inv, []model.LineInput{
		{Description: ptr("Consulting"), Quantity: ptr(model.Dec("3")), UnitPrice: ptr(model.Dec("100")), TaxRate: ptr(model.Dec("19"))},
		{Description: ptr("Travel"), UnitPrice: ptr(model.Dec("50")), TaxRate: ptr(model.Dec("19"))}})
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// issued stores and issues a draft invoice.
func issued(t testing.TB, s *store.Store) *model.Invoice {
	t.Helper()
	inv, err := s.IssueInvoice(salesAdmin, draftInvoice(t, s).ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// events lists the domain events on a record's feed rows.
func events(t testing.TB, s *store.Store, entity, id string) []string {
	t.Helper()
	changes, err := s.History(context.Background(), entity, id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range changes {
		if c.Event != "" {
			out = append(out, c.Event)
		}
	}
	return out
}

// refused checks that err has code and that nothing reached the feed.
func refused(t *testing.T, s *store.Store, code string, fn func() error) {
	t.Helper()
	seq := lastSeq(t, s)
	if err := fn(); model.ErrorCode(err) != code {
		t.Fatalf("got %v, want %s", err, code)
	}
	if lastSeq(t, s) != seq {
		t.Fatal("a refused write reached the feed")
	}
}

func TestInvoiceLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		inv := draftInvoice(t, s)
		if inv.Number != "" || inv.Status != model.InvoiceDraft || inv.Total.String() != "416.5" || inv.LineCount != 2 {
			t.Fatalf("draft %+v", inv)
		}
		edited, err := store.UpdatePriced(salesAdmin, s, inv.ID, 0, func(i *model.Invoice) error {
			i.Notes, i.PaymentTermsDays, i.Status = "Thanks", 14, model.InvoicePaid
			return nil
		})
		if err != nil || edited.Notes != "Thanks" || edited.Status != model.InvoiceDraft {
			t.Fatalf("draft edit %+v %v", edited, err)
		}
		inv, err = s.IssueInvoice(salesAdmin, inv.ID, edited.Version)
		if err != nil {
			t.Fatal(err)
		}
		today := time.Now().Format(model.DateLayout)
		if inv.Number != invoiceNumber(1) || inv.Status != model.InvoiceIssued || inv.IssueDate.String() != today || inv.IssuedAt == nil ||
			inv.DueDate.String() != time.Now().AddDate(0, 0, 14).Format(model.DateLayout) {
			t.Fatalf("issued %+v", inv)
		}
		// An issued invoice never changes: credit it instead.
		refused(t, s, model.ECONFLICT, func() error { _, err := s.IssueInvoice(salesAdmin, inv.ID, 0); return err })
		refused(t, s, model.ECONFLICT, func() error {
			_, err := store.UpdatePriced(salesAdmin, s, inv.ID, 0, func(i *model.Invoice) error { i.Notes = "late"; return nil })
			return err
		})
		refused(t, s, model.ECONFLICT, func() error {
			_, _, err := store.EditLines[model.Invoice](salesAdmin, s, inv.ID, 0, store.LineEdit{Add: []model.LineInput{{Description: ptr("x")}}})
			return err
		})
		refused(t, s, model.ECONFLICT, func() error { return store.DeletePriced[model.Invoice](salesAdmin, s, inv.ID, 0) })
		refused(t, s, model.EINVALID, func() error {
			_, err := s.PayInvoice(salesAdmin, inv.ID, 0, store.Payment{PaidOn: &model.Date{Time: time.Now().AddDate(0, 0, 3)}})
			return err
		})
		paid, err := s.PayInvoice(salesAdmin, inv.ID, 0, store.Payment{PaymentRef: " BANK-42 "})
		if err != nil || paid.Status != model.InvoicePaid || paid.PaidOn.String() != today || paid.PaymentRef != "BANK-42" {
			t.Fatalf("paid %+v %v", paid, err)
		}
		refused(t, s, model.ECONFLICT, func() error { _, err := s.PayInvoice(salesAdmin, inv.ID, 0, store.Payment{}); return err })
		if got := events(t, s, "invoice", inv.ID); !slices.Equal(got, []string{model.EventInvoiceIssued, model.EventInvoicePaid}) {
			t.Fatalf("events %v", got)
		}
		// A draft without lines is not issued; a draft is deleted.
		empty := &model.Invoice{AccountID: inv.AccountID, Pricing: model.Pricing{Currency: "EUR"}}
		if _, err := s.CreateInvoice(salesAdmin, empty, nil); err != nil {
			t.Fatal(err)
		}
		refused(t, s, model.ECONFLICT, func() error { _, err := s.IssueInvoice(salesAdmin, empty.ID, 0); return err })
		if err := store.DeletePriced[model.Invoice](salesAdmin, s, empty.ID, 0); err != nil {
			t.Fatal(err)
		}
	})
}

func TestInvoiceRefusesNegativeAmounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		inv := draftInvoice(t, s)
		for _, in := range []model.LineInput{
			{Description: ptr("x"), Quantity: ptr(model.Dec("-1")), UnitPrice: ptr(model.Dec("10"))},
			{Description: ptr("x"), UnitPrice: ptr(model.Dec("-10"))},
			{Description: ptr("x"), UnitPrice: ptr(model.Dec("10")), DiscountPct: ptr(model.Dec("-5"))},
			{Description: ptr("x"), UnitPrice: ptr(model.Dec("10")), TaxRate: ptr(model.Dec("-19"))},
		} {
			refused(t, s, model.EINVALID, func() error {
				_, err := s.CreateInvoice(salesAdmin, &model.Invoice{AccountID: inv.AccountID, Pricing: model.Pricing{Currency: "EUR"}},
					[]model.LineInput{in})
				return err
			})
			refused(t, s, model.EINVALID, func() error {
				_, _, err := store.EditLines[model.Invoice](salesAdmin, s, inv.ID, 0, store.LineEdit{Add: []model.LineInput{in}})
				return err
			})
		}
		refused(t, s, model.EINVALID, func() error {
			_, err := store.UpdatePriced(salesAdmin, s, inv.ID, 0, func(i *model.Invoice) error { i.PaymentTermsDays = -5; return nil })
			return err
		})
	})
}

func TestInvoiceNumbersAreGapless(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := draftInvoice(t, s), draftInvoice(t, s)
		// An issue that fails after drawing its number gives it back: b
		// holds the number the draw will give, so a's write fails.
		execSQL(t, s, "UPDATE invoices SET number = $1 WHERE id = $2", invoiceNumber(1), b.ID)
		refused(t, s, model.ECONFLICT, func() error { _, err := s.IssueInvoice(salesAdmin, a.ID, 0); return err })
		execSQL(t, s, "UPDATE invoices SET number = '' WHERE id = $1", b.ID)
		// So does an outer transaction that rolls back after the issue.
		errLater := errors.New("later step failed")
		err := s.WithTx(salesAdmin, func(ctx context.Context) error {
			if inv, err := s.IssueInvoice(ctx, a.ID, 0); err != nil || inv.Number != invoiceNumber(1) {
				t.Fatalf("issue in a transaction: %+v %v", inv, err)
			}
			return errLater
		})
		if !errors.Is(err, errLater) {
			t.Fatal(err)
		}
		for i, inv := range []*model.Invoice{a, b} {
			got, err := s.IssueInvoice(salesAdmin, inv.ID, 0)
			if err != nil || got.Number != invoiceNumber(i+1) {
				t.Fatalf("issue %d: %+v %v", i, got, err)
			}
		}
		// Concurrent issues take the numbers that follow, none skipped.
		drafts := make([]*model.Invoice, 8)
		for i := range drafts {
			drafts[i] = draftInvoice(t, s)
		}
		var wg sync.WaitGroup
		numbers := make([]string, len(drafts))
		for i, d := range drafts {
			wg.Go(func() {
				inv, err := s.IssueInvoice(salesAdmin, d.ID, 0)
				if err != nil {
					t.Error(err)
					return
				}
				numbers[i] = inv.Number
			})
		}
		wg.Wait()
		slices.Sort(numbers)
		for i, n := range numbers {
			if n != invoiceNumber(i+3) {
				t.Fatalf("numbers %v", numbers)
			}
		}
	})
}

func execSQL(t testing.TB, s *store.Store, q string, args ...any) {
	t.Helper()
	if _, err := s.DB().Exec(q, args...); err != nil {
		t.Fatal(err)
	}
}

func TestCreditNotes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		inv := issued(t, s)
		lines, err := s.InvoiceLines(salesAdmin, inv.ID)
		if err != nil || len(lines) != 2 || lines[0].SourceType != model.SourceManual {
			t.Fatalf("lines %+v %v", lines, err)
		}
		consulting, travel := lines[0].ID, lines[1].ID
		credit := func(ask ...store.CreditLine) (*model.Invoice, []model.InvoiceLine, error) {
			return s.CreditInvoice(salesAdmin, inv.ID, 0, ask)
		}
		note, noteLines, err := credit(store.CreditLine{LineID: consulting, Quantity: ptr(model.Dec("2"))})
		if err != nil {
			t.Fatal(err)
		}
		if note.Kind != model.InvoiceKindCredit || note.Status != model.InvoiceDraft || *note.CreditOfID != inv.ID || note.Number != "" ||
			note.Total.String() != "238" || len(noteLines) != 1 || noteLines[0].SourceType != model.SourceCredit || noteLines[0].SourceID != consulting {
			t.Fatalf("credit note %+v %+v", note, noteLines)
		}
		// More than is left (drafts count), nonsense, and lines of a credit note.
		refused(t, s, model.ECONFLICT, func() error {
			_, _, err := credit(store.CreditLine{LineID: consulting, Quantity: ptr(model.Dec("1.5"))})
			return err
		})
		refused(t, s, model.EINVALID, func() error {
			_, _, err := credit(store.CreditLine{LineID: travel, Quantity: ptr(model.Dec("-1"))})
			return err
		})
		refused(t, s, model.EINVALID, func() error { _, _, err := credit(store.CreditLine{LineID: note.ID}); return err })
		refused(t, s, model.EINVALID, func() error {
			_, _, err := credit(store.CreditLine{LineID: travel}, store.CreditLine{LineID: travel})
			return err
		})
		refused(t, s, model.ECONFLICT, func() error {
			_, _, err := store.EditLines[model.Invoice](salesAdmin, s, note.ID, 0, store.LineEdit{Remove: []string{noteLines[0].ID}})
			return err
		})
		draft := draftInvoice(t, s)
		refused(t, s, model.ECONFLICT, func() error { _, _, err := s.CreditInvoice(salesAdmin, draft.ID, 0, nil); return err })
		// The rest of everything, then nothing is left.
		rest, restLines, err := credit()
		if err != nil || len(restLines) != 2 || !restLines[0].Quantity.Equal(model.Dec("1").Decimal) || rest.Total.String() != "178.5" {
			t.Fatalf("rest %+v %+v %v", rest, restLines, err)
		}
		refused(t, s, model.ECONFLICT, func() error { _, _, err := credit(); return err })
		// A deleted draft credits nothing; an issued note is numbered from
		// the invoices' sequence.
		if err := store.DeletePriced[model.Invoice](salesAdmin, s, rest.ID, 0); err != nil {
			t.Fatal(err)
		}
		if _, _, err := credit(store.CreditLine{LineID: travel}); err != nil {
			t.Fatal(err)
		}
		note, err = s.IssueInvoice(salesAdmin, note.ID, 0)
		if err != nil || note.Number != invoiceNumber(2) {
			t.Fatalf("issued note %+v %v", note, err)
		}
		refused(t, s, model.ECONFLICT, func() error {
			_, _, err := s.CreditInvoice(salesAdmin, note.ID, 0, nil)
			return err
		})
	})
}

func TestOverdueInvoices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		late, onTime, paid := issued(t, s), issued(t, s), issued(t, s)
		execSQL(t, s, "UPDATE invoices SET due_date = '2020-01-31' WHERE id IN ($1, $2)", late.ID, paid.ID)
		if _, err := s.PayInvoice(salesAdmin, paid.ID, 0, store.Payment{}); err != nil {
			t.Fatal(err)
		}
		n, err := s.MarkOverdueInvoices(salesAdmin, 100)
		if err != nil || n != 1 {
			t.Fatalf("marked %d %v", n, err)
		}
		if n, err := s.MarkOverdueInvoices(salesAdmin, 100); err != nil || n != 0 {
			t.Fatalf("marked again %d %v", n, err)
		}
		for _, c := range []struct {
			inv    *model.Invoice
			status string
		}{{late, model.InvoiceOverdue}, {onTime, model.InvoiceIssued}, {paid, model.InvoicePaid}} {
			got, err := store.Get[model.Invoice](salesAdmin, s, c.inv.ID)
			if err != nil || got.Status != c.status {
				t.Fatalf("%s: %+v %v", c.status, got, err)
			}
		}
		if got := events(t, s, "invoice", late.ID); !slices.Equal(got, []string{model.EventInvoiceIssued, model.EventInvoiceOverdue}) {
			t.Fatalf("events %v", got)
		}
		if _, err := s.PayInvoice(salesAdmin, late.ID, 0, store.Payment{}); err != nil {
			t.Fatalf("paying an overdue invoice: %v", err)
		}
	})
}
