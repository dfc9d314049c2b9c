package store_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// runReport runs a report with query parameters as the API passes them.
func runReport(t *testing.T, s *store.Store, ctx context.Context, name, query string) *store.ReportResult {
	t.Helper()
	info, ok := store.ReportInfo(name)
	if !ok {
		t.Fatalf("no report %s", name)
	}
	q, _ := url.ParseQuery(query)
	p, err := model.ParseReportParams(info, q, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.RunReport(ctx, name, p)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

// cell finds the row whose first cell is key and returns its column.
func cell(t *testing.T, res *store.ReportResult, key, column string) any {
	t.Helper()
	ci := -1
	for i, c := range res.Columns {
		if c.Key == column {
			ci = i
		}
	}
	for _, row := range res.Rows {
		if row[0] == key {
			return row[ci]
		}
	}
	t.Fatalf("%s: no row %q in %v", res.Name, key, res.Rows)
	return nil
}

func money(v any) string { return v.(model.Decimal).StringFixed(2) }

func TestSalesReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		p := newPipeline(t, s, "New business")
		if err := store.Create(salesAdmin, s, &model.ExchangeRate{Currency: "USD", Rate: model.Dec("0.5"), ValidFrom: model.Date{Time: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}}); err != nil {
			t.Fatal(err)
		}
		rep := newUser(t, s, "rep@example.com", model.RoleAgent)
		rival := &model.Competitor{Name: "Rival"}
		camp := &model.Campaign{Name: "Expo", Type: "trade_show", Currency: "EUR", ActualCost: model.Dec("1000"),
			StartDate: &model.Date{Time: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}}
		for _, r := range []model.Record{rival, camp} {
			if err := createAny(s, r); err != nil {
				t.Fatal(err)
			}
		}
		deal := func(name, stage, amount, cur, close string, edit func(o *model.Opportunity)) *model.Opportunity {
			d, _ := model.ParseDate(close)
			o := &model.Opportunity{Name: name, PipelineID: p.ID, Stage: stage, Amount: model.Dec(amount), Currency: cur, CloseDate: &d,
				OwnerID: &rep.ID, CampaignID: &camp.ID, CompetitorIDs: []string{rival.ID}}
			if err := store.Create(salesAdmin, s, o); err != nil {
				t.Fatal(err)
			}
			if edit != nil {
				var err error
				if o, err = store.Update(salesAdmin, s, o.ID, 0, func(o *model.Opportunity) error { edit(o); return nil }); err != nil {
					t.Fatal(err)
				}
			}
			return o
		}
		deal("A", "qualify", "1000", "EUR", "2026-02-10", nil)                             // weighted 100
		deal("B", "proposal", "2000", "USD", "2026-02-20", nil)                            // 1000 EUR, weighted 500
		deal("C", "negotiation", "3000", "EUR", "2026-03-05", func(o *model.Opportunity) { // won
			o.Outcome = model.OutcomeWon
		})
		deal("D", "qualify", "500", "EUR", "2026-03-07", func(o *model.Opportunity) { // lost to Rival
			o.Outcome, o.OutcomeReason, o.LostToID = model.OutcomeLost, "price", &rival.ID
		})

		year := "from=2026-01-01&to=2027-01-01&tz=Europe/Berlin"
		pbs := runReport(t, s, salesAdmin, "pipeline_by_stage", "")
		if len(pbs.Rows) != 3 || cell(t, pbs, "qualify", "deals") != int64(1) || money(cell(t, pbs, "proposal", "amount")) != "1000.00" ||
			money(cell(t, pbs, "proposal", "weighted")) != "500.00" || pbs.Currency != "EUR" {
			t.Errorf("pipeline by stage %v", pbs.Rows)
		}
		fc := runReport(t, s, salesAdmin, "forecast", year)
		if money(cell(t, fc, "2026-02", "weighted")) != "600.00" || money(cell(t, fc, "2026-02", "best_case")) != "1000.00" ||
			money(cell(t, fc, "2026-03", "closed_won")) != "3000.00" || cell(t, fc, "2026-03", "deals") != int64(1) {
			t.Errorf("forecast by month %v", fc.Rows)
		}
		byRep := runReport(t, s, salesAdmin, "forecast", year+"&group=owner")
		if cell(t, byRep, rep.ID, "label") != rep.Name || money(cell(t, byRep, rep.ID, "weighted")) != "600.00" {
			t.Errorf("forecast by rep %v", byRep.Rows)
		}
		if q := runReport(t, s, salesAdmin, "forecast", year+"&group=quarter"); money(cell(t, q, "2026-Q1", "pipeline")) != "1000.00" {
			t.Errorf("forecast by quarter %v", q.Rows)
		}
		wl := runReport(t, s, salesAdmin, "win_loss_by_reason", "")
		if cell(t, wl, "lost", "reason") != "price" || cell(t, wl, "won", "deals") != int64(1) {
			t.Errorf("win/loss %v", wl.Rows)
		}
		wr := runReport(t, s, salesAdmin, "win_rate_by_rep", "")
		if money(cell(t, wr, rep.ID, "win_rate")) != "50.00" {
			t.Errorf("win rate %v", wr.Rows)
		}
		cw := runReport(t, s, salesAdmin, "competitor_win_loss", "")
		if cell(t, cw, rival.ID, "deals") != int64(2) || cell(t, cw, rival.ID, "lost_to") != int64(1) || cell(t, cw, rival.ID, "won") != int64(1) {
			t.Errorf("competitors %v", cw.Rows)
		}
		roi := runReport(t, s, salesAdmin, "campaign_roi", year)
		if money(cell(t, roi, camp.ID, "revenue")) != "3000.00" || money(cell(t, roi, camp.ID, "roi")) != "200.00" {
			t.Errorf("campaign ROI %v", roi.Rows)
		}
		funnel := runReport(t, s, salesAdmin, "stage_funnel", "")
		if cell(t, funnel, "qualify", "reached") != int64(2) || cell(t, funnel, "negotiation", "won") != int64(1) {
			t.Errorf("funnel %v", funnel.Rows)
		}
		for _, name := range []string{"expected_revenue_by_close_month", "sales_cycle_length", "stalled_deals", "overdue_next_steps",
			"top_accounts", "territory_performance", "lead_source_effectiveness", "leads_by_status", "activities_per_rep", "call_time_per_rep"} {
			runReport(t, s, salesAdmin, name, year)
		}

		// Another rep sees none of these team-scoped deals.
		other := newUser(t, s, "other@example.com", model.RoleAgent)
		otherCtx := model.WithActor(context.Background(), model.Actor{UserID: other.ID, Role: model.RoleAgent})
		if res := runReport(t, s, otherCtx, "forecast", year); len(res.Rows) != 0 {
			t.Errorf("another rep sees %v", res.Rows)
		}
	})
}

