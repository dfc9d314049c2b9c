package store

import (
	"cmp"
	"context"
	"database/sql/driver"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	sqlite "github.com/glebarez/go-sqlite"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"rapport/model"
	"rapport/model/migrate"
)

func init() { writeRules["report_definition"] = reportDefinitionRule }

// reportColumns are the columns user-defined reports may use, per entity.
var reportColumns = map[string]func(s *Store) (map[string]column, error){
	"opportunity": func(s *Store) (map[string]column, error) { return columnsOf[model.Opportunity](s, "opportunity") },
	"lead":        func(s *Store) (map[string]column, error) { return columnsOf[model.Lead](s, "lead") },
	"account":     func(s *Store) (map[string]column, error) { return columnsOf[model.Account](s, "account") },
	"contact":     func(s *Store) (map[string]column, error) { return columnsOf[model.Contact](s, "contact") },
	"activity":    func(s *Store) (map[string]column, error) { return columnsOf[model.Activity](s, "activity") },
	"campaign":    func(s *Store) (map[string]column, error) { return columnsOf[model.Campaign](s, "campaign") },
	"quote":       func(s *Store) (map[string]column, error) { return columnsOf[model.Quote](s, "quote") },
	"order":       func(s *Store) (map[string]column, error) { return columnsOf[model.Order](s, "order") },
	"request":     func(s *Store) (map[string]column, error) { return columnsOf[model.Request](s, "request") },
	"time_entry":  func(s *Store) (map[string]column, error) { return columnsOf[model.TimeEntry](s, "time_entry") },
}

// idNames maps grouping fields that hold ids to the entity whose names
// label them.
var idNames = map[string]string{"owner_id": "user", "team_id": "team", "territory_id": "territory", "account_id": "account",
	"contact_id": "contact", "campaign_id": "campaign", "lost_to_id": "competitor", "pipeline_id": "pipeline",
	"queue_id": "queue", "assignee_id": "user", "product_id": "product", "user_id": "user"}

// reportDefinitionRule checks a definition's fields against its entity's
// columns when it is saved, so that a definition that cannot run is never
// stored.
func reportDefinitionRule(_ context.Context, s *Store, rec, _ model.Record) error {
	_, err := compileDefinition(s, rec.(*model.ReportDefinition))
	return err
}

// compiled is a definition checked against its columns.
type compiled struct {
	def     *model.ReportDefinition
	cols    map[string]column
	groups  []groupField
	aggs    []compiledAgg
	money   bool // the entity has a currency: decimal sums are money, converted to base
	period  *column
	columns []model.ReportColumn
}

type groupField struct {
	key, field, unit string
	col              column
	names            string // entity naming the ids, or ""
}

type compiledAgg struct {
	model.Aggregate
	col column
}

// compileDefinition resolves every field of d or says which is wrong.
func compileDefinition(s *Store, d *model.ReportDefinition) (*compiled, error) {
	load, ok := reportColumns[d.Of]
	if !ok {
		return nil, fieldErr("entity", "one of "+strings.Join(model.ReportEntities, ", "))
	}
	cols, err := load(s)
	if err != nil {
		return nil, err
	}
	c := &compiled{def: d, cols: cols}
	_, c.money = cols["currency"]
	fe := model.FieldErrors{}
	c.compileGroups(fe)
	c.compileAggregates(fe)
	if d.PeriodField != "" {
		if pc, ok := cols[d.PeriodField]; ok && (pc.time || pc.date) {
			c.period = &pc
		} else {
			fe.Add("period_field", "not a date or time field of "+d.Of)
		}
	}
	if _, err := applyFilters(s.db.Session(&gorm.Session{DryRun: true}), d.Of, cols, ListParams{Filter: d.Filter}); err != nil {
		fe.Add("filter", model.ErrorMessage(err)+": "+err.Error())
	}
	return c, fe.Err()
}

