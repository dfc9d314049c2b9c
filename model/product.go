package model

import (
	"strings"
	"time"
)

// DefaultBaseCurrency is the installation's base currency until an admin
// sets another.
const DefaultBaseCurrency = "EUR"

// Product is something sold: goods or a service, with its default tax rate.
// Its SKU is unique among live products.
type Product struct {
	Meta
	SKU         string  `gorm:"column:sku;size:64;not null" json:"sku"`
	Name        string  `gorm:"size:300;not null" json:"name"`
	Description string  `gorm:"not null" json:"description"`
	Unit        string  `gorm:"size:32;not null" json:"unit"`
	TaxRate     Decimal `gorm:"not null" json:"tax_rate"`
	Active      bool    `gorm:"not null" json:"active"`
}

// Entity implements Record.
func (*Product) Entity() string { return "product" }

// Normalize implements Record.
func (p *Product) Normalize() {
	p.SKU = strings.TrimSpace(p.SKU)
	p.Name = strings.TrimSpace(p.Name)
	p.Unit = strings.TrimSpace(p.Unit)
	if p.Unit == "" {
		p.Unit = "pc"
	}
}

// Validate implements Record.
func (p *Product) Validate() error {
	fe := FieldErrors{}
	if p.SKU == "" {
		fe.Add("sku", "required")
	}
	if p.Name == "" {
		fe.Add("name", "required")
	}
	checkPercent(fe, "tax_rate", p.TaxRate)
	return fe.Err()
}

// SearchKeys implements Searchable: name words and the SKU.
func (p *Product) SearchKeys() []SearchKey { return wordKeys(p.Name, p.SKU) }

// PriceList holds unit prices of products in one currency for a period.
// Its entries live apart (PriceListEntry), so a list of 10,000 products is
// read one price at a time and its feed snapshot stays small.
type PriceList struct {
	Meta
	Name             string `gorm:"size:200;not null" json:"name"`
	Currency         string `gorm:"size:3;not null" json:"currency"`
	ValidFrom        *Date  `gorm:"type:varchar(10)" json:"valid_from"`
	ValidTo          *Date  `gorm:"type:varchar(10)" json:"valid_to"`
	PricesIncludeTax bool   `gorm:"not null" json:"prices_include_tax"`
	Active           bool   `gorm:"not null" json:"active"`
}

// Entity implements Record.
func (*PriceList) Entity() string { return "price_list" }

// Normalize implements Record.
func (p *PriceList) Normalize() {
	p.Name = strings.TrimSpace(p.Name)
	p.Currency = strings.ToUpper(strings.TrimSpace(p.Currency))
}

// Validate implements Record.
func (p *PriceList) Validate() error {
	fe := FieldErrors{}
	if p.Name == "" {
		fe.Add("name", "required")
	}
	if !currencyPattern.MatchString(p.Currency) {
		fe.Add("currency", "an ISO 4217 code such as EUR")
	}
	if p.ValidFrom != nil && p.ValidTo != nil && p.ValidTo.Before(p.ValidFrom.Time) {
		fe.Add("valid_to", "must not be before valid_from")
	}
	return fe.Err()
}

// SearchKeys implements Searchable.
func (p *PriceList) SearchKeys() []SearchKey { return wordKeys(p.Name) }

// ValidOn returns why the list cannot price a document on day, or nil.
func (p *PriceList) ValidOn(day time.Time) error {
	d := day.Format(DateLayout)
	switch {
	case !p.Active:
		return FieldErrors{"price_list_id": "the price list is not active"}.Err()
	case p.ValidFrom != nil && d < p.ValidFrom.String(), p.ValidTo != nil && d > p.ValidTo.String():
		return FieldErrors{"price_list_id": "the price list is not valid on " + d}.Err()
	}
	return nil
}

// PriceListEntry is one product's unit price in a price list.
type PriceListEntry struct {
	PriceListID string    `gorm:"primaryKey;size:36" json:"-"`
	ProductID   string    `gorm:"primaryKey;size:36" json:"product_id"`
	UnitPrice   Decimal   `gorm:"not null" json:"unit_price"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// TableName names the table.
func (PriceListEntry) TableName() string { return "price_list_entries" }

// MaxPriceEntries bounds the entries of one request.
const MaxPriceEntries = 10_000

// CheckEntries validates a batch of price list entries.
func CheckEntries(entries []PriceListEntry) error {
	fe := FieldErrors{}
	if len(entries) > MaxPriceEntries {
		fe.Add("entries", "at most 10000 entries per request")
	}
	seen := map[string]bool{}
	for i, e := range entries {
		prefix := "entries[" + itoa(i) + "]."
		if !ValidID(e.ProductID) {
			fe.Add(prefix+"product_id", "a product id")
		} else if seen[e.ProductID] {
			fe.Add(prefix+"product_id", "listed twice")
		}
		seen[e.ProductID] = true
		checkAmount(fe, prefix+"unit_price", e.UnitPrice, "must not be negative")
	}
	return fe.Err()
}

// ExchangeRate says what one unit of Currency is worth in the base currency
// from ValidFrom on (until a later rate for the currency takes over).
type ExchangeRate struct {
	Meta
	Currency  string  `gorm:"size:3;not null" json:"currency"`
	Rate      Decimal `gorm:"not null" json:"rate"`
	ValidFrom Date    `gorm:"type:varchar(10);not null" json:"valid_from"`
}

// Entity implements Record.
func (*ExchangeRate) Entity() string { return "exchange_rate" }

// Normalize implements Record.
func (r *ExchangeRate) Normalize() { r.Currency = strings.ToUpper(strings.TrimSpace(r.Currency)) }

// Validate implements Record.
func (r *ExchangeRate) Validate() error {
	fe := FieldErrors{}
	if !currencyPattern.MatchString(r.Currency) {
		fe.Add("currency", "an ISO 4217 code such as USD")
	}
	if !r.Rate.IsPositive() || !r.Rate.Fits() {
		fe.Add("rate", "a positive number with at most 4 decimal places")
	}
	if r.ValidFrom.IsZero() {
		fe.Add("valid_from", "required")
	}
	return fe.Err()
}

// ValidCurrency reports whether s is an ISO 4217 style code.
func ValidCurrency(s string) bool { return currencyPattern.MatchString(s) }
