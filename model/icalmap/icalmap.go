package icalmap

import (
	"bytes"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"

	"rapport/model"
)

// ProdID identifies Rapport in generated calendars.
const ProdID = "-//Rapport//Rapport CRM//EN"

// Person is what a calendar shows of a user: e-mail and name.
type Person struct{ Email, Name string }

// People resolves user ids (owners, user attendees) to people.
type People func(userID string) (Person, bool)

// Calendar returns a VCALENDAR named name holding one component per activity
// (a read-only ICS feed) and the VTIMEZONEs their times use.
func Calendar(name string, acts []model.Activity, people People) *ical.Calendar {
	cal := newCalendar()
	setRaw(cal.Component, "X-WR-CALNAME", name)
	setRaw(cal.Component, "X-PUBLISHED-TTL", "PT15M")
	setRaw(cal.Component, "REFRESH-INTERVAL", "PT15M").Params.Set(ical.ParamValue, "DURATION")
	spans := map[string][2]time.Time{}
	comps := make([]*ical.Component, 0, len(acts))
	for i := range acts {
		a := &acts[i]
		comps = append(comps, Component(a, people))
		if loc := activityZone(a); loc != time.UTC {
			from, to := zoneSpan(a)
			s, ok := spans[loc.String()]
			if !ok || from.Before(s[0]) {
				s[0] = from
			}
			if !ok || to.After(s[1]) {
				s[1] = to
			}
			spans[loc.String()] = s
		}
	}
	cal.Children = vtimezones(comps, nil, func(tzid string) (time.Time, time.Time) { return spans[tzid][0], spans[tzid][1] })
	cal.Children = append(cal.Children, comps...)
	if len(cal.Children) == 0 {
		// A VCALENDAR needs one component; an unused UTC zone keeps an
		// empty feed valid.
		cal.Children = append(cal.Children, utcZone())
	}
	return cal
}

func utcZone() *ical.Component {
	std := ical.NewComponent(ical.CompTimezoneStandard)
	setRaw(std, ical.PropDateTimeStart, "19700101T000000")
	setRaw(std, ical.PropTimezoneOffsetFrom, "+0000")
	setRaw(std, ical.PropTimezoneOffsetTo, "+0000")
	setRaw(std, ical.PropTimezoneName, "UTC")
	tz := ical.NewComponent(ical.CompTimezone)
	setRaw(tz, ical.PropTimezoneID, "UTC")
	tz.Children = []*ical.Component{std}
	return tz
}

// Component maps one activity for a feed: a VTODO for tasks, a VEVENT
// otherwise, without the activity's preserved DAV Extra.
func Component(a *model.Activity, people People) *ical.Component {
	return render(a, people, renderMode{feed: true})
}

// Encode writes cal with content lines folded at 75 octets, as RFC 5545
// asks (go-ical writes long lines unfolded), never inside a UTF-8 character.
func Encode(w io.Writer, cal *ical.Calendar) error {
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return err
	}
	lines := strings.SplitAfter(buf.String(), "\r\n")
	var out strings.Builder
	out.Grow(buf.Len() + buf.Len()/32)
	for _, line := range lines {
		out.WriteString(fold(line))
	}
	_, err := io.WriteString(w, out.String())
	return err
}

// fold splits one "…\r\n" line into 75-octet pieces joined by CRLF + space.
func fold(line string) string {
	body := strings.TrimSuffix(line, "\r\n")
	if len(body) <= 75 {
		return line
	}
	var b strings.Builder
	limit := 75
	for len(body) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(body[cut]) {
			cut--
		}
		b.WriteString(body[:cut])
		b.WriteString("\r\n ")
		body = body[cut:]
		limit = 74 // continuation lines start with the space
	}
	b.WriteString(body)
	b.WriteString(line[len(strings.TrimSuffix(line, "\r\n")):])
	return b.String()
}