func (c *compiled) compileGroups(fe model.FieldErrors) {
	for i, g := range c.def.GroupBy {
		field, unit, _ := strings.Cut(g, ":")
		col, ok := c.cols[field]
		switch {
		case !ok || col.tags:
			fe.Add("group_by["+strconv.Itoa(i)+"]", "not a field of "+c.def.Of+" one can group by")
			continue
		case unit != "" && !col.time && !col.date:
			fe.Add("group_by["+strconv.Itoa(i)+"]", "only date and time fields take a unit")
			continue
		}
		c.groups = append(c.groups, groupField{key: g, field: field, unit: unit, col: col, names: idNames[field]})
		c.columns = append(c.columns, model.ReportColumn{Key: g, Label: g, Type: model.ColText})
		if idNames[field] != "" {
			c.columns = append(c.columns, model.ReportColumn{Key: field + "_name", Label: strings.TrimSuffix(field, "_id"), Type: model.ColText})
		}
	}
}

func (c *compiled) compileAggregates(fe model.FieldErrors) {
	for i, a := range c.def.Aggregates {
		ca := compiledAgg{Aggregate: a}
		typ := model.ColInt
		if a.Fn != "count" {
			col, ok := c.cols[a.Field]
			numeric := ok && (col.decimal || (col.kind >= reflect.Int && col.kind <= reflect.Int64))
			if !numeric {
				fe.Add("aggregates["+strconv.Itoa(i)+"].field", "not a number field of "+c.def.Of)
				continue
			}
			ca.col = col
			typ = c.aggType(a.Fn, col)
		}
		label := cmp.Or(a.Label, a.Key())
		c.aggs = append(c.aggs, ca)
		c.columns = append(c.columns, model.ReportColumn{Key: a.Key(), Label: label, Type: typ})
	}
}

// aggType is how an aggregate's values are shown.
func (c *compiled) aggType(fn string, col column) string {
	switch {
	case col.decimal && c.money:
		return model.ColMoney
	case col.decimal || fn == "avg":
		return model.ColDecimal
	}
	return model.ColInt
}

// ValidateReportDefinition checks a definition against its entity's
// columns without saving it.
func (s *Store) ValidateReportDefinition(d *model.ReportDefinition) error {
	d.Normalize()
	if err := d.Validate(); err != nil {
		return err
	}
	_, err := compileDefinition(s, d)
	return err
}

// RunReportDefinition runs a user-defined report with the caller's
// visibility: the definition compiles into one grouped query with bound
// parameters over known columns; money is converted to the base currency.
func (s *Store) RunReportDefinition(ctx context.Context, d *model.ReportDefinition, p model.ReportParams) (*ReportResult, error) {
	if err := s.ValidateReportDefinition(d); err != nil {
		return nil, err
	}
	c, _ := compileDefinition(s, d)
	a := model.ActorFrom(ctx)
	r := &reportRun{s: s, p: p, actor: a, rates: map[string]model.Decimal{}, rateOn: rateDay(p),
		res: &ReportResult{Name: "custom:" + d.ID, Title: d.Name, Columns: c.columns, Rows: [][]any{},
			From: p.From.Format(model.DateLayout), To: p.To.Format(model.DateLayout), TZ: p.TZ.String()}}
	q, err := r.from(ctx, d.Of)
	if err != nil {
		return nil, err
	}
	if q, err = applyFilters(q, d.Of, c.cols, ListParams{Filter: d.Filter}); err != nil {
		return nil, err
	}
	q = c.restrictPeriod(q, p)
	rows, err := r.rows(c.query(r, q))
	if err != nil {
		return nil, err
	}
	out, err := c.fold(ctx, r, rows)
	if err != nil {
		return nil, err
	}
	r.res.Rows = out
	return r.res, c.label(ctx, r)
}

func (c *compiled) restrictPeriod(q *gorm.DB, p model.ReportParams) *gorm.DB {
	switch {
	case c.period == nil:
		return q
	case c.period.date:
		return q.Where(c.period.name+" >= ? AND "+c.period.name+" < ?", p.From.Format(model.DateLayout), p.To.Format(model.DateLayout))
	}
	return q.Where(c.period.name+" >= ? AND "+c.period.name+" < ?", p.From.UTC(), p.To.UTC())
}

