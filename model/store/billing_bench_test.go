package store_test

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
)

// The billing target names a run over 10,000 contracts and 200,000 time
// entries in under 30 s, with memory bounded.
const (
	benchContracts   = 10_000
	benchTimeEntries = 200_000
)

var billingSeeded sync.Map // engine → true

// benchPeriod is the month the bench data bills.
var benchPeriod = [2]string{"2026-03-01", "2026-03-31"}

// seededBilling bulk-loads, with INSERT … SELECT, 10,000 accounts each
// with one service contract (a quarter each fixed fee, hourly, per request
// and purchase amount; one in eight hourly or per-request ones with
// prepaid units; one in ten in USD), 10,000 requests under the hourly
// contracts, 7,500 made in the month under the per-request ones, 10,000
// without a contract, 160,000 time entries on the hourly contracts' (a
// tenth in the month before, a tenth not billable), 40,000 on the others,
// and 2,000 fulfilled billable orders of two lines.
func seededBilling(b *testing.B, engine string) *store.Store {
	s := seededStore(b, engine)
	if _, ok := billingSeeded.Load(engine); ok {
		return s
	}
	start := time.Now()
	product := &model.Product{SKU: "BENCH-SRV", Name: "Bench server", Active: true}
	if err := store.Create(salesAdmin, s, product); err != nil {
		b.Fatal(err)
	}
	var users []string
	var specialist string
	for i := range 20 {
		u := &model.User{Email: fmt.Sprintf("bench-billing-%d@example.com", i), Name: fmt.Sprint("Specialist ", i), Role: model.RoleAgent}
		if err := s.CreateUser(salesAdmin, u, ""); err != nil {
			b.Fatal(err)
		}
		users = append(users, fmt.Sprintf("(%d, '%s')", i, u.ID))
		specialist = u.ID
	}
	ts := func(expr string) string { // a timestamp from text
		if engine == "postgres" {
			return "(" + expr + ")::timestamptz"
		}
		return expr
	}
	id, pad := func(kind int, expr string) string { return uuidSQL(engine, kind, expr) }, func(expr string) string { return padSQL(engine, expr, 2) }
	day := func(month, expr string) string { return "'2026-" + month + "-' || " + pad("1 + ("+expr+") % 28") }
	for _, q := range []string{
		`INSERT INTO accounts (id, version, created_at, updated_at, name, phones, addresses, custom_fields, sort_name)
SELECT ` + id(1, "n") + `, 1, ` + nowSQL(engine) + `, ` + nowSQL(engine) + `, 'Billed ' || n, '[]', '[]', '{}', 'billed ' || n FROM seq`,
		`INSERT INTO contracts (id, version, created_at, updated_at, number, name, kind, status, account_id, start_date, product_ids, registration_ids,
	billing_method, billing_period, currency, tax_rate, request_price, purchase_amount, purchase_percent, hourly_rate, specialist_rates, fixed_fee,
	prepaid_unit, prepaid_units, custom_fields)
SELECT ` + id(2, "n") + `, 1, ` + nowSQL(engine) + `, ` + nowSQL(engine) + `, 'SC-B-' || n, 'Care ' || n, 'service', 'active', ` + id(1, "n") + `,
	'2025-03-01', '["` + product.ID + `"]', '[]',
	CASE n % 4 WHEN 0 THEN 'fixed_fee' WHEN 1 THEN 'hourly' WHEN 2 THEN 'per_request' ELSE 'purchase_amount' END,
	CASE n % 4 WHEN 3 THEN 'quarterly' ELSE 'monthly' END, CASE n % 10 WHEN 9 THEN 'USD' ELSE 'EUR' END,
	190000, 250000, 120000000, 100000, 1000000, '{"` + specialist + `": "120"}', 5000000,
	CASE n % 8 WHEN 1 THEN 'hours' WHEN 2 THEN 'requests' ELSE '' END, CASE n % 8 WHEN 1 THEN 100000 WHEN 2 THEN 20000 ELSE 0 END, '{}'
FROM seq`,
	} {
		mustExec(b, s, `WITH RECURSIVE `+seqSQL(engine, benchContracts)+" "+q)
	}
	request := func(kind, n int, account, contract, created string) string {
		return `WITH RECURSIVE ` + seqSQL(engine, n) + `
INSERT INTO requests (id, version, created_at, updated_at, number, subject, account_id, product_id, channel, status, priority, tags, custom_fields,
	last_activity_at, type, contract_id, entitlement)
SELECT ` + id(kind, "n") + `, 1, ` + ts(created) + `, ` + ts(created) + `, 'RB-` + fmt.Sprint(kind) + `-' || n, 'Bench request ' || n,
	` + id(1, account) + `, '` + product.ID + `', 'mail', 'open', 'normal', '[]', '{}', ` + ts(created) + `, 'incident', ` + contract + `, '' FROM seq`
	}
	withoutIndexes(b, s, "requests", func() {
		hourly, perRequest := "4 * ((n - 1) % 2500) + 1", "4 * ((n - 1) % 2500) + 2"
		mustExec(b, s, request(3, 10_000, hourly, id(2, hourly), "'2026-02-15 10:00:00+00:00'"))
		mustExec(b, s, request(4, 7_500, perRequest, id(2, perRequest), day("03", "n")+" || ' 10:00:00+00:00'"))
		mustExec(b, s, request(5, 10_000, "n", "NULL", "'2026-02-15 10:00:00+00:00'"))
	})
	entries := func(kind, n, requestKind int, month, currency string) string {
		return `WITH RECURSIVE users(k, id) AS (VALUES ` + joinRows(users) + `), ` + seqSQL(engine, n) + `
INSERT INTO time_entries (id, version, created_at, updated_at, request_id, owner_id, minutes, billable, rate, currency, day, note)
SELECT ` + id(kind, "n") + `, 1, ` + nowSQL(engine) + `, ` + nowSQL(engine) + `, ` + id(requestKind, "(n - 1) % 10000 + 1") + `, users.id,
	15 + (n % 8) * 15, CASE WHEN n % 10 = 0 THEN FALSE ELSE TRUE END, CASE WHEN n % 5 = 0 THEN 900000 ELSE 0 END, ` + currency + `,
	CASE WHEN n % 10 = 3 THEN ` + day("02", "n") + ` ELSE ` + day(month, "n") + ` END, ''
FROM seq JOIN users ON users.k = n % 20`
	}
	withoutIndexes(b, s, "time_entries", func() {
		mustExec(b, s, entries(6, benchTimeEntries*4/5, 3, "03", "'EUR'"))
		mustExec(b, s, entries(7, benchTimeEntries/5, 5, "03", "CASE WHEN n % 7 = 0 THEN 'USD' ELSE 'EUR' END"))
	})
	mustExec(b, s, `WITH RECURSIVE `+seqSQL(engine, 2000)+`
INSERT INTO orders (id, version, created_at, updated_at, number, kind, status, account_id, order_date, billable, currency, rounding,
	subtotal, net_total, tax_total, total, line_count, custom_fields, confirmed_at, fulfilled_at)
SELECT `+id(8, "n")+`, 1, `+nowSQL(engine)+`, `+nowSQL(engine)+`, 'OB-' || n, 'sales', 'fulfilled', `+id(1, "n * 5")+`, '2026-03-02', TRUE, 'EUR', 'line',
	2000000, 2000000, 380000, 2380000, 2, '{}', `+ts("'2026-03-03 10:00:00+00:00'")+`, `+ts("'2026-03-10 10:00:00+00:00'")+` FROM seq`)
	mustExec(b, s, `WITH RECURSIVE `+seqSQL(engine, 4000)+`
INSERT INTO order_lines (id, doc_id, position, description, unit, quantity, unit_price, discount_pct, tax_rate,
	list_amount, discount_amount, net_amount, tax_amount, gross_amount)
SELECT `+id(9, "n")+`, `+id(8, "(n + 1) / 2")+`, 2 - n % 2, 'Part ' || n, 'pc', 10000, 1000000, 0, 190000, 1000000, 0, 1000000, 190000, 1190000 FROM seq`)
	analyze(b, s, engine, "accounts", "contracts", "requests", "time_entries", "orders", "order_lines")
	b.Logf("%s: seeded %d contracts, %d time entries in %s", engine, benchContracts, benchTimeEntries, time.Since(start).Round(time.Second))
	billingSeeded.Store(engine, true)
	return s
}

