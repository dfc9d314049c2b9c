package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/shopspring/decimal"

	"rapport/model"
	"rapport/model/store"
)

// ChartJSVersion is the Chart.js release vendored in
// static/chart.umd.min.js (from the npm package chart.js, MIT; see
// docs/console.md for how to update it).
const ChartJSVersion = "4.6.1"

// maxChartRows bounds the rows a report's chart draws; the table shows all.
const maxChartRows = 60

// reportsData is the reports page: the user's saved definitions and the
// built-in reports, their texts in the user's language.
type reportsData struct {
	Saved   []*model.ReportDefinition
	Reports []model.ReportInfo
}

// reports lists the user's saved report definitions and every built-in
// report, by its title in the user's language.
func (c *Console) reports(w http.ResponseWriter, r *http.Request) {
	p := c.newPage(r, "reports")
	p.Title, p.Done = p.T("reports.title"), doneKey(r)
	saved, err := c.savedDefinitions(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	infos := store.Reports()
	for i, info := range infos {
		infos[i] = localReport(p.view, info)
	}
	slices.SortStableFunc(infos, func(a, b model.ReportInfo) int { return strings.Compare(a.Title, b.Title) })
	p.Data = reportsData{Saved: saved, Reports: infos}
	c.render(w, r, http.StatusOK, "reports", p)
}

// reportField is one field of a report's parameter form.
type reportField struct {
	Name, Label, Hint, Value string
	Kind                     string   // "date", "zone", "choice", "text"
	Choices                  []choice // for "choice"
	Error                    string
}

// reportData is one report's page: the form, and the result when the
// parameters were valid.
type reportData struct {
	Info    model.ReportInfo // title, description and parameters in the user's language
	Action  string           // the page's address: the form's action
	Saved   *model.ReportDefinition
	Fields  []reportField
	Errors  []string // messages about parameters the form has no field for
	Result  *store.ReportResult
	Rows    [][]string // the cells, formatted for the user's locale
	Numeric []bool     // per column: right-aligned
	Chart   *chartData
	CSV     string // the API's export links for the same parameters
	XLSX    string
	From    model.Date // the period's first and last day
	Last    model.Date
	Zones   []string // suggestions for the zone field
}

// chartData is what static/report.js gives Chart.js: read from a
// <script type="application/json"> block (the CSP allows no inline script).
type chartData struct {
	Type     string         `json:"type"` // "bar" or "line"
	Labels   []string       `json:"labels"`
	Datasets []chartDataset `json:"datasets"`
	Lang     string         `json:"lang"`
	Currency string         `json:"currency,omitempty"` // set when the values are money
	Percent  bool           `json:"percent,omitempty"`
}

// chartDataset is one series of the chart.
type chartDataset struct {
	Label string    `json:"label"`
	Data  []float64 `json:"data"`
}

// reportSource is what a report page runs: a built-in report or a saved
// definition.
type reportSource struct {
	info   model.ReportInfo // its parameters, and its title and description in the user's language
	action string           // the page's address
	export string           // the API's address of the same run, which takes format=csv|xlsx
	label  func(model.ReportColumn) string
	run    func(ctx context.Context, params model.ReportParams) (*store.ReportResult, error)
	saved  *model.ReportDefinition
}

// report runs one report of the shared engine.
func (c *Console) report(w http.ResponseWriter, r *http.Request) {
	info, ok := store.ReportInfo(mux.Vars(r)["name"])
	if !ok {
		c.fail(w, r, model.Errorf(model.ENOTFOUND, "no such report"))
		return
	}
	p := c.newPage(r, "reports")
	local := localReport(p.view, info)
	c.showReport(w, r, p, reportSource{info: local, action: "/reports/" + url.PathEscape(info.Name),
		export: "/api/v1/reports/" + url.PathEscape(info.Name), label: builtinLabels(local),
		run: func(ctx context.Context, params model.ReportParams) (*store.ReportResult, error) {
			return c.cfg.Store.RunReport(ctx, info.Name, params)
		}})
}

// showReport runs a report with the parameters of the query string, parsed
// as the API parses them (model.ParseReportParams), and draws the form, a
// chart and the table, its labels in the user's language.
func (c *Console) showReport(w http.ResponseWriter, r *http.Request, p *page, src reportSource) {
	p.Title, p.Done = src.info.Title, doneKey(r)
	d := &reportData{Info: src.info, Action: src.action, Saved: src.saved, Zones: commonZones}
	p.Data = d
	q := reportQuery(r, p.tz)
	params, err := model.ParseReportParams(src.info, q, time.Now())
	if err == nil {
		d.Result, err = src.run(r.Context(), params)
	}
	refused, err := invalidFields(err)
	var pipelines []*model.Pipeline
	if err == nil && slices.ContainsFunc(src.info.Params, func(rp model.ReportParam) bool { return rp.Name == "pipeline_id" }) {
		var list store.Page[*model.Pipeline]
		list, err = store.List[model.Pipeline](r.Context(), c.cfg.Store, store.ListParams{Limit: 200})
		pipelines = list.Items
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d.Fields = reportFields(p, src.info, q, params, d.Result != nil, refused, pipelines)
	d.Errors = unplaced(d.Fields, refused)
	status := http.StatusOK
	if refused != nil {
		status = http.StatusUnprocessableEntity
	}
	if d.Result != nil {
		d.Result.Columns = relabel(d.Result.Columns, src.label)
		d.From, d.Last = model.Date{Time: params.From}, model.Date{Time: params.To.AddDate(0, 0, -1)}
		d.Rows, d.Numeric = reportTable(p, d.Result)
		d.Chart = reportChart(p, d.Result, params)
		d.CSV, d.XLSX = exportLink(src.export, d.Fields, "csv"), exportLink(src.export, d.Fields, "xlsx")
		p.Scripts = []string{"chart.umd.min.js", "report.js"}
	}
	c.render(w, r, status, "report", p)
}

// reportQuery reads a report form's query string: empty fields mean "the
// default", as an absent API parameter does; the zone defaults to the
// user's; the confirmation (done) is not a parameter.
func reportQuery(r *http.Request, tz *time.Location) url.Values {
	q := url.Values{}
	for k, vs := range r.URL.Query() {
		if len(vs) > 0 && strings.TrimSpace(vs[0]) != "" && k != "done" {
			q.Set(k, vs[0])
		}
	}
	if q.Get("tz") == "" {
		q.Set("tz", tz.String())
	}
	return q
}

// invalidFields splits a refusal of the parameters (EINVALID: its fields,
// or its message under "") from a failure, which it returns.
func invalidFields(err error) (map[string]string, error) {
	var e *model.Error
	if err == nil || !errors.As(err, &e) || e.Code != model.EINVALID {
		return nil, err
	}
	if len(e.Fields) == 0 {
		return map[string]string{"": e.Message}, nil
	}
	return e.Fields, nil
}

// unplaced lists the refusals the form has no field for, sorted.
func unplaced(fields []reportField, refused map[string]string) []string {
	var out []string
	for k, msg := range refused {
		switch {
		case k == "":
			out = append(out, msg)
		case !slices.ContainsFunc(fields, func(f reportField) bool { return f.Name == k }):
			out = append(out, k+": "+msg)
		}
	}
	slices.Sort(out)
	return out
}

// relabel returns a copy of a result's columns (the engine's may be its
// catalogue's own) labelled by label.
func relabel(cols []model.ReportColumn, label func(model.ReportColumn) string) []model.ReportColumn {
	out := make([]model.ReportColumn, len(cols))
	for i, col := range cols {
		col.Label = label(col)
		out[i] = col
	}
	return out
}

// exportLink is the API's address that exports a run with the form's
// values in format.
func exportLink(base string, fields []reportField, format string) string {
	q := url.Values{}
	for _, f := range fields {
		if f.Value != "" {
			q.Set(f.Name, f.Value)
		}
	}
	q.Set("format", format)
	return base + "?" + q.Encode()
}

// reportFields builds the form: the period, the zone and the report's own
// parameters (info's, their hints already in the user's language), with the
// values asked for (or, after a valid run, the values the run used).
func reportFields(p *page, info model.ReportInfo, q url.Values, params model.ReportParams, valid bool,
	errs map[string]string, pipelines []*model.Pipeline) []reportField {
	from, to := q.Get("from"), q.Get("to")
	if valid {
		from, to = params.From.Format(model.DateLayout), params.To.Format(model.DateLayout)
	}
	fields := []reportField{
		{Name: "from", Label: p.T("report.from"), Kind: "date", Value: from},
		{Name: "to", Label: p.T("report.to"), Hint: p.T("report.to.hint"), Kind: "date", Value: to},
		{Name: "tz", Label: p.T("report.tz"), Kind: "zone", Value: q.Get("tz")},
	}
	for _, rp := range info.Params {
		f := reportField{Name: rp.Name, Label: p.E("report.param", rp.Name), Hint: rp.Description, Kind: "text", Value: q.Get(rp.Name)}
		if f.Value == "" {
			f.Value = rp.Default
		}
		switch {
		case len(rp.Choices) > 0:
			f.Kind = "choice"
			for _, ch := range rp.Choices {
				f.Choices = append(f.Choices, choice{ch, p.E("report.choice", ch)})
			}
		case rp.Name == "pipeline_id" && len(pipelines) > 0:
			f.Kind = "choice"
			f.Choices = []choice{{"", p.T("report.pipeline.default")}}
			for _, pl := range pipelines {
				f.Choices = append(f.Choices, choice{pl.ID, pl.Name})
			}
		}
		fields = append(fields, f)
	}
	for i := range fields {
		fields[i].Error = errs[fields[i].Name]
	}
	return fields
}

// numericColumn reports whether a column holds numbers.
func numericColumn(typ string) bool {
	switch typ {
	case model.ColInt, model.ColMoney, model.ColDecimal, model.ColPercent:
		return true
	}
	return false
}

// reportTable formats a result's cells in the user's locale.
func reportTable(p *page, res *store.ReportResult) ([][]string, []bool) {
	numeric := make([]bool, len(res.Columns))
	for i, col := range res.Columns {
		numeric[i] = numericColumn(col.Type)
	}
	rows := make([][]string, len(res.Rows))
	for ri, row := range res.Rows {
		cells := make([]string, len(row))
		for ci, v := range row {
			if ci < len(res.Columns) {
				cells[ci] = p.reportValue(v, res.Columns[ci].Type, res.Currency)
			}
		}
		rows[ri] = cells
	}
	return rows, numeric
}

// reportValue formats one value of a column type.
func (v *view) reportValue(x any, typ, currency string) string {
	switch x := x.(type) {
	case nil:
		return ""
	case model.Decimal:
		switch typ {
		case model.ColMoney:
			if currency != "" {
				return v.Money(x, currency)
			}
			return v.loc.Number(x.Decimal, 2)
		case model.ColPercent:
			return v.loc.Percent(x.Decimal, 1)
		}
		return v.loc.Number(x.Decimal, -1)
	case *model.Decimal:
		if x == nil {
			return ""
		}
		return v.reportValue(*x, typ, currency)
	case int, int64:
		if typ == model.ColPercent {
			return v.Percent(int(toFloat(x)))
		}
		return v.Int(x)
	case int32:
		return v.Int(int64(x))
	case float64:
		return v.loc.Number(decimal.NewFromFloat(x), -1)
	case time.Time:
		return v.Date(x)
	case *string:
		return deref(x)
	}
	return fmt.Sprint(x)
}

// toFloat reads a numeric cell for the chart.
func toFloat(x any) float64 {
	switch x := x.(type) {
	case model.Decimal:
		f, _ := x.Float64()
		return f
	case *model.Decimal:
		if x != nil {
			f, _ := x.Float64()
			return f
		}
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case int32:
		return float64(x)
	case float64:
		return x
	}
	return 0
}

// reportChart chooses what to draw. The rows' labels are their text
// columns before the first number (a key column followed by its name shows
// the name); the series are the numeric columns of one type — money if the
// report has money, else counts, else other numbers, else percentages — so
// money is never drawn on the axis of counts. A report whose rows are
// periods (a date first, or the group parameter a time unit) is a line
// chart, the others bars. Nil when there is nothing to draw.
func reportChart(p *page, res *store.ReportResult, params model.ReportParams) *chartData {
	first := slices.IndexFunc(res.Columns, func(c model.ReportColumn) bool { return numericColumn(c.Type) })
	if first < 0 || len(res.Rows) == 0 {
		return nil
	}
	var typ string
	for _, t := range []string{model.ColMoney, model.ColInt, model.ColDecimal, model.ColPercent} {
		if slices.ContainsFunc(res.Columns, func(c model.ReportColumn) bool { return c.Type == t }) {
			typ = t
			break
		}
	}
	var labelCols []int
	for i := range first {
		next := i + 1
		if next < first && (res.Columns[next].Key == "label" || res.Columns[next].Key == "name") {
			continue
		}
		labelCols = append(labelCols, i)
	}
	ch := &chartData{Type: "bar", Lang: p.loc.Tag().String(), Percent: typ == model.ColPercent}
	if typ == model.ColMoney {
		ch.Currency = res.Currency
	}
	if len(labelCols) > 0 && res.Columns[labelCols[0]].Type == model.ColDate || periodColumn(res.Columns[0].Key) ||
		slices.Contains(model.BucketUnits, params.Values["group"]) {
		ch.Type = "line"
	}
	series := map[int]int{}
	for i, col := range res.Columns {
		if col.Type == typ {
			series[i] = len(ch.Datasets)
			ch.Datasets = append(ch.Datasets, chartDataset{Label: col.Label})
		}
	}
	for _, row := range res.Rows[:min(len(res.Rows), maxChartRows)] {
		var parts []string
		for _, i := range labelCols {
			if i >= len(row) {
				continue
			}
			if s := p.reportValue(row[i], res.Columns[i].Type, ""); s != "" {
				parts = append(parts, s)
			}
		}
		ch.Labels = append(ch.Labels, strings.Join(parts, " · "))
		for i, ds := range series {
			if i < len(row) {
				ch.Datasets[ds].Data = append(ch.Datasets[ds].Data, toFloat(row[i]))
			}
		}
	}
	return ch
}

// periodColumn reports whether a first column's key names a period: a
// built-in report's period column, or a saved definition's time field
// grouped by a unit ("close_date:month").
func periodColumn(key string) bool {
	_, unit, bucketed := strings.Cut(key, ":")
	return key == "period" || key == "bucket" || slices.Contains(model.BucketUnits, key) || bucketed && slices.Contains(model.BucketUnits, unit)
}
