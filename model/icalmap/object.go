package icalmap

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"

	"rapport/model"
)

// group is a set of properties that map to some activity fields together.
type group struct {
	props []string
	same  func(x, y *model.Activity) bool
}

var groups = []group{
	{[]string{ical.PropDateTimeStart, ical.PropDateTimeEnd, ical.PropDuration, ical.PropDue}, sameTimes},
	{[]string{ical.PropRecurrenceRule}, func(x, y *model.Activity) bool { return x.RecurrenceRule == y.RecurrenceRule }},
	{[]string{ical.PropSummary}, func(x, y *model.Activity) bool { return x.Subject == y.Subject }},
	{[]string{ical.PropDescription}, func(x, y *model.Activity) bool { return x.Description == y.Description }},
	{[]string{ical.PropLocation}, func(x, y *model.Activity) bool { return x.Location == y.Location }},
	{[]string{ical.PropStatus}, func(x, y *model.Activity) bool { return x.Status == y.Status }},
	{[]string{ical.PropClass}, func(x, y *model.Activity) bool { return x.Class == y.Class || x.Class+y.Class == "public" }},
	{[]string{ical.PropPriority}, func(x, y *model.Activity) bool { return x.Priority == y.Priority || x.Priority+y.Priority == "normal" }},
	{[]string{ical.PropPercentComplete}, func(x, y *model.Activity) bool { return x.PercentComplete == y.PercentComplete }},
	{[]string{ical.PropCompleted}, func(x, y *model.Activity) bool { return sameTime(x.CompletedAt, y.CompletedAt) }},
	{[]string{ical.PropCategories}, func(x, y *model.Activity) bool { return slices.Equal(x.Tags, y.Tags) }},
}

// mapped lists the properties Rapport maps or manages; everything else is
// kept verbatim in Extra.
var mapped = func() map[string]bool {
	m := map[string]bool{ical.PropUID: true, ical.PropOrganizer: true, ical.PropAttendee: true,
		ical.PropDateTimeStamp: true, ical.PropLastModified: true}
	for _, g := range groups {
		for _, p := range g.props {
			m[p] = true
		}
	}
	return m
}()

func sameTime(a, b *time.Time) bool {
	return a == nil && b == nil || a != nil && b != nil && a.Equal(*b)
}

func sameTimes(x, y *model.Activity) bool {
	if x.AllDay != y.AllDay || !sameTime(x.StartAt, y.StartAt) || !sameTime(x.EndAt, y.EndAt) || !sameTime(x.DueAt, y.DueAt) {
		return false
	}
	if x.AllDay {
		return sameDate(x.StartDate, y.StartDate) && sameDate(endDate(x), endDate(y))
	}
	return x.TimeZone == y.TimeZone
}

func endDate(a *model.Activity) *model.Date {
	if a.EndDate == nil {
		return a.StartDate
	}
	return a.EndDate
}

func sameDate(a, b *model.Date) bool {
	return a == nil && b == nil || a != nil && b != nil && a.Equal(b.Time)
}

// ObjectCalendar renders one activity as a complete VCALENDAR for CalDAV
// with its preserved Extra (overrides, other alarms, unmapped properties)
// merged back, UID = a.DAV.UIDOr(a.ID). Mapped properties the CRM did not
// change come out as the client wrote them; changed ones are regenerated.
func ObjectCalendar(a *model.Activity, people People) *ical.Calendar {
	gen := render(a, people, renderMode{})
	cal := newCalendar()
	extra := parseExtra(a.DAV.Extra)
	master := gen
	var comps, others []*ical.Component
	client := map[string]*ical.Component{}
	var clientZones []*ical.Component
	if extra != nil {
		for name, props := range extra.Props {
			cal.Props[name] = props // the client's PRODID included
		}
		var shadow *ical.Component
		for _, c := range extra.Children {
			switch {
			case c.Name == ical.CompTimezone:
				if id := propValue(c, ical.PropTimezoneID); client[id] == nil {
					client[id] = c
				}
				clientZones = append(clientZones, c) // all of them, verbatim
			case c.Name == ical.CompEvent || c.Name == ical.CompToDo:
				if shadow == nil {
					shadow = c
				} else if c.Name == gen.Name {
					comps = append(comps, c) // overrides
				}
			default:
				others = append(others, c)
			}
		}
		if shadow != nil && shadow.Name == gen.Name {
			d := &decoder{z: newZones(extra, activityZone(a)), floatingName: zoneName(activityZone(a))}
			master = merge(gen, shadow, a, d)
		} else {
			comps = nil // the CRM turned a task into an event or back
		}
	}
	comps = append([]*ical.Component{master}, comps...)
	from, to := zoneSpan(a)
	cal.Children = append(cal.Children, clientZones...)
	cal.Children = append(cal.Children, vtimezones(comps, client, func(string) (time.Time, time.Time) { return from, to })...)
	cal.Children = append(cal.Children, comps...)
	cal.Children = append(cal.Children, others...)
	return cal
}

