package lang

import (
	"context"
	"errors"
	"strings"
	"testing"

	"rapport/model"
)

const nbsp = "\u00a0"

func TestLanguage(t *testing.T) {
	cases := []struct {
		name, loc, text, want string
	}{
		{"text", "", "Hello, world", "Hello, world"},
		{"field", "", "Dear {contact.first_name}", "Dear Ann"},
		{"relation", "", "{quote.account.name} = {account.name}", "Acme GmbH = Acme GmbH"},
		{"relation chain", "", "{quote.contact.account.name}", "Acme GmbH"},
		{"index", "", "{quote.lines.1.description}", "Item 2"},
		{"missing field is empty", "", "[{contact.nickname}][{nothing.at.all}][{quote.lines.99.description}]", "[][][]"},
		{"custom field", "", "{contact.custom_fields.region}", "North"},
		{"blanks and no-break spaces in tags", "", "{ contact.first_name\u00a0|\u00a0upper }", "ANN"},
		{"escaped braces", "", "{{contact.first_name}} and a } and }}", "{contact.first_name} and a } and }"},
		{"comment", "", "a{! a note for template authors }b", "ab"},
		{"upper", "", "{contact.first_name | upper}", "ANN"},
		{"lower", "", "{account.name | lower}", "acme gmbh"},
		{"title", "", "{contact.last_name | title}", "Smith-Jones"},
		{"trim", "", "[{\"  x  \" | trim}]", "[x]"},
		{"default", "", "{contact.title | default \"—\"}", "—"},
		{"default keeps values", "", "{contact.first_name | default \"—\"}", "Ann"},
		{"default from field", "", "{contact.title | default contact.first_name | upper}", "ANN"},
		{"join", "", "{contact.tags | join \" / \"}", "vip / b2b"},
		{"list of values", "", "{contact.tags}", "vip, b2b"},
		{"number", "", "{quote.lines.0.quantity | number 2}", "1.50"},
		{"number as needed", "", "{quote.lines.0.unit_price | number}", "12.3456"},
		{"plain decimal", "de-DE", "{quote.lines.0.unit_price}", "12,3456"},
		{"percent", "", "{quote.lines.0.tax_rate | percent}", "19%"},
		{"percent de", "de-DE", "{quote.lines.0.tax_rate | percent 1}", "19,0" + nbsp + "%"},
		{"money from the record's currency", "", "{quote.total | money}", "€280.00"},
		{"money de", "de-DE", "{quote.total | money}", "280,00" + nbsp + "€"},
		{"money ru", "ru-RU", "{quote.total | money \"RUB\"}", "280,00" + nbsp + "₽"},
		{"money explicit", "en-US", "{quote.total | money \"USD\"}", "$280.00"},
		{"money places", "", "{quote.lines.0.unit_price | money 4}", "€12.3456"},
		{"money rounds", "", "{quote.lines.0.unit_price | money}", "€12.35"},
		{"money in a loop takes the quote's currency", "", "{#each quote.lines as line}{line.net_amount | money};{/each}",
			"€10.00;€20.00;€30.00;€40.00;€50.00;€60.00;€70.00;"},
		{"date layout", "", "{quote.valid_until | date \"2 January 2006\"}", "26 November 2026"},
		{"date ru genitive", "ru-RU", "{quote.valid_until | date \"2 January 2006\"}", "26 ноября 2026"},
		{"date default long", "ru-RU", "{quote.valid_until}", "26 ноября 2026 г."},
		{"date style", "de-DE", "{quote.valid_until | date \"medium\"}", "26.11.2026"},
		{"typographic quotes", "en-GB", "{quote.valid_until | date “2 January 2006”} {quote.valid_until | date „short“}",
			"26 November 2026 26/11/2026"},
		{"time in the location", "de-DE", "{quote.sent_at | date \"datetime\"}", "20.11.26 15:30"},
		{"today in the location", "", "{today | date \"2006-01-02\"}", "2027-01-01"},
		{"if", "", "{#if quote.total > 100}big{/if}", "big"},
		{"if false", "", "{#if quote.total > 1000}big{/if}", ""},
		{"else", "", "{#if quote.discount_total > 0}discount{#else}no discount{/if}", "no discount"},
		{"elseif", "", "{#if quote.total < 100}small{#elseif quote.total < 500}medium{#else}large{/if}", "medium"},
		{"else if", "", "{#if false}a{#else if true}b{/if}", "b"},
		{"equality", "", "{#if quote.status = \"sent\"}s{/if}{#if quote.status == \"sent\"}s{/if}{#if quote.status != \"sent\"}x{/if}", "ss"},
		{"numbers compare by value", "", "{#if quote.lines.0.quantity = 1.50}y{/if}{#if quote.lines.0.quantity >= 1.5}y{/if}", "yy"},
		{"dates compare", "", "{#if quote.valid_until < today}expired{#else}valid{/if}", "expired"},
		{"date with a string", "", "{#if quote.valid_until = \"2026-11-26\"}y{/if}", "y"},
		{"strings order", "", "{#if contact.first_name < \"Bob\"}y{/if}", "y"},
		{"empty is neither less nor more", "", "{#if contact.nickname < 5}y{#else}n{/if}", "n"},
		{"and or not", "", "{#if quote.total > 0 and not contact.title}a{/if}{#if false or contact.first_name}b{/if}", "ab"},
		{"parentheses", "", "{#if not (false or true)}x{#else}y{/if}", "y"},
		{"pipe in a condition", "", "{#if (contact.first_name | upper) = \"ANN\"}y{/if}", "y"},
		{"falsy values", "", "{#if quote.discount_total}a{/if}{#if contact.title}b{/if}{#if contact.urls}c{/if}{#if 0}d{/if}{#if \"0\"}e{/if}", "e"},
		{"each as", "", "{#each quote.lines as line}{line.position}{/each}", "1234567"},
		{"each implicit item", "", "{#each quote.lines}{description}|{/each}", "Item 1|Item 2|Item 3|Item 4|Item 5|Item 6|Item 7|"},
		{"implicit item falls back to outer names", "", "{#each quote.lines}{quote.number} {/each}",
			strings.Repeat("Q-2026-0001 ", 7)},
		{"this", "", "{#each contact.tags}<{this}>{/each}", "<vip><b2b>"},
		{"this path", "", "{#each quote.lines}{this.position}{/each}", "1234567"},
		{"loop variables", "", "{#each contact.tags as t}{@index}{@number}{#if @first}F{/if}{#if @last}L{/if}{t};{/each}", "01Fvip;12Lb2b;"},
		{"separators", "", "{#each contact.tags as t}{t}{#if not @last}, {/if}{/each}", "vip, b2b"},
		{"nested loops", "", "{#each contact.tags as a}{#each contact.tags as b}{a}{b}{@index} {/each}{/each}",
			"vipvip0 vipb2b1 b2bvip0 b2bb2b1 "},
		{"empty loop", "", "[{#each contact.urls}x{/each}{#each contact.nothing}y{/each}]", "[]"},
		{"group", "", "{#each quote.lines group \"tax_rate\" as g}{g.key | percent}: {count g.items} {sum g.items \"net_amount\" | money}; {/each}",
			"19%: 4 €160.00; 7%: 3 €120.00; "},
		{"group default name", "", "{#each quote.lines group \"tax_rate\"}{group.key}={#each group.items as l}{l.position}{/each} {/each}",
			"19=1357 7=246 "},
		{"sum", "", "{sum quote.lines \"net_amount\" | money}", "€280.00"},
		{"count", "", "{count quote.lines} {count contact.urls}", "7 0"},
		{"min max", "", "{min quote.lines \"net_amount\"} {max quote.lines \"net_amount\"} {max quote.lines \"description\"}", "10 70 Item 7"},
		{"aggregate in a condition", "", "{#if count quote.lines > 5}many{/if}", "many"},
		{"sum of plain values", "", "{sum contact.nothing}", "0"},
		{"standalone lines", "", "Lines:\n{#each quote.lines as line}\n  {#if line.position <= 2}\n- {line.description}\n  {/if}\n{/each}\nend",
			"Lines:\n- Item 1\n- Item 2\nend"},
		{"inline blocks keep their line", "", "a {#if true}b{/if}\nc", "a b\nc"},
		{"standalone lines with CRLF", "", "a\r\n  {#if true} {! why }\r\nb\r\n{#else}\r\nc\r\n{/if}\r\nd", "a\r\nb\r\nd"},
		{"standalone last line", "", "a\n{#each contact.tags}{/each}", "a\n"},
		{"literals", "", "{12.50} {-3} {\"x\\\"y\"} {true}", "12.5 -3 x\"y true"},
		{"unicode names", "", "{#each contact.tags as элемент}{элемент}{/each}", "vipb2b"},
	}
	data := fixtureData(7)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			loc := c.loc
			if loc == "" {
				loc = "en-US"
			}
			got, err := render(t, loc, c.text, data)
			if err != nil {
				t.Fatalf("%s: %v", c.text, err)
			}
			if got != c.want {
				t.Errorf("%s\n got %q\nwant %q", c.text, got, c.want)
			}
		})
	}
}

