package icalmap

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"

	"rapport/model"
)

// iTIP methods (RFC 5546) of the invitations Rapport sends and reads.
const (
	MethodRequest = "REQUEST"
	MethodCancel  = "CANCEL"
	MethodReply   = "REPLY"
)

// Invitation renders an appointment as the iCalendar object of an iMIP
// mail (RFC 6047): METHOD REQUEST (new or changed) or CANCEL, with the
// staff member as ORGANIZER at the scheduling address (organizer: that
// address and the member's name), so attendees' answers come back to a
// mailbox Rapport reads. Attendees who have not answered get RSVP=TRUE.
// A cancellation carries STATUS:CANCELLED. SEQUENCE follows the activity's
// version, so every change supersedes the one before in clients' calendars.
func Invitation(a *model.Activity, method string, organizer Person, people People) *ical.Calendar {
	c := render(a, people, renderMode{})
	c.Props.Set(mailto(ical.PropOrganizer, organizer.Email, organizer.Name))
	setRaw(c, ical.PropSequence, strconv.FormatInt(max(a.Version-1, 0), 10))
	for i, p := range c.Props[ical.PropAttendee] {
		if strings.EqualFold(strings.TrimPrefix(p.Value, "mailto:"), organizer.Email) {
			continue
		}
		if ps := p.Params.Get(ical.ParamParticipationStatus); ps == "" || ps == "NEEDS-ACTION" {
			c.Props[ical.PropAttendee][i].Params.Set(ical.ParamRSVP, "TRUE")
		}
	}
	if method == MethodCancel {
		setRaw(c, ical.PropStatus, "CANCELLED")
	}
	cal := newCalendar()
	setRaw(cal.Component, ical.PropMethod, method)
	from, to := zoneSpan(a)
	cal.Children = append(vtimezones([]*ical.Component{c}, nil, func(string) (time.Time, time.Time) { return from, to }), c)
	return cal
}

// Reply is an attendee's answer to an invitation (an iMIP REPLY).
type Reply struct {
	UID          string
	RecurrenceID string // "" when the answer is for the whole series
	Sequence     int
	Email        string // the attendee who answered, lower case
	Name         string
	Status       string // accepted, declined, tentative, delegated, needs-action
	Comment      string
}

// ParseReply reads the first VEVENT of a METHOD:REPLY calendar. Anything
// else (another method, no attendee, an unknown PARTSTAT) is EINVALID;
// unreadable text is EMALFORMED.
func ParseReply(data []byte) (*Reply, error) {
	if len(data) > DefaultMaxBytes {
		return nil, model.Errorf(model.ETOOLARGE, "the calendar object is larger than %d bytes", DefaultMaxBytes)
	}
	cal, err := parse(data)
	if err != nil {
		return nil, err
	}
	if m := strings.ToUpper(propValue(cal.Component, ical.PropMethod)); m != MethodReply {
		return nil, model.Errorf(model.EINVALID, "icalendar: METHOD is %q, not REPLY", m)
	}
	i := slices.IndexFunc(cal.Children, func(c *ical.Component) bool { return c.Name == ical.CompEvent })
	if i < 0 {
		return nil, model.Errorf(model.EINVALID, "icalendar: a reply without a VEVENT")
	}
	ev := cal.Children[i]
	r := &Reply{UID: propValue(ev, ical.PropUID), RecurrenceID: propValue(ev, ical.PropRecurrenceID),
		Comment: propValue(ev, ical.PropComment)}
	r.Sequence, _ = strconv.Atoi(propValue(ev, ical.PropSequence))
	attendees := ev.Props[ical.PropAttendee]
	if r.UID == "" || len(attendees) == 0 {
		return nil, model.Errorf(model.EINVALID, "icalendar: a reply needs a UID and the attendee who answers")
	}
	at := attendees[0]
	r.Email = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(at.Value, "mailto:"), "MAILTO:")))
	r.Name = at.Params.Get(ical.ParamCommonName)
	r.Status = partStatName[strings.ToUpper(at.Params.Get(ical.ParamParticipationStatus))]
	if r.Status == "" || !model.ValidEmail(r.Email) {
		return nil, model.Errorf(model.EINVALID, "icalendar: a reply needs the attendee's address and a known PARTSTAT")
	}
	return r, nil
}

var partStatName = reverse(partStat)

// EncodeBytes is Encode into a byte slice.
func EncodeBytes(cal *ical.Calendar) ([]byte, error) {
	var buf bytes.Buffer
	err := Encode(&buf, cal)
	return buf.Bytes(), err
}
