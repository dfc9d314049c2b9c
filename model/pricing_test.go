package model

import (
	"fmt"
	"testing"
	"time"
)

func line(qty, price, disc, tax string) Line {
	return Line{Quantity: Dec(qty), UnitPrice: Dec(price), DiscountPct: Dec(disc), TaxRate: Dec(tax)}
}

func wantTotals(t *testing.T, got Totals, sub, disc, net, tax, total string) {
	t.Helper()
	want := []string{sub, disc, net, tax, total}
	for i, d := range []Decimal{got.Subtotal, got.Discount, got.Net, got.Tax, got.Total} {
		if !d.Equal(Dec(want[i]).Decimal) {
			t.Fatalf("totals %s/%s/%s/%s/%s, want %v", got.Subtotal, got.Discount, got.Net, got.Tax, got.Total, want)
		}
	}
}

// Three lines of 1/3 show the difference: per line, each tax rounds down
// and the total is the sum of printed lines; per document, the exact sum
// rounds once.
func TestRoundingModes(t *testing.T) {
	lines := func() []Line {
		return []Line{line("1", "0.3333", "0", "19"), line("1", "0.3333", "0", "19"), line("1", "0.3333", "0", "19")}
	}
	byLine := lines()
	tl, err := Calculate(&Pricing{Rounding: RoundLine}, byLine)
	if err != nil {
		t.Fatal(err)
	}
	// each line: list 0.33, tax 0.0627 → 0.06, gross 0.39
	wantTotals(t, tl, "0.99", "0", "0.99", "0.18", "1.17")
	if !byLine[0].TaxAmount.Equal(Dec("0.06").Decimal) || !byLine[0].GrossAmount.Equal(Dec("0.39").Decimal) {
		t.Fatalf("line %+v", byLine[0])
	}
	byDoc := lines()
	td, err := Calculate(&Pricing{Rounding: RoundDocument}, byDoc)
	if err != nil {
		t.Fatal(err)
	}
	// exact: list 0.9999, tax 0.189981 → 1.00 and 0.19
	wantTotals(t, td, "1.00", "0.00", "1.00", "0.19", "1.19")
	if !byDoc[0].TaxAmount.Equal(Dec("0.0633").Decimal) {
		t.Fatalf("line kept to 4 places: %s", byDoc[0].TaxAmount)
	}
}

func TestDiscountsOnManyLines(t *testing.T) {
	var lines []Line
	for i := 0; i < 500; i++ {
		lines = append(lines, line("3", "19.99", "12.5", "20"))
	}
	got, err := Calculate(&Pricing{Rounding: RoundLine}, lines)
	if err != nil {
		t.Fatal(err)
	}
	// per line: list 59.97, discount 7.49625 → 7.50, net 52.47, tax 10.494 → 10.49
	wantTotals(t, got, "29985.00", "3750.00", "26235.00", "5245.00", "31480.00")
	got, err = Calculate(&Pricing{Rounding: RoundDocument}, lines)
	if err != nil {
		t.Fatal(err)
	}
	// exact: list 29985, discount 3748.125, net 26236.875 → 26236.88, tax 5247.375 → 5247.38
	wantTotals(t, got, "29985.00", "3748.12", "26236.88", "5247.38", "31484.26")
}

func TestTaxInclusivePrices(t *testing.T) {
	lines := []Line{line("1", "119", "0", "19"), line("2", "10", "10", "7")}
	got, err := Calculate(&Pricing{Rounding: RoundLine, PricesIncludeTax: true}, lines)
	if err != nil {
		t.Fatal(err)
	}
	// 119 gross → 100 net + 19 tax; 20 − 2 = 18 gross → 16.82 net + 1.18 tax
	wantTotals(t, got, "139.00", "2.00", "116.82", "20.18", "137.00")
	if !lines[1].NetAmount.Equal(Dec("16.82").Decimal) || !lines[1].GrossAmount.Equal(Dec("18").Decimal) {
		t.Fatalf("line %+v", lines[1])
	}
}

