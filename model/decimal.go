package model

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/shopspring/decimal"
)

// DecimalPlaces is how many decimal places a stored Decimal keeps: amounts,
// prices, quantities, rates and percentages all fit (0.0001 of a unit).
const DecimalPlaces = 4

// decimalScale is 10^DecimalPlaces, the stored integer per unit.
const decimalScale = 10_000

// Decimal is an exact decimal number for money amounts, prices, quantities
// and percentages. It is stored as a BIGINT of 1/10,000 units, so that both
// engines add and compare it exactly in SQL (SQLite would turn a NUMERIC
// into a float); JSON carries it as a string ("1234.50"), and reads a
// string or a number literal (parsed from its text, never through a float).
type Decimal struct{ decimal.Decimal }

// Dec returns the Decimal of s; it panics on a malformed literal, for
// constants and tests.
func Dec(s string) Decimal { return Decimal{decimal.RequireFromString(s)} }

// DecInt returns the Decimal of an integer.
func DecInt(n int64) Decimal { return Decimal{decimal.NewFromInt(n)} }

// ParseDecimal parses a decimal string such as "-12.5".
func ParseDecimal(s string) (Decimal, error) {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return Decimal{}, Errorf(EINVALID, "%q is not a decimal number", s)
	}
	return Decimal{d}, nil
}

// Fits reports whether d can be stored: at most four decimal places and
// within ±900 billion.
func (d Decimal) Fits() bool {
	if !d.Equal(d.Truncate(DecimalPlaces)) {
		return false
	}
	return d.Abs().LessThan(decimal.NewFromInt(900_000_000_000))
}

// MarshalJSON writes the number as a string.
func (d Decimal) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads "12.50" or 12.50.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*d = Decimal{}
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	v, err := decimal.NewFromString(s)
	if err != nil {
		return fmt.Errorf("must be a decimal number such as \"12.50\"")
	}
	d.Decimal = v
	return nil
}

// Value stores the number as an integer of 1/10,000 units; Normalize and
// Validate keep values within what Fits.
func (d Decimal) Value() (driver.Value, error) {
	if !d.Fits() {
		return nil, fmt.Errorf("decimal %s does not fit the stored precision", d)
	}
	return d.Shift(DecimalPlaces).IntPart(), nil
}

// Scan reads the stored integer (or a number a query computed).
func (d *Decimal) Scan(v any) error {
	switch x := v.(type) {
	case int64:
		d.Decimal = decimal.New(x, -DecimalPlaces)
	case float64: // an aggregate computed by the database
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("decimal: cannot scan %v", x)
		}
		d.Decimal = decimal.NewFromFloat(x).Shift(-DecimalPlaces).Round(DecimalPlaces)
	case []byte:
		return d.scanText(string(x))
	case string:
		return d.scanText(x)
	case nil:
		d.Decimal = decimal.Zero
	default:
		return fmt.Errorf("decimal: cannot scan %T", v)
	}
	return nil
}

// scanText reads a stored integer written as text (PostgreSQL's numeric
// aggregates such as SUM(bigint)).
func (d *Decimal) scanText(s string) error {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		d.Decimal = decimal.New(n, -DecimalPlaces)
		return nil
	}
	v, err := decimal.NewFromString(s)
	if err != nil {
		return fmt.Errorf("decimal: cannot scan %q", s)
	}
	d.Decimal = v.Shift(-DecimalPlaces)
	return nil
}

// GormDataType makes GORM create BIGINT columns for Decimal fields.
func (Decimal) GormDataType() string { return "bigint" }
