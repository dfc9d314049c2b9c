package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

func TestRequestLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		agent := newUser(t, s, "agent@example.com", model.RoleAgent)
		ctx := model.WithActor(context.Background(), model.Actor{UserID: agent.ID, Name: agent.Name, Role: model.RoleAgent})
		if err := store.Create(salesAdmin, s, &model.SLATarget{Priority: "high", FirstResponseMinutes: 60, ResolutionMinutes: 480}); err != nil {
			t.Fatal(err)
		}
		q := &model.Queue{Name: "Hardware", OrderBy: []string{"priority", "age"}, Active: true}
		if err := store.Create(salesAdmin, s, q); err != nil {
			t.Fatal(err)
		}
		r := &model.Request{Subject: "Printer on fire", Priority: "high", Channel: "phone", QueueID: &q.ID,
			Number: "R-999999", FirstResponseAt: &time.Time{}}
		if err := store.Create(ctx, s, r); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(r.Number, "R-0000") || r.Number == "R-999999" || r.Status != model.RequestNew || r.FirstResponseAt != nil ||
			r.FirstResponseDue == nil || r.ResolutionDue.Sub(*r.FirstResponseDue) != 7*time.Hour {
			t.Fatalf("%+v", r)
		}
		// A reply answers the customer: first response stamped, the request opened.
		if _, err := s.AddRequestEvent(ctx, r.ID, store.RequestEvent{Type: "reply", Body: "We are on it", Status: model.RequestPendingCustomer}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddRequestEvent(ctx, r.ID, store.RequestEvent{Type: "note", Body: "Call facilities"}); err != nil {
			t.Fatal(err)
		}
		r, _ = store.Get[model.Request](ctx, s, r.ID)
		if r.FirstResponseAt == nil || r.Status != model.RequestPendingCustomer || r.SLABreached {
			t.Fatalf("after reply %+v", r)
		}
		// The customer writes back: open again.
		if _, err := s.AddRequestEvent(ctx, r.ID, store.RequestEvent{Type: "mail_in", Body: "Still burning"}); err != nil {
			t.Fatal(err)
		}
		if r, _ = store.Get[model.Request](ctx, s, r.ID); r.Status != model.RequestOpen {
			t.Fatalf("after mail_in %s", r.Status)
		}
		// Resolve, close; a closed request only reopens.
		for _, st := range []string{model.RequestResolved, model.RequestClosed} {
			if r, err := store.Update(ctx, s, r.ID, 0, func(r *model.Request) error { r.Status = st; return nil }); err != nil {
				t.Fatalf("%s: %v %+v", st, err, r)
			}
		}
		_, err := store.Update(ctx, s, r.ID, 0, func(r *model.Request) error { r.Status = model.RequestPendingThirdParty; return nil })
		if model.ErrorCode(err) != model.EINVALID || !strings.Contains(err.Error(), "reopen") {
			t.Fatalf("closed → pending third party: %v", err)
		}
		if _, err := s.RequestFeedback(ctx, r.ID, 5, "Thanks!"); err != nil {
			t.Fatal(err)
		}
		r, err = store.Update(ctx, s, r.ID, 0, func(r *model.Request) error { r.Status = model.RequestOpen; r.Rating = 1; return nil })
		if err != nil || r.ReopenCount != 1 || r.ResolvedAt != nil || r.ClosedAt != nil || r.Rating != 5 {
			t.Fatalf("reopened %+v %v", r, err)
		}
		if _, err := s.RequestFeedback(ctx, r.ID, 4, ""); model.ErrorCode(err) != model.ECONFLICT {
			t.Errorf("feedback on an open request: %v", err)
		}
		story, err := s.RequestChronology(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range story {
			if e.Activity != nil {
				kinds = append(kinds, e.Activity.Kind+"/"+e.Activity.Class)
			} else if st, ok := e.Change.Fields["status"]; ok {
				kinds = append(kinds, "status:"+st.New.(string))
			} else {
				kinds = append(kinds, "change")
			}
		}
		want := "change email/public status:pending_customer note/private email/public status:open status:resolved status:closed status:open"
		if strings.Join(kinds, " ") != want {
			t.Errorf("story %v\nwant  %s", kinds, want)
		}
		hist, _ := s.History(ctx, "request", r.ID)
		events := map[string]int{}
		for _, c := range hist {
			events[c.Event]++
		}
		if events[model.EventRequestReplied] != 1 || events[model.EventRequestStatusChanged] < 3 {
			t.Errorf("events %v", events)
		}
	})
}

func TestQueueNextAndBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a1 := newUser(t, s, "a1@example.com", model.RoleAgent)
		a2 := newUser(t, s, "a2@example.com", model.RoleAgent)
		as := func(u *model.User) context.Context {
			return model.WithActor(context.Background(), model.Actor{UserID: u.ID, Name: u.Name, Role: model.RoleAgent})
		}
		q := &model.Queue{Name: "Billing", OrderBy: []string{"priority"}, Active: true}
		if err := store.Create(salesAdmin, s, q); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"low", "urgent", "normal", "urgent"} {
			if err := store.Create(salesAdmin, s, &model.Request{Subject: p, Priority: p, QueueID: &q.ID}); err != nil {
				t.Fatal(err)
			}
		}
		page, err := s.QueueRequests(salesAdmin, q.ID, false, 0, 50)
		if err != nil || len(page) != 4 || page[0].Priority != "urgent" || page[1].Priority != "urgent" || page[3].Priority != "low" ||
			page[0].Number > page[1].Number {
			t.Fatalf("%v %v", page, err)
		}
		first, err := s.NextRequest(as(a1), q.ID)
		second, err2 := s.NextRequest(as(a2), q.ID)
		if err != nil || err2 != nil || first.ID == second.ID || *first.AssigneeID != a1.ID || first.Status != model.RequestOpen || first.Priority != "urgent" {
			t.Fatalf("%+v %v / %+v %v", first, err, second, err2)
		}
		if rest, _ := s.QueueRequests(salesAdmin, q.ID, true, 0, 50); len(rest) != 2 {
			t.Errorf("unassigned %d", len(rest))
		}
		feed, _ := s.LastSeq(salesAdmin)
		for name, fn := range map[string]func() error{
			"negative minutes": func() error {
				return store.Create(as(a1), s, &model.TimeEntry{RequestID: first.ID, Minutes: -5})
			},
			"bad event": func() error {
				_, err := s.AddRequestEvent(as(a1), first.ID, store.RequestEvent{Type: "tweet"})
				return err
			},
			"bad status": func() error {
				_, err := s.AddRequestEvent(as(a1), first.ID, store.RequestEvent{Type: "note", Status: "done"})
				return err
			},
			"duration on note": func() error {
				_, err := s.AddRequestEvent(as(a1), first.ID, store.RequestEvent{Type: "note", DurationSeconds: 60})
				return err
			},
			"self link":  func() error { return s.LinkRequests(as(a1), first.ID, first.ID, "related") },
			"bad rating": func() error { _, err := s.RequestFeedback(as(a1), first.ID, 9, ""); return err },
		} {
			if err := fn(); model.ErrorCode(err) != model.EINVALID {
				t.Errorf("%s: %v", name, err)
			}
		}
		if seq, _ := s.LastSeq(salesAdmin); seq != feed {
			t.Errorf("refused input wrote %d changes", seq-feed)
		}
		te := &model.TimeEntry{RequestID: first.ID, Minutes: 30, Billable: true, Rate: model.Dec("90")}
		if err := store.Create(as(a1), s, te); err != nil || te.UserID != a1.ID {
			t.Fatalf("%+v %v", te, err)
		}
		if err := s.LinkRequests(as(a1), first.ID, second.ID, "duplicate"); err != nil {
			t.Fatal(err)
		}
		if links, _ := s.RequestLinks(as(a2), second.ID); len(links) != 1 || links[0].OtherID != first.ID {
			t.Errorf("links %v", links)
		}
	})
}

func TestSupportReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		agent := newUser(t, s, "desk@example.com", model.RoleAgent)
		ctx := model.WithActor(context.Background(), model.Actor{UserID: agent.ID, Name: agent.Name, Role: model.RoleAgent})
		if err := store.Create(salesAdmin, s, &model.SLATarget{Priority: "urgent", FirstResponseMinutes: 30, ResolutionMinutes: 60}); err != nil {
			t.Fatal(err)
		}
		acct := &model.Account{Name: "Acme"}
		if err := store.Create(salesAdmin, s, acct); err != nil {
			t.Fatal(err)
		}
		q := &model.Queue{Name: "L1", Active: true}
		if err := store.Create(salesAdmin, s, q); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for i, p := range []string{"urgent", "urgent", "low"} {
			r := &model.Request{Subject: fmt.Sprint("R", i), Priority: p, QueueID: &q.ID, AccountID: &acct.ID, AssigneeID: &agent.ID,
				Tags: []string{"printer"}, Channel: []string{"mail", "phone", "web"}[i]}
			if err := store.Create(ctx, s, r); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.ID)
		}
		if _, err := s.AddRequestEvent(ctx, ids[0], store.RequestEvent{Type: "reply", Body: "on it", Status: model.RequestResolved}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddRequestEvent(ctx, ids[1], store.RequestEvent{Type: "call", DurationSeconds: 600}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RequestFeedback(ctx, ids[0], 4, "ok"); err != nil {
			t.Fatal(err)
		}
		if err := store.Create(ctx, s, &model.TimeEntry{RequestID: ids[0], Minutes: 45, Billable: true}); err != nil {
			t.Fatal(err)
		}
		year := "from=" + time.Now().AddDate(0, 0, -1).Format(model.DateLayout) + "&to=" + time.Now().AddDate(0, 0, 2).Format(model.DateLayout)
		vol := runReport(t, s, ctx, "request_volume", year+"&group=channel")
		if cell(t, vol, "phone", "requests") != int64(1) {
			t.Errorf("volume %v", vol.Rows)
		}
		if v := runReport(t, s, ctx, "request_volume", year+"&tz=Asia/Tokyo"); len(v.Rows) == 0 {
			t.Errorf("volume by day %v", v.Rows)
		}
		bl := runReport(t, s, ctx, "request_backlog", "")
		if cell(t, bl, model.RequestOpen, "d1") != int64(1) || cell(t, bl, model.RequestNew, "total") != int64(1) {
			t.Errorf("backlog %v", bl.Rows)
		}
		rt := runReport(t, s, ctx, "response_times", year)
		if cell(t, rt, "urgent", "requests") != int64(2) || money(cell(t, rt, "urgent", "first_response_met")) != "100.00" {
			t.Errorf("response times %v", rt.Rows)
		}
		if tc := runReport(t, s, ctx, "top_categories", year); cell(t, tc, "printer", "requests") != int64(3) || cell(t, tc, "printer", "this_week") != int64(3) {
			t.Errorf("categories %v", tc.Rows)
		}
		if sat := runReport(t, s, ctx, "satisfaction", year); money(cell(t, sat, agent.ID, "average")) != "4.00" {
			t.Errorf("satisfaction %v", sat.Rows)
		}
		if tp := runReport(t, s, ctx, "time_per_agent", year); cell(t, tp, agent.ID, "billable") != int64(45) {
			t.Errorf("time %v", tp.Rows)
		}
		if cr := runReport(t, s, ctx, "customers_by_requests", year); cell(t, cr, acct.ID, "requests") != int64(3) || cell(t, cr, acct.ID, "open") != int64(2) {
			t.Errorf("customers %v", cr.Rows)
		}
		if ct := runReport(t, s, ctx, "support_call_time", year); money(cell(t, ct, agent.ID, "minutes")) != "10.00" {
			t.Errorf("calls %v", ct.Rows)
		}
		for _, name := range []string{"sla_breaches", "time_by_product", "reopen_rate", "agent_workload"} {
			runReport(t, s, ctx, name, year)
		}
	})
}

