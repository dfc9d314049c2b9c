package icalmap

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"

	"rapport/model"
)

// DefaultMaxBytes bounds a calendar object when DecodeOptions.MaxBytes is 0.
const DefaultMaxBytes = 1 << 20

// Input limits beyond the byte size: component nesting and the length of a
// content line's name and parameters (go-ical reads those quadratically).
const (
	maxDepth       = 8
	maxParamsBytes = 8 << 10
	maxComponents  = MaxInstances + 100
)

// Object is one decoded CalDAV calendar object resource.
type Object struct {
	// Activity holds the mapped fields; DAV.UID and DAV.Extra are set,
	// Meta and ID are zero, and Attendees carry Email/Name/Role/Status only
	// (the caller matches e-mails to contacts and users).
	Activity model.Activity
	// Component is "VEVENT" or "VTODO".
	Component string
}

// DecodeOptions tunes Decode: DefaultZone is used for floating times and
// dates (nil = UTC); MaxBytes bounds the input (0 = DefaultMaxBytes).
type DecodeOptions struct {
	DefaultZone *time.Location
	MaxBytes    int
}

// Decode parses one calendar object resource: a VCALENDAR whose components
// share one UID (a master plus RECURRENCE-ID overrides, VTIMEZONEs). Errors
// are *model.Error: EMALFORMED for syntax (and any go-ical panic,
// recovered), EINVALID for no component, mixed UIDs, missing UID, both
// VEVENT and VTODO, a broken RRULE or date; ETOOLARGE for input over
// MaxBytes or an unmapped part over model.MaxDAVExtra.
func Decode(data []byte, opt DecodeOptions) (*Object, error) {
	limit := opt.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	if len(data) > limit {
		return nil, model.Errorf(model.ETOOLARGE, "the calendar object is larger than %d bytes", limit)
	}
	cal, err := parse(data)
	if err != nil {
		return nil, err
	}
	return decodeCalendar(cal, opt)
}

// parse reads a VCALENDAR, turning every go-ical failure into EMALFORMED.
func parse(data []byte) (cal *ical.Calendar, err error) {
	if err := prescan(data); err != nil {
		return nil, model.Errorf(model.EMALFORMED, "icalendar: %v", err)
	}
	defer func() {
		if r := recover(); r != nil {
			cal, err = nil, model.Errorf(model.EMALFORMED, "icalendar: malformed content line")
		}
	}()
	cal, err = ical.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		return nil, model.Errorf(model.EMALFORMED, "icalendar: %s", strings.TrimPrefix(err.Error(), "ical: "))
	}
	// Lenient about the two required calendar properties; strict about the
	// rest, as what we store must encode again.
	if len(cal.Props[ical.PropVersion]) == 0 {
		setRaw(cal.Component, ical.PropVersion, "2.0")
	}
	if len(cal.Props[ical.PropProductID]) == 0 {
		setRaw(cal.Component, ical.PropProductID, ProdID)
	}
	for _, c := range cal.Children {
		if (c.Name == ical.CompEvent || c.Name == ical.CompToDo) && len(c.Props[ical.PropDateTimeStamp]) == 0 {
			setRaw(c, ical.PropDateTimeStamp, "19700101T000000Z")
		}
	}
	if err := ical.NewEncoder(io.Discard).Encode(cal); err != nil {
		return nil, model.Errorf(model.EINVALID, "icalendar: %s", strings.TrimPrefix(err.Error(), "ical: "))
	}
	return cal, nil
}

// prescan rejects what go-ical handles badly: NUL and lone CR bytes, deep
// nesting, and huge parameter sections.
func prescan(data []byte) error {
	if bytes.IndexByte(data, 0) >= 0 {
		return errors.New("NUL byte")
	}
	depth, comps := 0, 0
	var line []byte
	check := func() error {
		if len(line) == 0 {
			return nil
		}
		// The name and parameters end at the first colon outside quotes.
		quoted, n := false, len(line)
		for i, c := range line {
			if c == '"' {
				quoted = !quoted
			} else if c == ':' && !quoted {
				n = i
				break
			}
		}
		if n > maxParamsBytes {
			return errors.New("content line parameters too long")
		}
		switch {
		case len(line) > 6 && strings.EqualFold(string(line[:6]), "BEGIN:"):
			depth++
			comps++
			if depth > maxDepth || comps > maxComponents {
				return errors.New("too many or too deeply nested components")
			}
		case len(line) > 4 && strings.EqualFold(string(line[:4]), "END:"):
			depth--
		}
		line = line[:0]
		return nil
	}
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		var raw []byte
		if i < 0 {
			raw, data = data, nil
		} else {
			raw, data = data[:i], data[i+1:]
		}
		raw = bytes.TrimSuffix(raw, []byte{'\r'})
		if bytes.IndexByte(raw, '\r') >= 0 {
			return errors.New("bare CR")
		}
		if len(raw) > 0 && (raw[0] == ' ' || raw[0] == '\t') {
			line = append(line, raw[1:]...)
			if len(line) > limitLine {
				return errors.New("content line too long")
			}
			continue
		}
		if err := check(); err != nil {
			return err
		}
		line = append(line, raw...)
	}
	return check()
}

