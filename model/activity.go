package model

import (
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// Activity kinds: one timeline for every record.
const (
	KindAppointment = "appointment"
	KindCall        = "call"
	KindTask        = "task"
	KindNote        = "note"
	KindEmail       = "email"
	KindDocument    = "document"
)

// ActivityStatuses lists the statuses each kind may take; the first is the default.
var ActivityStatuses = map[string][]string{
	KindAppointment: {"confirmed", "tentative", "cancelled"},
	KindCall:        {"planned", "held", "not_held"},
	KindTask:        {"needs_action", "in_process", "completed", "cancelled"},
	KindNote:        {"done"},
	KindEmail:       {"done", "draft", "sent", "received"},
	KindDocument:    {"done", "draft"},
}

// Priorities of activities, lowest first.
var Priorities = []string{"low", "normal", "high", "urgent"}

// Attendee roles and participation statuses follow iCalendar (RFC 5545).
var (
	AttendeeRoles    = []string{"chair", "req-participant", "opt-participant", "non-participant"}
	AttendeeStatuses = []string{"needs-action", "accepted", "declined", "tentative", "delegated"}
)

// Attendee is a participant of an appointment or call: a contact, a user or a
// bare e-mail address.
type Attendee struct {
	ContactID string `json:"contact_id,omitempty"`
	UserID    string `json:"user_id,omitempty"`
	Email     string `json:"email,omitempty"`
	Name      string `json:"name,omitempty"`
	Role      string `json:"role"`
	Status    string `json:"status"`
}

// Link ties an activity to any record ("opportunity", "request" ...).
type Link struct {
	Entity string `json:"entity"`
	ID     string `json:"id"`
}

// Activity is an appointment, call, task, note, e-mail or document on the timeline.
type Activity struct {
	Meta
	Kind            string     `gorm:"size:16;not null" json:"kind"`
	Subject         string     `gorm:"size:500;not null" json:"subject"`
	Description     string     `json:"description"`
	StartAt         *time.Time `json:"start_at"`
	EndAt           *time.Time `json:"end_at"`
	TimeZone        string     `gorm:"size:64" json:"time_zone"`
	AllDay          bool       `gorm:"not null" json:"all_day"`
	StartDate       *Date      `gorm:"type:varchar(10)" json:"start_date"`
	EndDate         *Date      `gorm:"type:varchar(10)" json:"end_date"`
	DueAt           *time.Time `json:"due_at"`
	RemindAt        *time.Time `json:"remind_at"`
	Status          string     `gorm:"size:32;not null" json:"status"`
	Priority        string     `gorm:"size:16;not null" json:"priority"`
	PercentComplete int        `gorm:"not null" json:"percent_complete"`
	CompletedAt     *time.Time `json:"completed_at"`
	Location        string     `gorm:"size:500" json:"location"`
	RecurrenceRule  string     `gorm:"size:500" json:"recurrence_rule"`
	DurationSeconds int        `gorm:"not null" json:"duration_seconds"`
	OwnerID         *string    `gorm:"size:36" json:"owner_id"`
	AccountID       *string    `gorm:"size:36" json:"account_id"`
	ContactID       *string    `gorm:"size:36" json:"contact_id"`
	Attendees       []Attendee `gorm:"serializer:json" json:"attendees"`
	Links           []Link     `gorm:"serializer:json" json:"links"`
	Tags            []string   `gorm:"serializer:json" json:"tags"`
	Class           string     `gorm:"size:16;not null" json:"class"`
	CalendarID      *string    `gorm:"size:36" json:"calendar_id"`
	OrganizerEmail  string     `gorm:"size:320" json:"organizer_email"`
	OrganizerName   string     `gorm:"size:200" json:"organizer_name"`
	// RecurrenceEnd is when the last instance of a recurring activity ends,
	// nil while it recurs for ever; calendar queries use it as an index.
	RecurrenceEnd *time.Time `json:"recurrence_end"`
	DAV           DAVLink    `gorm:"embedded;embeddedPrefix:dav_" json:"dav"`
	// SortAt orders the timeline: start, else due, else creation time.
	SortAt time.Time `gorm:"not null" json:"-"`
}

// Entity implements Record.
func (*Activity) Entity() string { return "activity" }

// DAVInfo implements DAVSynced.
func (a *Activity) DAVInfo() *DAVLink { return &a.DAV }

// Classes are the iCalendar access classifications of an activity.
var Classes = []string{"public", "private", "confidential"}

// OwnerTeam implements Owned.
func (a *Activity) OwnerTeam() (string, string) { return deref(a.OwnerID), "" }

// Normalize implements Record.
func (a *Activity) Normalize() {
	a.Kind = strings.ToLower(strings.TrimSpace(a.Kind))
	a.Subject = strings.TrimSpace(a.Subject)
	a.Location = strings.TrimSpace(a.Location)
	a.RecurrenceRule = strings.TrimPrefix(strings.TrimSpace(a.RecurrenceRule), "RRULE:")
	if a.Status == "" && len(ActivityStatuses[a.Kind]) > 0 {
		a.Status = ActivityStatuses[a.Kind][0]
	}
	if a.Priority == "" {
		a.Priority = "normal"
	}
	a.Class = strings.ToLower(strings.TrimSpace(a.Class))
	if a.Class == "" {
		a.Class = "public"
	}
	a.Tags = cleanTags(a.Tags)
	a.OrganizerEmail = strings.ToLower(strings.TrimSpace(a.OrganizerEmail))
	emptyToNil(&a.CalendarID)
	a.DAV.normalize()
	if a.Kind == KindTask && a.Status == "completed" {
		a.PercentComplete = 100
		if a.CompletedAt == nil {
			now := time.Now().UTC().Truncate(time.Second)
			a.CompletedAt = &now
		}
	}
	for _, p := range []**string{&a.OwnerID, &a.AccountID, &a.ContactID} {
		emptyToNil(p)
	}
	for i := range a.Attendees {
		at := &a.Attendees[i]
		at.Email = strings.ToLower(strings.TrimSpace(at.Email))
		if at.Role == "" {
			at.Role = "req-participant"
		}
		if at.Status == "" {
			at.Status = "needs-action"
		}
	}
	for _, t := range []**time.Time{&a.StartAt, &a.EndAt, &a.DueAt, &a.RemindAt, &a.CompletedAt} {
		if *t != nil {
			u := (*t).UTC()
			*t = &u
		}
	}
	a.SortAt = a.sortTime()
	a.RecurrenceEnd = a.recurrenceEnd()
}

func (a *Activity) sortTime() time.Time {
	switch {
	case a.AllDay && a.StartDate != nil:
		return a.StartDate.Time
	case a.StartAt != nil:
		return *a.StartAt
	case a.DueAt != nil:
		return *a.DueAt
	case !a.CreatedAt.IsZero():
		return a.CreatedAt
	}
	return time.Now().UTC()
}

// Validate implements Record.
func (a *Activity) Validate() error {
	fe := FieldErrors{}
	statuses, ok := ActivityStatuses[a.Kind]
	if !ok {
		fe.Add("kind", "must be one of appointment, call, task, note, email, document")
	} else if !contains(statuses, a.Status) {
		fe.Add("status", "must be one of "+strings.Join(statuses, ", "))
	}
	if a.Subject == "" {
		fe.Add("subject", "required")
	}
	if !contains(Priorities, a.Priority) {
		fe.Add("priority", "must be one of low, normal, high, urgent")
	}
	if a.TimeZone != "" && !ValidTimeZone(a.TimeZone) {
		fe.Add("time_zone", "unknown IANA time zone")
	}
	a.validateTimes(fe)
	if a.PercentComplete < 0 || a.PercentComplete > 100 {
		fe.Add("percent_complete", "must be between 0 and 100")
	}
	if a.DurationSeconds < 0 {
		fe.Add("duration_seconds", "must not be negative")
	}
	if len(a.RecurrenceRule) > 0 && !strings.Contains(strings.ToUpper(a.RecurrenceRule), "FREQ=") {
		fe.Add("recurrence_rule", "an RRULE needs FREQ=")
	}
	validateRef(fe, "owner_id", a.OwnerID)
	validateRef(fe, "account_id", a.AccountID)
	validateRef(fe, "contact_id", a.ContactID)
	validateRef(fe, "calendar_id", a.CalendarID)
	if !contains(Classes, a.Class) {
		fe.Add("class", "must be one of public, private, confidential")
	}
	if a.OrganizerEmail != "" && !ValidEmail(a.OrganizerEmail) {
		fe.Add("organizer_email", "not a valid e-mail address")
	}
	a.DAV.validate(fe)
	a.validateAttendees(fe)
	for i, l := range a.Links {
		if l.Entity == "" || !ValidID(l.ID) {
			fe.Add("links["+itoa(i)+"]", "needs an entity and a valid id")
		}
	}
	return fe.Err()
}

func (a *Activity) validateTimes(fe FieldErrors) {
	if a.AllDay {
		if a.StartAt != nil || a.EndAt != nil {
			fe.Add("all_day", "all-day activities use start_date and end_date, not start_at and end_at")
		}
		if a.StartDate != nil && a.EndDate != nil && a.EndDate.Before(a.StartDate.Time) {
			fe.Add("end_date", "must not be before start_date")
		}
		return
	}
	if a.StartDate != nil || a.EndDate != nil {
		fe.Add("start_date", "only all-day activities have dates; set all_day or use start_at")
	}
	if a.Kind == KindAppointment && a.StartAt == nil {
		fe.Add("start_at", "an appointment needs a start")
	}
	if a.StartAt != nil && a.EndAt != nil && a.EndAt.Before(*a.StartAt) {
		fe.Add("end_at", "must not be before start_at")
	}
}

func (a *Activity) validateAttendees(fe FieldErrors) {
	for i, at := range a.Attendees {
		field := "attendees[" + itoa(i) + "]"
		set := 0
		for _, v := range []string{at.ContactID, at.UserID, at.Email} {
			if v != "" {
				set++
			}
		}
		switch {
		case set == 0:
			fe.Add(field, "needs a contact_id, a user_id or an email")
		case at.ContactID != "" && !ValidID(at.ContactID), at.UserID != "" && !ValidID(at.UserID):
			fe.Add(field, "not a valid id")
		case at.Email != "" && !ValidEmail(at.Email):
			fe.Add(field+".email", "not a valid e-mail address")
		case !contains(AttendeeRoles, at.Role):
			fe.Add(field+".role", "must be one of "+strings.Join(AttendeeRoles, ", "))
		case !contains(AttendeeStatuses, at.Status):
			fe.Add(field+".status", "must be one of "+strings.Join(AttendeeStatuses, ", "))
		}
	}
}

// AllLinks returns every record the activity belongs to, including its
// account and contact, for the timeline index.
func (a *Activity) AllLinks() []Link {
	links := append([]Link(nil), a.Links...)
	if a.AccountID != nil {
		links = append(links, Link{"account", *a.AccountID})
	}
	if a.ContactID != nil {
		links = append(links, Link{"contact", *a.ContactID})
	}
	return links
}

// Refs implements Referrer, attendees included.
func (a *Activity) Refs() []Ref {
	refs := []Ref{{"owner_id", "user", a.OwnerID}, {"account_id", "account", a.AccountID}, {"contact_id", "contact", a.ContactID}, {"calendar_id", "dav_collection", a.CalendarID}}
	for i := range a.Attendees {
		at := &a.Attendees[i]
		field := "attendees[" + itoa(i) + "]"
		if at.ContactID != "" {
			refs = append(refs, Ref{field + ".contact_id", "contact", &at.ContactID})
		}
		if at.UserID != "" {
			refs = append(refs, Ref{field + ".user_id", "user", &at.UserID})
		}
	}
	return refs
}

// maxCountedInstances bounds the work of finding the end of a COUNT rule;
// longer series are treated as endless, which only widens calendar queries.
const maxCountedInstances = 5000

// recurrenceEnd returns when the last instance ends (with a day of slack for
// time-zone shifts), or nil when the series has no computable end: no end in
// the rule, extra dates (RDATE) or moved instances kept in the DAV object.
func (a *Activity) recurrenceEnd() *time.Time {
	start, length := a.span()
	if a.RecurrenceRule == "" || start.IsZero() {
		return nil
	}
	if strings.Contains(a.DAV.Extra, "RDATE") || strings.Contains(a.DAV.Extra, "RECURRENCE-ID") {
		return nil
	}
	opt, err := rrule.StrToROption(a.RecurrenceRule)
	if err != nil {
		return nil
	}
	opt.Dtstart = start
	var last time.Time
	switch {
	case !opt.Until.IsZero():
		last = opt.Until
	case opt.Count > 0 && opt.Count <= maxCountedInstances:
		r, err := rrule.NewRRule(*opt)
		if err != nil {
			return nil
		}
		next := r.Iterator()
		for t, ok := next(); ok; t, ok = next() {
			last = t
		}
	default:
		return nil
	}
	end := last.Add(length).Add(24 * time.Hour).UTC()
	return &end
}

// span returns the first instance's start and length.
func (a *Activity) span() (time.Time, time.Duration) {
	switch {
	case a.AllDay && a.StartDate != nil:
		days := 1
		if a.EndDate != nil {
			days += int(a.EndDate.Sub(a.StartDate.Time) / (24 * time.Hour))
		}
		return a.StartDate.Time, time.Duration(days) * 24 * time.Hour
	case a.StartAt != nil:
		if a.EndAt != nil {
			return *a.StartAt, a.EndAt.Sub(*a.StartAt)
		}
		return *a.StartAt, time.Duration(a.DurationSeconds) * time.Second
	case a.DueAt != nil:
		return *a.DueAt, 0
	}
	return time.Time{}, 0
}
