package model

import (
	"strings"

	"github.com/shopspring/decimal"
)

// Rounding modes of a priced document (quote, order).
//
//   - RoundLine: every line amount (list, discount, tax) is rounded to
//     MoneyPlaces as it is computed; the document totals are plain sums of the
//     rounded line amounts, so the printed lines always add up to the total.
//   - RoundDocument: line amounts are computed exactly; the document sums the
//     exact values and rounds only its totals. Lines are shown (and stored) to
//     DecimalPlaces, so they may not add up to the cent.
//
// Rounding is half away from zero ("commercial rounding").
const (
	RoundLine     = "line"
	RoundDocument = "document"
)

// MoneyPlaces is how many decimal places rounded money amounts keep.
const MoneyPlaces = 2

// MaxLines bounds the lines of one document.
const MaxLines = 2000

var (
	hundred = decimal.NewFromInt(100)
	zero    = decimal.Zero
)

// Pricing is what every priced document (quote, order) carries: its currency,
// where its prices come from, how it rounds, and the totals of its lines
// (server-computed on every line change).
//
// Invariants: with net prices, subtotal − discount_total = net_total and
// net_total + tax_total = total. With tax-inclusive prices the list amounts
// include tax: subtotal − discount_total = total and total − tax_total =
// net_total.
type Pricing struct {
	Currency         string  `gorm:"size:3;not null" json:"currency"`
	PriceListID      *string `gorm:"size:36" json:"price_list_id"`
	PricesIncludeTax bool    `gorm:"not null" json:"prices_include_tax"`
	Rounding         string  `gorm:"size:8;not null" json:"rounding"`
	Subtotal         Decimal `gorm:"not null" json:"subtotal"`
	DiscountTotal    Decimal `gorm:"not null" json:"discount_total"`
	NetTotal         Decimal `gorm:"not null" json:"net_total"`
	TaxTotal         Decimal `gorm:"not null" json:"tax_total"`
	Total            Decimal `gorm:"not null" json:"total"`
	LineCount        int     `gorm:"not null" json:"line_count"`
}

// Priced is implemented by documents with lines: quotes and orders.
type Priced interface {
	Record
	Owned
	PricingInfo() *Pricing
	// LinesEditable returns why the lines (and prices) may not change now, or nil.
	LinesEditable() error
	// Deletable returns why the document may not be deleted, or nil.
	Deletable() error
	// SetNumber gives a new document its human number.
	SetNumber(n string)
}

// LockedEditable are the header fields of a document whose lines are locked
// (a sent quote, a fulfilled order) that may still change: who owns it and
// free-text bookkeeping.
var LockedEditable = map[string]bool{"owner_id": true, "team_id": true, "notes": true,
	"external_ref": true, "custom_fields": true, "billable": true}

// PricingChanged reports whether the fields that price the lines differ.
func (p *Pricing) PricingChanged(o *Pricing) bool {
	return p.Currency != o.Currency || deref(p.PriceListID) != deref(o.PriceListID) ||
		p.Rounding != o.Rounding || p.PricesIncludeTax != o.PricesIncludeTax
}

// normalize canonicalises the pricing header.
func (p *Pricing) normalize() {
	p.Currency = strings.ToUpper(strings.TrimSpace(p.Currency))
	p.Rounding = strings.ToLower(strings.TrimSpace(p.Rounding))
	if p.Rounding == "" {
		p.Rounding = RoundLine
	}
	emptyToNil(&p.PriceListID)
}

// validate checks the pricing header.
func (p *Pricing) validate(fe FieldErrors) {
	if !currencyPattern.MatchString(p.Currency) {
		fe.Add("currency", "an ISO 4217 code such as EUR")
	}
	if p.Rounding != RoundLine && p.Rounding != RoundDocument {
		fe.Add("rounding", "line or document")
	}
	validateRef(fe, "price_list_id", p.PriceListID)
}

// keepTotals puts back the server-computed totals from prev.
func (p *Pricing) keepTotals(prev *Pricing) {
	p.Subtotal, p.DiscountTotal, p.NetTotal, p.TaxTotal, p.Total, p.LineCount =
		prev.Subtotal, prev.DiscountTotal, prev.NetTotal, prev.TaxTotal, prev.Total, prev.LineCount
}

// Line is one line of a quote or an order. Quantity, unit price, discount %
// and tax rate % are the input; the amounts are computed by Calculate:
// list = quantity × unit price, discount = list × discount %, and then net,
// tax and gross from the tax rate (see Pricing for tax-inclusive prices).
type Line struct {
	ID             string  `gorm:"primaryKey;size:36" json:"id"`
	DocID          string  `gorm:"size:36;not null" json:"-"`
	Position       int     `gorm:"not null" json:"position"`
	ProductID      *string `gorm:"size:36" json:"product_id"`
	Description    string  `gorm:"size:2000;not null" json:"description"`
	Unit           string  `gorm:"size:32;not null" json:"unit"`
	Quantity       Decimal `gorm:"not null" json:"quantity"`
	UnitPrice      Decimal `gorm:"not null" json:"unit_price"`
	DiscountPct    Decimal `gorm:"column:discount_pct;not null" json:"discount_percent"`
	TaxRate        Decimal `gorm:"not null" json:"tax_rate"`
	ListAmount     Decimal `gorm:"not null" json:"list_amount"`
	DiscountAmount Decimal `gorm:"not null" json:"discount_amount"`
	NetAmount      Decimal `gorm:"not null" json:"net_amount"`
	TaxAmount      Decimal `gorm:"not null" json:"tax_amount"`
	GrossAmount    Decimal `gorm:"not null" json:"gross_amount"`
}

