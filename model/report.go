package model

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Report column types: how a value is shown and exported.
const (
	ColText    = "text"
	ColInt     = "int"
	ColMoney   = "money"   // a Decimal in the report's currency
	ColDecimal = "decimal" // a Decimal that is not money (days, quantities)
	ColPercent = "percent" // a Decimal from 0 to 100
	ColDate    = "date"
)

// ReportColumn describes one column of a report's rows.
type ReportColumn struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Type  string `json:"type"`
}

// ReportParam describes one parameter a report takes besides from, to and
// tz, which every report takes.
type ReportParam struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Choices     []string `json:"choices,omitempty"`
	Default     string   `json:"default,omitempty"`
}

// ReportInfo describes a report in the catalogue.
type ReportInfo struct {
	Name        string         `json:"name"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Params      []ReportParam  `json:"params"`
	Columns     []ReportColumn `json:"columns"`
}

// ReportParams are the parameters of one run: the period [From, To) in
// the time zone TZ, and the report's own parameters by name.
type ReportParams struct {
	From, To time.Time
	TZ       *time.Location
	Values   map[string]string
}

// Report period defaults and limits.
const (
	maxReportDays = 20 * 366
)

// ParseReportParams reads from (YYYY-MM-DD, default 1 January of this
// year), to (exclusive, default a year after from), tz (IANA, default UTC)
// and the report's own parameters, refusing unknown ones and values
// outside a parameter's choices.
func ParseReportParams(info ReportInfo, q map[string][]string, now time.Time) (ReportParams, error) {
	fe := FieldErrors{}
	p := ReportParams{TZ: time.UTC, Values: map[string]string{}}
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	if tz := get("tz"); tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil || !ValidTimeZone(tz) {
			fe.Add("tz", "an IANA time zone such as Europe/Berlin")
		} else {
			p.TZ = loc
		}
	}
	local := now.In(p.TZ)
	p.From = time.Date(local.Year(), 1, 1, 0, 0, 0, 0, p.TZ)
	if s := get("from"); s != "" {
		d, err := time.ParseInLocation(DateLayout, s, p.TZ)
		if err != nil {
			fe.Add("from", "a date, YYYY-MM-DD")
		}
		p.From = d
	}
	p.To = p.From.AddDate(1, 0, 0)
	if s := get("to"); s != "" {
		d, err := time.ParseInLocation(DateLayout, s, p.TZ)
		if err != nil {
			fe.Add("to", "a date, YYYY-MM-DD (exclusive)")
		}
		p.To = d
	}
	if !p.To.After(p.From) || p.To.Sub(p.From) > maxReportDays*24*time.Hour {
		fe.Add("to", "after from, and at most 20 years later")
	}
	known := map[string]ReportParam{}
	for _, rp := range info.Params {
		known[rp.Name] = rp
		if rp.Default != "" {
			p.Values[rp.Name] = rp.Default
		}
	}
	for k := range q {
		switch rp, ok := known[k]; {
		case k == "from" || k == "to" || k == "tz" || k == "format":
		case !ok:
			fe.Add(k, "not a parameter of report "+info.Name)
		case len(rp.Choices) > 0 && !slices.Contains(rp.Choices, get(k)):
			fe.Add(k, "one of "+strings.Join(rp.Choices, ", "))
		default:
			p.Values[k] = get(k)
		}
	}
	return p, fe.Err()
}

// Int returns an integer parameter, or def when it is absent; ok is false
// when it is present but not a whole number within [min, max].
func (p ReportParams) Int(name string, def, min, max int) (int, bool) {
	s, ok := p.Values[name]
	if !ok || s == "" {
		return def, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= min && n <= max
}

// Bucket units for grouping by time.
var BucketUnits = []string{"day", "week", "month", "quarter", "year"}

// BucketLabel names the bucket of t (in its location) for a unit: "2026-11-27",
// the Monday of its ISO week, "2026-11", "2026-Q4", "2026".
func BucketLabel(t time.Time, unit string) string {
	switch unit {
	case "day":
		return t.Format(DateLayout)
	case "week":
		wd := (int(t.Weekday()) + 6) % 7 // Monday = 0
		return t.AddDate(0, 0, -wd).Format(DateLayout)
	case "quarter":
		return strconv.Itoa(t.Year()) + "-Q" + strconv.Itoa((int(t.Month())+2)/3)
	case "year":
		return strconv.Itoa(t.Year())
	}
	return t.Format("2006-01")
}