// uuidSQL is the SQL of a canonical UUID of kind (1–9) and number expr.
func uuidSQL(engine string, kind int, expr string) string {
	return fmt.Sprintf("'0000000%d-0000-7000-8000-' || %s", kind, padSQL(engine, expr, 12))
}

// padSQL is the SQL of the number expr with leading zeros to width.
func padSQL(engine, expr string, width int) string {
	if engine == "postgres" {
		return fmt.Sprintf("lpad((%s)::text, %d, '0')", expr, width)
	}
	return fmt.Sprintf("printf('%%0%dd', %s)", width, expr)
}

// BenchmarkBillingRun bills the seeded month (every run from scratch: the
// previous run and its invoices are removed untimed) and reports the
// invoices and lines made, the live heap before the run (after a GC) and
// its peak during the run, sampled every 20 ms.
func BenchmarkBillingRun(b *testing.B) {
	eachEngine(b, func(b *testing.B, engine string) {
		s := seededBilling(b, engine)
		start, _ := model.ParseDate(benchPeriod[0])
		end, _ := model.ParseDate(benchPeriod[1])
		var peak, base uint64
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			base = max(base, m.HeapAlloc)
			stop := sampleHeap(&peak)
			b.StartTimer()
			run, _, err := s.RunBilling(salesAdmin, start, end)
			b.StopTimer()
			stop()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(run.InvoiceCount), "invoices")
			b.ReportMetric(float64(run.LineCount), "lines")
			for _, q := range []string{"DELETE FROM invoice_lines WHERE doc_id IN (SELECT id FROM invoices WHERE billing_run_id = '" + run.ID + "')",
				"DELETE FROM invoices WHERE billing_run_id = '" + run.ID + "'", "DELETE FROM billing_runs WHERE id = '" + run.ID + "'"} {
				mustExec(b, s, q)
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(base)/(1<<20), "heap-before-MB")
	})
}

// sampleHeap records the largest live heap into peak until stop is called.
func sampleHeap(peak *uint64) (stop func()) {
	var done atomic.Bool
	var wg sync.WaitGroup
	wg.Go(func() {
		var m runtime.MemStats
		for !done.Load() {
			runtime.ReadMemStats(&m)
			*peak = max(*peak, m.HeapAlloc)
			time.Sleep(20 * time.Millisecond)
		}
	})
	return func() { done.Store(true); wg.Wait() }
}
