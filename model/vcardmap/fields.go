package vcardmap

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-vcard"

	"rapport/model"
)

// single is a property that maps to one value of the contact (N, FN, ORG,
// …). Values are string lists: N is [last, first, middle], CATEGORIES the
// tags, the others one string. Decode and Encode share the table, so a
// shadow line is read back exactly as it was read the first time.
type single struct {
	name  string
	read  func(ps []*prop) []string // the value the lines give
	get   func(c *model.Contact, opt *EncodeOptions) []string
	set   func(card *Card, v []string)
	value func(dst []byte, v []string, v4 bool) []byte // appends the escaped value Encode writes
	same  func(a, b []string) bool                     // for shadows: unchanged despite Normalize?
}

// list is a property that maps to one item of a list (EMAIL, TEL, ADR, URL).
// An item is [label, value…]: [type, value] for Labeled, [type, street,
// city, region, postal code, country] for Address.
type list struct {
	name   string
	labels []label
	read   func(p *prop) []string // nil for a line without a value
	items  func(c *model.Contact) [][]string
	add    func(c *model.Contact, item []string)
	value  func(dst []byte, item []string) []byte
	norm   func(item []string) []string // what Normalize makes of the item
}

// label maps a vCard TYPE to a Rapport label.
type label struct{ vcardType, name string }

// phoneLabels and plainLabels are in order of precedence: a phone typed
// "work,cell" is a mobile. Writing takes the first vCard type of a label.
var (
	phoneLabels = []label{{"cell", "mobile"}, {"mobile", "mobile"}, {"iphone", "mobile"}, {"fax", "fax"},
		{"pager", "pager"}, {"home", "home"}, {"work", "work"}, {"main", "main"}, {"other", "other"}}
	plainLabels = []label{{"home", "home"}, {"work", "work"}, {"other", "other"}}
)

