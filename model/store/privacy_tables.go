package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"gorm.io/gorm/schema"

	"rapport/model"
)

// eraseTheContact erases the contact and the tombstones of the duplicates
// merged into it. Their ids, owners, DAV names and UIDs stay (DAV clients
// see the card go, feeds stay coherent); when the keep-list keeps an
// invoice, order or contract naming the person, so do the name and postal
// addresses it was made out to. The contact's feed row is contact.erased.
func eraseTheContact(ctx context.Context, s *Store, e *erasure) error {
	lawful := 0
	for key := range e.kept {
		entity, _, _ := strings.Cut(key, ":")
		if slices.Contains([]string{"invoice", "order", "contract"}, entity) {
			lawful++
		}
	}
	keep := []string{"owner_id", "dav", "merged_into_id"}
	if lawful > 0 {
		keep = append(keep, "first_name", "middle_name", "last_name", "display_name", "addresses")
	}
	for _, id := range e.p.ids[1:] {
		var dup model.Contact
		if err := s.conn(ctx).Where("id = ?", id).Take(&dup).Error; err != nil {
			return dbErr(err)
		}
		if _, err := s.eraseRecord(ctx, e, &dup, func() { dup.DAV.Extra = ""; dup.Normalize() }, keep...); err != nil {
			return err
		}
		e.note("contacts", EraseErased, id, "")
	}
	c := e.p.contact
	if _, err := s.eraseRecord(ctx, e, c, func() { c.DAV.Extra = ""; c.Normalize() }, keep...); err != nil {
		return err
	}
	s.tagEvent(ctx, model.EventContactErased)
	e.note("contacts", EraseErased, c.ID, "")
	if lawful > 0 {
		e.note("contacts", EraseKept, c.ID, fmt.Sprintf(
			"name and postal addresses: what %d record(s) kept by the keep-list were made out to", lawful))
	}
	return nil
}

// eraseListMemberships takes the person off static mailing lists; each list
// gets a new version saying which member went.
func eraseListMemberships(ctx context.Context, s *Store, e *erasure) error {
	var lists []string
	db := s.conn(ctx)
	if err := db.Table("mailing_list_members").Where("contact_id IN ?", e.p.ids).Distinct("list_id").Order("list_id").Pluck("list_id", &lists).Error; err != nil {
		return dbErr(err)
	}
	if len(lists) == 0 {
		return nil
	}
	if err := db.Exec("DELETE FROM mailing_list_members WHERE contact_id IN ?", e.p.ids).Error; err != nil {
		return dbErr(err)
	}
	for _, list := range lists {
		if _, err := s.bumpOwner(ctx, "mailing_list", list, map[string]model.FieldChange{"members_removed": {Old: e.p.ids[:1]}}); err != nil {
			return err
		}
		e.note("mailing_list_members", EraseDeleted, list, "")
	}
	return nil
}

// eraseTransfers drops the person from the ownership history of registered
// products (the rows stay: who the account was, and when) with the notes.
func eraseTransfers(ctx context.Context, s *Store, e *erasure) error {
	var ids []string
	db := s.conn(ctx)
	err := db.Table("registration_transfers").Where("from_contact_id IN ? OR to_contact_id IN ?", e.p.ids, e.p.ids).Order("id").Pluck("id", &ids).Error
	if err != nil || len(ids) == 0 {
		return dbErr(err)
	}
	err = firstErr(
		db.Exec("UPDATE registration_transfers SET from_contact_id = NULL WHERE from_contact_id IN ?", e.p.ids).Error,
		db.Exec("UPDATE registration_transfers SET to_contact_id = NULL WHERE to_contact_id IN ?", e.p.ids).Error,
		db.Exec("UPDATE registration_transfers SET note = '' WHERE id IN ?", ids).Error)
	if err != nil {
		return dbErr(err)
	}
	for _, id := range ids {
		e.note("registration_transfers", EraseUnlinked, id, "")
	}
	return nil
}

