package console

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"rapport/hub/problem"
	"rapport/model"
	"rapport/model/store"
)

// Saved report definitions: the "My reports" list on /reports, a page that
// runs one as the built-in reports run (showReport), and an editor. They go
// through the store calls of the API's /report-definitions: List, Get,
// Create, Update and Delete under the owner-only policy, and
// ValidateReportDefinition and RunReportDefinition.

// Editor limits.
const (
	maxSavedReports = 200 // rows of "My reports"
	groupRows       = 3   // model's most group fields
	aggregateRows   = 10  // model's most aggregates
	minAggregateRow = 3   // rows the editor offers at least
)

// mountReports registers the pages of saved report definitions (the
// built-in reports' pages are mounted with the others in Mount).
func (c *Console) mountReports(rt routes) {
	rt.get("/reports/saved/new", c.newDefinition) // before {id}
	rt.post("/reports/saved", c.saveDefinition)
	rt.get("/reports/saved/{id}", c.savedReport)
	rt.post("/reports/saved/{id}", c.saveDefinition)
	rt.get("/reports/saved/{id}/edit", c.editDefinition)
	rt.post("/reports/saved/{id}/delete", c.deleteDefinition)
}

// savedDefinitions lists the signed-in user's own definitions, by name
// (an administrator, who may see everyone's, sees only theirs here too).
func (c *Console) savedDefinitions(r *http.Request) ([]*model.ReportDefinition, error) {
	me := model.ActorFrom(r.Context()).UserID
	pg, err := store.List[model.ReportDefinition](r.Context(), c.cfg.Store, store.ListParams{Limit: maxSavedReports, Sort: "name",
		Equals: map[string]string{"owner_id": me}})
	return pg.Items, err
}

// savedReport runs a saved definition with the period and zone of the query
// string, as the API's GET /report-definitions/{id}/run does.
func (c *Console) savedReport(w http.ResponseWriter, r *http.Request) {
	d, err := store.Get[model.ReportDefinition](r.Context(), c.cfg.Store, mux.Vars(r)["id"])
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := c.newPage(r, "reports")
	// Named as the API names the runs of definitions, whose parameters are
	// from, to and tz only: the same refusals.
	info := model.ReportInfo{Name: "custom", Title: d.Name, Description: d.Description}
	c.showReport(w, r, p, reportSource{info: info, action: "/reports/saved/" + d.ID, saved: d,
		export: "/api/v1/report-definitions/" + url.PathEscape(d.ID) + "/run", label: definitionLabels(p.view, d),
		run: func(ctx context.Context, params model.ReportParams) (*store.ReportResult, error) {
			return c.cfg.Store.RunReportDefinition(ctx, d, params)
		}})
}

// definitionForm is the editor's form: the values as typed, so that a
// refused form comes back as the user left it.
type definitionForm struct {
	ID                                     string
	Version                                int64
	Name, Description, Entity, PeriodField string
	Sort, Limit, Filter                    string
	Groups                                 []groupRow
	Aggregates                             []aggregateRow
	Entities, Units, Fns                   []string
	Errors                                 map[string]string // form field → the store's message
	Others                                 []string          // messages about nothing the form shows
	Refused                                string
}

// groupRow is one group-by field, with its unit of time; Num counts the
// rows from 1 for their labels.
type groupRow struct {
	Field, Unit, Error string
	Num                int
}

// aggregateRow is one figure: a function of a field, with a column title.
type aggregateRow struct {
	Fn, Field, Label, Error string
	Num                     int
}

// newDefinition opens the editor on a new definition: deals, counted.
func (c *Console) newDefinition(w http.ResponseWriter, r *http.Request) {
	c.renderDefinitionEditor(w, r, http.StatusOK, &definitionForm{Entity: "opportunity",
		Aggregates: []aggregateRow{{Fn: "count"}}})
}

// editDefinition opens the editor on a definition the user may see.
func (c *Console) editDefinition(w http.ResponseWriter, r *http.Request) {
	d, err := store.Get[model.ReportDefinition](r.Context(), c.cfg.Store, mux.Vars(r)["id"])
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.renderDefinitionEditor(w, r, http.StatusOK, formOf(d))
}

// formOf fills the editor from a stored definition.
func formOf(d *model.ReportDefinition) *definitionForm {
	f := &definitionForm{ID: d.ID, Version: d.Version, Name: d.Name, Description: d.Description, Entity: d.Of,
		PeriodField: d.PeriodField, Sort: strings.Join(d.Sort, ", "), Limit: strconv.Itoa(d.Limit)}
	if len(d.Filter.All)+len(d.Filter.Any) > 0 {
		b, _ := json.MarshalIndent(d.Filter, "", "  ") // a Filter always marshals
		f.Filter = string(b)
	}
	for _, g := range d.GroupBy {
		field, unit, _ := strings.Cut(g, ":")
		f.Groups = append(f.Groups, groupRow{Field: field, Unit: unit})
	}
	for _, a := range d.Aggregates {
		f.Aggregates = append(f.Aggregates, aggregateRow{Fn: a.Fn, Field: a.Field, Label: a.Label})
	}
	return f
}

