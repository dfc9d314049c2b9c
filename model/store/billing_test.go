package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// billingFixture is one month's billable work, one account per way of
// billing it:
//
//   - fixed: a monthly fixed fee of 500 EUR from the 1st (19 % tax), and
//     a fulfilled billable order of 1 × 100 EUR (19 %) besides;
//   - hourly: 100 EUR an hour, Anna at 120, 2 prepaid hours of which 0.5
//     were used last month; this month 60 min (Anna), 60 non-billable
//     (Boris), 90 (Anna), 30 (Boris), 60 (Boris at his own 90 EUR rate);
//   - perRequest: 25 USD a request, one prepaid, three requests;
//   - purchase: 10 % a year of 12,000 EUR purchased, billed quarterly;
//   - none: a warranty contract (billed nothing) with billable time;
//   - loose: no contract; 120 billable minutes at 80 USD, 60 not
//     billable, a fulfilled billable order of 2 × 100 EUR (19 %), and
//     orders not to bill (not billable, only confirmed).
type billingFixture struct {
	start, end                                       model.Date
	fixed, hourly, perRequest, purchase, none, loose *model.Account
	fixedC, hourlyC, perRequestC, purchaseC, noneC   *model.Contract
	anna, boris                                      *model.User
	product                                          *model.Product
	hourlyEntries                                    []*model.TimeEntry // e3, e4, e5: the billed ones
	looseEntry                                       *model.TimeEntry
	looseOrder, fixedOrder                           *model.Order
	wantEUR, wantUSD                                 string
}

// day is the n-th day of the fixture's month (0: the last day before it).
func (f *billingFixture) day(n int) model.Date { return model.Date{Time: f.start.AddDate(0, 0, n-1)} }

func newBillingFixture(t *testing.T, s *store.Store) *billingFixture {
	t.Helper()
	now := time.Now().UTC()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	f := &billingFixture{start: model.Date{Time: first}, end: model.Date{Time: first.AddDate(0, 1, -1)},
		anna: newUser(t, s, "anna@example.com", model.RoleAgent), boris: newUser(t, s, "boris@example.com", model.RoleAgent),
		product: &model.Product{SKU: "SRV", Name: "Server", Active: true, TaxRate: model.Dec("19")},
		wantEUR: "1689.8", wantUSD: "210"}
	create(t, s, f.product)
	accounts := []**model.Account{&f.fixed, &f.hourly, &f.perRequest, &f.purchase, &f.none, &f.loose}
	for i, a := range accounts {
		*a = &model.Account{Name: fmt.Sprint("Customer ", i)}
		create(t, s, *a)
	}
	contract := func(a *model.Account, c model.Contract) *model.Contract {
		c.Name, c.AccountID, c.ProductIDs = "Care "+a.Name, a.ID, []string{f.product.ID}
		if c.StartDate.IsZero() {
			c.StartDate = f.start
		}
		create(t, s, &c)
		return &c
	}
	f.fixedC = contract(f.fixed, model.Contract{BillingMethod: model.BillFixedFee, FixedFee: model.Dec("500"), Currency: "EUR", TaxRate: model.Dec("19")})
	f.hourlyC = contract(f.hourly, model.Contract{BillingMethod: model.BillHourly, HourlyRate: model.Dec("100"), Currency: "EUR", TaxRate: model.Dec("19"),
		SpecialistRates: map[string]model.Decimal{f.anna.ID: model.Dec("120")}, PrepaidUnit: model.UnitsHours, PrepaidUnits: model.Dec("2"),
		StartDate: model.Date{Time: first.AddDate(0, -1, 0)}})
	f.perRequestC = contract(f.perRequest, model.Contract{BillingMethod: model.BillPerRequest, RequestPrice: model.Dec("25"), Currency: "USD",
		PrepaidUnit: model.UnitsRequests, PrepaidUnits: model.Dec("1")})
	f.purchaseC = contract(f.purchase, model.Contract{BillingMethod: model.BillPurchaseAmount, BillingPeriod: "quarterly",
		PurchaseAmount: model.Dec("12000"), PurchasePercent: model.Dec("10"), Currency: "EUR", TaxRate: model.Dec("19")})
	f.noneC = contract(f.none, model.Contract{BillingMethod: model.BillNone})

	hourly := f.request(t, s, f.hourly, f.hourlyC)
	f.entry(t, s, hourly, f.anna, 0, 30, true, "0 EUR")
	f.entry(t, s, hourly, f.anna, 1, 60, true, "0 EUR")
	f.entry(t, s, hourly, f.boris, 2, 60, false, "0 EUR")
	f.hourlyEntries = []*model.TimeEntry{f.entry(t, s, hourly, f.anna, 3, 90, true, "0 EUR"), f.entry(t, s, hourly, f.boris, 3, 30, true, "0 EUR"),
		f.entry(t, s, hourly, f.boris, 4, 60, true, "90 EUR")}
	for range 3 {
		f.request(t, s, f.perRequest, f.perRequestC)
	}
	f.entry(t, s, f.request(t, s, f.none, f.noneC), f.anna, 2, 45, true, "70 EUR")
	loose := f.request(t, s, f.loose, nil)
	f.looseEntry = f.entry(t, s, loose, f.boris, 5, 120, true, "80 USD")
	f.entry(t, s, loose, f.boris, 6, 60, false, "80 USD")

	f.looseOrder = f.order(t, s, f.loose, "2", true, model.ActionConfirm, model.ActionFulfil)
	f.fixedOrder = f.order(t, s, f.fixed, "1", true, model.ActionConfirm, model.ActionFulfil)
	f.order(t, s, f.loose, "5", false, model.ActionConfirm, model.ActionFulfil)
	f.order(t, s, f.loose, "7", true, model.ActionConfirm)
	return f
}

