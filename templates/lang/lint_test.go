package lang

import (
	"strings"
	"testing"
	"time"

	"rapport/model"
)

func TestLint(t *testing.T) {
	cases := []struct{ entity, text, want string }{
		{"contact", "{contact.frist_name}", "column 2: unknown field contact.frist_name; did you mean contact.first_name?"},
		{"contact", "{contcat.first_name}", "column 2: unknown field contcat; did you mean contact?"},
		{"contact", "{contact.account.nmae}", "unknown field contact.account.nmae; did you mean contact.account.name?"},
		{"contact", "{contact.xyzzy}", "unknown field contact.xyzzy"},
		{"contact", "{quote.total}", "unknown field quote"},
		{"quote", "{quote.lines.description}", "quote.lines is a list: repeat over it with {#each quote.lines} or pick an item such as quote.lines.0"},
		{"quote", "{quote.total.amount}", "quote.total is a number and has no field amount"},
		{"quote", "{#each quote.lines as line}{line.net_amont}{/each}", "unknown field line.net_amont; did you mean line.net_amount?"},
		{"quote", "{#each quote.lines}{descriptoin}{/each}", "unknown field descriptoin; did you mean description?"},
		{"quote", "{#each quote.lines}{this.unti}{/each}", "unknown field this.unti; did you mean this.unit?"},
		{"quote", "{#each quote.lines as line}{lien.position}{/each}", "unknown field lien; did you mean line?"},
		{"quote", "{sum quote.lines \"net_amont\"}", "sum quote.lines: unknown field net_amont; did you mean net_amount?"},
		{"quote", "{sum quote.lines \"description\"}", "sum needs numbers; the items' description is text"},
		{"quote", "{#each quote.lines group \"tax_rat\"}{/each}", "group quote.lines: unknown field tax_rat; did you mean tax_rate?"},
		{"quote", "{#each quote.lines group \"tax_rate\"}{group.kye}{/each}", "unknown field group.kye; did you mean group.key?"},
		{"quote", "{count quote.number}", "count needs a list; quote.number is text"},
		{"quote", "{#each quote.total}{/each}", "{#each} needs a list; quote.total is a number"},
		{"quote", "{quote}", "quote is a record: name one of its fields"},
		{"quote", "{quote.lines}", "quote.lines is a list of records: repeat over it with {#each quote.lines}"},
		{"quote", "{quote.number | money}", "column 17: money needs a number; quote.number is text"},
		{"quote", "{quote.total | date}", "date needs a date; quote.total is a number"},
		{"quote", "{quote.number | upper | number}", "number needs a number; quote.number is text"},
		{"quote", "{#if quote.lines > 3}x{/if}", "quote.lines is a list of records and cannot be compared; compare one of its fields or its count"},
		{"quote", "{@index}", "@index outside {#each}"},
		{"quote", "{this}", "this outside {#each}"},
		{"quote", "{#if quote.total > 0}{quote.totl}{/if}", "unknown field quote.totl; did you mean quote.total?"},
		{"quote", "{quote.total | default quote.totl}", "unknown field quote.totl"},
		{"nosuch", "x", "no record type"},
	}
	for _, c := range cases {
		errs := LintSource(Config{}, DefaultSchema(), c.entity, Segment{Text: c.text})
		if len(errs) == 0 || !strings.Contains(errs[0].Error(), c.want) {
			t.Errorf("%s %s: %v, want %q", c.entity, c.text, errs, c.want)
		}
	}
}

func TestLintAccepts(t *testing.T) {
	good := map[string][]string{
		"quote": {
			"{quote.number} {quote.total | money} {quote.valid_until | date \"2 January 2006\"} {quote.sent_at | date}",
			"{account.name} {contact.first_name} {quote.account.name} {quote.contact.account.name} {quote.owner.name}",
			"{#each quote.lines as line}{line.position} {line.product.name} {line.net_amount | money} {@number}{/each}",
			"{#each quote.lines}{description} {quote.currency} {this.unit}{/each}",
			"{#each quote.lines group \"tax_rate\" as g}{g.key | percent} {sum g.items \"net_amount\" | money}" +
				"{#each g.items as l}{l.description}{/each}{/each}",
			"{#each quote.lines group \"product.name\"}{group.key}{/each}",
			"{count quote.lines} {max quote.lines \"net_amount\" | money} {quote.lines.0.description}",
			"{contact.custom_fields.anything.at.all} {contact.emails.0.value} {#each contact.emails as e}{e.type}{/each}",
			"{company.name} {company.iban} {company.address.city} {user.name} {today | date} {contact.tags | join}",
			"{#if quote.discount_total > 0 and not (quote.status = \"draft\")}{quote.discount_total | money}{/if}",
			"{#if count quote.lines > 1}{count quote.lines}{/if}",
		},
		"invoice": {"{invoice.number} {#each invoice.lines as l}{l.source_type} {l.net_amount | money}{/each} {invoice.due_date | date}"},
		"rma":     {"{rma.number} {#each rma.lines}{serial} {product.name}{/each} {rma.request.subject}"},
		"request": {"{request.subject} {request.assignee.name} {contact.display_name} {request.product.sku}"},
		"contact": {"{contact.display_name} {account.name} {contact.birthday | date \"2 January\"}"},
		"":        {"{contact.first_name} {quote.number} {invoice.number} {order.number} {rma.number} {request.number}"},
	}
	for entity, texts := range good {
		for _, text := range texts {
			if errs := LintSource(Config{}, DefaultSchema(), entity, Segment{Text: text}); len(errs) > 0 {
				t.Errorf("%s %s: %v", entity, text, errs)
			}
		}
	}
}

