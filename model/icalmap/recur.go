package icalmap

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"
)

// Expansion limits: an object never yields more than MaxInstances
// instances, a recurrence rule is followed for at most maxOccurrences
// occurrences, and nothing after horizonYear is considered, so that
// RRULE:FREQ=SECONDLY without an end cannot hang a request or exhaust memory.
const (
	MaxInstances   = 3000
	maxOccurrences = 100_000
	horizonYear    = 2200
)

// parseRRule parses and validates an RRULE value; UNTIL without Z is read
// in loc. The validation keeps rrule-go away from rules it would loop on for
// ever (values out of range, time filters a sub-daily interval never meets).
func parseRRule(value string, loc *time.Location) (opt *rrule.ROption, err error) {
	defer func() {
		if r := recover(); r != nil {
			opt, err = nil, fmt.Errorf("RRULE: %v", r)
		}
	}()
	value = strings.TrimPrefix(strings.TrimSpace(value), "RRULE:")
	if value == "" || len(value) > 1000 || strings.ContainsAny(value, "\n\r") {
		return nil, errors.New("RRULE: empty or too long")
	}
	opt, err = rrule.StrToROptionInLocation(value, loc)
	if err != nil {
		return nil, fmt.Errorf("RRULE: %v", err)
	}
	if opt.Interval < 0 || opt.Interval > 10000 || opt.Count < 0 {
		return nil, errors.New("RRULE: INTERVAL or COUNT out of range")
	}
	checks := []struct {
		name     string
		v        []int
		min, max int
		zero     bool
	}{
		{"BYMONTH", opt.Bymonth, 1, 12, false},
		{"BYMONTHDAY", opt.Bymonthday, -31, 31, false},
		{"BYYEARDAY", opt.Byyearday, -366, 366, false},
		{"BYWEEKNO", opt.Byweekno, -53, 53, false},
		{"BYSETPOS", opt.Bysetpos, -366, 366, false},
		{"BYHOUR", opt.Byhour, 0, 23, true},
		{"BYMINUTE", opt.Byminute, 0, 59, true},
		{"BYSECOND", opt.Bysecond, 0, 59, true},
		{"BYEASTER", opt.Byeaster, -366, 366, true},
	}
	for _, c := range checks {
		if len(c.v) > 400 {
			return nil, fmt.Errorf("RRULE: too many %s values", c.name)
		}
		for _, n := range c.v {
			if n < c.min || n > c.max || (n == 0 && !c.zero) {
				return nil, fmt.Errorf("RRULE: %s=%d out of range", c.name, n)
			}
		}
	}
	for _, wd := range opt.Byweekday {
		if n := wd.N(); n < -53 || n > 53 {
			return nil, errors.New("RRULE: BYDAY out of range")
		}
	}
	if !feasibleMonthDays(opt) {
		return nil, errors.New("RRULE: BYMONTHDAY never falls in BYMONTH")
	}
	return opt, nil
}

// feasibleMonthDays rejects BYMONTH/BYMONTHDAY pairs that never meet
// (BYMONTH=2;BYMONTHDAY=30), which rrule-go would search until year 9999.
func feasibleMonthDays(opt *rrule.ROption) bool {
	if len(opt.Bymonth) == 0 || len(opt.Bymonthday) == 0 {
		return true
	}
	for _, m := range opt.Bymonth {
		max := daysIn(time.Month(m), 2024) // leap year: the longest February
		for _, d := range opt.Bymonthday {
			if d <= max && -d <= max {
				return true
			}
		}
	}
	return false
}

