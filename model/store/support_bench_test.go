package store_test

import (
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// The support desk's performance targets name 500,000 requests with
// 2,000,000 events (activities linked to them).
const (
	benchRequests = 500_000
	benchEvents   = 2_000_000
)

var desksSeeded sync.Map // engine → *deskFixture

type deskFixture struct {
	queue   *model.Queue
	busy    string // a request with 500 events
	agentID string
}

// seededDesk bulk-loads the requests (20 queues, 50 accounts, 10 agents, a
// fifth still open; the rest answered, resolved, most rated, some breached
// or reopened, each with a time entry) and their events (four per request,
// one in ten a call) with INSERT … SELECT, then a request with 500 events
// through the store.
func seededDesk(b *testing.B, engine string) (*store.Store, *deskFixture) {
	s := seededStore(b, engine)
	if f, ok := desksSeeded.Load(engine); ok {
		return s, f.(*deskFixture)
	}
	f := &deskFixture{}
	queues := deskQueues(b, s, f)
	accounts := deskAccounts(b, s)
	agents := deskAgents(b, s, f)
	start := time.Now()
	seq, id, ts := seqSQL(engine, benchRequests), idSQL(engine, "r"), nowSQL(engine)
	withoutIndexes(b, s, "requests", func() {
		mustExec(b, s, `WITH RECURSIVE queues(k, id) AS (VALUES `+joinRows(queues)+`),
	accounts(k, id) AS (VALUES `+joinRows(accounts)+`), agents(k, id) AS (VALUES `+joinRows(agents)+`), `+seq+`
INSERT INTO requests (id, version, created_at, updated_at, number, subject, channel, status, priority, queue_id, account_id, assignee_id,
	tags, custom_fields, first_response_due, resolution_due, first_response_at, resolved_at, closed_at, last_activity_at,
	sla_breached, reopen_count, rating, feedback_at)
SELECT `+id+`, 1, `+ts+`, `+ts+`, 'B-' || n, 'Request ' || n, 'mail',
	CASE WHEN n % 5 = 0 THEN 'open' ELSE 'closed' END,
	CASE n % 4 WHEN 0 THEN 'low' WHEN 1 THEN 'normal' WHEN 2 THEN 'high' ELSE 'urgent' END,
	queues.id, accounts.id, agents.id,
	CASE n % 3 WHEN 0 THEN '["bench","printer"]' WHEN 1 THEN '["bench"]' ELSE '["network"]' END, '{}',
	`+ts+`, `+ts+`, CASE WHEN n % 5 = 0 THEN NULL ELSE `+ts+` END, CASE WHEN n % 5 = 0 THEN NULL ELSE `+ts+` END,
	CASE WHEN n % 5 = 0 THEN NULL ELSE `+ts+` END, `+ts+`,
	n % 5 <> 0 AND n % 7 = 0, CASE WHEN n % 5 <> 0 AND n % 13 = 0 THEN 1 ELSE 0 END,
	CASE WHEN n % 5 = 0 THEN 0 ELSE n % 6 END, CASE WHEN n % 5 = 0 OR n % 6 = 0 THEN NULL ELSE `+ts+` END
FROM seq JOIN queues ON queues.k = n % 20 JOIN accounts ON accounts.k = n % 50 JOIN agents ON agents.k = n % 10`)
	})
	aid := idSQL(engine, "a")
	withoutIndexes(b, s, "activities", func() {
		mustExec(b, s, `WITH RECURSIVE `+seqSQL(engine, benchEvents)+`
INSERT INTO activities (id, version, created_at, updated_at, kind, subject, status, priority, class, sort_at, duration_seconds)
SELECT `+aid+`, 1, `+ts+`, `+ts+`, CASE WHEN n % 10 = 0 THEN 'call' ELSE 'note' END, 'Event ' || n, 'done', 'normal', 'private', `+ts+`,
	CASE WHEN n % 10 = 0 THEN 300 ELSE 0 END FROM seq`)
	})
	withoutIndexes(b, s, "activity_links", func() {
		mustExec(b, s, `WITH RECURSIVE `+seqSQL(engine, benchEvents)+`
INSERT INTO activity_links (activity_id, entity, record_id) SELECT `+aid+`, 'request', `+idSQLOf(engine, "r", "(n % "+fmt.Sprint(benchRequests)+") + 1")+` FROM seq`)
	})
	withoutIndexes(b, s, "time_entries", func() {
		mustExec(b, s, `WITH RECURSIVE agents(k, id) AS (VALUES `+joinRows(agents)+`), `+seq+`
INSERT INTO time_entries (id, version, created_at, updated_at, request_id, owner_id, minutes, billable, rate, currency, day)
SELECT `+idSQL(engine, "t")+`, 1, `+ts+`, `+ts+`, `+id+`, agents.id, 15 + n % 60, n % 2 = 0, 0, 'EUR', '`+time.Now().UTC().Format(model.DateLayout)+`'
FROM seq JOIN agents ON agents.k = n % 10 WHERE n % 5 <> 0`)
	})
	analyze(b, s, engine, "requests", "activities", "activity_links", "time_entries")
	b.Logf("%s: seeded %d requests, %d events in %s", engine, benchRequests, benchEvents, time.Since(start).Round(time.Second))
	f.busy = busyRequest(b, s)
	desksSeeded.Store(engine, f)
	return s, f
}

// deskQueues makes the desk's 20 queues; it returns (k, id) rows for the
// seeding statement.
func deskQueues(b *testing.B, s *store.Store, f *deskFixture) []string {
	var rows []string
	for i := range 20 {
		q := &model.Queue{Name: fmt.Sprint("Queue ", i), OrderBy: []string{"priority", "due"}, Active: true}
		if err := store.Create(salesAdmin, s, q); err != nil {
			b.Fatal(err)
		}
		rows = append(rows, fmt.Sprintf("(%d, '%s')", i, q.ID))
		if i == 0 {
			f.queue = q
		}
	}
	return rows
}

// deskAccounts makes 50 customer accounts; it returns (k, id) rows.
func deskAccounts(b *testing.B, s *store.Store) []string {
	var rows []string
	for i := range 50 {
		a := &model.Account{Name: fmt.Sprint("Customer ", i)}
		if err := store.Create(salesAdmin, s, a); err != nil {
			b.Fatal(err)
		}
		rows = append(rows, fmt.Sprintf("(%d, '%s')", i, a.ID))
	}
	return rows
}

// deskAgents makes 10 agents; it returns (k, id) rows.
func deskAgents(b *testing.B, s *store.Store, f *deskFixture) []string {
	var rows []string
	for i := range 10 {
		u := &model.User{Email: fmt.Sprintf("agent%d@desk.example", i), Name: fmt.Sprint("Agent ", i), Role: model.RoleAgent}
		if err := s.CreateUser(salesAdmin, u, ""); err != nil {
			b.Fatal(err)
		}
		rows = append(rows, fmt.Sprintf("(%d, '%s')", i, u.ID))
		f.agentID = u.ID
	}
	return rows
}

// busyRequest makes a request with 500 events through the store.
func busyRequest(b *testing.B, s *store.Store) string {
	r := &model.Request{Subject: "Busy"}
	if err := store.Create(salesAdmin, s, r); err != nil {
		b.Fatal(err)
	}
	acts := make([]*model.Activity, 500)
	for i := range acts {
		acts[i] = &model.Activity{Kind: model.KindNote, Subject: fmt.Sprint("Note ", i), Class: "private",
			Links: []model.Link{{Entity: "request", ID: r.ID}}}
	}
	if err := store.CreateMany(salesAdmin, s, acts); err != nil {
		b.Fatal(err)
	}
	return r.ID
}

func seqSQL(engine string, n int) string {
	if engine == "postgres" {
		return fmt.Sprintf("seq(n) AS (SELECT generate_series(1, %d))", n)
	}
	return fmt.Sprintf("seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < %d)", n)
}

func idSQL(engine, prefix string) string { return idSQLOf(engine, prefix, "n") }

func idSQLOf(engine, prefix, expr string) string {
	if engine == "postgres" {
		return "'" + prefix + "' || lpad((" + expr + ")::text, 35, '0')"
	}
	return "'" + prefix + "' || printf('%035d', " + expr + ")"
}

func nowSQL(engine string) string {
	if engine == "postgres" {
		return "now()"
	}
	return "datetime('now')"
}

func joinRows(rows []string) string {
	out := ""
	for i, r := range rows {
		if i > 0 {
			out += ", "
		}
		out += r
	}
	return out
}

func mustExec(b *testing.B, s *store.Store, q string) {
	if _, err := s.DB().Exec(q); err != nil {
		b.Fatal(err)
	}
}

// analyze refreshes the planner's statistics (and, on PostgreSQL, the
// visibility map index-only scans need), as autovacuum would.
func analyze(b *testing.B, s *store.Store, engine string, tables ...string) {
	for _, t := range tables {
		if engine == "postgres" {
			mustExec(b, s, "VACUUM ANALYZE "+t)
		}
	}
	if engine != "postgres" {
		mustExec(b, s, "ANALYZE")
	}
}

// timed runs fn b.N times and reports percentiles.
func timed(b *testing.B, fn func() error) {
	var d []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := time.Now()
		err := fn()
		d = append(d, time.Since(t))
		if err != nil {
			b.Fatal(err)
		}
	}
	storetest.ReportPercentiles(b, d)
}

