package contactfile

import (
	"bufio"
	"fmt"
	"io"

	"rapport/model"
	"rapport/model/vcardmap"
)

// WriteVCards writes contacts as vCard 4.0, one card per contact, as
// vcardmap.Encode renders them: UID (the contact id), FN, N, ORG when
// accountName (may be nil) knows the account, TITLE, EMAIL/TEL/ADR/URL with
// TYPE (the first of several PREF=1), BDAY, NOTE, CATEGORIES, LANG, REV and
// what a CardDAV client stored beyond that. Lines are folded at 75 octets.
func WriteVCards(w io.Writer, contacts []*model.Contact, accountName func(id string) string) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var buf []byte
	for _, c := range contacts {
		buf = vcardmap.AppendEncode(buf[:0], c, vcardmap.EncodeOptions{Version: "4.0", Company: companyOf(c, accountName)})
		if _, err := bw.Write(buf); err != nil {
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
