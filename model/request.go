package model

import (
	"slices"
	"strings"
	"time"
)

// RequestNumberKind numbers support requests: R-000123.
const RequestNumberKind = "request"

func init() {
	if err := RegisterNumberKind(RequestNumberKind, NumberFormat{Pattern: "R-{n:06}"}); err != nil {
		panic(err)
	}
}

// Request statuses.
const (
	RequestNew               = "new"
	RequestOpen              = "open"
	RequestPendingCustomer   = "pending_customer"
	RequestPendingThirdParty = "pending_third_party"
	RequestResolved          = "resolved"
	RequestClosed            = "closed"
)

// RequestStatuses lists the statuses in workflow order.
var RequestStatuses = []string{RequestNew, RequestOpen, RequestPendingCustomer, RequestPendingThirdParty, RequestResolved, RequestClosed}

// requestMoves says which statuses a request may go to from each: a closed
// request only reopens (to open); a resolved one reopens or closes.
var requestMoves = map[string][]string{
	RequestNew:               {RequestOpen, RequestPendingCustomer, RequestPendingThirdParty, RequestResolved, RequestClosed},
	RequestOpen:              {RequestPendingCustomer, RequestPendingThirdParty, RequestResolved, RequestClosed},
	RequestPendingCustomer:   {RequestOpen, RequestPendingThirdParty, RequestResolved, RequestClosed},
	RequestPendingThirdParty: {RequestOpen, RequestPendingCustomer, RequestResolved, RequestClosed},
	RequestResolved:          {RequestOpen, RequestClosed},
	RequestClosed:            {RequestOpen},
}

// CanMoveRequest reports whether a request may go from one status to
// another (staying is always allowed).
func CanMoveRequest(from, to string) bool {
	return from == to || slices.Contains(requestMoves[from], to)
}

// IsOpenRequest reports whether a status still needs work from the desk.
func IsOpenRequest(status string) bool {
	return status != RequestResolved && status != RequestClosed
}

// Request priorities, lowest first.
var RequestPriorities = []string{"low", "normal", "high", "urgent"}

// Request channels.
var RequestChannels = []string{"mail", "web", "portal", "phone", "api"}

// Request types: an upgrade request asks for a newer model or version of a
// registered product.
var RequestTypes = []string{"incident", "question", "upgrade", "other"}

// Request is a support ticket: what a customer asked, its state, who works
// on it, and its service-level clock. Its chronology is the activities
// linked to it plus its own change history.
type Request struct {
	Meta
	Number      string  `gorm:"size:32;not null" json:"number"`
	Subject     string  `gorm:"size:500;not null" json:"subject"`
	Description string  `json:"description"`
	AccountID   *string `gorm:"size:36" json:"account_id"`
	ContactID   *string `gorm:"size:36" json:"contact_id"`
	ProductID   *string `gorm:"size:36" json:"product_id"`
	Type        string  `gorm:"size:16;not null" json:"type"`
	// The registered unit the request is about, the contract it falls
	// under and the server's verdict on that (covered, not_covered,
	// expired, units_exhausted; "" when nothing was checked).
	RegistrationID *string        `gorm:"size:36" json:"registration_id"`
	ContractID     *string        `gorm:"size:36" json:"contract_id"`
	Entitlement    string         `gorm:"size:16;not null" json:"entitlement"`
	Channel        string         `gorm:"size:16;not null" json:"channel"`
	Status         string         `gorm:"size:24;not null" json:"status"`
	Priority       string         `gorm:"size:16;not null" json:"priority"`
	QueueID        *string        `gorm:"size:36" json:"queue_id"`
	AssigneeID     *string        `gorm:"size:36" json:"assignee_id"`
	TeamID         *string        `gorm:"size:36" json:"team_id"`
	Tags           []string       `gorm:"serializer:json" json:"tags"`
	CustomFields   map[string]any `gorm:"serializer:json" json:"custom_fields"`
	// The service-level clock, kept by the server: when the first answer and
	// the resolution are due, and when they happened.
	FirstResponseDue *time.Time `json:"first_response_due"`
	ResolutionDue    *time.Time `json:"resolution_due"`
	FirstResponseAt  *time.Time `json:"first_response_at"`
	ResolvedAt       *time.Time `json:"resolved_at"`
	ClosedAt         *time.Time `json:"closed_at"`
	SLABreached      bool       `gorm:"column:sla_breached;not null" json:"sla_breached"`
	ReopenCount      int        `gorm:"not null" json:"reopen_count"`
	LastActivityAt   time.Time  `gorm:"not null" json:"last_activity_at"`
	// Customer feedback once resolved or closed.
	Rating          int        `gorm:"not null" json:"rating"` // 1–5, 0 for none
	FeedbackComment string     `json:"feedback_comment"`
	FeedbackAt      *time.Time `json:"feedback_at"`
}

// Entity implements Record.
func (*Request) Entity() string { return "request" }

// OwnerTeam implements Owned: the assignee and the team.
func (r *Request) OwnerTeam() (string, string) { return deref(r.AssigneeID), deref(r.TeamID) }