func newCalendar() *ical.Calendar {
	cal := ical.NewCalendar()
	setRaw(cal.Component, ical.PropVersion, "2.0")
	setRaw(cal.Component, ical.PropProductID, ProdID)
	return cal
}

// parseExtra reads a stored Extra; one that no longer parses is ignored
// rather than failing every read of the activity.
func parseExtra(s string) *ical.Calendar {
	if s == "" {
		return nil
	}
	defer func() { _ = recover() }()
	cal, err := ical.NewDecoder(strings.NewReader(s)).Decode()
	if err != nil {
		return nil
	}
	return cal
}

// zoneSpan is the time a generated VTIMEZONE must cover for an activity.
func zoneSpan(a *model.Activity) (time.Time, time.Time) {
	var from, to time.Time
	switch {
	case a.StartAt != nil:
		from = *a.StartAt
	case a.AllDay && a.StartDate != nil:
		from = a.StartDate.Time
	case a.DueAt != nil:
		from = *a.DueAt
	default:
		from = a.CreatedAt
	}
	to = from
	for _, t := range []*time.Time{a.EndAt, a.DueAt} {
		if t != nil && t.After(to) {
			to = *t
		}
	}
	if a.RecurrenceRule != "" {
		if a.RecurrenceEnd != nil && a.RecurrenceEnd.After(to) {
			to = *a.RecurrenceEnd
		} else {
			to = from.AddDate(1, 0, 0) // yearly rules cover the rest
		}
	}
	return from, to
}

// vtimezones returns a VTIMEZONE for every TZID the components use that
// the client did not send: generated from Go's tzdata over span(tzid).
func vtimezones(comps []*ical.Component, client map[string]*ical.Component, span func(string) (time.Time, time.Time)) []*ical.Component {
	var out []*ical.Component
	done := map[string]bool{}
	var walk func(c *ical.Component)
	walk = func(c *ical.Component) {
		names := make([]string, 0, len(c.Props))
		for name := range c.Props {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			for _, p := range c.Props[name] {
				tzid := p.Params.Get(ical.ParamTimezoneID)
				if tzid == "" || done[tzid] {
					continue
				}
				done[tzid] = true
				if client[tzid] != nil {
					continue
				}
				if loc, ok := ResolveTZID(tzid); ok && loc != time.UTC {
					from, to := span(tzid)
					out = append(out, generateVTimezone(loc, tzid, from, to))
				}
			}
		}
		for _, ch := range c.Children {
			walk(ch)
		}
	}
	for _, c := range comps {
		walk(c)
	}
	return out
}