// Same reports whether l and o hold the same values (the store rewrites
// only lines that differ).
func (l *Line) Same(o *Line) bool {
	if l.ID != o.ID || l.DocID != o.DocID || l.Position != o.Position || deref(l.ProductID) != deref(o.ProductID) ||
		l.Description != o.Description || l.Unit != o.Unit {
		return false
	}
	a := []Decimal{l.Quantity, l.UnitPrice, l.DiscountPct, l.TaxRate, l.ListAmount, l.DiscountAmount, l.NetAmount, l.TaxAmount, l.GrossAmount}
	b := []Decimal{o.Quantity, o.UnitPrice, o.DiscountPct, o.TaxRate, o.ListAmount, o.DiscountAmount, o.NetAmount, o.TaxAmount, o.GrossAmount}
	for i := range a {
		if !a[i].Equal(b[i].Decimal) {
			return false
		}
	}
	return true
}

// LineInput is a line as a client sends it, to add or to change one: nil
// fields are "not given" (defaults on add, unchanged on change).
type LineInput struct {
	ProductID   *string  `json:"product_id"`
	Description *string  `json:"description"`
	Unit        *string  `json:"unit"`
	Quantity    *Decimal `json:"quantity"`
	UnitPrice   *Decimal `json:"unit_price"`
	DiscountPct *Decimal `json:"discount_percent"`
	TaxRate     *Decimal `json:"tax_rate"`
}

// LineDefaults are what a product and a price list supply to a line.
type LineDefaults struct {
	Product   *Product
	UnitPrice *Decimal // the price list's entry for the product, if any
}

// Apply merges in into l. Fields in leaves out come from the product and
// the price list when the line names a product (a new product replaces the
// old product's description, unit, price and tax rate unless given); a new
// line without a product defaults to quantity 1 and no tax.
func (in LineInput) Apply(l *Line, isNew bool, d LineDefaults) error {
	productChanged := in.ProductID != nil && (l.ProductID == nil || *l.ProductID != *in.ProductID)
	if in.ProductID != nil {
		l.ProductID = in.ProductID
		emptyToNil(&l.ProductID)
	}
	if isNew {
		l.Quantity = DecInt(1)
	}
	fromProduct := (isNew || productChanged) && d.Product != nil
	if fromProduct {
		l.Description, l.Unit, l.TaxRate = d.Product.Name, d.Product.Unit, d.Product.TaxRate
		if d.UnitPrice == nil && in.UnitPrice == nil {
			return FieldErrors{"unit_price": "the price list has no price for this product; give unit_price"}.Err()
		}
		if d.UnitPrice != nil {
			l.UnitPrice = *d.UnitPrice
		}
	}
	setIf(&l.Description, in.Description)
	setIf(&l.Unit, in.Unit)
	setIf(&l.Quantity, in.Quantity)
	setIf(&l.UnitPrice, in.UnitPrice)
	setIf(&l.DiscountPct, in.DiscountPct)
	setIf(&l.TaxRate, in.TaxRate)
	l.Description, l.Unit = strings.TrimSpace(l.Description), strings.TrimSpace(l.Unit)
	return nil
}

func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// ValidateLine checks one line's input; prefix names it in field errors
// ("lines[3].").
func ValidateLine(fe FieldErrors, prefix string, l *Line) {
	switch {
	case !l.Quantity.IsPositive():
		fe.Add(prefix+"quantity", "must be greater than 0")
	case !l.Quantity.Fits():
		fe.Add(prefix+"quantity", "at most 4 decimal places and below 900 billion")
	}
	checkAmount(fe, prefix+"unit_price", l.UnitPrice, "must not be negative")
	checkPercent(fe, prefix+"discount_percent", l.DiscountPct)
	checkPercent(fe, prefix+"tax_rate", l.TaxRate)
	if l.Description == "" {
		fe.Add(prefix+"description", "required (or a product_id)")
	}
	validateRef(fe, prefix+"product_id", l.ProductID)
	if len(l.Description) > 2000 {
		fe.Add(prefix+"description", "at most 2000 bytes")
	}
	if len(l.Unit) > 32 {
		fe.Add(prefix+"unit", "at most 32 bytes")
	}
}

func checkAmount(fe FieldErrors, field string, d Decimal, negative string) {
	switch {
	case d.IsNegative():
		fe.Add(field, negative)
	case !d.Fits():
		fe.Add(field, "at most 4 decimal places and below 900 billion")
	}
}

