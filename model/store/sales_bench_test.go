package store_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// benchDeals is the data-set size the sales performance targets name.
const benchDeals = 1_000_000

var dealsSeeded sync.Map // engine → *salesFixture

// salesFixture is the seeded sales data of a shared store.
type salesFixture struct {
	pipeline *model.Pipeline
	reps     []model.Actor
}

// seededDeals returns the shared store with benchDeals opportunities over
// one pipeline, ten reps in three teams, four years of close dates, 80 %
// EUR and 20 % USD, 60 % open, 25 % won, 15 % lost; seeded once per process
// with one INSERT … SELECT (the write path is measured elsewhere).
func seededDeals(b *testing.B, engine string) (*store.Store, *salesFixture) {
	s := seededStore(b, engine)
	if f, ok := dealsSeeded.Load(engine); ok {
		return s, f.(*salesFixture)
	}
	f := &salesFixture{}
	f.pipeline = &model.Pipeline{Name: "Bench", Active: true, Stages: []model.Stage{{Name: "Lead", Probability: 10},
		{Name: "Qualify", Probability: 20}, {Name: "Propose", Probability: 50, ForecastCategory: model.ForecastBestCase},
		{Name: "Negotiate", Probability: 80, ForecastCategory: model.ForecastCommit}, {Name: "Sign", Probability: 90, ForecastCategory: model.ForecastCommit}}}
	if err := store.Create(salesAdmin, s, f.pipeline); err != nil {
		b.Fatal(err)
	}
	if err := store.Create(salesAdmin, s, &model.ExchangeRate{Currency: "USD", Rate: model.Dec("0.9"),
		ValidFrom: model.Date{Time: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}}); err != nil {
		b.Fatal(err)
	}
	var owners []string
	for i := range 10 {
		team := &model.Team{Name: fmt.Sprint("Team ", i%3)}
		if err := store.Create(salesAdmin, s, team); err != nil {
			b.Fatal(err)
		}
		u := &model.User{Email: fmt.Sprintf("rep%d@bench.example", i), Name: fmt.Sprint("Rep ", i), Role: model.RoleAgent, TeamID: &team.ID}
		if err := s.CreateUser(salesAdmin, u, ""); err != nil {
			b.Fatal(err)
		}
		a, err := s.ActorFor(salesAdmin, u, nil)
		if err != nil {
			b.Fatal(err)
		}
		f.reps = append(f.reps, a)
		owners = append(owners, fmt.Sprintf("(%d, '%s', '%s')", i, u.ID, team.ID))
	}
	start := time.Now()
	withoutIndexes(b, s, "opportunities", func() {
		if _, err := s.DB().Exec(dealsInsert(engine, f.pipeline, owners)); err != nil {
			b.Fatal(err)
		}
	})
	if engine == "postgres" {
		if _, err := s.DB().Exec("VACUUM ANALYZE opportunities"); err != nil { // as autovacuum would: index-only scans need the visibility map
			b.Fatal(err)
		}
	} else if _, err := s.DB().Exec("ANALYZE"); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: seeded %d deals in %s", engine, benchDeals, time.Since(start).Round(time.Second))
	dealsSeeded.Store(engine, f)
	return s, f
}

// withoutIndexes drops table's secondary indexes while fn bulk-loads it,
// then builds them again (far faster than maintaining them row by row).
func withoutIndexes(b *testing.B, s *store.Store, table string, fn func()) {
	q := "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL"
	if s.Engine() == "postgres" {
		q = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = $1 AND schemaname = current_schema() AND indexname NOT LIKE '%pkey'"
	}
	rows, err := s.DB().Query(q, table)
	if err != nil {
		b.Fatal(err)
	}
	var defs [][2]string
	for rows.Next() {
		var d [2]string
		if err := rows.Scan(&d[0], &d[1]); err != nil {
			b.Fatal(err)
		}
		defs = append(defs, d)
	}
	rows.Close()
	for _, d := range defs {
		if _, err := s.DB().Exec("DROP INDEX " + d[0]); err != nil {
			b.Fatal(err)
		}
	}
	fn()
	for _, d := range defs {
		if _, err := s.DB().Exec(d[1]); err != nil {
			b.Fatal(err)
		}
	}
}

