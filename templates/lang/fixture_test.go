package lang

import (
	"context"
	"fmt"
	"testing"
	"time"

	"rapport/model"
	"rapport/templates/locale"
)

// sentAt is when the fixture quote was sent.
var sentAt = time.Date(2026, 11, 20, 14, 30, 0, 0, time.UTC)

// fixtureQuote returns a quote with n lines: line i costs 10·i, the lines
// alternate between tax rates 19 and 7.
func fixtureQuote(n int) (*model.Quote, []model.Line) {
	until := model.Date{Time: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)}
	q := &model.Quote{Meta: model.Meta{ID: "q1", Version: 3}, Number: "Q-2026-0001", Status: "sent",
		ValidUntil: &until, SentAt: &sentAt, Notes: "Thank you!"}
	q.Currency = "EUR"
	total := model.DecInt(0)
	lines := make([]model.Line, n)
	for i := range lines {
		rate := "19"
		if i%2 == 1 {
			rate = "7"
		}
		net := model.DecInt(int64(10 * (i + 1)))
		lines[i] = model.Line{ID: fmt.Sprintf("l%d", i), Position: i + 1, Description: fmt.Sprintf("Item %d", i+1),
			Unit: "pc", Quantity: model.Dec("1.5"), UnitPrice: model.Dec("12.3456"), TaxRate: model.Dec(rate), NetAmount: net}
		total.Decimal = total.Add(net.Decimal)
	}
	q.NetTotal, q.Total, q.DiscountTotal, q.LineCount = total, total, model.DecInt(0), n
	return q, lines
}

// fixtureData returns the data tree of a quote document: the quote with its
// lines, account and contact, also at the top level, plus company.
func fixtureData(n int) map[string]any {
	q, lines := fixtureQuote(n)
	birthday := model.Date{Time: time.Date(1980, 3, 7, 0, 0, 0, 0, time.UTC)}
	contact := Map(&model.Contact{Meta: model.Meta{ID: "c1"}, FirstName: "Ann", LastName: "smith-jones", Title: "",
		Birthday: &birthday, Tags: []string{"vip", "b2b"}, CustomFields: map[string]any{"region": "North"}})
	account := Map(&model.Account{Meta: model.Meta{ID: "a1"}, Name: "Acme GmbH", Website: "https://acme.example"})
	quote := Map(q)
	quote["lines"] = Value(lines)
	quote["account"], quote["contact"] = account, contact
	contact["account"] = account
	return map[string]any{"quote": quote, "account": account, "contact": contact,
		"company": Map(&Company{Name: "Rapport Ltd", IBAN: "DE00 1234"})}
}

// render parses text and renders it as plain text with the locale.
func render(t *testing.T, loc, text string, data map[string]any) (string, error) {
	t.Helper()
	tm, err := ParseText(Config{}, text)
	if err != nil {
		return "", err
	}
	return tm.Text(context.Background(), data, testEnv(loc))
}

// testEnv is an environment in a locale with a fixed "now".
func testEnv(loc string) Env {
	l, err := locale.Get(loc)
	if err != nil {
		panic(err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	return Env{Locale: l, Location: berlin, Now: time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC)}
}