// BenchmarkQueuePage: a queue page of 50 in the queue's order, target < 30 ms.
func BenchmarkQueuePage(b *testing.B) {
	eachEngine(b, func(b *testing.B, engine string) {
		s, f := seededDesk(b, engine)
		timed(b, func() error {
			page, err := s.QueueRequests(salesAdmin, f.queue.ID, false, 0, 50)
			if err == nil && len(page) != 50 {
				err = fmt.Errorf("%d requests", len(page))
			}
			return err
		})
	})
}

// BenchmarkRequestStory: a request with 500 events, its chronology, target
// < 20 ms.
func BenchmarkRequestStory(b *testing.B) {
	eachEngine(b, func(b *testing.B, engine string) {
		s, f := seededDesk(b, engine)
		timed(b, func() error {
			story, err := s.RequestChronology(salesAdmin, f.busy)
			if err == nil && len(story) < 500 {
				err = fmt.Errorf("%d entries", len(story))
			}
			return err
		})
	})
}

// BenchmarkSupportReports: each support report over the whole desk (every
// request, event and time entry in the period), target < 1 s.
func BenchmarkSupportReports(b *testing.B) {
	for _, name := range []string{"request_volume", "request_backlog", "response_times", "sla_breaches", "time_per_agent", "time_by_product",
		"top_categories", "reopen_rate", "satisfaction", "customers_by_requests", "agent_workload", "support_call_time"} {
		b.Run(name, func(b *testing.B) {
			eachEngine(b, func(b *testing.B, engine string) {
				s, _ := seededDesk(b, engine)
				info, _ := store.ReportInfo(name)
				p, err := model.ParseReportParams(info, url.Values{"from": {time.Now().AddDate(0, 0, -7).Format(model.DateLayout)}}, time.Now())
				if err != nil {
					b.Fatal(err)
				}
				timed(b, func() error { _, err := s.RunReport(salesAdmin, name, p); return err })
			})
		})
	}
}
