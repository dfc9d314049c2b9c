package model

import (
	"strings"
	"time"
)

// InvoiceNumberKind numbers invoices and credit notes when they are issued:
// INV-2026-00001, gapless (drawn in the issuing transaction), yearly.
const InvoiceNumberKind = "invoice"

func init() {
	if err := RegisterNumberKind(InvoiceNumberKind, NumberFormat{Pattern: "INV-{yyyy}-{n:05}", YearlyReset: true, Gapless: true}); err != nil {
		panic(err)
	}
}

// Invoice kinds: a credit note reverses (part of) an issued invoice, which
// is never edited after issue.
const (
	InvoiceKindInvoice = "invoice"
	InvoiceKindCredit  = "credit_note"
)

// Invoice statuses: a draft is edited and has no number yet; issuing gives
// it its gapless number; an issued invoice is paid, or overdue after its due
// date. A draft may be deleted; an issued one only credited.
const (
	InvoiceDraft   = "draft"
	InvoiceIssued  = "issued"
	InvoicePaid    = "paid"
	InvoiceOverdue = "overdue"
)

// InvoiceStatuses lists the statuses.
var InvoiceStatuses = []string{InvoiceDraft, InvoiceIssued, InvoicePaid, InvoiceOverdue}

// Invoice domain events.
const (
	EventInvoiceIssued  = "invoice.issued"
	EventInvoicePaid    = "invoice.paid"
	EventInvoiceOverdue = "invoice.overdue"
)

// Where an invoice line's amount comes from (invoice_lines.source_type);
// a billable item is billed once: (source_type, source_id) is unique.
const (
	SourceManual         = "manual"
	SourceTimeEntry      = "time_entry"
	SourceRequest        = "request"
	SourceOrder          = "order"
	SourceFixedFee       = "fixed_fee"       // source_id: contract id + ":" + period start
	SourcePurchaseAmount = "purchase_amount" // source_id: contract id + ":" + period start
	SourceCredit         = "credit"          // source_id: the credited line's id
)

// Invoice is a bill to a customer, or a credit note against one: priced
// lines (invoice_lines, sharing the quote and order line arithmetic) in the
// currency of the contract or order billed, with tax and totals in decimal.
type Invoice struct {
	Meta
	Number           string  `gorm:"size:32;not null" json:"number"` // "" until issued
	Kind             string  `gorm:"size:16;not null" json:"kind"`
	Status           string  `gorm:"size:16;not null" json:"status"`
	AccountID        string  `gorm:"size:36;not null" json:"account_id"`
	ContactID        *string `gorm:"size:36" json:"contact_id"`
	ContractID       *string `gorm:"size:36" json:"contract_id"`
	BillingRunID     *string `gorm:"size:36" json:"billing_run_id"`
	CreditOfID       *string `gorm:"size:36" json:"credit_of_id"` // a credit note's invoice
	OwnerID          *string `gorm:"size:36" json:"owner_id"`
	TeamID           *string `gorm:"size:36" json:"team_id"`
	PeriodStart      *Date   `gorm:"type:varchar(10)" json:"period_start"`
	PeriodEnd        *Date   `gorm:"type:varchar(10)" json:"period_end"`
	IssueDate        *Date   `gorm:"type:varchar(10)" json:"issue_date"`
	DueDate          *Date   `gorm:"type:varchar(10)" json:"due_date"`
	PaymentTermsDays int     `gorm:"not null" json:"payment_terms_days"`
	PaymentRef       string  `gorm:"size:100;not null" json:"payment_ref"`
	Notes            string  `gorm:"not null" json:"notes"`
	ExternalRef      string  `gorm:"size:100;not null" json:"external_ref"`
	Pricing          `gorm:"embedded"`
	CustomFields     map[string]any `gorm:"serializer:json" json:"custom_fields"`
	IssuedAt         *time.Time     `json:"issued_at"`
	PaidOn           *Date          `gorm:"type:varchar(10)" json:"paid_on"` // the day the payment arrived
	PaidAt           *time.Time     `json:"paid_at"`                         // when it was recorded
}

