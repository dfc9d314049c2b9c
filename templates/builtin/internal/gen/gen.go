// Package gen writes the built-in Word (DOCX) and Writer (ODT) templates
// of templates/builtin. Each document is described once, in both
// languages side by side, as paragraphs and tables of a small style sheet;
// writers for WordprocessingML and ODF turn the description into clean
// files, so both formats have the same look, and every placeholder lies in
// one run, as a person typing it in one go would leave it.
//
// Output is deterministic (fixed zip time stamps, entries in a fixed
// order): templates/builtin's tests check that the committed files match
// it. Run `go generate ./templates/builtin` after a change.
//
// This package may import model and templates/... only.
package gen

import "fmt"

// kinds are the documents, by the first part of their keys.
var kinds = []struct {
	name  string
	title func(language) string
	body  func(language) []block
}{
	{"letter", func(l language) string { return l.t("Letter", "Письмо") }, letterDoc},
	{"welcome", func(l language) string { return l.t("Welcome letter", "Приветственное письмо") }, welcomeDoc},
	{"quote", func(l language) string { return l.t("Quote", "Коммерческое предложение") }, quoteDoc},
	{"order", func(l language) string { return l.t("Order confirmation", "Подтверждение заказа") }, orderDoc},
	{"invoice", func(l language) string { return l.t("Invoice", "Счёт на оплату") }, invoiceDoc},
	{"rma", func(l language) string {
		return l.t("Return authorisation", "Разрешение на возврат")
	}, rmaDoc},
}

// docs returns every document.
func docs() []*doc {
	var out []*doc
	for _, k := range kinds {
		for _, l := range languages {
			out = append(out, &doc{key: k.name + "-" + l.code, title: k.title(l), lang: l,
				header: letterhead(l), footer: footer(l), body: k.body(l)})
		}
	}
	return out
}

// Files returns the built-in office templates by file name
// ("quote-en.docx", "quote-en.odt").
func Files() (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, d := range docs() {
		for ext, write := range map[string]func(*doc) ([]byte, error){"docx": docx, "odt": odt} {
			data, err := write(d)
			if err != nil {
				return nil, fmt.Errorf("%s.%s: %w", d.key, ext, err)
			}
			out[d.key+"."+ext] = data
		}
	}
	return out, nil
}
