package icalmap

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"

	"rapport/model"
)

// renderMode tells the read-only feeds from CalDAV objects apart.
type renderMode struct {
	feed bool // ICS feed: owner as ORGANIZER, "Call" category, SEQUENCE always
}

var (
	eventStatus = map[string]string{"confirmed": "CONFIRMED", "tentative": "TENTATIVE", "cancelled": "CANCELLED",
		"planned": "CONFIRMED", "held": "CONFIRMED", "not_held": "CANCELLED"}
	todoStatus = map[string]string{"needs_action": "NEEDS-ACTION", "in_process": "IN-PROCESS", "completed": "COMPLETED", "cancelled": "CANCELLED"}
	// priorityNumber maps priorities to iCalendar's 1 (highest) … 9 (lowest);
	// normal is written as no PRIORITY (0, undefined).
	priorityNumber = map[string]string{"urgent": "1", "high": "3", "low": "9"}
	partStat       = map[string]string{"needs-action": "NEEDS-ACTION", "accepted": "ACCEPTED", "declined": "DECLINED",
		"tentative": "TENTATIVE", "delegated": "DELEGATED"}
	eventStatusName = reverse(eventStatus)
	todoStatusName  = reverse(todoStatus)
)

// render maps an activity to a VEVENT or VTODO without its preserved Extra.
// Defaults (confirmed, needs_action, normal priority, public class, 0 %)
// are left out, as a client that never set them writes nothing.
func render(a *model.Activity, people People, mode renderMode) *ical.Component {
	name := ical.CompEvent
	if a.Kind == model.KindTask {
		name = ical.CompToDo
	}
	c := ical.NewComponent(name)
	setRaw(c, ical.PropUID, a.DAV.UIDOr(a.ID))
	stamp := a.UpdatedAt
	if stamp.IsZero() {
		stamp = a.CreatedAt
	}
	if stamp.IsZero() {
		stamp = time.Unix(0, 0)
	}
	setRaw(c, ical.PropDateTimeStamp, stamp.UTC().Format(utcLayout))
	if !a.CreatedAt.IsZero() {
		setRaw(c, ical.PropCreated, a.CreatedAt.UTC().Format(utcLayout))
	}
	if !a.UpdatedAt.IsZero() {
		setRaw(c, ical.PropLastModified, a.UpdatedAt.UTC().Format(utcLayout))
	}
	if seq := max(a.Version-1, 0); seq > 0 || mode.feed {
		setRaw(c, ical.PropSequence, strconv.FormatInt(seq, 10))
	}
	setText(c, ical.PropSummary, a.Subject)
	setText(c, ical.PropDescription, a.Description)
	setText(c, ical.PropLocation, a.Location)
	renderTimes(c, a)
	if a.RecurrenceRule != "" {
		setRaw(c, ical.PropRecurrenceRule, a.RecurrenceRule)
	}
	if name == ical.CompToDo {
		if s := todoStatus[a.Status]; s != "" && s != "NEEDS-ACTION" {
			setRaw(c, ical.PropStatus, s)
		}
		if a.PercentComplete > 0 {
			setRaw(c, ical.PropPercentComplete, strconv.Itoa(a.PercentComplete))
		}
		if a.CompletedAt != nil {
			setRaw(c, ical.PropCompleted, a.CompletedAt.UTC().Format(utcLayout))
		}
	} else if s := eventStatus[a.Status]; s != "" && s != "CONFIRMED" {
		setRaw(c, ical.PropStatus, s)
	}
	if p := priorityNumber[a.Priority]; p != "" {
		setRaw(c, ical.PropPriority, p)
	}
	if a.Class != "" && a.Class != "public" {
		setRaw(c, ical.PropClass, strings.ToUpper(a.Class))
	}
	tags := a.Tags
	if mode.feed && a.Kind == model.KindCall {
		tags = append(slices.Clip(tags), "Call")
	}
	if len(tags) > 0 {
		p := ical.NewProp(ical.PropCategories)
		esc := make([]string, len(tags))
		for i, t := range tags {
			esc[i] = escapeText(t)
		}
		p.Value = strings.Join(esc, ",")
		c.Props.Set(p)
	}
	renderPeople(c, a, people, mode)
	if al := renderAlarm(a); al != nil {
		c.Children = append(c.Children, al)
	}
	return c
}

const (
	utcLayout   = "20060102T150405Z"
	localLayout = "20060102T150405"
	dateLayout  = "20060102"
)

// activityZone is where an activity's times are written: its IANA zone, or
// UTC.
func activityZone(a *model.Activity) *time.Location {
	if a.TimeZone != "" {
		if loc, ok := loadIANA(a.TimeZone); ok {
			return loc
		}
	}
	return time.UTC
}

func setTime(c *ical.Component, name string, t time.Time, loc *time.Location) {
	p := ical.NewProp(name)
	if loc == time.UTC {
		p.Value = t.UTC().Format(utcLayout)
	} else {
		p.Params.Set(ical.ParamTimezoneID, loc.String())
		p.Value = t.In(loc).Format(localLayout)
	}
	c.Props.Set(p)
}

