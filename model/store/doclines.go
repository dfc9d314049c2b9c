package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"rapport/model"
)

// Lines of quotes and orders live in child tables (quote_lines,
// order_lines) keyed by the document and ordered by position, not as JSON in
// the document row: a change to one line of a 500-line quote rewrites that
// line and the document's totals, the document's feed snapshot stays its
// header and totals (the change row carries the changed lines' old and new
// values), and reports sum line amounts in SQL by product.

// lineTables maps priced entities to their line tables.
var lineTables = map[string]string{"quote": "quote_lines", "order": "order_lines", "invoice": invoiceLineTable}

// maxLineDetail is how many changed lines a change row lists one by one;
// beyond it the row carries counts.
const maxLineDetail = 50

// PricedPtr constrains line functions to pointers to priced documents.
type PricedPtr[T any] interface {
	*T
	model.Priced
}

// LineEdit is a change to a document's lines, applied all or nothing.
type LineEdit struct {
	Replace bool                       // drop every existing line first
	Add     []model.LineInput          // appended in order
	Change  map[string]model.LineInput // by line id
	Remove  []string                   // line ids
	// ChangeAll, when set, is applied to every line.
	ChangeAll *model.LineInput
	// Batch makes unknown line ids the client's invalid input (422)
	// rather than a missing resource (404).
	Batch bool
}

// BatchEdit returns the edit of a batch change (check it with b.Check).
func BatchEdit(b model.LineBatch) LineEdit {
	in := b.Input()
	if b.All {
		return LineEdit{ChangeAll: &in, Batch: true}
	}
	change := make(map[string]model.LineInput, len(b.LineIDs))
	for _, id := range b.LineIDs {
		change[id] = in
	}
	return LineEdit{Change: change, Batch: true}
}

// editRecord loads record id for writing (checking ifVersion and the
// actor's right to change it) and runs fn, which mutates it, may write child
// rows, and returns what changed in those children and a domain event. The
// record is then stored as its next version with one change row, also when
// only its children changed; when nothing changed nothing is written.
func editRecord[T any, P RecordPtr[T]](ctx context.Context, s *Store, id string, ifVersion int64,
	fn func(ctx context.Context, rec P) (map[string]model.FieldChange, string, error)) (P, error) {
	var out P
	err := s.WithTx(ctx, func(ctx context.Context) error {
		cur, err := lockForWrite[T, P](ctx, s, id, ifVersion)
		if err != nil {
			return err
		}
		before, err := model.ToMap(cur)
		if err != nil {
			return err
		}
		oldVersion, refsBefore := cur.RecordMeta().Version, refsOf([]model.Record{cur})
		extra, event, err := fn(ctx, cur)
		if err != nil {
			return err
		}
		diff, err := s.checkEdited(ctx, cur, before, refsBefore)
		if err != nil {
			return err
		}
		maps.Copy(diff, extra)
		out = cur
		if len(diff) == 0 && event == "" {
			return nil
		}
		if err := s.writeVersion(ctx, cur, oldVersion, model.OpUpdate, diff); err != nil {
			return err
		}
		s.tagEvent(ctx, event)
		return nil
	})
	return out, err
}

// lockForWrite loads a live record for a write, checks the version the
// client saw and the actor's right to change it.
func lockForWrite[T any, P RecordPtr[T]](ctx context.Context, s *Store, id string, ifVersion int64) (P, error) {
	cur, err := getForUpdate[T, P](ctx, s, id)
	if err != nil {
		return nil, err
	}
	if v := cur.RecordMeta().Version; ifVersion != 0 && v != ifVersion {
		return nil, model.Errorf(model.EPRECONDITION, "the record changed: version is %d, not %d", v, ifVersion)
	}
	return cur, authorizeWrite(model.ActorFrom(ctx), cur)
}

// checkEdited normalises and validates an edited record, checks the actor
// may still write it and its changed references, and returns its diff.
func (s *Store) checkEdited(ctx context.Context, rec model.Record, before map[string]any, refsBefore []model.Ref) (map[string]model.FieldChange, error) {
	rec.Normalize()
	if _, err := validate(rec); err != nil {
		return nil, err
	}
	if err := authorizeWrite(model.ActorFrom(ctx), rec); err != nil {
		return nil, err
	}
	after, err := model.ToMap(rec)
	if err != nil {
		return nil, err
	}
	return model.Diff(before, after), s.checkRefs(ctx, changedRefs(refsBefore, refsOf([]model.Record{rec})))
}

