package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"rapport/model"
)

// MergeOptions are a merge's explicit choices: JSON field name (or
// "custom_fields.KEY") → model.MergeSurvivor or model.MergeLoser. Fields
// not named follow model.MergeFields' rules.
type MergeOptions struct {
	Fields map[string]string `json:"fields"`
}

// Moved counts, per entity, the records a merge pointed at the survivor.
type Moved map[string]int

// maxMergeHops bounds how far a chain of merges (A into B, B into C …) is
// followed.
const maxMergeHops = 64

// MergeContacts merges the contact loserID into survivorID (see
// mergeRecords) and returns the survivor as written.
func (s *Store) MergeContacts(ctx context.Context, survivorID, loserID string, opts MergeOptions) (*model.Contact, Moved, error) {
	return mergeRecords[model.Contact](ctx, s, survivorID, loserID, opts)
}

// MergeAccounts merges the account loserID into survivorID (see
// mergeRecords) and returns the survivor as written.
func (s *Store) MergeAccounts(ctx context.Context, survivorID, loserID string, opts MergeOptions) (*model.Account, Moved, error) {
	return mergeRecords[model.Account](ctx, s, survivorID, loserID, opts)
}

// mergeRecords merges two records of one entity in one transaction: the
// loser's values fill the survivor (model.MergeFields), every live record
// and link that refers to the loser moves to the survivor (a new version
// and feed row each), and the loser becomes a tombstone naming its
// survivor, whose feed row carries the <entity>.merged event. The actor
// needs write access to both records. Merging a record that was already
// merged into the survivor changes nothing and succeeds (a retried merge).
func mergeRecords[T any, P interface {
	RecordPtr[T]
	model.Mergeable
}](ctx context.Context, s *Store, survivorID, loserID string, opts MergeOptions) (P, Moved, error) {
	entity := EntityOf[T, P]()
	if survivorID == loserID {
		return nil, nil, model.Errorf(model.EINVALID, "a %s cannot be merged into itself", entity)
	}
	var out P
	moved := Moved{}
	err := s.WithTx(ctx, func(ctx context.Context) error {
		sur, los, err := lockPair[T, P](ctx, s, entity, survivorID, loserID)
		if errors.Is(err, errAlreadyMerged) {
			out, err = Get[T, P](ctx, s, survivorID)
			return err
		}
		if err != nil {
			return err
		}
		a := model.ActorFrom(ctx)
		for _, r := range []P{sur, los} {
			if err := authorizeWrite(a, r); err != nil {
				return err
			}
		}
		if err := s.foldSurvivor(ctx, sur, los, opts); err != nil {
			return err
		}
		if moved, err = s.moveRefs(ctx, entity, loserID, survivorID); err != nil {
			return err
		}
		out = sur
		return s.tombstoneMerged(ctx, los, survivorID)
	})
	if err != nil {
		return nil, nil, err
	}
	return out, moved, nil
}

// lockPair loads both records for update, in id order so that two merges
// of the same pair never deadlock. A loser already merged into the
// survivor is errAlreadyMerged (nothing to do).
func lockPair[T any, P RecordPtr[T]](ctx context.Context, s *Store, entity, survivorID, loserID string) (P, P, error) {
	got := map[string]P{}
	ids := []string{survivorID, loserID}
	slices.Sort(ids)
	for _, id := range ids {
		rec, err := getForUpdate[T, P](ctx, s, id)
		if model.ErrorCode(err) == model.ENOTFOUND {
			return nil, nil, s.explainGone(ctx, entity, id, id == survivorID, survivorID)
		}
		if err != nil {
			return nil, nil, err
		}
		got[id] = rec
	}
	return got[survivorID], got[loserID], nil
}

