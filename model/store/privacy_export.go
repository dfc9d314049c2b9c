package store

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"rapport/model"
)

// PrivacyExportFormat names the layout of a privacy export archive.
const PrivacyExportFormat = "rapport-privacy-export/1"

// PrivacyExportSummary says what an export wrote.
type PrivacyExportSummary struct {
	ContactID string `json:"contact_id"`
	// Records counts the rows in person.json; Files and Bytes the files
	// under files/; Missing lists files the blob store did not have.
	Records int      `json:"records"`
	Files   int      `json:"files"`
	Bytes   int64    `json:"bytes"`
	Missing []string `json:"missing,omitempty"`
}

// exportFile is a file of the archive: its path and the blob it holds.
type exportFile struct{ path, sha string }

// exporter is one export's state.
type exporter struct {
	s     *Store
	e     *erasure
	j     *jsonStream
	files []exportFile
	seen  map[string]bool // "entity:id" already written
	sum   *PrivacyExportSummary
}

// PrivacyExport writes everything Rapport holds about a person to w as one
// zip archive: person.json (the contact and its merged duplicates, their
// consent state, every record that refers to them or that an erasure would
// touch — activities, requests and their entries, deals, quotes, orders and
// invoices with their lines, contracts, registered products, returns,
// leads, campaign and mailing-list memberships, mail received and sent,
// quarantined mail — and what else mentions their addresses or numbers,
// their contact's change history, the webhook deliveries and inbound
// messages that carry them, and the audit events about them), then under
// files/ their attachments (the photo among them), and each ingested or
// quarantined mail as received (.eml). It streams: rows are read a page at
// a time and files are copied from blobs. An audit event records the
// export before anything is written. Admins only.
func (s *Store) PrivacyExport(ctx context.Context, id string, w io.Writer, blobs BlobSource, ip string) (*PrivacyExportSummary, error) {
	if !model.ActorFrom(ctx).IsAdmin() {
		return nil, model.Errorf(model.EFORBIDDEN, "exporting a person's data is for admins (with an admin-scoped token)")
	}
	p, err := s.loadPerson(ctx, id, false)
	if err != nil {
		return nil, err
	}
	if err := s.Audit(ctx, AuditContactExported, p.contact.ID, "", ip, map[string]any{"format": PrivacyExportFormat}); err != nil {
		return nil, err
	}
	zw := zip.NewWriter(w)
	t := now()
	out, err := zw.CreateHeader(&zip.FileHeader{Name: "person.json", Method: zip.Deflate, Modified: t})
	if err != nil {
		return nil, fmt.Errorf("store: privacy export: %w", err)
	}
	bw := bufio.NewWriterSize(out, 64<<10)
	x := &exporter{s: s, e: newErasure(p, nil), j: &jsonStream{w: bw}, seen: map[string]bool{},
		sum: &PrivacyExportSummary{ContactID: p.contact.ID}}
	// What the person shares with others (a switchboard) finds the others'
	// records, not theirs: as for an erasure, it is not looked for.
	if err := s.shareCheck(ctx, x.e); err != nil {
		return nil, err
	}
	if err := x.person(ctx, t); err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, fmt.Errorf("store: privacy export: %w", err)
	}
	if err := x.copyFiles(ctx, zw, blobs, t); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("store: privacy export: %w", err)
	}
	return x.sum, nil
}

