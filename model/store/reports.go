package store

import (
	"context"
	"database/sql/driver"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"rapport/model"
)

// ReportResult is one run of a report: its columns and rows, money in
// Currency (the installation's base currency, converted at the rates valid
// on the last day of the period, or today for a period still running).
type ReportResult struct {
	Name     string               `json:"name"`
	Title    string               `json:"title"`
	Currency string               `json:"currency,omitempty"`
	From     string               `json:"from"`
	To       string               `json:"to"`
	TZ       string               `json:"tz"`
	Columns  []model.ReportColumn `json:"columns"`
	Rows     [][]any              `json:"rows"`
}

// report is one built-in report: its catalogue entry and how it runs.
type report struct {
	info model.ReportInfo
	run  func(ctx context.Context, r *reportRun) error
}

// reports holds the built-in reports by name; each file of reports adds
// its own in an init function.
var reports = map[string]*report{}

func addReports(rs ...*report) {
	for _, r := range rs {
		reports[r.info.Name] = r
	}
}

// Reports lists the report catalogue, sorted by name.
func Reports() []model.ReportInfo {
	out := make([]model.ReportInfo, 0, len(reports))
	for _, r := range reports {
		out = append(out, r.info)
	}
	slices.SortFunc(out, func(a, b model.ReportInfo) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// ReportInfo returns one report's catalogue entry.
func ReportInfo(name string) (model.ReportInfo, bool) {
	r, ok := reports[name]
	if !ok {
		return model.ReportInfo{}, false
	}
	return r.info, true
}

// reportRun is the state of one run: the store, the parameters, the
// caller's visibility and the result being built.
type reportRun struct {
	s      *Store
	p      model.ReportParams
	actor  model.Actor
	res    *ReportResult
	rates  map[string]model.Decimal // currency → rate to base, at rateDay
	base   string
	rateOn time.Time
}

// RunReport runs a built-in report with the caller's visibility: deals,
// leads and activities the caller may not see are not counted.
func (s *Store) RunReport(ctx context.Context, name string, p model.ReportParams) (*ReportResult, error) {
	r, ok := reports[name]
	if !ok {
		return nil, model.Errorf(model.ENOTFOUND, "no report %q", name)
	}
	a := model.ActorFrom(ctx)
	if !a.IsStaff() {
		return nil, model.Errorf(model.EFORBIDDEN, "staff only")
	}
	run := &reportRun{s: s, p: p, actor: a, rates: map[string]model.Decimal{},
		res: &ReportResult{Name: name, Title: r.info.Title, Columns: r.info.Columns, Rows: [][]any{},
			From: p.From.Format(model.DateLayout), To: p.To.Format(model.DateLayout), TZ: p.TZ.String()}}
	run.rateOn = rateDay(p)
	if err := r.run(ctx, run); err != nil {
		return nil, err
	}
	return run.res, nil
}

// rateDay is the day whose exchange rates convert a period's money: its
// last day, or today while it runs.
func rateDay(p model.ReportParams) time.Time {
	day := p.To.AddDate(0, 0, -1)
	if now := time.Now(); day.After(now) {
		return now
	}
	return day
}

// rows reads a query into maps of column name → value.
func (r *reportRun) rows(q *gorm.DB) ([]map[string]any, error) {
	var out []map[string]any
	return out, dbErr(q.Find(&out).Error)
}

// from is a query on the live rows of entity's table that the caller may
// see, aliased as t.
func (r *reportRun) from(ctx context.Context, entity string) (*gorm.DB, error) {
	q, err := visible(r.s.conn(ctx).Table(Tables[entity]).Where("deleted_at IS NULL"), r.actor, entity)
	if err != nil {
		return nil, err
	}
	return r.s.conn(ctx).Table("(?) AS t", q), nil
}

// toBase converts a stored amount (1/10,000 units, as the database summed
// it) in currency to the base currency.
func (r *reportRun) toBase(ctx context.Context, stored any, currency string) (model.Decimal, error) {
	var d model.Decimal
	if err := d.Scan(normalizeNumber(stored)); err != nil {
		return d, err
	}
	if r.base == "" {
		base, err := r.s.BaseCurrency(ctx)
		if err != nil {
			return d, err
		}
		r.base, r.res.Currency = base, base
	}
	if currency == r.base || d.IsZero() {
		return d, nil
	}
	rate, ok := r.rates[currency]
	if !ok {
		var err error
		if rate, err = r.s.RateOn(ctx, currency, r.rateOn); err != nil {
			return d, err
		}
		r.rates[currency] = rate
	}
	return model.Decimal{Decimal: d.Mul(rate.Decimal).Round(2)}, nil
}

// normalizeNumber turns what drivers return for sums (int64, float64,
// []byte, string) into something Decimal.Scan reads as stored units.
func normalizeNumber(v any) any {
	switch x := v.(type) {
	case nil:
		return int64(0)
	case float64:
		return int64(x)
	case int32:
		return int64(x)
	}
	return v
}

// storedTimeLayouts are the forms SQLite returns times and dates in.
var storedTimeLayouts = []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999", "2006-01-02"}

// scannedTime reads a time a raw query returned: a time.Time from
// PostgreSQL, text from SQLite.
func scannedTime(v driver.Value) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, true
	case string:
		for _, l := range storedTimeLayouts {
			if t, err := time.Parse(l, x); err == nil {
				return t, true
			}
		}
	case []byte:
		return scannedTime(string(x))
	}
	return time.Time{}, false
}
