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

func TestDecimal(t *testing.T) {
	var v struct{ A, B, C Decimal }
	if err := json.Unmarshal([]byte(`{"A": "12.50", "B": 3, "C": 0.1}`), &v); err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(v); string(b) != `{"A":"12.5","B":"3","C":"0.1"}` {
		t.Fatalf("%s", b)
	}
	stored, err := v.A.Value()
	if err != nil || stored != int64(125000) {
		t.Fatalf("%v %v", stored, err)
	}
	var back Decimal
	for _, in := range []any{int64(125000), "125000", []byte("125000"), float64(125000)} {
		if err := back.Scan(in); err != nil || !back.Equal(v.A.Decimal) {
			t.Errorf("scan %T: %s %v", in, back, err)
		}
	}
	if Dec("0.00001").Fits() || Dec("1000000000000").Fits() || !Dec("-899999999999.9999").Fits() {
		t.Error("Fits")
	}
	if _, err := Dec("0.00001").Value(); err == nil {
		t.Error("stored a fifth decimal place")
	}
	for _, bad := range []string{`"1,5"`, `"x"`, `true`, `{}`} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}
