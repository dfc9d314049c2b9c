package model

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/shopspring/decimal"
)

// Money is a decimal amount in an ISO 4217 currency, never a float.
// JSON: {"amount": "1234.50", "currency": "RUB"}.
type Money struct {
	Amount   decimal.Decimal
	Currency string
}

var currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)

// NewMoney parses a decimal string amount in currency.
func NewMoney(amount, currency string) (Money, error) {
	d, err := decimal.NewFromString(strings.TrimSpace(amount))
	if err != nil {
		return Money{}, Errorf(EINVALID, "amount %q is not a decimal number", amount)
	}
	currency = strings.ToUpper(strings.TrimSpace(currency))
	if !currencyPattern.MatchString(currency) {
		return Money{}, Errorf(EINVALID, "currency %q is not an ISO 4217 code", currency)
	}
	return Money{Amount: d, Currency: currency}, nil
}

// Add returns m + o; both must share a currency.
func (m Money) Add(o Money) (Money, error) {
	if m.Currency != o.Currency {
		return Money{}, Errorf(EINVALID, "cannot add %s to %s", o.Currency, m.Currency)
	}
	return Money{Amount: m.Amount.Add(o.Amount), Currency: m.Currency}, nil
}

// Mul returns m multiplied by a decimal factor (quantity, rate).
func (m Money) Mul(f decimal.Decimal) Money {
	return Money{Amount: m.Amount.Mul(f), Currency: m.Currency}
}

// String formats "1234.50 RUB".
func (m Money) String() string { return m.Amount.StringFixed(2) + " " + m.Currency }

type moneyJSON struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// MarshalJSON writes the amount as a string so no float ever carries money.
func (m Money) MarshalJSON() ([]byte, error) {
	return json.Marshal(moneyJSON{Amount: m.Amount.String(), Currency: m.Currency})
}

// UnmarshalJSON reads {"amount": "1234.50", "currency": "RUB"}; a JSON number
// amount is refused because it may already have lost precision.
func (m *Money) UnmarshalJSON(b []byte) error {
	var raw struct {
		Amount   json.RawMessage `json:"amount"`
		Currency string          `json:"currency"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("money must be {\"amount\": \"…\", \"currency\": \"…\"}")
	}
	var s string
	if err := json.Unmarshal(raw.Amount, &s); err != nil {
		return fmt.Errorf("amount must be a decimal string such as \"1234.50\"")
	}
	v, err := NewMoney(s, raw.Currency)
	if err != nil {
		return err
	}
	*m = v
	return nil
}