func create[P model.Record](t *testing.T, s *store.Store, rec P) {
	t.Helper()
	var err error
	switch r := any(rec).(type) {
	case *model.Account:
		err = store.Create(salesAdmin, s, r)
	case *model.Product:
		err = store.Create(salesAdmin, s, r)
	case *model.Contract:
		err = store.Create(salesAdmin, s, r)
	case *model.Request:
		err = store.Create(salesAdmin, s, r)
	case *model.TimeEntry:
		err = store.Create(salesAdmin, s, r)
	default:
		t.Fatalf("create %T", rec)
	}
	if err != nil {
		t.Fatalf("create %T: %v", rec, err)
	}
}

// request stores a request of the account about the fixture's product and
// checks the contract the desk put it under.
func (f *billingFixture) request(t *testing.T, s *store.Store, a *model.Account, under *model.Contract) *model.Request {
	t.Helper()
	r := &model.Request{Subject: "Help " + a.Name, AccountID: &a.ID, ProductID: &f.product.ID}
	create(t, s, r)
	if got := r.ContractID; (under == nil) != (got == nil) || (under != nil && *got != under.ID) {
		t.Fatalf("request of %s under contract %v", a.Name, got)
	}
	return r
}

// entry books minutes on day n of the month at a rate ("90 EUR"; 0: none).
func (f *billingFixture) entry(t *testing.T, s *store.Store, r *model.Request, u *model.User, n, minutes int, billable bool, rate string) *model.TimeEntry {
	t.Helper()
	amount, currency, _ := strings.Cut(rate, " ")
	e := &model.TimeEntry{RequestID: r.ID, UserID: u.ID, Minutes: minutes, Billable: billable, Rate: model.Dec(amount), Currency: currency, Day: f.day(n)}
	create(t, s, e)
	return e
}

