package builtin

import (
	"bytes"
	"context"
	"html"
	"strings"
	"testing"

	"rapport/model"
	"rapport/templates/office"
)

// lineCount is how many lines the priced documents and returns of the
// tests have: the quote is long enough to run onto a second page.
func lineCount(tm Template) int {
	if tm.RecordType == "quote" {
		return 40
	}
	return 7
}

// pick returns the English or the Russian text for a template.
func pick(tm Template, en, ru string) string {
	if strings.HasPrefix(tm.Locale, "ru") {
		return ru
	}
	return en
}

// expected returns the texts a merged built-in must show, each rendered
// with the same data (so money and dates are formatted as the merge
// formats them), and the rows of its line table: a description and its
// amount, which must stand on one line of a PDF.
func expected(t testing.TB, tm Template, data map[string]any) (want []string, rows [][]string) {
	t.Helper()
	r := func(texts ...string) {
		for _, s := range texts {
			want = append(want, render(t, tm, data, s))
		}
	}
	r("{company.name}")
	switch tm.RecordType {
	case "contact":
		r(pick(tm, "Dear Ms Smith-Jones,", "Уважаемая Анна Сергеевна!"), "{today | date}", "{account.name}",
			pick(tm, "Friedrichstraße 123\nBerlin 10117\nGermany", "Ленинградский пр-т, д. 39, стр. 80\nМосква\n125167\nРоссия"),
			pick(tm, "Ms Анна Smith-Jones\nHead of Purchasing", "Смирнова Анна Сергеевна\nРуководитель отдела закупок"))
		if strings.HasPrefix(tm.Key, "welcome") {
			r(pick(tm, "Welcome to {company.name}", "Добро пожаловать!"), "{contact.owner.name}", "{contact.emails.0.value}")
		} else {
			r(pick(tm, "Yours sincerely,", "С уважением,"), "{user.name}")
		}
		return want, nil
	case "request":
		r("[{request.number}]", "{request.subject}", pick(tm, "High", "Высокий"), "Line one of the message.",
			`{request.first_response_due | date "2 January 2006, 15:04"}`)
		return want, nil
	case "rma":
		r(pick(tm, "Return authorisation {rma.number}", "Разрешение на возврат № {rma.number}"),
			pick(tm, "Defective:", "Неисправность:"), "Шумит",
			pick(tm, "Replacement", "Замена"), pick(tm, "Returns department", "Отдел возвратов"), "DHL Express", "{rma.notes}")
		rows = linesOf(t, tm, data, "{line.product.name}\t{line.serial}")
		return want, rows
	}
	rec := tm.RecordType
	r("{"+rec+".number}", "{"+rec+".total | money}", "{"+rec+".net_total | money}", "{"+rec+".discount_total | money}")
	taxes := render(t, tm, data, `{#each `+rec+`.lines group "tax_rate" as g}{sum g.items "tax_amount" | money}`+"\n{/each}")
	want = append(want, strings.Split(strings.TrimSuffix(taxes, "\n"), "\n")...)
	switch rec {
	case "quote":
		r(pick(tm, "Quote {quote.number}", "Коммерческое предложение № {quote.number}"), "{quote.valid_until | date}", "{quote.notes}")
	case "order":
		r(pick(tm, "Order confirmation {order.number}", "Подтверждение заказа № {order.number}"), "{order.external_ref}", "{order.quote.number}")
	case "invoice":
		r(pick(tm, "Invoice {invoice.number}", "Счёт на оплату № {invoice.number} от {invoice.issue_date | date}"),
			"{invoice.due_date | date}", "{company.iban}", "{company.bic}",
			pick(tm, "Amount due", "Всего наименований {count invoice.lines}, на сумму {invoice.total | money}."))
	}
	return want, linesOf(t, tm, data, "{line.description}\t{line.net_amount | money}")
}

// linesOf renders each line of the record with a row template (cells
// separated by tabs).
func linesOf(t testing.TB, tm Template, data map[string]any, cells string) [][]string {
	t.Helper()
	text := render(t, tm, data, "{#each "+tm.RecordType+".lines as line}"+cells+"\n{/each}")
	var rows [][]string
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		rows = append(rows, strings.Split(l, "\t"))
	}
	return rows
}

// mergedText merges a built-in and returns its text: the paragraphs of an
// office document, or the mail body (HTML unescaped).
func mergedText(t testing.TB, tm Template, data map[string]any) string {
	t.Helper()
	out := merge(t, tm, data)
	switch tm.Format {
	case model.TemplateDOCX, model.TemplateODT:
		return officeText(t, out)
	case model.TemplateHTML:
		if strings.Contains(string(out), "<b>not bold</b>") {
			t.Error("the request's description is not escaped")
		}
		return html.UnescapeString(string(out))
	}
	return string(out)
}

// TestMerge merges every built-in with realistic data — a quote of 40
// lines, Cyrillic names and products, euros and roubles — and checks that
// every line, the totals, names, dates and addresses show, and that no tag
// is left over.
func TestMerge(t *testing.T) {
	for _, tm := range All() {
		t.Run(tm.Key, func(t *testing.T) { checkMerge(t, tm) })
	}
}