func TestCalculateInvariants(t *testing.T) {
	for _, mode := range []string{RoundLine, RoundDocument} {
		for _, incl := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s-%v", mode, incl), func(t *testing.T) {
				var lines []Line
				for i := 1; i <= 37; i++ {
					lines = append(lines, line(fmt.Sprintf("%d.5", i), fmt.Sprintf("%d.0%d", i*7, i%10), fmt.Sprint(i%30), []string{"0", "7", "19", "20"}[i%4]))
				}
				got, err := Calculate(&Pricing{Rounding: mode, PricesIncludeTax: incl}, lines)
				if err != nil {
					t.Fatal(err)
				}
				if !got.Net.Add(got.Tax.Decimal).Equal(got.Total.Decimal) {
					t.Fatalf("net + tax != total: %+v", got)
				}
				base := got.Net
				if incl {
					base = got.Total
				}
				if !got.Subtotal.Sub(got.Discount.Decimal).Equal(base.Decimal) {
					t.Fatalf("subtotal − discount != %s: %+v", base, got)
				}
			})
		}
	}
}

func TestLineInputDefaults(t *testing.T) {
	pid := NewID()
	price := Dec("12.50")
	p := &Product{Meta: Meta{ID: pid}, Name: "Widget", Unit: "pc", TaxRate: Dec("19")}
	var l Line
	if err := (LineInput{ProductID: &pid}).Apply(&l, true, LineDefaults{Product: p, UnitPrice: &price}); err != nil {
		t.Fatal(err)
	}
	if l.Description != "Widget" || !l.UnitPrice.Equal(price.Decimal) || !l.TaxRate.Equal(Dec("19").Decimal) || !l.Quantity.Equal(Dec("1").Decimal) {
		t.Fatalf("defaults %+v", l)
	}
	if err := (LineInput{ProductID: &pid}).Apply(&Line{}, true, LineDefaults{Product: p}); ErrorCode(err) != EINVALID {
		t.Fatalf("no price: %v", err)
	}
}

func TestValidateLine(t *testing.T) {
	for name, l := range map[string]Line{
		"quantity":         line("-1", "1", "0", "0"),
		"unit_price":       line("1", "-0.01", "0", "0"),
		"discount_percent": line("1", "1", "100.01", "0"),
		"tax_rate":         line("1", "1", "0", "-5"),
	} {
		l.Description = "x"
		fe := FieldErrors{}
		ValidateLine(fe, "", &l)
		if fe[name] == "" {
			t.Errorf("%s: no error in %v", name, fe)
		}
	}
}

func TestQuoteMoves(t *testing.T) {
	q := &Quote{Status: QuoteDraft}
	if _, err := q.Move(ActionSend, "", nowForTest()); ErrorCode(err) != ECONFLICT {
		t.Fatalf("empty quote sent: %v", err)
	}
	q.LineCount = 1
	steps := []struct {
		action, event, status string
	}{{ActionSend, EventQuoteSent, QuoteSent}, {ActionAccept, EventQuoteAccepted, QuoteAccepted}}
	for _, s := range steps {
		ev, err := q.Move(s.action, "", nowForTest())
		if err != nil || ev != s.event || q.Status != s.status {
			t.Fatalf("%s: %v %s %s", s.action, err, ev, q.Status)
		}
	}
	for _, a := range []string{ActionAccept, ActionReject, ActionSend, ActionRevise} {
		if _, err := q.Move(a, "r", nowForTest()); ErrorCode(err) != ECONFLICT {
			t.Fatalf("%s an accepted quote: %v", a, err)
		}
	}
	r := &Quote{Status: QuoteSent}
	if _, err := r.Move(ActionReject, " ", nowForTest()); ErrorCode(err) != EINVALID {
		t.Fatalf("reject without reason: %v", err)
	}
}

func nowForTest() time.Time { return time.Now() }