// order stores an EUR order of quantity × 100 (19 % tax) moved by actions.
func (f *billingFixture) order(t *testing.T, s *store.Store, a *model.Account, quantity string, billable bool, actions ...string) *model.Order {
	t.Helper()
	o := &model.Order{AccountID: &a.ID, Billable: billable, Pricing: model.Pricing{Currency: "EUR"}}
	_, err := s.CreateOrder(salesAdmin, o, []model.LineInput{{Description: ptr("Part"), Quantity: ptr(model.Dec(quantity)),
		UnitPrice: ptr(model.Dec("100")), TaxRate: ptr(model.Dec("19"))}})
	if err != nil {
		t.Fatal(err)
	}
	for _, action := range actions {
		if o, err = s.OrderAction(salesAdmin, o.ID, 0, action); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

// runInvoices lists a run's live invoices by account, then currency.
func runInvoices(t *testing.T, s *store.Store, runID string) map[string][]*model.Invoice {
	t.Helper()
	page, err := store.List[model.Invoice](salesAdmin, s, store.ListParams{Equals: map[string]string{"billing_run_id": runID}, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]*model.Invoice{}
	for _, inv := range page.Items {
		out[inv.AccountID] = append(out[inv.AccountID], inv)
	}
	for _, list := range out {
		slices.SortFunc(list, func(a, b *model.Invoice) int { return a.Total.Cmp(b.Total.Decimal) })
	}
	return out
}

// totals lists invoices' totals.
func totals(list []*model.Invoice) []string {
	out := make([]string, len(list))
	for i, inv := range list {
		out[i] = inv.Currency + " " + inv.Total.String()
	}
	return out
}

func TestBillingRunBillsEveryMethod(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newBillingFixture(t, s)
		run, created, err := s.RunBilling(salesAdmin, f.start, f.end)
		if err != nil || !created {
			t.Fatalf("run %+v %v %v", run, created, err)
		}
		if run.Status != model.BillingDone || run.InvoiceCount != 7 || run.LineCount != 10 || run.FinishedAt == nil ||
			run.Totals["EUR"].String() != f.wantEUR || run.Totals["USD"].String() != f.wantUSD {
			t.Fatalf("run %+v", run)
		}
		got := runInvoices(t, s, run.ID)
		for _, c := range []struct {
			account *model.Account
			want    []string
		}{
			{f.fixed, []string{"EUR 119", "EUR 595"}}, // the order, then the fee
			{f.hourly, []string{"EUR 380.8"}},         // 1.5 h × 120 + 0.5 h × 100 + 1 h × 90, + 19 %
			{f.perRequest, []string{"USD 50"}},        // two requests after the prepaid one
			{f.purchase, []string{"EUR 357"}},         // 12,000 × 10 % × 3/12, + 19 %
			{f.loose, []string{"USD 160", "EUR 238"}}, // 2 h × 80, and the order
		} {
			if !slices.Equal(totals(got[c.account.ID]), c.want) {
				t.Errorf("%s: %v, want %v", c.account.Name, totals(got[c.account.ID]), c.want)
			}
		}
		if len(got[f.none.ID]) != 0 {
			t.Errorf("a warranty contract was billed: %v", totals(got[f.none.ID]))
		}
		hourly := got[f.hourly.ID][0]
		if *hourly.ContractID != f.hourlyC.ID || hourly.Status != model.InvoiceDraft || hourly.Number != "" ||
			hourly.PeriodStart.String() != f.start.String() || hourly.PeriodEnd.String() != f.end.String() {
			t.Fatalf("hourly invoice %+v", hourly)
		}
		lines, err := s.InvoiceLines(salesAdmin, hourly.ID)
		if err != nil || len(lines) != 3 {
			t.Fatalf("hourly lines %+v %v", lines, err)
		}
		for i, want := range []struct{ quantity, price string }{{"1.5", "120"}, {"0.5", "100"}, {"1", "90"}} {
			l := lines[i]
			if l.SourceType != model.SourceTimeEntry || l.SourceID != f.hourlyEntries[i].ID || l.Quantity.String() != want.quantity ||
				l.UnitPrice.String() != want.price || l.TaxRate.String() != "19" || l.Unit != "h" {
				t.Errorf("line %d: %+v", i, l)
			}
		}
		fee, _ := s.InvoiceLines(salesAdmin, got[f.fixed.ID][1].ID)
		if len(fee) != 1 || fee[0].SourceType != model.SourceFixedFee || fee[0].SourceID != f.fixedC.ID+":"+f.start.String() {
			t.Fatalf("fee lines %+v", fee)
		}

		// The same period again is the same run, and nothing is written.
		seq := lastSeq(t, s)
		again, created, err := s.RunBilling(salesAdmin, f.start, f.end)
		if err != nil || created || again.ID != run.ID || again.Version != run.Version || lastSeq(t, s) != seq {
			t.Fatalf("again %+v %v %v", again, created, err)
		}
		// A period overlapping it, an upside-down one and a non-admin are refused.
		refused(t, s, model.ECONFLICT, func() error {
			_, _, err := s.RunBilling(salesAdmin, model.Date{Time: f.end.Time}, model.Date{Time: f.end.AddDate(0, 1, 0)})
			return err
		})
		refused(t, s, model.EINVALID, func() error {
			_, _, err := s.RunBilling(salesAdmin, model.Date{Time: f.end.AddDate(0, 2, 0)}, model.Date{Time: f.end.AddDate(0, 1, 0)})
			return err
		})
		agent := model.WithActor(context.Background(), model.Actor{UserID: f.anna.ID, Role: model.RoleAgent})
		refused(t, s, model.EFORBIDDEN, func() error {
			_, _, err := s.RunBilling(agent, model.Date{Time: f.end.AddDate(0, 2, 0)}, model.Date{Time: f.end.AddDate(0, 3, 0)})
			return err
		})
	})
}

func TestBillingRunNeverBillsTwice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newBillingFixture(t, s)
		run, _, err := s.RunBilling(salesAdmin, f.start, f.end)
		if err != nil {
			t.Fatal(err)
		}
		hourly := runInvoices(t, s, run.ID)[f.hourly.ID][0]
		lines, _ := s.InvoiceLines(salesAdmin, hourly.ID)
		// A draft's billed line is edited: it keeps what it bills.
		hourly, _, err = store.EditLines[model.Invoice](salesAdmin, s, hourly.ID, 0, store.LineEdit{
			Change: map[string]model.LineInput{lines[0].ID: {Quantity: ptr(model.Dec("1"))}}})
		if err != nil || hourly.Total.String() != "309.4" {
			t.Fatalf("edited %+v %v", hourly, err)
		}
		edited, _ := s.InvoiceLines(salesAdmin, hourly.ID)
		if edited[0].SourceType != model.SourceTimeEntry || edited[0].SourceID != f.hourlyEntries[0].ID {
			t.Fatalf("edited line lost its source: %+v", edited[0])
		}
		// Resuming bills nothing new; a deleted draft's work is billed again.
		if run, err = s.ResumeBilling(salesAdmin, run.ID); err != nil || run.InvoiceCount != 7 || run.Status != model.BillingDone {
			t.Fatalf("resumed %+v %v", run, err)
		}
		if err := store.DeletePriced[model.Invoice](salesAdmin, s, hourly.ID, 0); err != nil {
			t.Fatal(err)
		}
		if run, err = s.ResumeBilling(salesAdmin, run.ID); err != nil || run.InvoiceCount != 7 || run.Totals["EUR"].String() != f.wantEUR {
			t.Fatalf("resumed after delete %+v %v", run, err)
		}
		// The unique index on what a line bills is the last guard.
		other := draftInvoice(t, s)
		_, err = s.DB().Exec("UPDATE invoice_lines SET source_type = 'time_entry', source_id = $1 WHERE doc_id = $2 AND position = 1",
			f.looseEntry.ID, other.ID)
		if err == nil {
			t.Fatal("two lines bill one time entry")
		}
	})
}

