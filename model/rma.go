package model

import (
	"slices"
	"strings"
	"time"
)

// RMANumberKind numbers returns: RMA-2026-000001, restarting each year.
const RMANumberKind = "rma"

func init() {
	if err := RegisterNumberKind(RMANumberKind, NumberFormat{Pattern: "RMA-{yyyy}-{n:06}", YearlyReset: true}); err != nil {
		panic(err)
	}
}

// RMA statuses, in workflow order.
const (
	RMARequested   = "requested"
	RMAAuthorised  = "authorised"
	RMAReceived    = "received"
	RMAInRepair    = "in_repair"
	RMAShippedBack = "shipped_back"
	RMAClosed      = "closed"
	RMARejected    = "rejected"
)

// RMAStatuses lists the statuses in workflow order.
var RMAStatuses = []string{RMARequested, RMAAuthorised, RMAReceived, RMAInRepair, RMAShippedBack, RMAClosed, RMARejected}

// rmaMoves says where a return may go from each status: nothing ships back
// before it was received; a refund closes a received return; closed and
// rejected returns are final.
var rmaMoves = map[string][]string{
	RMARequested:   {RMAAuthorised, RMARejected},
	RMAAuthorised:  {RMAReceived, RMAClosed, RMARejected},
	RMAReceived:    {RMAInRepair, RMAShippedBack, RMAClosed},
	RMAInRepair:    {RMAShippedBack, RMAClosed},
	RMAShippedBack: {RMAClosed},
}

// CanMoveRMA reports whether a return may go from one status to another
// (staying is always allowed).
func CanMoveRMA(from, to string) bool { return from == to || slices.Contains(rmaMoves[from], to) }

// IsOpenRMA reports whether a return is still being worked on (not closed
// or rejected).
func IsOpenRMA(status string) bool { return status != RMAClosed && status != RMARejected }

// Move takes the return to status to at time at and stamps when it was
// authorised, received, shipped back or closed (a rejection closes it too).
// The move must be allowed by CanMoveRMA (ECONFLICT otherwise, saying where
// the return may go) and a rejection needs a reason (EINVALID).
func (r *RMA) Move(to, rejectReason string, at time.Time) error {
	to = strings.ToLower(strings.TrimSpace(to))
	switch {
	case !slices.Contains(RMAStatuses, to):
		return FieldErrors{"status": "one of " + strings.Join(RMAStatuses, ", ")}.Err()
	case to == r.Status:
		return Errorf(ECONFLICT, "the return is already %s", statusWords(to))
	case !CanMoveRMA(r.Status, to):
		return Errorf(ECONFLICT, "a %s return cannot become %s%s", statusWords(r.Status), statusWords(to), rmaMoveHint(r.Status, to))
	case to == RMARejected && strings.TrimSpace(rejectReason) == "":
		return FieldErrors{"reject_reason": "required to reject a return"}.Err()
	}
	r.Status = to
	switch to {
	case RMAAuthorised:
		r.AuthorisedAt = &at
	case RMAReceived:
		r.ReceivedAt = &at
	case RMAShippedBack:
		r.ShippedAt = &at
	case RMAClosed:
		r.ClosedAt = &at
	case RMARejected:
		r.RejectReason, r.ClosedAt = strings.TrimSpace(rejectReason), &at
	}
	return nil
}

// rmaMoveHint explains a refused move: what is missing, and where the
// return may go instead.
func rmaMoveHint(from, to string) string {
	next := rmaMoves[from]
	if len(next) == 0 {
		return ": it is final"
	}
	why := ""
	if to == RMAShippedBack || to == RMAInRepair {
		why = ": nothing is repaired or shipped back before it was received"
	}
	words := make([]string, len(next))
	for i, s := range next {
		words[i] = statusWords(s)
	}
	return why + "; from " + statusWords(from) + " it may become " + strings.Join(words, " or ")
}

func statusWords(s string) string { return strings.ReplaceAll(s, "_", " ") }

// RMA actions per line: what the service does with the returned item.
const (
	RMAActionRepair  = "repair"
	RMAActionReplace = "replace"
	RMAActionRefund  = "refund"
)

// RMAActions lists the line actions.
var RMAActions = []string{RMAActionRepair, RMAActionReplace, RMAActionRefund}

// RMAReasons lists why items come back.
var RMAReasons = []string{"defective", "damaged_in_transit", "wrong_item", "not_as_described", "no_longer_needed", "other"}