// person writes person.json.
func (x *exporter) person(ctx context.Context, t time.Time) error {
	p, j := x.e.p, x.j
	j.open()
	j.field("format", PrivacyExportFormat)
	j.field("exported_at", t)
	j.field("exported_by", model.ActorFrom(ctx).Name)
	j.field("contact_id", p.contact.ID)
	j.field("contact", p.contact)
	x.seen["contact:"+p.contact.ID] = true
	j.field("consent", map[string]any{"unsubscribed": p.contact.Unsubscribed, "unsubscribed_at": p.contact.UnsubscribedAt,
		"note": "mailing lists and campaigns leave out an unsubscribed person; mail_suppressions lists addresses no mail goes to"})
	shared := []string{}
	for _, r := range x.e.review {
		shared = append(shared, r.Why)
	}
	j.field("not_searched", shared)
	if err := x.duplicates(ctx); err != nil {
		return err
	}
	for _, st := range eraseSteps {
		if st.entity == "" {
			continue
		}
		if err := x.records(ctx, st); err != nil {
			return err
		}
	}
	for _, sec := range []func(context.Context) error{x.memberships, x.transfers, x.mentions, x.history, x.deliveries, x.inbound, x.audit} {
		if err := sec(ctx); err != nil {
			return err
		}
	}
	j.close()
	return j.err
}

// duplicates writes the tombstones of the contacts merged into the person.
func (x *exporter) duplicates(ctx context.Context) error {
	x.j.openArray("merged_duplicates")
	defer x.j.closeArray()
	return x.s.eachRecord(ctx, "contact", inCond("id", x.e.p.ids[1:]), false, func(rec model.Record) error {
		x.seen["contact:"+rec.RecordMeta().ID] = true
		x.item(rec)
		return nil
	})
}

// records writes the rows of one erase step that concern the person, with
// what belongs to them (lines, bodies, history, files).
func (x *exporter) records(ctx context.Context, st eraseStep) error {
	c, err := st.candidates(x.s, x.e)
	if err != nil {
		return err
	}
	x.j.openArray(st.table)
	defer x.j.closeArray()
	return x.s.eachRecord(ctx, st.entity, c, false, func(rec model.Record) error {
		action, _ := st.decide(x.e, rec)
		if action == "" {
			return nil
		}
		id := rec.RecordMeta().ID
		if action != EraseKept {
			x.e.decided(st.entity, id, action)
		}
		x.seen[st.entity+":"+id] = true
		row, err := model.ToMap(rec)
		if err != nil {
			return err
		}
		if err := x.extras(ctx, rec, row); err != nil {
			return err
		}
		x.item(row)
		return nil
	})
}

// extras adds to a record's row what is stored beside it: document lines,
// mail bodies, return lines and status history, ownership transfers, and
// the archive paths of its files.
func (x *exporter) extras(ctx context.Context, rec model.Record, row map[string]any) error {
	db := x.s.conn(ctx)
	var err error
	switch r := rec.(type) {
	case *model.Quote, *model.Order, *model.Invoice:
		row["lines"], err = rowsOf(db.Table(r.Entity()+"_lines").Where("doc_id = ?", r.RecordMeta().ID).Order("position"))
	case *model.RMA:
		row["lines"], err = rowsOf(db.Table("rma_lines").Where("rma_id = ?", r.ID).Order("position"))
		if err == nil {
			row["status_changes"], err = rowsOf(db.Table("rma_status_changes").Where("rma_id = ?", r.ID).Order("at"))
		}
	case *model.Registration:
		row["transfers"], err = rowsOf(db.Table("registration_transfers").Where("registration_id = ?", r.ID).Order("at"))
	case *model.MailMessage:
		var body model.MailBody
		if err = db.Where("mail_message_id = ?", r.ID).Limit(1).Find(&body).Error; err == nil {
			row["text"], row["html"] = body.Text, body.HTML
		}
		if len(r.SHA256) == 64 {
			row["file"] = x.addFile("files/mail/"+r.ID+".eml", r.SHA256)
		}
	case *model.MailQuarantine:
		if len(r.SHA256) == 64 {
			row["file"] = x.addFile("files/quarantine/"+r.ID+".eml", r.SHA256)
		}
	case *model.Attachment:
		if len(r.SHA256) == 64 {
			row["file"] = x.addFile("files/attachments/"+r.ID+"/"+r.Filename, r.SHA256)
		}
		if r.RecordType == "contact" && x.e.p.contact.PhotoID != nil && *x.e.p.contact.PhotoID == r.ID {
			row["photo"] = true
		}
	}
	return dbErr(err)
}

