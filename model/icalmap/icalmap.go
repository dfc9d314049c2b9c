// Package icalmap turns activities into iCalendar components (VEVENT for
// appointments and calls, VTODO for tasks) for calendar feeds and, later,
// CalDAV. It is a pure mapping: it imports model (and go-ical) only.
package icalmap

import (
	"bytes"
	"io"
	"strconv"
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

// Calendar returns a VCALENDAR named name holding one component per activity.
func Calendar(name string, acts []model.Activity, people People) *ical.Calendar {
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, ProdID)
	setRaw(cal.Component, "X-WR-CALNAME", name)
	setRaw(cal.Component, "X-PUBLISHED-TTL", "PT15M")
	setRaw(cal.Component, "REFRESH-INTERVAL", "PT15M").Params.Set(ical.ParamValue, "DURATION")
	for i := range acts {
		cal.Children = append(cal.Children, Component(&acts[i], people))
	}
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

// Component maps one activity: a VTODO for tasks, a VEVENT otherwise.
func Component(a *model.Activity, people People) *ical.Component {
	if a.Kind == model.KindTask {
		return todo(a)
	}
	return event(a, people)
}

func common(name string, a *model.Activity) *ical.Component {
	c := ical.NewComponent(name)
	c.Props.SetText(ical.PropUID, a.ID)
	c.Props.SetDateTime(ical.PropDateTimeStamp, a.UpdatedAt.UTC())
	c.Props.SetDateTime(ical.PropCreated, a.CreatedAt.UTC())
	c.Props.SetDateTime(ical.PropLastModified, a.UpdatedAt.UTC())
	setRaw(c, ical.PropSequence, strconv.FormatInt(max(a.Version-1, 0), 10))
	c.Props.SetText(ical.PropSummary, a.Subject)
	setIf(c, ical.PropDescription, a.Description)
	setIf(c, ical.PropLocation, a.Location)
	if a.RecurrenceRule != "" {
		rrule := ical.NewProp(ical.PropRecurrenceRule)
		rrule.SetValueType(ical.ValueRecurrence)
		rrule.Value = a.RecurrenceRule
		c.Props.Set(rrule)
	}
	if a.RemindAt != nil {
		c.Children = append(c.Children, alarm(a))
	}
	return c
}

func event(a *model.Activity, people People) *ical.Component {
	c := common(ical.CompEvent, a)
	switch {
	case a.AllDay && a.StartDate != nil:
		c.Props.SetDate(ical.PropDateTimeStart, a.StartDate.Time)
		end := a.StartDate.Time
		if a.EndDate != nil {
			end = a.EndDate.Time
		}
		c.Props.SetDate(ical.PropDateTimeEnd, end.AddDate(0, 0, 1)) // DTEND of a date is exclusive
	case a.StartAt != nil:
		c.Props.SetDateTime(ical.PropDateTimeStart, a.StartAt.UTC())
		if a.EndAt != nil {
			c.Props.SetDateTime(ical.PropDateTimeEnd, a.EndAt.UTC())
		} else if a.DurationSeconds > 0 {
			d := ical.NewProp(ical.PropDuration)
			d.SetDuration(time.Duration(a.DurationSeconds) * time.Second)
			c.Props.Set(d)
		}
	}
	c.Props.SetText(ical.PropStatus, eventStatus[a.Status])
	if a.Kind == model.KindCall {
		cat := ical.NewProp(ical.PropCategories)
		cat.SetTextList([]string{"Call"})
		c.Props.Set(cat)
	}
	addPeople(c, a, people)
	return c
}

var eventStatus = map[string]string{"confirmed": "CONFIRMED", "tentative": "TENTATIVE", "cancelled": "CANCELLED",
	"planned": "CONFIRMED", "held": "CONFIRMED", "not_held": "CANCELLED"}

var todoStatus = map[string]string{"needs_action": "NEEDS-ACTION", "in_process": "IN-PROCESS", "completed": "COMPLETED", "cancelled": "CANCELLED"}

// priorityNumber maps priorities to iCalendar's 1 (highest) … 9 (lowest).
var priorityNumber = map[string]string{"urgent": "1", "high": "3", "normal": "5", "low": "9"}

func todo(a *model.Activity) *ical.Component {
	c := common(ical.CompToDo, a)
	if a.DueAt != nil {
		c.Props.SetDateTime(ical.PropDue, a.DueAt.UTC())
	}
	if a.StartAt != nil {
		c.Props.SetDateTime(ical.PropDateTimeStart, a.StartAt.UTC())
	}
	c.Props.SetText(ical.PropStatus, todoStatus[a.Status])
	setRaw(c, ical.PropPriority, priorityNumber[a.Priority])
	setRaw(c, ical.PropPercentComplete, strconv.Itoa(a.PercentComplete))
	if a.CompletedAt != nil {
		c.Props.SetDateTime(ical.PropCompleted, a.CompletedAt.UTC())
	}
	return c
}

func alarm(a *model.Activity) *ical.Component {
	al := ical.NewComponent(ical.CompAlarm)
	al.Props.SetText(ical.PropAction, "DISPLAY")
	al.Props.SetText(ical.PropDescription, a.Subject)
	trigger := ical.NewProp(ical.PropTrigger)
	trigger.SetDateTime(a.RemindAt.UTC())
	al.Props.Set(trigger)
	return al
}

var partStat = map[string]string{"needs-action": "NEEDS-ACTION", "accepted": "ACCEPTED", "declined": "DECLINED",
	"tentative": "TENTATIVE", "delegated": "DELEGATED"}

// addPeople writes ORGANIZER (the owner) and ATTENDEEs that have an e-mail.
func addPeople(c *ical.Component, a *model.Activity, people People) {
	if a.OwnerID != nil && people != nil {
		if p, ok := people(*a.OwnerID); ok && p.Email != "" {
			c.Props.Set(mailto(ical.PropOrganizer, p.Email, p.Name))
		}
	}
	for _, at := range a.Attendees {
		email, name := at.Email, at.Name
		if email == "" && at.UserID != "" && people != nil {
			if p, ok := people(at.UserID); ok {
				email, name = p.Email, firstNonEmpty(name, p.Name)
			}
		}
		if email == "" {
			continue
		}
		p := mailto(ical.PropAttendee, email, name)
		p.Params.Set(ical.ParamRole, strings.ToUpper(at.Role))
		p.Params.Set(ical.ParamParticipationStatus, partStat[at.Status])
		c.Props.Add(p)
	}
}

func mailto(name, email, cn string) *ical.Prop {
	p := ical.NewProp(name)
	p.SetValueType(ical.ValueCalendarAddress)
	p.Value = "mailto:" + email
	if cn != "" {
		p.Params.Set(ical.ParamCommonName, cn)
	}
	return p
}

// setRaw sets a property whose value needs no escaping or VALUE parameter
// (integers, durations, X- names).
func setRaw(c *ical.Component, name, v string) *ical.Prop {
	p := ical.NewProp(name)
	p.Value = v
	c.Props.Set(p)
	return p
}

func setIf(c *ical.Component, name, v string) {
	if v != "" {
		c.Props.SetText(name, v)
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
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
