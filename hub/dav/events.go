package dav

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"time"

	"github.com/emersion/go-ical"

	"rapport/model"
	"rapport/model/icalmap"
	"rapport/model/store"
)

// events serves activities as iCalendar objects: appointments and calls as
// VEVENT, tasks as VTODO.
type events struct{ h *Handler }

func (*events) ext() string            { return ".ics" }
func (*events) mediaType() string      { return "text/calendar; charset=utf-8" }
func (*events) accepts(mt string) bool { return mediaTypeIn(mt, "text/calendar") }
func (*events) etag(e store.DAVEntry) string {
	return `"` + itoa(e.Version) + `"`
}

// calendars loads activities and renders each as a calendar.
func (b *events) calendars(ctx context.Context, ids []string) (map[string]*ical.Calendar, error) {
	acts, err := b.h.store.DAVActivities(ctx, ids)
	if err != nil {
		return nil, err
	}
	users, err := b.h.store.UserDirectory(ctx)
	if err != nil {
		return nil, err
	}
	people := func(id string) (icalmap.Person, bool) {
		u, ok := users[id]
		return icalmap.Person{Email: u.Email, Name: u.Name}, ok
	}
	out := make(map[string]*ical.Calendar, len(acts))
	for i := range acts {
		out[acts[i].ID] = icalmap.ObjectCalendar(&acts[i], people)
	}
	return out, nil
}

func (b *events) render(ctx context.Context, _ *collection, ids []string, opt dataOptions) (map[string][]byte, error) {
	cals, err := b.calendars(ctx, ids)
	if err != nil {
		return nil, err
	}
	return encodeCalendars(cals, opt), nil
}

// encodeCalendars applies expand / limit-recurrence-set and encodes.
func encodeCalendars(cals map[string]*ical.Calendar, opt dataOptions) map[string][]byte {
	out := make(map[string][]byte, len(cals))
	var buf bytes.Buffer
	for id, cal := range cals {
		switch {
		case opt.expand:
			cal = icalmap.Expand(cal, opt.start, opt.end)
		case opt.limit:
			cal = icalmap.LimitRecurrenceSet(cal, opt.start, opt.end)
		}
		buf.Reset()
		if err := icalmap.Encode(&buf, cal); err != nil {
			continue // one odd object never fails a whole answer
		}
		out[id] = bytes.Clone(buf.Bytes())
	}
	return out
}

func (b *events) put(ctx context.Context, c *collection, name string, cur *store.DAVEntry, body []byte) (store.DAVEntry, error) {
	zone := time.UTC
	if c.owner.TimeZone != "" {
		if loc, err := time.LoadLocation(c.owner.TimeZone); err == nil {
			zone = loc
		}
	}
	obj, err := icalmap.Decode(body, icalmap.DecodeOptions{DefaultZone: zone, MaxBytes: int(b.h.cfg.MaxResourceSize)})
	if err != nil {
		return store.DAVEntry{}, validData(c, err)
	}
	if !c.holds(obj.Component) {
		return store.DAVEntry{}, precondition(http.StatusForbidden, nsCal, "supported-calendar-component",
			"this calendar does not hold "+obj.Component)
	}
	in := &obj.Activity
	in.DAV.Name = name
	var saved *model.Activity
	err = b.h.store.WithTx(ctx, func(ctx context.Context) error {
		if err := b.h.conflictUID(ctx, c, in.DAV.UID, cur); err != nil {
			return err
		}
		if err := b.matchAttendees(ctx, in); err != nil {
			return err
		}
		if cur == nil {
			saved, err = b.create(ctx, c, in, obj.Component)
			return err
		}
		saved, err = b.update(ctx, c, cur, in)
		return err
	})
	if err != nil {
		return store.DAVEntry{}, err
	}
	return b.h.entryOf(ctx, c, saved, nil)
}