// tagEvent names the domain event of the change just queued.
func (s *Store) tagEvent(ctx context.Context, event string) {
	if st := s.inTx(ctx); event != "" && st != nil && len(st.changes) > 0 {
		st.changes[len(st.changes)-1].change.Event = event
	}
}

// today is the current date in the installation's time zone.
func (s *Store) today() time.Time {
	loc := s.install.Location
	if loc == nil {
		loc = time.UTC
	}
	return now().In(loc)
}

// Lines returns the lines of document docID in order.
func Lines[T any, P PricedPtr[T]](ctx context.Context, s *Store, docID string) ([]model.Line, error) {
	doc, err := Get[T, P](ctx, s, docID)
	if err != nil {
		return nil, err
	}
	return s.linesOf(ctx, doc)
}

func (s *Store) linesOf(ctx context.Context, doc model.Record) ([]model.Line, error) {
	out := []model.Line{}
	err := s.conn(ctx).Table(lineTables[doc.Entity()]).Where("doc_id = ?", doc.RecordMeta().ID).Order("position, id").Find(&out).Error
	return out, dbErr(err)
}

// EditLines applies edit to the lines of document docID, recalculates every
// line and the totals, and stores the changed lines and the document's next
// version with one change row, in one transaction. It returns the document
// and all its lines.
func EditLines[T any, P PricedPtr[T]](ctx context.Context, s *Store, docID string, ifVersion int64, edit LineEdit) (P, []model.Line, error) {
	var lines []model.Line
	doc, err := editRecord(ctx, s, docID, ifVersion, func(ctx context.Context, doc P) (map[string]model.FieldChange, string, error) {
		if err := doc.LinesEditable(); err != nil {
			return nil, "", err
		}
		old, err := s.linesOf(ctx, doc)
		if err != nil {
			return nil, "", err
		}
		if lines, err = s.applyLineEdit(ctx, doc.PricingInfo(), old, edit); err != nil {
			return nil, "", err
		}
		extra, err := s.saveLines(ctx, doc, old, lines)
		return extra, "", err
	})
	return doc, lines, err
}

