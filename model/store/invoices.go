package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/shopspring/decimal"

	"rapport/model"
)

// Invoices and credit notes are priced documents (priced.go, doclines.go)
// whose lines also say where their amount comes from (source_type,
// source_id). A draft has no number: issuing draws the next gapless
// INV-yyyy-nnnnn in the issuing transaction, so a failed issue gives its
// number back. An issued invoice never changes; a credit note reverses
// what it credits.

// invoiceLineTable holds the lines of invoices and credit notes.
const invoiceLineTable = "invoice_lines"

// CreateInvoice creates a draft invoice (no number until it is issued)
// with manual lines, in one transaction. Status, kind, number and what
// the invoice credits are the server's.
func (s *Store) CreateInvoice(ctx context.Context, inv *model.Invoice, lines []model.LineInput) ([]model.Line, error) {
	inv.Number, inv.Kind, inv.Status, inv.CreditOfID, inv.BillingRunID = "", model.InvoiceKindInvoice, model.InvoiceDraft, nil, nil
	inv.IssueDate, inv.DueDate, inv.IssuedAt, inv.PaidOn, inv.PaidAt, inv.PaymentRef = nil, nil, nil, nil, nil, ""
	return CreatePriced(ctx, s, inv, "", lines)
}

// InvoiceLines returns the lines of an invoice the actor may see, in
// order, with their sources.
func (s *Store) InvoiceLines(ctx context.Context, id string) ([]model.InvoiceLine, error) {
	if _, err := Get[model.Invoice](ctx, s, id); err != nil {
		return nil, err
	}
	out := []model.InvoiceLine{}
	err := s.conn(ctx).Where("doc_id = ?", id).Order("position, id").Find(&out).Error
	return out, dbErr(err)
}

// IssueInvoice issues a draft invoice or credit note with at least one
// line: the next gapless number, drawn in this transaction; issued today
// (in the installation's zone), due after its payment terms. The change
// row carries invoice.issued.
func (s *Store) IssueInvoice(ctx context.Context, id string, ifVersion int64) (*model.Invoice, error) {
	return editRecord(ctx, s, id, ifVersion, func(ctx context.Context, inv *model.Invoice) (map[string]model.FieldChange, string, error) {
		if err := inv.Issuable(); err != nil {
			return nil, "", err
		}
		n, err := s.NextNumber(ctx, model.InvoiceNumberKind)
		if err != nil {
			return nil, "", err
		}
		inv.Issue(n, s.todayDate(), now())
		return nil, "", nil
	})
}

// Payment is the body of a payment: the day it arrived (default today)
// and the bank's or the customer's reference.
type Payment struct {
	PaidOn     *model.Date `json:"paid_on"`
	PaymentRef string      `json:"payment_ref"`
}

// PayInvoice records the payment of an issued or overdue invoice (or the
// refund of a credit note); the change row carries invoice.paid.
func (s *Store) PayInvoice(ctx context.Context, id string, ifVersion int64, p Payment) (*model.Invoice, error) {
	return editRecord(ctx, s, id, ifVersion, func(ctx context.Context, inv *model.Invoice) (map[string]model.FieldChange, string, error) {
		today := s.todayDate()
		on := today
		if p.PaidOn != nil {
			on = *p.PaidOn
		}
		return nil, "", inv.Pay(on, today, p.PaymentRef, now())
	})
}

// CreditLine asks to credit quantity of one invoice line (nil: all that
// is left of it).
type CreditLine struct {
	LineID   string         `json:"line_id"`
	Quantity *model.Decimal `json:"quantity"`
}

// CreditInvoice makes a draft credit note against an issued invoice: for
// each line asked (none: every line) the quantity given, never more than
// is left to credit after the invoice's other credit notes (drafts
// included), at the line's price, discount and tax. The invoice itself
// is not written. It returns the credit note and its lines.
func (s *Store) CreditInvoice(ctx context.Context, id string, ifVersion int64, ask []CreditLine) (*model.Invoice, []model.InvoiceLine, error) {
	var note *model.Invoice
	var lines []model.InvoiceLine
	err := s.WithTx(ctx, func(ctx context.Context) error {
		inv, err := lockForWrite[model.Invoice](ctx, s, id, ifVersion) // two credits of one invoice queue here
		if err != nil {
			return err
		}
		if note, err = inv.CreditNote(); err != nil {
			return err
		}
		if lines, err = s.creditLines(ctx, inv, ask); err != nil {
			return err
		}
		defaultOwner(ctx, note)
		note.Normalize()
		return s.insertInvoice(ctx, note, lines)
	})
	return note, lines, err
}