func TestToMapData(t *testing.T) {
	// Data from model.ToMap carries decimals and dates as strings; the
	// formatters and comparisons read them.
	q, lines := fixtureQuote(3)
	qm, err := model.ToMap(q)
	if err != nil {
		t.Fatal(err)
	}
	var lm []any
	for _, l := range lines {
		m, _ := model.ToMap(l)
		lm = append(lm, m)
	}
	qm["lines"] = lm
	got, err := render(t, "de-DE", "{quote.total | money} {quote.valid_until | date} {#if quote.total > 50}big{/if} "+
		"{sum quote.lines \"net_amount\" | number 2} {quote.revision}{#each quote.lines group \"tax_rate\"} {group.key}{/each}",
		map[string]any{"quote": qm})
	if err != nil {
		t.Fatal(err)
	}
	if want := "60,00" + nbsp + "€ 26. November 2026 big 60,00 0 19 7"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestMoneyCurrency(t *testing.T) {
	data := map[string]any{"x": map[string]any{"amount": "5"}}
	tm, err := ParseText(Config{}, "{x.amount | money}")
	if err != nil {
		t.Fatal(err)
	}
	env := testEnv("en-US")
	if _, err := tm.Text(context.Background(), data, env); err == nil || !strings.Contains(err.Error(), "column 13: money: no currency") {
		t.Errorf("no currency: %v", err)
	}
	env.Currency = "GBP"
	if got, err := tm.Text(context.Background(), data, env); err != nil || got != "£5.00" {
		t.Errorf("env currency: %q %v", got, err)
	}
}

func TestEvalErrors(t *testing.T) {
	cases := []struct{ text, want string }{
		{"{#each contact.first_name}x{/each}", "column 8: {#each} needs a list; contact.first_name is text"},
		{"{quote.lines}", "column 2: quote.lines is a list of records: repeat over it with {#each}"},
		{"{quote}", "column 2: quote is a record: name one of its fields"},
		{"{contact.first_name | money}", `column 23: money: "Ann" is not a number`},
		{"{contact.first_name | date}", `column 23: date: "Ann" is not a date`},
		{"{#if quote.total > contact.first_name}x{/if}", "column 18: >: cannot compare a number with text"},
		{"{@index}", "column 2: @index outside {#each}"},
		{"{this}", "column 2: this outside {#each}"},
		{"{sum contact.tags}", `column 2: sum: value 1 (vip) is not a number`},
		{"{count contact.first_name}", "column 8: count needs a list; contact.first_name is text"},
		{"{quote.total | number contact.first_name}", "number: the number of decimal places must be"},
		{"{quote.valid_until | date contact.first_name}", `date: "Ann" is not a date layout`},
		{"{min contact.custom_fields.mixed}", "min: cannot compare"},
	}
	data := fixtureData(2)
	data["contact"].(map[string]any)["custom_fields"] = map[string]any{"mixed": []any{"a", 1.0}}
	for _, c := range cases {
		_, err := render(t, "en-US", c.text, data)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.text, err, c.want)
			continue
		}
		if model.ErrorCode(err) != model.EINVALID {
			t.Errorf("%s: code %s", c.text, model.ErrorCode(err))
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ text, want string }{
		{"Dear {contact.first_name", "column 6: the placeholder opened here is not closed with }"},
		{"{a {b}", "column 1: a { opens a placeholder before the one opened here is closed with }"},
		{"{#if x}", "column 1: {#if} is not closed: add {/if}"},
		{"{#each x}{#if y}{/each}", "column 17: {/each} closes the {#if} opened at column 10; close it with {/if} first"},
		{"{/if}", "column 1: {/if} without an opening {#if}"},
		{"{/each}", "{/each} without an opening {#each}"},
		{"{#else}", "column 1: {#else} outside an {#if} block"},
		{"{#each x}{#else}{/each}", "{#else} outside an {#if} block"},
		{"{#if a}{#else}{#elseif b}{/if}", "column 15: {#elseif} after {#else}: the {#else} must come last"},
		{"{x | nope}", "column 6: unknown formatter nope; formatters are date, default, join, lower, money, number, percent, raw, title, trim, upper"},
		{"{x | number \"a\"}", "number: the number of decimal places must be a whole number from 0 to 12"},
		{"{x | number 13}", "the number of decimal places must be"},
		{"{x | date \"hello\"}", `date: "hello" has no date elements`},
		{"{x | date 5}", "date: the layout must be a string"},
		{"{x | money \"EURO\"}", `money: "EURO" is not an ISO 4217 currency code`},
		{"{x | money true}", "money: takes a currency code"},
		{"{x | default}", "default takes 1 argument(s)"},
		{"{x | upper 1}", "upper takes no arguments"},
		{"{x | join 1}", "join: join's separator must be a string"},
		{"{x | }", "column 6: a formatter name must follow |"},
		{"{}", "column 1: empty placeholder {}; write {{ for a literal brace"},
		{"{#foo}", "column 3: unknown block {#foo}"},
		{"{/foo}", "unknown closing tag {/foo}"},
		{"{x y}", `column 4: unexpected "y" in placeholder`},
		{"{@foo}", "unknown @foo"},
		{"{a..b}", `"a..b" is not a field path`},
		{"{a.1b}", `"a.1b" is not a field path`},
		{"{sum}", "expected a field, a number or a string, found end of tag"},
		{"{#each x as}{/each}", "as needs a plain name"},
		{"{#each x as a.b}{/each}", "as needs a plain name"},
		{"{#each x group}{/each}", `group needs a field name in quotes`},
		{"{#each x group \"a..b\"}{/each}", `"a..b" is not a field path`},
		{"{\"abc}", "column 2: the string opened here is not closed"},
		{"{x = }", "expected a field, a number or a string"},
		{"{x ! y}", "unexpected !; write != or not"},
		{"{(x}", "the ( opened here is not closed"},
		{"{x & y}", `unexpected character '&'`},
		{"{-}", `"-" is not a number`},
		{"{1.}", `"1." is not a number`},
		{"{and}", "and is a reserved word"},
		{"Привет {x", "column 8: the placeholder opened here"},
		{"a\nb {x", "line 2, column 3: the placeholder opened here"},
	}
	for _, c := range cases {
		_, err := ParseText(Config{}, c.text)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.text, err, c.want)
			continue
		}
		var le *Error
		if !errors.As(err, &le) || model.ErrorCode(err) != model.EINVALID {
			t.Errorf("%s: %T code %s", c.text, err, model.ErrorCode(err))
		}
	}
}