// singles and lists are in the order Encode writes them (and Extra keeps
// their shadows in).
var (
	singles = []single{
		{name: vcard.FieldFormattedName, read: text, get: displayName,
			set: func(k *Card, v []string) { k.Contact.DisplayName = at(v, 0) }, value: textValue, same: sameTrimmed},
		{name: vcard.FieldName, read: names,
			get: func(c *model.Contact, _ *EncodeOptions) []string {
				return []string{c.LastName, c.FirstName, c.MiddleName}
			},
			set: func(k *Card, v []string) {
				k.Contact.LastName, k.Contact.FirstName, k.Contact.MiddleName = at(v, 0), at(v, 1), at(v, 2)
			},
			value: func(dst []byte, v []string, _ bool) []byte {
				return appendJoin(dst, ';', at(v, 0), at(v, 1), at(v, 2), "", "")
			},
			same: sameTrimmed},
		{name: vcard.FieldOrganization, read: func(ps []*prop) []string { return []string{at(components(preferred(ps)), 0)} },
			get: func(_ *model.Contact, o *EncodeOptions) []string { return nonEmpty(o.Company) },
			set: func(k *Card, v []string) { k.Company = strings.TrimSpace(at(v, 0)) }, value: textValue, same: sameTrimmed},
		textSingle(vcard.FieldTitle, func(c *model.Contact) *string { return &c.Title }),
		{name: vcard.FieldBirthday, read: func(ps []*prop) []string { return nonEmpty(birthday(preferred(ps))) },
			get: func(c *model.Contact, _ *EncodeOptions) []string {
				if c.Birthday == nil {
					return nil
				}
				return []string{c.Birthday.Format(model.DateLayout)}
			},
			set: func(k *Card, v []string) {
				if d, err := model.ParseDate(at(v, 0)); err == nil {
					k.Contact.Birthday = &d
				}
			},
			value: func(dst []byte, v []string, v4 bool) []byte {
				if v4 {
					return append(dst, strings.ReplaceAll(at(v, 0), "-", "")...)
				}
				return append(dst, at(v, 0)...)
			},
			same: slices.Equal[[]string]},
		{name: vcard.FieldNote, read: notes, get: func(c *model.Contact, _ *EncodeOptions) []string { return nonEmpty(c.Notes) },
			set: func(k *Card, v []string) { k.Contact.Notes = at(v, 0) }, value: textValue,
			same: func(a, b []string) bool { return newlines.Replace(at(a, 0)) == newlines.Replace(at(b, 0)) }},
		{name: vcard.FieldCategories, read: categories, get: func(c *model.Contact, _ *EncodeOptions) []string { return c.Tags },
			set:   func(k *Card, v []string) { k.Contact.Tags = v },
			value: func(dst []byte, v []string, _ bool) []byte { return appendJoin(dst, ',', v...) },
			same: func(a, b []string) bool {
				x, y := model.Contact{Tags: slices.Clone(a)}, model.Contact{Tags: slices.Clone(b)}
				x.Normalize()
				y.Normalize()
				return slices.Equal(x.Tags, y.Tags)
			}},
		textSingle(vcard.FieldLanguage, func(c *model.Contact) *string { return &c.Language }),
	}
	lists = []list{
		labeledList(vcard.FieldEmail, plainLabels, "mailto:", func(c *model.Contact) *[]model.Labeled { return &c.Emails }),
		labeledList(vcard.FieldTelephone, phoneLabels, "tel:", func(c *model.Contact) *[]model.Labeled { return &c.Phones }),
		{name: vcard.FieldAddress, labels: plainLabels, read: address,
			items: func(c *model.Contact) [][]string {
				out := make([][]string, len(c.Addresses))
				for i, a := range c.Addresses {
					out[i] = []string{a.Type, a.Street, a.City, a.Region, a.PostalCode, a.Country}
				}
				return out
			},
			add: func(c *model.Contact, v []string) {
				c.Addresses = append(c.Addresses, model.Address{Type: v[0], Street: v[1], City: v[2], Region: v[3], PostalCode: v[4], Country: v[5]})
			},
			value: func(dst []byte, v []string) []byte { return appendJoin(dst, ';', "", "", v[1], v[2], v[3], v[4], v[5]) },
			norm: func(v []string) []string {
				c := model.Contact{Addresses: []model.Address{{Type: v[0], Street: v[1], City: v[2], Region: v[3], PostalCode: v[4], Country: v[5]}}}
				c.Normalize()
				if len(c.Addresses) == 0 {
					return nil
				}
				a := c.Addresses[0]
				return []string{a.Type, a.Street, a.City, a.Region, a.PostalCode, a.Country}
			}},
		labeledList(vcard.FieldURL, plainLabels, "", func(c *model.Contact) *[]model.Labeled { return &c.URLs }),
	}
)

func textSingle(name string, field func(*model.Contact) *string) single {
	return single{name: name, read: text,
		get:   func(c *model.Contact, _ *EncodeOptions) []string { return nonEmpty(*field(c)) },
		set:   func(k *Card, v []string) { *field(&k.Contact) = at(v, 0) },
		value: textValue, same: sameTrimmed}
}

// labeledList maps EMAIL, TEL or URL to a list of Labeled. A URI scheme
// some writers put in front ("mailto:", "tel:") is dropped.
func labeledList(name string, labels []label, scheme string, field func(*model.Contact) *[]model.Labeled) list {
	return list{name: name, labels: labels,
		read: func(p *prop) []string {
			v := strings.TrimSpace(unescape(p.value))
			if scheme != "" && len(v) >= len(scheme) && strings.EqualFold(v[:len(scheme)], scheme) {
				v = v[len(scheme):]
			}
			if v == "" {
				return nil
			}
			return []string{"", v}
		},
		items: func(c *model.Contact) [][]string {
			out := make([][]string, len(*field(c)))
			for i, l := range *field(c) {
				out[i] = []string{l.Type, l.Value}
			}
			return out
		},
		add: func(c *model.Contact, v []string) {
			*field(c) = append(*field(c), model.Labeled{Type: v[0], Value: v[1]})
		},
		value: func(dst []byte, v []string) []byte { return appendEscaped(dst, v[1]) },
		norm: func(v []string) []string {
			c := model.Contact{}
			*field(&c) = []model.Labeled{{Type: v[0], Value: v[1]}}
			c.Normalize()
			if l := *field(&c); len(l) == 1 {
				return []string{l[0].Type, l[0].Value}
			}
			return nil
		}}
}

