package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"rapport/model"
)

// Tables maps entity names to their tables.
var Tables = map[string]string{
	"user":              "users",
	"team":              "teams",
	"territory":         "territories",
	"account":           "accounts",
	"contact":           "contacts",
	"activity":          "activities",
	"attachment":        "attachments",
	"dav_collection":    "dav_collections",
	"webhook_endpoint":  "webhook_endpoints",
	"web_form":          "web_forms",
	"inbound_hook":      "inbound_hooks",
	"pipeline":          "pipelines",
	"opportunity":       "opportunities",
	"competitor":        "competitors",
	"lead":              "leads",
	"campaign":          "campaigns",
	"report_definition": "report_definitions",
	"campaign_member":   "campaign_members",
	"mailing_list":      "mailing_lists",
	"script":            "scripts",
	"product":           "products",
	"price_list":        "price_lists",
	"exchange_rate":     "exchange_rates",
	"quote":             "quotes",
	"order":             "orders",
	"kb_article":        "kb_articles", "kb_vote": "kb_votes",
	"request":    "requests",
	"queue":      "queues",
	"sla_target": "sla_targets",
	"time_entry": "time_entries",
	// After-sales service.
	"registration": "registrations",
	"rma":          "rmas",
	"contract":     "contracts",
	"invoice":      "invoices",
	"billing_run":  "billing_runs",
	// Documents.
	"document_template": "document_templates",
	// Mail.
	"mailbox":          "mailboxes",
	"mail_message":     "mail_messages",
	"mail_quarantine":  "mail_quarantines",
	"outbound_mail":    "outbound_mails",
	"mail_suppression": "mail_suppressions",
}

// RecordPtr constrains generic store functions to pointers to record structs.
type RecordPtr[T any] interface {
	*T
	model.Record
}

// Create inserts rec as version 1 and appends its create change.
func Create[T any, P RecordPtr[T]](ctx context.Context, s *Store, rec P) error {
	return CreateMany[T, P](ctx, s, []P{rec})
}