// query selects the group keys (gN), the currency when money is summed,
// and the aggregates (aN; avg as sum and count, so that it can be
// converted and merged).
func (c *compiled) query(r *reportRun, q *gorm.DB) *gorm.DB {
	var sel, group []string
	var args []any
	for i, g := range c.groups {
		expr, a := r.groupExpr(g)
		sel, args = append(sel, expr+" AS g"+strconv.Itoa(i)), append(args, a...)
		group = append(group, "g"+strconv.Itoa(i))
	}
	if c.money {
		sel, group = append(sel, "currency"), append(group, "currency")
	}
	for i, a := range c.aggs {
		n := "a" + strconv.Itoa(i)
		switch a.Fn {
		case "count":
			sel = append(sel, "COUNT(*) AS "+n)
		case "avg":
			sel = append(sel, "SUM("+a.col.name+") AS "+n, "COUNT("+a.col.name+") AS "+n+"_n")
		default:
			sel = append(sel, strings.ToUpper(a.Fn)+"("+a.col.name+") AS "+n)
		}
	}
	q = q.Select(strings.Join(sel, ", "), args...)
	if len(group) > 0 {
		q = q.Group(strings.Join(group, ", "))
	}
	return q
}

// groupExpr is the SQL of one grouping: the field, or its time bucket.
func (r *reportRun) groupExpr(g groupField) (string, []any) {
	switch {
	case g.unit == "":
		return g.col.name, nil
	case g.col.date && g.unit != "week":
		return dateBucket(g.col.name, g.unit), nil
	case g.col.date && r.s.engine == migrate.Postgres:
		return "to_char(date_trunc('week', CAST(" + g.col.name + " AS date)), 'YYYY-MM-DD')", nil
	case g.col.date: // the Monday of the date's week
		return "date(" + g.col.name + ", 'weekday 0', '-6 days')", nil
	}
	return r.timeBucket(g.col.name, g.unit)
}

// dateBucket buckets a YYYY-MM-DD text column in plain SQL both engines
// run: day, month, quarter, year.
func dateBucket(column, unit string) string {
	switch unit {
	case "day":
		return column
	case "quarter":
		return "substr(" + column + ", 1, 4) || '-Q' || ((CAST(substr(" + column + ", 6, 2) AS INTEGER) + 2) / 3)"
	case "year":
		return "substr(" + column + ", 1, 4)"
	}
	return "substr(" + column + ", 1, 7)"
}

// timeBucket is the SQL for the bucket (model.BucketLabel) of a timestamp
// column in the run's time zone: date_trunc on PostgreSQL, a Go function
// on SQLite, which has no time zones.
func (r *reportRun) timeBucket(column, unit string) (string, []any) {
	tz := r.p.TZ.String()
	if r.s.engine == migrate.Postgres {
		format := map[string]string{"day": "YYYY-MM-DD", "week": "YYYY-MM-DD", "month": "YYYY-MM", "quarter": `YYYY-"Q"Q`, "year": "YYYY"}[unit]
		return "to_char(date_trunc('" + unit + "', " + column + " AT TIME ZONE ?), '" + format + "')", []any{tz}
	}
	return "rapport_bucket(" + column + ", ?, ?)", []any{unit, tz}
}

// registerSQLiteFunctions adds rapport_bucket(value, unit, tz) to SQLite,
// which has no time zones: the bucket is computed by model.BucketLabel.
var registerSQLiteFunctions = sync.OnceValue(func() error {
	return sqlite.RegisterDeterministicScalarFunction("rapport_bucket", 3, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		t, ok := scannedTime(args[0])
		if !ok {
			return nil, nil
		}
		unit, _ := args[1].(string)
		loc, err := time.LoadLocation(text(args[2]))
		if err != nil {
			return nil, fmt.Errorf("rapport_bucket: %w", err)
		}
		return model.BucketLabel(t.In(loc), unit), nil
	})
})

// cell is one aggregate's running value while rows of several currencies
// fold into one group.
type cell struct {
	sum decimal.Decimal
	n   int64
	set bool
}

// fold merges the SQL rows (one per group and currency) into one row per
// group: keys, then the aggregates converted to the base currency.
func (c *compiled) fold(ctx context.Context, r *reportRun, rows []map[string]any) ([][]any, error) {
	type acc struct {
		keys  []any
		cells []cell
	}
	byKey := map[string]*acc{}
	var order []*acc
	for _, row := range rows {
		keys := make([]any, len(c.groups))
		for i := range c.groups {
			keys[i] = groupValue(row["g"+strconv.Itoa(i)])
		}
		k := textKey(keys)
		g := byKey[k]
		if g == nil {
			g = &acc{keys: keys, cells: make([]cell, len(c.aggs))}
			byKey[k], order = g, append(order, g)
		}
		for i, a := range c.aggs {
			if err := c.accumulate(ctx, r, &g.cells[i], a, row, "a"+strconv.Itoa(i)); err != nil {
				return nil, err
			}
		}
	}
	out := make([][]any, 0, len(order))
	for _, g := range order {
		row := slices.Clone(g.keys)
		for i, a := range c.aggs {
			row = append(row, c.result(a, g.cells[i]))
		}
		out = append(out, row)
	}
	c.sortRows(out)
	return out[:min(len(out), c.def.Limit)], nil
}