// Order kinds created from a return.
const (
	OrderKindRepair      = "repair"
	OrderKindReplacement = "replacement"
)

// EventRMAStatusChanged is the domain event of a return changing status.
const EventRMAStatusChanged = "rma.status_changed"

// RMA is a return merchandise authorisation: items a customer sends back,
// why, and what the service does with them. It comes from a support request
// or an order; its lines live in rma_lines and its status history in
// rma_status_changes; its work log is the activities linked to it.
type RMA struct {
	Meta
	Number         string         `gorm:"size:32;not null" json:"number"`
	Status         string         `gorm:"size:16;not null" json:"status"`
	AccountID      *string        `gorm:"size:36" json:"account_id"`
	ContactID      *string        `gorm:"size:36" json:"contact_id"`
	RequestID      *string        `gorm:"size:36" json:"request_id"`
	OrderID        *string        `gorm:"size:36" json:"order_id"`         // the order the items came with
	ServiceOrderID *string        `gorm:"size:36" json:"service_order_id"` // the repair or replacement order made from it
	OwnerID        *string        `gorm:"size:36" json:"owner_id"`         // the responsible specialist
	Carrier        string         `gorm:"size:100;not null" json:"carrier"`
	TrackingNumber string         `gorm:"size:100;not null" json:"tracking_number"`
	Notes          string         `gorm:"not null" json:"notes"`
	RejectReason   string         `gorm:"size:1000;not null" json:"reject_reason"`
	CustomFields   map[string]any `gorm:"serializer:json" json:"custom_fields"`
	LineCount      int            `gorm:"not null" json:"line_count"`
	AuthorisedAt   *time.Time     `json:"authorised_at"`
	ReceivedAt     *time.Time     `json:"received_at"`
	ShippedAt      *time.Time     `json:"shipped_at"`
	ClosedAt       *time.Time     `json:"closed_at"`
}

// TableName keeps GORM from naming the table "rm_as".
func (*RMA) TableName() string { return "rmas" }

// Entity implements Record.
func (*RMA) Entity() string { return "rma" }

// Refs implements Referrer.
func (r *RMA) Refs() []Ref {
	return []Ref{{"account_id", "account", r.AccountID}, {"contact_id", "contact", r.ContactID},
		{"request_id", "request", r.RequestID}, {"order_id", "order", r.OrderID},
		{"service_order_id", "order", r.ServiceOrderID}, {"owner_id", "user", r.OwnerID}}
}

// KeepServerOwned implements ServerOwned: the number, the line count, the
// service order, the rejection reason and the workflow stamps are the
// server's (the status too, but a client's change to it is refused by the
// store rather than dropped).
func (r *RMA) KeepServerOwned(prev Record) {
	p := prev.(*RMA)
	r.Number, r.LineCount, r.ServiceOrderID, r.RejectReason = p.Number, p.LineCount, p.ServiceOrderID, p.RejectReason
	r.AuthorisedAt, r.ReceivedAt, r.ShippedAt, r.ClosedAt = p.AuthorisedAt, p.ReceivedAt, p.ShippedAt, p.ClosedAt
}

// Normalize implements Record.
func (r *RMA) Normalize() {
	r.Status = strings.ToLower(strings.TrimSpace(r.Status))
	if r.Status == "" {
		r.Status = RMARequested
	}
	r.Carrier, r.TrackingNumber = strings.TrimSpace(r.Carrier), strings.TrimSpace(r.TrackingNumber)
	r.Notes, r.RejectReason = strings.TrimSpace(r.Notes), strings.TrimSpace(r.RejectReason)
	for _, p := range []**string{&r.AccountID, &r.ContactID, &r.RequestID, &r.OrderID, &r.ServiceOrderID, &r.OwnerID} {
		emptyToNil(p)
	}
	if r.CustomFields == nil {
		r.CustomFields = map[string]any{}
	}
}

// Validate implements Record.
func (r *RMA) Validate() error {
	fe := FieldErrors{}
	if !slices.Contains(RMAStatuses, r.Status) {
		fe.Add("status", "one of "+strings.Join(RMAStatuses, ", "))
	}
	if r.RequestID == nil && r.OrderID == nil {
		fe.Add("request_id", "a return comes from a request or an order: give request_id or order_id")
	}
	if r.Status == RMARejected && r.RejectReason == "" {
		fe.Add("reject_reason", "required to reject a return")
	}
	for _, f := range []struct {
		name string
		id   *string
	}{{"account_id", r.AccountID}, {"contact_id", r.ContactID}, {"request_id", r.RequestID}, {"order_id", r.OrderID},
		{"service_order_id", r.ServiceOrderID}, {"owner_id", r.OwnerID}} {
		validateRef(fe, f.name, f.id)
	}
	return fe.Err()
}