// scrubRMAHistory scrubs the person's details from the status notes of the
// returns that named them (cleared for returns erased).
func scrubRMAHistory(ctx context.Context, s *Store, e *erasure) error {
	var rmas []string
	for _, t := range e.touched {
		if t.entity == "rma" {
			rmas = append(rmas, t.id)
		}
	}
	for start := 0; start < len(rmas); start += 500 {
		var rows []struct{ ID, RMAID, Note string }
		chunk := rmas[start:min(start+500, len(rmas))]
		if err := s.conn(ctx).Table("rma_status_changes").Select("id, rma_id, note").Where("rma_id IN ? AND note <> ''", chunk).Find(&rows).Error; err != nil {
			return dbErr(err)
		}
		for _, r := range rows {
			note := e.p.scrubText(r.Note)
			if slices.Contains(e.erased["rma"], r.RMAID) {
				note = ""
			}
			if note == r.Note {
				continue
			}
			if err := s.conn(ctx).Exec("UPDATE rma_status_changes SET note = ? WHERE id = ?", note, r.ID).Error; err != nil {
				return dbErr(err)
			}
			e.note("rma_status_changes", EraseScrubbed, r.ID, "")
		}
	}
	return nil
}

// mentionEntities are the records whose text the erasure searches for the
// person's e-mail addresses and phone numbers, beyond the records that
// refer to them, and scrubs; mentionReview are configuration, whose
// mentions are listed for review rather than changed (a mailbox or a user
// account with their address is not the erasure's to edit).
var (
	mentionEntities = []string{"account", "contact", "activity", "lead", "opportunity", "competitor", "campaign", "campaign_member",
		"mailing_list", "quote", "order", "invoice", "contract", "request", "time_entry", "kb_article", "kb_vote", "registration", "rma",
		"attachment", "mail_message", "mail_quarantine", "outbound_mail", "billing_run"}
	mentionReview = []string{"user", "team", "territory", "dav_collection", "webhook_endpoint", "web_form", "inbound_hook", "pipeline",
		"report_definition", "script", "product", "price_list", "exchange_rate", "queue", "sla_target", "document_template", "mailbox",
		"mail_suppression"}
)

// textColumnsOnce caches textColumns per entity.
var textColumnsOnce sync.Map // entity → []string

// textColumns lists the columns of entity's table that hold text or JSON.
func (s *Store) textColumns(entity string) ([]string, error) {
	if v, ok := textColumnsOnce.Load(entity); ok {
		return v.([]string), nil
	}
	rec := newRecord(entity)
	sch, err := schema.Parse(rec, &sync.Map{}, s.db.NamingStrategy)
	if err != nil {
		return nil, fmt.Errorf("store: schema of %s: %w", entity, err)
	}
	var out []string
	for _, f := range sch.Fields {
		if f.DBName != "" && f.DBName != "id" && (f.DataType == schema.String || f.Serializer != nil) && !strings.HasSuffix(f.DBName, "_id") {
			out = append(out, f.DBName)
		}
	}
	textColumnsOnce.Store(entity, out)
	return out, nil
}

// scrubMentions finds the person's e-mail addresses and phone numbers in the
// text of records that do not refer to them (a colleague's note "call Anna
// on +49 …", an account's notes) and scrubs them there; mentions in
// configuration are listed for review.
func scrubMentions(ctx context.Context, s *Store, e *erasure) error {
	if len(e.p.emails)+len(e.p.phones) == 0 {
		return nil
	}
	done := map[string]bool{}
	for _, t := range e.touched {
		done[t.entity+":"+t.id] = true
	}
	for _, entity := range slices.Concat(mentionEntities, mentionReview) {
		cols, err := s.textColumns(entity)
		if err != nil {
			return err
		}
		sql, args := e.p.sqlDetails(cols...)
		review := slices.Contains(mentionReview, entity)
		err = s.eachRecord(ctx, entity, cond(sql, args...), true, func(rec model.Record) error {
			id := rec.RecordMeta().ID
			if done[entity+":"+id] || e.kept[entity+":"+id] != "" || (entity == "contact" && e.p.isPerson(id)) {
				return nil
			}
			if review {
				e.review = append(e.review, EraseReview{Table: Tables[entity], ID: id,
					Why: "configuration names one of the person's addresses or numbers: change it by hand if it should not"})
				return nil
			}
			before, err := model.ToMap(rec)
			if err != nil {
				return err
			}
			if changed, err := e.p.scrubRecord(rec); err != nil || !changed {
				return err
			}
			if err := s.writeChanged(ctx, e, rec, before, false); err != nil {
				return err
			}
			e.note(Tables[entity], EraseScrubbed, id, "")
			return nil
		})
		if err != nil {
			return err
		}
	}
	return scrubMailBodies(ctx, s, e)
}