// dealsInsert is the seeding statement; amounts are stored units
// (1/10,000).
func dealsInsert(engine string, p *model.Pipeline, owners []string) string {
	seq := fmt.Sprintf("seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < %d)", benchDeals)
	id, closeDate, now := "'d' || printf('%035d', n)", "date('2024-01-01', '+' || (n % 1461) || ' days')", "datetime('now')"
	if engine == "postgres" {
		seq = fmt.Sprintf("seq(n) AS (SELECT generate_series(1, %d))", benchDeals)
		id, closeDate, now = "'d' || lpad(n::text, 35, '0')", "to_char(date '2024-01-01' + (n % 1461), 'YYYY-MM-DD')", "now()"
	}
	stages := make([]string, len(p.Stages))
	for i, st := range p.Stages {
		stages[i] = fmt.Sprintf("WHEN %d THEN '%s'", i, st.Key)
	}
	return `WITH RECURSIVE owners(k, id, team) AS (VALUES ` + strings.Join(owners, ", ") + `), ` + seq + `
INSERT INTO opportunities (id, version, created_at, updated_at, name, pipeline_id, stage, amount, currency, close_date,
	probability, forecast_category, outcome, outcome_reason, competitor_ids, closed_at, stage_changed_at, owner_id, team_id,
	tags, custom_fields, weighted_amount)
SELECT ` + id + `, 1, ` + now + `, ` + now + `, 'Deal ' || n, '` + p.ID + `',
	CASE n % 5 ` + strings.Join(stages, " ") + ` END,
	CAST(n % 1000 + 1 AS BIGINT) * 1000000, CASE WHEN n % 5 = 0 THEN 'USD' ELSE 'EUR' END, ` + closeDate + `,
	CASE WHEN n % 20 < 12 THEN (n % 5 + 1) * 10 WHEN n % 20 < 17 THEN 100 ELSE 0 END,
	CASE WHEN n % 20 < 12 THEN 'pipeline' WHEN n % 20 < 17 THEN 'closed' ELSE 'omitted' END,
	CASE WHEN n % 20 < 12 THEN 'open' WHEN n % 20 < 17 THEN 'won' ELSE 'lost' END,
	CASE WHEN n % 20 < 17 THEN '' ELSE 'price' END, '[]',
	CASE WHEN n % 20 < 12 THEN NULL ELSE ` + now + ` END, ` + now + `, owners.id, owners.team, '[]', '{}',
	CAST(n % 1000 + 1 AS BIGINT) * 1000000 * (CASE WHEN n % 20 < 12 THEN (n % 5 + 1) * 10 WHEN n % 20 < 17 THEN 100 ELSE 0 END) / 100
FROM seq JOIN owners ON owners.k = n % 10`
}

// benchReport measures one report run, as an admin (every deal) and as a
// rep (the visibility filter applied).
func benchReport(b *testing.B, name, query string) {
	eachEngine(b, func(b *testing.B, engine string) {
		s, f := seededDeals(b, engine)
		info, _ := store.ReportInfo(name)
		q, _ := url.ParseQuery(query)
		p, err := model.ParseReportParams(info, q, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		for _, who := range []struct {
			name string
			ctx  context.Context
		}{{"admin", salesAdmin}, {"rep", model.WithActor(context.Background(), f.reps[3])}} {
			b.Run(who.name, func(b *testing.B) {
				var d []time.Duration
				for i := 0; i < b.N; i++ {
					t := time.Now()
					res, err := s.RunReport(who.ctx, name, p)
					d = append(d, time.Since(t))
					if err != nil || len(res.Rows) == 0 {
						b.Fatalf("%v %v", err, res)
					}
				}
				storetest.ReportPercentiles(b, d)
			})
		}
	})
}

// BenchmarkReportPipelineByStage: target < 300 ms over 1,000,000 deals.
func BenchmarkReportPipelineByStage(b *testing.B) { benchReport(b, "pipeline_by_stage", "") }

// BenchmarkReportForecast: target < 300 ms over 1,000,000 deals, by month
// and by rep, over one year of close dates (a quarter of the deals).
func BenchmarkReportForecast(b *testing.B) {
	b.Run("month", func(b *testing.B) { benchReport(b, "forecast", "from=2026-01-01&to=2027-01-01&tz=Europe/Berlin") })
	b.Run("owner", func(b *testing.B) { benchReport(b, "forecast", "from=2026-01-01&to=2027-01-01&group=owner") })
}

// BenchmarkConvertLead: target < 20 ms for a lead becoming an account, a
// contact and an opportunity in one transaction.
func BenchmarkConvertLead(b *testing.B) {
	eachEngine(b, func(b *testing.B, engine string) {
		s, _ := seededDeals(b, engine)
		leads := make([]*model.Lead, b.N)
		for i := range leads {
			leads[i] = &model.Lead{FirstName: "Lead", LastName: fmt.Sprint(i), Company: fmt.Sprintf("Bench Co %d %d", i, time.Now().UnixNano()),
				Emails: []model.Labeled{{Value: fmt.Sprintf("lead%d.%d@bench.example", i, time.Now().UnixNano())}}}
			if err := store.Create(salesAdmin, s, leads[i]); err != nil {
				b.Fatal(err)
			}
		}
		var d []time.Duration
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t := time.Now()
			_, err := s.ConvertLead(salesAdmin, leads[i].ID, store.LeadConversion{
				Opportunity: &model.Opportunity{Amount: model.Dec("1000"), Currency: "EUR"}})
			d = append(d, time.Since(t))
			if err != nil {
				b.Fatal(err)
			}
		}
		storetest.ReportPercentiles(b, d)
	})
}