// matchAttendees joins attendees to users and contacts by e-mail, and links
// the activity to the first matched contact and its account.
func (b *events) matchAttendees(ctx context.Context, a *model.Activity) error {
	emails := make([]string, 0, len(a.Attendees))
	for _, at := range a.Attendees {
		if at.Email != "" {
			emails = append(emails, at.Email)
		}
	}
	found, err := b.h.store.MatchEmails(ctx, emails)
	if err != nil {
		return err
	}
	for i := range a.Attendees {
		at := &a.Attendees[i]
		m := found[at.Email]
		at.UserID, at.ContactID = m.UserID, m.ContactID
		if m.ContactID != "" && a.ContactID == nil {
			id := m.ContactID
			a.ContactID = &id
			if m.AccountID != "" {
				acc := m.AccountID
				a.AccountID = &acc
			}
		}
	}
	return nil
}

func (b *events) create(ctx context.Context, c *collection, in *model.Activity, component string) (*model.Activity, error) {
	owner := c.owner.ID
	in.OwnerID = &owner
	in.Kind = model.KindAppointment
	if component == "VTODO" {
		in.Kind = model.KindTask
	}
	if c.scope.CalendarID != "" {
		id := c.scope.CalendarID
		in.CalendarID = &id
	}
	fixStatus(in, "")
	return in, store.Create(ctx, b.h.store, in)
}

func (b *events) update(ctx context.Context, c *collection, cur *store.DAVEntry, in *model.Activity) (*model.Activity, error) {
	return store.Update(ctx, b.h.store, cur.ID, cur.Version, func(a *model.Activity) error {
		if a.OwnerID == nil || *a.OwnerID != c.owner.ID {
			return attendeeUpdate(a, in, c.owner)
		}
		applyEvent(a, in)
		return nil
	})
}

// applyEvent copies what an iCalendar object maps onto a stored activity,
// keeping its kind, owner, calendar and links.
func applyEvent(dst, src *model.Activity) {
	kind, links := dst.Kind, dst.Links
	contact, account := dst.ContactID, dst.AccountID
	dst.Subject, dst.Description, dst.Location = src.Subject, src.Description, src.Location
	dst.StartAt, dst.EndAt, dst.TimeZone, dst.AllDay = src.StartAt, src.EndAt, src.TimeZone, src.AllDay
	dst.StartDate, dst.EndDate, dst.DueAt, dst.RemindAt = src.StartDate, src.EndDate, src.DueAt, src.RemindAt
	dst.Priority, dst.PercentComplete, dst.CompletedAt = src.Priority, src.PercentComplete, src.CompletedAt
	dst.RecurrenceRule, dst.DurationSeconds = src.RecurrenceRule, src.DurationSeconds
	dst.Attendees = mergeAttendees(dst.Attendees, src.Attendees)
	dst.Tags, dst.Class, dst.OrganizerEmail, dst.OrganizerName = src.Tags, src.Class, src.OrganizerEmail, src.OrganizerName
	dst.DAV = src.DAV
	status := dst.Status
	dst.Status = src.Status
	fixStatus(dst, status)
	dst.Kind, dst.Links = kind, links
	if contact != nil {
		dst.ContactID, dst.AccountID = contact, account
	} else {
		dst.ContactID, dst.AccountID = src.ContactID, src.AccountID
	}
}

// fixStatus maps an event status onto a call's statuses (a call keeps its
// outcome unless the event was cancelled).
func fixStatus(a *model.Activity, previous string) {
	if a.Kind != model.KindCall {
		return
	}
	switch a.Status {
	case "cancelled":
		a.Status = "not_held"
	case "confirmed", "tentative", "":
		a.Status = previous
		if previous == "" {
			a.Status = "planned"
		}
	}
}

// attendeeUpdate lets an attendee's client change only the attendee's own
// participation status; alarms are the client's own business and are not
// stored on the shared appointment. Any other change is refused.
func attendeeUpdate(a, in *model.Activity, u *model.User) error {
	want := *a
	want.Attendees = append([]model.Attendee(nil), a.Attendees...)
	applyEvent(&want, in)
	mine := -1
	for i, at := range a.Attendees {
		if at.UserID == u.ID || (at.Email != "" && at.Email == u.Email) {
			mine = i
		}
	}
	newStatus := ""
	for _, at := range in.Attendees {
		if at.UserID == u.ID || at.Email == u.Email {
			newStatus = at.Status
		}
	}
	same := *a
	same.Attendees = append([]model.Attendee(nil), a.Attendees...)
	if mine >= 0 && newStatus != "" {
		same.Attendees[mine].Status = newStatus
	}
	if !sameEvent(&same, &want) {
		return precondition(http.StatusForbidden, nsDAV, "need-privileges",
			"only the organizer may change this appointment; attendees may change their own participation status")
	}
	*a = same
	return nil
}