func setDate(c *ical.Component, name string, d time.Time) {
	p := ical.NewProp(name)
	p.Params.Set(ical.ParamValue, "DATE")
	p.Value = d.Format(dateLayout)
	c.Props.Set(p)
}

func renderTimes(c *ical.Component, a *model.Activity) {
	loc := activityZone(a)
	if c.Name == ical.CompToDo {
		if a.StartAt != nil {
			setTime(c, ical.PropDateTimeStart, *a.StartAt, loc)
		}
		if a.DueAt != nil {
			setTime(c, ical.PropDue, *a.DueAt, loc)
		}
		return
	}
	switch {
	case a.AllDay && a.StartDate != nil:
		setDate(c, ical.PropDateTimeStart, a.StartDate.Time)
		end := a.StartDate.Time
		if a.EndDate != nil && a.EndDate.After(end) {
			end = a.EndDate.Time
		}
		setDate(c, ical.PropDateTimeEnd, end.AddDate(0, 0, 1)) // DTEND of a date is exclusive
	case a.StartAt != nil:
		setTime(c, ical.PropDateTimeStart, *a.StartAt, loc)
		if a.EndAt != nil {
			setTime(c, ical.PropDateTimeEnd, *a.EndAt, loc)
		} else if a.DurationSeconds > 0 {
			d := ical.NewProp(ical.PropDuration)
			d.SetDuration(time.Duration(a.DurationSeconds) * time.Second)
			c.Props.Set(d)
		}
	}
}

// renderAlarm writes RemindAt as a DISPLAY alarm, relative to a timed start
// (so every instance of a series rings) and absolute otherwise.
func renderAlarm(a *model.Activity) *ical.Component {
	if a.RemindAt == nil {
		return nil
	}
	al := ical.NewComponent(ical.CompAlarm)
	setRaw(al, ical.PropAction, "DISPLAY")
	setText(al, ical.PropDescription, firstNonEmpty(a.Subject, "Reminder"))
	trigger := ical.NewProp(ical.PropTrigger)
	if a.StartAt != nil && !a.AllDay {
		trigger.Value = formatDuration(a.RemindAt.Sub(*a.StartAt))
	} else {
		trigger.Params.Set(ical.ParamValue, "DATE-TIME")
		trigger.Value = a.RemindAt.UTC().Format(utcLayout)
	}
	al.Props.Set(trigger)
	return al
}

// formatDuration writes "-PT15M", "PT1H30M", "-P1DT2H" or "PT0S".
func formatDuration(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	secs := int64(d / time.Second)
	days := secs / 86400
	secs %= 86400
	var b strings.Builder
	b.WriteString(sign + "P")
	if days > 0 {
		fmt.Fprintf(&b, "%dD", days)
	}
	if secs > 0 || days == 0 {
		b.WriteByte('T')
		h, m, s := secs/3600, secs/60%60, secs%60
		if h > 0 {
			fmt.Fprintf(&b, "%dH", h)
		}
		if m > 0 {
			fmt.Fprintf(&b, "%dM", m)
		}
		if s > 0 || h == 0 && m == 0 {
			fmt.Fprintf(&b, "%dS", s)
		}
	}
	return b.String()
}

// renderPeople writes ORGANIZER (the activity's organizer, else its owner
// in feeds and meetings) and ATTENDEEs that have an e-mail.
func renderPeople(c *ical.Component, a *model.Activity, people People, mode renderMode) {
	switch {
	case a.OrganizerEmail != "":
		c.Props.Set(mailto(ical.PropOrganizer, a.OrganizerEmail, a.OrganizerName))
	case a.OwnerID != nil && people != nil && (mode.feed || len(a.Attendees) > 0):
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
		c.Props.Add(attendeeProp(email, name, at.Role, at.Status))
	}
}

func attendeeProp(email, name, role, status string) *ical.Prop {
	p := mailto(ical.PropAttendee, email, name)
	if role != "" && role != "req-participant" {
		p.Params.Set(ical.ParamRole, strings.ToUpper(role))
	}
	if s := partStat[status]; s != "" && s != "NEEDS-ACTION" {
		p.Params.Set(ical.ParamParticipationStatus, s)
	}
	return p
}

func mailto(name, email, cn string) *ical.Prop {
	p := ical.NewProp(name)
	p.Value = "mailto:" + email
	if cn != "" && !strings.Contains(cn, `"`) {
		p.Params.Set(ical.ParamCommonName, cn)
	}
	return p
}

// setRaw sets a property whose value needs no escaping (integers, dates,
// durations, recurrence rules, X- names).
func setRaw(c *ical.Component, name, v string) *ical.Prop {
	p := ical.NewProp(name)
	p.Value = v
	c.Props.Set(p)
	return p
}

func setText(c *ical.Component, name, v string) {
	if v != "" {
		c.Props.Set(textProp(name, v))
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