// explainGone turns a missing record of a merge into the right answer: a
// loser already merged into the survivor is a finished merge (errAlreadyMerged),
// a record merged elsewhere a conflict naming where its data went, and
// anything else not found.
func (s *Store) explainGone(ctx context.Context, entity, id string, isSurvivor bool, survivorID string) error {
	live, err := s.MergedInto(ctx, entity, id)
	switch {
	case err != nil:
		return err
	case !isSurvivor && live == survivorID:
		return errAlreadyMerged
	case isSurvivor:
		return model.Errorf(model.ECONFLICT, "%s %s was merged into %s; merge into that one", entity, id, live)
	}
	return model.Errorf(model.ECONFLICT, "%s %s was already merged into %s", entity, id, live)
}

// errAlreadyMerged ends a merge whose loser is already the survivor's.
var errAlreadyMerged = errors.New("store: already merged")

// foldSurvivor writes the survivor with the loser's values folded in. The
// pair's references to each other are resolved first (an account that was
// the other's parent): they would point the survivor at itself.
func (s *Store) foldSurvivor(ctx context.Context, sur, los model.Record, opts MergeOptions) error {
	before, err := model.ToMap(sur)
	if err != nil {
		return err
	}
	refsBefore := refsOf([]model.Record{sur})
	for _, rec := range []model.Record{sur, los} {
		for _, r := range model.MergeRefs(rec) {
			if r.ID != nil && r.Entity == sur.Entity() && (*r.ID == los.RecordMeta().ID || *r.ID == sur.RecordMeta().ID) {
				*r.ID = ""
			}
		}
		rec.Normalize() // an empty reference becomes none, which the loser's value may fill
	}
	if err := model.MergeFields(sur, los, opts.Fields); err != nil {
		return err
	}
	sur.Normalize()
	if _, err := validate(sur); err != nil {
		return err
	}
	after, err := model.ToMap(sur)
	if err != nil {
		return err
	}
	diff := model.Diff(before, after)
	if len(diff) == 0 {
		return nil
	}
	if err := s.checkRefs(ctx, changedRefs(refsBefore, refsOf([]model.Record{sur}))); err != nil {
		return err
	}
	return s.writeVersion(ctx, sur, sur.RecordMeta().Version, model.OpUpdate, diff)
}

// tombstoneMerged deletes the loser, naming its survivor; the feed row's
// merged_into_id makes it the merge event. Its DAV UID and resource name
// stay on the tombstone, so DAV clients that still know them reach the
// survivor.
func (s *Store) tombstoneMerged(ctx context.Context, los model.Mergeable, survivorID string) error {
	m := los.RecordMeta()
	t := now()
	m.DeletedAt = &t
	*los.MergePointer() = &survivorID
	diff := map[string]model.FieldChange{"deleted_at": {Old: nil, New: t}, "merged_into_id": {Old: nil, New: survivorID}}
	return s.writeVersion(ctx, los, m.Version, model.OpDelete, diff)
}

// MergedInto follows merges from the id of a contact or account to the
// live record that holds its data now: a live id is itself, A merged into
// B and B into C is C. A record deleted without a merge is ENOTFOUND.
func (s *Store) MergedInto(ctx context.Context, entity, id string) (string, error) {
	if !slices.Contains(model.MergeEntities, entity) || !model.ValidID(id) {
		return "", notFound()
	}
	if !model.ActorFrom(ctx).IsStaff() {
		return "", model.Errorf(model.EFORBIDDEN, "staff only")
	}
	for range maxMergeHops {
		var row struct {
			DeletedAt    *time.Time
			MergedIntoID *string
		}
		if err := s.conn(ctx).Table(Tables[entity]).Select("deleted_at, merged_into_id").Where("id = ?", id).Take(&row).Error; err != nil {
			return "", dbErr(err)
		}
		switch {
		case row.DeletedAt == nil:
			return id, nil
		case row.MergedIntoID == nil:
			return "", notFound()
		}
		id = *row.MergedIntoID
	}
	return "", fmt.Errorf("store: %s %s: merge chain longer than %d", entity, id, maxMergeHops)
}

// linkColumn is a column outside the record tables that holds contact or
// account ids.
type linkColumn struct {
	table, column, entity string
	// owner names the record a row belongs to (a static list's member
	// row belongs to the list): that record gets a new version saying
	// <field>_removed and <field>_added. Empty for history rows (ownership
	// transfers), which belong to no version.
	owner, ownerEntity, field string
}