// mergeAttendees returns the attendees a client sent, keeping the stored
// ones it could not see (contacts without an e-mail are not written to
// calendars) and leaving out of their calendar users who left the
// appointment by deleting it (declined, no user id) while the client still
// lists them as declined.
func mergeAttendees(stored, incoming []model.Attendee) []model.Attendee {
	out := append([]model.Attendee(nil), incoming...)
	left := map[string]bool{}
	for _, at := range stored {
		switch {
		case at.Email == "" && at.UserID == "":
			out = append(out, at)
		case at.UserID == "" && at.Status == "declined":
			left[at.Email] = true
		}
	}
	for i := range out {
		if out[i].Status == "declined" && left[out[i].Email] {
			out[i].UserID = ""
		}
	}
	return out
}

// eventView is an appointment as a calendar client sees it: what an
// attendee's client must not change.
type eventView struct {
	Subject, Description, Location, TimeZone, Status, Priority, Class, Rule string
	Start, End, Due, Completed                                              string
	AllDay                                                                  bool
	StartDate, EndDate                                                      string
	Percent                                                                 int
	Tags, Attendees                                                         []string
}

func viewOf(a model.Activity) eventView {
	a.Normalize()
	start, length := a.StartAt, time.Duration(a.DurationSeconds)*time.Second
	end := a.EndAt
	if end == nil && start != nil && length > 0 {
		e := start.Add(length)
		end = &e
	}
	v := eventView{Subject: a.Subject, Description: a.Description, Location: a.Location, TimeZone: a.TimeZone,
		Status: a.Status, Priority: a.Priority, Class: a.Class, Rule: a.RecurrenceRule, AllDay: a.AllDay,
		Start: stamp(start), End: stamp(end), Due: stamp(a.DueAt), Completed: stamp(a.CompletedAt),
		StartDate: dateString(a.StartDate), EndDate: dateString(a.EndDate), Percent: a.PercentComplete,
		Tags: append([]string(nil), a.Tags...)}
	for _, at := range a.Attendees {
		key := "mail:" + at.Email
		switch {
		case at.UserID != "":
			key = "user:" + at.UserID
		case at.Email == "":
			continue // not shown to clients
		}
		v.Attendees = append(v.Attendees, key+"|"+at.Role+"|"+at.Status)
	}
	slices.Sort(v.Tags)
	slices.Sort(v.Attendees)
	return v
}

func stamp(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func dateString(d *model.Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}

// sameEvent compares two activities as a client sees them, ignoring alarms,
// unmapped extras and how attendees were matched.
func sameEvent(x, y *model.Activity) bool {
	return reflect.DeepEqual(viewOf(*x), viewOf(*y))
}

// remove deletes the owner's activity; an attendee's client deleting it
// declines and leaves it instead, so the organizer's record survives.
func (b *events) remove(ctx context.Context, c *collection, e store.DAVEntry) error {
	_, err := store.Update(ctx, b.h.store, e.ID, e.Version, func(a *model.Activity) error {
		if a.OwnerID != nil && *a.OwnerID == c.owner.ID {
			return errOwnerDelete
		}
		for i := range a.Attendees {
			at := &a.Attendees[i]
			if at.UserID == c.owner.ID {
				at.UserID, at.Status = "", "declined"
				if at.Email == "" {
					at.Email = c.owner.Email
				}
			}
		}
		return nil
	})
	if errors.Is(err, errOwnerDelete) {
		return store.Delete[model.Activity](ctx, b.h.store, e.ID, e.Version)
	}
	return err
}

var errOwnerDelete = errors.New("dav: owner deletes")
