package store_test

import (
	"fmt"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// billedMonth bills the fixture's month and then, with USD at 0.5 EUR:
// issues the fixed fee (595, paid), the hourly invoice (380.8, its first
// line of 180 net credited by an issued credit note), the per-request one
// (50 USD, 45 days overdue), the loose customer's time (160 USD, 100 days
// overdue) and order (238, due later); the fixed customer's order (119)
// and the purchase fee (357) stay drafts.
func billedMonth(t *testing.T, s *store.Store) *billingFixture {
	t.Helper()
	f := newBillingFixture(t, s)
	if err := store.Create(salesAdmin, s, &model.ExchangeRate{Currency: "USD", Rate: model.Dec("0.5"),
		ValidFrom: model.Date{Time: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}}); err != nil {
		t.Fatal(err)
	}
	run, _, err := s.RunBilling(salesAdmin, f.start, f.end)
	if err != nil {
		t.Fatal(err)
	}
	invs := runInvoices(t, s, run.ID)
	issue := func(inv *model.Invoice) *model.Invoice {
		t.Helper()
		inv, err := s.IssueInvoice(salesAdmin, inv.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		return inv
	}
	if _, err := s.PayInvoice(salesAdmin, issue(invs[f.fixed.ID][1]).ID, 0, store.Payment{}); err != nil {
		t.Fatal(err)
	}
	hourly := issue(invs[f.hourly.ID][0])
	lines, _ := s.InvoiceLines(salesAdmin, hourly.ID)
	note, _, err := s.CreditInvoice(salesAdmin, hourly.ID, 0, []store.CreditLine{{LineID: lines[0].ID}})
	if err != nil {
		t.Fatal(err)
	}
	issue(note)
	pastDue := map[*model.Invoice]int{issue(invs[f.perRequest.ID][0]): 45, issue(invs[f.loose.ID][0]): 100}
	issue(invs[f.loose.ID][1])
	for inv, days := range pastDue {
		execSQL(t, s, "UPDATE invoices SET due_date = $1 WHERE id = $2", time.Now().AddDate(0, 0, -days).Format(model.DateLayout), inv.ID)
	}
	if n, err := s.MarkOverdueInvoices(salesAdmin, 100); err != nil || n != 2 {
		t.Fatalf("overdue %d %v", n, err)
	}
	return f
}

// month is the report query of the fixture's month.
func (f *billingFixture) month() string {
	return fmt.Sprintf("from=%s&to=%s", f.start, f.end.AddDate(0, 0, 1).Format(model.DateLayout))
}

func TestBillingReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := billedMonth(t, s)

		// Issued net by what it bills: the credit note takes 180 off time.
		res := runReport(t, s, salesAdmin, "service_revenue", f.month())
		bySource := map[string]string{}
		for _, row := range res.Rows {
			if row[0] != f.start.Format("2006-01") {
				t.Fatalf("period %v", row)
			}
			bySource[row[1].(string)] = money(row[2])
		}
		want := map[string]string{"fixed_fee": "500.00", "time_entry": "220.00", "request": "25.00", "order": "200.00"}
		if fmt.Sprint(bySource) != fmt.Sprint(want) {
			t.Errorf("service_revenue %v, want %v", bySource, want)
		}

		res = runReport(t, s, salesAdmin, "billable_time", f.month())
		for _, c := range []struct {
			account       *model.Account
			hours, amount string
		}{{f.hourly, "4", "90.00"}, {f.loose, "2", "80.00"}, {f.none, "0.75", "52.50"}} {
			if got := cell(t, res, c.account.ID, "hours").(model.Decimal).String(); got != c.hours || money(cell(t, res, c.account.ID, "amount")) != c.amount {
				t.Errorf("billable_time %s: %v", c.account.Name, res.Rows)
			}
		}
		if res.Rows[0][0] != f.hourly.ID || len(res.Rows) != 3 {
			t.Errorf("billable_time order %v", res.Rows)
		}
		res = runReport(t, s, salesAdmin, "billable_time", f.month()+"&group=specialist")
		if money(cell(t, res, f.boris.ID, "amount")) != "170.00" || cell(t, res, f.anna.ID, "hours").(model.Decimal).String() != "3.25" {
			t.Errorf("billable_time by specialist %v", res.Rows)
		}

		res = runReport(t, s, salesAdmin, "invoices_by_status", f.month())
		for _, c := range []struct {
			status, total, owed string
			n                   int64
		}{{"draft", "476.00", "0.00", 2}, {"issued", "618.80", "618.80", 2}, {"paid", "595.00", "0.00", 1}, {"overdue", "105.00", "105.00", 2}} {
			if cell(t, res, c.status, "invoices") != c.n || money(cell(t, res, c.status, "total")) != c.total || money(cell(t, res, c.status, "owed")) != c.owed {
				t.Errorf("invoices_by_status %s: %v", c.status, res.Rows)
			}
		}

		res = runReport(t, s, salesAdmin, "overdue_invoices", "")
		if len(res.Rows) != 2 || res.Rows[0][1] != f.loose.Name || res.Rows[0][3] != int64(100) || money(res.Rows[0][4]) != "80.00" ||
			res.Rows[1][1] != f.perRequest.Name || res.Rows[1][3] != int64(45) || money(res.Rows[1][4]) != "25.00" {
			t.Errorf("overdue_invoices %v", res.Rows)
		}

		res = runReport(t, s, salesAdmin, "invoice_ageing", "")
		for _, c := range []struct {
			bucket, owed string
			n            int64
		}{{"current", "618.80", 2}, {"1–30", "0.00", 0}, {"31–60", "25.00", 1}, {"61–90", "0.00", 0}, {"90+", "80.00", 1}} {
			if cell(t, res, c.bucket, "invoices") != c.n || money(cell(t, res, c.bucket, "owed")) != c.owed {
				t.Errorf("invoice_ageing %s: %v", c.bucket, res.Rows)
			}
		}
	})
}
