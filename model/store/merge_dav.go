package store

import (
	"context"
	"strings"

	"rapport/model"
)

// DAVSurvivorByName returns the member of the scope that holds the data of
// a merged contact whose resource name (or, for a CRM-made card,
// "{id}.vcf") is name: a client that has not synced since the merge
// still uses it. ENOTFOUND when no merged contact had the name, or its
// survivor is not in the scope.
func (s *Store) DAVSurvivorByName(ctx context.Context, sc DAVScope, name, ext string) (DAVEntry, error) {
	cond, args := "dav_name = ?", []any{name}
	if id, ok := strings.CutSuffix(name, ext); ok && model.ValidID(id) {
		cond, args = "(dav_name = ? OR (dav_name = '' AND id = ?))", append(args, id)
	}
	return s.davSurvivor(ctx, sc, cond, args)
}

// DAVSurvivorByUID is DAVSurvivorByName for a vCard UID (or the id of a
// CRM-made card): the UID of a merged contact stays taken by its survivor.
func (s *Store) DAVSurvivorByUID(ctx context.Context, sc DAVScope, uid string) (DAVEntry, error) {
	cond, args := "dav_uid = ?", []any{uid}
	if model.ValidID(uid) {
		cond, args = "(dav_uid = ? OR (dav_uid = '' AND id = ?))", append(args, uid)
	}
	return s.davSurvivor(ctx, sc, cond, args)
}

// davSurvivor finds the newest merged tombstone matching cond and follows
// it to its live survivor in the scope.
func (s *Store) davSurvivor(ctx context.Context, sc DAVScope, cond string, args []any) (DAVEntry, error) {
	if sc.Entity() != "contact" {
		return DAVEntry{}, notFound()
	}
	var ids []string
	err := s.conn(ctx).Table("contacts").Where("deleted_at IS NOT NULL AND merged_into_id IS NOT NULL").Where(cond, args...).
		Order("updated_at DESC").Limit(1).Pluck("id", &ids).Error
	if err != nil {
		return DAVEntry{}, dbErr(err)
	}
	if len(ids) == 0 {
		return DAVEntry{}, notFound()
	}
	live, err := s.MergedInto(ctx, "contact", ids[0])
	if err != nil {
		return DAVEntry{}, err
	}
	found, err := s.DAVEntriesByID(ctx, sc, []string{live})
	if err != nil {
		return DAVEntry{}, err
	}
	e, ok := found[live]
	if !ok {
		return DAVEntry{}, notFound()
	}
	return e, nil
}