// subDailyReachable reports whether a sub-daily rule's BYHOUR/BYMINUTE/
// BYSECOND can be met from the start's clock with its interval; rrule-go
// loops for ever otherwise.
func subDailyReachable(opt *rrule.ROption, start time.Time) bool {
	step := map[rrule.Frequency]int{rrule.HOURLY: 3600, rrule.MINUTELY: 60, rrule.SECONDLY: 1}[opt.Freq]
	if step == 0 || len(opt.Byhour)+len(opt.Byminute)+len(opt.Bysecond) == 0 {
		return true
	}
	in := func(v []int, x int) bool {
		if len(v) == 0 {
			return true
		}
		for _, n := range v {
			if n == x {
				return true
			}
		}
		return false
	}
	interval := max(opt.Interval, 1)
	h, m, s := start.Clock()
	t := h*3600 + m*60 + s
	for i := 0; i < 86400; i++ {
		t = (t + step*interval) % 86400
		if in(opt.Byhour, t/3600) && (opt.Freq < rrule.MINUTELY || in(opt.Byminute, t/60%60)) && (opt.Freq < rrule.SECONDLY || in(opt.Bysecond, t%60)) {
			return true
		}
	}
	return false
}

// eachOccurrence calls fn with the rule's occurrences from opt.Dtstart in
// order until fn returns false, after maxOccurrences, or past horizonYear.
func eachOccurrence(opt *rrule.ROption, fn func(time.Time) bool) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("RRULE: %v", r)
		}
	}()
	if !subDailyReachable(opt, opt.Dtstart) {
		return errors.New("RRULE: its BYHOUR/BYMINUTE/BYSECOND are never reached")
	}
	horizon := time.Date(horizonYear, 1, 1, 0, 0, 0, 0, time.UTC)
	if opt.Until.IsZero() || opt.Until.After(horizon) {
		opt.Until = horizon
	}
	r, err := rrule.NewRRule(*opt)
	if err != nil {
		return fmt.Errorf("RRULE: %v", err)
	}
	next := r.Iterator()
	for i := 0; i < maxOccurrences; i++ {
		t, ok := next()
		if !ok || !fn(t) {
			return nil
		}
	}
	return nil
}

func untilIsUTC(rule string) bool {
	for _, part := range strings.Split(strings.ToUpper(rule), ";") {
		if v, ok := strings.CutPrefix(part, "UNTIL="); ok {
			return strings.HasSuffix(v, "Z")
		}
	}
	return false
}

// zones resolves the TZIDs of one calendar: IANA, Windows and prefixed names
// first, then the calendar's own VTIMEZONEs, then display-name offsets;
// anything else, and floating times, use def.
type zones struct {
	def    *time.Location
	vtz    map[string]*ical.Component
	cache  map[string]*time.Location
	named  map[string]bool // resolved to an IANA zone
	failed error           // first VTIMEZONE that did not compile
}

func newZones(cal *ical.Calendar, def *time.Location) *zones {
	if def == nil {
		def = time.UTC
	}
	z := &zones{def: def, vtz: map[string]*ical.Component{}, cache: map[string]*time.Location{}, named: map[string]bool{}}
	for _, c := range cal.Children {
		if c.Name == ical.CompTimezone {
			if id := propValue(c, ical.PropTimezoneID); id != "" {
				z.vtz[id] = c
			}
		}
	}
	return z
}

// loc returns the location of a TZID and whether it is a known IANA zone.
func (z *zones) loc(tzid string) (*time.Location, bool) {
	if tzid == "" {
		return z.def, false
	}
	if l, ok := z.cache[tzid]; ok {
		return l, z.named[tzid]
	}
	l, named := resolveNamed(tzid)
	if !named {
		if tz := z.vtz[tzid]; tz != nil {
			var err error
			if l, err = compileVTimezone(tz, tzid); err != nil && z.failed == nil {
				z.failed = err
			}
		}
		if l == nil {
			var ok bool
			if l, ok = offsetZone(tzid); !ok {
				return z.def, false // not cached: def may change
			}
		}
	}
	if len(z.cache) < 100 {
		z.cache[tzid], z.named[tzid] = l, named
	}
	return l, named
}

// when is a parsed DATE or DATE-TIME value.
type when struct {
	t      time.Time
	date   bool
	tzid   string // as written
	iana   bool   // tzid resolved to an IANA zone
	utc    bool
	floats bool
}

func (z *zones) parse(p *ical.Prop) (when, error) {
	v := strings.TrimSpace(p.Value)
	if i := strings.IndexByte(v, ','); i >= 0 {
		v = v[:i] // list-valued EXDATE/RDATE: callers split first
	}
	return z.parseValue(p, v)
}