func TestBillingRunResumesAfterAFailedPage(t *testing.T) {
	defer store.SetBillingPage(1)()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newBillingFixture(t, s)
		// The purchase-amount contract's page (the fourth) fails as its
		// line is written.
		failOn := f.purchaseC.ID + ":" + f.start.String()
		dropTrigger := "DROP TRIGGER IF EXISTS fail_line"
		if s.Engine() == "postgres" {
			dropTrigger += " ON invoice_lines"
			execSQL(t, s, `CREATE OR REPLACE FUNCTION fail_line() RETURNS trigger AS $$ BEGIN
				IF NEW.source_id = '`+failOn+`' THEN RAISE EXCEPTION 'disk on fire'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`)
			execSQL(t, s, "CREATE TRIGGER fail_line BEFORE INSERT ON invoice_lines FOR EACH ROW EXECUTE FUNCTION fail_line()")
		} else {
			execSQL(t, s, "CREATE TRIGGER fail_line BEFORE INSERT ON invoice_lines WHEN NEW.source_id = '"+failOn+"' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END")
		}
		t.Cleanup(func() { _, _ = s.DB().Exec(dropTrigger) })
		run, created, err := s.RunBilling(salesAdmin, f.start, f.end)
		if err == nil || !created || run.Status != model.BillingFailed || run.Error != "internal error" || run.FinishedAt == nil {
			t.Fatalf("failed run %+v %v", run, err)
		}
		if run.InvoiceCount != 3 {
			t.Fatalf("%d invoices before the failed page, want 3", run.InvoiceCount)
		}
		execSQL(t, s, dropTrigger)
		again, created, err := s.RunBilling(salesAdmin, f.start, f.end)
		if err != nil || created || again.ID != run.ID || again.Status != model.BillingDone || again.InvoiceCount != 7 ||
			again.Totals["EUR"].String() != f.wantEUR || again.Error != "" {
			t.Fatalf("resumed %+v %v %v", again, created, err)
		}
	})
}

func TestBillingPeriodsOfFees(t *testing.T) {
	d := func(s string) model.Date { v, _ := model.ParseDate(s); return v }
	for _, c := range []struct {
		start, end, from, to, period string
		want                         []string
	}{
		{"2026-01-31", "", "2026-02-01", "2026-04-30", "monthly", []string{"2026-02-28", "2026-03-31", "2026-04-30"}},
		{"2025-11-15", "", "2026-01-01", "2026-03-31", "quarterly", []string{"2026-02-15"}},
		{"2024-03-01", "", "2026-01-01", "2026-12-31", "yearly", []string{"2026-03-01"}},
		{"2026-01-01", "2026-02-10", "2026-01-01", "2026-06-30", "monthly", []string{"2026-01-01", "2026-02-01"}},
		{"2026-05-01", "", "2026-01-01", "2026-03-31", "monthly", nil},
	} {
		ct := &model.Contract{StartDate: d(c.start), BillingPeriod: c.period}
		if c.end != "" {
			e := d(c.end)
			ct.EndDate = &e
		}
		var got []string
		for _, day := range store.FeePeriodStarts(ct, d(c.from), d(c.to)) {
			got = append(got, day.String())
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%+v: %v", c, got)
		}
	}
}
