package store

import (
	"context"
	"encoding/json"
	"fmt"

	"rapport/model"
	"rapport/model/migrate"
)

// feedLockID is the PostgreSQL advisory lock that orders feed appends.
const feedLockID = 0x52415050 // "RAPP"

type pendingChange struct {
	change *model.Change
}

// recordChange queues a feed row for rec in the transaction in ctx.
func (s *Store) recordChange(ctx context.Context, rec model.Record, op string, fields map[string]model.FieldChange) error {
	snap, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("store: snapshot: %w", err)
	}
	return s.queueChange(ctx, rec, op, fields, snap)
}

// recordCreate queues the create change of rec, whose JSON is snap: every
// field new, old null.
func (s *Store) recordCreate(ctx context.Context, rec model.Record, snap []byte) error {
	after := map[string]any{}
	if err := json.Unmarshal(snap, &after); err != nil {
		return fmt.Errorf("store: snapshot: %w", err)
	}
	return s.queueChange(ctx, rec, model.OpCreate, model.Diff(map[string]any{}, after), snap)
}

func (s *Store) queueChange(ctx context.Context, rec model.Record, op string, fields map[string]model.FieldChange, snap []byte) error {
	st := s.inTx(ctx)
	if st == nil {
		return fmt.Errorf("store: change recorded outside a transaction")
	}
	a := model.ActorFrom(ctx)
	m := rec.RecordMeta()
	if op == model.OpCreate || op == model.OpDelete {
		st.setLive(rec.Entity(), m.ID, op == model.OpCreate)
	}
	st.changes = append(st.changes, &pendingChange{&model.Change{
		Entity: rec.Entity(), RecordID: m.ID, Op: op, Version: m.Version,
		ActorID: a.UserID, Actor: a.Name, At: m.UpdatedAt, Fields: fields, Snapshot: snap,
		Event: model.DomainEvent(rec.Entity(), op, fields),
	}})
	return nil
}

// flushFeed appends the transaction's changes as its last statements.
//
// Gap safety: a reader that has seen seq N must never later find a committed
// change below N. On PostgreSQL a sequence is not commit-ordered, so each
// writer takes a transaction-scoped advisory lock before drawing feed seqs and
// keeps it until commit: seqs are then handed out in commit order, and readers
// need no filtering. The lock is held only for the final insert and the
// commit. SQLite has one writer at a time, so its seqs are commit-ordered already.
func (s *Store) flushFeed(ctx context.Context, st *txState) error {
	if len(st.changes) == 0 {
		return nil
	}
	if s.engine == migrate.Postgres {
		if err := st.db.Exec("SELECT pg_advisory_xact_lock(?)", feedLockID).Error; err != nil {
			return fmt.Errorf("store: feed lock: %w", err)
		}
	}
	rows := make([]*model.Change, len(st.changes))
	for i, c := range st.changes {
		rows[i] = c.change
	}
	st.changes = nil
	if s.canCopy(st, len(rows)) {
		return s.copyChanges(ctx, st, rows)
	}
	if err := st.db.CreateInBatches(rows, s.batchRows(10)).Error; err != nil {
		return fmt.Errorf("store: feed append: %w", err)
	}
	return nil
}

// copyChanges appends many feed rows with COPY (seqs come from the column default).
func (s *Store) copyChanges(ctx context.Context, st *txState, changes []*model.Change) error {
	rows := make([][]any, len(changes))
	for i, c := range changes {
		fields, err := json.Marshal(c.Fields)
		if err != nil {
			return fmt.Errorf("store: feed fields: %w", err)
		}
		var actorID any
		if c.ActorID != "" {
			actorID = c.ActorID
		}
		var event any
		if c.Event != "" {
			event = c.Event
		}
		rows[i] = []any{c.Entity, c.RecordID, c.Op, c.Version, actorID, c.Actor, c.At, string(fields), string(c.Snapshot), event}
	}
	return s.copyRows(ctx, st, "changes",
		[]string{"entity", "record_id", "op", "version", "actor_id", "actor", "at", "fields", "snapshot", "event"}, rows)
}

// Changes returns up to limit feed rows after seq since, oldest first, that
// the actor may see (by the policy table, judged on each row's snapshot),
// and the last seq examined: where the next page starts, even when rows the
// actor may not see were skipped. A since below the feed horizon (rows
// retention removed) is EGONE: the reader has missed changes.
func (s *Store) Changes(ctx context.Context, since int64, limit int) ([]model.Change, int64, error) {
	a := model.ActorFrom(ctx)
	if !a.IsStaff() {
		return nil, since, model.Errorf(model.EFORBIDDEN, "the change feed is for staff")
	}
	var rows []model.Change
	if err := s.conn(ctx).Where("seq > ?", since).Order("seq").Limit(clampLimit(limit, 1000)).Find(&rows).Error; err != nil {
		return nil, since, dbErr(err)
	}
	if err := s.belowHorizon(ctx, since); err != nil {
		return nil, since, err
	}
	last := since
	out := rows[:0]
	for _, c := range rows {
		last = c.Seq
		if changeVisible(a, &c) {
			out = append(out, c)
		}
	}
	return out, last, nil
}

// changeVisible applies the policy table to a feed row's snapshot.
func changeVisible(a model.Actor, c *model.Change) bool {
	if a.IsAdmin() || model.PolicyFor(c.Entity) == model.AllStaff {
		return model.CanSee(a, c.Entity, "", "")
	}
	var owned struct {
		OwnerID string `json:"owner_id"`
		TeamID  string `json:"team_id"`
	}
	_ = json.Unmarshal(c.Snapshot, &owned)
	return model.CanSee(a, c.Entity, owned.OwnerID, owned.TeamID)
}

// History returns every change of one record, oldest first.
func (s *Store) History(ctx context.Context, entity, id string) ([]model.Change, error) {
	var out []model.Change
	err := s.conn(ctx).Where("entity = ? AND record_id = ?", entity, id).Order("seq").Find(&out).Error
	return out, dbErr(err)
}

// LastSeq returns the newest feed seq (0 for an empty feed).
func (s *Store) LastSeq(ctx context.Context) (int64, error) {
	var seq *int64
	err := s.conn(ctx).Model(&model.Change{}).Select("MAX(seq)").Scan(&seq).Error
	if seq == nil {
		return 0, dbErr(err)
	}
	return *seq, dbErr(err)
}

func clampLimit(n, max int) int {
	if n <= 0 {
		return 50
	}
	if n > max {
		return max
	}
	return n
}
