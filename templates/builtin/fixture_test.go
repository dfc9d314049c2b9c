package builtin

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"strings"
	"testing"
	"time"

	"rapport/model"
	"rapport/templates/lang"
	"rapport/templates/locale"
	"rapport/templates/office"
)

// now is the moment of every test merge.
var now = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// env is the environment of a merge in a built-in's locale.
func env(t testing.TB, tm Template) lang.Env {
	t.Helper()
	l, err := locale.Get(tm.Locale)
	if err != nil {
		t.Fatal(err)
	}
	zone := "Europe/London"
	if strings.HasPrefix(tm.Locale, "ru") {
		zone = "Europe/Moscow"
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	return lang.Env{Locale: l, Location: loc, Now: now}
}

// day returns a date.
func day(y int, m time.Month, d int) *model.Date {
	return &model.Date{Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// people are the company, the user who merges, the account and the
// contact of a language's documents.
type people struct {
	company, user, owner, account, contact map[string]any
	currency                               string
	rates                                  []string // the tax rates lines take in turn
	products                               []string // line descriptions, taken in turn
}

// peopleOf returns the people of English ("en") or Russian ("ru")
// documents. English documents go to a German customer in euros; Russian
// ones to a Moscow company in roubles. Names and products are Latin and
// Cyrillic in both, and one description has characters XML escapes.
func peopleOf(code string) people {
	photo := "photo-1"
	if code == "ru" {
		account := lang.Map(&model.Account{Meta: model.Meta{ID: "a1"}, Name: "ООО «Ромашка»",
			Addresses: []model.Address{{Type: "work", Street: "Ленинградский пр-т, д. 39, стр. 80", City: "Москва", PostalCode: "125167", Country: "Россия"}}})
		contact := lang.Map(&model.Contact{Meta: model.Meta{ID: "c1"}, Title: "Руководитель отдела закупок", FirstName: "Анна", MiddleName: "Сергеевна",
			LastName: "Смирнова", Language: "ru", PhotoID: &photo, Emails: []model.Labeled{{Type: "work", Value: "a.smirnova@romashka.example"}},
			CustomFields: map[string]any{"salutation": "г-жа"}})
		contact["account"] = account
		owner := lang.Map(&model.User{Meta: model.Meta{ID: "u2"}, Name: "Ольга Петрова", Email: "o.petrova@rapport.example"})
		contact["owner"] = owner
		return people{
			company: lang.Map(&lang.Company{Name: "Рапорт", LegalName: "ООО «Рапорт»", Phone: "+7 495 123-45-67", Email: "info@rapport.example",
				Website: "https://rapport.example", TaxID: "7701234567", RegistrationNumber: "1027700132195", BankName: "ПАО Сбербанк",
				IBAN: "40702810938000012345", BIC: "044525225", LogoID: "logo-1",
				Address: model.Address{Street: "ул. Тверская, д. 7, офис 12", City: "Москва", PostalCode: "125009", Country: "Россия"}}),
			user:  lang.Map(&model.User{Meta: model.Meta{ID: "u1"}, Name: "Иван Кузнецов", Email: "i.kuznetsov@rapport.example"}),
			owner: owner, account: account, contact: contact, currency: "RUB", rates: []string{"20", "10", "0"},
			products: []string{"Монтаж оборудования", "Обучение персонала", "Widget <XL> & запчасти", "Сервисное обслуживание", "Лицензия Rapport Pro"},
		}
	}
	account := lang.Map(&model.Account{Meta: model.Meta{ID: "a1"}, Name: "Acme Trading GmbH",
		Addresses: []model.Address{{Type: "work", Street: "Friedrichstraße 123", City: "Berlin", PostalCode: "10117", Country: "Germany"}}})
	contact := lang.Map(&model.Contact{Meta: model.Meta{ID: "c1"}, Title: "Head of Purchasing", FirstName: "Анна", LastName: "Smith-Jones",
		Language: "en", PhotoID: &photo, Emails: []model.Labeled{{Type: "work", Value: "anna.smith@acme.example"}},
		CustomFields: map[string]any{"salutation": "Ms"}})
	contact["account"] = account
	owner := lang.Map(&model.User{Meta: model.Meta{ID: "u2"}, Name: "Oliver Bennett", Email: "o.bennett@northwind.example"})
	contact["owner"] = owner
	return people{
		company: lang.Map(&lang.Company{Name: "Northwind Instruments", LegalName: "Northwind Instruments Ltd", Phone: "+44 117 496 0000",
			Email: "sales@northwind.example", Website: "https://northwind.example", TaxID: "GB123456789", RegistrationNumber: "01234567",
			BankName: "Barclays Bank", IBAN: "GB33 BUKB 2020 1555 5555 55", BIC: "BUKBGB22", LogoID: "logo-1",
			Address: model.Address{Street: "12 Harbour Road", City: "Bristol", PostalCode: "BS1 5TY", Country: "United Kingdom"}}),
		user:  lang.Map(&model.User{Meta: model.Meta{ID: "u1"}, Name: "Emma Clarke", Email: "e.clarke@northwind.example"}),
		owner: owner, account: account, contact: contact, currency: "EUR", rates: []string{"20", "5"},
		products: []string{"Calibration service", "Монтаж оборудования", "Widget <XL> & spare parts", "On-site training day", "Rapport Pro licence"},
	}
}

// lines returns n priced lines: descriptions and tax rates in turn, every
// third line with a 10 % discount.
func (pp people) lines(n int) []model.Line {
	out := make([]model.Line, n)
	for i := range out {
		disc := "0"
		if i%3 == 2 {
			disc = "10"
		}
		out[i] = model.Line{ID: fmt.Sprintf("l%d", i+1), Position: i + 1, Description: fmt.Sprintf("%s %d", pp.products[i%len(pp.products)], i+1),
			Unit: "pc", Quantity: model.DecInt(int64(i%4 + 1)), UnitPrice: model.Dec(fmt.Sprintf("%d.50", 100*(i+1))),
			DiscountPct: model.Dec(disc), TaxRate: model.Dec(pp.rates[i%len(pp.rates)])}
	}
	return out
}

// priced fills a document's pricing from its lines.
func priced(t testing.TB, p *model.Pricing, currency string, lines []model.Line) {
	t.Helper()
	p.Currency, p.Rounding = currency, model.RoundLine
	totals, err := model.Calculate(p, lines)
	if err != nil {
		t.Fatal(err)
	}
	p.ApplyTotals(totals, len(lines))
}

// fixture returns the data of a document for a record of the template's
// type, with n lines for priced documents, and the record's map.
func fixture(t testing.TB, tm Template, n int) (data, record map[string]any) {
	t.Helper()
	pp := peopleOf(tm.Locale[:2])
	data = map[string]any{"company": pp.company, "user": pp.user, "account": pp.account, "contact": pp.contact}
	switch tm.RecordType {
	case "contact":
		return data, pp.contact
	case "quote":
		q := &model.Quote{Meta: model.Meta{ID: "q1"}, Number: "Q-2026-0042", Revision: 1, Status: "sent", ValidUntil: day(2026, 12, 18),
			Notes: tm.Locale[:2] + ": delivery within two weeks of the order."}
		lines := pp.lines(n)
		priced(t, &q.Pricing, pp.currency, lines)
		record = lang.Map(q)
		record["lines"] = lang.Value(lines)
	case "order":
		o := &model.Order{Meta: model.Meta{ID: "o1"}, Number: "SO-2026-0107", Status: "confirmed", OrderDate: day(2026, 11, 19), ExternalRef: "PO-77812"}
		lines := pp.lines(n)
		priced(t, &o.Pricing, pp.currency, lines)
		record = lang.Map(o)
		record["lines"] = lang.Value(lines)
		record["quote"] = lang.Map(&model.Quote{Number: "Q-2026-0042"})
	case "invoice":
		inv := &model.Invoice{Meta: model.Meta{ID: "i1"}, Number: "INV-2026-00093", Kind: model.InvoiceKindInvoice, Status: model.InvoiceIssued,
			IssueDate: day(2026, 11, 20), DueDate: day(2026, 12, 4), PeriodStart: day(2026, 11, 1), PeriodEnd: day(2026, 11, 30),
			PaymentTermsDays: 14, PaymentRef: "RF18 5390 0754 7034"}
		lines := pp.lines(n)
		priced(t, &inv.Pricing, pp.currency, lines)
		invLines := make([]model.InvoiceLine, len(lines))
		for i, l := range lines {
			invLines[i] = model.InvoiceLine{Line: l, SourceType: model.SourceManual}
		}
		record = lang.Map(inv)
		record["lines"] = lang.Value(invLines)
	case "rma":
		record = rmaRecord(pp, n)
	case "request":
		due := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
		record = lang.Map(&model.Request{Meta: model.Meta{ID: "r1", CreatedAt: now.Add(-time.Hour)}, Number: "R-000123",
			Subject: pp.products[1] + " <не работает>", Description: "Line one of the message.\nВторая строка & <b>not bold</b>.",
			Priority: "high", Status: model.RequestNew, FirstResponseDue: &due})
	default:
		t.Fatalf("no fixture for %s", tm.RecordType)
	}
	record["owner"], record["account"], record["contact"] = pp.owner, pp.account, pp.contact
	data[tm.RecordType] = record
	return data, record
}

// rmaRecord is a return of n items with serial numbers, every reason and
// action in turn.
func rmaRecord(pp people, n int) map[string]any {
	r := lang.Map(&model.RMA{Meta: model.Meta{ID: "m1"}, Number: "RMA-2026-000017", Status: model.RMAAuthorised, Carrier: "DHL Express",
		Notes: "Please include the power supply.", AuthorisedAt: &now, LineCount: n})
	lines := make([]any, n)
	for i := range lines {
		l := lang.Map(&model.RMALine{ID: fmt.Sprintf("rl%d", i+1), Position: i + 1, Serial: fmt.Sprintf("SN-%06d", 4711+i), Quantity: 1,
			Reason: model.RMAReasons[i%len(model.RMAReasons)], ReasonText: "", Action: model.RMAActions[i%len(model.RMAActions)]})
		l["product"] = lang.Map(&model.Product{Name: pp.products[i%len(pp.products)], SKU: fmt.Sprintf("NW-%03d", i+1)})
		lines[i] = l
	}
	lines[0].(map[string]any)["reason_text"] = "Шумит"
	r["lines"] = lines
	r["order"] = lang.Map(&model.Order{Number: "SO-2026-0107"})
	r["request"] = lang.Map(&model.Request{Number: "R-000123"})
	return r
}

// render merges one line of template text with the data.
func render(t testing.TB, tm Template, data map[string]any, text string) string {
	t.Helper()
	p, err := lang.ParseText(lang.Config{}, text)
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Text(context.Background(), data, env(t, tm))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// logoPNG is the company's logo.
var logoPNG = func() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 240, 60))
	for x := range 240 {
		for y := range 60 {
			img.Set(x, y, color.RGBA{31, 78, uint8(121 + x/4), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}()

// images serves the logo.
var images = office.ImageFunc(func(_ context.Context, ref string) ([]byte, error) {
	if ref == "logo-1" {
		return logoPNG, nil
	}
	return nil, fmt.Errorf("no picture %s", ref)
})

// merge merges a built-in with data: office documents into a document of
// their format, mail bodies into HTML or text.
func merge(t testing.TB, tm Template, data map[string]any) []byte {
	t.Helper()
	ctx := context.Background()
	switch tm.Format {
	case model.TemplateDOCX, model.TemplateODT:
		d, err := office.Open(bytes.NewReader(tm.Content), int64(len(tm.Content)), office.Config{})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := d.Merge(ctx, &b, data, env(t, tm), images); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	p, err := lang.ParseText(lang.Config{}, string(tm.Content))
	if err != nil {
		t.Fatal(err)
	}
	var out string
	if tm.Format == model.TemplateHTML {
		out, err = p.HTML(ctx, data, env(t, tm))
	} else {
		out, err = p.Text(ctx, data, env(t, tm))
	}
	if err != nil {
		t.Fatal(err)
	}
	return []byte(out)
}

// textParts are the parts of a merged office document that hold its text.
var textParts = []string{"word/header1.xml", "word/document.xml", "word/footer1.xml", "styles.xml", "content.xml"}

// officeText returns the text of a merged office document, a line per
// paragraph and line break, a tab as a tab.
func officeText(t testing.TB, doc []byte) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, name := range textParts {
		f, err := zr.Open(name)
		if err != nil {
			continue
		}
		src, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		xmlText(t, src, &b)
	}
	return b.String()
}

// xmlText writes the text of WordprocessingML or ODF paragraphs.
func xmlText(t testing.TB, src []byte, b *strings.Builder) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(src))
	inText, odt, depth := false, bytes.Contains(src, []byte("opendocument")), 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("merged XML: %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			switch x.Name.Local {
			case "p", "h":
				depth++
			case "t":
				inText = !odt
			case "br", "line-break":
				b.WriteString("\n")
			case "tab":
				b.WriteString("\t")
			case "s":
				b.WriteString(" ")
			}
		case xml.EndElement:
			switch x.Name.Local {
			case "p", "h":
				depth--
				b.WriteString("\n")
			case "t":
				inText = false
			}
		case xml.CharData:
			if inText || odt && depth > 0 {
				b.Write(x)
			}
		}
	}
}
