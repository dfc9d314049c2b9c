package locale

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bojanz/currency"
	"github.com/shopspring/decimal"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// MaxPlaces bounds the fraction digits a number is shown with: when the
// places are left to the value, it is rounded to MaxPlaces and trailing
// zeros are dropped.
const MaxPlaces = 12

// numberCurrency is the currency the plain-number formatter runs with; it is
// never shown (DisplayNone) and the digits are always set explicitly.
const numberCurrency = "USD"

// Number formats d with the locale's separators and grouping. places ≥ 0
// gives exactly that many fraction digits (rounded half away from zero);
// places < 0 shows as many as the value needs, up to MaxPlaces.
func (l *Locale) Number(d decimal.Decimal, places int) string {
	return l.plain.format(d, places)
}

// Percent formats a percentage given in percent units (19.5 → "19.5%" in
// English, "19,5 %" in German): the number as Number does, with the sign
// placed as the locale's CLDR percent pattern places it.
func (l *Locale) Percent(d decimal.Decimal, places int) string {
	return l.pctPrefix + l.Number(d, places) + l.pctSuffix
}

// Money formats an amount in an ISO 4217 currency by the locale's CLDR
// currency pattern: "$1,234.50" (en-US), "1.234,50 €" (de-DE), "1 234,50 ₽"
// (ru-RU). places < 0 uses the currency's own fraction digits (2 for EUR,
// 0 for JPY).
func (l *Locale) Money(d decimal.Decimal, code string, places int) (string, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if len(code) != 3 || !currency.IsValid(code) {
		return "", fmt.Errorf("%q is not an ISO 4217 currency code", code)
	}
	if places < 0 {
		digits, _ := currency.GetDigits(code)
		places = int(digits)
	}
	if p, ok := l.money.Load(code); ok {
		return p.(*pattern).format(d, places), nil
	}
	p, err := derive(l.numbers, code, currency.DisplaySymbol)
	if err != nil {
		return "", err
	}
	actual, _ := l.money.LoadOrStore(code, p)
	return actual.(*pattern).format(d, places), nil
}

// pattern is how a locale writes numbers of one kind (plain, or money in
// one currency): learnt once from the CLDR formatter by formatting sample
// amounts, because the formatter itself is too slow to call per value (it
// builds a strings.Replacer each time). Tests check it against the
// formatter for many values.
type pattern struct {
	posPrefix, posSuffix string
	negPrefix, negSuffix string
	decimal, group       string
	primary, secondary   int // group sizes; 0: no grouping
	minGrouping          int // digits a number needs beyond the first group to be grouped
}

// derive learns the pattern of a formatter for a currency code. It fails
// for locales that write numbers with other digits than ASCII ones.
func derive(base currency.Formatter, code string, display currency.Display) (*pattern, error) {
	f := base
	f.CurrencyDisplay = display
	sample := func(n string, digits uint8) string {
		f.MinDigits, f.MaxDigits = digits, digits
		a, _ := currency.NewAmount(n, code)
		return f.Format(a)
	}
	p := &pattern{}
	one := sample("1", 0)
	if strings.Count(one, "1") != 1 {
		return nil, fmt.Errorf("locale: %s does not write numbers with ASCII digits", base.Locale())
	}
	p.posPrefix, p.posSuffix, _ = strings.Cut(one, "1")
	p.negPrefix, p.negSuffix, _ = strings.Cut(sample("-1", 0), "1")
	half := strings.TrimSuffix(strings.TrimPrefix(sample("0.5", 1), p.posPrefix), p.posSuffix)
	p.decimal = strings.TrimSuffix(strings.TrimPrefix(half, "0"), "5")
	p.learnGrouping(func(n string) string {
		return strings.TrimSuffix(strings.TrimPrefix(sample(n, 0), p.posPrefix), p.posSuffix)
	})
	return p, nil
}

// learnGrouping reads the group separator and sizes from a long number,
// and the minimum grouping digits from the shortest number that is grouped.
func (p *pattern) learnGrouping(body func(string) string) {
	long := body("1234567890123456")
	i := strings.IndexFunc(long, func(r rune) bool { return r < '0' || r > '9' })
	if i < 0 {
		return // no grouping
	}
	j := i + strings.IndexFunc(long[i:], func(r rune) bool { return r >= '0' && r <= '9' })
	p.group = long[i:j]
	groups := strings.Split(long, p.group)
	p.primary = len(groups[len(groups)-1])
	p.secondary = p.primary
	if len(groups) > 2 {
		p.secondary = len(groups[len(groups)-2])
	}
	for n := p.primary + 1; n <= 16; n++ {
		if strings.Contains(body("1"+strings.Repeat("0", n-1)), p.group) {
			p.minGrouping = n - p.primary
			return
		}
	}
}