// renderDefinitionEditor draws the editor with f, padded with empty rows.
func (c *Console) renderDefinitionEditor(w http.ResponseWriter, r *http.Request, status int, f *definitionForm) {
	p := c.newPage(r, "reports")
	p.Title = p.T("report.def.new")
	if f.ID != "" {
		p.Title = p.T("report.def.edit", f.Name)
	}
	f.Entities, f.Units, f.Fns = model.ReportEntities, model.BucketUnits, model.AggregateFuncs
	for len(f.Groups) < groupRows {
		f.Groups = append(f.Groups, groupRow{})
	}
	for n := max(minAggregateRow, min(len(f.Aggregates)+2, aggregateRows)); len(f.Aggregates) < n; {
		f.Aggregates = append(f.Aggregates, aggregateRow{})
	}
	for i := range f.Groups {
		f.Groups[i].Num = i + 1
	}
	for i := range f.Aggregates {
		f.Aggregates[i].Num = i + 1
	}
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	p.Data = f
	c.render(w, r, status, "report_def_edit", p)
}

// readDefinitionForm reads the posted editor: the form as typed (empty
// rows left out, so that the store's row numbers match the form's) and the
// definition it describes, with what could not be read (the limit, the
// filter's JSON) as field errors.
func readDefinitionForm(r *http.Request) (*definitionForm, *model.ReportDefinition, model.FieldErrors) {
	_ = r.ParseForm() // auth.Pages has read the form for its token
	pf := r.PostForm
	f := &definitionForm{ID: mux.Vars(r)["id"], Name: pf.Get("name"), Description: pf.Get("description"), Entity: pf.Get("entity"),
		PeriodField: pf.Get("period_field"), Sort: pf.Get("sort"), Limit: strings.TrimSpace(pf.Get("limit")), Filter: pf.Get("filter")}
	f.Version, _ = strconv.ParseInt(pf.Get("version"), 10, 64)
	d := &model.ReportDefinition{Name: f.Name, Description: f.Description, Of: f.Entity, PeriodField: strings.TrimSpace(f.PeriodField)}
	f.readRows(pf, d)
	for _, s := range strings.Split(f.Sort, ",") {
		if s = strings.TrimSpace(s); s != "" {
			d.Sort = append(d.Sort, s)
		}
	}
	fe := model.FieldErrors{}
	if f.Limit != "" {
		n, err := strconv.Atoi(f.Limit)
		if err != nil {
			fe.Add("limit", "a whole number")
		}
		d.Limit = n
	}
	if strings.TrimSpace(f.Filter) != "" {
		filter, err := model.ParseFilter([]byte(f.Filter))
		if err != nil {
			fe.Add("filter", err.Error())
		}
		d.Filter = filter
	}
	return f, d, fe
}

// readRows reads the group-by and figure rows into the form and the
// definition, leaving out empty ones.
func (f *definitionForm) readRows(pf url.Values, d *model.ReportDefinition) {
	units := pf["group_unit"]
	for i, field := range pf["group_field"] {
		row := groupRow{Field: strings.TrimSpace(field), Unit: nthValue(units, i)}
		if row.Field == "" {
			continue
		}
		f.Groups = append(f.Groups, row)
		d.GroupBy = append(d.GroupBy, strings.TrimSuffix(row.Field+":"+row.Unit, ":"))
	}
	fields, labels := pf["agg_field"], pf["agg_label"]
	for i, fn := range pf["agg_fn"] {
		row := aggregateRow{Fn: fn, Field: strings.TrimSpace(nthValue(fields, i)), Label: strings.TrimSpace(nthValue(labels, i))}
		if row.Fn == "" && row.Field == "" && row.Label == "" {
			continue
		}
		f.Aggregates = append(f.Aggregates, row)
		d.Aggregates = append(d.Aggregates, model.Aggregate{Fn: row.Fn, Field: row.Field, Label: row.Label})
	}
}

// nthValue is list[i], or "" past its end.
func nthValue(list []string, i int) string {
	if i < len(list) {
		return list[i]
	}
	return ""
}