// creditLines returns the lines of a credit note against inv for what ask
// names, each a copy of the credited line with source credit/line id.
func (s *Store) creditLines(ctx context.Context, inv *model.Invoice, ask []CreditLine) ([]model.InvoiceLine, error) {
	var lines []model.InvoiceLine
	if err := s.conn(ctx).Where("doc_id = ?", inv.ID).Order("position, id").Find(&lines).Error; err != nil {
		return nil, dbErr(err)
	}
	credited, err := s.creditedQuantities(ctx, lines)
	if err != nil {
		return nil, err
	}
	if len(ask) == 0 {
		for _, l := range lines {
			if left := l.Quantity.Sub(credited[l.ID].Decimal); left.IsPositive() {
				ask = append(ask, CreditLine{LineID: l.ID})
			}
		}
		if len(ask) == 0 {
			return nil, model.Errorf(model.ECONFLICT, "invoice %s is credited in full already", inv.Number)
		}
	}
	out := make([]model.InvoiceLine, 0, len(ask))
	for i, a := range ask {
		k := slices.IndexFunc(lines, func(l model.InvoiceLine) bool { return l.ID == a.LineID })
		if k < 0 || slices.ContainsFunc(ask[:i], func(o CreditLine) bool { return o.LineID == a.LineID }) {
			return nil, fieldErr(fmt.Sprintf("lines[%d].line_id", i), "not a line of invoice "+inv.Number+", or named twice")
		}
		l, err := creditLine(lines[k], credited[a.LineID], a.Quantity, i)
		if err != nil {
			return nil, err
		}
		l.Position = i + 1
		out = append(out, l)
	}
	return out, nil
}

// creditLine copies line for a credit note of quantity (nil: what is left
// after credited); the i-th line asked names it in errors.
func creditLine(line model.InvoiceLine, credited model.Decimal, quantity *model.Decimal, i int) (model.InvoiceLine, error) {
	left := line.Quantity.Sub(credited.Decimal)
	q := model.Decimal{Decimal: left}
	if quantity != nil {
		q = *quantity
	}
	field := fmt.Sprintf("lines[%d].quantity", i)
	switch {
	case quantity != nil && (!q.IsPositive() || !q.Fits()):
		return line, fieldErr(field, "greater than 0, at most 4 decimal places")
	case q.GreaterThan(left) || !left.IsPositive():
		return line, model.Errorf(model.ECONFLICT, "line %d (%s) has %s of %s left to credit", line.Position, line.Description,
			decimal.Max(left, decimal.Zero), line.Quantity)
	}
	out := model.InvoiceLine{Line: line.Line, SourceType: model.SourceCredit, SourceID: line.ID}
	out.ID, out.DocID, out.Quantity = model.NewID(), "", q
	return out, nil
}

// creditedQuantities sums, per line, the quantities that live credit
// notes (drafts included) credit already.
func (s *Store) creditedQuantities(ctx context.Context, lines []model.InvoiceLine) (map[string]model.Decimal, error) {
	ids := make([]string, len(lines))
	for i, l := range lines {
		ids[i] = l.ID
	}
	out := map[string]model.Decimal{}
	for start := 0; start < len(ids); start += 500 {
		var rows []struct {
			SourceID string
			Quantity model.Decimal
		}
		err := s.conn(ctx).Table(invoiceLineTable+" AS l").Joins("JOIN invoices i ON i.id = l.doc_id").
			Select("l.source_id, SUM(l.quantity) AS quantity").
			Where("l.source_type = 'credit' AND l.source_id IN ? AND i.deleted_at IS NULL", ids[start:min(start+500, len(ids))]). // the literal lets SQLite use invoice_lines_credit
			Group("l.source_id").Find(&rows).Error
		if err != nil {
			return nil, dbErr(err)
		}
		for _, r := range rows {
			out[r.SourceID] = r.Quantity
		}
	}
	return out, nil
}

