package contactfile

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"slices"
	"unicode/utf8"

	"github.com/emersion/go-vcard"

	"rapport/model"
)

// WriteVCards writes contacts as vCard 4.0, one card per contact: UID (the
// contact id), FN, N, ORG when accountName (may be nil) knows the account,
// TITLE, EMAIL/TEL/ADR with TYPE (the first of several PREF=1), BDAY, NOTE,
// CATEGORIES, LANG and REV. Lines are folded at 75 octets.
func WriteVCards(w io.Writer, contacts []*model.Contact, accountName func(id string) string) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var enc cardEncoder
	for _, c := range contacts {
		if _, err := bw.Write(enc.encode(cardOf(c, companyOf(c, accountName)))); err != nil {
			return fmt.Errorf("contactfile: write: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("contactfile: write: %w", err)
	}
	return nil
}

// companyOf resolves the contact's account to the company name files carry.
func companyOf(c *model.Contact, accountName func(string) string) string {
	if accountName == nil || c.AccountID == nil {
		return ""
	}
	return accountName(*c.AccountID)
}

// cardOf builds the card of a contact, values escaped for the wire.
func cardOf(c *model.Contact, company string) vcard.Card {
	card := vcard.Card{}
	card.SetValue(vcard.FieldVersion, "4.0")
	card.SetValue(vcard.FieldFormattedName, escapeJoin("", c.DisplayName))
	card.SetValue(vcard.FieldName, escapeJoin(";", c.LastName, c.FirstName, c.MiddleName, "", ""))
	for _, p := range [...]struct{ key, value string }{{vcard.FieldUID, c.ID}, {vcard.FieldOrganization, company},
		{vcard.FieldTitle, c.Title}, {vcard.FieldNote, c.Notes}, {vcard.FieldLanguage, c.Language}} {
		if p.value != "" {
			card.SetValue(p.key, escapeJoin("", p.value))
		}
	}
	addTyped(card, vcard.FieldEmail, c.Emails, plainLabels, func(l model.Labeled) (string, string) { return l.Type, escapeJoin("", l.Value) })
	addTyped(card, vcard.FieldTelephone, c.Phones, phoneLabels, func(l model.Labeled) (string, string) { return l.Type, escapeJoin("", l.Value) })
	addTyped(card, vcard.FieldAddress, c.Addresses, plainLabels, func(a model.Address) (string, string) {
		return a.Type, escapeJoin(";", "", "", a.Street, a.City, a.Region, a.PostalCode, a.Country)
	})
	if len(c.Tags) > 0 {
		card.SetValue(vcard.FieldCategories, escapeJoin(",", c.Tags...))
	}
	if c.Birthday != nil {
		card.SetValue(vcard.FieldBirthday, c.Birthday.Format("20060102"))
	}
	if !c.UpdatedAt.IsZero() {
		card.SetValue(vcard.FieldRevision, c.UpdatedAt.UTC().Format("20060102T150405Z"))
	}
	return card
}

// addTyped adds one property per item with the vCard TYPE of its label.
// Rapport keeps the preferred value first, so the first of several gets
// PREF=1. Labels vCard has no type for are left untyped.
func addTyped[T any](card vcard.Card, key string, items []T, labels []label, typedValue func(T) (string, string)) {
	for i, item := range items {
		name, value := typedValue(item)
		f := &vcard.Field{Value: value, Params: vcard.Params{}}
		if j := slices.IndexFunc(labels, func(l label) bool { return l.name == name }); j >= 0 {
			f.Params.Set(vcard.ParamType, labels[j].vcardType)
		}
		if i == 0 && len(items) > 1 {
			f.Params.Set(vcard.ParamPreferred, "1")
		}
		card.Add(key, f)
	}
}

// maxLineOctets is RFC 6350's line length; longer lines are folded.
const maxLineOctets = 75

// cardEncoder formats cards, reusing its buffers from card to card.
type cardEncoder struct{ buf, line []byte }

// encode formats card: VERSION first as RFC 6350 requires, then the other
// properties by name. Values are already escaped and parameter values come
// from fixed vocabularies (TYPE, PREF), so neither needs quoting here.
func (e *cardEncoder) encode(card vcard.Card) []byte {
	e.buf = append(e.buf[:0], "BEGIN:VCARD\r\n"...)
	e.property(vcard.FieldVersion, card.Get(vcard.FieldVersion))
	for _, key := range slices.Sorted(maps.Keys(card)) {
		for _, f := range card[key] {
			if key != vcard.FieldVersion {
				e.property(key, f)
			}
		}
	}
	e.buf = append(e.buf, "END:VCARD\r\n"...)
	return e.buf
}

func (e *cardEncoder) property(key string, f *vcard.Field) {
	e.line = append(e.line[:0], key...)
	for _, k := range slices.Sorted(maps.Keys(f.Params)) {
		for _, v := range f.Params[k] {
			e.line = append(append(append(append(e.line, ';'), k...), '='), v...)
		}
	}
	e.line = append(append(e.line, ':'), f.Value...)
	e.fold()
}

// fold appends the line, breaking it every 75 octets without splitting a
// UTF-8 sequence (at most 3 bytes back); continuation lines start with a space.
func (e *cardEncoder) fold() {
	line, limit := e.line, maxLineOctets
	for len(line) > limit {
		cut := limit
		for cut > limit-utf8.UTFMax+1 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		e.buf = append(append(e.buf, line[:cut]...), "\r\n "...)
		line, limit = line[cut:], maxLineOctets-1
	}
	e.buf = append(append(e.buf, line...), "\r\n"...)
}