func TestReportParams(t *testing.T) {
	info, _ := store.ReportInfo("forecast")
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for _, bad := range []string{"from=2026-13-01", "to=2020-01-01", "tz=Mars/Olympus", "group=planet", "bogus=1", "from=2026-01-01&to=2050-01-01"} {
		q, _ := url.ParseQuery(bad)
		if _, err := model.ParseReportParams(info, q, now); model.ErrorCode(err) != model.EINVALID {
			t.Errorf("%s: %v", bad, err)
		}
	}
	p, err := model.ParseReportParams(info, url.Values{"tz": {"Asia/Tokyo"}}, now)
	if err != nil || p.From.Format(time.RFC3339) != "2026-01-01T00:00:00+09:00" || p.Values["group"] != "month" {
		t.Errorf("%+v %v", p, err)
	}
}

// newUser stores a user with a role.
func newUser(t *testing.T, s *store.Store, email, role string) *model.User {
	t.Helper()
	u := &model.User{Email: email, Name: "User " + email, Role: role}
	if err := s.CreateUser(salesAdmin, u, ""); err != nil {
		t.Fatal(err)
	}
	return u
}

// createAny stores a competitor or a campaign.
func createAny(s *store.Store, r model.Record) error {
	switch x := r.(type) {
	case *model.Competitor:
		return store.Create(salesAdmin, s, x)
	case *model.Campaign:
		return store.Create(salesAdmin, s, x)
	}
	return nil
}

func TestUserDefinedReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		p := newPipeline(t, s, "New business")
		if err := store.Create(salesAdmin, s, &model.ExchangeRate{Currency: "USD", Rate: model.Dec("0.5"), ValidFrom: model.Date{Time: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}}); err != nil {
			t.Fatal(err)
		}
		rep := newUser(t, s, "rep@example.com", model.RoleAgent)
		for _, d := range []struct{ stage, amount, cur, close string }{
			{"qualify", "100", "EUR", "2026-01-05"}, {"qualify", "300", "USD", "2026-01-20"}, {"proposal", "50", "EUR", "2026-02-01"},
			{"proposal", "70.5", "EUR", "2026-12-31"}, {"proposal", "999", "EUR", "2027-01-01"},
		} {
			cd, _ := model.ParseDate(d.close)
			o := &model.Opportunity{Name: "D", PipelineID: p.ID, Stage: d.stage, Amount: model.Dec(d.amount), Currency: d.cur, CloseDate: &cd, OwnerID: &rep.ID}
			if err := store.Create(salesAdmin, s, o); err != nil {
				t.Fatal(err)
			}
		}
		def := &model.ReportDefinition{Name: "By stage and month", Of: "opportunity", PeriodField: "close_date",
			GroupBy: []string{"stage", "close_date:month"}, Sort: []string{"-sum_amount"},
			Aggregates: []model.Aggregate{{Fn: "count"}, {Fn: "sum", Field: "amount"}, {Fn: "avg", Field: "probability"}, {Fn: "max", Field: "amount"}},
			Filter:     model.Filter{All: []model.Condition{{Field: "outcome", Op: "eq", Value: "open"}}}}
		if err := store.Create(salesAdmin, s, def); err != nil {
			t.Fatal(err)
		}
		info := model.ReportInfo{Name: "custom"}
		params, _ := model.ParseReportParams(info, url.Values{"from": {"2026-01-01"}, "to": {"2027-01-01"}}, time.Now())
		res, err := s.RunReportDefinition(salesAdmin, def, params)
		if err != nil {
			t.Fatal(err)
		}
		// qualify/2026-01: 100 EUR + 300 USD (150 EUR) = 250; proposal/2026-02: 50; proposal/2026-12: 70.5; 2027 is out.
		want := [][]string{{"qualify", "2026-01", "2", "250.00", "10.00", "150.00"}, {"proposal", "2026-12", "1", "70.50", "50.00", "70.50"},
			{"proposal", "2026-02", "1", "50.00", "50.00", "50.00"}}
		if len(res.Rows) != len(want) {
			t.Fatalf("%v", res.Rows)
		}
		for i, w := range want {
			got := []string{text(res.Rows[i][0]), text(res.Rows[i][1]), text(res.Rows[i][2]), money(res.Rows[i][3]), money(res.Rows[i][4]), money(res.Rows[i][5])}
			if strings.Join(got, "|") != strings.Join(w, "|") {
				t.Errorf("row %d: %v, want %v", i, got, w)
			}
		}
		if res.Columns[3].Type != model.ColMoney || res.Columns[4].Type != model.ColDecimal {
			t.Errorf("columns %+v", res.Columns)
		}
		// Grouped by owner: ids get their names.
		byOwner := &model.ReportDefinition{Name: "x", Of: "opportunity", GroupBy: []string{"owner_id", "created_at:week"}}
		res, err = s.RunReportDefinition(salesAdmin, byOwner, params)
		if err != nil || len(res.Rows) != 1 || res.Rows[0][1] != rep.Name || res.Rows[0][3] != int64(5) {
			t.Fatalf("%v %v", res, err)
		}

		// Definitions naming unknown fields, summing text, or smuggling SQL are refused at save time.
		feed, _ := s.LastSeq(salesAdmin)
		for name, bad := range map[string]*model.ReportDefinition{
			"unknown group":  {Name: "x", Of: "opportunity", GroupBy: []string{"shoe_size"}},
			"sum of text":    {Name: "x", Of: "opportunity", Aggregates: []model.Aggregate{{Fn: "sum", Field: "name"}}},
			"sql in a field": {Name: "x", Of: "opportunity", GroupBy: []string{"stage; DROP TABLE users"}},
			"sql in fn":      {Name: "x", Of: "opportunity", Aggregates: []model.Aggregate{{Fn: "sum(amount)); --", Field: "amount"}}},
			"unknown filter": {Name: "x", Of: "opportunity", Filter: model.Filter{All: []model.Condition{{Field: "password_hash", Op: "eq", Value: "x"}}}},
			"bucket of text": {Name: "x", Of: "opportunity", GroupBy: []string{"stage:month"}},
			"bad period":     {Name: "x", Of: "opportunity", PeriodField: "amount"},
			"bad sort":       {Name: "x", Of: "opportunity", Sort: []string{"-amount"}},
			"users":          {Name: "x", Of: "user"},
		} {
			if err := store.Create(salesAdmin, s, bad); model.ErrorCode(err) != model.EINVALID {
				t.Errorf("%s: %v", name, err)
			}
		}
		if seq, _ := s.LastSeq(salesAdmin); seq != feed {
			t.Error("refused definitions wrote the feed")
		}
		// Another rep's run sees none of this rep's deals.
		other := newUser(t, s, "other@example.com", model.RoleAgent)
		otherCtx := model.WithActor(context.Background(), model.Actor{UserID: other.ID, Role: model.RoleAgent})
		if res, err := s.RunReportDefinition(otherCtx, byOwner, params); err != nil || len(res.Rows) != 0 {
			t.Errorf("other rep: %v %v", res.Rows, err)
		}
	})
}

