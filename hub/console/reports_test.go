package console_test

import (
	"encoding/json"
	"html"
	"net/http"
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
		m := chartBlock.FindStringSubmatch(page)
		if m == nil {
			t.Fatal("no chart data block")
		}
		var chart struct {
			Type     string
			Labels   []string
			Currency string
			Datasets []struct {
				Label string
				Data  []float64
			}
		}
		if err := json.Unmarshal([]byte(m[1]), &chart); err != nil {
			t.Fatalf("chart data: %v %s", err, m[1])
		}
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
