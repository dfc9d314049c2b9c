package icalmap

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // zones must exist on bare systems and in scratch images

	"github.com/emersion/go-ical"

	"rapport/model/icalmap/tzdata"
)

// ResolveTZID resolves a TZID: IANA names, Windows names ("W. Europe
// Standard Time", Outlook), prefixed Olson names
// ("/mozilla.org/20050126_1/Europe/Berlin",
// "/softwarestudio.org/Olson_20011030_5/America/New_York") and Windows
// display names ("(UTC+01:00) Amsterdam, Berlin, …"); a display name whose
// cities are unknown falls back to its fixed offset as an Etc/GMT zone.
// The location's String() is the IANA name.
func ResolveTZID(tzid string) (*time.Location, bool) {
	if loc, ok := resolveNamed(tzid); ok {
		return loc, true
	}
	return offsetZone(tzid)
}

// resolveNamed is ResolveTZID without the fixed-offset guess, which an
// embedded VTIMEZONE beats.
func resolveNamed(tzid string) (*time.Location, bool) {
	tzid = strings.Trim(strings.TrimSpace(tzid), `"`)
	if tzid == "" || len(tzid) > 255 {
		return nil, false
	}
	if loc, ok := loadIANA(tzid); ok {
		return loc, true
	}
	if iana, ok := tzdata.WindowsToIANA(tzid); ok {
		return loadIANA(iana)
	}
	if iana, ok := tzdata.DisplayToIANA(tzid); ok {
		return loadIANA(iana)
	}
	// Prefixed Olson names: try each tail of the path, longest first.
	if strings.Contains(tzid, "/") {
		parts := strings.Split(strings.Trim(tzid, "/"), "/")
		for i := 1; i < len(parts) && i < 8; i++ {
			if loc, ok := loadIANA(strings.Join(parts[i:], "/")); ok {
				return loc, true
			}
		}
	}
	return nil, false
}

func loadIANA(name string) (*time.Location, bool) {
	switch strings.ToUpper(name) {
	case "UTC", "Z", "GMT", "ETC/UTC":
		return time.UTC, true
	case "LOCAL":
		return nil, false
	}
	if strings.ContainsAny(name, " \\") || strings.Contains(name, "..") {
		return nil, false
	}
	if loc, ok := locations.Load(name); ok {
		return loc.(*time.Location), true
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, false
	}
	locations.Store(name, loc) // only real zones: the cache stays as small as tzdata
	return loc, true
}

// locations caches time.LoadLocation, which reads zoneinfo on every call.
var locations sync.Map

// offsetZone reads "(UTC+01:00) …" or "(GMT-05:30) …" as a fixed zone.
func offsetZone(tzid string) (*time.Location, bool) {
	s := strings.TrimSpace(tzid)
	for _, p := range []string{"(UTC", "(GMT"} {
		if !strings.HasPrefix(s, p) {
			continue
		}
		rest := s[len(p):]
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return nil, false
		}
		off := rest[:end]
		if off == "" {
			return time.UTC, true
		}
		secs, ok := parseOffset(strings.ReplaceAll(off, ":", ""))
		if !ok {
			return nil, false
		}
		if secs%3600 == 0 {
			// Etc/GMT signs are inverted: UTC+01:00 is Etc/GMT-1.
			return loadIANA(fmt.Sprintf("Etc/GMT%+d", -secs/3600))
		}
		return time.FixedZone(off, secs), true
	}
	return nil, false
}

// parseOffset parses a UTC offset "+0100", "-0530" or "+013000".
func parseOffset(s string) (int, bool) {
	if len(s) != 5 && len(s) != 7 || (s[0] != '+' && s[0] != '-') {
		return 0, false
	}
	n, err := strconv.Atoi(s[1:])
	if err != nil {
		return 0, false
	}
	if len(s) == 5 {
		n *= 100
	}
	h, m, sec := n/10000, n/100%100, n%100
	if h > 23 || m > 59 || sec > 59 {
		return 0, false
	}
	secs := h*3600 + m*60 + sec
	if s[0] == '-' {
		secs = -secs
	}
	return secs, true
}

func formatOffset(secs int) string {
	sign := '+'
	if secs < 0 {
		sign, secs = '-', -secs
	}
	s := fmt.Sprintf("%c%02d%02d", sign, secs/3600, secs/60%60)
	if secs%60 != 0 {
		s += fmt.Sprintf("%02d", secs%60)
	}
	return s
}

// Bounds of the observances compiled from a client's VTIMEZONE.
const (
	vtzFirstYear      = 1900
	vtzLastYear       = 2100
	maxVTZTransitions = 2000
)

type transition struct {
	at     int64 // Unix seconds
	offset int
	dst    bool
	name   string
}

