package console

import (
	"html/template"
	"strings"
	"time"

	"rapport/model"
)

// funcs are the helpers templates call besides the view's methods.
var funcs = template.FuncMap{
	"about":    aboutOf,
	"initials": initials,
	"addrLine": addrLine,
	"weblink":  weblink,
	"date":     func(t time.Time) model.Date { return model.Date{Time: t} },
	"ptrTo":    func(s string) *string { return &s },
	"idOf":     deref,
	// highlighted trusts a search snippet: the store escapes the text and
	// adds only <mark> around matches (model.KBHit).
	"highlighted": func(s string) template.HTML { return template.HTML(s) }, //nolint:gosec // escaped by the store
}

// weblink makes a stored web address a link: "example.com" gets https://;
// anything but http(s) is left to html/template, which defuses it.
func weblink(s string) string {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, ":") {
		return "https://" + s
	}
	return s
}

// about names the contact and account a line is about, for the "about"
// template: links to their 360° views.
type about struct {
	Page    *page
	Contact *model.Contact
	Account *model.Account
}

// aboutOf builds an about from a contact id and an account id (*string or
// nil) and the page's names.
func aboutOf(p *page, contactID, accountID any, n *names) about {
	a := about{Page: p}
	if n == nil {
		return a
	}
	if id, ok := contactID.(*string); ok {
		a.Contact = n.Contact(id)
	}
	if id, ok := accountID.(*string); ok {
		a.Account = n.Account(id)
	}
	return a
}

// initials are the first letters of up to two words of a name, for an
// avatar: "Иван Сидоров" → "ИС".
func initials(name string) string {
	var b strings.Builder
	for i, w := range strings.Fields(name) {
		if i == 2 {
			break
		}
		for _, r := range w {
			b.WriteRune(r)
			break
		}
	}
	return strings.ToUpper(b.String())
}

// addrLine writes a postal address on one line, skipping empty parts.
func addrLine(a model.Address) string {
	var parts []string
	for _, p := range []string{a.Street, strings.TrimSpace(a.PostalCode + " " + a.City), a.Region, a.Country} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}