// scrubMailBodies scrubs the person's addresses and numbers from the text
// and HTML of others' mail that quotes them (bodies live beside the ingest
// log, out of the feed).
func scrubMailBodies(ctx context.Context, s *Store, e *erasure) error {
	sql, args := e.p.sqlDetails("text", "html")
	n := 0
	err := eachRow(ctx, s, "mail_bodies", "mail_message_id", "", cond(sql, args...), func(b *model.MailBody) any { return b.MailMessageID },
		func(b *model.MailBody) error {
			text, html := e.p.scrubText(b.Text), e.p.scrubText(b.HTML)
			if text == b.Text && html == b.HTML {
				return nil
			}
			n++
			return dbErr(s.conn(ctx).Exec("UPDATE mail_bodies SET text = ?, html = ? WHERE mail_message_id = ?", text, html, b.MailMessageID).Error)
		})
	e.noteN("mail_bodies", EraseScrubbed, int64(n))
	return err
}

// sqlDetails is sqlMentions for the person's addresses and numbers only:
// names are too common to look for in records that do not refer to them.
func (p *person) sqlDetails(columns ...string) (string, []any) {
	q := &person{emails: p.emails, phones: p.phones}
	return q.sqlMentions(columns...)
}

// feedRow is what a feed scrub reads of a change row.
type feedRow struct {
	Seq      int64
	Entity   string
	RecordID string
	Fields   string
	Snapshot string
}

// scrubFeed rewrites the change feed's history: the older rows of every
// record the erasure erased or anonymised lose the values it cleared (the
// snapshot takes the new value, the changed fields lose old and new), the
// rows of every record it changed lose the person's details, and so does
// any other row that still carries their addresses or numbers. The rows
// of kept records stay as they are.
func scrubFeed(ctx context.Context, s *Store, e *erasure) error {
	byEntity := map[string][]string{}
	cleared := map[string]map[string]any{}
	for _, t := range e.touched {
		key := t.entity + ":" + t.id
		if _, seen := cleared[key]; !seen {
			byEntity[t.entity] = append(byEntity[t.entity], t.id)
			cleared[key] = map[string]any{}
		}
		for k, v := range t.cleared {
			cleared[key][k] = v
		}
	}
	n := 0
	rewrite := func(r *feedRow) error {
		key := r.Entity + ":" + r.RecordID
		if e.kept[key] != "" {
			return nil
		}
		snap, fields, changed, err := scrubChange(e.p, r, cleared[key])
		if err != nil || !changed {
			return err
		}
		n++
		return dbErr(s.conn(ctx).Exec("UPDATE changes SET snapshot = ?, fields = ? WHERE seq = ?", snap, fields, r.Seq).Error)
	}
	for _, entity := range slices.Sorted(maps.Keys(byEntity)) {
		ids := byEntity[entity]
		for start := 0; start < len(ids); start += 500 {
			c := cond("entity = ? AND record_id IN ?", entity, ids[start:min(start+500, len(ids))])
			if err := eachRow(ctx, s, "changes", "seq", int64(0), c, func(r *feedRow) any { return r.Seq }, rewrite); err != nil {
				return err
			}
		}
	}
	sql, args := e.p.sqlDetails("snapshot", "fields")
	if err := eachRow(ctx, s, "changes", "seq", int64(0), cond(sql, args...), func(r *feedRow) any { return r.Seq }, rewrite); err != nil {
		return err
	}
	e.noteN("changes", EraseScrubbed, int64(n))
	return nil
}

// scrubChange returns a feed row's snapshot and fields with the cleared
// values applied and the person's details replaced.
func scrubChange(p *person, r *feedRow, cleared map[string]any) (string, string, bool, error) {
	snap, fields := []byte(r.Snapshot), []byte(r.Fields)
	if len(cleared) > 0 {
		var err error
		if snap, err = setJSONKeys(snap, func(k string) (any, bool) { v, ok := cleared[k]; return v, ok }); err != nil {
			return "", "", false, err
		}
		if fields, err = setJSONKeys(fields, func(k string) (any, bool) {
			_, ok := cleared[k]
			return model.FieldChange{}, ok
		}); err != nil {
			return "", "", false, err
		}
	}
	snap, _ = p.scrubJSON(snap)
	fields, _ = p.scrubJSON(fields)
	return string(snap), string(fields), string(snap) != r.Snapshot || string(fields) != r.Fields, nil
}