func TestMarkSLABreaches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		if err := store.Create(salesAdmin, s, &model.SLATarget{Priority: "urgent", FirstResponseMinutes: 1, ResolutionMinutes: 1}); err != nil {
			t.Fatal(err)
		}
		r := &model.Request{Subject: "Down", Priority: "urgent"}
		if err := store.Create(salesAdmin, s, r); err != nil {
			t.Fatal(err)
		}
		if n, err := s.MarkSLABreaches(salesAdmin, 10); err != nil || n != 0 {
			t.Fatalf("before the target: %d %v", n, err)
		}
		// Move the clock back instead of waiting a minute.
		if _, err := s.DB().Exec("UPDATE requests SET first_response_due = created_at, resolution_due = created_at"); err != nil {
			t.Fatal(err)
		}
		if n, err := s.MarkSLABreaches(salesAdmin, 10); err != nil || n != 1 {
			t.Fatalf("after: %d %v", n, err)
		}
		if n, _ := s.MarkSLABreaches(salesAdmin, 10); n != 0 {
			t.Errorf("flagged twice")
		}
		hist, _ := s.History(salesAdmin, "request", r.ID)
		if hist[len(hist)-1].Event != model.EventRequestSLABreached {
			t.Errorf("%+v", hist[len(hist)-1])
		}
	})
}

func TestRequestReportDefinition(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		q := &model.Queue{Name: "L2", Active: true}
		if err := store.Create(salesAdmin, s, q); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if err := store.Create(salesAdmin, s, &model.Request{Subject: "x", QueueID: &q.ID}); err != nil {
				t.Fatal(err)
			}
		}
		def := &model.ReportDefinition{Name: "By queue", Of: "request", GroupBy: []string{"queue_id", "created_at:week"}}
		params, _ := model.ParseReportParams(model.ReportInfo{Name: "custom"}, nil, time.Now())
		res, err := s.RunReportDefinition(salesAdmin, def, params)
		if err != nil || len(res.Rows) != 1 || res.Rows[0][1] != "L2" || res.Rows[0][3] != int64(3) {
			t.Fatalf("%v %v", res, err)
		}
	})
}

// TestRequestVolumeBuckets: hourly sums fold into the zone's days.
func TestRequestVolumeBuckets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		for range 3 {
			if err := store.Create(salesAdmin, s, &model.Request{Subject: "x"}); err != nil {
				t.Fatal(err)
			}
		}
		// Two of them at 23:30 UTC on 10 January: the 11th in Tokyo and in
		// Kolkata (half an hour off: the zone-aware path), the 10th in New York.
		y := time.Date(2026, 1, 10, 23, 30, 0, 0, time.UTC)
		if _, err := s.DB().Exec(rebind(s, "UPDATE requests SET created_at = ? WHERE id IN (SELECT id FROM requests ORDER BY id LIMIT 2)"), y); err != nil {
			t.Fatal(err)
		}
		for tz, day := range map[string]string{"Asia/Tokyo": "2026-01-11", "America/New_York": "2026-01-10", "Asia/Kolkata": "2026-01-11"} {
			res := runReport(t, s, salesAdmin, "request_volume", "from=2026-01-01&to=2026-02-01&tz="+tz)
			if len(res.Rows) != 1 || cell(t, res, day, "requests") != int64(2) {
				t.Errorf("%s: %v", tz, res.Rows)
			}
		}
	})
}

// rebind turns ? placeholders into PostgreSQL's $n.
func rebind(s *store.Store, q string) string {
	if s.Engine() != "postgres" {
		return q
	}
	for i := 1; strings.Contains(q, "?"); i++ {
		q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
	}
	return q
}
