package contactfile

import (
	"encoding/json"
	"strings"
	"time"
	"unicode"

	"rapport/model"
)

// column is one CSV/XLSX column: its name (the JSON field name where the
// contact has one; the header Rapport writes), the other headers Excel,
// Outlook, Google and Russian-language files use for it, and how it is read
// and written. A nil set is recognised but not imported (server-owned); a
// nil get is import-only.
type column struct {
	name    string
	aliases []string
	set     func(b *rowBuilder, v string)
	get     func(x exported) string
}

// exported is a contact with its company name resolved, as get sees it.
type exported struct {
	*model.Contact
	company string
}

// rowBuilder collects one CSV record into a contact.
type rowBuilder struct {
	c       *model.Contact
	company string
	addr    model.Address // the street … country columns
	fe      model.FieldErrors
}

var columns = []column{
	{name: "id", get: func(x exported) string { return x.ID }},
	text("display_name", func(c *model.Contact) *string { return &c.DisplayName }, "name", "full name", "фио", "полное имя"),
	text("first_name", func(c *model.Contact) *string { return &c.FirstName }, "given name", "имя"),
	text("middle_name", func(c *model.Contact) *string { return &c.MiddleName }, "additional name", "отчество"),
	text("last_name", func(c *model.Contact) *string { return &c.LastName }, "family name", "surname", "фамилия"),
	text("title", func(c *model.Contact) *string { return &c.Title }, "job title", "position", "должность"),
	{name: "company", aliases: []string{"organization", "organisation", "company name", "организация", "компания"},
		set: func(b *rowBuilder, v string) { fill(&b.company, strings.TrimSpace(v)) }, get: func(x exported) string { return x.company }},
	{name: "email", aliases: []string{"e-mail", "e-mail address", "email address", "e-mail 2 address", "e-mail 3 address",
		"e-mail 1 - value", "e-mail 2 - value", "электронная почта", "эл. почта", "почта"},
		set: addLabeled(emailsOf, ""), get: func(x exported) string { return firstValue(x.Emails) }},
	{name: "emails", set: setList(emailsOf), get: func(x exported) string { return joinList(x.Emails) }},
	{name: "phone", aliases: []string{"telephone", "phone number", "primary phone", "phone 1 - value", "телефон"},
		set: addLabeled(phonesOf, ""), get: func(x exported) string { return firstValue(x.Phones) }},
	{name: "phones", set: setList(phonesOf), get: func(x exported) string { return joinList(x.Phones) }},
	{name: "mobile phone", aliases: []string{"mobile", "cell", "мобильный", "мобильный телефон"}, set: addLabeled(phonesOf, "mobile")},
	{name: "home phone", aliases: []string{"домашний телефон"}, set: addLabeled(phonesOf, "home")},
	{name: "business phone", aliases: []string{"work phone", "рабочий телефон"}, set: addLabeled(phonesOf, "work")},
	{name: "business fax", aliases: []string{"fax", "факс"}, set: addLabeled(phonesOf, "fax")},
	address("street", func(a *model.Address) *string { return &a.Street }, "business street", "street address", "address", "улица", "адрес"),
	address("city", func(a *model.Address) *string { return &a.City }, "business city", "город"),
	address("region", func(a *model.Address) *string { return &a.Region }, "business state", "state", "province", "регион", "область"),
	address("postal_code", func(a *model.Address) *string { return &a.PostalCode }, "business postal code", "zip", "zip code", "индекс", "почтовый индекс"),
	address("country", func(a *model.Address) *string { return &a.Country }, "business country/region", "country/region", "страна"),
	jsonColumn("addresses", func(c *model.Contact) any { return &c.Addresses }),
	{name: "birthday", aliases: []string{"date of birth", "день рождения", "дата рождения"}, set: setBirthday,
		get: func(x exported) string { return dateText(x.Birthday) }},
	text("language", func(c *model.Contact) *string { return &c.Language }, "язык"),
	{name: "tags", aliases: []string{"categories", "labels", "теги", "метки", "категории"}, set: addTags,
		get: func(x exported) string { return strings.Join(x.Tags, "; ") }},
	text("notes", func(c *model.Contact) *string { return &c.Notes }, "note", "comments", "заметки", "примечания", "комментарий"),
	ref("account_id", func(c *model.Contact) **string { return &c.AccountID }),
	ref("owner_id", func(c *model.Contact) **string { return &c.OwnerID }),
	ref("photo_id", func(c *model.Contact) **string { return &c.PhotoID }),
	jsonColumn("custom_fields", func(c *model.Contact) any { return &c.CustomFields }),
	{name: "created_at", get: func(x exported) string { return timeText(x.CreatedAt) }},
	{name: "updated_at", get: func(x exported) string { return timeText(x.UpdatedAt) }},
}

