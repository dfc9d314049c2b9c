package contactfile

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/emersion/go-vcard"

	"rapport/model"
)

// ReadVCards parses a .vcf stream with many cards (vCard 2.1, 3.0, 4.0, as
// Thunderbird, Apple, Google, Outlook and Android export them). A broken card
// yields a Row with Err, numbered by its position, and parsing continues
// with the next card. It fails as a whole only for an unreadable stream,
// input over maxBytes, or text with no card in it at all.
func ReadVCards(r io.Reader, maxBytes int64) ([]Row, error) {
	data, err := readAll(r, maxBytes)
	if err != nil {
		return nil, err
	}
	var rows []Row
	s := cardSplitter{}
	for rc := range s.cards(strings.TrimPrefix(string(data), "\ufeff")) {
		rows = append(rows, parseCard(rc))
	}
	if len(rows) == 0 && s.stray {
		return nil, model.Errorf(model.EMALFORMED, "not a vCard file: no BEGIN:VCARD line")
	}
	return rows, nil
}

func parseCard(rc rawCard) Row {
	pos := fmt.Sprintf("card %d", rc.n)
	if rc.err != nil {
		return rowError(rc.n, model.EMALFORMED, "%s (line %d): %v", pos, rc.line, rc.err)
	}
	card, err := buildCard(rc.lines)
	if err != nil {
		return rowError(rc.n, model.EMALFORMED, "%s, %v", pos, err)
	}
	c, company, fe := contactFromCard(card)
	return finish(pos, rc.n, c, company, fe)
}

// contactFromCard maps the properties Rapport keeps. Honorifics, PHOTO and
// the like are dropped; so are ORG units below the organisation itself.
func contactFromCard(card vcard.Card) (*model.Contact, string, model.FieldErrors) {
	v := valueReader{v21: strings.TrimSpace(card.Value(vcard.FieldVersion)) == "2.1"}
	c := &model.Contact{
		DisplayName: v.text(preferred(card[vcard.FieldFormattedName])),
		Title:       v.text(preferred(card[vcard.FieldTitle])),
		Language:    v.text(preferred(card[vcard.FieldLanguage])),
		Notes:       v.notes(card[vcard.FieldNote]),
		Tags:        v.categories(card[vcard.FieldCategories]),
		Emails:      v.labeled(card[vcard.FieldEmail], plainLabels, "mailto:"),
		Phones:      v.labeled(card[vcard.FieldTelephone], phoneLabels, "tel:"),
		Addresses:   v.addresses(card[vcard.FieldAddress]),
	}
	n := v.components(preferred(card[vcard.FieldName]))
	c.LastName, c.FirstName, c.MiddleName = at(n, 0), at(n, 1), at(n, 2)
	company := strings.TrimSpace(at(v.components(preferred(card[vcard.FieldOrganization])), 0))
	fe := model.FieldErrors{}
	bday, err := cardBirthday(preferred(card[vcard.FieldBirthday]))
	if err != nil {
		fe.Add("birthday", err.Error())
	}
	c.Birthday = bday
	return c, company, fe
}

// valueReader unescapes values by the rules of the card's version.
type valueReader struct{ v21 bool }

func (v valueReader) text(f *vcard.Field) string {
	if f == nil {
		return ""
	}
	return unescape(f.Value, v.v21)
}

// components splits a compound value (N, ADR, ORG) at unescaped ";".
func (v valueReader) components(f *vcard.Field) []string {
	if f == nil {
		return nil
	}
	parts := split(f.Value, ';', escaped)
	for i, p := range parts {
		parts[i] = unescape(p, v.v21)
	}
	return parts
}

// notes joins every NOTE, so a card with several loses none.
func (v valueReader) notes(fields []*vcard.Field) string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = v.text(f)
	}
	return strings.Join(out, "\n")
}

// categories reads every CATEGORIES property as a list split at unescaped commas.
func (v valueReader) categories(fields []*vcard.Field) []string {
	var tags []string
	for _, f := range fields {
		for _, t := range split(f.Value, ',', escaped) {
			tags = append(tags, unescape(t, v.v21))
		}
	}
	return tags
}

// labeled reads EMAIL or TEL properties, preferred first, without a URI
// scheme ("mailto:", "tel:") some writers put in front.
func (v valueReader) labeled(fields []*vcard.Field, labels []label, scheme string) []model.Labeled {
	var out []model.Labeled
	for _, f := range prefSorted(fields) {
		val := strings.TrimSpace(v.text(f))
		if len(val) >= len(scheme) && strings.EqualFold(val[:len(scheme)], scheme) {
			val = val[len(scheme):]
		}
		out = append(out, model.Labeled{Type: labelOf(f, labels), Value: val})
	}
	return out
}

// addresses reads ADR: post office box; extended; street; locality; region;
// postal code; country. Rapport has one street line for the first three.
func (v valueReader) addresses(fields []*vcard.Field) []model.Address {
	var out []model.Address
	for _, f := range prefSorted(fields) {
		p := v.components(f)
		street := strings.Join(slices.DeleteFunc([]string{at(p, 2), at(p, 1), at(p, 0)}, isBlank), ", ")
		out = append(out, model.Address{Type: labelOf(f, plainLabels), Street: street, City: at(p, 3),
			Region: at(p, 4), PostalCode: at(p, 5), Country: at(p, 6)})
	}
	return out
}

// cardBirthday reads BDAY. A text birthday ("circa 1800") and Apple's
// year-less form (a placeholder year named by X-APPLE-OMIT-YEAR) are no
// birthday rather than an error.
func cardBirthday(f *vcard.Field) (*model.Date, error) {
	if f == nil || strings.EqualFold(f.Params.Get(vcard.ParamValue), "text") {
		return nil, nil
	}
	d, err := parseDate(f.Value)
	if d != nil && f.Params.Get("X-APPLE-OMIT-YEAR") == strconv.Itoa(d.Year()) {
		return nil, nil
	}
	return d, err
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

// labelOf returns the label of a field's TYPE, or "" (Normalize's default).
func labelOf(f *vcard.Field, labels []label) string {
	types := typesOf(f)
	for _, l := range labels {
		if slices.Contains(types, l.vcardType) {
			return l.name
		}
	}
	return ""
}

// typesOf lists a field's TYPE values in lower case; "TYPE=a,b",
// `TYPE="a,b"` and "TYPE=a;TYPE=b" all count.
func typesOf(f *vcard.Field) []string {
	var out []string
	for _, t := range f.Params[vcard.ParamType] {
		for _, s := range strings.Split(t, ",") {
			out = append(out, strings.ToLower(strings.TrimSpace(s)))
		}
	}
	return out
}

// prefSorted orders fields most preferred first: PREF=n (4.0) or TYPE=pref
// (2.1, 3.0), the file's order otherwise.
func prefSorted(fields []*vcard.Field) []*vcard.Field {
	out := slices.Clone(fields)
	slices.SortStableFunc(out, func(a, b *vcard.Field) int { return prefRank(a) - prefRank(b) })
	return out
}

func prefRank(f *vcard.Field) int {
	if n, err := strconv.Atoi(f.Params.Get(vcard.ParamPreferred)); err == nil && n >= 1 && n <= 100 {
		return n
	}
	if slices.Contains(typesOf(f), "pref") {
		return 1
	}
	return 101
}

func preferred(fields []*vcard.Field) *vcard.Field {
	if len(fields) == 0 {
		return nil
	}
	return prefSorted(fields)[0]
}

func at(list []string, i int) string {
	if i < len(list) {
		return list[i]
	}
	return ""
}

func isBlank(s string) bool { return strings.TrimSpace(s) == "" }