// setJSONKeys replaces the members of a JSON object that repl names; text
// that is not an object is returned as it is.
func setJSONKeys(doc []byte, repl func(key string) (any, bool)) ([]byte, error) {
	var m map[string]json.RawMessage
	if len(bytes.TrimSpace(doc)) == 0 || json.Unmarshal(doc, &m) != nil || m == nil {
		return doc, nil
	}
	changed := false
	for k := range m {
		v, ok := repl(k)
		if !ok {
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("store: privacy: %w", err)
		}
		m[k], changed = b, true
	}
	if !changed {
		return doc, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("store: privacy: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// deliveryRow is what a delivery scrub reads.
type deliveryRow struct {
	ID       string
	Entity   string
	RecordID string
	Payload  string
}

// scrubDeliveries thins the webhook delivery log: a delivery of a record the
// erasure changed, or whose payload carries the person's details, keeps
// only its event type, time and the record's id and version (what thin
// endpoints get), pending or not; the receivers' answers to them are
// dropped, and so is any answer that echoed the person's details.
func scrubDeliveries(ctx context.Context, s *Store, e *erasure) error {
	changed := map[string]bool{}
	var ids []string
	for _, t := range e.touched {
		if !changed[t.id] {
			changed[t.id] = true
			ids = append(ids, t.id)
		}
	}
	n := 0
	thin := func(d *deliveryRow) error {
		if e.kept[d.Entity+":"+d.RecordID] != "" || (!changed[d.RecordID] && !e.p.mentions(d.Payload)) {
			return nil
		}
		body, err := thinPayload(d.Payload)
		if err != nil || body == d.Payload {
			return err
		}
		n++
		return firstErr(
			dbErr(s.conn(ctx).Exec("UPDATE webhook_deliveries SET payload = ? WHERE id = ?", body, d.ID).Error),
			dbErr(s.conn(ctx).Exec("UPDATE webhook_attempts SET response_excerpt = '' WHERE delivery_id = ? AND response_excerpt <> ''", d.ID).Error))
	}
	key := func(d *deliveryRow) any { return d.ID }
	for start := 0; start < len(ids); start += 500 {
		if err := eachRow(ctx, s, "webhook_deliveries", "id", "", inCond("record_id", ids[start:min(start+500, len(ids))]), key, thin); err != nil {
			return err
		}
	}
	sql, args := e.p.sqlDetails("payload")
	if err := eachRow(ctx, s, "webhook_deliveries", "id", "", cond(sql, args...), key, thin); err != nil {
		return err
	}
	e.noteN("webhook_deliveries", EraseScrubbed, int64(n))
	if sql, args = e.p.sqlDetails("response_excerpt"); sql != "" {
		res := s.conn(ctx).Exec("UPDATE webhook_attempts SET response_excerpt = '' WHERE "+sql, args...)
		if res.Error != nil {
			return dbErr(res.Error)
		}
		e.noteN("webhook_attempts", EraseScrubbed, res.RowsAffected)
	}
	return nil
}

// thinPayload reduces an event payload to its type, timestamp and the
// record's id and version.
func thinPayload(payload string) (string, error) {
	var p struct {
		Type      string `json:"type"`
		Timestamp string `json:"timestamp"`
		Data      struct {
			ID      string `json:"id"`
			Version int64  `json:"version"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(payload), &p); err != nil {
		return "", fmt.Errorf("store: privacy: a delivery payload does not read: %w", err)
	}
	b, err := json.Marshal(map[string]any{"type": p.Type, "timestamp": p.Timestamp,
		"data": map[string]any{"id": p.Data.ID, "version": p.Data.Version}})
	return string(b), err
}

// eraseInbound deletes inbound webhook messages that made a record the
// erasure changed or whose payload carries the person's details: a queued
// one would otherwise bring the person back.
func eraseInbound(ctx context.Context, s *Store, e *erasure) error {
	var ids []string
	for _, t := range e.touched {
		ids = append(ids, t.id)
	}
	ids = Dedupe(ids)
	var total int64
	for start := 0; start < len(ids); start += 500 {
		res := s.conn(ctx).Exec("DELETE FROM inbound_messages WHERE record_id IN ?", ids[start:min(start+500, len(ids))])
		if res.Error != nil {
			return dbErr(res.Error)
		}
		total += res.RowsAffected
	}
	if sql, args := e.p.sqlDetails("payload"); sql != "" {
		res := s.conn(ctx).Exec("DELETE FROM inbound_messages WHERE "+sql, args...)
		if res.Error != nil {
			return dbErr(res.Error)
		}
		total += res.RowsAffected
	}
	e.noteN("inbound_messages", EraseDeleted, total)
	return nil
}

// eraseIdempotency deletes stored answers (kept a day for Idempotency-Key
// replays) that name the person: a replay must not bring their data back.
func eraseIdempotency(ctx context.Context, s *Store, e *erasure) error {
	type row struct {
		UserID, Key string
		Body        []byte
	}
	var after [2]string
	var n int64
	for {
		var rows []row
		err := s.conn(ctx).Table("idempotency_keys").Select("user_id, key, body").Where("(user_id, key) > (?, ?)", after[0], after[1]).
			Order("user_id, key").Limit(privacyPage).Find(&rows).Error
		if err != nil {
			return dbErr(err)
		}
		for _, r := range rows {
			if e.p.re == nil || (!e.p.re.Match(r.Body) && !slices.ContainsFunc(e.p.ids, func(id string) bool { return bytes.Contains(r.Body, []byte(id)) })) {
				continue
			}
			if err := s.conn(ctx).Exec("DELETE FROM idempotency_keys WHERE user_id = ? AND key = ?", r.UserID, r.Key).Error; err != nil {
				return dbErr(err)
			}
			n++
		}
		if len(rows) < privacyPage {
			break
		}
		after = [2]string{rows[len(rows)-1].UserID, rows[len(rows)-1].Key}
	}
	e.noteN("idempotency_keys", EraseDeleted, n)
	return nil
}

// scrubAudit keeps the audit trail (who exported, erased or changed what,
// and when) but not the person in it: events about them lose their target
// text, and the details of any event lose the person's details.
func scrubAudit(ctx context.Context, s *Store, e *erasure) error {
	sql, args := e.p.sqlDetails("target", "detail")
	c := orConds(inCond("target_id", e.p.ids), cond(sql, args...))
	n := 0
	err := eachRow(ctx, s, "audit_events", "id", "", c, func(a *model.AuditEvent) any { return a.ID }, func(a *model.AuditEvent) error {
		target := e.p.scrubText(a.Target)
		if e.p.isPerson(a.TargetID) {
			target = ""
		}
		detail, err := json.Marshal(a.Detail)
		if err != nil {
			return err
		}
		scrubbed, _ := e.p.scrubJSON(detail)
		if target == a.Target && bytes.Equal(scrubbed, detail) {
			return nil
		}
		n++
		return dbErr(s.conn(ctx).Exec("UPDATE audit_events SET target = ?, detail = ? WHERE id = ?", target, string(scrubbed), a.ID).Error)
	})
	e.noteN("audit_events", EraseScrubbed, int64(n))
	return err
}

// reviewAnswers lists answer-book articles made from the person's requests,
// and user accounts with their address: their text is for people to judge.
func reviewAnswers(ctx context.Context, s *Store, e *erasure) error {
	var parts []sqlCond
	for _, id := range e.requests {
		parts = append(parts, cond("instr(request_ids, ?) > 0", `"`+id+`"`))
	}
	err := s.eachRecord(ctx, "kb_article", orConds(parts...), false, func(rec model.Record) error {
		e.review = append(e.review, EraseReview{Table: "kb_articles", ID: rec.RecordMeta().ID,
			Why: "an answer-book article was made from one of the person's requests: check that it names nobody"})
		return nil
	})
	if err != nil {
		return err
	}
	return s.eachRecord(ctx, "user", inCond("email", e.p.emails), false, func(rec model.Record) error {
		e.review = append(e.review, EraseReview{Table: "users", ID: rec.RecordMeta().ID,
			Why: "a user account (portal or staff) has one of the person's addresses: disable or delete it by hand if it is theirs"})
		return nil
	})
}