func (z *zones) parseValue(p *ical.Prop, v string) (when, error) {
	w, err := z.parseRaw(p, v)
	// Years outside 1000–9999 do not survive formatting (or UTC) intact.
	if err == nil && (w.t.Year() < 1000 || w.t.UTC().Year() < 1000 || w.t.Year() > 9999 || w.t.UTC().Year() > 9999) {
		return when{}, fmt.Errorf("%s: year out of range in %q", p.Name, v)
	}
	return w, err
}

func (z *zones) parseRaw(p *ical.Prop, v string) (when, error) {
	isDate := strings.EqualFold(p.Params.Get(ical.ParamValue), "DATE") || len(v) == 8
	if isDate {
		t, err := time.ParseInLocation("20060102", v, z.def)
		if err != nil {
			return when{}, fmt.Errorf("%s: bad date %q", p.Name, v)
		}
		return when{t: t, date: true, floats: true}, nil
	}
	if strings.HasSuffix(v, "Z") || strings.HasSuffix(v, "z") {
		t, err := time.Parse("20060102T150405", v[:len(v)-1])
		if err != nil {
			return when{}, fmt.Errorf("%s: bad date-time %q", p.Name, v)
		}
		return when{t: t, utc: true}, nil
	}
	tzid := p.Params.Get(ical.ParamTimezoneID)
	loc, named := z.loc(tzid)
	t, err := time.ParseInLocation("20060102T150405", v, loc)
	if err != nil {
		return when{}, fmt.Errorf("%s: bad date-time %q", p.Name, v)
	}
	return when{t: t, tzid: tzid, iana: named, floats: tzid == ""}, nil
}

// parseDuration reads an RFC 5545 duration as nominal days and exact seconds.
func parseDuration(s string) (days, secs int, err error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if !strings.HasPrefix(s, "P") || len(s) < 3 {
		return 0, 0, fmt.Errorf("bad duration %q", s)
	}
	s = s[1:]
	inTime := false
	for s != "" {
		if s[0] == 'T' {
			inTime, s = true, s[1:]
			continue
		}
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 || i > 9 || i == len(s) {
			return 0, 0, fmt.Errorf("bad duration %q", s)
		}
		n, _ := strconv.Atoi(s[:i])
		switch u := s[i]; {
		case u == 'W' && !inTime:
			days += 7 * n
		case u == 'D' && !inTime:
			days += n
		case u == 'H' && inTime:
			secs += 3600 * n
		case u == 'M' && inTime:
			secs += 60 * n
		case u == 'S' && inTime:
			secs += n
		default:
			return 0, 0, fmt.Errorf("bad duration unit %q", u)
		}
		s = s[i+1:]
	}
	if days > 100000 || secs > math.MaxInt32 {
		return 0, 0, errors.New("duration too long")
	}
	if neg {
		days, secs = -days, -secs
	}
	return days, secs, nil
}

func addDuration(t time.Time, days, secs int) time.Time {
	return t.AddDate(0, 0, days).Add(time.Duration(secs) * time.Second)
}

// span is the time an instance takes, as RFC 4791 9.9 needs it.
type span struct {
	start, end time.Time // end: DTEND, DTSTART+DURATION or the implied end
	hasStart   bool
	due        time.Time // VTODO
	created    time.Time
	completed  time.Time
	hasDur     bool // VTODO had DURATION
	todo       bool
	date       bool // DTSTART is a DATE
}

// componentSpan reads a VEVENT or VTODO's own times.
func (z *zones) componentSpan(c *ical.Component) (span, error) {
	var sp span
	sp.todo = c.Name == ical.CompToDo
	start, err := z.optional(c, ical.PropDateTimeStart)
	if err != nil {
		return sp, err
	}
	sp.start, sp.hasStart, sp.date = start.t, !start.t.IsZero(), start.date
	if p := c.Props.Get(ical.PropDuration); p != nil && sp.hasStart {
		days, secs, err := parseDuration(p.Value)
		if err != nil {
			return sp, err
		}
		sp.end, sp.hasDur = addDuration(sp.start, days, secs), true
	}
	if sp.todo {
		due, err := z.optional(c, ical.PropDue)
		if err != nil {
			return sp, err
		}
		sp.due = due.t
		for name, dst := range map[string]*time.Time{ical.PropCreated: &sp.created, ical.PropCompleted: &sp.completed} {
			if w, err := z.optional(c, name); err == nil {
				*dst = w.t
			}
		}
		return sp, nil
	}
	if end, err := z.optional(c, ical.PropDateTimeEnd); err != nil {
		return sp, err
	} else if !end.t.IsZero() && !sp.hasDur {
		sp.end = end.t
	}
	if sp.end.IsZero() && sp.hasStart {
		sp.end = sp.start
		if start.date {
			sp.end = sp.start.AddDate(0, 0, 1)
		}
	}
	return sp, nil
}