// format writes d rounded (half away from zero) to places, or with as many
// places as it needs (up to MaxPlaces) when places < 0.
func (p *pattern) format(d decimal.Decimal, places int) string {
	var buf [40]byte
	neg, intPart, frac := digits(d, places, buf[:0])
	var b strings.Builder
	b.Grow(len(intPart) + len(frac) + 24)
	if neg {
		b.WriteString(p.negPrefix)
	} else {
		b.WriteString(p.posPrefix)
	}
	p.writeGrouped(&b, intPart)
	if len(frac) > 0 {
		b.WriteString(p.decimal)
		b.Write(frac)
	}
	if neg {
		b.WriteString(p.negSuffix)
	} else {
		b.WriteString(p.posSuffix)
	}
	return b.String()
}

// digits rounds d half away from zero to places (as needed, up to
// MaxPlaces, when places < 0) and returns its sign and its integer and
// fraction digits, written into buf when they fit. Values of up to 18
// digits (every stored amount) take an integer fast path; the rest go
// through big-number arithmetic.
func digits(d decimal.Decimal, places int, buf []byte) (neg bool, intPart, frac []byte) {
	trim := places < 0
	if trim {
		places = MaxPlaces
	}
	places = min(places, MaxPlaces)
	if coef, scale, ok := smallFixed(d, places); ok {
		neg = coef < 0
		if neg {
			coef = -coef
		}
		s := strconv.AppendInt(buf, coef, 10)
		for len(s) <= scale { // at least one integer digit
			s = append(s, 0)
			copy(s[1:], s)
			s[0] = '0'
		}
		intPart, frac = s[:len(s)-scale], s[len(s)-scale:]
	} else {
		s := d.Round(int32(places)).StringFixed(int32(places))
		neg = strings.HasPrefix(s, "-")
		i, f, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
		intPart, frac = []byte(i), []byte(f)
	}
	if trim {
		frac = bytes.TrimRight(frac, "0")
	}
	if neg && len(bytes.Trim(intPart, "0"))+len(bytes.Trim(frac, "0")) == 0 {
		neg = false // -0.001 rounded to 0.00
	}
	return neg, intPart, frac
}

// pow10 holds powers of ten up to 10^18.
var pow10 = func() [19]int64 {
	var p [19]int64
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// smallFixed returns d rounded to places as an integer coefficient with
// that scale, when it fits an int64.
func smallFixed(d decimal.Decimal, places int) (coef int64, scale int, ok bool) {
	exp := int(d.Exponent())
	if d.NumDigits() > 18 || exp > 0 || -exp > 18 {
		return 0, 0, false
	}
	c := d.CoefficientInt64()
	if scale = -exp; scale > places { // round away the extra digits
		div := pow10[scale-places]
		q, r := c/div, c%div
		if r < 0 {
			r = -r
		}
		if 2*r >= div {
			if c < 0 {
				q--
			} else {
				q++
			}
		}
		return q, places, true
	}
	if places-scale > 18-d.NumDigits() {
		return 0, 0, false
	}
	return c * pow10[places-scale], places, true
}

// writeGrouped writes integer digits with group separators.
func (p *pattern) writeGrouped(b *strings.Builder, digits []byte) {
	n := len(digits)
	if p.primary == 0 || n < p.minGrouping+p.primary {
		b.Write(digits)
		return
	}
	// Cut points from the right: the primary group, then secondary groups.
	first := (n - p.primary) % p.secondary
	if first == 0 {
		first = p.secondary
	}
	b.Write(digits[:first])
	for i := first; i < n-p.primary; i += p.secondary {
		b.WriteString(p.group)
		b.Write(digits[i : i+p.secondary])
	}
	b.WriteString(p.group)
	b.Write(digits[n-p.primary:])
}

// percentAffixes reads the text around the number in the locale's percent
// pattern by formatting a zero.
func percentAffixes(tag language.Tag) (prefix, suffix string) {
	s := message.NewPrinter(tag).Sprint(number.Percent(0))
	for i, r := range s {
		if unicode.IsDigit(r) {
			return s[:i], s[i+utf8.RuneLen(r):]
		}
	}
	return "", "%"
}