// CreateMany inserts records in one transaction with multi-row inserts: the
// path imports take. All are validated before anything is written.
func CreateMany[T any, P RecordPtr[T]](ctx context.Context, s *Store, recs []P) error {
	if len(recs) == 0 {
		return nil
	}
	a := model.ActorFrom(ctx)
	t := now()
	snaps := make([][]byte, len(recs))
	for i, rec := range recs {
		m := rec.RecordMeta()
		if m.ID == "" {
			m.ID = model.NewID()
		}
		m.Version, m.CreatedAt, m.UpdatedAt, m.CreatedBy, m.UpdatedBy, m.DeletedAt = 1, t, t, a.UserID, a.UserID, nil
		if d, ok := any(rec).(model.DefaultOwned); ok {
			d.DefaultOwner(a.UserID, a.TeamID)
		}
		rec.Normalize()
		var err error
		if snaps[i], err = validate(rec); err != nil {
			return err
		}
		if err := authorizeWrite(a, rec); err != nil {
			return err
		}
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		for i, rec := range recs {
			assigned, err := s.assignByTerritory(ctx, rec)
			rule := writeRules[rec.Entity()]
			if err == nil && rule != nil {
				err = rule(ctx, s, rec, nil)
			}
			if err == nil && (assigned || rule != nil) {
				snaps[i], err = validate(rec) // fields were derived
			}
			if err != nil {
				return err
			}
		}
		if err := s.checkRefs(ctx, refsOf(recordsOf(recs))); err != nil {
			return err
		}
		if err := s.conn(ctx).CreateInBatches(recs, s.batchRows(30)).Error; err != nil {
			return dbErr(err)
		}
		if err := s.reindex(ctx, recordsOf(recs), false); err != nil {
			return err
		}
		for i, rec := range recs {
			if err := s.recordCreate(ctx, rec, snaps[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// Get returns the live record with id that the actor in ctx may see.
func Get[T any, P RecordPtr[T]](ctx context.Context, s *Store, id string) (P, error) {
	rec := P(new(T))
	if !model.ValidID(id) {
		return nil, notFound()
	}
	err := s.conn(ctx).Where("id = ? AND deleted_at IS NULL", id).Take(rec).Error
	if err != nil {
		return nil, dbErr(err)
	}
	if !canSee(model.ActorFrom(ctx), rec) {
		return nil, notFound()
	}
	return rec, nil
}

// Update loads the record, checks ifVersion (0 skips the check), applies
// mutate, validates and writes the next version with its change row. An
// update that changes nothing writes nothing and returns the record as is.
func Update[T any, P RecordPtr[T]](ctx context.Context, s *Store, id string, ifVersion int64, mutate func(P) error) (P, error) {
	var out P
	err := s.WithTx(ctx, func(ctx context.Context) error {
		cur, err := getForUpdate[T, P](ctx, s, id)
		if err != nil {
			return err
		}
		if ifVersion != 0 && cur.RecordMeta().Version != ifVersion {
			return model.Errorf(model.EPRECONDITION, "the record changed: version is %d, not %d", cur.RecordMeta().Version, ifVersion)
		}
		a := model.ActorFrom(ctx)
		if err := authorizeWrite(a, cur); err != nil {
			return err
		}
		before, err := model.ToMap(cur)
		if err != nil {
			return err
		}
		saved := *cur.RecordMeta()
		prev := *cur
		prevRec := P(&prev)
		refsBefore := refsOf([]model.Record{prevRec})
		if err := mutate(cur); err != nil {
			return err
		}
		*cur.RecordMeta() = saved // server-owned fields never come from the client
		if so, ok := any(cur).(model.ServerOwned); ok && !isServerWrite(ctx) {
			so.KeepServerOwned(prevRec)
		}
		cur.Normalize()
		if rule := writeRules[cur.Entity()]; rule != nil {
			if err := rule(ctx, s, cur, prevRec); err != nil {
				return err
			}
		}
		if _, err := validate(cur); err != nil {
			return err
		}
		if err := authorizeWrite(a, cur); err != nil {
			return err
		}
		after, err := model.ToMap(cur)
		if err != nil {
			return err
		}
		diff := model.Diff(before, after)
		out = cur
		if len(diff) == 0 {
			return nil
		}
		if err := s.checkRefs(ctx, changedRefs(refsBefore, refsOf([]model.Record{cur}))); err != nil {
			return err
		}
		return s.writeVersion(ctx, cur, saved.Version, model.OpUpdate, diff)
	})
	return out, err
}

// Delete soft-deletes the record, leaving a tombstone and a delete change.
func Delete[T any, P RecordPtr[T]](ctx context.Context, s *Store, id string, ifVersion int64) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		cur, err := getForUpdate[T, P](ctx, s, id)
		if err != nil {
			return err
		}
		if ifVersion != 0 && cur.RecordMeta().Version != ifVersion {
			return model.Errorf(model.EPRECONDITION, "the record changed: version is %d, not %d", cur.RecordMeta().Version, ifVersion)
		}
		if err := authorizeWrite(model.ActorFrom(ctx), cur); err != nil {
			return err
		}
		if u, ok := any(cur).(*model.User); ok {
			if err := s.checkNotLastAdmin(ctx, u); err != nil {
				return err
			}
		}
		if err := s.tombstone(ctx, cur); err != nil {
			return err
		}
		return s.deleteAttachmentsOf(ctx, cur)
	})
}

// tombstone writes rec's delete: deleted_at set, the next version, a change.
func (s *Store) tombstone(ctx context.Context, rec model.Record) error {
	m := rec.RecordMeta()
	old := m.Version
	t := now()
	m.DeletedAt = &t
	diff := map[string]model.FieldChange{"deleted_at": {Old: nil, New: t}}
	return s.writeVersion(ctx, rec, old, model.OpDelete, diff)
}

// deleteAttachmentsOf tombstones the attachments of a deleted record in the
// AttachmentsOf lists the live attachments of a record the actor may see,
// oldest first.
func (s *Store) AttachmentsOf(ctx context.Context, entity, id string) ([]model.Attachment, error) {
	if err := s.CheckRecord(ctx, entity, id); err != nil {
		return nil, err
	}
	out := []model.Attachment{}
	err := s.conn(ctx).Where("record_type = ? AND record_id = ? AND deleted_at IS NULL", entity, id).Order("created_at, id").Find(&out).Error
	return out, dbErr(err)
}

// same transaction, each with its own delete change.
func (s *Store) deleteAttachmentsOf(ctx context.Context, parent model.Record) error {
	if parent.Entity() == "attachment" {
		return nil
	}
	var atts []*model.Attachment
	err := s.conn(ctx).Where("record_type = ? AND record_id = ? AND deleted_at IS NULL", parent.Entity(), parent.RecordMeta().ID).Find(&atts).Error
	if err != nil {
		return dbErr(err)
	}
	for _, a := range atts {
		if err := s.tombstone(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

// validate runs the record's own rules and refuses NUL characters anywhere
// in its text, which PostgreSQL cannot store (SQLite would, and the engines
// must agree). It returns the record's JSON, which a create reuses as the
// feed snapshot.
func validate(rec model.Record) ([]byte, error) {
	if err := rec.Validate(); err != nil {
		return nil, err
	}
	if err := checkLimits(rec); err != nil {
		return nil, err
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if bytes.Contains(b, []byte(`\u0000`)) {
		return nil, model.Errorf(model.EINVALID, "text must not contain NUL characters")
	}
	return b, nil
}

// writeVersion stores rec as the version after oldVersion, guarded by that
// version so concurrent writers cannot both win, and queues its change.
func (s *Store) writeVersion(ctx context.Context, rec model.Record, oldVersion int64, op string, diff map[string]model.FieldChange) error {
	m := rec.RecordMeta()
	a := model.ActorFrom(ctx)
	m.Version = oldVersion + 1
	m.UpdatedAt = now()
	m.UpdatedBy = a.UserID
	res := s.conn(ctx).Model(rec).Where("version = ?", oldVersion).
		Select("*").Omit("id", "created_at", "created_by").Updates(rec)
	if res.Error != nil {
		return dbErr(res.Error)
	}
	if res.RowsAffected == 0 {
		return model.Errorf(model.ECONFLICT, "the record was changed concurrently; reload and retry")
	}
	if err := s.reindex(ctx, []model.Record{rec}, true); err != nil {
		return err
	}
	if u, ok := rec.(*model.User); ok {
		if err := s.userChanged(ctx, u, diff); err != nil {
			return err
		}
	}
	if e, ok := rec.(*model.WebhookEndpoint); ok && e.Active && diff["active"].Old == false {
		// Turned back on: it starts afresh rather than being disabled
		// again by its old failures.
		err := s.conn(ctx).Model(&model.WebhookState{}).Where("endpoint_id = ?", e.ID).
			Updates(map[string]any{"failing_since": nil, "disabled_at": nil, "disabled_reason": ""}).Error
		if err != nil {
			return dbErr(err)
		}
	}
	return s.recordChange(ctx, rec, op, diff)
}

// getForUpdate loads a live record inside a write transaction, locking its
// row on PostgreSQL (SQLite's IMMEDIATE transaction already excludes writers).
func getForUpdate[T any, P RecordPtr[T]](ctx context.Context, s *Store, id string) (P, error) {
	rec := P(new(T))
	if !model.ValidID(id) {
		return nil, notFound()
	}
	q := s.conn(ctx).Where("id = ? AND deleted_at IS NULL", id)
	if s.engine == "postgres" {
		q = q.Clauses(forUpdate())
	}
	if err := q.Take(rec).Error; err != nil {
		return nil, dbErr(err)
	}
	if !canSee(model.ActorFrom(ctx), rec) {
		return nil, notFound()
	}
	return rec, nil
}

// refsOf collects the references of recs.
func refsOf(recs []model.Record) []model.Ref {
	var out []model.Ref
	for _, r := range recs {
		if ref, ok := r.(model.Referrer); ok {
			out = append(out, ref.Refs()...)
		}
	}
	return out
}

// changedRefs returns the references of after that differ from before: an
// update re-checks only what it changes, so a record pointing at something
// deleted since stays editable (and a user stays disable-able).
func changedRefs(before, after []model.Ref) []model.Ref {
	old := map[string]string{}
	for _, r := range before {
		if r.ID != nil {
			old[r.Field+"\x00"+*r.ID] = *r.ID
		}
	}
	var out []model.Ref
	for _, r := range after {
		if r.ID != nil {
			if _, same := old[r.Field+"\x00"+*r.ID]; same {
				continue
			}
		}
		out = append(out, r)
	}
	return out
}

// checkRefs verifies that every reference names a live record, with one
// query per referenced entity. The signed-in user needs no query: the
// credentials were just checked against a live, enabled user; nor do
// records the transaction already created or checked.
func (s *Store) checkRefs(ctx context.Context, refs []model.Ref) error {
	want := map[string]map[string][]string{} // entity → id → fields
	me := model.ActorFrom(ctx).UserID
	st := s.inTx(ctx)
	for _, x := range refs {
		if x.ID == nil || *x.ID == "" || (x.Entity == "user" && *x.ID == me) || st.isLive(x.Entity, *x.ID) {
			continue
		}
		if want[x.Entity] == nil {
			want[x.Entity] = map[string][]string{}
		}
		want[x.Entity][*x.ID] = append(want[x.Entity][*x.ID], x.Field)
	}
	fe := model.FieldErrors{}
	for entity, ids := range want {
		list := make([]string, 0, len(ids))
		for id := range ids {
			list = append(list, id)
		}
		var found []string
		if err := s.conn(ctx).Table(Tables[entity]).Where("id IN ? AND deleted_at IS NULL", list).Pluck("id", &found).Error; err != nil {
			return dbErr(err)
		}
		have := map[string]bool{}
		for _, id := range found {
			have[id] = true
			st.setLive(entity, id, true)
		}
		for id, fields := range ids {
			if !have[id] {
				for _, f := range fields {
					fe.Add(f, fmt.Sprintf("no %s with id %s", entity, id))
				}
			}
		}
	}
	return fe.Err()
}

func recordsOf[P model.Record](recs []P) []model.Record {
	out := make([]model.Record, len(recs))
	for i, r := range recs {
		out[i] = r
	}
	return out
}

// serverWriteKey marks a context whose updates may set server-owned fields
// (the store's own operations: an SLA clock, a conversion).
type serverWriteKey struct{}

// serverWrite returns ctx for an update that sets server-owned fields.
func serverWrite(ctx context.Context) context.Context {
	return context.WithValue(ctx, serverWriteKey{}, true)
}

func isServerWrite(ctx context.Context) bool { v, _ := ctx.Value(serverWriteKey{}).(bool); return v }

func notFound() error { return model.Errorf(model.ENOTFOUND, "no such record") }

// EntityOf returns the entity name of record type P.
func EntityOf[T any, P RecordPtr[T]]() string { return P(new(T)).Entity() }