// SearchKeys implements Searchable.
func (r *RMA) SearchKeys() []SearchKey { return wordKeys(r.Number + " " + r.TrackingNumber) }

// MaxRMALines is how many lines one return may have.
const MaxRMALines = 200

// RMALineInput is a returned item as a client sends it; the store finds
// the registered unit of a serial and takes its product.
type RMALineInput struct {
	ProductID  string `json:"product_id"`
	Serial     string `json:"serial"`
	Quantity   int    `json:"quantity"`
	Reason     string `json:"reason"`
	ReasonText string `json:"reason_text"`
	Action     string `json:"action"`
}

// Line returns the normalised line of in at position.
func (in RMALineInput) Line(position int) RMALine {
	l := RMALine{ID: NewID(), Position: position, ProductID: strings.TrimSpace(in.ProductID), Serial: in.Serial,
		Quantity: in.Quantity, Reason: in.Reason, ReasonText: in.ReasonText, Action: in.Action}
	l.Normalize()
	return l
}

// RMALine is one returned item: which product (and, for serialised
// products, which registered unit), why it came back and what is done.
type RMALine struct {
	ID             string  `gorm:"primaryKey;size:36" json:"id"`
	RMAID          string  `gorm:"column:rma_id;size:36;not null" json:"-"`
	Position       int     `gorm:"not null" json:"position"`
	ProductID      string  `gorm:"size:36;not null" json:"product_id"`
	RegistrationID *string `gorm:"size:36" json:"registration_id"`
	Serial         string  `gorm:"size:100;not null" json:"serial"`
	Quantity       int     `gorm:"not null" json:"quantity"`
	Reason         string  `gorm:"size:32;not null" json:"reason"`
	ReasonText     string  `gorm:"size:2000;not null" json:"reason_text"`
	Action         string  `gorm:"size:16;not null" json:"action"`
}

// TableName names the table.
func (*RMALine) TableName() string { return "rma_lines" }

// Normalize canonicalises a line as a client sent it.
func (l *RMALine) Normalize() {
	l.Serial = NormalizeSerial(l.Serial)
	l.Reason = strings.ToLower(strings.TrimSpace(l.Reason))
	l.ReasonText = strings.TrimSpace(l.ReasonText)
	l.Action = strings.ToLower(strings.TrimSpace(l.Action))
	if l.Quantity == 0 {
		l.Quantity = 1
	}
	emptyToNil(&l.RegistrationID)
}

// Validate checks one line; field names are prefixed with the line's place.
func (l *RMALine) Validate(fe FieldErrors, at string) {
	if l.ProductID == "" && l.Serial == "" {
		fe.Add(at+".product_id", "give the product or a registered serial")
	}
	if l.ProductID != "" && !ValidID(l.ProductID) {
		fe.Add(at+".product_id", "not a valid id")
	}
	if l.Serial != "" && !serialPattern.MatchString(l.Serial) {
		fe.Add(at+".serial", "letters, digits and . _ / - (at most 100)")
	}
	if l.Quantity < 1 || l.Quantity > 100_000 || (l.Serial != "" && l.Quantity != 1) {
		fe.Add(at+".quantity", "from 1 to 100000; 1 for a serial")
	}
	if !slices.Contains(RMAReasons, l.Reason) {
		fe.Add(at+".reason", "one of "+strings.Join(RMAReasons, ", "))
	}
	if !slices.Contains(RMAActions, l.Action) {
		fe.Add(at+".action", "one of "+strings.Join(RMAActions, ", "))
	}
}

// RMAStatusChange is one step of a return's workflow: who moved it, when,
// from → to, with an optional note.
type RMAStatusChange struct {
	ID         string    `gorm:"primaryKey;size:36" json:"id"`
	RMAID      string    `gorm:"column:rma_id;size:36;not null" json:"rma_id"`
	FromStatus string    `gorm:"size:16;not null" json:"from_status"`
	ToStatus   string    `gorm:"size:16;not null" json:"to_status"`
	At         time.Time `gorm:"not null" json:"at"`
	ActorID    string    `gorm:"size:36" json:"actor_id"`
	Note       string    `gorm:"not null" json:"note"`
}

// TableName names the table.
func (*RMAStatusChange) TableName() string { return "rma_status_changes" }