func TestParseReportsEveryError(t *testing.T) {
	_, err := Parse(Config{},
		Segment{Place: "paragraph 1", Text: "{x | nope} {#if}"},
		Segment{Place: "paragraph 2", Text: "ok {y | upper 2}"},
		Segment{Place: "table 1 row 2 cell 3", Text: "{#each quote.lines}"})
	var es Errors
	if !errors.As(err, &es) || len(es) != 4 {
		t.Fatalf("errors: %v", err)
	}
	want := []string{
		"paragraph 1, column 6: unknown formatter nope",
		"paragraph 1, column 16: expected a field",
		"paragraph 2, column 9: upper takes no arguments",
		"table 1 row 2 cell 3, column 1: {#each} is not closed: add {/each}",
	}
	for i, w := range want {
		if !strings.HasPrefix(es[i].Error(), w) {
			t.Errorf("error %d = %q, want %q…", i, es[i].Error(), w)
		}
	}
	if !strings.HasSuffix(es.Error(), "(and 3 more)") {
		t.Errorf("Errors.Error() = %q", es.Error())
	}
}

func TestNestingLimit(t *testing.T) {
	deep := strings.Repeat("{#if true}", 40) + strings.Repeat("{/if}", 40)
	if _, err := ParseText(Config{}, deep); err == nil || !strings.Contains(err.Error(), "blocks nested deeper than 32 levels") {
		t.Errorf("deep blocks: %v", err)
	}
	if _, err := ParseText(Config{Limits: Limits{MaxDepth: 50}}, deep); err != nil {
		t.Errorf("raised limit: %v", err)
	}
	parens := "{" + strings.Repeat("(", 100) + "x" + strings.Repeat(")", 100) + "}"
	if _, err := ParseText(Config{}, parens); err == nil || !strings.Contains(err.Error(), "nested deeper than 32") {
		t.Errorf("deep parentheses: %v", err)
	}
	nots := "{#if " + strings.Repeat("not ", 100) + "x}{/if}"
	if _, err := ParseText(Config{}, nots); err == nil || !strings.Contains(err.Error(), "nested deeper than 32") {
		t.Errorf("deep not: %v", err)
	}
}

