package model

import (
	"slices"
	"strings"
	"time"
)

// ContractNumberKind numbers service contracts: SC-2026-00001, yearly.
const ContractNumberKind = "contract"

func init() {
	if err := RegisterNumberKind(ContractNumberKind, NumberFormat{Pattern: "SC-{yyyy}-{n:05}", YearlyReset: true}); err != nil {
		panic(err)
	}
}

// Contract kinds: a supply contract covers deliveries of products, a
// service contract covers support and repairs.
const (
	ContractSupply  = "supply"
	ContractService = "service"
)

// Contract statuses. Whether an active contract is in force on a day
// follows from its dates (see InForce); expired is not stored.
const (
	ContractDraft     = "draft"
	ContractActive    = "active"
	ContractCancelled = "cancelled"
)

// Contract billing methods.
const (
	BillPerRequest     = "per_request"     // request_price for each request under the contract
	BillPurchaseAmount = "purchase_amount" // purchase_percent a year of purchase_amount, per billing period
	BillHourly         = "hourly"          // billable time at the specialist's rate, else hourly_rate
	BillFixedFee       = "fixed_fee"       // fixed_fee per billing period
	BillNone           = "none"            // covered, not billed (warranty)
)

// BillingMethods lists the contract billing methods.
var BillingMethods = []string{BillPerRequest, BillPurchaseAmount, BillHourly, BillFixedFee, BillNone}

// BillingPeriods lists how often periodic fees are billed.
var BillingPeriods = []string{"monthly", "quarterly", "yearly"}

// Prepaid unit kinds.
const (
	UnitsHours    = "hours"
	UnitsRequests = "requests"
)

// Entitlement verdicts for a request.
const (
	EntitlementCovered   = "covered"
	EntitlementNone      = "not_covered"
	EntitlementExpired   = "expired"
	EntitlementExhausted = "units_exhausted"
)

// EventContractExpiring is the domain event sent once when a contract is
// about to end.
const EventContractExpiring = "contract.expiring"

// Contract is an agreement to supply or serve a customer: which products or
// registered units it covers, from when to when, at what service level
// (Level names the sla_targets.contract_level whose targets the desk uses),
// how it is billed, and the prepaid units it includes.
type Contract struct {
	Meta
	Number          string             `gorm:"size:32;not null" json:"number"`
	Name            string             `gorm:"size:200;not null" json:"name"`
	Kind            string             `gorm:"size:16;not null" json:"kind"`
	Status          string             `gorm:"size:16;not null" json:"status"`
	Level           string             `gorm:"size:32;not null" json:"level"`
	AccountID       string             `gorm:"size:36;not null" json:"account_id"`
	ContactID       *string            `gorm:"size:36" json:"contact_id"`
	OwnerID         *string            `gorm:"size:36" json:"owner_id"`
	StartDate       Date               `gorm:"type:varchar(10);not null" json:"start_date"`
	EndDate         *Date              `gorm:"type:varchar(10)" json:"end_date"` // nil: open-ended
	ProductIDs      []string           `gorm:"serializer:json" json:"product_ids"`
	RegistrationIDs []string           `gorm:"serializer:json" json:"registration_ids"`
	BillingMethod   string             `gorm:"size:16;not null" json:"billing_method"`
	BillingPeriod   string             `gorm:"size:16;not null" json:"billing_period"`
	Currency        string             `gorm:"size:3;not null" json:"currency"`
	TaxRate         Decimal            `gorm:"not null" json:"tax_rate"`
	RequestPrice    Decimal            `gorm:"not null" json:"request_price"`
	PurchaseAmount  Decimal            `gorm:"not null" json:"purchase_amount"`
	PurchasePercent Decimal            `gorm:"not null" json:"purchase_percent"`
	HourlyRate      Decimal            `gorm:"not null" json:"hourly_rate"`
	SpecialistRates map[string]Decimal `gorm:"serializer:json" json:"specialist_rates"` // user id → hourly rate
	FixedFee        Decimal            `gorm:"not null" json:"fixed_fee"`
	PrepaidUnit     string             `gorm:"size:16;not null" json:"prepaid_unit"` // "", hours or requests
	PrepaidUnits    Decimal            `gorm:"not null" json:"prepaid_units"`
	Notes           string             `gorm:"not null" json:"notes"`
	CustomFields    map[string]any     `gorm:"serializer:json" json:"custom_fields"`
	ExpiryNoticeAt  *time.Time         `json:"expiry_notice_at"` // when contract.expiring was sent
}

// Entity implements Record.
func (*Contract) Entity() string { return "contract" }

// Refs implements Referrer.
func (c *Contract) Refs() []Ref {
	refs := []Ref{{"account_id", "account", &c.AccountID}, {"contact_id", "contact", c.ContactID}, {"owner_id", "user", c.OwnerID}}
	for i := range c.ProductIDs {
		refs = append(refs, Ref{"product_ids", "product", &c.ProductIDs[i]})
	}
	for i := range c.RegistrationIDs {
		refs = append(refs, Ref{"registration_ids", "registration", &c.RegistrationIDs[i]})
	}
	return refs
}

