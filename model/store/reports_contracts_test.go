package store_test

import (
	"fmt"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

func TestContractReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newContractFixture(t, s)
		mustCreateRecord(t, s, &model.SLATarget{Priority: "normal", ContractLevel: "gold", FirstResponseMinutes: 15, ResolutionMinutes: 60})
		if err := store.Create(salesAdmin, s, &model.ExchangeRate{Currency: "USD", Rate: model.Dec("0.5"), ValidFrom: day(-3000)}); err != nil {
			t.Fatal(err)
		}
		gold := serviceContract(f.acme.ID, -10, dayPtr(20), []string{f.printer.ID}, nil)
		gold.Level, gold.BillingMethod, gold.FixedFee = "gold", model.BillFixedFee, model.Dec("100")
		gold.PrepaidUnit, gold.PrepaidUnits = model.UnitsHours, model.Dec("4")
		usd := serviceContract(f.other.ID, -10, dayPtr(40), []string{f.printer.ID}, nil)
		usd.Currency, usd.BillingMethod, usd.BillingPeriod = "USD", model.BillPurchaseAmount, "yearly"
		usd.PurchaseAmount, usd.PurchasePercent = model.Dec("10000"), model.Dec("10")
		usd.PrepaidUnit, usd.PrepaidUnits = model.UnitsRequests, model.Dec("2")
		ended := serviceContract(f.acme.ID, -400, dayPtr(-300), []string{f.scanner.ID}, nil)
		cancelled := serviceContract(f.acme.ID, -10, dayPtr(10), []string{f.scanner.ID}, nil)
		cancelled.Status = model.ContractCancelled
		for _, c := range []*model.Contract{gold, usd, ended, cancelled} {
			mustCreateRecord(t, s, c)
		}
		// Covered: one under gold (an hour booked), two under the USD
		// contract; then one past its prepaid requests, one expired, one
		// not covered.
		for _, r := range []*model.Request{{AccountID: &f.acme.ID, ProductID: &f.printer.ID}, {AccountID: &f.other.ID, ProductID: &f.printer.ID},
			{AccountID: &f.other.ID, ProductID: &f.printer.ID}, {AccountID: &f.other.ID, ProductID: &f.printer.ID},
			{AccountID: &f.acme.ID, ProductID: &f.scanner.ID}, {Subject: "Who are you?"}} {
			newRequest(t, s, f.agent, r)
			if r.ContractID != nil && *r.ContractID == gold.ID {
				if err := store.Create(f.agent, s, &model.TimeEntry{RequestID: r.ID, Minutes: 60}); err != nil {
					t.Fatal(err)
				}
			}
		}
		period := fmt.Sprintf("from=%s&to=%s", day(-30), day(60))

		res := runReport(t, s, f.agent, "contracts_expiring", "days=30")
		if len(res.Rows) != 1 || cell(t, res, gold.Number, "days_left") != int64(20) || cell(t, res, gold.Number, "account") != "Acme" ||
			cell(t, res, gold.Number, "noticed") != "no" {
			t.Errorf("expiring in 30 days: %v", res.Rows)
		}
		if res = runReport(t, s, f.agent, "contracts_expiring", period); len(res.Rows) != 2 || res.Rows[1][0] != usd.Number {
			t.Errorf("expiring in the period: %v", res.Rows)
		}

		res = runReport(t, s, f.agent, "contract_usage", period)
		want := [][]any{{usd.Number, "3", "0", "150"}, {gold.Number, "1", "3", "25"}}
		if len(res.Rows) != 2 {
			t.Fatalf("usage: %v", res.Rows)
		}
		for i, w := range want {
			row := res.Rows[i]
			if got := []any{row[0], fmt.Sprint(row[5]), fmt.Sprint(row[6]), fmt.Sprint(row[7])}; fmt.Sprint(got) != fmt.Sprint(w) {
				t.Errorf("usage row %d: %v, want %v", i, got, w)
			}
		}

		res = runReport(t, s, f.agent, "requests_by_entitlement", period+"&group=year")
		year := time.Now().UTC().Format("2006")
		if len(res.Rows) != 1 || fmt.Sprint(res.Rows[0]) != fmt.Sprintf("[%s 3 1 1 1 0 6]", year) {
			t.Errorf("by entitlement: %v", res.Rows)
		}

		res = runReport(t, s, f.agent, "contracts_by_level", period)
		if res.Currency != "EUR" || len(res.Rows) != 2 || money(cell(t, res, "gold", "yearly_fees")) != "1200.00" ||
			money(cell(t, res, "(default)", "yearly_fees")) != "500.00" || cell(t, res, "(default)", "contracts") != int64(1) {
			t.Errorf("by level: %s %v", res.Currency, res.Rows)
		}
	})
}