func displayName(c *model.Contact, _ *EncodeOptions) []string {
	if c.DisplayName != "" {
		return []string{c.DisplayName}
	}
	// What Normalize would make of the contact, so a card of an
	// unnormalised contact reads back as the normalised one.
	var parts []string
	for _, s := range []string{c.FirstName, c.MiddleName, c.LastName} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 && len(c.Emails) > 0 {
		parts = append(parts, strings.TrimSpace(c.Emails[0].Value))
	}
	return []string{strings.Join(parts, " ")}
}

func text(ps []*prop) []string {
	return []string{unescape(preferred(ps).value)}
}

// names reads N: family; given; additional; prefixes; suffixes. Several
// given names ("Jean,Paul") become one string.
func names(ps []*prop) []string {
	n := split(preferred(ps).value, ';', escaped)
	out := make([]string, 3)
	for i := range out {
		if i < len(n) {
			out[i] = strings.Join(unescapeAll(split(n[i], ',', escaped)), " ")
		}
	}
	return out
}

// notes joins every NOTE, so a card with several loses none.
func notes(ps []*prop) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = unescape(p.value)
	}
	return []string{strings.Join(out, "\n")}
}

// categories reads every CATEGORIES property as a list split at unescaped commas.
func categories(ps []*prop) []string {
	var tags []string
	for _, p := range ps {
		tags = append(tags, unescapeAll(split(p.value, ',', escaped))...)
	}
	return tags
}

// address reads ADR: post office box; extended; street; locality; region;
// postal code; country. Rapport has one street line for the first three.
func address(p *prop) []string {
	c := components(p)
	street := strings.Join(slices.DeleteFunc([]string{at(c, 2), at(c, 1), at(c, 0)}, isBlank), ", ")
	v := []string{"", street, at(c, 3), at(c, 4), at(c, 5), at(c, 6)}
	if strings.TrimSpace(strings.Join(v, "")) == "" {
		return nil
	}
	return v
}

// components splits a compound value (N, ADR, ORG) at unescaped ";".
func components(p *prop) []string {
	return unescapeAll(split(p.value, ';', escaped))
}

func unescapeAll(parts []string) []string {
	for i, s := range parts {
		parts[i] = unescape(s)
	}
	return parts
}

// birthday returns the BDAY as YYYY-MM-DD when Rapport can keep it: a full
// date (basic or extended, a time after it ignored) in the years Validate
// accepts. Year-less dates ("--0412", Apple's X-APPLE-OMIT-YEAR), text,
// reduced dates ("1985-04") and placeholder years give "".
func birthday(p *prop) string {
	s, _, _ := strings.Cut(strings.TrimSpace(unescape(p.value)), "T")
	if p.params.Get("X-APPLE-OMIT-YEAR") != "" || strings.EqualFold(p.params.Get(vcard.ParamValue), "text") {
		return ""
	}
	for _, layout := range []string{model.DateLayout, "20060102"} {
		if t, err := time.Parse(layout, s); err == nil && t.Year() >= 1800 && !t.After(time.Now()) {
			return t.Format(model.DateLayout)
		}
	}
	return ""
}

// validBirthday reports whether a BDAY Rapport does not keep is still a
// vCard date or date-time (or text), so that it can stay in Extra.
func validBirthday(p *prop) bool {
	if strings.EqualFold(p.params.Get(vcard.ParamValue), "text") {
		return true
	}
	s := strings.TrimSpace(unescape(p.value))
	if s == "" {
		return true
	}
	for _, c := range []byte(s) {
		if !(c >= '0' && c <= '9' || strings.IndexByte("-:TZ+.,", c) >= 0) {
			return false
		}
	}
	d, _, _ := strings.Cut(s, "T")
	d = strings.ReplaceAll(strings.TrimPrefix(d, "--"), "-", "")
	if len(d) != 2 && len(d) != 4 && len(d) != 6 && len(d) != 8 && d != "" {
		return false
	}
	if len(d) == 8 {
		_, err := time.Parse("20060102", d)
		return err == nil
	}
	return true
}

