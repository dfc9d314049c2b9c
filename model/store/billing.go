package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"rapport/model"
	"rapport/model/migrate"
)

// A billing run turns one period's billable work into draft invoices:
//
//   - per service contract in force in the period, in its currency and at
//     its tax rate: fixed fees and purchase-amount fees for each billing
//     period that starts in the run's period, billable time on its requests
//     (hourly) and its requests (per request), prepaid units used first;
//   - per account, currency and tax convention, everything else billable:
//     time on requests without a contract, and fulfilled billable orders
//     not invoiced yet.
//
// It works through contracts, then accounts, in pages of billingPage, one
// transaction per page with bulk inserts, so memory stays bounded and a
// failure keeps the pages before it. An item on an invoice line is never
// billed again (the unique index on the line's source is the last guard),
// so running a failed period again resumes it.

// billingPage is how many contracts, or accounts, one page of a run reads
// and writes in one transaction.
var billingPage = 500

// billingStale is how long a running run may go without progress before
// asking for its period again takes it over (its process died).
const billingStale = 10 * time.Minute

// billingLockID is the PostgreSQL advisory lock that serialises starting
// runs, so two overlapping periods cannot both start.
const billingLockID = 0x42494c4c // "BILL"

// RunBilling runs the billing run of the period from start to end
// (inclusive days in the installation's zone) and returns it, and whether
// this call created it. A period some run already has returns that run:
// finished or still running, untouched; failed (or abandoned), resumed.
// A period overlapping another run's is a conflict. Admins only. The run
// commits page by page, so it must not be called inside a transaction.
func (s *Store) RunBilling(ctx context.Context, start, end model.Date) (*model.BillingRun, bool, error) {
	if s.inTx(ctx) != nil {
		return nil, false, fmt.Errorf("store: a billing run commits page by page; start it outside a transaction")
	}
	run, created, work, err := s.openBillingRun(ctx, start, end)
	if err != nil || !work {
		return run, created, err
	}
	run, err = s.workBillingRun(ctx, run)
	return run, created, err
}

