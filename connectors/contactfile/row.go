package contactfile

import (
	"errors"
	"fmt"
	"io"
	"math"

	"rapport/model"
)

// Row is one parsed input record: its 1-based position (card number or CSV
// line) and either a contact, with the company name the file gave for it
// (vCard ORG, CSV company column; the caller resolves it to an account), or
// the reason the record cannot be used. An Err is a *model.Error whose
// message names the card or line.
type Row struct {
	Line    int
	Contact *model.Contact
	Company string
	Err     error
}

// readAll reads all of r, refusing more than maxBytes. The readers need the
// whole text (CSV to tell UTF-8 from windows-1251); the cap keeps an
// oversized or endless upload from exhausting memory.
func readAll(r io.Reader, maxBytes int64) ([]byte, error) {
	if maxBytes <= 0 {
		return nil, fmt.Errorf("contactfile: maxBytes must be positive, got %d", maxBytes)
	}
	// One byte over the limit tells "exactly maxBytes" from "more".
	b, err := io.ReadAll(io.LimitReader(r, min(maxBytes, math.MaxInt64-1)+1))
	if err != nil {
		return nil, fmt.Errorf("contactfile: read: %w", err)
	}
	if int64(len(b)) > maxBytes {
		return nil, model.Errorf(model.ETOOLARGE, "the file is larger than the limit of %d bytes", maxBytes)
	}
	return b, nil
}

// rowError is a row that could not be parsed at all.
func rowError(line int, code, format string, args ...any) Row {
	return Row{Line: line, Err: model.Errorf(code, format, args...)}
}

// finish normalises and validates a parsed contact. The field errors the
// parser found (a bad birthday, bad JSON) and those of Validate are reported
// together, so one pass over a file shows everything wrong with a record.
func finish(pos string, line int, c *model.Contact, company string, fe model.FieldErrors) Row {
	c.Normalize()
	if err := c.Validate(); err != nil {
		var me *model.Error
		if !errors.As(err, &me) || len(me.Fields) == 0 {
			return rowError(line, model.ErrorCode(err), "%s: %v", pos, err)
		}
		for field, msg := range me.Fields {
			fe.Add(field, msg)
		}
	}
	if len(fe) > 0 {
		return Row{Line: line, Err: &model.Error{Code: model.EINVALID, Message: pos + ": validation failed", Fields: fe}}
	}
	return Row{Line: line, Contact: c, Company: company}
}