func (z *zones) optional(c *ical.Component, name string) (when, error) {
	if p := c.Props.Get(name); p != nil {
		return z.parse(p)
	}
	return when{}, nil
}

// shift moves a span to another instance start, keeping a date span's
// length in days and a timed span's exact length.
func (sp span) shift(start time.Time) span {
	out := sp
	out.start = start
	if !sp.end.IsZero() {
		if sp.date {
			out.end = start.AddDate(0, 0, int((sp.end.Sub(sp.start)+12*time.Hour)/(24*time.Hour)))
		} else {
			out.end = start.Add(sp.end.Sub(sp.start))
		}
	}
	if !sp.due.IsZero() {
		out.due = sp.due.Add(start.Sub(sp.start))
	}
	return out
}

// overlaps applies RFC 4791 9.9; a zero end is open-ended.
func (sp span) overlaps(start, end time.Time) bool {
	before := func(a time.Time) bool { return end.IsZero() || a.Before(end) } // a < end
	after := func(a time.Time) bool { return end.IsZero() || !end.Before(a) } // a <= end
	if !sp.todo {
		if !sp.hasStart {
			return false
		}
		if sp.end.After(sp.start) {
			return start.Before(sp.end) && before(sp.start)
		}
		return !start.After(sp.start) && before(sp.start)
	}
	switch {
	case sp.hasStart && sp.hasDur:
		return !start.After(sp.end) && (before(sp.start) || after(sp.end))
	case sp.hasStart && !sp.due.IsZero():
		return (start.Before(sp.due) || !start.After(sp.start)) && (before(sp.start) || after(sp.due))
	case sp.hasStart:
		return !start.After(sp.start) && before(sp.start)
	case !sp.due.IsZero():
		return start.Before(sp.due) && after(sp.due)
	case !sp.completed.IsZero() && !sp.created.IsZero():
		return (!start.After(sp.created) || !start.After(sp.completed)) && (after(sp.created) || after(sp.completed))
	case !sp.completed.IsZero():
		return !start.After(sp.completed) && after(sp.completed)
	case !sp.created.IsZero():
		return end.IsZero() || end.After(sp.created)
	}
	return true
}

// instance is one occurrence of a recurring (or single) component.
type instance struct {
	comp     *ical.Component // master or override
	rid      time.Time       // original start; zero for a single component
	ridDate  bool
	span     span
	override bool
}

// series is a calendar object's master and overrides of one component type.
type series struct {
	z         *zones
	name      string
	master    *ical.Component
	overrides map[int64]*ical.Component // by RECURRENCE-ID instant
	extra     []*ical.Component         // overrides in input order
}

func newSeries(cal *ical.Calendar, z *zones) *series {
	s := &series{z: z, overrides: map[int64]*ical.Component{}}
	for _, c := range cal.Children {
		if c.Name != ical.CompEvent && c.Name != ical.CompToDo {
			continue
		}
		if s.name == "" {
			s.name = c.Name
		}
		if c.Name != s.name {
			continue
		}
		if p := c.Props.Get(ical.PropRecurrenceID); p != nil {
			if w, err := z.parse(p); err == nil && len(s.overrides) < MaxInstances {
				s.overrides[w.t.Unix()] = c
				s.extra = append(s.extra, c)
			}
			continue
		}
		if s.master == nil {
			s.master = c
		}
	}
	return s
}

