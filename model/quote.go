package model

import (
	"slices"
	"strings"
	"time"
)

// Quote statuses. A quote is edited as a draft, sent to the customer, and
// then accepted, rejected or left to expire. Revising a sent, rejected or
// expired quote copies it into the next revision (a new draft with the same
// number) and marks it superseded.
const (
	QuoteDraft      = "draft"
	QuoteSent       = "sent"
	QuoteAccepted   = "accepted"
	QuoteRejected   = "rejected"
	QuoteExpired    = "expired"
	QuoteSuperseded = "superseded"
)

// Quote actions (POST /quotes/{id}/{action}).
const (
	ActionSend   = "send"
	ActionAccept = "accept"
	ActionReject = "reject"
	ActionExpire = "expire"
	ActionRevise = "revise"
)

// quoteMoves maps an action to the statuses it starts from and the status it leads to.
var quoteMoves = map[string]struct {
	from []string
	to   string
}{
	ActionSend:   {[]string{QuoteDraft}, QuoteSent},
	ActionAccept: {[]string{QuoteSent}, QuoteAccepted},
	ActionReject: {[]string{QuoteSent}, QuoteRejected},
	ActionExpire: {[]string{QuoteSent}, QuoteExpired},
	ActionRevise: {[]string{QuoteSent, QuoteRejected, QuoteExpired}, QuoteSuperseded},
}

// Domain events recorded on feed rows (Change.Event) besides the
// entity.created|updated|deleted events every write makes.
const (
	EventQuoteSent     = "quote.sent"
	EventQuoteAccepted = "quote.accepted"
	EventQuoteRejected = "quote.rejected"
)

// quoteEvents maps actions to the domain event they record.
var quoteEvents = map[string]string{ActionSend: EventQuoteSent, ActionAccept: EventQuoteAccepted, ActionReject: EventQuoteRejected}

// QuoteNumberKind is the numbering kind of quotes: Q-2026-0001, yearly.
const QuoteNumberKind = "quote"

func init() {
	if err := RegisterNumberKind(QuoteNumberKind, NumberFormat{Pattern: "Q-{yyyy}-{n:04}", YearlyReset: true}); err != nil {
		panic(err)
	}
	if err := RegisterNumberKind(OrderNumberKind, NumberFormat{Pattern: "O-{yyyy}-{n:05}", YearlyReset: true}); err != nil {
		panic(err)
	}
}

// Quote is an offer to a customer: priced lines in one currency, sent,
// then accepted or rejected. Revisions share the number; each is its own
// record (Revision 1, 2 ...), linked through PreviousID and SupersededBy.
type Quote struct {
	Meta
	Number        string  `gorm:"size:32;not null" json:"number"`
	Revision      int     `gorm:"not null" json:"revision"`
	Status        string  `gorm:"size:16;not null" json:"status"`
	AccountID     *string `gorm:"size:36" json:"account_id"`
	ContactID     *string `gorm:"size:36" json:"contact_id"`
	OpportunityID *string `gorm:"size:36" json:"opportunity_id"`
	OwnerID       *string `gorm:"size:36" json:"owner_id"`
	TeamID        *string `gorm:"size:36" json:"team_id"`
	ValidUntil    *Date   `gorm:"type:varchar(10)" json:"valid_until"`
	Notes         string  `gorm:"not null" json:"notes"`
	Pricing       `gorm:"embedded"`
	RejectReason  string     `gorm:"size:1000;not null" json:"reject_reason"`
	SentAt        *time.Time `json:"sent_at"`
	DecidedAt     *time.Time `json:"decided_at"`
	PreviousID    *string    `gorm:"size:36" json:"previous_id"`
	SupersededBy  *string    `gorm:"size:36" json:"superseded_by"`
	OrderID       *string    `gorm:"size:36" json:"order_id"`
}

// Entity implements Record.
func (*Quote) Entity() string { return "quote" }

// OwnerTeam implements Owned.
func (q *Quote) OwnerTeam() (string, string) { return deref(q.OwnerID), deref(q.TeamID) }

// PricingInfo implements Priced.
func (q *Quote) PricingInfo() *Pricing { return &q.Pricing }

// LinesEditable implements Priced: only drafts change.
func (q *Quote) LinesEditable() error {
	if q.Status != QuoteDraft {
		return Errorf(ECONFLICT, "the quote is %s; only a draft can be edited (revise it to change it)", q.Status)
	}
	return nil
}