func text(v any) string { return fmt.Sprint(v) }

// TestCommerceReports: open quotes forecast by validity month, quotes by
// status, and order revenue by product.
func TestCommerceReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		newPipeline(t, s, "New business")
		f := newCommerce(t, s)
		o := &model.Opportunity{Name: "Deal", Currency: "EUR", Stage: "proposal"} // 50 %
		if err := store.Create(salesAdmin, s, o); err != nil {
			t.Fatal(err)
		}
		month := time.Now().AddDate(0, 1, 0)
		valid := model.Date{Time: month}
		mk := func(opp *string, actions ...string) *model.Quote {
			q := f.quote()
			q.OpportunityID, q.ValidUntil = opp, &valid
			if _, err := s.CreateQuote(salesAdmin, q, []model.LineInput{{ProductID: &f.gadget.ID, Quantity: ptr(model.Dec("2"))}}); err != nil {
				t.Fatal(err)
			}
			for _, a := range actions {
				if _, err := s.QuoteAction(salesAdmin, q.ID, 0, a, ""); err != nil {
					t.Fatal(err)
				}
			}
			q, _ = store.Get[model.Quote](salesAdmin, s, q.ID)
			return q
		}
		sent := mk(&o.ID, model.ActionSend)
		mk(nil, model.ActionSend)
		accepted := mk(nil, model.ActionSend, model.ActionAccept)
		ord, err := s.OrderFromQuote(salesAdmin, accepted.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.OrderAction(salesAdmin, ord.ID, 0, model.ActionConfirm); err != nil {
			t.Fatal(err)
		}
		period := "from=" + time.Now().AddDate(-1, 0, 0).Format(model.DateLayout) + "&to=" + time.Now().AddDate(1, 0, 0).Format(model.DateLayout)
		qf := runReport(t, s, salesAdmin, "quote_forecast", period)
		net := sent.NetTotal.Decimal
		wantWeighted := net.Add(net.Div(model.DecInt(2).Decimal)) // one at 50 %, one without a deal at 100 %
		if cell(t, qf, month.Format("2006-01"), "quotes") != int64(2) || !cell(t, qf, month.Format("2006-01"), "weighted").(model.Decimal).Equal(wantWeighted) {
			t.Errorf("quote forecast %v (net %s)", qf.Rows, net)
		}
		qs := runReport(t, s, salesAdmin, "quotes_by_status", period)
		if cell(t, qs, model.QuoteSent, "quotes") != int64(2) || cell(t, qs, model.QuoteAccepted, "quotes") != int64(1) {
			t.Errorf("quotes by status %v", qs.Rows)
		}
		rev := runReport(t, s, salesAdmin, "order_revenue_by_product", period)
		if cell(t, rev, f.gadget.ID, "label") != f.gadget.Name || cell(t, rev, f.gadget.ID, "quantity").(model.Decimal).String() != "2" ||
			!cell(t, rev, f.gadget.ID, "net").(model.Decimal).Equal(net) {
			t.Errorf("order revenue %v", rev.Rows)
		}
	})
}