// Entity implements Record.
func (*Invoice) Entity() string { return "invoice" }

// OwnerTeam implements Owned.
func (i *Invoice) OwnerTeam() (string, string) { return deref(i.OwnerID), deref(i.TeamID) }

// PricingInfo implements Priced.
func (i *Invoice) PricingInfo() *Pricing { return &i.Pricing }

// LinesEditable implements Priced: only the lines of a draft invoice
// change; a credit note's lines follow what it credits.
func (i *Invoice) LinesEditable() error {
	if err := i.Deletable(); err != nil {
		return err
	}
	if i.Kind == InvoiceKindCredit {
		return Errorf(ECONFLICT, "a credit note's lines follow the invoice it credits; delete the draft and credit again")
	}
	return nil
}

// Deletable implements Priced: only drafts; an issued invoice is credited.
func (i *Invoice) Deletable() error {
	if i.Status != InvoiceDraft {
		return Errorf(ECONFLICT, "invoice %s is %s; an issued invoice never changes: credit it instead", i.Number, i.Status)
	}
	return nil
}

// LockedEditable names the header fields that may still change once the
// lines may not: on a draft credit note the bookkeeping fields, on an
// issued invoice nothing.
func (i *Invoice) LockedEditable() map[string]bool {
	if i.Status == InvoiceDraft {
		return LockedEditable
	}
	return nil
}

// SetNumber implements Priced.
func (i *Invoice) SetNumber(n string) { i.Number = n }

// Refs implements Referrer.
func (i *Invoice) Refs() []Ref {
	return []Ref{{"account_id", "account", &i.AccountID}, {"contact_id", "contact", i.ContactID},
		{"contract_id", "contract", i.ContractID}, {"billing_run_id", "billing_run", i.BillingRunID},
		{"credit_of_id", "invoice", i.CreditOfID}, {"owner_id", "user", i.OwnerID}, {"team_id", "team", i.TeamID}}
}

// KeepServerOwned implements ServerOwned: the number, kind, status, what
// it credits, its billing run, the dates and stamps of issue and payment
// and the totals are the server's (they change through actions).
func (i *Invoice) KeepServerOwned(prev Record) {
	p := prev.(*Invoice)
	i.Number, i.Kind, i.Status, i.CreditOfID, i.BillingRunID = p.Number, p.Kind, p.Status, p.CreditOfID, p.BillingRunID
	i.IssueDate, i.DueDate, i.IssuedAt, i.PaidOn, i.PaidAt, i.PaymentRef = p.IssueDate, p.DueDate, p.IssuedAt, p.PaidOn, p.PaidAt, p.PaymentRef
	i.Pricing.keepTotals(&p.Pricing)
}

// Issuable returns why the invoice cannot be issued now, or nil.
func (i *Invoice) Issuable() error {
	if i.Status != InvoiceDraft {
		return Errorf(ECONFLICT, "invoice %s is already %s", i.Number, i.Status)
	}
	if i.LineCount == 0 {
		return Errorf(ECONFLICT, "an invoice without lines cannot be issued")
	}
	return nil
}

// Issue gives an issuable draft its number: issued on today, due after its
// payment terms, stamped at.
func (i *Invoice) Issue(number string, today Date, at time.Time) {
	due := Date{Time: today.AddDate(0, 0, i.PaymentTermsDays)}
	i.Number, i.Status, i.IssueDate, i.DueDate, i.IssuedAt = number, InvoiceIssued, &today, &due, &at
}