// Refs implements Referrer.
func (r *Request) Refs() []Ref {
	return []Ref{{"account_id", "account", r.AccountID}, {"contact_id", "contact", r.ContactID},
		{"product_id", "product", r.ProductID}, {"queue_id", "queue", r.QueueID}, {"assignee_id", "user", r.AssigneeID},
		{"team_id", "team", r.TeamID}, {"registration_id", "registration", r.RegistrationID}, {"contract_id", "contract", r.ContractID}}
}

// KeepServerOwned implements ServerOwned: the number, the SLA clock and
// the feedback are not edited through the record.
func (r *Request) KeepServerOwned(prev Record) {
	p := prev.(*Request)
	r.Number, r.Entitlement = p.Number, p.Entitlement
	r.FirstResponseDue, r.ResolutionDue, r.FirstResponseAt, r.ResolvedAt, r.ClosedAt = p.FirstResponseDue, p.ResolutionDue, p.FirstResponseAt, p.ResolvedAt, p.ClosedAt
	r.SLABreached, r.ReopenCount, r.LastActivityAt = p.SLABreached, p.ReopenCount, p.LastActivityAt
	r.Rating, r.FeedbackComment, r.FeedbackAt = p.Rating, p.FeedbackComment, p.FeedbackAt
}

// Normalize implements Record.
func (r *Request) Normalize() {
	r.Subject = strings.TrimSpace(r.Subject)
	r.Description = strings.TrimSpace(r.Description)
	r.Channel = strings.ToLower(strings.TrimSpace(r.Channel))
	if r.Channel == "" {
		r.Channel = "api"
	}
	r.Status = strings.ToLower(strings.TrimSpace(r.Status))
	if r.Status == "" {
		r.Status = RequestNew
	}
	r.Priority = strings.ToLower(strings.TrimSpace(r.Priority))
	if r.Priority == "" {
		r.Priority = "normal"
	}
	r.Type = strings.ToLower(strings.TrimSpace(r.Type))
	if r.Type == "" {
		r.Type = "incident"
	}
	for _, p := range []**string{&r.AccountID, &r.ContactID, &r.ProductID, &r.QueueID, &r.AssigneeID, &r.TeamID, &r.RegistrationID, &r.ContractID} {
		emptyToNil(p)
	}
	r.Tags = cleanTags(r.Tags)
	if r.CustomFields == nil {
		r.CustomFields = map[string]any{}
	}
}

// Validate implements Record.
func (r *Request) Validate() error {
	fe := FieldErrors{}
	if r.Subject == "" {
		fe.Add("subject", "required")
	}
	if !slices.Contains(RequestChannels, r.Channel) {
		fe.Add("channel", "one of "+strings.Join(RequestChannels, ", "))
	}
	if !slices.Contains(RequestStatuses, r.Status) {
		fe.Add("status", "one of "+strings.Join(RequestStatuses, ", "))
	}
	if !slices.Contains(RequestPriorities, r.Priority) {
		fe.Add("priority", "one of "+strings.Join(RequestPriorities, ", "))
	}
	oneOf(fe, "type", r.Type, RequestTypes)
	if r.Type == "upgrade" && r.RegistrationID == nil {
		fe.Add("registration_id", "an upgrade request names the registered product to upgrade")
	}
	for _, f := range []struct {
		name string
		id   *string
	}{{"account_id", r.AccountID}, {"contact_id", r.ContactID}, {"product_id", r.ProductID}, {"queue_id", r.QueueID},
		{"assignee_id", r.AssigneeID}, {"team_id", r.TeamID}, {"registration_id", r.RegistrationID}, {"contract_id", r.ContractID}} {
		validateRef(fe, f.name, f.id)
	}
	return fe.Err()
}

// SearchKeys implements Searchable: the number and the subject's words.
func (r *Request) SearchKeys() []SearchKey { return wordKeys(r.Number + " " + r.Subject) }

// Queue order rules: what comes first in a queue.
var QueueOrders = []string{"priority", "age", "due"}

// Queue is where requests wait for an agent, in the order of its rules.
type Queue struct {
	Meta
	Name        string   `gorm:"size:200;not null" json:"name"`
	Description string   `json:"description"`
	OrderBy     []string `gorm:"serializer:json" json:"order_by"` // e.g. ["priority", "due"]; age breaks ties
	TeamID      *string  `gorm:"size:36" json:"team_id"`
	Active      bool     `gorm:"not null" json:"active"`
}

// Entity implements Record.
func (*Queue) Entity() string { return "queue" }

// Refs implements Referrer.
func (q *Queue) Refs() []Ref { return []Ref{{"team_id", "team", q.TeamID}} }

// Normalize implements Record.
func (q *Queue) Normalize() {
	q.Name = strings.TrimSpace(q.Name)
	for i := range q.OrderBy {
		q.OrderBy[i] = strings.ToLower(strings.TrimSpace(q.OrderBy[i]))
	}
	q.OrderBy = Dedupe(q.OrderBy)
	if len(q.OrderBy) == 0 {
		q.OrderBy = []string{"priority", "age"}
	}
	emptyToNil(&q.TeamID)
}