func checkPercent(fe FieldErrors, field string, d Decimal) {
	if d.IsNegative() || d.GreaterThan(hundred) || !d.Fits() {
		fe.Add(field, "a percentage from 0 to 100 with at most 4 decimal places")
	}
}

// Totals are a document's sums, before they are copied onto its Pricing.
type Totals struct {
	Subtotal, Discount, Net, Tax, Total Decimal
}

// Calculate computes every line's amounts in place and returns the
// document's totals under p's rounding mode and tax convention. It fails
// only when an amount exceeds what can be stored.
func Calculate(p *Pricing, lines []Line) (Totals, error) {
	var sum [5]decimal.Decimal // list, discount, net, tax, gross (exact or rounded per mode)
	for i := range lines {
		amounts := lineAmounts(&lines[i], p.PricesIncludeTax, p.Rounding == RoundLine)
		for k := range sum {
			sum[k] = sum[k].Add(amounts[k])
		}
		l := &lines[i]
		l.ListAmount, l.DiscountAmount, l.NetAmount, l.TaxAmount, l.GrossAmount =
			stored(amounts[0]), stored(amounts[1]), stored(amounts[2]), stored(amounts[3]), stored(amounts[4])
	}
	t := documentTotals(sum, p.PricesIncludeTax)
	for _, d := range []Decimal{t.Subtotal, t.Discount, t.Net, t.Tax, t.Total} {
		if !d.Fits() {
			return t, Errorf(EINVALID, "the document's total is too large to store")
		}
	}
	return t, nil
}

// documentTotals rounds the sums to money and derives the remaining totals
// from them so the invariants of Pricing hold exactly.
func documentTotals(sum [5]decimal.Decimal, inclusive bool) Totals {
	r := func(d decimal.Decimal) Decimal { return Decimal{d.Round(MoneyPlaces)} }
	t := Totals{Subtotal: r(sum[0]), Tax: r(sum[3])}
	if inclusive {
		t.Total = r(sum[4])
		t.Net = Decimal{t.Total.Sub(t.Tax.Decimal)}
		t.Discount = Decimal{t.Subtotal.Sub(t.Total.Decimal)}
	} else {
		t.Net = r(sum[2])
		t.Total = Decimal{t.Net.Add(t.Tax.Decimal)}
		t.Discount = Decimal{t.Subtotal.Sub(t.Net.Decimal)}
	}
	return t
}

// lineAmounts returns list, discount, net, tax and gross of l, each rounded
// to money when roundEach.
func lineAmounts(l *Line, inclusive, roundEach bool) [5]decimal.Decimal {
	r := func(d decimal.Decimal) decimal.Decimal {
		if roundEach {
			return d.Round(MoneyPlaces)
		}
		return d
	}
	list := r(l.Quantity.Mul(l.UnitPrice.Decimal))
	discount := r(list.Mul(l.DiscountPct.Decimal).Div(hundred))
	after := list.Sub(discount)
	rate := l.TaxRate.Div(hundred)
	if inclusive {
		// The price includes tax: the net is what remains after taking it out.
		net := r(after.DivRound(rate.Add(decimal.NewFromInt(1)), 16))
		return [5]decimal.Decimal{list, discount, net, after.Sub(net), after}
	}
	tax := r(after.Mul(rate))
	return [5]decimal.Decimal{list, discount, after, tax, after.Add(tax)}
}

// stored rounds an exact amount to what a Decimal column keeps.
func stored(d decimal.Decimal) Decimal { return Decimal{d.Round(DecimalPlaces)} }

// ApplyTotals copies t onto p with the line count.
func (p *Pricing) ApplyTotals(t Totals, lines int) {
	p.Subtotal, p.DiscountTotal, p.NetTotal, p.TaxTotal, p.Total, p.LineCount = t.Subtotal, t.Discount, t.Net, t.Tax, t.Total, lines
}

// LineBatch is a change applied to many lines at once (all or nothing):
// the fields given are set on every line named.
type LineBatch struct {
	LineIDs     []string `json:"line_ids"`
	All         bool     `json:"all"`
	Quantity    *Decimal `json:"quantity"`
	DiscountPct *Decimal `json:"discount_percent"`
	TaxRate     *Decimal `json:"tax_rate"`
}

// Check reports what is wrong with the batch itself.
func (b LineBatch) Check() error {
	fe := FieldErrors{}
	if b.All == (len(b.LineIDs) > 0) {
		fe.Add("line_ids", "name the lines, or set all")
	}
	if b.Quantity == nil && b.DiscountPct == nil && b.TaxRate == nil {
		fe.Add("quantity", "give quantity, discount_percent or tax_rate")
	}
	if len(b.LineIDs) > MaxLines {
		fe.Add("line_ids", "too many lines")
	}
	return fe.Err()
}

// Input returns the batch as a line change.
func (b LineBatch) Input() LineInput {
	return LineInput{Quantity: b.Quantity, DiscountPct: b.DiscountPct, TaxRate: b.TaxRate}
}