// limitLine bounds one unfolded content line.
const limitLine = 512 << 10

func decodeCalendar(cal *ical.Calendar, opt DecodeOptions) (*Object, error) {
	z := newZones(cal, opt.DefaultZone)
	var comps []*ical.Component
	kind, uid := "", ""
	for _, c := range cal.Children {
		switch c.Name {
		case ical.CompEvent, ical.CompToDo:
			if kind != "" && kind != c.Name {
				return nil, model.Errorf(model.EINVALID, "a calendar object holds either VEVENTs or VTODOs, not both")
			}
			kind = c.Name
			u := propValue(c, ical.PropUID)
			if u == "" {
				return nil, model.Errorf(model.EINVALID, "%s without UID", c.Name)
			}
			if uid != "" && u != uid {
				return nil, model.Errorf(model.EINVALID, "the components of a calendar object must share one UID")
			}
			uid = u
			comps = append(comps, c)
		case ical.CompJournal, ical.CompFreeBusy:
			return nil, model.Errorf(model.EINVALID, "%s is not supported", c.Name)
		}
	}
	if len(comps) == 0 {
		return nil, model.Errorf(model.EINVALID, "the calendar object has no VEVENT or VTODO")
	}
	if len(uid) > 255 {
		return nil, model.Errorf(model.EINVALID, "UID longer than 255 bytes")
	}
	var master *ical.Component
	for _, c := range comps {
		if c.Props.Get(ical.PropRecurrenceID) == nil {
			if master != nil {
				return nil, model.Errorf(model.EINVALID, "two %s components without RECURRENCE-ID", kind)
			}
			master = c
		}
	}
	if master == nil {
		master = comps[0] // only overridden instances: map the first
	}
	d := &decoder{z: z, floatingName: zoneName(opt.DefaultZone)}
	a, err := d.activity(master)
	if err != nil {
		return nil, err
	}
	if err := validateSeries(cal, z); err != nil {
		return nil, err
	}
	if z.failed != nil {
		return nil, model.Errorf(model.EINVALID, "%v", z.failed)
	}
	a.DAV.UID = uid
	extra, err := buildExtra(cal, master, &a, d)
	if err != nil {
		return nil, err
	}
	if len(extra) > model.MaxDAVExtra {
		return nil, model.Errorf(model.ETOOLARGE, "the unmapped part of the calendar object is larger than %d bytes", model.MaxDAVExtra)
	}
	a.DAV.Extra = extra
	return &Object{Activity: a, Component: kind}, nil
}

// zoneName is the IANA name of a default zone, "" for UTC or none.
func zoneName(loc *time.Location) string {
	if loc == nil || loc == time.UTC || loc.String() == "Local" || loc.String() == "UTC" {
		return ""
	}
	if _, ok := loadIANA(loc.String()); !ok {
		return ""
	}
	return loc.String()
}

// validateSeries walks every date and the recurrence of the object, so a
// broken RRULE, EXDATE or RECURRENCE-ID is an EINVALID now, not a silent
// gap later.
func validateSeries(cal *ical.Calendar, z *zones) error {
	s := newSeries(cal, z)
	for _, c := range cal.Children {
		if c.Name != ical.CompEvent && c.Name != ical.CompToDo {
			continue
		}
		if _, err := z.componentSpan(c); err != nil {
			return model.Errorf(model.EINVALID, "%s", err)
		}
		if p := c.Props.Get(ical.PropRecurrenceID); p != nil {
			if _, err := z.parse(p); err != nil {
				return model.Errorf(model.EINVALID, "%s", err)
			}
		}
	}
	if s.master == nil {
		return nil
	}
	if len(s.master.Props[ical.PropRecurrenceRule]) > 0 && s.master.Props.Get(ical.PropDateTimeStart) == nil {
		return model.Errorf(model.EINVALID, "RRULE needs DTSTART")
	}
	n := 0
	if err := s.each(time.Time{}, func(instance) bool { n++; return n < 2 }); err != nil {
		return model.Errorf(model.EINVALID, "%s", err)
	}
	// A rule no date ever meets makes rrule-go search until year 9999 on
	// every read; pay that once here and refuse it.
	if rp := s.master.Props.Get(ical.PropRecurrenceRule); rp != nil {
		sp, _ := z.componentSpan(s.master)
		opt, err := parseRRule(rp.Value, sp.start.Location())
		if err != nil {
			return model.Errorf(model.EINVALID, "%s", err)
		}
		opt.Dtstart, opt.Until, opt.Count = sp.start, time.Time{}, 0
		found := false
		if err := eachOccurrence(opt, func(time.Time) bool { found = true; return false }); err != nil || !found {
			return model.Errorf(model.EINVALID, "RRULE: no date ever matches it")
		}
	}
	return nil
}

