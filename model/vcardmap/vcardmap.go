// Package vcardmap converts between vCards (2.1, 3.0, 4.0) and contacts, for
// file import/export and for CardDAV. Properties Rapport does not map are
// returned as "extra" so a client's card can be regenerated without losing
// them. It is a pure mapping: it imports model (and go-vcard, x/text) only.
package vcardmap

import (
	"bytes"
	"io"
	"mime/quotedprintable"
	"strings"
	"time"

	"github.com/emersion/go-vcard"
	"golang.org/x/text/encoding/htmlindex"

	"rapport/model"
)

// mapped lists the properties FromCard turns into contact fields; every other
// property is extra. VERSION, PRODID and REV are regenerated.
var mapped = map[string]bool{
	vcard.FieldVersion: true, vcard.FieldProductID: true, vcard.FieldRevision: true, vcard.FieldUID: true,
	vcard.FieldFormattedName: true, vcard.FieldName: true, vcard.FieldOrganization: true, vcard.FieldTitle: true,
	vcard.FieldNote: true, vcard.FieldLanguage: true, vcard.FieldCategories: true, vcard.FieldEmail: true,
	vcard.FieldTelephone: true, vcard.FieldAddress: true, vcard.FieldBirthday: true,
}

// Decode parses one vCard, repairing what old clients write: vCard 2.1 bare
// parameters ("TEL;CELL:"), quoted-printable values with soft line breaks and
// CHARSET= parameters (windows-1251, koi8-r …).
func Decode(data []byte) (vcard.Card, error) {
	card, err := vcard.NewDecoder(bytes.NewReader(typeBareParams(unfoldQuotedPrintable(data)))).Decode()
	if err != nil {
		return nil, err
	}
	decodeLegacy(card)
	return card, nil
}

// unfoldQuotedPrintable joins vCard 2.1 quoted-printable soft line breaks
// ("=" at the end of a line), which are not RFC folding.
func unfoldQuotedPrintable(b []byte) []byte {
	if !bytes.Contains(bytes.ToUpper(b), []byte("QUOTED-PRINTABLE")) {
		return b
	}
	b = bytes.ReplaceAll(b, []byte("=\r\n"), nil)
	return bytes.ReplaceAll(b, []byte("=\n"), nil)
}

// typeBareParams rewrites bare parameters ("TEL;CELL;VOICE:…") as TYPE=
// parameters, which the decoder otherwise misreads.
func typeBareParams(b []byte) []byte {
	lines := bytes.Split(b, []byte("\n"))
	for i, line := range lines {
		if len(line) == 0 || line[0] == ' ' || line[0] == '\t' {
			continue // folded continuation
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 || !bytes.Contains(line[:colon], []byte(";")) {
			continue
		}
		parts := bytes.Split(line[:colon], []byte(";"))
		for j := 1; j < len(parts); j++ {
			if !bytes.Contains(parts[j], []byte("=")) {
				parts[j] = append([]byte("TYPE="), parts[j]...)
			}
		}
		lines[i] = append(bytes.Join(parts, []byte(";")), line[colon:]...)
	}
	return bytes.Join(lines, []byte("\n"))
}

// decodeLegacy decodes ENCODING=QUOTED-PRINTABLE values and CHARSET= parameters.
func decodeLegacy(card vcard.Card) {
	for _, fields := range card {
		for _, f := range fields {
			if strings.EqualFold(f.Params.Get("ENCODING"), "QUOTED-PRINTABLE") {
				if b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(f.Value))); err == nil {
					f.Value = string(b)
					delete(f.Params, "ENCODING")
				}
			}
			if cs := f.Params.Get("CHARSET"); cs != "" {
				if enc, err := htmlindex.Get(cs); err == nil && !strings.EqualFold(cs, "utf-8") {
					if s, err := enc.NewDecoder().String(f.Value); err == nil {
						f.Value = s
					}
				}
				delete(f.Params, "CHARSET")
			}
		}
	}
}