// Deletable implements Priced: only drafts are deleted; the rest is history.
func (q *Quote) Deletable() error {
	if q.Status != QuoteDraft {
		return Errorf(ECONFLICT, "the quote is %s; only a draft can be deleted", q.Status)
	}
	return nil
}

// SetNumber implements Priced.
func (q *Quote) SetNumber(n string) { q.Number = n }

// Normalize implements Record.
func (q *Quote) Normalize() {
	q.Pricing.normalize()
	q.Notes = strings.TrimSpace(q.Notes)
	for _, p := range []**string{&q.AccountID, &q.ContactID, &q.OpportunityID, &q.OwnerID, &q.TeamID} {
		emptyToNil(p)
	}
}

// Validate implements Record.
func (q *Quote) Validate() error {
	fe := FieldErrors{}
	q.Pricing.validate(fe)
	validateRef(fe, "account_id", q.AccountID)
	validateRef(fe, "contact_id", q.ContactID)
	validateRef(fe, "opportunity_id", q.OpportunityID)
	validateRef(fe, "owner_id", q.OwnerID)
	validateRef(fe, "team_id", q.TeamID)
	if q.AccountID == nil && q.ContactID == nil {
		fe.Add("account_id", "a quote is for an account or a contact")
	}
	return fe.Err()
}

// Refs implements Referrer. The opportunity is not checked yet (its table
// arrives with the pipelines).
func (q *Quote) Refs() []Ref {
	return []Ref{{"account_id", "account", q.AccountID}, {"contact_id", "contact", q.ContactID},
		{"opportunity_id", "opportunity", q.OpportunityID}, {"owner_id", "user", q.OwnerID}, {"team_id", "team", q.TeamID},
		{"price_list_id", "price_list", q.PriceListID}}
}

// SearchKeys implements Searchable: the number finds a quote.
func (q *Quote) SearchKeys() []SearchKey { return wordKeys(q.Number) }

// KeepServerOwned implements ServerOwned: number, revision, status, totals
// and the links between revisions and to the order come from actions only.
func (q *Quote) KeepServerOwned(prev Record) {
	p := prev.(*Quote)
	q.Number, q.Revision, q.Status, q.RejectReason = p.Number, p.Revision, p.Status, p.RejectReason
	q.SentAt, q.DecidedAt, q.PreviousID, q.SupersededBy, q.OrderID = p.SentAt, p.DecidedAt, p.PreviousID, p.SupersededBy, p.OrderID
	q.Pricing.keepTotals(&p.Pricing)
}

// Move applies action to the quote's status at time at and returns the
// domain event it records ("" for none). Reasons are kept for rejections.
func (q *Quote) Move(action, reason string, at time.Time) (string, error) {
	m, ok := quoteMoves[action]
	if !ok {
		return "", Errorf(ENOTFOUND, "no quote action %q", action)
	}
	if !slices.Contains(m.from, q.Status) {
		return "", Errorf(ECONFLICT, "cannot %s a quote that is %s", action, q.Status)
	}
	if action == ActionAccept && q.ValidUntil != nil && at.Format(DateLayout) > q.ValidUntil.String() {
		return "", Errorf(ECONFLICT, "the quote expired on %s; revise it", q.ValidUntil)
	}
	if action == ActionSend && q.LineCount == 0 {
		return "", Errorf(ECONFLICT, "a quote without lines cannot be sent")
	}
	if action == ActionReject {
		if q.RejectReason = strings.TrimSpace(reason); q.RejectReason == "" {
			return "", FieldErrors{"reason": "say why the customer rejected the quote"}.Err()
		}
	}
	q.Status = m.to
	switch action {
	case ActionSend:
		q.SentAt = &at
	case ActionAccept, ActionReject:
		q.DecidedAt = &at
	}
	return quoteEvents[action], nil
}

// NextRevision returns the draft that revises q: the same customer, prices
// and number, the next revision, without the history of q's decision.
func (q *Quote) NextRevision() *Quote {
	n := *q
	n.Meta = Meta{}
	n.Revision = q.Revision + 1
	n.Status = QuoteDraft
	n.RejectReason, n.SentAt, n.DecidedAt, n.SupersededBy, n.OrderID = "", nil, nil, nil, nil
	prev := q.ID
	n.PreviousID = &prev
	return &n
}
