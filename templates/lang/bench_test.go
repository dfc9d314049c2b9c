package lang

import (
	"context"
	"testing"
)

// quoteDocument is the text of a two-page quote as a DOCX layer hands it
// over: paragraphs, and a table whose second row repeats per line.
var quoteDocument = []string{
	"{company.name}", "{company.address.street}, {company.address.postal_code} {company.address.city}",
	"{account.name}", "{contact.first_name} {contact.last_name}", "Quote {quote.number}",
	"Date: {today | date}", "Valid until: {quote.valid_until | date \"long\"}",
	"Dear {contact.first_name | default \"Sir or Madam\"},",
	"Thank you for your enquiry. We are pleased to offer the following.",
	"Pos", "Description", "Quantity", "Unit price", "Tax", "Net",
	"{#each quote.lines as line}{line.position}", "{line.description}", "{line.quantity | number} {line.unit}",
	"{line.unit_price | money}", "{line.tax_rate | percent}", "{line.net_amount | money}{/each}",
	"Subtotal", "{quote.subtotal | money}",
	"{#if quote.discount_total > 0}Discount {quote.discount_total | money}{/if}",
	"{#each quote.lines group \"tax_rate\" as g}", "Tax {g.key | percent} on {sum g.items \"net_amount\" | money}", "{/each}",
	"Total", "{quote.total | money}",
	"{#if quote.notes}", "{quote.notes}", "{/if}",
	"Kind regards", "{user.name}", "{company.name} · IBAN {company.iban}",
}

func quoteSegments() []Segment {
	segs := make([]Segment, len(quoteDocument))
	for i, t := range quoteDocument {
		segs[i] = Segment{Place: "paragraph", Text: t}
	}
	return segs
}

// BenchmarkQuoteParseEval parses and evaluates a 50-line quote in ru-RU.
func BenchmarkQuoteParseEval(b *testing.B) {
	segs, data, env := quoteSegments(), fixtureData(50), testEnv("ru-RU")
	b.ReportAllocs()
	for b.Loop() {
		tm, err := Parse(Config{}, segs...)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tm.Start(context.Background(), data, env).Expand(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQuoteParse parses the quote (done once per template in a bulk
// merge).
func BenchmarkQuoteParse(b *testing.B) {
	segs := quoteSegments()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(Config{}, segs...); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQuoteEval evaluates a parsed 50-line quote (a bulk merge parses
// once).
func BenchmarkQuoteEval(b *testing.B) {
	data, env := fixtureData(50), testEnv("de-DE")
	tm, err := Parse(Config{}, quoteSegments()...)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tm.Start(context.Background(), data, env).Expand(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMailHTML renders a short HTML mail body.
func BenchmarkMailHTML(b *testing.B) {
	data, env := fixtureData(5), testEnv("en-GB")
	tm, err := ParseText(Config{}, `<p>Dear {contact.first_name},</p><p>your quote <a href="https://x/q/{quote.id}">{quote.number}</a>`+
		` of {quote.total | money} is valid until {quote.valid_until | date}.</p><ul>{#each quote.lines as l}<li>{l.description}</li>{/each}</ul>`)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tm.HTML(context.Background(), data, env); err != nil {
			b.Fatal(err)
		}
	}
}

func TestQuoteDocumentLints(t *testing.T) {
	if errs := LintSource(Config{}, DefaultSchema(), "quote", quoteSegments()...); len(errs) > 0 {
		t.Fatal(errs)
	}
}
