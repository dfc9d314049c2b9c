package model

import (
	"regexp"
	"strings"
	"time"
)

// Registration statuses: an active registration is a product in a
// customer's hands; a retired one is scrapped, lost or replaced.
const (
	RegistrationActive  = "active"
	RegistrationRetired = "retired"
)

// EventRegistrationTransferred is the domain event of a change of owner.
const EventRegistrationTransferred = "registration.transferred"

var serialPattern = regexp.MustCompile(`^[A-Z0-9][A-Z0-9._/-]{0,99}$`)

// NormalizeSerial canonicalises a serial number as printed on a label:
// trimmed, inner spaces dropped, upper case.
func NormalizeSerial(s string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
}

// Registration is one physical product a customer owns: the product, its
// serial number (unique per product), when it was bought, and its owner
// account and contact. A transfer to a new owner keeps the earlier owners
// in the registration's transfer history.
type Registration struct {
	Meta
	ProductID    string         `gorm:"size:36;not null" json:"product_id"`
	Serial       string         `gorm:"size:100;not null" json:"serial"`
	PurchaseDate *Date          `gorm:"type:varchar(10)" json:"purchase_date"`
	AccountID    *string        `gorm:"size:36" json:"account_id"`
	ContactID    *string        `gorm:"size:36" json:"contact_id"`
	OrderID      *string        `gorm:"size:36" json:"order_id"` // the order it was bought with, if known
	Status       string         `gorm:"size:16;not null" json:"status"`
	Notes        string         `gorm:"not null" json:"notes"`
	CustomFields map[string]any `gorm:"serializer:json" json:"custom_fields"`
}

// Entity implements Record.
func (*Registration) Entity() string { return "registration" }

// Refs implements Referrer.
func (r *Registration) Refs() []Ref {
	return []Ref{{"product_id", "product", &r.ProductID}, {"account_id", "account", r.AccountID},
		{"contact_id", "contact", r.ContactID}, {"order_id", "order", r.OrderID}}
}

// Normalize implements Record.
func (r *Registration) Normalize() {
	r.Serial = NormalizeSerial(r.Serial)
	r.Status = strings.ToLower(strings.TrimSpace(r.Status))
	if r.Status == "" {
		r.Status = RegistrationActive
	}
	r.Notes = strings.TrimSpace(r.Notes)
	for _, p := range []**string{&r.AccountID, &r.ContactID, &r.OrderID} {
		emptyToNil(p)
	}
	if r.CustomFields == nil {
		r.CustomFields = map[string]any{}
	}
}

// Validate implements Record.
func (r *Registration) Validate() error {
	fe := FieldErrors{}
	if !ValidID(r.ProductID) {
		fe.Add("product_id", "required")
	}
	if !serialPattern.MatchString(r.Serial) {
		fe.Add("serial", "required: letters, digits and . _ / - (at most 100)")
	}
	if r.Status != RegistrationActive && r.Status != RegistrationRetired {
		fe.Add("status", "active or retired")
	}
	if r.PurchaseDate != nil && r.PurchaseDate.After(time.Now().AddDate(0, 0, 1)) {
		fe.Add("purchase_date", "not in the future")
	}
	for _, f := range []struct {
		name string
		id   *string
	}{{"account_id", r.AccountID}, {"contact_id", r.ContactID}, {"order_id", r.OrderID}} {
		validateRef(fe, f.name, f.id)
	}
	return fe.Err()
}

// SearchKeys implements Searchable: the serial finds the registration.
func (r *Registration) SearchKeys() []SearchKey { return wordKeys(r.Serial) }

// RegistrationTransfer is one change of a registration's owner, kept so the
// product's history survives the transfer.
type RegistrationTransfer struct {
	ID             string    `gorm:"primaryKey;size:36" json:"id"`
	RegistrationID string    `gorm:"size:36;not null" json:"registration_id"`
	FromAccountID  *string   `gorm:"size:36" json:"from_account_id"`
	FromContactID  *string   `gorm:"size:36" json:"from_contact_id"`
	ToAccountID    *string   `gorm:"size:36" json:"to_account_id"`
	ToContactID    *string   `gorm:"size:36" json:"to_contact_id"`
	At             time.Time `gorm:"not null" json:"at"`
	ActorID        string    `gorm:"size:36" json:"actor_id"`
	Note           string    `gorm:"not null" json:"note"`
}