// ResumeBilling runs a finished or failed billing run again: it bills
// what its period holds that no invoice bills yet (the work of draft
// invoices deleted since, time booked late). Admins only; not inside a
// transaction.
func (s *Store) ResumeBilling(ctx context.Context, id string) (*model.BillingRun, error) {
	if s.inTx(ctx) != nil {
		return nil, fmt.Errorf("store: a billing run commits page by page; resume it outside a transaction")
	}
	var run *model.BillingRun
	err := s.WithTx(ctx, func(ctx context.Context) error {
		cur, err := lockForWrite[model.BillingRun](ctx, s, id, 0)
		if err != nil {
			return err
		}
		if busy(cur) {
			return model.Errorf(model.ECONFLICT, "the billing run is running (last progress %s)", cur.UpdatedAt.Format(time.RFC3339))
		}
		run, err = s.restartBillingRun(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.workBillingRun(ctx, run)
}

// busy reports whether a run is running and was heard of recently.
func busy(run *model.BillingRun) bool {
	return run.Status == model.BillingRunning && now().Sub(run.UpdatedAt) < billingStale
}

// restartBillingRun marks a run running again, from now.
func (s *Store) restartBillingRun(ctx context.Context, id string) (*model.BillingRun, error) {
	return Update(serverWrite(ctx), s, id, 0, func(r *model.BillingRun) error {
		t := now()
		r.Status, r.Error, r.StartedAt, r.FinishedAt = model.BillingRunning, "", &t, nil
		return nil
	})
}

// workBillingRun bills the run's period and records how it went.
func (s *Store) workBillingRun(ctx context.Context, run *model.BillingRun) (*model.BillingRun, error) {
	runErr := (&biller{s: s, run: run, loc: s.today().Location()}).bill(ctx)
	run, err := s.closeBillingRun(context.WithoutCancel(ctx), run.ID, runErr)
	if runErr != nil {
		return run, runErr
	}
	return run, err
}

// openBillingRun finds or creates the run of the period and says whether
// this call must work it.
func (s *Store) openBillingRun(ctx context.Context, start, end model.Date) (run *model.BillingRun, created, work bool, err error) {
	err = s.WithTx(ctx, func(ctx context.Context) error {
		probe := &model.BillingRun{PeriodStart: start, PeriodEnd: end, Status: model.BillingRunning}
		probe.Normalize()
		if err := probe.Validate(); err != nil {
			return err
		}
		if err := authorizeWrite(model.ActorFrom(ctx), probe); err != nil {
			return err
		}
		if s.engine == migrate.Postgres {
			if err := s.conn(ctx).Exec("SELECT pg_advisory_xact_lock(?)", billingLockID).Error; err != nil {
				return dbErr(err)
			}
		}
		var runs []*model.BillingRun
		err := s.conn(ctx).Where("deleted_at IS NULL AND period_start <= ? AND period_end >= ?", end, start).
			Order("period_start").Find(&runs).Error
		if err != nil {
			return dbErr(err)
		}
		for _, r := range runs {
			if r.PeriodStart.String() != start.String() || r.PeriodEnd.String() != end.String() {
				return model.Errorf(model.ECONFLICT, "the period overlaps billing run %s – %s; a day is billed by one run only", r.PeriodStart, r.PeriodEnd)
			}
		}
		if len(runs) == 0 {
			t := now()
			probe.StartedAt = &t
			run, created, work = probe, true, true
			return Create(ctx, s, probe)
		}
		run = runs[0]
		if run.Status == model.BillingDone || busy(run) {
			return nil
		}
		work = true
		run, err = s.restartBillingRun(ctx, run.ID)
		return err
	})
	return run, created, work, err
}

// closeBillingRun records the run's outcome: done, or failed with the
// client-safe message of runErr. Its counts and totals are recounted from
// its live invoices: those of earlier attempts count, deleted drafts not.
func (s *Store) closeBillingRun(ctx context.Context, id string, runErr error) (*model.BillingRun, error) {
	var run *model.BillingRun
	err := s.WithTx(ctx, func(ctx context.Context) error {
		var sums []struct {
			Currency  string
			Invoices  int
			LineCount int
			Total     model.Decimal
		}
		err := s.conn(ctx).Model(&model.Invoice{}).Select("currency, COUNT(*) AS invoices, SUM(line_count) AS line_count, SUM(total) AS total").
			Where("billing_run_id = ? AND deleted_at IS NULL", id).Group("currency").Find(&sums).Error
		if err != nil {
			return dbErr(err)
		}
		run, err = Update(serverWrite(ctx), s, id, 0, func(r *model.BillingRun) error {
			r.InvoiceCount, r.LineCount, r.Totals = 0, 0, map[string]model.Decimal{}
			for _, sum := range sums {
				r.InvoiceCount += sum.Invoices
				r.LineCount += sum.LineCount
				r.Totals[sum.Currency] = sum.Total
			}
			t := now()
			r.Status, r.Error, r.FinishedAt = model.BillingDone, "", &t
			if runErr != nil {
				r.Status, r.Error = model.BillingFailed, model.ErrorMessage(runErr)
			}
			return nil
		})
		return err
	})
	return run, err
}

// addProgress counts a page's invoices into the run's counts and totals.
func addProgress(r *model.BillingRun, invs []*model.Invoice) {
	for _, inv := range invs {
		r.InvoiceCount++
		r.LineCount += inv.LineCount
		r.Totals[inv.Currency] = model.Decimal{Decimal: r.Totals[inv.Currency].Add(inv.Total.Decimal)}
	}
}

// biller works one run.
type biller struct {
	s   *Store
	run *model.BillingRun
	loc *time.Location // the installation's zone, in which the period's days are
	// lines written by this run, and how many there were when it last
	// refreshed the planner's statistics (see analyze).
	written, analyzed int
}

// draft is an invoice a run is about to write, and its lines.
type draft struct {
	inv   *model.Invoice
	lines []model.InvoiceLine
}

// bill walks the contracts, then the accounts, page by page.
func (b *biller) bill(ctx context.Context) error {
	for _, page := range []func(ctx context.Context, cursor string) (string, []*draft, error){b.contractPage, b.accountPage} {
		cursor := ""
		for {
			next, drafts, err := page(ctx, cursor)
			if err != nil {
				return err
			}
			if err := b.write(ctx, drafts); err != nil {
				return err
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	return nil
}

// from is the instant the period starts: its first day's midnight in the
// installation's zone.
func (b *biller) from() time.Time { return inZone(b.run.PeriodStart, b.loc) }

// to is the instant the period ends: the midnight after its last day.
func (b *biller) to() time.Time {
	return inZone(model.Date{Time: b.run.PeriodEnd.AddDate(0, 0, 1)}, b.loc)
}

// inZone is the midnight starting day d in loc.
func inZone(d model.Date, loc *time.Location) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
}

// nextCursor is where the page after ids starts ("" after the last page).
func nextCursor(ids []string) string {
	if len(ids) < billingPage {
		return ""
	}
	return ids[len(ids)-1]
}

// header returns a draft invoice of the run for an account.
func (b *biller) header(accountID, currency string) *model.Invoice {
	runID := b.run.ID
	ps, pe := b.run.PeriodStart, b.run.PeriodEnd
	return &model.Invoice{Kind: model.InvoiceKindInvoice, Status: model.InvoiceDraft, AccountID: accountID, BillingRunID: &runID,
		PeriodStart: &ps, PeriodEnd: &pe, Pricing: model.Pricing{Currency: currency, Rounding: model.RoundLine}}
}

// billLine is a line billing one item.
func billLine(sourceType, sourceID, description, unit string, quantity, price, tax model.Decimal) model.InvoiceLine {
	return model.InvoiceLine{SourceType: sourceType, SourceID: sourceID, Line: model.Line{Description: clip(description, 2000),
		Unit: unit, Quantity: quantity, UnitPrice: price, TaxRate: tax}}
}

// clip shortens s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// write stores a page's drafts that bill anything, each split at
// model.MaxLines, with their lines and the run's progress, in one
// transaction.
func (b *biller) write(ctx context.Context, drafts []*draft) error {
	var invs []*model.Invoice
	var lines []model.InvoiceLine
	for _, d := range drafts {
		for start := 0; start < len(d.lines); start += model.MaxLines {
			inv := *d.inv
			inv.ID = model.NewID()
			part := d.lines[start:min(start+model.MaxLines, len(d.lines))]
			for i := range part {
				part[i].ID, part[i].DocID, part[i].Position = model.NewID(), inv.ID, i+1
			}
			if err := priceInvoice(&inv, part); err != nil {
				return err
			}
			invs = append(invs, &inv)
			lines = append(lines, part...)
		}
	}
	if len(invs) == 0 {
		return nil
	}
	err := b.s.WithTx(ctx, func(ctx context.Context) error {
		// The lines go first: CreateMany writes under a savepoint, and on
		// SQLite every page changed after one is copied to a journal.
		if err := b.s.insertInvoiceLines(ctx, lines); err != nil {
			return err
		}
		if err := CreateMany(ctx, b.s, invs); err != nil {
			return err
		}
		var err error
		b.run, err = Update(serverWrite(ctx), b.s, b.run.ID, 0, func(r *model.BillingRun) error {
			addProgress(r, invs)
			return nil
		})
		return err
	})
	if err != nil {
		return err
	}
	b.written += len(lines)
	return b.analyze(ctx)
}

// billingAnalyzeMin is how many lines a run writes before it first
// refreshes the statistics.
const billingAnalyzeMin = 5000

// analyze refreshes PostgreSQL's statistics of the invoice tables each
// time the run has doubled the lines it wrote since the last refresh. A
// run grows them faster than autovacuum looks: the planner would take a
// table of 100,000 fresh lines for an empty one and look billed items up
// by scanning it (a cached generic plan with 500 parameters, measured at
// seconds a page). SQLite plans by its indexes and needs none of this.
func (b *biller) analyze(ctx context.Context) error {
	if b.s.engine != migrate.Postgres || b.written < 2*b.analyzed+billingAnalyzeMin {
		return nil
	}
	b.analyzed = b.written
	return dbErr(b.s.conn(ctx).Exec("ANALYZE invoice_lines, invoices").Error)
}

// billedSources is the condition of invoice_lines_source, the unique
// index on what lines bill (m0014), on the table aliased alias ("il.");
// SQLite uses a partial index only for queries that repeat its condition.
func billedSources(alias string) string {
	return alias + "source_type IN ('time_entry', 'request', 'order', 'fixed_fee', 'purchase_amount')"
}

// dropBilled removes from the drafts every line whose item an invoice
// line bills already.
func (b *biller) dropBilled(ctx context.Context, drafts []*draft) error {
	bySource := map[string][]string{}
	for _, d := range drafts {
		for _, l := range d.lines {
			bySource[l.SourceType] = append(bySource[l.SourceType], l.SourceID)
		}
	}
	billed := map[string]bool{}
	for _, typ := range slices.Sorted(maps.Keys(bySource)) {
		ids := bySource[typ]
		for start := 0; start < len(ids); start += 500 {
			var found []string
			err := b.s.conn(ctx).Table(invoiceLineTable).Where("source_type = ? AND "+billedSources("")+" AND source_id IN ?", typ, ids[start:min(start+500, len(ids))]).
				Pluck("source_id", &found).Error
			if err != nil {
				return dbErr(err)
			}
			for _, id := range found {
				billed[typ+"\x00"+id] = true
			}
		}
	}
	for _, d := range drafts {
		d.lines = slices.DeleteFunc(d.lines, func(l model.InvoiceLine) bool { return billed[l.SourceType+"\x00"+l.SourceID] })
	}
	return nil
}

// contractPage bills the page of contracts after cursor that are active,
// billed, in force during the period and of a live account.
func (b *biller) contractPage(ctx context.Context, cursor string) (string, []*draft, error) {
	var cs []*model.Contract
	err := b.s.conn(ctx).Where("id > ? AND status = ? AND billing_method <> ? AND deleted_at IS NULL", cursor, model.ContractActive, model.BillNone).
		Where("start_date <= ? AND (end_date IS NULL OR end_date >= ?)", b.run.PeriodEnd, b.run.PeriodStart).
		Where("EXISTS (SELECT 1 FROM accounts a WHERE a.id = contracts.account_id AND a.deleted_at IS NULL)").
		Order("id").Limit(billingPage).Find(&cs).Error
	if err != nil {
		return "", nil, dbErr(err)
	}
	ids := make([]string, len(cs))
	drafts := make([]*draft, len(cs))
	byID := map[string]*draft{}
	for i, c := range cs {
		ids[i] = c.ID
		inv := b.header(c.AccountID, c.Currency)
		inv.ContactID, inv.ContractID, inv.OwnerID = c.ContactID, &ids[i], c.OwnerID
		drafts[i] = &draft{inv: inv, lines: b.feeLines(c)}
		byID[c.ID] = drafts[i]
	}
	if err := b.usageLines(ctx, cs, byID); err != nil {
		return "", nil, err
	}
	return nextCursor(ids), drafts, b.dropBilled(ctx, drafts)
}

// billingMonths is how many months each billing period lasts.
var billingMonths = map[string]int{"monthly": 1, "quarterly": 3, "yearly": 12}

// feeLines bills a fixed-fee or purchase-amount contract once for each of
// its billing periods (counted from its start date) that starts in the
// run's period while it is in force.
func (b *biller) feeLines(c *model.Contract) []model.InvoiceLine {
	months := billingMonths[c.BillingPeriod]
	if months == 0 || (c.BillingMethod != model.BillFixedFee && c.BillingMethod != model.BillPurchaseAmount) {
		return nil
	}
	var out []model.InvoiceLine
	for _, start := range periodStarts(c, months, b.run.PeriodStart, b.run.PeriodEnd) {
		end := model.Date{Time: addMonths(c.StartDate, months*(monthsFrom(c.StartDate, start)/months+1)).AddDate(0, 0, -1)}
		id := c.ID + ":" + start.String()
		span := fmt.Sprintf("%s (%s), %s – %s", c.Number, c.Name, start, end)
		if c.BillingMethod == model.BillFixedFee {
			out = append(out, billLine(model.SourceFixedFee, id, "Service fee, contract "+span, "", model.DecInt(1), c.FixedFee, c.TaxRate))
			continue
		}
		price := c.PurchaseAmount.Mul(c.PurchasePercent.Decimal).Div(decimal.NewFromInt(100)).
			Mul(decimal.NewFromInt(int64(months))).Div(decimal.NewFromInt(12)).Round(model.MoneyPlaces)
		desc := fmt.Sprintf("Service at %s%% a year of %s purchased, contract %s", c.PurchasePercent, c.PurchaseAmount, span)
		out = append(out, billLine(model.SourcePurchaseAmount, id, desc, "", model.DecInt(1), model.Decimal{Decimal: price}, c.TaxRate))
	}
	return out
}

// periodStarts lists the starts of a contract's billing periods of months
// months that fall from from to to, while the contract is in force.
func periodStarts(c *model.Contract, months int, from, to model.Date) []model.Date {
	var out []model.Date
	k := max(0, monthsFrom(c.StartDate, from)/months-1)
	for ; ; k++ {
		d := addMonths(c.StartDate, k*months)
		if d.After(to.Time) || (c.EndDate != nil && d.After(c.EndDate.Time)) {
			return out
		}
		if !d.Before(from.Time) {
			out = append(out, d)
		}
	}
}

// addMonths adds n months to d, keeping its day of the month where the
// month has it and taking the month's last day where not (31 Jan → 28 Feb).
func addMonths(d model.Date, n int) model.Date {
	first := time.Date(d.Year(), d.Month()+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return model.Date{Time: first.AddDate(0, 0, min(d.Day(), last)-1)}
}

// monthsFrom counts the whole calendar months from a to b (negative when b is earlier).
func monthsFrom(a, b model.Date) int {
	n := (b.Year()-a.Year())*12 + int(b.Month()-a.Month())
	if b.Day() < a.Day() && addMonths(a, n).After(b.Time) {
		n--
	}
	return n
}

// usageLines bills the time (hourly contracts) and the requests (per
// request) of the period under the page's contracts, prepaid units first.
func (b *biller) usageLines(ctx context.Context, cs []*model.Contract, drafts map[string]*draft) error {
	byMethod := map[string][]string{}
	for _, c := range cs {
		byMethod[c.BillingMethod] = append(byMethod[c.BillingMethod], c.ID)
	}
	var entries []*timeRow
	var requests []*requestRow
	var err error
	if ids := byMethod[model.BillHourly]; len(ids) > 0 {
		entries, err = b.entries(ctx, "r.contract_id", "", "r.contract_id IN ?", ids, false)
	}
	if ids := byMethod[model.BillPerRequest]; len(ids) > 0 && err == nil {
		requests, err = b.requests(ctx, ids)
	}
	if err != nil {
		return err
	}
	entriesOf := groupBy(entries, func(e *timeRow) string { return e.BillTo })
	requestsOf := groupBy(requests, func(r *requestRow) string { return r.ContractID })
	for _, c := range cs {
		unit := map[string]string{model.BillHourly: model.UnitsHours, model.BillPerRequest: model.UnitsRequests}[c.BillingMethod]
		if unit == "" {
			continue
		}
		left := decimal.Zero
		if c.PrepaidUnit == unit {
			used, err := b.s.ContractUsage(ctx, c, b.from())
			if err != nil {
				return err
			}
			left = decimal.Max(c.PrepaidUnits.Sub(used.Decimal), decimal.Zero)
		}
		if unit == model.UnitsHours {
			drafts[c.ID].lines = append(drafts[c.ID].lines, hourlyLines(c, entriesOf[c.ID], left.Mul(decimal.NewFromInt(60)))...)
		} else {
			drafts[c.ID].lines = append(drafts[c.ID].lines, requestLines(c, requestsOf[c.ID], left)...)
		}
	}
	return nil
}

// requestLines bills a per-request contract's requests (in order of
// creation) after the prepaid requests left.
func requestLines(c *model.Contract, requests []*requestRow, prepaid decimal.Decimal) []model.InvoiceLine {
	var out []model.InvoiceLine
	for i, r := range requests {
		if decimal.NewFromInt(int64(i)).LessThan(prepaid) {
			continue
		}
		out = append(out, billLine(model.SourceRequest, r.ID, r.Number+" "+r.Subject, "request", model.DecInt(1), c.RequestPrice, c.TaxRate))
	}
	return out
}

// groupBy groups rows by key, keeping their order within a group.
func groupBy[T any](rows []T, key func(T) string) map[string][]T {
	out := map[string][]T{}
	for _, r := range rows {
		out[key(r)] = append(out[key(r)], r)
	}
	return out
}

// timeRow is a time entry to bill, with what its line says; BillTo is
// the contract or the account it is billed to.
type timeRow struct {
	ID, UserID, UserName, Currency, Note, Number, Subject, BillTo string
	Minutes                                                       int64
	Billable                                                      bool
	Rate                                                          model.Decimal
	Day                                                           model.Date
}

// entries reads the period's time entries on live requests matching where
// (with arg), keyed by key (joining join), in day order; billableOnly
// leaves out the rest.
func (b *biller) entries(ctx context.Context, key, join, where string, arg any, billableOnly bool) ([]*timeRow, error) {
	q := b.s.conn(ctx).Table("time_entries AS te").Joins("JOIN requests r ON r.id = te.request_id").
		Joins("LEFT JOIN users u ON u.id = te.owner_id")
	if join != "" {
		q = q.Joins(join)
	}
	q = q.Select("te.id, te.owner_id AS user_id, COALESCE(u.name, '') AS user_name, te.currency, COALESCE(te.note, '') AS note, "+
		"r.number, r.subject, "+key+" AS bill_to, te.minutes, te.billable, te.rate, te.day").
		Where(where, arg).Where("r.deleted_at IS NULL AND te.deleted_at IS NULL AND te.day >= ? AND te.day <= ?", b.run.PeriodStart, b.run.PeriodEnd)
	if billableOnly {
		q = q.Where("te.billable = ?", true)
	}
	var out []*timeRow
	return out, dbErr(q.Order("bill_to, te.day, te.created_at, te.id").Find(&out).Error)
}

// hourlyLines bills an hourly contract's time entries (in day order): the
// prepaid minutes left cover entries first (non-billable ones use them
// too, as they count against the prepaid hours), the rest is billed at the
// specialist's rate, else the entry's own rate (in the contract's
// currency), else the contract's hourly rate.
func hourlyLines(c *model.Contract, entries []*timeRow, prepaidMinutes decimal.Decimal) []model.InvoiceLine {
	var out []model.InvoiceLine
	for _, e := range entries {
		minutes := decimal.NewFromInt(e.Minutes)
		covered := decimal.Min(minutes, prepaidMinutes)
		prepaidMinutes = prepaidMinutes.Sub(covered)
		billed := minutes.Sub(covered)
		if !e.Billable || !billed.IsPositive() {
			continue
		}
		rate := c.HourlyRate
		if e.Rate.IsPositive() && e.Currency == c.Currency {
			rate = e.Rate
		}
		if r, ok := c.SpecialistRates[e.UserID]; ok {
			rate = r
		}
		desc := e.describe()
		if covered.IsPositive() {
			desc += fmt.Sprintf(" (%s h prepaid)", covered.Div(decimal.NewFromInt(60)).Round(2))
		}
		out = append(out, billLine(model.SourceTimeEntry, e.ID, desc, "h", hours(billed), rate, c.TaxRate))
	}
	return out
}

// describe is a time entry's line text: day, request, what was done, by whom.
func (e *timeRow) describe() string {
	what := e.Subject
	if e.Note != "" {
		what = e.Note
	}
	return strings.TrimSpace(fmt.Sprintf("%s %s %s — %s", e.Day, e.Number, clip(what, 500), e.UserName))
}

// hours turns minutes into hours with the stored precision.
func hours(minutes decimal.Decimal) model.Decimal {
	return model.Decimal{Decimal: minutes.Div(decimal.NewFromInt(60)).Round(model.DecimalPlaces)}
}

// requestRow is a request billed per request.
type requestRow struct {
	ID, Number, Subject, ContractID string
}

// requests reads the live requests created in the period under the
// contracts, in order of creation.
func (b *biller) requests(ctx context.Context, contractIDs []string) ([]*requestRow, error) {
	var out []*requestRow
	err := b.s.conn(ctx).Model(&model.Request{}).Select("id, number, subject, contract_id").
		Where("contract_id IN ? AND deleted_at IS NULL AND created_at >= ? AND created_at < ?", contractIDs, b.from().UTC(), b.to().UTC()).
		Order("contract_id, created_at, id").Find(&out).Error
	return out, dbErr(err)
}

// accountPath is a way a request or an order belongs to an account: the
// account's id (key), the join that reaches it and the condition naming
// the accounts (one parameter).
type accountPath struct{ key, join, where string }

// accountPaths are the ways a row of the table aliased t belongs to an
// account: its own account, or (without one) its contact's.
func accountPaths(t string) []accountPath {
	return []accountPath{
		{key: t + ".account_id", where: t + ".account_id IN ?"},
		{key: "c.account_id", join: "JOIN contacts c ON c.id = " + t + ".contact_id",
			where: t + ".account_id IS NULL AND c.account_id IN ? AND c.deleted_at IS NULL"},
	}
}

// accountPage bills the page of live accounts after cursor: billable time
// on their requests without a contract, and their fulfilled billable
// orders not invoiced yet; one invoice per account, currency and tax
// convention.
func (b *biller) accountPage(ctx context.Context, cursor string) (string, []*draft, error) {
	var ids []string
	err := b.s.conn(ctx).Model(&model.Account{}).Where("id > ? AND deleted_at IS NULL", cursor).Order("id").Limit(billingPage).Pluck("id", &ids).Error
	if err != nil || len(ids) == 0 {
		return "", nil, dbErr(err)
	}
	drafts := map[string]*draft{}
	get := func(account, currency string, inclusive bool) *draft {
		k := fmt.Sprintf("%s|%s|%t", account, currency, inclusive)
		if drafts[k] == nil {
			inv := b.header(account, currency)
			inv.PricesIncludeTax = inclusive
			drafts[k] = &draft{inv: inv}
		}
		return drafts[k]
	}
	for _, p := range accountPaths("r") {
		entries, err := b.entries(ctx, p.key, p.join, p.where+" AND r.contract_id IS NULL", ids, true)
		if err != nil {
			return "", nil, err
		}
		for _, e := range entries {
			d := get(e.BillTo, e.Currency, false)
			d.lines = append(d.lines, billLine(model.SourceTimeEntry, e.ID, e.describe(), "h", hours(decimal.NewFromInt(e.Minutes)), e.Rate, model.Decimal{}))
		}
	}
	if err := b.orderLines(ctx, ids, get); err != nil {
		return "", nil, err
	}
	out := slices.Collect(maps.Values(drafts))
	slices.SortFunc(out, func(x, y *draft) int {
		return strings.Compare(x.inv.AccountID+x.inv.Currency, y.inv.AccountID+y.inv.Currency)
	})
	return nextCursor(ids), out, b.dropBilled(ctx, out)
}

// orderRow is a fulfilled billable order of an account.
type orderRow struct {
	ID, Number, Currency, BillTo string
	PricesIncludeTax             bool
}

// orderLines copies the lines of the accounts' fulfilled billable orders
// (fulfilled by the period's end) onto the drafts get returns; those an
// invoice bills already are dropped with the rest (dropBilled). Checking
// by line id keeps to the index whatever the planner's statistics say: a
// NOT EXISTS against invoice_lines was planned on PostgreSQL as a scan of
// every order line ever billed, for each page.
func (b *biller) orderLines(ctx context.Context, accountIDs []string, get func(account, currency string, inclusive bool) *draft) error {
	var orders []*orderRow
	for _, p := range accountPaths("o") {
		var rows []*orderRow
		q := b.s.conn(ctx).Table("orders AS o")
		if p.join != "" {
			q = q.Joins(p.join)
		}
		err := q.Select("o.id, o.number, o.currency, o.prices_include_tax, "+p.key+" AS bill_to").
			Where(p.where, accountIDs).
			Where("o.billable = ? AND o.status = ? AND o.fulfilled_at < ? AND o.deleted_at IS NULL", true, model.OrderFulfilled, b.to().UTC()).
			Order("o.number").Find(&rows).Error
		if err != nil {
			return dbErr(err)
		}
		orders = append(orders, rows...)
	}
	for start := 0; start < len(orders); start += 500 {
		chunk := orders[start:min(start+500, len(orders))]
		ids := make([]string, len(chunk))
		for i, o := range chunk {
			ids[i] = o.ID
		}
		var lines []model.Line
		if err := b.s.conn(ctx).Table("order_lines").Where("doc_id IN ?", ids).Order("doc_id, position, id").Find(&lines).Error; err != nil {
			return dbErr(err)
		}
		byOrder := groupBy(lines, func(l model.Line) string { return l.DocID })
		for _, o := range chunk {
			d := get(o.BillTo, o.Currency, o.PricesIncludeTax)
			for _, l := range byOrder[o.ID] {
				line := model.InvoiceLine{Line: l, SourceType: model.SourceOrder, SourceID: l.ID}
				line.Description = clip(o.Number+": "+l.Description, 2000)
				d.lines = append(d.lines, line)
			}
		}
	}
	return nil
}
