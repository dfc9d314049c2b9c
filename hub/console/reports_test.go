package console_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"rapport/hub/console"
	"rapport/model"
	"rapport/model/store"
)

var (
	chartBlock = regexp.MustCompile(`(?s)<script type="application/json" id="report-chart-data">(.*?)</script>`)
	exportLink = regexp.MustCompile(`href="(/api/v1/reports/[^"]+format=(csv|xlsx)[^"]*)"`)
	tableCells = regexp.MustCompile(`(?s)<table id="report-table">.*?</table>`)
)

// TestReports runs every report of the engine from the console, checks the
// figures against the API's for the same user (a deal of another team is
// not counted by either), the chart's data, the exports, and refusals
// identical to the API's.
func TestReports(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		red, blue := g.team("Red"), g.team("Blue")
		rita := g.user("rita", "Rita Red", model.RoleAgent, red)
		bill := g.user("bill", "Bill Blue", model.RoleAgent, blue)
		g.user("pat", "Pat Portal", model.RolePortal, nil)
		pl := g.pipeline()
		closing := &model.Date{Time: time.Now().UTC().Truncate(24 * time.Hour)}
		g.create(g.as(rita), &model.Opportunity{Name: "Red deal", PipelineID: pl.ID, Stage: pl.Stages[1].Key, Amount: model.Dec("1000"), Currency: "EUR", CloseDate: closing},
			&model.Opportunity{Name: "Red deal 2", PipelineID: pl.ID, Stage: pl.Stages[1].Key, Amount: model.Dec("500"), Currency: "EUR"})
		g.create(g.as(bill), &model.Opportunity{Name: "Blue deal", PipelineID: pl.ID, Stage: pl.Stages[1].Key, Amount: model.Dec("7000"), Currency: "EUR"})

		b := g.signIn("rita")
		list := b.page("/reports")
		for _, info := range store.Reports() {
			if !strings.Contains(list, `href="/reports/`+info.Name+`"`) {
				t.Errorf("the catalogue has no link to %s", info.Name)
			}
			// Every report runs with its defaults and draws its page.
			if code, body := b.get("/reports/" + info.Name); code != http.StatusOK || !strings.Contains(body, `id="p-from"`) {
				t.Errorf("%s: %d %.300s", info.Name, code, body)
			}
		}
		if !strings.Contains(list, `href="/reports" aria-current="page"`) {
			t.Error("the Reports navigation item is not current")
		}

		// The figures are the API's for the same user and parameters.
		q := "?from=2020-01-01&to=2030-01-01&tz=UTC&pipeline_id=" + pl.ID
		page := b.page("/reports/pipeline_by_stage" + q)
		_, apiBody := b.get("/api/v1/reports/pipeline_by_stage" + q)
		var res store.ReportResult
		if err := json.Unmarshal([]byte(apiBody), &res); err != nil || len(res.Rows) != 3 {
			t.Fatalf("API: %v %s", err, apiBody)
		}
		table := tableCells.FindString(page)
		for _, want := range []string{"Proposal", "€1,500.00", "€750.00"} { // Rita's two deals, not Bill's
			if !strings.Contains(table, want) {
				t.Errorf("the table lacks %q:\n%s", want, table)
			}
		}
		if strings.Contains(table, "8,500") || strings.Contains(apiBody, `"8500`) {
			t.Error("another team's deal is counted")
		}
		if res.Rows[1][4] != "1500" {
			t.Errorf("API amount of Proposal: %v", res.Rows[1][4])
		}
		chart := chartOf(t, page)
		if chart.Type != "bar" || strings.Join(chart.Labels, ",") != "Qualify,Proposal,Negotiation" || chart.Currency != "EUR" ||
			len(chart.Datasets) != 2 || chart.Datasets[0].Label != "Amount" || chart.Datasets[0].Data[1] != 1500 {
			t.Errorf("chart: %+v", chart)
		}
		for _, s := range []string{"chart.umd.min.js?v=", "report.js?v="} {
			if !strings.Contains(page, s) {
				t.Errorf("the page does not load %s", s)
			}
		}
		// Downloads go through the API's export with the same parameters.
		links := exportLink.FindAllStringSubmatch(page, -1)
		if len(links) != 2 {
			t.Fatalf("export links: %v", links)
		}
		for _, l := range links {
			r := b.do("GET", html.UnescapeString(l[1]), nil)
			want := map[string]string{"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}[l[2]]
			if r.code != http.StatusOK || r.hdr.Get("Content-Type") != want || !strings.Contains(r.hdr.Get("Content-Disposition"), "pipeline_by_stage_2020-01-01_2030-01-01") {
				t.Errorf("%s: %d %v", l[1], r.code, r.hdr)
			}
			if l[2] == "csv" && (!strings.Contains(r.body, "proposal,Proposal,50,2,1500.00,750.00") || strings.Contains(r.body, "8500")) {
				t.Errorf("csv: %s", r.body)
			}
		}
		// A time series is a line chart.
		if m := chartBlock.FindStringSubmatch(b.page("/reports/forecast?group=month")); m == nil || !strings.Contains(m[1], `"type":"line"`) {
			t.Errorf("forecast by month: %v", m)
		}

		// Bad parameters: refused as the API refuses them, the form kept.
		for _, bad := range []struct{ query, field string }{
			{"?from=yesterday", "from"},
			{"?from=2026-05-01&to=2026-01-01", "to"},
			{"?tz=Mars/Olympus", "tz"},
			{"?group=fortnight", "group"},
			{"?colour=red", "colour"},
		} {
			code, body := b.get("/reports/forecast" + bad.query)
			apiCode, _ := b.get("/api/v1/reports/forecast" + bad.query)
			if code != http.StatusUnprocessableEntity || apiCode < 400 || apiCode >= 500 || strings.Contains(body, "report-chart-data") {
				t.Errorf("%s: console %d, API %d", bad.query, code, apiCode)
			}
			if bad.field != "colour" && !strings.Contains(body, `id="p-`+bad.field+`-error"`) {
				t.Errorf("%s: no error beside %s", bad.query, bad.field)
			}
			if bad.field == "colour" && !strings.Contains(body, "colour: not a parameter") {
				t.Errorf("%s: the unknown parameter is not named", bad.query)
			}
		}
		if code, _ := b.get("/reports/limit_check?limit=5"); code != http.StatusNotFound {
			t.Errorf("unknown report: %d", code)
		}
		if code, body := b.get("/reports/top_accounts?limit=5000"); code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="p-limit-error"`) {
			t.Errorf("limit 5000: %d", code)
		}

		// Who may not run reports: a portal user (the API refuses too) and
		// an anonymous browser.
		pat := g.signIn("pat")
		if code, body := pat.get("/reports/forecast"); code != http.StatusForbidden || strings.Contains(body, "report-table") {
			t.Errorf("portal user on a report: %d", code)
		}
		if code, _ := pat.get("/api/v1/reports/forecast"); code != http.StatusForbidden {
			t.Errorf("portal user on the API's report: %d", code)
		}
		if r := g.anonymous().do("GET", "/reports/forecast", nil); r.code != http.StatusFound || !strings.HasPrefix(r.hdr.Get("Location"), "/login") {
			t.Errorf("anonymous: %d %v", r.code, r.hdr)
		}

		// Russian: the form and the money in the user's language.
		b.lang = "ru"
		ru := b.page("/reports/pipeline_by_stage" + q)
		for _, want := range []string{"Построить отчёт", "Скачать CSV", "1 500,00"} {
			if !strings.Contains(strings.ReplaceAll(ru, "\u00a0", " "), want) {
				t.Errorf("Russian report lacks %q", want)
			}
		}
	})
}

// TestChartLibraryVendored checks the vendored Chart.js against the
// version the code names, and its licence.
func TestChartLibraryVendored(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		b := g.anonymous()
		js := b.do("GET", "/static/chart.umd.min.js", nil)
		if js.code != 200 || !strings.Contains(js.body[:200], "Chart.js v"+console.ChartJSVersion) || js.hdr.Get("Content-Type") != "text/javascript; charset=utf-8" {
			t.Fatalf("Chart.js %s not served: %d %v", console.ChartJSVersion, js.code, js.hdr)
		}
		if r := b.do("GET", "/static/chart.LICENSE.txt", nil); r.code != 200 || !strings.Contains(r.body, "The MIT License") {
			t.Errorf("Chart.js licence: %d", r.code)
		}
	})
}

// russian creates a staff user whose profile asks for Russian.
func (g *rig) russian(username, name string) *model.User {
	g.t.Helper()
	u := &model.User{Email: username + "@example.com", Username: username, Name: name, Role: model.RoleAgent, Language: "ru"}
	if err := g.s.CreateUser(sys, u, password); err != nil {
		g.t.Fatal(err)
	}
	return u
}

// chartSpec is a report page's chart block.
type chartSpec struct {
	Type     string
	Labels   []string
	Currency string
	Datasets []struct {
		Label string
		Data  []float64
	}
}

// chartOf reads a report page's chart block.
func chartOf(t *testing.T, page string) (chart chartSpec) {
	t.Helper()
	m := chartBlock.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no chart data block")
	}
	if err := json.Unmarshal([]byte(m[1]), &chart); err != nil {
		t.Fatalf("chart data: %v %s", err, m[1])
	}
	return chart
}

// TestReportsRussian checks that a Russian user reads the reports in
// Russian: the catalogue's titles and descriptions, a report's title,
// description, parameter hints, column labels and chart series, and no
// English text of the engine's on any report's heading.
func TestReportsRussian(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		anna := g.russian("anna", "Анна Иванова")
		pl := g.pipeline()
		g.create(g.as(anna), &model.Opportunity{Name: "Поставка", PipelineID: pl.ID, Stage: pl.Stages[1].Key, Amount: model.Dec("1000"), Currency: "EUR"})
		b := g.signIn("anna")
		list := b.page("/reports")
		for _, want := range []string{"Мои отчёты", "Встроенные отчёты", "Воронка по этапам", "Прогноз продаж",
			"Открытые сделки воронки по этапам, в порядке этапов: количество, сумма и взвешенная сумма (независимо от даты закрытия)."} {
			if !strings.Contains(list, want) {
				t.Errorf("the Russian catalogue lacks %q", want)
			}
		}
		for _, info := range store.Reports() {
			if strings.Contains(list, ">"+html.EscapeString(info.Title)+"</a>") || strings.Contains(list, html.EscapeString(info.Description)) {
				t.Errorf("the Russian catalogue shows %s in English", info.Name)
			}
			if page := b.page("/reports/" + info.Name); strings.Contains(page, "<h1>"+html.EscapeString(info.Title)+"</h1>") {
				t.Errorf("%s: the heading is English", info.Name)
			}
		}
		page := b.page("/reports/pipeline_by_stage?from=2020-01-01&to=2030-01-01&tz=UTC&pipeline_id=" + pl.ID)
		table := tableCells.FindString(page)
		for _, want := range []string{"<h1>Воронка по этапам</h1>", "воронка (по умолчанию — основная)"} {
			if !strings.Contains(page, want) {
				t.Errorf("the Russian report lacks %q", want)
			}
		}
		for _, want := range []string{">Этап</th>", ">Название этапа</th>", ">Вероятность</th>", ">Сделки</th>", ">Сумма</th>", ">Взвешенная сумма</th>"} {
			if !strings.Contains(table, want) {
				t.Errorf("the Russian table lacks %q", want)
			}
		}
		if strings.Contains(page, "Stage name") || strings.Contains(page, ">Weighted<") || strings.Contains(page, "the default pipeline") {
			t.Error("the Russian report shows English labels")
		}
		chart := chartOf(t, page)
		if len(chart.Datasets) != 2 || chart.Datasets[0].Label != "Сумма" || chart.Datasets[1].Label != "Взвешенная сумма" {
			t.Errorf("Russian chart series: %+v", chart.Datasets)
		}
		// The engine's catalogue is untouched by the translation.
		if info, _ := store.ReportInfo("pipeline_by_stage"); info.Columns[1].Label != "Stage name" || info.Title != "Pipeline by stage" {
			t.Errorf("the engine's catalogue changed: %+v", info)
		}
		// Anna's profile language wins over her browser's; a user without
		// one reads the English of the browser.
		if page := b.with("en").page("/reports/pipeline_by_stage"); !strings.Contains(page, "<h1>Воронка по этапам</h1>") {
			t.Error("the profile's language lost to the browser's")
		}
		g.user("eve", "Eve English", model.RoleAgent, nil)
		if en := g.signIn("eve").page("/reports/pipeline_by_stage"); !strings.Contains(en, "<h1>Pipeline by stage</h1>") ||
			!strings.Contains(en, "the pipeline (default: the default pipeline)") {
			t.Error("the English report is not in English")
		}
	})
}

var (
	versionField = regexp.MustCompile(`name="version" value="(\d+)"`)
	savedLink    = regexp.MustCompile(`^/reports/saved/([0-9a-f-]+)\?done=report_saved$`)
)

// definitionForm is the editor's fields for a definition of deals.
func definitionForm(token, name string, extra ...string) url.Values {
	f := url.Values{"csrf_token": {token}, "name": {name}, "description": {"Open amounts"}, "entity": {"opportunity"},
		"group_field": {"stage", "", ""}, "group_unit": {"", "", ""},
		"agg_fn": {"sum", "count", ""}, "agg_field": {"amount", "", ""}, "agg_label": {"", "", ""},
		"sort": {"-sum_amount"}, "limit": {""}, "filter": {""}, "period_field": {""}}
	for i := 0; i+1 < len(extra); i += 2 {
		f[extra[i]] = strings.Split(extra[i+1], "|")
	}
	return f
}

// TestReportDefinitions creates, lists, runs, edits and deletes a saved
// report definition through the console's forms, as its owner; another
// user gets 404 everywhere; a bad definition is refused (422) with the
// reasons beside the fields, what was typed kept and nothing stored; a
// stale form is refused (412).
func TestReportDefinitions(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		rita := g.user("rita", "Rita Red", model.RoleAgent, nil)
		g.user("bill", "Bill Blue", model.RoleAgent, nil)
		pl := g.pipeline()
		closing := &model.Date{Time: time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)}
		g.create(g.as(rita), &model.Opportunity{Name: "Red deal", PipelineID: pl.ID, Stage: pl.Stages[1].Key, Amount: model.Dec("1000"), Currency: "EUR", CloseDate: closing},
			&model.Opportunity{Name: "Red deal 2", PipelineID: pl.ID, Stage: pl.Stages[1].Key, Amount: model.Dec("500"), Currency: "EUR"})
		b := g.signIn("rita")
		stored := func() int {
			t.Helper()
			pg, err := store.List[model.ReportDefinition](sys, g.s, store.ListParams{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			return len(pg.Items)
		}

		if list := b.page("/reports"); !strings.Contains(list, "You have no saved reports yet.") || !strings.Contains(list, `href="/reports/saved/new"`) {
			t.Error("the empty My reports section")
		}
		editor := b.page("/reports/saved/new")
		for _, want := range []string{`name="group_field"`, `name="agg_fn"`, `<textarea id="filter" name="filter"`, `<option value="opportunity" selected>Deals</option>`} {
			if !strings.Contains(editor, want) {
				t.Errorf("the new report's editor lacks %s", want)
			}
		}

		// A bad definition: every reason beside its field, the typed values
		// kept, nothing stored; the API refuses the same definition.
		bad := definitionForm(b.csrf(editor), "", "group_field", "1=1) OR (1||", "agg_fn", "sum||", "agg_field", "stage||",
			"limit", "lots", "filter", `{"all": [{"field": "stage", "op": "like"}]}`, "sort", "-nothing")
		r := b.post("/reports/saved", bad)
		if r.code != http.StatusUnprocessableEntity {
			t.Fatalf("bad definition: %d %.500s", r.code, r.body)
		}
		for _, want := range []string{`id="name-error"`, `id="group-0-error"`, `id="limit-error"`, `id="filter-error"`, `id="sort-error"`,
			`value="1=1) OR (1"`, `value="lots"`, `value="stage"`, "&#34;like&#34;", "The report is not saved"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the refused form lacks %s", want)
			}
		}
		if n := stored(); n != 0 {
			t.Fatalf("a refused definition was stored: %d", n)
		}
		if code, _ := b.get("/reports/saved/new"); code != http.StatusOK {
			t.Error("the editor")
		}
		// Fields the entity lacks, once the shape is right.
		r = b.post("/reports/saved", definitionForm(b.token(), "Unknown fields", "period_field", "colour", "agg_fn", "count|sum|", "agg_field", "|stage|", "sort", ""))
		if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="period_field-error"`) || !strings.Contains(r.body, `value="colour"`) ||
			!strings.Contains(r.body, `id="agg-1-error"`) || strings.Contains(r.body, `id="agg-0-error"`) {
			t.Errorf("unknown fields: %d %.3000s", r.code, r.body)
		}
		if n := stored(); n != 0 {
			t.Fatalf("a refused definition was stored: %d", n)
		}

		// Create, then the report runs with the same figures as the API's.
		r = b.post("/reports/saved", definitionForm(b.token(), "Amount by stage"))
		m := savedLink.FindStringSubmatch(r.hdr.Get("Location"))
		if r.code != http.StatusSeeOther || m == nil {
			t.Fatalf("create: %d %v %.300s", r.code, r.hdr, r.body)
		}
		id := m[1]
		page := b.page(r.hdr.Get("Location") + "&from=2020-01-01&to=2030-01-01")
		table := tableCells.FindString(page)
		for _, want := range []string{"The report is saved.", "<h1>Amount by stage</h1>", "Open amounts", "Counts: Deals", `href="/reports/saved/` + id + `/edit"`,
			"no period field", `action="/reports/saved/` + id + `"`} {
			if !strings.Contains(page, want) {
				t.Errorf("the saved report's page lacks %q", want)
			}
		}
		for _, want := range []string{">stage</th>", ">Sum of amount</th>", ">Count</th>", "proposal", "€1,500.00", ">2</td>"} {
			if !strings.Contains(table, want) {
				t.Errorf("the saved report's table lacks %q:\n%s", want, table)
			}
		}
		if chart := chartOf(t, page); chart.Type != "bar" || len(chart.Datasets) != 1 || chart.Datasets[0].Label != "Sum of amount" || chart.Datasets[0].Data[0] != 1500 {
			t.Errorf("chart: %+v", chart)
		}
		links := exportLink.FindAllStringSubmatch(page, -1)
		if len(links) != 0 {
			t.Errorf("built-in export links on a saved report: %v", links)
		}
		csv := regexp.MustCompile(`href="(/api/v1/report-definitions/` + id + `/run\?[^"]*format=csv[^"]*)"`).FindStringSubmatch(page)
		if csv == nil {
			t.Fatal("no CSV link of the definition")
		}
		if r := b.do("GET", html.UnescapeString(csv[1]), nil); r.code != http.StatusOK || !strings.Contains(r.body, "proposal,1500.00,2") {
			t.Errorf("CSV: %d %s", r.code, r.body)
		}
		if !strings.Contains(page, "format=xlsx") {
			t.Error("no XLSX link")
		}
		if list := b.page("/reports"); !strings.Contains(list, `<a href="/reports/saved/`+id+`">Amount by stage</a>`) || !strings.Contains(list, "<td>Deals</td>") {
			t.Error("My reports does not list the definition")
		}
		if code, body := b.get("/reports/saved/" + id + "?colour=red"); code != http.StatusUnprocessableEntity || !strings.Contains(body, "colour: not a parameter") {
			t.Errorf("unknown parameter of a saved report: %d", code)
		}

		// Someone else's definition: not found, and left alone.
		bill := g.signIn("bill")
		token := bill.token()
		for _, path := range []string{"/reports/saved/" + id, "/reports/saved/" + id + "/edit", "/api/v1/report-definitions/" + id + "/run"} {
			if code, _ := bill.get(path); code != http.StatusNotFound {
				t.Errorf("bill GET %s: %d", path, code)
			}
		}
		if r := bill.post("/reports/saved/"+id, definitionForm(token, "Mine now", "version", "1")); r.code != http.StatusNotFound {
			t.Errorf("bill edits: %d", r.code)
		}
		if r := bill.post("/reports/saved/"+id+"/delete", url.Values{"csrf_token": {token}, "version": {"1"}}); r.code != http.StatusNotFound {
			t.Errorf("bill deletes: %d", r.code)
		}
		if strings.Contains(bill.page("/reports"), id) {
			t.Error("bill's My reports lists rita's definition")
		}

		// Edit: the form shows the definition; a time bucket and a period
		// field make a line chart over the period.
		edit := b.page("/reports/saved/" + id + "/edit")
		v := versionField.FindStringSubmatch(edit)
		if v == nil || !strings.Contains(edit, `value="Amount by stage"`) || !strings.Contains(edit, `value="-sum_amount"`) || !strings.Contains(edit, `<option value="sum" selected>`) {
			t.Fatalf("the editor does not show the definition:\n%s", edit)
		}
		changed := definitionForm(b.csrf(edit), "Closing by month", "version", v[1], "group_field", "close_date||", "group_unit", "month||",
			"agg_fn", "count||", "agg_field", "||", "sort", "", "period_field", "close_date",
			"filter", `{"all": [{"field": "currency", "op": "eq", "value": "EUR"}]}`)
		if r := b.post("/reports/saved/"+id, changed); r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/reports/saved/"+id+"?done=report_saved" {
			t.Fatalf("edit: %d %.500s", r.code, r.body)
		}
		page = b.page("/reports/saved/" + id + "?from=2026-01-01&to=2027-01-01")
		if chart := chartOf(t, page); chart.Type != "line" || strings.Join(chart.Labels, ",") != "2026-03" || chart.Datasets[0].Data[0] != 1 {
			t.Errorf("by month: %+v", chart)
		}
		if !strings.Contains(page, ">close_date (Month)</th>") || strings.Contains(page, "no period field") {
			t.Error("the edited report's page")
		}
		if d, err := store.Get[model.ReportDefinition](g.as(rita), g.s, id); err != nil || d.Name != "Closing by month" || len(d.Filter.All) != 1 || d.PeriodField != "close_date" {
			t.Errorf("stored: %+v %v", d, err)
		}
		if edit := b.page("/reports/saved/" + id + "/edit"); !strings.Contains(edit, "&#34;currency&#34;") {
			t.Error("the editor does not show the filter")
		}
		// A stale form (the version it was opened on) is refused.
		if r := b.post("/reports/saved/"+id, changed); r.code != http.StatusPreconditionFailed || !strings.Contains(r.body, "Someone changed it meanwhile") {
			t.Errorf("stale edit: %d", r.code)
		}
		if r := b.post("/reports/saved/"+id+"/delete", url.Values{"csrf_token": {b.token()}, "version": {v[1]}}); r.code != http.StatusPreconditionFailed {
			t.Errorf("stale delete: %d", r.code)
		}

		// Russian: the page, the editor and the labels.
		ru := b.with("ru")
		page = ru.page("/reports/saved/" + id + "?from=2026-01-01&to=2027-01-01")
		for _, want := range []string{"Что считает: Сделки", ">close_date (Месяц)</th>", ">Количество</th>", "Изменить отчёт"} {
			if !strings.Contains(page, want) {
				t.Errorf("the Russian saved report lacks %q", want)
			}
		}
		if edit := ru.page("/reports/saved/" + id + "/edit"); !strings.Contains(edit, "Что считать") || !strings.Contains(edit, ">Сумма</option>") {
			t.Error("the Russian editor")
		}

		// Delete, with the current version.
		edit = b.page("/reports/saved/" + id + "/edit")
		if !strings.Contains(edit, `action="/reports/saved/`+id+`/delete"`) || !strings.Contains(edit, "Delete “Closing by month”?") {
			t.Fatal("the editor offers no deletion")
		}
		v = versionField.FindStringSubmatch(edit)
		if r := b.post("/reports/saved/"+id+"/delete", url.Values{"csrf_token": {b.csrf(edit)}, "version": {v[1]}}); r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/reports?done=report_deleted" {
			t.Fatalf("delete: %d %v", r.code, r.hdr)
		}
		if list := b.page("/reports?done=report_deleted"); !strings.Contains(list, "The report is deleted.") || strings.Contains(list, id) {
			t.Error("the list after the deletion")
		}
		if code, _ := b.get("/reports/saved/" + id); code != http.StatusNotFound {
			t.Errorf("a deleted definition: %d", code)
		}
		if n := stored(); n != 0 {
			t.Errorf("%d definitions left", n)
		}
	})
}

// TestReportListQueries counts the statements of the reports page for a
// user with one saved definition and one with eight: the same.
func TestReportListQueries(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		for name, n := range map[string]int{"sam": 1, "lara": 8} {
			u := g.user(name, name, model.RoleAgent, nil)
			for i := range n {
				d := &model.ReportDefinition{Name: fmt.Sprintf("Report %d", i), Of: model.ReportEntities[i%len(model.ReportEntities)], GroupBy: []string{"owner_id"}}
				if err := store.Create(g.as(u), g.s, d); err != nil {
					t.Fatal(err)
				}
			}
		}
		small, large := g.signIn("sam"), g.signIn("lara")
		small.page("/reports")
		large.page("/reports")
		var smallBody, largeBody string
		n1 := g.count(func() { smallBody = small.page("/reports") })
		n2 := g.count(func() { largeBody = large.page("/reports") })
		if n1 != n2 || n1 == 0 || strings.Count(largeBody, `<a href="/reports/saved/`) != 8 || strings.Count(smallBody, `<a href="/reports/saved/`) != 1 {
			t.Errorf("/reports: %d statements for 1 definition, %d for 8", n1, n2)
		}
	})
}