// FromCard maps a card to a contact (not yet normalised), the company name
// from ORG, and the properties it did not map.
func FromCard(card vcard.Card) (c *model.Contact, company string, extra vcard.Card) {
	c = &model.Contact{DisplayName: card.PreferredValue(vcard.FieldFormattedName), Title: card.Value(vcard.FieldTitle),
		Notes: card.Value(vcard.FieldNote), Language: card.Value(vcard.FieldLanguage), Tags: card.Categories()}
	if n := card.Name(); n != nil {
		c.FirstName, c.MiddleName, c.LastName = n.GivenName, n.AdditionalName, n.FamilyName
	}
	for _, f := range card[vcard.FieldEmail] {
		c.Emails = append(c.Emails, model.Labeled{Type: labelType(f.Params), Value: strings.TrimPrefix(f.Value, "mailto:")})
	}
	for _, f := range card[vcard.FieldTelephone] {
		c.Phones = append(c.Phones, model.Labeled{Type: labelType(f.Params), Value: strings.TrimPrefix(f.Value, "tel:")})
	}
	for _, a := range card.Addresses() {
		c.Addresses = append(c.Addresses, model.Address{Type: labelType(a.Params), Street: a.StreetAddress, City: a.Locality,
			Region: a.Region, PostalCode: a.PostalCode, Country: a.Country})
	}
	c.Birthday = ParseBirthday(card.Value(vcard.FieldBirthday))
	org := card.Value(vcard.FieldOrganization)
	company, _, _ = strings.Cut(org, ";")
	extra = vcard.Card{}
	for k, fields := range card {
		if !mapped[k] {
			extra[k] = fields
		}
	}
	// Keep what the mapping would lose: a year-less birthday, an ORG with
	// departments (restored while the company stays the same).
	if card.Value(vcard.FieldBirthday) != "" && c.Birthday == nil {
		extra[vcard.FieldBirthday] = card[vcard.FieldBirthday]
	}
	if strings.Contains(org, ";") {
		extra[vcard.FieldOrganization] = card[vcard.FieldOrganization]
	}
	return c, strings.TrimSpace(company), extra
}

// UID returns the card's UID without a urn:uuid: prefix.
func UID(card vcard.Card) string {
	return strings.TrimPrefix(card.Value(vcard.FieldUID), "urn:uuid:")
}

// labelType maps vCard TYPE parameters to Rapport's labels.
func labelType(p vcard.Params) string {
	for _, t := range p.Types() {
		switch t = strings.ToLower(t); t {
		case "cell", "mobile":
			return "mobile"
		case "work", "home", "fax", "pager", "other":
			return t
		}
	}
	return "work"
}

// ParseBirthday accepts YYYY-MM-DD, YYYYMMDD, date-times, and the DD.MM.YYYY
// Russian and German spreadsheets write; year-less dates (--MMDD) have no
// place in a date and give nil.
func ParseBirthday(v string) *model.Date {
	v = strings.TrimSpace(v)
	for _, layout := range []string{"2006-01-02", "20060102", "2006-01-02T15:04:05Z07:00", "20060102T150405Z", "02.01.2006"} {
		if t, err := time.Parse(layout, v); err == nil {
			return &model.Date{Time: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}
		}
	}
	return nil
}

// ToCard renders a contact as vCard 4.0 with UID uid (the contact id when
// empty), ORG company when given, and the extra properties kept from the
// client's last card.
func ToCard(c *model.Contact, uid, company string, extra vcard.Card) vcard.Card {
	card := vcard.Card{}
	for k, fields := range extra {
		if !mapped[k] {
			card[k] = fields
		}
	}
	if c.Birthday == nil && extra[vcard.FieldBirthday] != nil {
		card[vcard.FieldBirthday] = extra[vcard.FieldBirthday]
	}
	if org := extra.Value(vcard.FieldOrganization); company != "" && strings.HasPrefix(org, company+";") {
		card[vcard.FieldOrganization], company = extra[vcard.FieldOrganization], ""
	}
	if uid == "" {
		uid = "urn:uuid:" + c.ID
	}
	card.SetValue(vcard.FieldVersion, "4.0")
	card.SetValue(vcard.FieldUID, uid)
	card.SetValue(vcard.FieldFormattedName, c.DisplayName)
	card.SetName(&vcard.Name{FamilyName: c.LastName, GivenName: c.FirstName, AdditionalName: c.MiddleName})
	setIf(card, vcard.FieldOrganization, company)
	setIf(card, vcard.FieldTitle, c.Title)
	setIf(card, vcard.FieldNote, c.Notes)
	setIf(card, vcard.FieldLanguage, c.Language)
	for _, e := range c.Emails {
		card.Add(vcard.FieldEmail, &vcard.Field{Value: e.Value, Params: vcard.Params{vcard.ParamType: {e.Type}}})
	}
	for _, p := range c.Phones {
		card.Add(vcard.FieldTelephone, &vcard.Field{Value: p.Value, Params: vcard.Params{vcard.ParamType: {phoneType(p.Type)}}})
	}
	for _, a := range c.Addresses {
		card.AddAddress(&vcard.Address{Field: &vcard.Field{Params: vcard.Params{vcard.ParamType: {a.Type}}},
			StreetAddress: a.Street, Locality: a.City, Region: a.Region, PostalCode: a.PostalCode, Country: a.Country})
	}
	if c.Birthday != nil {
		card.SetValue(vcard.FieldBirthday, c.Birthday.String())
	}
	if len(c.Tags) > 0 {
		card.SetCategories(c.Tags)
	}
	if !c.UpdatedAt.IsZero() {
		card.SetRevision(c.UpdatedAt)
	}
	return card
}

func phoneType(t string) string {
	if t == "mobile" {
		return "cell"
	}
	return t
}

func setIf(card vcard.Card, k, v string) {
	if v != "" {
		card.SetValue(k, v)
	}
}
