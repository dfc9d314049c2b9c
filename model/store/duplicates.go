package store

import (
	"context"

	"rapport/model"
)

// DuplicateContacts maps each e-mail or phone key to the live contacts that
// already have it, with one query for the whole set (imports check a batch).
func (s *Store) DuplicateContacts(ctx context.Context, keys []model.SearchKey) (map[model.SearchKey][]string, error) {
	return s.keyHolders(ctx, "contact", keys)
}

// keyHolders maps each e-mail or phone key to the live records of entity
// that have it (duplicate suggestions ask it for accounts too).
func (s *Store) keyHolders(ctx context.Context, entity string, keys []model.SearchKey) (map[model.SearchKey][]string, error) {
	out := map[model.SearchKey][]string{}
	byKind := map[string][]string{}
	for _, k := range keys {
		if k.Kind != model.KeyWord {
			byKind[k.Kind] = append(byKind[k.Kind], k.Value)
		}
	}
	for kind, values := range byKind {
		for start := 0; start < len(values); start += 500 {
			chunk := values[start:min(start+500, len(values))]
			var rows []searchKey
			err := s.conn(ctx).Where("entity = ? AND kind = ? AND value IN ?", entity, kind, chunk).Find(&rows).Error
			if err != nil {
				return nil, dbErr(err)
			}
			for _, r := range rows {
				k := model.SearchKey{Kind: r.Kind, Value: r.Value}
				out[k] = append(out[k], r.RecordID)
			}
		}
	}
	return out, nil
}

// DuplicatesOf returns the ids of other live contacts sharing an e-mail or
// phone with c.
func (s *Store) DuplicatesOf(ctx context.Context, c *model.Contact) ([]string, error) {
	idx, err := s.DuplicateContacts(ctx, c.DuplicateKeys())
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, list := range idx {
		for _, id := range list {
			if id != c.ID {
				ids = append(ids, id)
			}
		}
	}
	return model.Dedupe(ids), nil
}