// linkColumns are the link and history tables a merge rewrites;
// TestMergeCoversEverySchemaColumn fails on an id column that is neither
// here, nor a record's reference, nor excluded on purpose.
var linkColumns = []linkColumn{
	{table: "mailing_list_members", column: "contact_id", entity: "contact", owner: "list_id", ownerEntity: "mailing_list", field: "members"},
	{table: "registration_transfers", column: "from_contact_id", entity: "contact"},
	{table: "registration_transfers", column: "to_contact_id", entity: "contact"},
	{table: "registration_transfers", column: "from_account_id", entity: "account"},
	{table: "registration_transfers", column: "to_account_id", entity: "account"},
}

// moveLinks rewrites the link and history rows of the loser. A row whose
// owner already holds the survivor (both on one list) is dropped instead.
func (s *Store) moveLinks(ctx context.Context, entity, loser, survivor string, moved Moved) error {
	for _, l := range linkColumns {
		if l.entity != entity {
			continue
		}
		if l.owner == "" {
			if err := s.conn(ctx).Table(l.table).Where(l.column+" = ?", loser).Update(l.column, survivor).Error; err != nil {
				return dbErr(err)
			}
			continue
		}
		if err := s.moveOwnedLinks(ctx, l, loser, survivor, moved); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) moveOwnedLinks(ctx context.Context, l linkColumn, loser, survivor string, moved Moved) error {
	db := s.conn(ctx)
	var owners, holding []string
	if err := db.Table(l.table).Where(l.column+" = ?", loser).Order(l.owner).Pluck(l.owner, &owners).Error; err != nil {
		return dbErr(err)
	}
	if len(owners) == 0 {
		return nil
	}
	if err := db.Table(l.table).Where(l.column+" = ? AND "+l.owner+" IN ?", survivor, owners).Pluck(l.owner, &holding).Error; err != nil {
		return dbErr(err)
	}
	move := db.Table(l.table).Where(l.column+" = ?", loser)
	if len(holding) > 0 {
		move = move.Where(l.owner+" NOT IN ?", holding)
	}
	if err := move.Update(l.column, survivor).Error; err != nil {
		return dbErr(err)
	}
	if err := db.Exec("DELETE FROM "+l.table+" WHERE "+l.column+" = ?", loser).Error; err != nil {
		return dbErr(err)
	}
	for _, owner := range owners {
		diff := map[string]model.FieldChange{l.field + "_removed": {Old: []string{loser}, New: nil}}
		if !slices.Contains(holding, owner) {
			diff[l.field+"_added"] = model.FieldChange{Old: nil, New: []string{survivor}}
		}
		did, err := s.bumpOwner(ctx, l.ownerEntity, owner, diff)
		if err != nil {
			return err
		}
		if did {
			moved[l.ownerEntity]++
		}
	}
	return nil
}

// bumpOwner writes the next version of a live record whose links a merge
// changed, with diff as its change; a deleted owner is left alone.
func (s *Store) bumpOwner(ctx context.Context, entity, id string, diff map[string]model.FieldChange) (bool, error) {
	rec := newRecord(entity)
	if rec == nil {
		return false, fmt.Errorf("store: no record type for %s", entity)
	}
	q := s.conn(ctx).Where("id = ? AND deleted_at IS NULL", id)
	if s.engine == "postgres" {
		q = q.Clauses(forUpdate())
	}
	if err := q.Limit(1).Find(rec).Error; err != nil {
		return false, dbErr(err)
	}
	if rec.RecordMeta().ID == "" {
		return false, nil
	}
	return true, s.writeVersion(ctx, rec, rec.RecordMeta().Version, model.OpUpdate, diff)
}

// newRecord returns a new zero record of entity, nil if it has no type.
func newRecord(entity string) model.Record {
	for _, r := range recordTypes {
		if r.Entity() == entity {
			return reflect.New(reflect.TypeOf(r).Elem()).Interface().(model.Record)
		}
	}
	return nil
}
