package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// deskCase is one request of TestSupportReportFigures: its times as
// minutes after its creation (nil: not set), queue, breach flag and tags.
type deskCase struct {
	answered, answerDue, resolved, resolveDue *int
	queued, breached                          bool
	tags                                      []string
}

func minutes(n int) *int { return &n }

// TestSupportReportFigures pins what the reports count at the edges the
// grouped SQL folds: targets met when no target is set, late only when
// both times are known, a NULL queue and product as "(none)", a tag list
// spread over its tags, a request counted once however many time entries
// it has, and calls only when linked to a request.
func TestSupportReportFigures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		agent := newUser(t, s, "figures@example.com", model.RoleAgent)
		ctx := model.WithActor(context.Background(), model.Actor{UserID: agent.ID, Name: agent.Name, Role: model.RoleAgent})
		q := &model.Queue{Name: "L1", Active: true}
		prod := &model.Product{SKU: "P-1", Name: "Printer"}
		if err := store.Create(salesAdmin, s, q); err != nil {
			t.Fatal(err)
		}
		if err := store.Create(salesAdmin, s, prod); err != nil {
			t.Fatal(err)
		}
		base := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
		cases := []deskCase{
			{answered: minutes(10), answerDue: minutes(30), resolved: minutes(120), resolveDue: minutes(60), queued: true, tags: []string{"printer", "network"}},
			{answered: minutes(40), answerDue: minutes(30), queued: true, breached: true, tags: []string{"printer"}},
			{answered: minutes(20), resolved: minutes(60), tags: []string{"network", "printer"}},
			{tags: []string{"zeta", "alpha"}},
		}
		var ids []string
		for _, c := range cases {
			r := &model.Request{Subject: "R", Priority: "urgent", Tags: c.tags}
			if c.queued {
				r.QueueID = &q.ID
			}
			if err := store.Create(ctx, s, r); err != nil {
				t.Fatal(err)
			}
			at := func(m *int) *time.Time {
				if m == nil {
					return nil
				}
				v := base.Add(time.Duration(*m) * time.Minute)
				return &v
			}
			if _, err := s.DB().Exec(rebind(s, `UPDATE requests SET created_at = ?, first_response_at = ?, first_response_due = ?,
				resolved_at = ?, resolution_due = ?, sla_breached = ? WHERE id = ?`),
				base, at(c.answered), at(c.answerDue), at(c.resolved), at(c.resolveDue), c.breached, r.ID); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.ID)
		}
		// One more, ten days old: only the week before counts it.
		old := &model.Request{Subject: "Old", Priority: "low", Tags: []string{"network"}}
		if err := store.Create(ctx, s, old); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(rebind(s, "UPDATE requests SET created_at = ? WHERE id = ?"), base.AddDate(0, 0, -10), old.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(rebind(s, "UPDATE requests SET product_id = ? WHERE id IN (?, ?)"), prod.ID, ids[0], ids[1]); err != nil {
			t.Fatal(err)
		}
		for i, m := range []int{30, 15, 10, 5} {
			if err := store.Create(ctx, s, &model.TimeEntry{RequestID: ids[[]int{0, 0, 1, 2}[i]], Minutes: m}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.AddRequestEvent(ctx, ids[0], store.RequestEvent{Type: "call", DurationSeconds: 600}); err != nil {
			t.Fatal(err)
		}
		if err := store.Create(ctx, s, &model.Activity{Kind: model.KindCall, Subject: "Not about a request", DurationSeconds: 300}); err != nil {
			t.Fatal(err)
		}
		period := "from=" + time.Now().AddDate(0, 0, -1).Format(model.DateLayout) + "&to=" + time.Now().AddDate(0, 0, 2).Format(model.DateLayout)
		checkRows(t, runReport(t, s, ctx, "response_times", period), [][]any{
			{"urgent", int64(4), "23.30", "66.70", "1.50", "50.00"}})
		checkRows(t, runReport(t, s, ctx, "sla_breaches", period), [][]any{
			{"", "(none)", int64(2), int64(0), "0.00"}, {q.ID, "L1", int64(2), int64(1), "50.00"}})
		checkRows(t, runReport(t, s, ctx, "top_categories", period), [][]any{
			{"printer", int64(3), int64(3), int64(0), "rising"}, {"network", int64(2), int64(2), int64(1), ""},
			{"alpha", int64(1), int64(1), int64(0), ""}, {"zeta", int64(1), int64(1), int64(0), ""}})
		checkRows(t, runReport(t, s, ctx, "time_by_product", period), [][]any{
			{prod.ID, "Printer", int64(55), int64(2)}, {"", "(none)", int64(5), int64(1)}})
		checkRows(t, runReport(t, s, ctx, "support_call_time", period), [][]any{
			{agent.ID, agent.Name, int64(1), "10.00", "10.00"}})
	})
}

// checkRows compares a report's rows with want, decimals as two-place
// strings.
func checkRows(t *testing.T, res *store.ReportResult, want [][]any) {
	t.Helper()
	got := make([][]any, len(res.Rows))
	for i, row := range res.Rows {
		for _, v := range row {
			if d, ok := v.(model.Decimal); ok {
				v = d.StringFixed(2)
			}
			got[i] = append(got[i], v)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %v\nwant %v", res.Name, got, want)
	}
}