// rowsOf reads the rows of q as generic objects (small side tables).
func rowsOf(q *gorm.DB) ([]map[string]any, error) {
	var out []map[string]any
	err := q.Find(&out).Error
	if out == nil {
		out = []map[string]any{}
	}
	return out, err
}

// addFile lists a file for the archive and returns its path.
func (x *exporter) addFile(path, sha string) string {
	x.files = append(x.files, exportFile{path: path, sha: sha})
	return path
}

// memberships writes the person's static mailing-list memberships.
func (x *exporter) memberships(ctx context.Context) error {
	rows, err := rowsOf(x.s.conn(ctx).Table("mailing_list_members AS m").
		Select("m.list_id, l.name AS list_name, m.added_at, m.added_by").Joins("LEFT JOIN mailing_lists l ON l.id = m.list_id").
		Where("m.contact_id IN ?", x.e.p.ids).Order("m.list_id"))
	if err != nil {
		return dbErr(err)
	}
	x.j.field("mailing_list_memberships", rows)
	x.sum.Records += len(rows)
	return nil
}

// transfers writes the ownership transfers that name the person.
func (x *exporter) transfers(ctx context.Context) error {
	ids := x.e.p.ids
	rows, err := rowsOf(x.s.conn(ctx).Table("registration_transfers").
		Where("from_contact_id IN ? OR to_contact_id IN ?", ids, ids).Order("at"))
	if err != nil {
		return dbErr(err)
	}
	x.j.field("registration_transfers", rows)
	x.sum.Records += len(rows)
	return nil
}

