package model

import (
	"regexp"
	"slices"
	"strings"
)

// ReportEntities are the records a user-defined report may count.
var ReportEntities = []string{"opportunity", "lead", "account", "contact", "activity", "campaign", "quote", "order", "request", "time_entry"}

// Aggregate functions of user-defined reports.
var AggregateFuncs = []string{"count", "sum", "avg", "min", "max"}

// Aggregate is one computed column: fn over field ("count" needs none).
type Aggregate struct {
	Fn    string `json:"fn"`
	Field string `json:"field,omitempty"`
	Label string `json:"label,omitempty"`
}

// Key names the aggregate's column: "count", "sum_amount".
func (a Aggregate) Key() string {
	if a.Fn == "count" {
		return "count"
	}
	return a.Fn + "_" + a.Field
}

// ReportDefinition is a report a user made: which records (entity and
// filter, in the period of PeriodField), grouped by which fields (a time
// field may be bucketed: "close_date:month"), with which aggregates, sorted
// how. The store compiles it into a parameterised query over known columns
// only; it never holds SQL.
type ReportDefinition struct {
	Meta
	Name        string      `gorm:"size:200;not null" json:"name"`
	Description string      `json:"description"`
	Of          string      `gorm:"column:entity;size:32;not null" json:"entity"` // what it counts
	Filter      Filter      `gorm:"serializer:json" json:"filter"`
	PeriodField string      `gorm:"size:64" json:"period_field"` // a date or time field that from/to restrict
	GroupBy     []string    `gorm:"serializer:json" json:"group_by"`
	Aggregates  []Aggregate `gorm:"serializer:json" json:"aggregates"`
	Sort        []string    `gorm:"serializer:json" json:"sort"` // group fields or aggregate keys, "-" first for descending
	Limit       int         `gorm:"column:max_rows;not null" json:"limit"`
	OwnerID     string      `gorm:"size:36;not null" json:"owner_id"`
}

// Entity implements Record.
func (*ReportDefinition) Entity() string { return "report_definition" }

// OwnerTeam implements Owned: a definition is its author's.
func (d *ReportDefinition) OwnerTeam() (string, string) { return d.OwnerID, "" }

// DefaultOwner implements DefaultOwned.
func (d *ReportDefinition) DefaultOwner(userID, _ string) {
	if d.OwnerID == "" {
		d.OwnerID = userID
	}
}

// Refs implements Referrer.
func (d *ReportDefinition) Refs() []Ref { return []Ref{{"owner_id", "user", &d.OwnerID}} }

// Report definition limits.
const (
	maxReportGroups     = 3
	maxReportAggregates = 10
	defaultReportLimit  = 1000
	maxReportLimit      = 10_000
)

var reportFieldPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// Normalize implements Record.
func (d *ReportDefinition) Normalize() {
	d.Name = strings.TrimSpace(d.Name)
	d.Of = strings.ToLower(strings.TrimSpace(d.Of))
	d.PeriodField = strings.TrimSpace(d.PeriodField)
	if d.Limit == 0 {
		d.Limit = defaultReportLimit
	}
	for _, list := range [][]string{d.GroupBy, d.Sort} {
		for i := range list {
			list[i] = strings.TrimSpace(list[i])
		}
	}
	for i := range d.Aggregates {
		d.Aggregates[i].Fn = strings.ToLower(strings.TrimSpace(d.Aggregates[i].Fn))
		d.Aggregates[i].Field = strings.TrimSpace(d.Aggregates[i].Field)
	}
	if len(d.Aggregates) == 0 {
		d.Aggregates = []Aggregate{{Fn: "count"}}
	}
	if d.GroupBy == nil {
		d.GroupBy = []string{}
	}
	if d.Sort == nil {
		d.Sort = []string{}
	}
}

// Validate implements Record: the shape. Which fields exist and may be
// summed is checked by the store against the entity's columns.
func (d *ReportDefinition) Validate() error {
	fe := FieldErrors{}
	if d.Name == "" {
		fe.Add("name", "required")
	}
	if !slices.Contains(ReportEntities, d.Of) {
		fe.Add("entity", "one of "+strings.Join(ReportEntities, ", "))
	}
	if err := d.Filter.Validate(); err != nil {
		fe.Add("filter", ErrorMessage(err))
	}
	if len(d.GroupBy) > maxReportGroups {
		fe.Add("group_by", "at most 3 fields")
	}
	for i, g := range d.GroupBy {
		field, unit, bucketed := strings.Cut(g, ":")
		if !reportFieldPattern.MatchString(field) || (bucketed && !slices.Contains(BucketUnits, unit)) {
			fe.Add("group_by["+itoa(i)+"]", "a field, or a date field and a unit such as close_date:month (units: "+strings.Join(BucketUnits, ", ")+")")
		}
	}
	if len(d.Aggregates) > maxReportAggregates {
		fe.Add("aggregates", "at most 10")
	}
	for i, a := range d.Aggregates {
		switch {
		case !slices.Contains(AggregateFuncs, a.Fn):
			fe.Add("aggregates["+itoa(i)+"].fn", "one of "+strings.Join(AggregateFuncs, ", "))
		case a.Fn != "count" && !reportFieldPattern.MatchString(a.Field):
			fe.Add("aggregates["+itoa(i)+"].field", "the field to "+a.Fn)
		}
	}
	if d.PeriodField != "" && !reportFieldPattern.MatchString(d.PeriodField) {
		fe.Add("period_field", "a date or time field")
	}
	d.validateSort(fe)
	if d.Limit < 1 || d.Limit > maxReportLimit {
		fe.Add("limit", "from 1 to 10000")
	}
	return fe.Err()
}

// validateSort accepts group fields and aggregate keys.
func (d *ReportDefinition) validateSort(fe FieldErrors) {
	known := map[string]bool{}
	for _, g := range d.GroupBy {
		known[g] = true
	}
	for _, a := range d.Aggregates {
		known[a.Key()] = true
	}
	for i, s := range d.Sort {
		if !known[strings.TrimPrefix(s, "-")] {
			fe.Add("sort["+itoa(i)+"]", "a group_by field or an aggregate key such as sum_amount")
		}
	}
}
