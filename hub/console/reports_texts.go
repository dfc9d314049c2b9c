package console

import (
	"strings"

	"rapport/model"
)

// reportKeys are the catalogue keys of one built-in report's texts: the
// engine writes them in English (model.ReportInfo); the console shows them
// from its catalogue, in the user's language.
type reportKeys struct {
	Title, Description string
	Hints              []string // per parameter, in info.Params' order
	Columns            []string // per column, in info.Columns' order
}

// reportTextKeys names the keys of a report's texts: report.<name>.title
// and .description, and for parameter hints and column labels the key of
// this report (report.<name>.col.<key>) where the catalogue has one — a
// label that differs from the other reports' — else the shared one
// (report.col.<key>).
func reportTextKeys(info model.ReportInfo) reportKeys {
	k := reportKeys{Title: "report." + info.Name + ".title", Description: "report." + info.Name + ".description"}
	for _, p := range info.Params {
		k.Hints = append(k.Hints, ownOrShared(info.Name, "param."+p.Name+".hint"))
	}
	for _, c := range info.Columns {
		k.Columns = append(k.Columns, ownOrShared(info.Name, "col."+c.Key))
	}
	return k
}

// ownOrShared is report.<name>.<rest> when the catalogue has it, else
// report.<rest>.
func ownOrShared(name, rest string) string {
	if own := "report." + name + "." + rest; hasKey(own) {
		return own
	}
	return "report." + rest
}

// hasKey reports whether the catalogue has key.
func hasKey(key string) bool {
	_, ok := catalogue[key]
	return ok
}

// localReport is a copy of a report's catalogue entry with its texts in
// v's language.
func localReport(v *view, info model.ReportInfo) model.ReportInfo {
	k := reportTextKeys(info)
	out := info
	out.Title, out.Description = v.T(k.Title), v.T(k.Description)
	out.Params = make([]model.ReportParam, len(info.Params))
	for i, p := range info.Params {
		p.Description = v.T(k.Hints[i])
		out.Params[i] = p
	}
	out.Columns = make([]model.ReportColumn, len(info.Columns))
	for i, c := range info.Columns {
		c.Label = v.T(k.Columns[i])
		out.Columns[i] = c
	}
	return out
}

// builtinLabels labels a built-in report's result columns as its local
// catalogue entry does.
func builtinLabels(local model.ReportInfo) func(model.ReportColumn) string {
	labels := map[string]string{}
	for _, c := range local.Columns {
		labels[c.Key] = c.Label
	}
	return func(c model.ReportColumn) string {
		if l, ok := labels[c.Key]; ok {
			return l
		}
		return c.Label
	}
}

// definitionLabels labels a saved definition's result columns: a group by
// its field (and its unit of time), an aggregate by the title its author
// gave it, else by its function and field ("Sum of amount"). The names the
// store adds after id groups keep the store's label.
func definitionLabels(v *view, d *model.ReportDefinition) func(model.ReportColumn) string {
	labels := map[string]string{}
	for _, g := range d.GroupBy {
		field, unit, bucketed := strings.Cut(g, ":")
		labels[g] = field
		if bucketed {
			labels[g] = field + " (" + v.E("report.choice", unit) + ")"
		}
	}
	for _, a := range d.Aggregates {
		switch {
		case a.Label != "":
			labels[a.Key()] = a.Label
		case a.Fn == "count":
			labels[a.Key()] = v.T("report.fn.count")
		default:
			labels[a.Key()] = v.T("report.agg.label", v.E("report.fn", a.Fn), a.Field)
		}
	}
	return func(c model.ReportColumn) string {
		if l, ok := labels[c.Key]; ok {
			return l
		}
		return c.Label
	}
}