// decoder maps one component to activity fields.
type decoder struct {
	z            *zones
	floatingName string // TimeZone of floating times
}

func (d *decoder) activity(c *ical.Component) (model.Activity, error) {
	var a model.Activity
	a.Kind = model.KindAppointment
	if c.Name == ical.CompToDo {
		a.Kind = model.KindTask
	}
	a.Subject = strings.TrimSpace(d.text(c, ical.PropSummary))
	a.Description = d.text(c, ical.PropDescription)
	a.Location = strings.TrimSpace(d.text(c, ical.PropLocation))
	if err := d.times(c, &a); err != nil {
		return a, model.Errorf(model.EINVALID, "%s", err)
	}
	if p := c.Props.Get(ical.PropRecurrenceRule); p != nil {
		a.RecurrenceRule = strings.TrimPrefix(strings.TrimSpace(p.Value), "RRULE:")
		if _, err := parseRRule(a.RecurrenceRule, time.UTC); err != nil {
			return a, model.Errorf(model.EINVALID, "%s", err)
		}
	}
	status := strings.ToUpper(propValue(c, ical.PropStatus))
	if a.Kind == model.KindTask {
		a.Status = firstNonEmpty(reverse(todoStatus)[status], "needs_action")
		if p := c.Props.Get(ical.PropPercentComplete); p != nil {
			n, _ := strconv.Atoi(strings.TrimSpace(p.Value))
			a.PercentComplete = min(max(n, 0), 100)
		}
		if p := c.Props.Get(ical.PropCompleted); p != nil {
			if w, err := d.z.parse(p); err == nil {
				t := w.t.UTC()
				a.CompletedAt = &t
			}
		}
	} else {
		a.Status = firstNonEmpty(reverse(eventStatus)[status], "confirmed")
	}
	a.Priority = priorityName(propValue(c, ical.PropPriority))
	a.Class = "public"
	if cl := strings.ToLower(propValue(c, ical.PropClass)); slices.Contains(model.Classes, cl) {
		a.Class = cl
	}
	a.Tags = d.categories(c)
	if p := c.Props.Get(ical.PropOrganizer); p != nil {
		if email, ok := mailtoAddress(p.Value); ok {
			a.OrganizerEmail, a.OrganizerName = email, p.Params.Get(ical.ParamCommonName)
		}
	}
	for i := range c.Props[ical.PropAttendee] {
		if at, ok := attendee(&c.Props[ical.PropAttendee][i]); ok {
			a.Attendees = append(a.Attendees, at)
		}
	}
	if i := mappedAlarm(c); i >= 0 {
		a.RemindAt = d.remindAt(c, c.Children[i])
	}
	return a, nil
}

func (d *decoder) text(c *ical.Component, name string) string {
	if p := c.Props.Get(name); p != nil {
		return unescapeText(p.Value)
	}
	return ""
}

// categories joins every CATEGORIES property, cleaned as the model does.
func (d *decoder) categories(c *ical.Component) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range c.Props[ical.PropCategories] {
		for _, t := range splitText(p.Value) {
			t = strings.TrimSpace(t)
			if t == "" || seen[model.Fold(t)] {
				continue
			}
			seen[model.Fold(t)] = true
			out = append(out, t)
		}
	}
	return out
}

func attendee(p *ical.Prop) (model.Attendee, bool) {
	email, ok := mailtoAddress(p.Value)
	if !ok {
		return model.Attendee{}, false
	}
	at := model.Attendee{Email: email, Name: p.Params.Get(ical.ParamCommonName), Role: "req-participant", Status: "needs-action"}
	if r := strings.ToLower(p.Params.Get(ical.ParamRole)); slices.Contains(model.AttendeeRoles, r) {
		at.Role = r
	}
	if s := strings.ToLower(p.Params.Get(ical.ParamParticipationStatus)); slices.Contains(model.AttendeeStatuses, s) {
		at.Status = s
	}
	return at, true
}

