package store

import (
	"context"

	"rapport/model"
)

// searchKey is a row of search_keys: the words, e-mails and phones that q= matches.
type searchKey struct {
	Entity   string
	RecordID string
	Kind     string
	Value    string
}

func (searchKey) TableName() string { return "search_keys" }

// activityLink is a row of activity_links: the timeline index.
type activityLink struct {
	ActivityID string
	Entity     string
	RecordID   string
}

func (activityLink) TableName() string { return "activity_links" }

// reindex rewrites the derived index rows (search keys, activity links) of
// recs; replace clears old rows first. Deleted records keep no index rows.
func (s *Store) reindex(ctx context.Context, recs []model.Record, replace bool) error {
	var keys []searchKey
	var links []activityLink
	var ids []string
	for _, r := range recs {
		m := r.RecordMeta()
		ids = append(ids, m.ID)
		if m.DeletedAt != nil {
			continue
		}
		if sr, ok := r.(model.Searchable); ok {
			for _, k := range sr.SearchKeys() {
				keys = append(keys, searchKey{r.Entity(), m.ID, k.Kind, truncate(k.Value, 200)})
			}
		}
		if act, ok := r.(*model.Activity); ok {
			for _, l := range act.AllLinks() {
				links = append(links, activityLink{m.ID, l.Entity, l.ID})
			}
		}
	}
	db := s.conn(ctx)
	if replace {
		if err := db.Where("record_id IN ?", ids).Delete(&searchKey{}).Error; err != nil {
			return dbErr(err)
		}
		if err := db.Where("activity_id IN ?", ids).Delete(&activityLink{}).Error; err != nil {
			return dbErr(err)
		}
	}
	keys, links = model.Dedupe(keys), model.Dedupe(links)
	if st := s.inTx(ctx); s.canCopy(st, len(keys)) {
		rows := make([][]any, len(keys))
		for i, k := range keys {
			rows[i] = []any{k.Entity, k.RecordID, k.Kind, k.Value}
		}
		if err := s.copyRows(ctx, st, "search_keys", []string{"entity", "record_id", "kind", "value"}, rows); err != nil {
			return err
		}
	} else if len(keys) > 0 {
		if err := db.CreateInBatches(keys, s.batchRows(4)).Error; err != nil {
			return dbErr(err)
		}
	}
	if len(links) > 0 {
		if err := db.CreateInBatches(links, s.batchRows(3)).Error; err != nil {
			return dbErr(err)
		}
	}
	return nil
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