// checkMerge merges a template with the test data and checks the text.
func checkMerge(t *testing.T, tm Template) {
	t.Helper()
	data, _ := fixture(t, tm, lineCount(tm))
	text := mergedText(t, tm, data)
	want, rows := expected(t, tm, data)
	for _, row := range rows {
		want = append(want, row...)
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("the merged document lacks %q", w)
		}
	}
	if strings.ContainsAny(text, "{}") {
		t.Errorf("a tag is left over")
	}
	if t.Failed() {
		t.Logf("merged text:\n%s", text)
	}
}

// TestMergeDropsEmptyParts merges documents whose optional parts are empty
// — no discount, notes, validity, form of address or address; a credit
// note — and
// checks that their rows, paragraphs and words are gone.
func TestMergeDropsEmptyParts(t *testing.T) {
	for _, tm := range All() {
		if tm.RecordType != "quote" && tm.RecordType != "invoice" {
			continue
		}
		t.Run(tm.Key, func(t *testing.T) {
			data, rec := fixture(t, tm, 3)
			for _, l := range rec["lines"].([]any) {
				l.(map[string]any)["discount_percent"] = model.DecInt(0)
			}
			rec["discount_total"], rec["notes"], rec["valid_until"] = model.DecInt(0), "", nil
			rec["kind"] = model.InvoiceKindCredit
			data["contact"].(map[string]any)["custom_fields"] = map[string]any{}
			data["account"].(map[string]any)["addresses"] = []any{}
			text := mergedText(t, tm, data)
			gone := []string{pick(tm, "Subtotal", "Сумма без скидки"), pick(tm, "Valid until", "Действует до"), pick(tm, "valid until", "действительно до"), "delivery within two weeks",
				pick(tm, "Payment details", "Оплатить не позднее"), "Friedrichstraße", "Ленинградский"}
			for _, g := range gone {
				if strings.Contains(text, g) {
					t.Errorf("the merged document still shows %q", g)
				}
			}
			want := []string{pick(tm, "Dear Анна,", "Здравствуйте, Анна Сергеевна!")}
			if tm.RecordType == "invoice" {
				want = []string{pick(tm, "Credit note INV-2026-00093", "Кредит-нота № INV-2026-00093")}
			}
			for _, w := range want {
				if !strings.Contains(text, w) {
					t.Errorf("the merged document lacks %q", w)
				}
			}
			if t.Failed() {
				t.Logf("merged text:\n%s", text)
			}
		})
	}
}

// TestMergeCombined merges the letters of a mailing into one Word and one
// Writer document each: every contact gets a letter of their own.
func TestMergeCombined(t *testing.T) {
	for _, tm := range All() {
		if tm.RecordType != "contact" {
			continue
		}
		t.Run(tm.Key, func(t *testing.T) {
			d, err := office.Open(bytes.NewReader(tm.Content), int64(len(tm.Content)), office.Config{})
			if err != nil {
				t.Fatal(err)
			}
			names := []string{"Анна", "Boris", "Вера"}
			records := func(yield func(office.Record, error) bool) {
				for _, name := range names {
					data, _ := fixture(t, tm, 0)
					contact := data["contact"].(map[string]any)
					contact["first_name"], contact["custom_fields"] = name, map[string]any{}
					if !yield(office.Record{Data: data, Env: env(t, tm)}, nil) {
						return
					}
				}
			}
			var b bytes.Buffer
			if err := d.MergeCombined(context.Background(), &b, records, images); err != nil {
				t.Fatal(err)
			}
			text := officeText(t, b.Bytes())
			for _, name := range names {
				if want := pick(tm, "Dear "+name+",", "Здравствуйте, "+name+" Сергеевна!"); strings.Count(text, want) != 1 {
					t.Errorf("%q shows %d times", want, strings.Count(text, want))
				}
			}
		})
	}
}

// TestSalutations checks the letters' salutation and close for each form
// of address: by name with the gender the form tells, by first name, and
// to nobody in particular.
func TestSalutations(t *testing.T) {
	cases := []struct {
		key, form, first, last string
		want                   []string
	}{
		{"letter-en", "Mr", "Ivan", "Petrov", []string{"Dear Mr Petrov,", "Yours sincerely,"}},
		{"letter-en", "", "Ivan", "Petrov", []string{"Dear Ivan,", "Yours sincerely,"}},
		{"letter-en", "", "", "Petrov", []string{"Dear Sir or Madam,", "Yours faithfully,"}},
		{"letter-ru.odt", "Г-н", "Иван", "Петров", []string{"Уважаемый Иван!"}},
		{"letter-ru", "mrs", "Анна", "Петрова", []string{"Уважаемая Анна!"}},
		{"letter-ru", "Dr", "Анна", "Петрова", []string{"Здравствуйте, Анна!"}},
		{"letter-ru", "г-жа", "", "Петрова", []string{"Здравствуйте!", "С уважением,"}},
	}
	for _, c := range cases {
		tm, _ := Get(c.key)
		data, _ := fixture(t, tm, 0)
		contact := data["contact"].(map[string]any)
		contact["first_name"], contact["last_name"], contact["middle_name"] = c.first, c.last, ""
		contact["custom_fields"] = map[string]any{"salutation": c.form}
		text := mergedText(t, tm, data)
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s %q %q %q: no %q", c.key, c.form, c.first, c.last, w)
			}
		}
	}
}
