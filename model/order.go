package model

import (
	"regexp"
	"slices"
	"strings"
	"time"
)

// Order statuses: a draft is edited, confirmed when agreed, fulfilled when
// delivered; a draft or confirmed order can be cancelled.
const (
	OrderDraft     = "draft"
	OrderConfirmed = "confirmed"
	OrderFulfilled = "fulfilled"
	OrderCancelled = "cancelled"
)

// Order actions (POST /orders/{id}/{action}).
const (
	ActionConfirm = "confirm"
	ActionFulfil  = "fulfil"
	ActionCancel  = "cancel"
)

// orderMoves maps an action to the statuses it starts from and the status it leads to.
var orderMoves = map[string]struct {
	from []string
	to   string
}{
	ActionConfirm: {[]string{OrderDraft}, OrderConfirmed},
	ActionFulfil:  {[]string{OrderConfirmed}, OrderFulfilled},
	ActionCancel:  {[]string{OrderDraft, OrderConfirmed}, OrderCancelled},
}

// OrderNumberKind is the numbering kind of orders: O-2026-00001, yearly.
const OrderNumberKind = "order"

// OrderKindSales is the kind of an order taken by sales; after-sales work
// (service, repair, return) uses its own kinds on the same entity.
const OrderKindSales = "sales"

var orderKindPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// Order is a customer's order, taken from an accepted quote or directly.
// It is general on purpose: Kind tells sales orders from after-sales ones,
// Billable says whether it is invoiced, and files attach through the
// generic attachments (record_type "order").
type Order struct {
	Meta
	Number        string  `gorm:"size:32;not null" json:"number"`
	Kind          string  `gorm:"size:32;not null" json:"kind"`
	Status        string  `gorm:"size:16;not null" json:"status"`
	AccountID     *string `gorm:"size:36" json:"account_id"`
	ContactID     *string `gorm:"size:36" json:"contact_id"`
	OpportunityID *string `gorm:"size:36" json:"opportunity_id"`
	QuoteID       *string `gorm:"size:36" json:"quote_id"`
	OwnerID       *string `gorm:"size:36" json:"owner_id"`
	TeamID        *string `gorm:"size:36" json:"team_id"`
	OrderDate     *Date   `gorm:"type:varchar(10)" json:"order_date"`
	Billable      bool    `gorm:"not null" json:"billable"`
	ExternalRef   string  `gorm:"size:100;not null" json:"external_ref"`
	Notes         string  `gorm:"not null" json:"notes"`
	Pricing       `gorm:"embedded"`
	CustomFields  map[string]any `gorm:"serializer:json" json:"custom_fields"`
	ConfirmedAt   *time.Time     `json:"confirmed_at"`
	FulfilledAt   *time.Time     `json:"fulfilled_at"`
	CancelledAt   *time.Time     `json:"cancelled_at"`
}

// Entity implements Record.
func (*Order) Entity() string { return "order" }

// OwnerTeam implements Owned.
func (o *Order) OwnerTeam() (string, string) { return deref(o.OwnerID), deref(o.TeamID) }

// PricingInfo implements Priced.
func (o *Order) PricingInfo() *Pricing { return &o.Pricing }

// LinesEditable implements Priced: draft and confirmed orders change (a
// confirmed order's quantities may still be corrected before delivery).
func (o *Order) LinesEditable() error {
	if o.Status != OrderDraft && o.Status != OrderConfirmed {
		return Errorf(ECONFLICT, "the order is %s; its lines can no longer change", o.Status)
	}
	return nil
}

// Deletable implements Priced: drafts and cancelled orders.
func (o *Order) Deletable() error {
	if o.Status != OrderDraft && o.Status != OrderCancelled {
		return Errorf(ECONFLICT, "the order is %s; cancel it first", o.Status)
	}
	return nil
}

// SetNumber implements Priced.
func (o *Order) SetNumber(n string) { o.Number = n }

// Normalize implements Record.
func (o *Order) Normalize() {
	o.Pricing.normalize()
	o.Notes = strings.TrimSpace(o.Notes)
	o.ExternalRef = strings.TrimSpace(o.ExternalRef)
	o.Kind = strings.ToLower(strings.TrimSpace(o.Kind))
	if o.Kind == "" {
		o.Kind = OrderKindSales
	}
	if o.CustomFields == nil {
		o.CustomFields = map[string]any{}
	}
	for _, p := range []**string{&o.AccountID, &o.ContactID, &o.OpportunityID, &o.QuoteID, &o.OwnerID, &o.TeamID} {
		emptyToNil(p)
	}
}

// Validate implements Record.
func (o *Order) Validate() error {
	fe := FieldErrors{}
	o.Pricing.validate(fe)
	if !orderKindPattern.MatchString(o.Kind) {
		fe.Add("kind", "a lower-case word such as sales, service or return")
	}
	for field, id := range map[string]*string{"account_id": o.AccountID, "contact_id": o.ContactID,
		"opportunity_id": o.OpportunityID, "owner_id": o.OwnerID, "team_id": o.TeamID} {
		validateRef(fe, field, id)
	}
	if o.AccountID == nil && o.ContactID == nil {
		fe.Add("account_id", "an order is for an account or a contact")
	}
	return fe.Err()
}

// Refs implements Referrer.
func (o *Order) Refs() []Ref {
	return []Ref{{"account_id", "account", o.AccountID}, {"contact_id", "contact", o.ContactID},
		{"opportunity_id", "opportunity", o.OpportunityID}, {"owner_id", "user", o.OwnerID}, {"team_id", "team", o.TeamID},
		{"price_list_id", "price_list", o.PriceListID}}
}

// SearchKeys implements Searchable: the number and the external reference.
func (o *Order) SearchKeys() []SearchKey { return wordKeys(o.Number, o.ExternalRef) }

// KeepServerOwned implements ServerOwned: number, status, the quote it came
// from and totals change only through the store's actions.
func (o *Order) KeepServerOwned(prev Record) {
	p := prev.(*Order)
	o.Number, o.Status, o.QuoteID = p.Number, p.Status, p.QuoteID
	o.ConfirmedAt, o.FulfilledAt, o.CancelledAt = p.ConfirmedAt, p.FulfilledAt, p.CancelledAt
	o.Pricing.keepTotals(&p.Pricing)
}

// Move applies action to the order's status at time at.
func (o *Order) Move(action string, at time.Time) error {
	m, ok := orderMoves[action]
	if !ok {
		return Errorf(ENOTFOUND, "no order action %q", action)
	}
	if !slices.Contains(m.from, o.Status) {
		return Errorf(ECONFLICT, "cannot %s an order that is %s", action, o.Status)
	}
	o.Status = m.to
	switch action {
	case ActionConfirm:
		o.ConfirmedAt = &at
	case ActionFulfil:
		o.FulfilledAt = &at
	case ActionCancel:
		o.CancelledAt = &at
	}
	return nil
}

// OrderFromQuote returns a draft order for accepted quote q (lines are
// copied by the store).
func OrderFromQuote(q *Quote) *Order {
	qid := q.ID
	return &Order{Kind: OrderKindSales, Status: OrderDraft, AccountID: q.AccountID, ContactID: q.ContactID,
		OpportunityID: q.OpportunityID, QuoteID: &qid, OwnerID: q.OwnerID, TeamID: q.TeamID, Billable: true,
		Notes: q.Notes, Pricing: q.Pricing}
}