// compileVTimezone turns a VTIMEZONE into a *time.Location named tzid by
// evaluating its STANDARD and DAYLIGHT observances (DTSTART, RRULE, RDATE)
// from 1900 to 2100 and loading the transitions as TZif data.
func compileVTimezone(tz *ical.Component, tzid string) (loc *time.Location, err error) {
	defer func() {
		if r := recover(); r != nil {
			loc, err = nil, fmt.Errorf("VTIMEZONE %q: %v", tzid, r)
		}
	}()
	var ts []transition
	for _, obs := range tz.Children {
		if obs.Name != ical.CompTimezoneStandard && obs.Name != ical.CompTimezoneDaylight {
			continue
		}
		from, ok1 := parseOffset(propValue(obs, ical.PropTimezoneOffsetFrom))
		to, ok2 := parseOffset(propValue(obs, ical.PropTimezoneOffsetTo))
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("VTIMEZONE %q: bad TZOFFSETFROM/TZOFFSETTO", tzid)
		}
		start, err := time.ParseInLocation("20060102T150405", propValue(obs, ical.PropDateTimeStart), time.UTC)
		if err != nil {
			return nil, fmt.Errorf("VTIMEZONE %q: bad DTSTART", tzid)
		}
		name := propValue(obs, ical.PropTimezoneName)
		if name == "" || len(name) > 16 {
			name = formatOffset(to)
		}
		add := func(local time.Time) {
			ts = append(ts, transition{local.Unix() - int64(from), to, obs.Name == ical.CompTimezoneDaylight, name})
		}
		if start.Year() > vtzLastYear {
			continue
		}
		add(start)
		// Onsets are wall-clock times in TZOFFSETFROM; expand them as if
		// they were UTC and shift afterwards.
		for _, p := range obs.Props[ical.PropRecurrenceRule] {
			opt, err := parseRRule(p.Value, time.UTC)
			if err != nil {
				return nil, fmt.Errorf("VTIMEZONE %q: %v", tzid, err)
			}
			if !opt.Until.IsZero() && untilIsUTC(p.Value) {
				opt.Until = opt.Until.Add(time.Duration(from) * time.Second)
			}
			opt.Dtstart = start
			n := 0
			err = eachOccurrence(opt, func(t time.Time) bool {
				if t.Year() > vtzLastYear || n >= maxVTZTransitions {
					return false
				}
				if !t.Equal(start) {
					add(t)
				}
				n++
				return true
			})
			if err != nil {
				return nil, fmt.Errorf("VTIMEZONE %q: %v", tzid, err)
			}
		}
		for _, p := range obs.Props[ical.PropRecurrenceDates] {
			for _, v := range strings.Split(p.Value, ",") {
				if t, err := time.ParseInLocation("20060102T150405", strings.TrimSuffix(v, "Z"), time.UTC); err == nil {
					add(t)
				}
			}
		}
		if len(ts) > 4*maxVTZTransitions {
			return nil, fmt.Errorf("VTIMEZONE %q: too many observances", tzid)
		}
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("VTIMEZONE %q has no observance", tzid)
	}
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].at < ts[j].at })
	return time.LoadLocationFromTZData(tzid, tzif(ts))
}

// tzif encodes transitions as version 2 TZif data (RFC 8536) with an empty
// version 1 block, which is what time.LoadLocationFromTZData reads.
func tzif(ts []transition) []byte {
	type ttinfo struct {
		offset int
		dst    bool
		abbr   int
	}
	var types []ttinfo
	var chars []byte
	abbrIndex := map[string]int{}
	typeIndex := map[ttinfo]int{}
	idx := make([]byte, len(ts))
	for i, t := range ts {
		a, ok := abbrIndex[t.name]
		if !ok {
			a = len(chars)
			abbrIndex[t.name] = a
			chars = append(append(chars, t.name...), 0)
		}
		ti := ttinfo{t.offset, t.dst, a}
		k, ok := typeIndex[ti]
		if !ok {
			if len(types) == 255 {
				k = len(types) - 1 // more kinds than TZif allows: reuse the last
			} else {
				k = len(types)
				typeIndex[ti] = k
				types = append(types, ti)
			}
		}
		idx[i] = byte(k)
	}
	var b []byte
	header := func(timecnt, typecnt, charcnt int) {
		b = append(b, "TZif2"...)
		b = append(b, make([]byte, 15)...)
		for _, n := range []int{0, 0, 0, timecnt, typecnt, charcnt} {
			b = binary.BigEndian.AppendUint32(b, uint32(n))
		}
	}
	// Version 1 block: one type, no transitions.
	header(0, 1, 1)
	b = append(b, 0, 0, 0, 0, 0, 0, 0)
	header(len(ts), len(types), len(chars))
	for _, t := range ts {
		b = binary.BigEndian.AppendUint64(b, uint64(t.at))
	}
	b = append(b, idx...)
	for _, t := range types {
		b = binary.BigEndian.AppendUint32(b, uint32(int32(t.offset)))
		dst := byte(0)
		if t.dst {
			dst = 1
		}
		b = append(b, dst, byte(t.abbr))
	}
	b = append(b, chars...)
	return append(b, '\n', '\n')
}