// each calls fn for every instance whose start is before until (zero: no
// bound) in start order for the master's occurrences, overrides after them;
// it stops when fn returns false.
func (s *series) each(until time.Time, fn func(instance) bool) error {
	seen := map[int64]bool{}
	if s.master != nil {
		sp, err := s.z.componentSpan(s.master)
		if err != nil {
			return err
		}
		rp := s.master.Props.Get(ical.PropRecurrenceRule)
		rdates, err := s.dates(ical.PropRecurrenceDates)
		if err != nil {
			return err
		}
		if (rp == nil && len(rdates) == 0) || !sp.hasStart {
			if !fn(instance{comp: s.master, span: sp}) {
				return nil
			}
		} else {
			exdates, err := s.dates(ical.PropExceptionDates)
			if err != nil {
				return err
			}
			ex := map[int64]bool{}
			for _, t := range exdates {
				ex[t.Unix()] = true
			}
			startDate := isDateProp(s.master.Props.Get(ical.PropDateTimeStart))
			stop := false
			emit := func(t time.Time) bool {
				if stop || (!until.IsZero() && !t.Before(until)) {
					stop = true
					return false
				}
				if ex[t.Unix()] || seen[t.Unix()] {
					return true
				}
				seen[t.Unix()] = true
				if o := s.overrides[t.Unix()]; o != nil {
					return true // yielded below
				}
				if !fn(instance{comp: s.master, rid: t, ridDate: startDate, span: sp.shift(t)}) {
					stop = true
					return false
				}
				return true
			}
			sort.Slice(rdates, func(i, j int) bool { return rdates[i].Before(rdates[j]) })
			pending := append([]time.Time{sp.start}, rdates...)
			flush := func(t time.Time) bool { // emit RDATEs (and DTSTART) before t
				for len(pending) > 0 && (t.IsZero() || pending[0].Before(t)) {
					if !emit(pending[0]) {
						return false
					}
					pending = pending[1:]
				}
				return true
			}
			if rp != nil {
				opt, err := parseRRule(rp.Value, sp.start.Location())
				if err != nil {
					return err
				}
				opt.Dtstart = sp.start
				if err := eachOccurrence(opt, func(t time.Time) bool { return flush(t) && emit(t) }); err != nil {
					return err
				}
			}
			if !stop {
				flush(time.Time{})
			}
		}
	}
	for _, o := range s.extra {
		rid, _ := s.z.parse(o.Props.Get(ical.PropRecurrenceID))
		sp, err := s.z.componentSpan(o)
		if err != nil {
			continue
		}
		if !fn(instance{comp: o, rid: rid.t, ridDate: rid.date, span: sp, override: true}) {
			return nil
		}
	}
	return nil
}

// dates reads every value of an RDATE or EXDATE list (PERIOD values use
// their start).
func (s *series) dates(name string) ([]time.Time, error) {
	var out []time.Time
	for i := range s.master.Props[name] {
		p := &s.master.Props[name][i]
		for _, v := range strings.Split(p.Value, ",") {
			if j := strings.IndexByte(v, '/'); j >= 0 {
				v = v[:j]
			}
			w, err := s.z.parseValue(p, strings.TrimSpace(v))
			if err != nil {
				return nil, err
			}
			out = append(out, w.t)
			if len(out) > MaxInstances {
				return nil, fmt.Errorf("%s: too many values", name)
			}
		}
	}
	return out, nil
}

func isDateProp(p *ical.Prop) bool {
	return p != nil && (strings.EqualFold(p.Params.Get(ical.ParamValue), "DATE") || len(strings.TrimSpace(p.Value)) == 8)
}

// Overlaps reports whether any instance of the calendar's component
// (recurrences with RRULE/RDATE/EXDATE and overrides included) overlaps
// [start, end); a zero end means open-ended. VTODO follows RFC 4791 9.9.
// Floating times and dates are read in UTC; a broken calendar overlaps
// nothing.
func Overlaps(cal *ical.Calendar, start, end time.Time) bool {
	found := false
	s := newSeries(cal, newZones(cal, nil))
	n := 0
	_ = s.each(end, func(in instance) bool {
		n++
		if in.span.overlaps(start, end) {
			found = true
			return false
		}
		return n < maxOccurrences
	})
	return found
}