func TestTemplateSizeLimit(t *testing.T) {
	_, err := Parse(Config{Limits: Limits{MaxTemplateBytes: 10}}, Segment{Place: "paragraph 1", Text: "0123456"}, Segment{Text: "789ab"})
	if err == nil || model.ErrorCode(err) != model.ETOOLARGE || !strings.Contains(err.Error(), "paragraph 1, column 1: the template has 12 bytes of text; the limit is 10") {
		t.Errorf("size: %v (%s)", err, model.ErrorCode(err))
	}
}

// image is what a format layer's formatter might return for a picture.
type image struct{ id string }

func (i image) Fallback() string { return "[image " + i.id + "]" }

func TestFormatLayerFormatters(t *testing.T) {
	cfg := Config{Formatters: map[string]*Formatter{
		"image": {MaxArgs: 1, Apply: func(c *Call, v any, args []any) (any, error) {
			id, _ := v.(string)
			return image{id: id + "@" + c.Currency() + "/" + c.Env().Locale.String()}, nil
		}},
	}}
	tm, err := ParseText(cfg, "{quote.id | image 40} {quote.number}")
	if err != nil {
		t.Fatal(err)
	}
	insts, err := tm.Start(context.Background(), fixtureData(1), testEnv("ru")).Expand()
	if err != nil {
		t.Fatal(err)
	}
	chunks := insts[0].Out.Chunks
	if len(chunks) != 3 || chunks[0].Kind != ChunkObject || chunks[0].Object.(image).id != "q1@EUR/ru-RU" ||
		chunks[0].Text != "[image q1@EUR/ru-RU]" || chunks[1].Kind != ChunkText || chunks[2].Kind != ChunkValue {
		t.Errorf("chunks %+v", chunks)
	}
	if errs := tm.Lint(DefaultSchema(), "quote"); len(errs) > 0 {
		t.Error(errs)
	}
	if _, err := ParseText(cfg, "{x | imag}"); err == nil || !strings.Contains(err.Error(), "formatters are date, default, image, join") {
		t.Errorf("unknown formatter: %v", err)
	}
	if _, err := ParseText(Config{}, "{x | image}"); err == nil {
		t.Error("image without the format layer")
	}
}