// labelOf returns the label of a line: that of its TYPE, else that of
// Apple's X-ABLabel in its group ("_$!<Work>!$_" or a label of the user's
// own), else "" (Normalize's default).
func labelOf(p *prop, labels []label, groupLabels map[string]string) string {
	types := typesOf(p)
	for _, l := range labels {
		if slices.Contains(types, l.vcardType) {
			return l.name
		}
	}
	ab := groupLabels[strings.ToLower(p.group)]
	if inner, ok := strings.CutPrefix(ab, "_$!<"); ok {
		inner = strings.ToLower(strings.TrimSuffix(inner, ">!$_"))
		for _, l := range labels {
			if l.vcardType == inner {
				return l.name
			}
		}
		return inner
	}
	return ab
}

// vcardType returns the TYPE Encode writes for a label, "" for none.
func vcardType(labels []label, name string) string {
	if i := slices.IndexFunc(labels, func(l label) bool { return l.name == name }); i >= 0 {
		return labels[i].vcardType
	}
	return ""
}

// typesOf lists a line's TYPE values in lower case; "TYPE=a,b",
// `TYPE="a,b"` and "TYPE=a;TYPE=b" all count.
func typesOf(p *prop) []string {
	var out []string
	for _, t := range p.params[vcard.ParamType] {
		for _, s := range strings.Split(t, ",") {
			out = append(out, strings.ToLower(strings.TrimSpace(s)))
		}
	}
	return out
}

// prefSorted orders lines most preferred first: PREF=n (4.0) or TYPE=pref
// (2.1, 3.0), the card's order otherwise.
func prefSorted(ps []*prop) []*prop {
	out := slices.Clone(ps)
	slices.SortStableFunc(out, func(a, b *prop) int { return prefRank(a) - prefRank(b) })
	return out
}

func prefRank(p *prop) int {
	if n, err := strconv.Atoi(p.params.Get(vcard.ParamPreferred)); err == nil && n >= 1 && n <= 100 {
		return n
	}
	if slices.Contains(typesOf(p), "pref") {
		return 1
	}
	return 101
}

func preferred(ps []*prop) *prop { return prefSorted(ps)[0] }

func at(list []string, i int) string {
	if i < len(list) {
		return list[i]
	}
	return ""
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func textValue(dst []byte, v []string, _ bool) []byte { return appendEscaped(dst, at(v, 0)) }

// sameTrimmed compares values as Normalize leaves them: trimmed, with
// trailing empty strings (and nil) counting as nothing.
func sameTrimmed(a, b []string) bool {
	trim := func(v []string) []string {
		out := make([]string, len(v))
		for i, s := range v {
			out[i] = strings.TrimSpace(s)
		}
		for len(out) > 0 && out[len(out)-1] == "" {
			out = out[:len(out)-1]
		}
		return out
	}
	return slices.Equal(trim(a), trim(b))
}

// appendJoin appends the parts escaped and joined with sep: ';' for the
// components of N and ADR, ',' for CATEGORIES.
func appendJoin(dst []byte, sep byte, parts ...string) []byte {
	for i, p := range parts {
		if i > 0 {
			dst = append(dst, sep)
		}
		dst = appendEscaped(dst, p)
	}
	return dst
}

// appendEscaped appends s escaped as vCard text: backslash, ';', ',' and
// newlines (CRLF, CR and LF all become one "\n").
func appendEscaped(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch c := s[i]; {
		case c == '\\':
			esc = `\\`
		case c == ';':
			esc = `\;`
		case c == ',':
			esc = `\,`
		case c == '\n':
			esc = `\n`
		case c == '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				dst, start = append(dst, s[start:i]...), i+1
				continue
			}
			esc = `\n`
		default:
			continue
		}
		dst = append(append(dst, s[start:i]...), esc...)
		start = i + 1
	}
	return append(dst, s[start:]...)
}