// Expand returns a copy with recurrences expanded into instances overlapping
// [start,end) in UTC, each with RECURRENCE-ID and no RRULE/RDATE/EXDATE
// (CalDAV <C:expand>). At most MaxInstances instances are returned.
func Expand(cal *ical.Calendar, start, end time.Time) *ical.Calendar {
	out := &ical.Calendar{Component: &ical.Component{Name: cal.Name, Props: copyProps(cal.Props)}}
	s := newSeries(cal, newZones(cal, nil))
	recurring := s.master != nil && (s.master.Props.Get(ical.PropRecurrenceRule) != nil || s.master.Props.Get(ical.PropRecurrenceDates) != nil)
	_ = s.each(end, func(in instance) bool {
		if !in.span.overlaps(start, end) {
			return true
		}
		c := copyComponent(in.comp)
		for _, name := range []string{ical.PropRecurrenceRule, ical.PropRecurrenceDates, ical.PropExceptionDates} {
			c.Props.Del(name)
		}
		if !in.override && recurring {
			setInstant(c, ical.PropDateTimeStart, in.span.start, in.ridDate)
			if c.Props.Get(ical.PropDateTimeEnd) != nil {
				setInstant(c, ical.PropDateTimeEnd, in.span.end, in.ridDate)
			}
			if c.Props.Get(ical.PropDue) != nil {
				setInstant(c, ical.PropDue, in.span.due, in.ridDate)
			}
			setInstant(c, ical.PropRecurrenceID, in.rid, in.ridDate)
		} else {
			for _, name := range []string{ical.PropDateTimeStart, ical.PropDateTimeEnd, ical.PropDue, ical.PropRecurrenceID} {
				if p := c.Props.Get(name); p != nil && !isDateProp(p) {
					if w, err := s.z.parse(p); err == nil {
						setInstant(c, name, w.t, false)
					}
				}
			}
		}
		out.Children = append(out.Children, c)
		return len(out.Children) < MaxInstances
	})
	if len(out.Children) == 0 {
		out.Children = append(out.Children, utcZone()) // a VCALENDAR needs a component
	}
	return out
}

func setInstant(c *ical.Component, name string, t time.Time, date bool) {
	p := ical.NewProp(name)
	if date {
		p.SetDate(t)
	} else {
		p.SetDateTime(t.UTC())
	}
	c.Props.Set(p)
}

// LimitRecurrenceSet returns a copy keeping the master and only the
// overrides that overlap [start,end) (<C:limit-recurrence-set>).
func LimitRecurrenceSet(cal *ical.Calendar, start, end time.Time) *ical.Calendar {
	out := &ical.Calendar{Component: &ical.Component{Name: cal.Name, Props: copyProps(cal.Props)}}
	z := newZones(cal, nil)
	for _, c := range cal.Children {
		if (c.Name == ical.CompEvent || c.Name == ical.CompToDo) && c.Props.Get(ical.PropRecurrenceID) != nil {
			sp, err := z.componentSpan(c)
			if err != nil || !sp.overlaps(start, end) {
				continue
			}
		}
		out.Children = append(out.Children, copyComponent(c))
	}
	return out
}

func copyProps(p ical.Props) ical.Props {
	out := make(ical.Props, len(p))
	for name, list := range p {
		cp := make([]ical.Prop, len(list))
		for i, x := range list {
			cp[i] = ical.Prop{Name: x.Name, Value: x.Value, Params: make(ical.Params, len(x.Params))}
			for k, v := range x.Params {
				cp[i].Params[k] = append([]string(nil), v...)
			}
		}
		out[name] = cp
	}
	return out
}

func copyComponent(c *ical.Component) *ical.Component {
	out := &ical.Component{Name: c.Name, Props: copyProps(c.Props)}
	for _, ch := range c.Children {
		out.Children = append(out.Children, copyComponent(ch))
	}
	return out
}

func propValue(c *ical.Component, name string) string {
	if p := c.Props.Get(name); p != nil {
		return strings.TrimSpace(p.Value)
	}
	return ""
}