// merge builds the component a client sees: gen's mapped properties,
// replaced by the client's original (shadow) ones wherever those still
// decode to the activity's values, plus every unmapped property and alarm.
func merge(gen, shadow *ical.Component, a *model.Activity, d *decoder) *ical.Component {
	out := ical.NewComponent(gen.Name)
	for name, props := range shadow.Props {
		if !mapped[name] {
			out.Props[name] = slices.Clone(props)
		}
	}
	for _, name := range []string{ical.PropUID, ical.PropDateTimeStamp, ical.PropLastModified} {
		if p := gen.Props.Get(name); p != nil {
			out.Props.Set(p)
		}
	}
	if out.Props.Get(ical.PropCreated) == nil && gen.Props.Get(ical.PropCreated) != nil {
		out.Props.Set(gen.Props.Get(ical.PropCreated))
	}
	if p := gen.Props.Get(ical.PropSequence); p != nil {
		mine, _ := strconv.Atoi(p.Value)
		theirs := -1
		if q := out.Props.Get(ical.PropSequence); q != nil {
			theirs, _ = strconv.Atoi(strings.TrimSpace(q.Value))
		}
		if mine > theirs {
			out.Props.Set(p)
		}
	}
	for _, g := range groups {
		for _, name := range g.props {
			if ps := gen.Props[name]; len(ps) > 0 {
				out.Props[name] = ps
			}
		}
	}
	out.Children = gen.Children
	for _, g := range groups {
		var orig []ical.Prop
		for _, name := range g.props {
			orig = append(orig, shadow.Props[name]...)
		}
		if len(orig) == 0 {
			continue
		}
		trial := &ical.Component{Name: out.Name, Props: maps(out.Props)}
		for _, name := range g.props {
			trial.Props.Del(name)
		}
		for _, p := range orig {
			trial.Props.Add(&p)
		}
		if ta, err := d.activity(trial); err == nil && g.same(&ta, a) {
			out.Props = trial.Props
		}
	}
	mergePeople(out, gen, shadow, a)
	out.Children = mergeAlarms(out, gen, shadow, a, d)
	return out
}

func maps(p ical.Props) ical.Props {
	out := make(ical.Props, len(p))
	for k, v := range p {
		out[k] = v
	}
	return out
}

// mergePeople keeps the client's ORGANIZER and ATTENDEE lines (with their
// unmapped parameters, RSVP, CUTYPE, SCHEDULE-STATUS …) for the people the
// activity still has, updating CN, ROLE and PARTSTAT where they changed.
func mergePeople(out, gen, shadow *ical.Component, a *model.Activity) {
	byEmail := map[string]*ical.Prop{}
	var foreign []ical.Prop
	for i := range shadow.Props[ical.PropAttendee] {
		p := &shadow.Props[ical.PropAttendee][i]
		if email, ok := mailtoAddress(p.Value); ok {
			if byEmail[email] == nil {
				byEmail[email] = p
			}
		} else {
			foreign = append(foreign, *p)
		}
	}
	var list []ical.Prop
	for _, g := range gen.Props[ical.PropAttendee] {
		email, _ := mailtoAddress(g.Value)
		orig := byEmail[email]
		if orig == nil {
			list = append(list, g)
			continue
		}
		want, _ := attendee(&g)
		have, _ := attendee(orig)
		p := copyProp(orig)
		if want.Name != have.Name {
			setParam(p, ical.ParamCommonName, g.Params.Get(ical.ParamCommonName))
		}
		if want.Role != have.Role {
			setParam(p, ical.ParamRole, g.Params.Get(ical.ParamRole))
		}
		if want.Status != have.Status {
			setParam(p, ical.ParamParticipationStatus, g.Params.Get(ical.ParamParticipationStatus))
			p.Params.Del("RSVP") // answered
		}
		list = append(list, *p)
	}
	list = append(list, foreign...)
	out.Props.Del(ical.PropAttendee)
	if len(list) > 0 {
		out.Props[ical.PropAttendee] = list
	}
	out.Props.Del(ical.PropOrganizer)
	g, o := gen.Props.Get(ical.PropOrganizer), shadow.Props.Get(ical.PropOrganizer)
	switch {
	case g == nil && o != nil && a.OrganizerEmail == "":
		if _, ok := mailtoAddress(o.Value); !ok {
			out.Props.Set(o) // a non-mailto organizer Rapport cannot map
		}
	case g == nil:
	case o != nil && sameAddress(o.Value, g.Value):
		p := copyProp(o)
		if o.Params.Get(ical.ParamCommonName) != g.Params.Get(ical.ParamCommonName) {
			setParam(p, ical.ParamCommonName, g.Params.Get(ical.ParamCommonName))
		}
		out.Props.Set(p)
	default:
		out.Props.Set(g)
	}
}

func sameAddress(a, b string) bool {
	x, ok1 := mailtoAddress(a)
	y, ok2 := mailtoAddress(b)
	return ok1 && ok2 && x == y
}

func setParam(p *ical.Prop, name, v string) {
	if v == "" {
		p.Params.Del(name)
	} else {
		p.Params.Set(name, v)
	}
}