var headerFolder = strings.NewReplacer("_", " ", "\ufeff", "")

// headerKey folds a header for matching: case, "_" or spaces, a stray BOM.
func headerKey(h string) string {
	return strings.Join(strings.Fields(headerFolder.Replace(strings.ToLower(h))), " ")
}

// headerIndex maps every folded name and alias to its column.
var headerIndex = func() map[string]*column {
	m := map[string]*column{}
	for i := range columns {
		for _, h := range append([]string{columns[i].name}, columns[i].aliases...) {
			m[headerKey(h)] = &columns[i]
		}
	}
	return m
}()

// exportColumns are the columns WriteCSV and WriteXLSX write, in order.
var exportColumns = func() []column {
	var out []column
	for _, c := range columns {
		if c.get != nil {
			out = append(out, c)
		}
	}
	return out
}()

// text is a plain string field; the first non-empty column of it wins.
func text(name string, field func(*model.Contact) *string, aliases ...string) column {
	return column{name: name, aliases: aliases,
		set: func(b *rowBuilder, v string) { fill(field(b.c), v) },
		get: func(x exported) string { return *field(x.Contact) }}
}

// address is one part of the address the flat columns describe.
func address(name string, part func(*model.Address) *string, aliases ...string) column {
	return column{name: name, aliases: aliases,
		set: func(b *rowBuilder, v string) { fill(part(&b.addr), v) },
		get: func(x exported) string {
			if len(x.Addresses) == 0 {
				return ""
			}
			return *part(&x.Addresses[0])
		}}
}

// ref is an id reference; Validate checks its form, the store its target.
func ref(name string, field func(*model.Contact) **string) column {
	return column{name: name,
		set: func(b *rowBuilder, v string) {
			v = strings.TrimSpace(v)
			*field(b.c) = &v
		},
		get: func(x exported) string {
			if p := *field(x.Contact); p != nil {
				return *p
			}
			return ""
		}}
}

// jsonColumn holds a structured field as JSON, so exports lose nothing.
func jsonColumn(name string, field func(*model.Contact) any) column {
	return column{name: name,
		set: func(b *rowBuilder, v string) {
			if err := json.Unmarshal([]byte(v), field(b.c)); err != nil {
				b.fe.Add(name, "not valid JSON for "+name)
			}
		},
		get: func(x exported) string {
			out, err := json.Marshal(field(x.Contact))
			if s := string(out); err == nil && s != "null" && s != "[]" && s != "{}" {
				return s
			}
			return ""
		}}
}

func emailsOf(c *model.Contact) *[]model.Labeled { return &c.Emails }
func phonesOf(c *model.Contact) *[]model.Labeled { return &c.Phones }

// addLabeled appends the cell as one value of the given type.
func addLabeled(list func(*model.Contact) *[]model.Labeled, typ string) func(*rowBuilder, string) {
	return func(b *rowBuilder, v string) {
		*list(b.c) = append(*list(b.c), model.Labeled{Type: typ, Value: v})
	}
}

// setList reads "type:value; value; …", what joinList writes.
func setList(list func(*model.Contact) *[]model.Labeled) func(*rowBuilder, string) {
	return func(b *rowBuilder, v string) {
		for _, item := range strings.Split(v, ";") {
			typ, val, ok := strings.Cut(item, ":")
			if !ok || !isLabel(strings.TrimSpace(typ)) {
				typ, val = "", item
			}
			*list(b.c) = append(*list(b.c), model.Labeled{Type: strings.TrimSpace(typ), Value: strings.TrimSpace(val)})
		}
	}
}

func joinList(list []model.Labeled) string {
	parts := make([]string, len(list))
	for i, l := range list {
		parts[i] = l.Value
		if l.Type != "" {
			parts[i] = l.Type + ":" + l.Value
		}
	}
	return strings.Join(parts, "; ")
}

// isLabel tells a type prefix ("work:", "мобильный:") from a value.
func isLabel(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' {
			return false
		}
	}
	return true
}

func addTags(b *rowBuilder, v string) {
	b.c.Tags = append(b.c.Tags, strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ',' })...)
}

func setBirthday(b *rowBuilder, v string) {
	d, err := parseDate(v)
	if err != nil {
		b.fe.Add("birthday", err.Error())
	}
	if b.c.Birthday == nil {
		b.c.Birthday = d
	}
}

func fill(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

func firstValue(list []model.Labeled) string {
	if len(list) == 0 {
		return ""
	}
	return list[0].Value
}

func dateText(d *model.Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