// KeepServerOwned implements ServerOwned: the number and the expiry notice.
func (c *Contract) KeepServerOwned(prev Record) {
	p := prev.(*Contract)
	c.Number, c.ExpiryNoticeAt = p.Number, p.ExpiryNoticeAt
}

// InForce reports whether the contract covers day (active and within its dates).
func (c *Contract) InForce(day Date) bool {
	return c.Status == ContractActive && !day.Before(c.StartDate.Time) && (c.EndDate == nil || !day.After(c.EndDate.Time))
}

// Normalize implements Record.
func (c *Contract) Normalize() {
	c.Name, c.Notes = strings.TrimSpace(c.Name), strings.TrimSpace(c.Notes)
	lower := func(s *string, def string) {
		*s = strings.ToLower(strings.TrimSpace(*s))
		if *s == "" {
			*s = def
		}
	}
	lower(&c.Kind, ContractService)
	lower(&c.Status, ContractActive)
	lower(&c.BillingMethod, BillNone)
	lower(&c.BillingPeriod, "monthly")
	lower(&c.PrepaidUnit, "")
	c.Level = strings.TrimSpace(c.Level)
	c.Currency = strings.ToUpper(strings.TrimSpace(c.Currency))
	if c.Currency == "" {
		c.Currency = DefaultBaseCurrency
	}
	c.ProductIDs, c.RegistrationIDs = Dedupe(c.ProductIDs), Dedupe(c.RegistrationIDs)
	if c.SpecialistRates == nil {
		c.SpecialistRates = map[string]Decimal{}
	}
	if c.CustomFields == nil {
		c.CustomFields = map[string]any{}
	}
	emptyToNil(&c.ContactID)
	emptyToNil(&c.OwnerID)
}

// Validate implements Record.
func (c *Contract) Validate() error {
	fe := FieldErrors{}
	if c.Name == "" {
		fe.Add("name", "required")
	}
	oneOf(fe, "kind", c.Kind, []string{ContractSupply, ContractService})
	oneOf(fe, "status", c.Status, []string{ContractDraft, ContractActive, ContractCancelled})
	oneOf(fe, "billing_method", c.BillingMethod, BillingMethods)
	oneOf(fe, "billing_period", c.BillingPeriod, BillingPeriods)
	oneOf(fe, "prepaid_unit", c.PrepaidUnit, []string{"", UnitsHours, UnitsRequests})
	if !ValidID(c.AccountID) {
		fe.Add("account_id", "required")
	}
	if c.StartDate.IsZero() {
		fe.Add("start_date", "required")
	}
	if c.EndDate != nil && c.EndDate.Before(c.StartDate.Time) {
		fe.Add("end_date", "on or after start_date")
	}
	if len(c.ProductIDs) == 0 && len(c.RegistrationIDs) == 0 {
		fe.Add("product_ids", "a contract covers at least one product or registration")
	}
	if !currencyPattern.MatchString(c.Currency) {
		fe.Add("currency", "an ISO 4217 code")
	}
	c.validateMoney(fe)
	validateRef(fe, "contact_id", c.ContactID)
	validateRef(fe, "owner_id", c.OwnerID)
	return fe.Err()
}

// validateMoney checks the amounts: none negative, and the one the billing
// method needs is given.
func (c *Contract) validateMoney(fe FieldErrors) {
	amounts := map[string]Decimal{"tax_rate": c.TaxRate, "request_price": c.RequestPrice, "purchase_amount": c.PurchaseAmount,
		"purchase_percent": c.PurchasePercent, "hourly_rate": c.HourlyRate, "fixed_fee": c.FixedFee, "prepaid_units": c.PrepaidUnits}
	for user, rate := range c.SpecialistRates {
		amounts["specialist_rates."+user] = rate
	}
	for name, d := range amounts {
		if d.IsNegative() || !d.Fits() {
			fe.Add(name, "zero or more, at most 4 decimal places")
		}
	}
	need := map[string]string{BillPerRequest: "request_price", BillPurchaseAmount: "purchase_percent", BillFixedFee: "fixed_fee"}
	if field, ok := need[c.BillingMethod]; ok && !amounts[field].IsPositive() {
		fe.Add(field, "required by billing_method "+c.BillingMethod)
	}
	if c.BillingMethod == BillPurchaseAmount && !c.PurchaseAmount.IsPositive() {
		fe.Add("purchase_amount", "required by billing_method "+c.BillingMethod)
	}
	if (c.PrepaidUnit == "") != c.PrepaidUnits.IsZero() {
		fe.Add("prepaid_units", "give prepaid_unit and prepaid_units together")
	}
}

// oneOf adds a field error unless v is one of allowed.
func oneOf(fe FieldErrors, field, v string, allowed []string) {
	if !slices.Contains(allowed, v) {
		fe.Add(field, "one of "+strings.Join(allowed, ", "))
	}
}

// SearchKeys implements Searchable.
func (c *Contract) SearchKeys() []SearchKey { return wordKeys(c.Number + " " + c.Name) }