// mentions writes the records that do not refer to the person but whose
// text carries their e-mail addresses or phone numbers.
func (x *exporter) mentions(ctx context.Context) error {
	x.j.openArray("mentions")
	defer x.j.closeArray()
	if len(x.e.p.emails)+len(x.e.p.phones) == 0 {
		return nil
	}
	for _, entity := range slices.Concat(mentionEntities, mentionReview) {
		cols, err := x.s.textColumns(entity)
		if err != nil {
			return err
		}
		sql, args := x.e.p.sqlDetails(cols...)
		err = x.s.eachRecord(ctx, entity, cond(sql, args...), false, func(rec model.Record) error {
			if key := entity + ":" + rec.RecordMeta().ID; !x.seen[key] {
				x.seen[key] = true
				x.item(map[string]any{"entity": entity, "record": rec})
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// history writes the change feed's rows of the person's contact (and of
// its merged duplicates): every version, with the fields each changed.
func (x *exporter) history(ctx context.Context) error {
	x.j.openArray("contact_history")
	defer x.j.closeArray()
	return eachRow(ctx, x.s, "changes", "seq", int64(0), cond("entity = ? AND record_id IN ?", "contact", x.e.p.ids),
		func(c *model.Change) any { return c.Seq }, func(c *model.Change) error { x.item(c); return nil })
}

// deliveries writes the webhook deliveries whose payload names the person.
func (x *exporter) deliveries(ctx context.Context) error {
	x.j.openArray("webhook_deliveries")
	defer x.j.closeArray()
	return eachRow(ctx, x.s, "webhook_deliveries", "id", "", x.naming("payload"),
		func(d *model.WebhookDelivery) any { return d.ID }, func(d *model.WebhookDelivery) error { x.item(d); return nil })
}

// inbound writes the inbound webhook messages that made the person's
// records or carry their details.
func (x *exporter) inbound(ctx context.Context) error {
	x.j.openArray("inbound_messages")
	defer x.j.closeArray()
	var made []string
	for key := range x.seen {
		_, id, _ := strings.Cut(key, ":")
		made = append(made, id)
	}
	slices.Sort(made)
	c := x.naming("payload")
	for start := 0; start < len(made); start += 500 {
		c = orConds(c, inCond("record_id", made[start:min(start+500, len(made))]))
	}
	return eachRow(ctx, x.s, "inbound_messages", "id", "", c,
		func(m *model.InboundMessage) any { return m.ID }, func(m *model.InboundMessage) error { x.item(m); return nil })
}

// audit writes the audit events about the person (exports among them).
func (x *exporter) audit(ctx context.Context) error {
	x.j.openArray("audit_events")
	defer x.j.closeArray()
	return eachRow(ctx, x.s, "audit_events", "id", "", inCond("target_id", x.e.p.ids),
		func(a *model.AuditEvent) any { return a.ID }, func(a *model.AuditEvent) error { x.item(a); return nil })
}

// naming selects rows whose column names the person: their ids, addresses
// or numbers.
func (x *exporter) naming(column string) sqlCond {
	var parts []sqlCond
	for _, id := range x.e.p.ids {
		parts = append(parts, cond("instr("+column+", ?) > 0", id))
	}
	sql, args := x.e.p.sqlDetails(column)
	return orConds(append(parts, cond(sql, args...))...)
}

// item writes one element of the open array and counts it.
func (x *exporter) item(v any) {
	x.j.item(v)
	x.sum.Records++
}

// copyFiles writes the listed files under files/, each once.
func (x *exporter) copyFiles(ctx context.Context, zw *zip.Writer, blobs BlobSource, t time.Time) error {
	var missing []string
	for _, f := range x.files {
		rc, err := blobs.Open(ctx, f.sha)
		if model.ErrorCode(err) == model.ENOTFOUND {
			missing = append(missing, f.path)
			continue
		}
		if err != nil {
			return fmt.Errorf("store: privacy export: %s: %w", f.path, err)
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.path, Method: zip.Deflate, Modified: t})
		if err == nil {
			var n int64
			n, err = io.Copy(w, rc)
			x.sum.Bytes += n
		}
		rc.Close()
		if err != nil {
			return fmt.Errorf("store: privacy export: %s: %w", f.path, err)
		}
		x.sum.Files++
	}
	if len(missing) == 0 {
		return nil
	}
	x.sum.Missing = missing
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "MISSING.txt", Method: zip.Deflate, Modified: t})
	if err == nil {
		_, err = io.WriteString(w, "person.json names these files, but the blob store did not have them:\n"+strings.Join(missing, "\n")+"\n")
	}
	return err
}

// jsonStream writes one JSON object member by member, arrays element by
// element, so that an export never holds more than a page of rows. The
// first error sticks and stops further writing.
type jsonStream struct {
	w     *bufio.Writer
	comma []bool // per open level: whether a member or element was written
	err   error
}

func (j *jsonStream) raw(s string) {
	if j.err == nil {
		_, j.err = j.w.WriteString(s)
	}
}

func (j *jsonStream) value(v any) {
	if j.err != nil {
		return
	}
	enc := json.NewEncoder(j.w)
	enc.SetEscapeHTML(false)
	j.err = enc.Encode(v) // a trailing newline is valid whitespace
}

func (j *jsonStream) sep() {
	if n := len(j.comma); n > 0 {
		if j.comma[n-1] {
			j.raw(",")
		}
		j.comma[n-1] = true
	}
}

func (j *jsonStream) open() { j.raw("{"); j.comma = append(j.comma, false) }

func (j *jsonStream) close() { j.raw("}\n"); j.comma = j.comma[:len(j.comma)-1] }

func (j *jsonStream) key(k string) { j.sep(); j.value(k); j.raw(":") }

func (j *jsonStream) field(k string, v any) { j.key(k); j.value(v) }

func (j *jsonStream) openArray(k string) { j.key(k); j.raw("["); j.comma = append(j.comma, false) }

func (j *jsonStream) item(v any) { j.sep(); j.value(v) }

func (j *jsonStream) closeArray() { j.raw("]"); j.comma = j.comma[:len(j.comma)-1] }