// insertInvoice prices lines, then validates and stores a new invoice with
// them in the transaction in ctx.
func (s *Store) insertInvoice(ctx context.Context, inv *model.Invoice, lines []model.InvoiceLine) error {
	if err := priceInvoice(inv, lines); err != nil {
		return err
	}
	inv.ID = model.NewID()
	if err := Create(ctx, s, inv); err != nil {
		return err
	}
	for i := range lines {
		lines[i].DocID = inv.ID
	}
	return s.insertInvoiceLines(ctx, lines)
}

// priceInvoice computes the amounts of lines and the invoice's totals with
// the shared line arithmetic.
func priceInvoice(inv *model.Invoice, lines []model.InvoiceLine) error {
	plain := make([]model.Line, len(lines))
	for i := range lines {
		plain[i] = lines[i].Line
	}
	if err := recalc(&inv.Pricing, plain); err != nil {
		return err
	}
	for i := range lines {
		lines[i].Line = plain[i]
	}
	return nil
}

// invoiceLineColumns are the columns of invoice_lines, in invoiceLineRow's order.
var invoiceLineColumns = append(slices.Clone(lineColumns), "source_type", "source_id")

// insertInvoiceLines inserts invoice lines with their sources: COPY on
// PostgreSQL for many, multi-row inserts otherwise. The unique index on
// (source_type, source_id) refuses an item billed twice.
func (s *Store) insertInvoiceLines(ctx context.Context, lines []model.InvoiceLine) error {
	if len(lines) == 0 {
		return nil
	}
	if st := s.inTx(ctx); s.canCopy(st, len(lines)) {
		return s.copyLines(ctx, st, invoiceLineTable, invoiceLineColumns, len(lines), func(i int) ([]any, error) {
			row, err := lineRow(&lines[i].Line)
			return append(row, lines[i].SourceType, lines[i].SourceID), err
		})
	}
	return dbErr(s.conn(ctx).CreateInBatches(&lines, s.batchRows(len(invoiceLineColumns))).Error)
}

// invoiceLineSources returns the sources of the document's lines ids that
// bill something (not manual), by line id: a changed invoice line is
// deleted and inserted again, and must keep what it bills.
func (s *Store) invoiceLineSources(ctx context.Context, docID string, ids []string) (map[string]model.InvoiceLine, error) {
	out := map[string]model.InvoiceLine{}
	for start := 0; start < len(ids); start += 500 {
		var rows []model.InvoiceLine
		err := s.conn(ctx).Select("id, source_type, source_id").
			Where("doc_id = ? AND id IN ? AND source_type <> ?", docID, ids[start:min(start+500, len(ids))], model.SourceManual).Find(&rows).Error
		if err != nil {
			return nil, dbErr(err)
		}
		for _, r := range rows {
			out[r.ID] = r
		}
	}
	return out, nil
}

// withSources turns lines into invoice lines with the source each had
// (manual for lines not in sources).
func withSources(lines []model.Line, sources map[string]model.InvoiceLine) []model.InvoiceLine {
	out := make([]model.InvoiceLine, len(lines))
	for i, l := range lines {
		out[i] = model.InvoiceLine{Line: l, SourceType: model.SourceManual}
		if src, ok := sources[l.ID]; ok {
			out[i].SourceType, out[i].SourceID = src.SourceType, src.SourceID
		}
	}
	return out
}

// invoiceBatch bounds the invoices one MarkOverdueInvoices pass reads.
const invoiceBatch = 500

// MarkOverdueInvoices marks issued invoices whose due date is before today
// (in the installation's zone) overdue, each in its own write with the
// invoice.overdue event, at most limit per call; it returns how many.
func (s *Store) MarkOverdueInvoices(ctx context.Context, limit int) (int, error) {
	today := s.todayDate()
	var ids []string
	err := s.conn(ctx).Model(&model.Invoice{}).
		Where("status = ? AND kind = ? AND due_date < ? AND deleted_at IS NULL", model.InvoiceIssued, model.InvoiceKindInvoice, today).
		Order("due_date, id").Limit(min(limit, invoiceBatch)).Pluck("id", &ids).Error
	if err != nil {
		return 0, dbErr(err)
	}
	marked := 0
	for _, id := range ids {
		changed := false
		_, err := Update(serverWrite(ctx), s, id, 0, func(inv *model.Invoice) error { changed = inv.MarkOverdue(today); return nil })
		if err != nil && model.ErrorCode(err) != model.ENOTFOUND { // deleted meanwhile: nothing to mark
			return marked, err
		}
		if changed {
			marked++
		}
	}
	return marked, nil
}