// Pay records the payment of an issued or overdue invoice (or the refund
// of a credit note) that arrived on day paidOn (not before the issue, not
// after today) with its reference.
func (i *Invoice) Pay(paidOn, today Date, ref string, at time.Time) error {
	if i.Status != InvoiceIssued && i.Status != InvoiceOverdue {
		return Errorf(ECONFLICT, "only an issued or overdue invoice is paid; %s is %s", i.label(), i.Status)
	}
	fe := FieldErrors{}
	if i.IssueDate != nil && paidOn.Before(i.IssueDate.Time) {
		fe.Add("paid_on", "on or after the issue date "+i.IssueDate.String())
	}
	if paidOn.After(today.Time) {
		fe.Add("paid_on", "not in the future")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	i.Status, i.PaidOn, i.PaymentRef, i.PaidAt = InvoicePaid, &paidOn, strings.TrimSpace(ref), &at
	return nil
}

// MarkOverdue makes an issued invoice whose due date is before today
// overdue and reports whether it did.
func (i *Invoice) MarkOverdue(today Date) bool {
	if i.Kind != InvoiceKindInvoice || i.Status != InvoiceIssued || i.DueDate == nil || !i.DueDate.Before(today.Time) {
		return false
	}
	i.Status = InvoiceOverdue
	return true
}

// CreditNote returns the draft credit note of an issued invoice: the same
// customer, contract, currency and tax convention (its lines are the
// store's to fill).
func (i *Invoice) CreditNote() (*Invoice, error) {
	if i.Kind != InvoiceKindInvoice {
		return nil, Errorf(ECONFLICT, "%s is a credit note; only an invoice is credited", i.label())
	}
	if i.Status == InvoiceDraft {
		return nil, Errorf(ECONFLICT, "a draft invoice is edited or deleted, not credited")
	}
	id := i.ID
	return &Invoice{Kind: InvoiceKindCredit, Status: InvoiceDraft, AccountID: i.AccountID, ContactID: i.ContactID,
		ContractID: i.ContractID, CreditOfID: &id, PeriodStart: i.PeriodStart, PeriodEnd: i.PeriodEnd,
		PaymentTermsDays: i.PaymentTermsDays, Pricing: Pricing{Currency: i.Currency, PricesIncludeTax: i.PricesIncludeTax, Rounding: i.Rounding}}, nil
}

// label names the invoice in messages: its number, or "the draft".
func (i *Invoice) label() string {
	if i.Number == "" {
		return "the draft"
	}
	return i.Number
}

// Normalize implements Record.
func (i *Invoice) Normalize() {
	i.Pricing.normalize()
	i.Kind = strings.ToLower(strings.TrimSpace(i.Kind))
	if i.Kind == "" {
		i.Kind = InvoiceKindInvoice
	}
	i.Status = strings.ToLower(strings.TrimSpace(i.Status))
	if i.Status == "" {
		i.Status = InvoiceDraft
	}
	if i.PaymentTermsDays == 0 {
		i.PaymentTermsDays = 30
	}
	i.Notes, i.ExternalRef, i.PaymentRef = strings.TrimSpace(i.Notes), strings.TrimSpace(i.ExternalRef), strings.TrimSpace(i.PaymentRef)
	for _, p := range []**string{&i.ContactID, &i.ContractID, &i.BillingRunID, &i.CreditOfID, &i.OwnerID, &i.TeamID} {
		emptyToNil(p)
	}
	if i.CustomFields == nil {
		i.CustomFields = map[string]any{}
	}
}

// Validate implements Record.
func (i *Invoice) Validate() error {
	fe := FieldErrors{}
	i.Pricing.validate(fe)
	oneOf(fe, "kind", i.Kind, []string{InvoiceKindInvoice, InvoiceKindCredit})
	oneOf(fe, "status", i.Status, InvoiceStatuses)
	if !ValidID(i.AccountID) {
		fe.Add("account_id", "required")
	}
	if (i.Kind == InvoiceKindCredit) != (i.CreditOfID != nil) {
		fe.Add("credit_of_id", "a credit note names the invoice it credits, and only a credit note does")
	}
	if i.PaymentTermsDays < 0 || i.PaymentTermsDays > 365 {
		fe.Add("payment_terms_days", "from 0 to 365")
	}
	if i.PeriodStart != nil && i.PeriodEnd != nil && i.PeriodEnd.Before(i.PeriodStart.Time) {
		fe.Add("period_end", "on or after period_start")
	}
	for _, f := range []struct {
		name string
		id   *string
	}{{"contact_id", i.ContactID}, {"contract_id", i.ContractID}, {"billing_run_id", i.BillingRunID},
		{"credit_of_id", i.CreditOfID}, {"owner_id", i.OwnerID}, {"team_id", i.TeamID}} {
		validateRef(fe, f.name, f.id)
	}
	return fe.Err()
}

// SearchKeys implements Searchable.
func (i *Invoice) SearchKeys() []SearchKey { return wordKeys(i.Number + " " + i.ExternalRef) }

// InvoiceLine is a stored invoice line: the shared line arithmetic plus
// where its amount comes from. Rows are in invoice_lines, doc_id the invoice.
type InvoiceLine struct {
	Line       `gorm:"embedded"`
	SourceType string `gorm:"size:16;not null" json:"source_type"`
	SourceID   string `gorm:"size:80;not null" json:"source_id"`
}

// TableName names the table.
func (*InvoiceLine) TableName() string { return "invoice_lines" }

// Billing run statuses.
const (
	BillingRunning = "running"
	BillingDone    = "done"
	BillingFailed  = "failed"
)

// BillingRun turns one period's billable work into draft invoices: fixed
// and purchase-amount fees, billable time, per-request fees, billable
// service and sales orders. One run per period: asking again for the same
// period returns the run there is.
type BillingRun struct {
	Meta
	PeriodStart  Date               `gorm:"type:varchar(10);not null" json:"period_start"`
	PeriodEnd    Date               `gorm:"type:varchar(10);not null" json:"period_end"`
	Status       string             `gorm:"size:16;not null" json:"status"`
	InvoiceCount int                `gorm:"not null" json:"invoice_count"`
	LineCount    int                `gorm:"not null" json:"line_count"`
	Totals       map[string]Decimal `gorm:"serializer:json" json:"totals"` // currency → total
	StartedAt    *time.Time         `json:"started_at"`
	FinishedAt   *time.Time         `json:"finished_at"`
	Error        string             `gorm:"not null" json:"error"`
}

// Entity implements Record.
func (*BillingRun) Entity() string { return "billing_run" }

// KeepServerOwned implements ServerOwned: everything but the period is the run's.
func (b *BillingRun) KeepServerOwned(prev Record) {
	p := prev.(*BillingRun)
	b.Status, b.InvoiceCount, b.LineCount, b.Totals = p.Status, p.InvoiceCount, p.LineCount, p.Totals
	b.StartedAt, b.FinishedAt, b.Error = p.StartedAt, p.FinishedAt, p.Error
}

// Normalize implements Record.
func (b *BillingRun) Normalize() {
	if b.Status == "" {
		b.Status = BillingRunning
	}
	if b.Totals == nil {
		b.Totals = map[string]Decimal{}
	}
}

// Validate implements Record.
func (b *BillingRun) Validate() error {
	fe := FieldErrors{}
	if b.PeriodStart.IsZero() {
		fe.Add("period_start", "required")
	}
	if b.PeriodEnd.IsZero() || b.PeriodEnd.Before(b.PeriodStart.Time) {
		fe.Add("period_end", "required, on or after period_start")
	}
	if !b.PeriodStart.IsZero() && b.PeriodEnd.Sub(b.PeriodStart.Time) > 366*24*time.Hour {
		fe.Add("period_end", "a billing period is at most a year")
	}
	oneOf(fe, "status", b.Status, []string{BillingRunning, BillingDone, BillingFailed})
	return fe.Err()
}
