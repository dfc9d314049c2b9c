package locale

import (
	"testing"
	"time"

	"github.com/bojanz/currency"
	"github.com/shopspring/decimal"
)

const nbsp = "\u00a0"

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func mustGet(t *testing.T, name string) *Locale {
	t.Helper()
	l, err := Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestNumberGolden(t *testing.T) {
	cases := []struct {
		loc, in string
		places  int
		want    string
	}{
		{"en-US", "1234.5", 2, "1,234.50"},
		{"en-GB", "1234.5", 2, "1,234.50"},
		{"de-DE", "1234.5", 2, "1.234,50"},
		{"ru-RU", "1234.5", 2, "1" + nbsp + "234,50"},
		{"en-US", "1234567.891", -1, "1,234,567.891"},
		{"de-DE", "-1234567.891", -1, "-1.234.567,891"},
		{"ru-RU", "0.5", -1, "0,5"},
		{"en-US", "2.0000", -1, "2"},
		{"en-US", "2.005", 2, "2.01"},   // half away from zero, exact
		{"en-US", "-2.005", 2, "-2.01"}, // ... also below zero
		{"en-US", "0.1", 20, "0.100000000000"},
		// 899,999,999,999.9999 has 16 significant digits: a float64 would round it.
		{"en-US", "899999999999.9999", 4, "899,999,999,999.9999"},
		{"ru-RU", "899999999999.9999", -1, "899" + nbsp + "999" + nbsp + "999" + nbsp + "999,9999"},
		{"en-IN", "1234567.891", -1, "12,34,567.891"},        // secondary groups
		{"en-US", "-0.0000000000005", -1, "-0.000000000001"}, // (the CLDR formatter writes "-1E,-12")
		{"pl-PL", "1234", 0, "1234"},                         // minimum grouping digits
		{"pl-PL", "12345", 0, "12" + nbsp + "345"},
	}
	for _, c := range cases {
		if got := mustGet(t, c.loc).Number(dec(c.in), c.places); got != c.want {
			t.Errorf("%s Number(%s, %d) = %q, want %q", c.loc, c.in, c.places, got, c.want)
		}
	}
}

func TestMoneyGolden(t *testing.T) {
	cases := []struct {
		loc, in, cur string
		places       int
		want         string
	}{
		{"en-US", "1234.5", "USD", -1, "$1,234.50"},
		{"en-US", "-1234.5", "USD", -1, "-$1,234.50"},
		{"en-US", "1234.5", "EUR", -1, "€1,234.50"},
		{"en-GB", "1234.5", "GBP", -1, "£1,234.50"},
		{"en-GB", "1234.5", "EUR", -1, "€1,234.50"},
		{"de-DE", "1234.5", "EUR", -1, "1.234,50" + nbsp + "€"},
		{"de-DE", "1234.5", "USD", -1, "1.234,50" + nbsp + "$"},
		{"ru-RU", "1234.5", "RUB", -1, "1" + nbsp + "234,50" + nbsp + "₽"},
		{"ru-RU", "-1234.5", "RUB", -1, "-1" + nbsp + "234,50" + nbsp + "₽"},
		{"en-US", "1234.5", "JPY", -1, "¥1,235"},
		{"en-US", "12.3456", "USD", 4, "$12.3456"},
		{"de-DE", "899999999999.995", "EUR", -1, "900.000.000.000,00" + nbsp + "€"},
	}
	for _, c := range cases {
		got, err := mustGet(t, c.loc).Money(dec(c.in), c.cur, c.places)
		if err != nil || got != c.want {
			t.Errorf("%s Money(%s, %s) = %q, %v; want %q", c.loc, c.in, c.cur, got, err, c.want)
		}
	}
	if _, err := Default().Money(dec("1"), "EURO", -1); err == nil {
		t.Error("Money accepted the currency code EURO")
	}
}

func TestPercentGolden(t *testing.T) {
	cases := []struct{ loc, in, want string }{
		{"en-US", "19.5", "19.5%"},
		{"en-GB", "20", "20%"},
		{"de-DE", "19.5", "19,5" + nbsp + "%"},
		{"ru-RU", "20", "20" + nbsp + "%"},
	}
	for _, c := range cases {
		if got := mustGet(t, c.loc).Percent(dec(c.in), -1); got != c.want {
			t.Errorf("%s Percent(%s) = %q, want %q", c.loc, c.in, got, c.want)
		}
	}
}

func TestDateGolden(t *testing.T) {
	day := time.Date(2026, 11, 26, 15, 4, 0, 0, time.UTC)
	may := time.Date(2026, 5, 3, 9, 30, 0, 0, time.UTC)
	cases := []struct {
		loc    string
		t      time.Time
		layout string
		want   string
	}{
		{"en-US", day, "", "November 26, 2026"},
		{"en-GB", day, "", "26 November 2026"},
		{"de-DE", day, "", "26. November 2026"},
		{"ru-RU", day, "", "26 ноября 2026 г."},
		{"ru-RU", may, "long", "3 мая 2026 г."},
		{"ru-RU", day, "January 2006", "Ноябрь 2026"}, // no day number: the nominative
		{"de-DE", may, "2 January 2006", "3 Mai 2026"},
		{"en-US", day, "short", "11/26/26"},
		{"en-GB", day, "short", "26/11/2026"},
		{"de-DE", day, "medium", "26.11.2026"},
		{"ru-RU", day, "full", "Четверг, 26 ноября 2026 г."},
		{"de-DE", day, "full", "Donnerstag, 26. November 2026"},
		{"en-US", day, "time", "3:04 PM"},
		{"de-DE", day, "datetime", "26.11.26 15:04"},
		{"en-US", day, "2006-01-02", "2026-11-26"},
	}
	for _, c := range cases {
		if got := mustGet(t, c.loc).Date(c.t, c.layout); got != c.want {
			t.Errorf("%s Date(%q) = %q, want %q", c.loc, c.layout, got, c.want)
		}
	}
}

func TestGetAndChoose(t *testing.T) {
	cases := []struct{ in, want string }{
		{"ru", "ru-RU"}, {"en", "en-US"}, {"de", "de-DE"}, {"en-gb", "en-GB"},
		{"ru_RU", "ru-RU"}, {"de-AT", "de-AT"}, {"pt", "pt-BR"},
	}
	for _, c := range cases {
		if got := mustGet(t, c.in).String(); got != c.want {
			t.Errorf("Get(%q) = %s, want %s", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"", "xx", "tlh", "not a tag"} {
		if _, err := Get(bad); err == nil {
			t.Errorf("Get(%q) succeeded", bad)
		}
	}
	if a, b := mustGet(t, "ru"), mustGet(t, "ru-RU"); a != b {
		t.Error("Get does not share instances")
	}
	if got := Choose("", "xx", "de", "ru").String(); got != "de-DE" {
		t.Errorf("Choose = %s, want de-DE", got)
	}
	if got := Choose("", "tlh").String(); got != DefaultName {
		t.Errorf("Choose fallback = %s", got)
	}
	// de-AT keeps Austria's number conventions with German month names.
	at := mustGet(t, "de-AT")
	if got, _ := at.Money(dec("1234.5"), "EUR", -1); got != "€"+nbsp+"1.234,50" {
		t.Errorf("de-AT money = %q", got)
	}
	if got := at.Date(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), "long"); got != "1. März 2026" {
		t.Errorf("de-AT date = %q", got)
	}
}

func TestCases(t *testing.T) {
	ru := mustGet(t, "ru")
	if got := ru.Upper("иван петров"); got != "ИВАН ПЕТРОВ" {
		t.Errorf("Upper = %q", got)
	}
	if got := ru.Title("иван петров"); got != "Иван Петров" {
		t.Errorf("Title = %q", got)
	}
	if got := mustGet(t, "tr").Upper("istanbul"); got != "İSTANBUL" {
		t.Errorf("tr Upper = %q", got)
	}
	if got := Default().Lower("ÄBC"); got != "äbc" {
		t.Errorf("Lower = %q", got)
	}
}

// TestPatternsMatchTheFormatter checks the learnt patterns against the CLDR
// formatter itself, for many locales, values, places and currencies.
func TestPatternsMatchTheFormatter(t *testing.T) {
	values := []string{"0", "1", "-1", "0.5", "-0.005", "7.25", "12.3456", "999", "1000", "-1000", "12345.678",
		"123456", "-1234567.891", "98765432109.9999", "899999999999.9999",
		"123456789012345678901.5", "0.00000000000049", "5E3", "-1.5E-20"}
	locales := []string{"en-US", "en-GB", "de-DE", "ru-RU", "fr-FR", "de-CH", "de-AT", "pl-PL", "es-ES", "en-IN", "ja-JP",
		"nl-NL", "sv-SE", "pt-BR", "hu-HU", "ar-EG", "fa-IR"}
	for _, name := range locales {
		l, err := Get(name)
		if err != nil {
			continue // the date library lacks it
		}
		for _, code := range []string{"EUR", "USD", "RUB", "JPY", "CHF", "INR"} {
			for _, v := range values {
				for _, places := range []int{-1, 0, 2, 4} {
					d := dec(v)
					got, _ := l.Money(d, code, places)
					want := direct(l, d, code, places, currency.DisplaySymbol)
					if got != want {
						t.Errorf("%s Money(%s, %s, %d) = %q, formatter %q", name, v, code, places, got, want)
					}
					if code == "EUR" {
						if got, want := l.Number(d, places), direct(l, d, numberCurrency, places, currency.DisplayNone); got != want {
							t.Errorf("%s Number(%s, %d) = %q, formatter %q", name, v, places, got, want)
						}
					}
				}
			}
		}
	}
}

// direct formats through the CLDR formatter, rounding as the patterns do.
func direct(l *Locale, d decimal.Decimal, code string, places int, display currency.Display) string {
	f := l.numbers
	f.CurrencyDisplay = display
	if places < 0 && display == currency.DisplaySymbol {
		digits, _ := currency.GetDigits(code)
		places = int(digits)
	}
	if places >= 0 {
		d = d.Round(int32(places))
		f.MinDigits, f.MaxDigits = uint8(places), uint8(places)
	} else {
		d = d.Round(MaxPlaces)
		f.MinDigits, f.MaxDigits = 0, MaxPlaces
	}
	a, err := currency.NewAmount(d.String(), code)
	if err != nil {
		panic(err)
	}
	return f.Format(a)
}