// times maps DTSTART, DTEND, DURATION and DUE.
func (d *decoder) times(c *ical.Component, a *model.Activity) error {
	start, err := d.z.optional(c, ical.PropDateTimeStart)
	if err != nil {
		return err
	}
	if !start.t.IsZero() && !start.date {
		// A floating or DATE end next to a zoned start is read in the
		// start's zone, not in the default one.
		saved := d.z.def
		d.z.def = start.t.Location()
		defer func() { d.z.def = saved }()
	}
	var dur *[2]int
	if p := c.Props.Get(ical.PropDuration); p != nil {
		days, secs, err := parseDuration(p.Value)
		if err != nil {
			return fmt.Errorf("DURATION: %v", err)
		}
		dur = &[2]int{days, secs}
	}
	if c.Name == ical.CompToDo {
		if !start.t.IsZero() {
			t := start.t.UTC()
			a.StartAt = &t
			a.TimeZone = d.zone(start)
		}
		due, err := d.z.optional(c, ical.PropDue)
		if err != nil {
			return err
		}
		switch {
		case !due.t.IsZero():
			t := due.t.UTC()
			a.DueAt = &t
			if a.TimeZone == "" {
				a.TimeZone = d.zone(due)
			}
		case dur != nil && !start.t.IsZero():
			t := addDuration(start.t, dur[0], dur[1]).UTC()
			a.DueAt = &t
		}
		return nil
	}
	if start.t.IsZero() {
		return nil
	}
	end, err := d.z.optional(c, ical.PropDateTimeEnd)
	if err != nil {
		return err
	}
	if start.date {
		a.AllDay = true
		first := dateOf(start.t)
		last := first
		switch {
		case dur != nil:
			last = first.AddDate(0, 0, dur[0]+dur[1]/86400-1)
		case !end.t.IsZero():
			last = dateOf(end.t).AddDate(0, 0, -1)
		}
		if last.Before(first) {
			last = first
		}
		a.StartDate, a.EndDate = &model.Date{Time: first}, &model.Date{Time: last}
		return nil
	}
	t := start.t.UTC()
	a.StartAt = &t
	a.TimeZone = d.zone(start)
	var e time.Time
	switch {
	case dur != nil:
		e = addDuration(start.t, dur[0], dur[1])
	case !end.t.IsZero():
		e = end.t
	}
	if !e.IsZero() {
		e = e.UTC()
		if e.Before(t) {
			e = t
		}
		a.EndAt = &e
	}
	return nil
}

// dateOf is the calendar date of t as a UTC midnight, the model's Date.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// zone is the TimeZone of a parsed time: the IANA zone of its TZID, the
// default zone for floating times, none for UTC and unknown zones.
func (d *decoder) zone(w when) string {
	switch {
	case w.iana:
		if w.t.Location() == time.UTC {
			return "UTC"
		}
		return w.t.Location().String()
	case w.floats:
		return d.floatingName
	}
	return ""
}

// mappedAlarm is the index of the VALARM that maps to RemindAt: the first
// DISPLAY or AUDIO alarm whose trigger is absolute or relative to the start.
func mappedAlarm(c *ical.Component) int {
	hasStart := c.Props.Get(ical.PropDateTimeStart) != nil
	for i, al := range c.Children {
		if al.Name != ical.CompAlarm {
			continue
		}
		action := strings.ToUpper(propValue(al, ical.PropAction))
		if action != "DISPLAY" && action != "AUDIO" {
			continue
		}
		tr := al.Props.Get(ical.PropTrigger)
		if tr == nil {
			continue
		}
		if strings.EqualFold(tr.Params.Get(ical.ParamValue), "DATE-TIME") {
			return i
		}
		if !strings.EqualFold(tr.Params.Get(ical.ParamRelated), "END") && hasStart {
			if _, _, err := parseDuration(tr.Value); err == nil {
				return i
			}
		}
	}
	return -1
}

func (d *decoder) remindAt(c, al *ical.Component) *time.Time {
	tr := al.Props.Get(ical.PropTrigger)
	if strings.EqualFold(tr.Params.Get(ical.ParamValue), "DATE-TIME") {
		w, err := d.z.parse(tr)
		if err != nil {
			return nil
		}
		t := w.t.UTC()
		return &t
	}
	start, err := d.z.optional(c, ical.PropDateTimeStart)
	if err != nil || start.t.IsZero() {
		return nil
	}
	days, secs, _ := parseDuration(tr.Value)
	t := addDuration(start.t, days, secs).UTC()
	return &t
}

// priorityName maps iCalendar priorities: 1 urgent, 2–4 high, 0/5 or none
// normal, 6–9 low.
func priorityName(v string) string {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	switch {
	case err != nil || n == 0 || n == 5:
		return "normal"
	case n == 1:
		return "urgent"
	case n >= 2 && n <= 4:
		return "high"
	case n >= 6 && n <= 9:
		return "low"
	}
	return "normal"
}

func reverse(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if _, ok := out[v]; !ok || k == strings.ToLower(strings.ReplaceAll(v, "-", "_")) {
			out[v] = k
		}
	}
	return out
}