// Bounds of a generated VTIMEZONE.
const maxGeneratedYears = 30

// generateVTimezone writes a VTIMEZONE named tzid for loc from Go's tzdata covering
// [from, to]: the observance in effect at from, every transition until to,
// and, when the last year's transitions follow a yearly "n-th weekday of the
// month" rule that holds for the following years, that rule as an RRULE so
// that open-ended series stay right.
func generateVTimezone(loc *time.Location, tzid string, from, to time.Time) *ical.Component {
	tz := ical.NewComponent(ical.CompTimezone)
	setRaw(tz, ical.PropTimezoneID, tzid)
	from = time.Date(from.In(loc).Year(), 1, 1, 0, 0, 0, 0, loc)
	if to.Before(from) {
		to = from
	}
	if to.Sub(from) > maxGeneratedYears*366*24*time.Hour {
		to = from.AddDate(maxGeneratedYears, 0, 0)
	}
	to = time.Date(to.In(loc).Year()+1, 1, 1, 0, 0, 0, 0, loc)
	name, offset := from.Zone()
	tz.Children = append(tz.Children, observance(from.IsDST(), from.In(time.FixedZone("", offset)), offset, offset, name))
	type tr struct {
		at         time.Time
		prev, next int
		dst        bool
		name       string
	}
	var trs []tr
	t := from
	for i := 0; i < 4*maxGeneratedYears+8; i++ {
		_, end := t.ZoneBounds()
		if end.IsZero() || !end.Before(to) {
			break
		}
		_, prev := t.Zone()
		n, next := end.In(loc).Zone()
		trs = append(trs, tr{end, prev, next, end.In(loc).IsDST(), n})
		t = end
	}
	// The final year's transitions become yearly rules when they hold for
	// ten more years.
	var rules []*ical.Component
	last := len(trs)
	if len(trs) >= 2 && trs[len(trs)-1].at.Year() == trs[len(trs)-2].at.Year() {
		cut := len(trs) - 2
		ok := true
		for _, x := range trs[cut:] {
			local := x.at.In(time.FixedZone("", x.prev))
			rule, good := yearlyRule(local, loc, x.prev, x.next)
			if !good {
				ok = false
				break
			}
			o := observance(x.dst, local, x.prev, x.next, x.name)
			rrule := ical.NewProp(ical.PropRecurrenceRule)
			rrule.Value = rule
			o.Props.Set(rrule)
			rules = append(rules, o)
		}
		if ok {
			last = cut
		} else {
			rules = nil
		}
	}
	for _, x := range trs[:last] {
		tz.Children = append(tz.Children, observance(x.dst, x.at.In(time.FixedZone("", x.prev)), x.prev, x.next, x.name))
	}
	tz.Children = append(tz.Children, rules...)
	return tz
}

func observance(dst bool, local time.Time, from, to int, name string) *ical.Component {
	kind := ical.CompTimezoneStandard
	if dst {
		kind = ical.CompTimezoneDaylight
	}
	o := ical.NewComponent(kind)
	setRaw(o, ical.PropDateTimeStart, local.Format("20060102T150405"))
	setRaw(o, ical.PropTimezoneOffsetFrom, formatOffset(from))
	setRaw(o, ical.PropTimezoneOffsetTo, formatOffset(to))
	if name != "" && !strings.ContainsAny(name, "+-") {
		setRaw(o, ical.PropTimezoneName, name)
	}
	return o
}

// yearlyRule returns "FREQ=YEARLY;BYMONTH=m;BYDAY=nDD" for the transition
// at local (a wall-clock time in the offset before it) when the same rule
// predicts loc's transitions of the next ten years.
func yearlyRule(local time.Time, loc *time.Location, from, to int) (string, bool) {
	n := (local.Day()-1)/7 + 1
	if local.Day()+7 > daysIn(local.Month(), local.Year()) {
		n = -1
	}
	wd := [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}[local.Weekday()]
	for y := local.Year() + 1; y <= local.Year()+10; y++ {
		d := nthWeekday(y, local.Month(), local.Weekday(), n)
		want := time.Date(y, local.Month(), d, local.Hour(), local.Minute(), local.Second(), 0, time.UTC).Add(-time.Duration(from) * time.Second)
		before, after := want.Add(-time.Second).In(loc), want.In(loc)
		if _, o := before.Zone(); o != from {
			return "", false
		}
		if _, o := after.Zone(); o != to {
			return "", false
		}
	}
	return fmt.Sprintf("FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s", int(local.Month()), n, wd), true
}

func daysIn(m time.Month, y int) int { return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day() }

func nthWeekday(y int, m time.Month, wd time.Weekday, n int) int {
	if n > 0 {
		first := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC).Weekday()
		return 1 + (int(wd)-int(first)+7)%7 + 7*(n-1)
	}
	lastDay := daysIn(m, y)
	last := time.Date(y, m, lastDay, 0, 0, 0, 0, time.UTC).Weekday()
	return lastDay - (int(last)-int(wd)+7)%7
}
