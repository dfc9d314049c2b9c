package model

import (
	"encoding/json"
	"testing"

	"github.com/shopspring/decimal"
)

func TestMoneyJSON(t *testing.T) {
	var m Money
	if err := json.Unmarshal([]byte(`{"amount": "1234.50", "currency": "rub"}`), &m); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(m)
	if string(b) != `{"amount":"1234.5","currency":"RUB"}` || m.String() != "1234.50 RUB" {
		t.Fatalf("%s %s", b, m)
	}
	for _, bad := range []string{`{"amount": 1234.5, "currency": "RUB"}`, `{"amount": "1,5", "currency": "RUB"}`, `{"amount": "1", "currency": "RUBLE"}`, `"x"`} {
		if err := json.Unmarshal([]byte(bad), &m); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
	sum, err := m.Add(m.Mul(decimal.NewFromInt(2)))
	if err != nil || sum.Amount.String() != "3703.5" {
		t.Fatalf("%v %v", sum, err)
	}
	if _, err := m.Add(Money{Amount: decimal.NewFromInt(1), Currency: "USD"}); err == nil {
		t.Fatal("added across currencies")
	}
}