// saveDefinition creates a definition (POST /reports/saved, as the API's
// POST /report-definitions) or updates one with the version the editor was
// opened on (POST /reports/saved/{id}, as the API's PATCH with If-Match),
// after store.ValidateReportDefinition. A refused form is drawn again as
// typed, with the reasons beside the fields (422) or the news that someone
// changed it meanwhile (412).
func (c *Console) saveDefinition(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, d, unread := readDefinitionForm(r)
	var err error
	if f.ID != "" { // someone else's definition is not found before it is judged
		if _, err = store.Get[model.ReportDefinition](ctx, c.cfg.Store, f.ID); err == nil && f.Version < 1 {
			err = fieldErr("version", "required")
		}
	}
	if err == nil {
		err = withFieldErrors(c.cfg.Store.ValidateReportDefinition(d), unread)
	}
	switch {
	case err != nil:
	case f.ID == "":
		if err = store.Create(ctx, c.cfg.Store, d); err == nil {
			seeOther(w, r, "/reports/saved/"+d.ID, "report_saved")
			return
		}
	default:
		_, err = store.Update(ctx, c.cfg.Store, f.ID, f.Version, func(cur *model.ReportDefinition) error {
			cur.Name, cur.Description, cur.Of, cur.Filter, cur.PeriodField = d.Name, d.Description, d.Of, d.Filter, d.PeriodField
			cur.GroupBy, cur.Aggregates, cur.Sort, cur.Limit = d.GroupBy, d.Aggregates, d.Sort, d.Limit
			return nil
		})
		if err == nil {
			seeOther(w, r, "/reports/saved/"+f.ID, "report_saved")
			return
		}
	}
	c.refuseDefinition(w, r, f, d, err)
}

// withFieldErrors adds the fields the form could not read to the store's
// verdict.
func withFieldErrors(err error, unread model.FieldErrors) error {
	var e *model.Error
	if len(unread) == 0 || err != nil && (!errors.As(err, &e) || e.Code != model.EINVALID) {
		return err
	}
	if e != nil {
		for k, msg := range e.Fields {
			unread.Add(k, msg)
		}
		if len(e.Fields) == 0 {
			unread.Add("", e.Message)
		}
	}
	return unread.Err()
}

// refuseDefinition draws the editor again after a refused write: 404 and
// failures as error pages, the rest with the reasons.
func (c *Console) refuseDefinition(w http.ResponseWriter, r *http.Request, f *definitionForm, d *model.ReportDefinition, err error) {
	code := model.ErrorCode(err)
	if code == model.ENOTFOUND || code == model.EINTERNAL {
		c.fail(w, r, err)
		return
	}
	p := c.newPage(r, "reports")
	var e *model.Error
	if code != model.EINVALID || !errors.As(err, &e) {
		f.Refused = refusal(p.view, err)
	} else {
		f.Refused = p.T("report.def.refused")
		f.place(p.view, e.Fields, d)
	}
	c.renderDefinitionEditor(w, r, problem.Status(code), f)
}

// definitionFields are the store's field names the editor shows a message
// beside.
var definitionFields = []string{"name", "entity", "period_field", "group_by", "aggregates", "limit", "filter"}

// place puts the store's messages beside the fields and rows they are
// about: group_by[i] and aggregates[i].fn|field on their rows, sort[i] on
// the sort field (naming the item), the rest above the form.
func (f *definitionForm) place(v *view, fields map[string]string, d *model.ReportDefinition) {
	f.Errors = map[string]string{}
	for k, msg := range fields {
		name, index := splitIndex(k)
		switch {
		case slices.Contains(definitionFields, k):
			f.Errors[k] = msg
		case k == "":
			f.Others = append(f.Others, msg)
		case name == "group_by" && index >= 0 && index < len(f.Groups):
			f.Groups[index].Error = msg
		case name == "aggregates" && index >= 0 && index < len(f.Aggregates):
			f.Aggregates[index].Error = strings.TrimSpace(f.Aggregates[index].Error + " " + msg)
		case name == "sort" && index >= 0 && index < len(d.Sort):
			f.Errors["sort"] = strings.TrimSpace(f.Errors["sort"] + " " + d.Sort[index] + ": " + msg)
		default:
			f.Others = append(f.Others, k+": "+msg)
		}
	}
	if _, ok := f.Errors["limit"]; ok {
		f.Errors["limit"] = v.T("report.def.limit.error")
	}
	slices.Sort(f.Others)
}

// splitIndex reads "aggregates[2].field" as aggregates and 2; -1 when k
// has no index.
func splitIndex(k string) (string, int) {
	name, rest, ok := strings.Cut(k, "[")
	if !ok {
		return k, -1
	}
	n, err := strconv.Atoi(rest[:max(strings.IndexByte(rest, ']'), 0)])
	if err != nil {
		return k, -1
	}
	return name, n
}

// deleteDefinition deletes a definition the user may change, with the
// version its editor showed; someone's change meanwhile (412) draws the
// editor again on the current version.
func (c *Console) deleteDefinition(w http.ResponseWriter, r *http.Request) {
	ctx, id := r.Context(), mux.Vars(r)["id"]
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	err := fieldErr("version", "required")
	if version > 0 {
		err = store.Delete[model.ReportDefinition](ctx, c.cfg.Store, id, version)
	}
	if err == nil {
		seeOther(w, r, "/reports", "report_deleted")
		return
	}
	d, getErr := store.Get[model.ReportDefinition](ctx, c.cfg.Store, id)
	if model.ErrorCode(err) != model.EPRECONDITION || getErr != nil {
		c.fail(w, r, err)
		return
	}
	f := formOf(d)
	f.Refused = refusal(c.newPage(r, "reports").view, err)
	c.renderDefinitionEditor(w, r, problem.Status(model.EPRECONDITION), f)
}