// Validate implements Record.
func (q *Queue) Validate() error {
	fe := FieldErrors{}
	if q.Name == "" {
		fe.Add("name", "required")
	}
	for i, o := range q.OrderBy {
		if !slices.Contains(QueueOrders, o) {
			fe.Add("order_by["+itoa(i)+"]", "one of "+strings.Join(QueueOrders, ", "))
		}
	}
	validateRef(fe, "team_id", q.TeamID)
	return fe.Err()
}

// SLATarget is the service level of one priority: how soon the first
// answer and the resolution are due, in working minutes.
type SLATarget struct {
	Meta
	Priority             string `gorm:"size:16;not null" json:"priority"`
	ContractLevel        string `gorm:"size:32;not null" json:"contract_level"` // "" for the default level
	FirstResponseMinutes int    `gorm:"not null" json:"first_response_minutes"`
	ResolutionMinutes    int    `gorm:"not null" json:"resolution_minutes"`
}

// Entity implements Record.
func (*SLATarget) Entity() string { return "sla_target" }

// Normalize implements Record.
func (t *SLATarget) Normalize() {
	t.Priority = strings.ToLower(strings.TrimSpace(t.Priority))
	t.ContractLevel = strings.TrimSpace(t.ContractLevel)
}

// Validate implements Record.
func (t *SLATarget) Validate() error {
	fe := FieldErrors{}
	if !slices.Contains(RequestPriorities, t.Priority) {
		fe.Add("priority", "one of "+strings.Join(RequestPriorities, ", "))
	}
	if t.FirstResponseMinutes <= 0 || t.FirstResponseMinutes > 525_600 {
		fe.Add("first_response_minutes", "from 1 minute to a year")
	}
	if t.ResolutionMinutes < t.FirstResponseMinutes || t.ResolutionMinutes > 525_600 {
		fe.Add("resolution_minutes", "at least the first-response target and at most a year")
	}
	return fe.Err()
}

// WorkCalendar adds working time to an instant: when a target of d
// working time, started at start, is due. Automation brings calendars with
// business hours and holidays; until then the desk works around the clock.
type WorkCalendar interface {
	Add(start time.Time, d time.Duration) time.Time
}

// AroundTheClock is the 24/7 working-time calendar.
type AroundTheClock struct{}

// Add implements WorkCalendar.
func (AroundTheClock) Add(start time.Time, d time.Duration) time.Time { return start.Add(d) }

// TimeEntry is time a specialist spent on a request.
type TimeEntry struct {
	Meta
	RequestID string  `gorm:"size:36;not null" json:"request_id"`
	UserID    string  `gorm:"column:owner_id;size:36;not null" json:"user_id"` // the specialist (owner_id: the visibility policy's column)
	Minutes   int     `gorm:"not null" json:"minutes"`
	Billable  bool    `gorm:"not null" json:"billable"`
	Rate      Decimal `gorm:"not null" json:"rate"` // per hour
	Currency  string  `gorm:"size:3;not null" json:"currency"`
	Day       Date    `gorm:"type:varchar(10);not null" json:"day"`
	Note      string  `gorm:"size:1000" json:"note"`
}

// Entity implements Record.
func (*TimeEntry) Entity() string { return "time_entry" }

// OwnerTeam implements Owned: the specialist's.
func (e *TimeEntry) OwnerTeam() (string, string) { return e.UserID, "" }

// DefaultOwner implements DefaultOwned: your own time unless you book it
// for someone.
func (e *TimeEntry) DefaultOwner(userID, _ string) {
	if e.UserID == "" {
		e.UserID = userID
	}
}

// Refs implements Referrer.
func (e *TimeEntry) Refs() []Ref {
	return []Ref{{"request_id", "request", &e.RequestID}, {"user_id", "user", &e.UserID}}
}

// Normalize implements Record.
func (e *TimeEntry) Normalize() {
	e.Currency = strings.ToUpper(strings.TrimSpace(e.Currency))
	if e.Currency == "" {
		e.Currency = DefaultBaseCurrency
	}
	e.Note = strings.TrimSpace(e.Note)
	if e.Day.IsZero() {
		e.Day = Date{Time: time.Now().UTC().Truncate(24 * time.Hour)}
	}
}

// Validate implements Record.
func (e *TimeEntry) Validate() error {
	fe := FieldErrors{}
	if !ValidID(e.RequestID) {
		fe.Add("request_id", "required")
	}
	if e.Minutes <= 0 || e.Minutes > 24*60 {
		fe.Add("minutes", "from 1 to 1440")
	}
	if e.Rate.IsNegative() || !e.Rate.Fits() {
		fe.Add("rate", "zero or more, at most 4 decimal places")
	}
	if !currencyPattern.MatchString(e.Currency) {
		fe.Add("currency", "an ISO 4217 code")
	}
	return fe.Err()
}
