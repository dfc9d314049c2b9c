package api

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/mux"
	"github.com/xuri/excelize/v2"

	"rapport/model"
	"rapport/model/store"
)

// mountReports serves the report engine: the catalogue and runs as JSON,
// CSV or XLSX.
func (a *API) mountReports(r *mux.Router) {
	a.handle(r, http.MethodGet, "/reports", operation{id: "list_reports", tag: "Reports",
		summary: "Every built-in report with its parameters and columns", schema: "ReportList"}, a.listReports)
	// Before /reports/{name}, which gorilla/mux would answer 405 for a POST.
	a.handle(r, http.MethodPost, "/reports/query", operation{id: "query_report", tag: "Reports", kind: opCustom,
		summary: "Run a report definition without saving it (from, to, tz and format in the query string)",
		request: "ReportDefinition", schema: "ReportResult", params: []string{"from", "to", "tz", "format"}}, a.queryReport)
	a.handle(r, http.MethodGet, "/reports/{name}", operation{id: "run_report", tag: "Reports",
		summary: "Run a report: from, to (exclusive dates), tz, the report's own parameters, format=json|csv|xlsx",
		schema:  "ReportResult", params: []string{"from", "to", "tz", "format"}}, a.runReport)
	(&collection[model.ReportDefinition, *model.ReportDefinition]{api: a, path: "/report-definitions", tag: "Reports", filters: "entity owner_id"}).mount(r)
	a.handle(r, http.MethodGet, "/report-definitions/{id}/run", operation{id: "run_report_definition", tag: "Reports",
		summary: "Run a saved report definition with the caller's visibility", schema: "ReportResult",
		params: []string{"from", "to", "tz", "format"}}, a.runDefinition)
}

// customInfo is the catalogue entry user-defined reports are parsed with:
// from, to and tz only.
var customInfo = model.ReportInfo{Name: "custom"}

func (a *API) queryReport(w http.ResponseWriter, r *http.Request) {
	var d model.ReportDefinition
	if err := a.decodeStrict(w, r, &d); err != nil {
		fail(w, r, err)
		return
	}
	d.Meta = model.Meta{}
	a.runCustom(w, r, &d)
}

func (a *API) runDefinition(w http.ResponseWriter, r *http.Request) {
	d, err := store.Get[model.ReportDefinition](r.Context(), a.store, mux.Vars(r)["id"])
	if err != nil {
		fail(w, r, err)
		return
	}
	a.runCustom(w, r, d)
}

// runCustom runs a definition and answers in the asked format.
func (a *API) runCustom(w http.ResponseWriter, r *http.Request, d *model.ReportDefinition) {
	q := r.URL.Query()
	format, err := reportFormat(q.Get("format"))
	var p model.ReportParams
	if err == nil {
		p, err = model.ParseReportParams(customInfo, q, time.Now())
	}
	var res *store.ReportResult
	if err == nil {
		res, err = a.store.RunReportDefinition(r.Context(), d, p)
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	writeReport(w, r, res, format)
}

func (a *API) listReports(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"items": store.Reports()})
}

func (a *API) runReport(w http.ResponseWriter, r *http.Request) {
	name := mux.Vars(r)["name"]
	info, ok := store.ReportInfo(name)
	if !ok {
		fail(w, r, model.Errorf(model.ENOTFOUND, "no report %q; GET /api/v1/reports lists them", name))
		return
	}
	q := r.URL.Query()
	format, err := reportFormat(q.Get("format"))
	var p model.ReportParams
	if err == nil {
		p, err = model.ParseReportParams(info, q, time.Now())
	}
	var res *store.ReportResult
	if err == nil {
		res, err = a.store.RunReport(r.Context(), name, p)
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	writeReport(w, r, res, format)
}

// reportFormat checks the format parameter (default json).
func reportFormat(f string) (string, error) {
	switch f {
	case "":
		return "json", nil
	case "json", "csv", "xlsx":
		return f, nil
	}
	return "", fieldError("format", "json, csv or xlsx")
}

// writeReport answers with a report in a format.
func writeReport(w http.ResponseWriter, r *http.Request, res *store.ReportResult, format string) {
	switch format {
	case "csv":
		writeReportCSV(w, res)
	case "xlsx":
		writeReportXLSX(w, r, res)
	default:
		writeJSON(w, http.StatusOK, res)
	}
}

// reportCell formats a value for CSV: money with two places, percentages
// with one, as numbers a spreadsheet reads.
func reportCell(v any, typ string) string {
	switch x := v.(type) {
	case model.Decimal:
		if typ == model.ColMoney {
			return x.StringFixed(2)
		}
		return x.String()
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func reportFilename(res *store.ReportResult, ext string) string {
	return fmt.Sprintf(`attachment; filename="%s_%s_%s.%s"`, res.Name, res.From, res.To, ext)
}

func writeReportCSV(w http.ResponseWriter, res *store.ReportResult) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", reportFilename(res, "csv"))
	cw := csv.NewWriter(w)
	header := make([]string, len(res.Columns))
	for i, c := range res.Columns {
		header[i] = c.Label
	}
	_ = cw.Write(header)
	for _, row := range res.Rows {
		rec := make([]string, len(row))
		for i, v := range row {
			rec[i] = reportCell(v, res.Columns[i].Type)
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
}

// writeReportXLSX writes one sheet with typed cells: numbers stay numbers,
// money gets a two-place format.
func writeReportXLSX(w http.ResponseWriter, r *http.Request, res *store.ReportResult) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	money, _ := f.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00
	for i, c := range res.Columns {
		cellName, _ := excelize.CoordinatesToCellName(i+1, 1)
		_ = f.SetCellValue(sheet, cellName, c.Label)
	}
	for ri, row := range res.Rows {
		for ci, v := range row {
			cellName, _ := excelize.CoordinatesToCellName(ci+1, ri+2)
			if err := setReportCell(f, sheet, cellName, v, res.Columns[ci].Type, money); err != nil {
				fail(w, r, err)
				return
			}
		}
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", reportFilename(res, "xlsx"))
	_ = f.Write(w)
}

func setReportCell(f *excelize.File, sheet, cellName string, v any, typ string, moneyStyle int) error {
	d, ok := v.(model.Decimal)
	if !ok {
		return f.SetCellValue(sheet, cellName, v)
	}
	n, _ := d.Float64() // a display value; the exact figure is in JSON and CSV
	if err := f.SetCellValue(sheet, cellName, n); err != nil {
		return err
	}
	if typ == model.ColMoney {
		return f.SetCellStyle(sheet, cellName, cellName, moneyStyle)
	}
	return nil
}

// reportSchemas are the OpenAPI schemas of the report engine.
func reportSchemas() map[string]any {
	column := objectWith(map[string]any{"key": map[string]any{"type": "string"}, "label": map[string]any{"type": "string"},
		"type": map[string]any{"type": "string"}})
	return map[string]any{
		"ReportList": objectWith(map[string]any{"items": map[string]any{"type": "array", "items": map[string]any{"type": "object"}}}),
		"ReportResult": objectWith(map[string]any{"name": map[string]any{"type": "string"}, "title": map[string]any{"type": "string"},
			"currency": map[string]any{"type": "string"}, "from": map[string]any{"type": "string", "format": "date"},
			"to": map[string]any{"type": "string", "format": "date"}, "tz": map[string]any{"type": "string"},
			"columns": map[string]any{"type": "array", "items": column},
			"rows":    map[string]any{"type": "array", "items": map[string]any{"type": "array"}}}),
	}
}
