package store_test

import (
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

func TestReturnsReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newReturns(t, s)
		ctx := f.agent
		// Three returns: SN001 repaired and shipped back, SN-002 replaced and
		// still received, two gadgets refunded and rejected.
		a := f.rma(t, s)
		b := f.rma(t, s, model.RMALineInput{Serial: "SN-002", Reason: "damaged_in_transit", Action: model.RMAActionReplace})
		c := f.rma(t, s, model.RMALineInput{ProductID: f.gadget.ID, Quantity: 2, Reason: "defective", Action: model.RMAActionRefund})
		move := func(r *model.RMA, steps ...string) {
			for _, st := range steps {
				if _, err := s.MoveRMA(ctx, r.ID, 0, store.RMAMove{Status: st, RejectReason: "no proof of purchase"}); err != nil {
					t.Fatal(err)
				}
			}
		}
		move(a, model.RMAAuthorised, model.RMAReceived, model.RMAShippedBack)
		move(b, model.RMAAuthorised, model.RMAReceived)
		move(c, model.RMARejected)
		// a was received a day and a half before it was shipped back, in
		// March (UTC), which is still February in Los Angeles.
		received, shipped := time.Date(2026, 2, 27, 17, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 5, 0, 0, 0, time.UTC)
		if _, err := s.DB().Exec(rebind(s, "UPDATE rmas SET received_at = ?, shipped_at = ? WHERE id = ?"), received, shipped, a.ID); err != nil {
			t.Fatal(err)
		}
		period := "from=" + time.Now().AddDate(0, 0, -1).Format(model.DateLayout) + "&to=" + time.Now().AddDate(0, 0, 2).Format(model.DateLayout)

		counts := runReport(t, s, ctx, "rma_counts", period)
		if len(counts.Rows) != 3 || counts.Rows[0][0] != model.RMAReceived || cell(t, counts, model.RMAShippedBack, "open") != int64(1) ||
			cell(t, counts, model.RMARejected, "rejected") != int64(1) {
			t.Errorf("counts %v", counts.Rows)
		}
		var total int64
		for _, row := range runReport(t, s, ctx, "rma_counts", period+"&group=month&tz=Asia/Tokyo").Rows {
			total += row[2].(int64)
		}
		if total != 3 {
			t.Errorf("by month: %d returns", total)
		}

		ta := runReport(t, s, ctx, "rma_turnaround", "from=2026-01-01&to=2026-04-01")
		if len(ta.Rows) != 1 || ta.Rows[0][0] != "2026-03" || cell(t, ta, "2026-03", "returns") != int64(1) ||
			money(cell(t, ta, "2026-03", "avg_days")) != "1.50" || money(cell(t, ta, "2026-03", "median_days")) != "1.50" {
			t.Errorf("turnaround %v", ta.Rows)
		}
		if la := runReport(t, s, ctx, "rma_turnaround", "from=2026-01-01&to=2026-04-01&tz=America/Los_Angeles"); len(la.Rows) != 1 || la.Rows[0][0] != "2026-02" {
			t.Errorf("turnaround LA %v", la.Rows)
		}
		if wk := runReport(t, s, ctx, "rma_turnaround", "from=2026-01-01&to=2026-04-01&group=week"); len(wk.Rows) != 1 || wk.Rows[0][0] != "2026-02-23" {
			t.Errorf("turnaround by week %v", wk.Rows)
		}

		reasons := runReport(t, s, ctx, "rma_reasons", period)
		if reasons.Rows[0][0] != "defective" || cell(t, reasons, "defective", "units") != int64(3) || cell(t, reasons, "defective", "returns") != int64(2) ||
			money(cell(t, reasons, "damaged_in_transit", "share")) != "25.00" {
			t.Errorf("reasons %v", reasons.Rows)
		}
		actions := runReport(t, s, ctx, "rma_actions", period)
		if len(actions.Rows) != 3 || actions.Rows[0][0] != model.RMAActionRepair || cell(t, actions, model.RMAActionRefund, "units") != int64(2) {
			t.Errorf("actions %v", actions.Rows)
		}

		// The rejected refund does not count: widgets lead.
		top := runReport(t, s, ctx, "products_most_returns", period+"&limit=1")
		if len(top.Rows) != 1 || top.Rows[0][0] != f.widget.ID || top.Rows[0][1] != "Widget" || cell(t, top, f.widget.ID, "units") != int64(2) ||
			cell(t, top, f.widget.ID, "defective") != int64(1) {
			t.Errorf("top %v", top.Rows)
		}
		info, _ := store.ReportInfo("products_most_returns")
		p, _ := model.ParseReportParams(info, map[string][]string{"limit": {"0"}}, time.Now())
		if _, err := s.RunReport(ctx, "products_most_returns", p); model.ErrorCode(err) != model.EINVALID {
			t.Errorf("limit 0: %v", err)
		}

		if _, err := s.TransferRegistration(ctx, f.unit2.ID, 0, store.Transfer{AccountID: &f.other.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Update(ctx, s, f.unit.ID, 0, func(r *model.Registration) error { r.Status = model.RegistrationRetired; return nil }); err != nil {
			t.Fatal(err)
		}
		regs := runReport(t, s, ctx, "registrations_by_product", period)
		if cell(t, regs, f.widget.ID, "registered") != int64(2) || cell(t, regs, f.widget.ID, "active") != int64(1) ||
			cell(t, regs, f.widget.ID, "retired") != int64(1) || cell(t, regs, f.widget.ID, "transferred") != int64(1) {
			t.Errorf("registrations %v", regs.Rows)
		}
		if old := runReport(t, s, ctx, "registrations_by_product", "from=2020-01-01&to=2021-01-01"); cell(t, old, f.widget.ID, "registered") != int64(0) {
			t.Errorf("registrations in 2020 %v", old.Rows)
		}
	})
}
