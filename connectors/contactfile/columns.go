package contactfile

import (
	"strings"

	"rapport/model"
)

// column is one CSV/XLSX column: its canonical (JSON) name, the header names
// Excel, Outlook, Google and Russian-language exports use, and how it reads
// from and writes to a contact.
type column struct {
	name    string
	aliases []string
	set     func(c *model.Contact, v string)
	get     func(c *model.Contact) string
}

// companyColumn is resolved to an account by the caller, not stored on the contact.
const companyColumn = "company"

var columns = []column{
	{"first_name", []string{"first name", "given name", "имя"}, func(c *model.Contact, v string) { c.FirstName = v }, func(c *model.Contact) string { return c.FirstName }},
	{"middle_name", []string{"middle name", "additional name", "отчество"}, func(c *model.Contact, v string) { c.MiddleName = v }, func(c *model.Contact) string { return c.MiddleName }},
	{"last_name", []string{"last name", "family name", "surname", "фамилия"}, func(c *model.Contact, v string) { c.LastName = v }, func(c *model.Contact) string { return c.LastName }},
	{"display_name", []string{"name", "full name", "display name", "фио", "полное имя"}, func(c *model.Contact, v string) { c.DisplayName = v }, func(c *model.Contact) string { return c.DisplayName }},
	{"title", []string{"job title", "position", "должность"}, func(c *model.Contact, v string) { c.Title = v }, func(c *model.Contact) string { return c.Title }},
	{companyColumn, []string{"organization", "organisation", "company name", "организация", "компания"}, nil, nil},
	{"email", []string{"e-mail", "e-mail address", "email address", "e-mail 1 - value", "электронная почта", "эл. почта"}, addEmail, func(c *model.Contact) string { return first(c.Emails) }},
	{"email2", []string{"e-mail 2 address", "e-mail 2 - value"}, addEmail, nil},
	{"phone", []string{"telephone", "business phone", "phone 1 - value", "телефон", "рабочий телефон"}, addPhone("work"), func(c *model.Contact) string { return first(c.Phones) }},
	{"mobile", []string{"mobile phone", "cell", "мобильный", "мобильный телефон"}, addPhone("mobile"), nil},
	{"home_phone", []string{"home phone", "домашний телефон"}, addPhone("home"), nil},
	{"emails", nil, setLabeled(func(c *model.Contact) *[]model.Labeled { return &c.Emails }), func(c *model.Contact) string { return joinLabeled(c.Emails) }},
	{"phones", nil, setLabeled(func(c *model.Contact) *[]model.Labeled { return &c.Phones }), func(c *model.Contact) string { return joinLabeled(c.Phones) }},
	{"tags", []string{"categories", "labels", "group membership", "теги", "категории"}, setTags, func(c *model.Contact) string { return strings.Join(c.Tags, "; ") }},
	{"notes", []string{"note", "comments", "заметки", "примечания"}, func(c *model.Contact, v string) { c.Notes = v }, func(c *model.Contact) string { return c.Notes }},
	{"birthday", []string{"date of birth", "день рождения", "дата рождения"}, func(c *model.Contact, v string) { c.Birthday = parseBirthday(v) }, func(c *model.Contact) string { return dateString(c.Birthday) }},
	{"language", []string{"язык"}, func(c *model.Contact, v string) { c.Language = v }, func(c *model.Contact) string { return c.Language }},
	{"street", []string{"business street", "address", "street address", "улица", "адрес"}, setAddr(func(a *model.Address, v string) { a.Street = v }), getAddr(func(a model.Address) string { return a.Street })},
	{"city", []string{"business city", "город"}, setAddr(func(a *model.Address, v string) { a.City = v }), getAddr(func(a model.Address) string { return a.City })},
	{"region", []string{"business state", "state", "регион", "область"}, setAddr(func(a *model.Address, v string) { a.Region = v }), getAddr(func(a model.Address) string { return a.Region })},
	{"postal_code", []string{"business postal code", "zip", "postal code", "индекс"}, setAddr(func(a *model.Address, v string) { a.PostalCode = v }), getAddr(func(a model.Address) string { return a.PostalCode })},
	{"country", []string{"business country/region", "country/region", "страна"}, setAddr(func(a *model.Address, v string) { a.Country = v }), getAddr(func(a model.Address) string { return a.Country })},
}

// lookupColumn finds a column by header text, case-insensitively.
func lookupColumn(header string) (column, bool) {
	h := strings.ToLower(strings.TrimSpace(header))
	for _, c := range columns {
		if h == c.name {
			return c, true
		}
		for _, a := range c.aliases {
			if h == a {
				return c, true
			}
		}
	}
	return column{}, false
}

// exportColumns are the columns written by WriteCSV and WriteXLSX.
func exportColumns() []column {
	var out []column
	for _, c := range columns {
		if c.get != nil || c.name == companyColumn {
			out = append(out, c)
		}
	}
	return out
}

func addEmail(c *model.Contact, v string) {
	c.Emails = append(c.Emails, model.Labeled{Type: "work", Value: v})
}

func addPhone(kind string) func(*model.Contact, string) {
	return func(c *model.Contact, v string) { c.Phones = append(c.Phones, model.Labeled{Type: kind, Value: v}) }
}

// setLabeled parses "type:value; type:value" (what WriteCSV writes).
func setLabeled(list func(*model.Contact) *[]model.Labeled) func(*model.Contact, string) {
	return func(c *model.Contact, v string) {
		for _, part := range strings.Split(v, ";") {
			typ, val, ok := strings.Cut(strings.TrimSpace(part), ":")
			if !ok || strings.Contains(typ, "@") {
				typ, val = "work", strings.TrimSpace(part)
			}
			if val = strings.TrimSpace(val); val != "" && !containsValue(*list(c), val) {
				*list(c) = append(*list(c), model.Labeled{Type: strings.TrimSpace(typ), Value: val})
			}
		}
	}
}

func containsValue(list []model.Labeled, v string) bool {
	for _, l := range list {
		if strings.EqualFold(l.Value, v) {
			return true
		}
	}
	return false
}

func joinLabeled(list []model.Labeled) string {
	parts := make([]string, len(list))
	for i, l := range list {
		parts[i] = l.Type + ":" + l.Value
	}
	return strings.Join(parts, "; ")
}

func setTags(c *model.Contact, v string) {
	c.Tags = append(c.Tags, strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ',' })...)
}

func setAddr(set func(*model.Address, string)) func(*model.Contact, string) {
	return func(c *model.Contact, v string) {
		if len(c.Addresses) == 0 {
			c.Addresses = []model.Address{{Type: "work"}}
		}
		set(&c.Addresses[0], v)
	}
}

func getAddr(get func(model.Address) string) func(*model.Contact) string {
	return func(c *model.Contact) string {
		if len(c.Addresses) == 0 {
			return ""
		}
		return get(c.Addresses[0])
	}
}

func first(list []model.Labeled) string {
	if len(list) == 0 {
		return ""
	}
	return list[0].Value
}

func dateString(d *model.Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}