func TestLintPlacesAndParseErrors(t *testing.T) {
	errs := LintSource(Config{}, DefaultSchema(), "quote",
		Segment{Place: "paragraph 2", Text: "{#each quote.lines as line}"},
		Segment{Place: "table 1 row 2 cell 3", Text: "{line.frist}"},
		Segment{Place: "paragraph 4", Text: "{/each}{line.position}"})
	if len(errs) != 2 || errs[0].Error() != "table 1 row 2 cell 3, column 2: unknown field line.frist" ||
		errs[1].Error() != "paragraph 4, column 9: unknown field line; did you mean lines?" && !strings.HasPrefix(errs[1].Error(), "paragraph 4, column 9: unknown field line") {
		t.Errorf("errors: %v", errs)
	}
	errs = LintSource(Config{}, DefaultSchema(), "quote", Segment{Place: "paragraph 1", Text: "{#if x}"})
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "is not closed") || model.ErrorCode(errs) != model.EINVALID {
		t.Errorf("parse errors: %v", errs)
	}
}

func TestSchemaFromModel(t *testing.T) {
	s := DefaultSchema()
	kinds := map[string]Kind{
		"quote.id": KindText, "quote.version": KindNumber, "quote.created_at": KindTime, "quote.total": KindNumber,
		"quote.valid_until": KindDate, "quote.currency": KindText, "quote.lines": KindList, "quote.account": KindRecord,
		"line.net_amount": KindNumber, "line.product": KindRecord, "invoice_line.source_type": KindText,
		"invoice_line.net_amount": KindNumber, "contact.tags": KindList, "contact.custom_fields": KindAny,
		"contact.dav": KindRecord, "contact.emails": KindList, "user.email": KindText, "company.address": KindRecord,
		"request.sla_breached": KindBool, "rma.lines": KindList,
	}
	for path, want := range kinds {
		rec, field, _ := strings.Cut(path, ".")
		f, ok := s.Records[rec].Fields[field]
		if !ok || f.Kind != want {
			t.Errorf("%s: %v %v, want kind %v", path, ok, f, want)
		}
	}
	for _, hidden := range []string{"line.DocID", "line.doc_id", "user.password_hash", "user.PasswordHash", "contact.sort_name", "contact.SortName"} {
		rec, field, _ := strings.Cut(hidden, ".")
		if _, ok := s.Records[rec].Fields[field]; ok {
			t.Errorf("%s is in the schema", hidden)
		}
	}
	if s.Records["quote"].Fields["lines"].Elem != s.Records["line"] {
		t.Error("quote.lines is not a list of lines")
	}
	roots, _ := s.Roots("quote")
	for _, name := range []string{"quote", "account", "contact", "company", "today", "user"} {
		if roots[name] == nil {
			t.Errorf("quote documents lack %s", name)
		}
	}
	if roots["owner"] != nil || roots["lines"] != nil {
		t.Error("owner and lines are not top-level names")
	}
}

func TestValue(t *testing.T) {
	q, lines := fixtureQuote(1)
	m := Map(q)
	if _, ok := m["total"].(model.Decimal); !ok {
		t.Errorf("total is %T", m["total"])
	}
	if _, ok := m["valid_until"].(model.Date); !ok {
		t.Errorf("valid_until is %T", m["valid_until"])
	}
	if _, ok := m["sent_at"].(time.Time); !ok {
		t.Errorf("sent_at is %T", m["sent_at"])
	}
	if m["id"] != "q1" || m["version"] != int64(3) || m["currency"] != "EUR" {
		t.Errorf("meta and pricing fields: %v %v %v", m["id"], m["version"], m["currency"])
	}
	if v, ok := m["account_id"]; !ok || v != nil {
		t.Errorf("nil pointer field: %v %v", v, ok)
	}
	l := Map(&model.InvoiceLine{Line: lines[0], SourceType: "manual"})
	if l["description"] != "Item 1" || l["source_type"] != "manual" {
		t.Errorf("embedded line: %v", l)
	}
	if _, ok := l["DocID"]; ok {
		t.Error("json:\"-\" field present")
	}
	if Value((*model.Quote)(nil)) != nil || Value(nil) != nil {
		t.Error("nil values")
	}
	raw := Value(model.RawJSON(`{"a":[1,"x"]}`))
	if rm, ok := raw.(map[string]any); !ok || rm["a"].([]any)[1] != "x" {
		t.Errorf("json marshaler: %#v", raw)
	}
	if got := Value([]byte("bytes")); got != "bytes" {
		t.Errorf("bytes: %v", got)
	}
	if got := Value(map[int]string{1: "x"}); got != nil {
		t.Errorf("int-keyed map: %v", got)
	}
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	if Value(cyclic) == nil {
		t.Error("a cyclic map")
	}
	if got := len(Map(42)); got != 0 {
		t.Errorf("Map of a number: %d keys", got)
	}
}