// accumulate adds one SQL row's value of an aggregate to its group.
func (c *compiled) accumulate(ctx context.Context, r *reportRun, cl *cell, a compiledAgg, row map[string]any, n string) error {
	if a.Fn == "count" {
		cl.n += integer(row[n])
		return nil
	}
	if row[n] == nil {
		return nil
	}
	v := decimal.NewFromFloat(number(row[n]))
	if a.col.decimal {
		d, err := r.toBase(ctx, row[n], text(row["currency"]))
		if !c.money {
			err = d.Scan(normalizeNumber(row[n]))
		}
		if err != nil {
			return err
		}
		v = d.Decimal
	}
	switch a.Fn {
	case "sum", "avg":
		cl.sum, cl.n = cl.sum.Add(v), cl.n+integer(row[n+"_n"])
	case "min":
		if !cl.set || v.LessThan(cl.sum) {
			cl.sum = v
		}
	case "max":
		if !cl.set || v.GreaterThan(cl.sum) {
			cl.sum = v
		}
	}
	cl.set = true
	return nil
}

// result is an aggregate's final value.
func (c *compiled) result(a compiledAgg, cl cell) any {
	switch {
	case a.Fn == "count":
		return cl.n
	case a.Fn == "avg":
		if cl.n == 0 {
			return model.Decimal{}
		}
		return model.Decimal{Decimal: cl.sum.Div(decimal.NewFromInt(cl.n)).Round(2)}
	case a.col.decimal:
		return model.Decimal{Decimal: cl.sum}
	}
	return cl.sum.IntPart()
}

// sortRows orders rows by the definition's sort keys, then by the group
// keys.
func (c *compiled) sortRows(rows [][]any) {
	index := map[string]int{}
	for i, g := range c.groups {
		index[g.key] = i
	}
	for i, a := range c.aggs {
		index[a.Key()] = len(c.groups) + i
	}
	keys := append(slices.Clone(c.def.Sort), c.def.GroupBy...)
	slices.SortStableFunc(rows, func(x, y []any) int {
		for _, k := range keys {
			i := index[strings.TrimPrefix(k, "-")]
			if d := compareCells(x[i], y[i]); d != 0 {
				if strings.HasPrefix(k, "-") {
					return -d
				}
				return d
			}
		}
		return 0
	})
}

// label inserts the names of id groups after their ids.
func (c *compiled) label(ctx context.Context, r *reportRun) error {
	for gi := len(c.groups) - 1; gi >= 0; gi-- {
		g := c.groups[gi]
		if g.names == "" {
			continue
		}
		ids := make([]string, len(r.res.Rows))
		for i, row := range r.res.Rows {
			ids[i] = text(row[gi])
		}
		names, err := r.names(ctx, g.names, ids)
		if err != nil {
			return err
		}
		for i, row := range r.res.Rows {
			r.res.Rows[i] = slices.Insert(row, gi+1, any(names[text(row[gi])]))
		}
	}
	return nil
}

// groupValue turns a grouped value into text (times as RFC 3339).
func groupValue(v any) any {
	if t, ok := v.(time.Time); ok {
		return t.UTC().Format(time.RFC3339)
	}
	if v == nil {
		return ""
	}
	return text(v)
}

func textKey(keys []any) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = text(k)
	}
	return strings.Join(parts, "\x00")
}

// compareCells orders report values: numbers by value, the rest as text.
func compareCells(a, b any) int {
	switch x := a.(type) {
	case int64:
		return cmp.Compare(x, b.(int64))
	case model.Decimal:
		return x.Cmp(b.(model.Decimal).Decimal)
	}
	return strings.Compare(text(a), text(b))
}
