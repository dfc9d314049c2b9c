package store

import (
	"context"
	"fmt"

	"rapport/model"
)

func init() {
	writeRules["user"] = userRule
	writeRules["territory"] = territoryRule
}

// userRule keeps an enabled admin: a change that demotes or disables the
// last one is refused (ECONFLICT), whichever door it came through (API,
// CLI, console); Delete and offboarding check the same. checkNotLastAdmin
// locks the other admins' rows, so two admins demoting each other at once
// cannot both succeed.
func userRule(ctx context.Context, s *Store, rec, prev model.Record) error {
	u := rec.(*model.User)
	old, _ := prev.(*model.User)
	if old == nil || (u.Role == model.RoleAdmin && !u.Disabled) {
		return nil
	}
	return s.checkNotLastAdmin(ctx, old)
}

// maxTerritoryDepth bounds a territory hierarchy (and the walk up a
// territory's parents).
const maxTerritoryDepth = 64

// territoryRule refuses a parent that is the territory itself or lies
// under it, which would make the hierarchy a loop.
func territoryRule(ctx context.Context, s *Store, rec, _ model.Record) error {
	t := rec.(*model.Territory)
	if t.ParentID == nil || t.ID == "" {
		return nil
	}
	id := *t.ParentID
	for range maxTerritoryDepth {
		if id == t.ID {
			fe := model.FieldErrors{}
			fe.Add("parent_id", "a territory cannot sit under itself or one of its own sub-territories")
			return fe.Err()
		}
		var rows []struct{ ParentID *string }
		err := s.conn(ctx).Model(&model.Territory{}).Select("parent_id").Where("id = ? AND deleted_at IS NULL", id).Limit(1).Scan(&rows).Error
		if err != nil {
			return dbErr(err)
		}
		if len(rows) == 0 || rows[0].ParentID == nil {
			return nil
		}
		id = *rows[0].ParentID
	}
	fe := model.FieldErrors{}
	fe.Add("parent_id", fmt.Sprintf("a territory hierarchy is at most %d levels deep", maxTerritoryDepth))
	return fe.Err()
}