// applyLineEdit returns old with edit applied, validated and recalculated
// (p's totals are updated too). It writes nothing.
func (s *Store) applyLineEdit(ctx context.Context, p *model.Pricing, old []model.Line, edit LineEdit) ([]model.Line, error) {
	lines := slices.Clone(old)
	if edit.Replace {
		lines = nil
	}
	defaults, err := s.lineDefaults(ctx, p, edit)
	if err != nil {
		return nil, err
	}
	lines, touched, err := editLines(lines, edit, defaults)
	if err != nil {
		return nil, err
	}
	if len(lines) > model.MaxLines {
		return nil, model.FieldErrors{"lines": fmt.Sprintf("at most %d lines", model.MaxLines)}.Err()
	}
	fe := model.FieldErrors{}
	for i := range lines {
		if touched[lines[i].ID] {
			prefix := ""
			if len(touched) > 1 {
				prefix = fmt.Sprintf("lines[%d].", i)
			}
			model.ValidateLine(fe, prefix, &lines[i])
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return lines, recalc(p, lines)
}

// recalc computes lines and copies the totals onto p.
func recalc(p *model.Pricing, lines []model.Line) error {
	t, err := model.Calculate(p, lines)
	if err != nil {
		return err
	}
	p.ApplyTotals(t, len(lines))
	return nil
}

// editLines applies removals, changes and additions to lines and returns
// the ids of the lines it changed or added.
func editLines(lines []model.Line, edit LineEdit, defaults map[string]model.LineDefaults) ([]model.Line, map[string]bool, error) {
	index := map[string]int{}
	next := 0
	for i, l := range lines {
		index[l.ID] = i
		next = max(next, l.Position)
	}
	missing := func(id string) error {
		if edit.Batch {
			return model.FieldErrors{"line_ids": "no line " + id + " in this document"}.Err()
		}
		return model.Errorf(model.ENOTFOUND, "no such line")
	}
	touched := map[string]bool{}
	if edit.ChangeAll != nil {
		for i := range lines {
			if err := edit.ChangeAll.Apply(&lines[i], false, model.LineDefaults{}); err != nil {
				return nil, nil, err
			}
			touched[lines[i].ID] = true
		}
	}
	for _, id := range slices.Sorted(maps.Keys(edit.Change)) {
		i, ok := index[id]
		if !ok {
			return nil, nil, missing(id)
		}
		in := edit.Change[id]
		if err := in.Apply(&lines[i], false, defaults[deref(in.ProductID)]); err != nil {
			return nil, nil, err
		}
		touched[id] = true
	}
	for _, id := range edit.Remove {
		if _, ok := index[id]; !ok {
			return nil, nil, missing(id)
		}
	}
	lines = slices.DeleteFunc(lines, func(l model.Line) bool { return slices.Contains(edit.Remove, l.ID) })
	for _, in := range edit.Add {
		next++
		l := model.Line{ID: model.NewID(), Position: next}
		if err := in.Apply(&l, true, defaults[deref(in.ProductID)]); err != nil {
			return nil, nil, err
		}
		touched[l.ID] = true
		lines = append(lines, l)
	}
	return lines, touched, nil
}

// lineDefaults loads the products the edit names and their prices in p's
// price list. A product that does not exist or is inactive is refused.
func (s *Store) lineDefaults(ctx context.Context, p *model.Pricing, edit LineEdit) (map[string]model.LineDefaults, error) {
	var ids []string
	for _, in := range append(slices.Collect(maps.Values(edit.Change)), edit.Add...) {
		if in.ProductID != nil && *in.ProductID != "" {
			ids = append(ids, *in.ProductID)
		}
	}
	out := map[string]model.LineDefaults{}
	if len(ids) == 0 {
		return out, nil
	}
	ids = model.Dedupe(ids)
	var products []*model.Product
	if err := s.conn(ctx).Where("id IN ? AND deleted_at IS NULL", ids).Find(&products).Error; err != nil {
		return nil, dbErr(err)
	}
	prices := map[string]model.Decimal{}
	if p.PriceListID != nil {
		var err error
		if prices, err = s.pricesOf(ctx, *p.PriceListID, ids); err != nil {
			return nil, err
		}
	}
	for _, pr := range products {
		if !pr.Active {
			return nil, model.FieldErrors{"product_id": "product " + pr.SKU + " is not active"}.Err()
		}
		d := model.LineDefaults{Product: pr}
		if price, ok := prices[pr.ID]; ok {
			d.UnitPrice = &price
		}
		out[pr.ID] = d
	}
	for _, id := range ids {
		if _, ok := out[id]; !ok {
			return nil, model.FieldErrors{"product_id": "no product with id " + id}.Err()
		}
	}
	return out, nil
}

// saveLines writes the lines of doc that differ from old (deleting the
// removed ones) with batched statements, and returns the "lines" field of
// the document's change row.
func (s *Store) saveLines(ctx context.Context, doc model.Record, old, lines []model.Line) (map[string]model.FieldChange, error) {
	docID, table := doc.RecordMeta().ID, lineTables[doc.Entity()]
	before := make(map[string]*model.Line, len(old))
	for i := range old {
		before[old[i].ID] = &old[i]
	}
	var write []model.Line
	var gone []string
	detail := lineDiff{Old: map[string]any{}, New: map[string]any{}}
	for i := range lines {
		l := &lines[i]
		l.DocID = docID
		prev, had := before[l.ID]
		delete(before, l.ID)
		if had && prev.Same(l) {
			continue
		}
		if had {
			gone = append(gone, l.ID)
		}
		detail.add(l.ID, prev, l)
		write = append(write, *l)
	}
	for id, prev := range before {
		gone = append(gone, id)
		detail.add(id, prev, nil)
	}
	if err := s.writeLines(ctx, table, docID, len(old), gone, write); err != nil {
		return nil, err
	}
	if len(detail.Old) == 0 {
		return nil, nil
	}
	return map[string]model.FieldChange{"lines": detail.field(len(old), len(lines))}, nil
}

// writeLines deletes the lines gone (all of the document's when that is
// every old line) and inserts write in batches. A changed invoice line is
// rewritten with the source it had (see invoiceLineSources).
func (s *Store) writeLines(ctx context.Context, table, docID string, oldCount int, gone []string, write []model.Line) error {
	var sources map[string]model.InvoiceLine
	if table == invoiceLineTable && len(write) > 0 {
		var err error
		if sources, err = s.invoiceLineSources(ctx, docID, gone); err != nil {
			return err
		}
	}
	db := s.conn(ctx).Table(table)
	switch {
	case len(gone) > 0 && len(gone) == oldCount:
		if err := db.Where("doc_id = ?", docID).Delete(&model.Line{}).Error; err != nil {
			return dbErr(err)
		}
	case len(gone) > 0:
		for start := 0; start < len(gone); start += 500 {
			chunk := gone[start:min(start+500, len(gone))]
			if err := s.conn(ctx).Table(table).Where("doc_id = ? AND id IN ?", docID, chunk).Delete(&model.Line{}).Error; err != nil {
				return dbErr(err)
			}
		}
	}
	switch {
	case len(write) == 0:
		return nil
	case table == invoiceLineTable:
		return s.insertInvoiceLines(ctx, withSources(write, sources))
	}
	if st := s.inTx(ctx); s.canCopy(st, len(write)) {
		return s.copyLines(ctx, st, table, lineColumns, len(write), func(i int) ([]any, error) { return lineRow(&write[i]) })
	}
	return dbErr(s.conn(ctx).Table(table).CreateInBatches(&write, s.batchRows(15)).Error)
}

// lineColumns are the columns of a line table, in lineRow's order.
var lineColumns = []string{"id", "doc_id", "position", "product_id", "description", "unit", "quantity", "unit_price",
	"discount_pct", "tax_rate", "list_amount", "discount_amount", "net_amount", "tax_amount", "gross_amount"}

// copyLines inserts n lines with PostgreSQL's COPY; row(i) gives the
// values of line i in the order of cols.
func (s *Store) copyLines(ctx context.Context, st *txState, table string, cols []string, n int, row func(i int) ([]any, error)) error {
	rows := make([][]any, n)
	for i := range rows {
		var err error
		if rows[i], err = row(i); err != nil {
			return err
		}
	}
	return s.copyRows(ctx, st, table, cols, rows)
}

// lineRow is the values of a line in lineColumns' order.
func lineRow(l *model.Line) ([]any, error) {
	var product any
	if l.ProductID != nil {
		product = *l.ProductID
	}
	row := []any{l.ID, l.DocID, l.Position, product, l.Description, l.Unit}
	for _, d := range []model.Decimal{l.Quantity, l.UnitPrice, l.DiscountPct, l.TaxRate, l.ListAmount, l.DiscountAmount, l.NetAmount, l.TaxAmount, l.GrossAmount} {
		v, err := d.Value()
		if err != nil {
			return nil, model.Errorf(model.EINVALID, "a line amount is too large to store")
		}
		row = append(row, v)
	}
	return row, nil
}

// lineDiff collects changed lines' old and new values for the change row.
type lineDiff struct {
	Old, New map[string]any
	added    int
	removed  int
}

func (d *lineDiff) add(id string, prev, next *model.Line) {
	var old any = prev
	if prev == nil {
		old = nil
		d.added++
	}
	var nv any = next
	if next == nil {
		nv = nil
		d.removed++
	}
	d.Old[id], d.New[id] = old, nv
}

// field returns the "lines" field: each changed line's old and new value,
// or counts when many lines changed.
func (d *lineDiff) field(oldCount, newCount int) model.FieldChange {
	if len(d.Old) <= maxLineDetail {
		return model.FieldChange{Old: d.Old, New: d.New}
	}
	return model.FieldChange{Old: map[string]any{"count": oldCount},
		New: map[string]any{"count": newCount, "added": d.added, "removed": d.removed, "changed": len(d.Old) - d.added - d.removed}}
}