func copyProp(p *ical.Prop) *ical.Prop {
	out := &ical.Prop{Name: p.Name, Value: p.Value, Params: make(ical.Params, len(p.Params))}
	for k, v := range p.Params {
		out.Params[k] = slices.Clone(v)
	}
	return out
}

// mergeAlarms keeps the client's alarms; the one mapped to RemindAt is
// kept while it still rings at RemindAt, replaced when the CRM moved the
// reminder and dropped when the CRM removed it.
func mergeAlarms(out, gen, shadow *ical.Component, a *model.Activity, d *decoder) []*ical.Component {
	alarms := slices.Clone(shadow.Children)
	i := mappedAlarm(&ical.Component{Name: out.Name, Props: out.Props, Children: alarms})
	var mine *ical.Component
	if len(gen.Children) > 0 {
		mine = gen.Children[0]
	}
	switch {
	case a.RemindAt == nil && i >= 0:
		return slices.Delete(alarms, i, i+1)
	case a.RemindAt == nil:
		return alarms
	case i < 0:
		return append([]*ical.Component{mine}, alarms...)
	}
	if !sameTime(d.remindAt(out, alarms[i]), a.RemindAt) {
		alarms[i] = mine
	}
	return alarms
}

// buildExtra writes what Decode keeps of a calendar object (see the package
// documentation for the format).
func buildExtra(cal *ical.Calendar, master *ical.Component, a *model.Activity, d *decoder) (string, error) {
	gen := render(a, nil, renderMode{})
	out := &ical.Calendar{Component: ical.NewComponent(ical.CompCalendar)}
	out.Props = cal.Props
	out.Children = append(out.Children, shadowOf(master, gen))
	from, to := zoneSpan(a)
	// Canonical order: shadow, VTIMEZONEs, overrides, anything else.
	rank := func(c *ical.Component) int {
		switch c.Name {
		case ical.CompTimezone:
			return 0
		case ical.CompEvent, ical.CompToDo:
			return 1
		}
		return 2
	}
	for r := 0; r < 3; r++ {
		for _, c := range cal.Children {
			if c == master || rank(c) != r {
				continue
			}
			if c.Name == ical.CompTimezone {
				id := propValue(c, ical.PropTimezoneID)
				if loc, ok := ResolveTZID(id); ok && loc != time.UTC && componentText(c) == componentText(generateVTimezone(loc, id, from, to)) {
					continue // Rapport writes the same one
				}
			}
			out.Children = append(out.Children, c)
		}
	}
	return strings.ReplaceAll(componentText(out.Component), "\n", "\r\n"), nil
}

// shadowOf is the master as the client wrote it, less what Rapport writes
// identically from the mapped fields (and DTSTAMP, LAST-MODIFIED, UID, which
// it always writes itself).
func shadowOf(master, gen *ical.Component) *ical.Component {
	s := ical.NewComponent(master.Name)
	for name, props := range master.Props {
		if !mapped[name] {
			s.Props[name] = props
		}
	}
	for _, g := range groups {
		var orig, mine []ical.Prop
		for _, name := range g.props {
			orig = append(orig, master.Props[name]...)
			mine = append(mine, gen.Props[name]...)
		}
		if !sameLines(orig, mine) {
			for _, name := range g.props {
				if ps := master.Props[name]; len(ps) > 0 {
					s.Props[name] = ps
				}
			}
		}
	}
	genAttendees := map[string]string{}
	for i := range gen.Props[ical.PropAttendee] {
		p := &gen.Props[ical.PropAttendee][i]
		email, _ := mailtoAddress(p.Value)
		genAttendees[email] = propLine(p)
	}
	var mailtos, foreign []ical.Prop
	for i := range master.Props[ical.PropAttendee] {
		p := &master.Props[ical.PropAttendee][i]
		email, ok := mailtoAddress(p.Value)
		switch {
		case !ok:
			foreign = append(foreign, *p)
		case genAttendees[email] != propLine(p):
			mailtos = append(mailtos, *p)
		}
	}
	if list := append(mailtos, foreign...); len(list) > 0 {
		s.Props[ical.PropAttendee] = list
	}
	if o := master.Props.Get(ical.PropOrganizer); o != nil {
		if g := gen.Props.Get(ical.PropOrganizer); g == nil || propLine(g) != propLine(o) {
			s.Props.Set(o)
		}
	}
	s.Children = master.Children
	return s
}
