package contactfile

import (
	"bytes"
	"io"
	"mime/quotedprintable"
	"regexp"
	"strings"
	"time"

	"github.com/emersion/go-vcard"
	"golang.org/x/text/encoding/htmlindex"

	"rapport/model"
)

var (
	beginCard = regexp.MustCompile(`(?im)^BEGIN:VCARD\r?$`)
	endCard   = regexp.MustCompile(`(?im)^END:VCARD\r?$`)
)

// ReadVCards parses a .vcf stream with many cards. Each card is cut out and
// decoded on its own, so a broken card yields a Row with Err and the others
// are kept. It fails as a whole only for an unreadable or oversized stream.
func ReadVCards(r io.Reader, maxBytes int64) ([]Row, error) {
	data, err := readAll(r, maxBytes)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var rows []Row
	for n, chunk := range splitCards(data) {
		rows = append(rows, parseCard(n+1, chunk))
	}
	return rows, nil
}

// splitCards returns the text of each BEGIN:VCARD … END:VCARD block; a block
// without END runs to the next BEGIN (and then fails to decode on its own).
func splitCards(data []byte) [][]byte {
	starts := beginCard.FindAllIndex(data, -1)
	var out [][]byte
	for i, s := range starts {
		stop := len(data)
		if i+1 < len(starts) {
			stop = starts[i+1][0]
		}
		block := data[s[0]:stop]
		if e := endCard.FindIndex(block); e != nil {
			block = block[:e[1]]
		}
		out = append(out, block)
	}
	return out
}

func parseCard(n int, chunk []byte) Row {
	card, err := vcard.NewDecoder(bytes.NewReader(typeBareParams(unfoldQuotedPrintable(chunk)))).Decode()
	if err != nil {
		return Row{Line: n, Err: model.Errorf(model.EINVALID, "card %d is not valid vCard: %v", n, err)}
	}
	decodeLegacy(card)
	c, company := fromCard(card)
	return finish(n, c, company)
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

// typeBareParams rewrites vCard 2.1 bare parameters ("TEL;CELL;VOICE:…")
// as TYPE= parameters, which the decoder otherwise misreads.
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

// decodeLegacy decodes vCard 2.1 ENCODING=QUOTED-PRINTABLE values and
// CHARSET= parameters (windows-1251, koi8-r …) into UTF-8.
func decodeLegacy(card vcard.Card) {
	for _, fields := range card {
		for _, f := range fields {
			if strings.EqualFold(f.Params.Get("ENCODING"), "QUOTED-PRINTABLE") {
				if b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(f.Value))); err == nil {
					f.Value = string(b)
				}
			}
			if cs := f.Params.Get("CHARSET"); cs != "" && !strings.EqualFold(cs, "utf-8") {
				if enc, err := htmlindex.Get(cs); err == nil {
					if s, err := enc.NewDecoder().String(f.Value); err == nil {
						f.Value = s
					}
				}
			}
		}
	}
}

func fromCard(card vcard.Card) (*model.Contact, string) {
	c := &model.Contact{DisplayName: card.PreferredValue(vcard.FieldFormattedName), Title: card.Value(vcard.FieldTitle),
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
	c.Birthday = parseBirthday(card.Value(vcard.FieldBirthday))
	company, _, _ := strings.Cut(card.Value(vcard.FieldOrganization), ";")
	return c, strings.TrimSpace(company)
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

// parseBirthday accepts YYYY-MM-DD, YYYYMMDD and date-times; year-less dates
// (--MMDD) have no place in a date and are dropped.
func parseBirthday(v string) *model.Date {
	v = strings.TrimSpace(v)
	for _, layout := range []string{"2006-01-02", "20060102", "2006-01-02T15:04:05Z07:00", "20060102T150405Z"} {
		if t, err := time.Parse(layout, v); err == nil {
			return &model.Date{Time: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}
		}
	}
	return nil
}

// WriteVCards writes contacts as vCard 4.0, one card each, UID = contact id.
// accountName resolves account ids to ORG (nil: no ORG).
func WriteVCards(w io.Writer, contacts []*model.Contact, accountName func(id string) string) error {
	enc := vcard.NewEncoder(w)
	for _, c := range contacts {
		if err := enc.Encode(toCard(c, accountName)); err != nil {
			return err
		}
	}
	return nil
}

func toCard(c *model.Contact, accountName func(string) string) vcard.Card {
	card := vcard.Card{}
	card.SetValue(vcard.FieldVersion, "4.0")
	card.SetValue(vcard.FieldUID, "urn:uuid:"+c.ID)
	card.SetValue(vcard.FieldFormattedName, c.DisplayName)
	card.SetName(&vcard.Name{FamilyName: c.LastName, GivenName: c.FirstName, AdditionalName: c.MiddleName})
	if org := orgName(c, accountName); org != "" {
		card.SetValue(vcard.FieldOrganization, org)
	}
	setIf(card, vcard.FieldTitle, c.Title)
	setIf(card, vcard.FieldNote, c.Notes)
	setIf(card, vcard.FieldLanguage, c.Language)
	for _, e := range c.Emails {
		card.Add(vcard.FieldEmail, &vcard.Field{Value: e.Value, Params: vcard.Params{vcard.ParamType: {e.Type}}})
	}
	for _, p := range c.Phones {
		card.Add(vcard.FieldTelephone, &vcard.Field{Value: p.Value, Params: vcard.Params{vcard.ParamType: {vcardPhoneType(p.Type)}}})
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

func vcardPhoneType(t string) string {
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

func orgName(c *model.Contact, accountName func(string) string) string {
	if accountName == nil || c.AccountID == nil {
		return ""
	}
	return accountName(*c.AccountID)
}
