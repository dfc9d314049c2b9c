// Package contactfile converts contacts between model.Contact and the files
// people exchange them in: vCard (2.1, 3.0, 4.0), CSV as Excel writes it
// (UTF-8 with or without BOM, or windows-1251; comma or semicolon) and XLSX.
// It is a pure codec: no database, no network. It must not import hub or
// other connectors.
package contactfile

import (
	"errors"
	"fmt"
	"io"

	"rapport/model"
)

// Row is one parsed input record: its 1-based position (card number or CSV
// line) and either a contact (with the company name the file gave) or the
// reason it could not be used.
type Row struct {
	Line    int
	Contact *model.Contact
	Company string
	Err     error
}

// ErrTooLarge is returned for input over the caller's size limit.
var ErrTooLarge = model.Errorf(model.ETOOLARGE, "the file is larger than allowed")

// readAll reads r fully, refusing more than maxBytes.
func readAll(r io.Reader, maxBytes int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("contactfile: read: %w", err)
	}
	if int64(len(b)) > maxBytes {
		return nil, ErrTooLarge
	}
	return b, nil
}

// finish normalises and validates a parsed contact into a row.
func finish(line int, c *model.Contact, company string) Row {
	c.Normalize()
	if err := c.Validate(); err != nil {
		var me *model.Error
		if errors.As(err, &me) {
			return Row{Line: line, Err: me}
		}
		return Row{Line: line, Err: err}
	}
	return Row{Line: line, Contact: c, Company: company}
}
