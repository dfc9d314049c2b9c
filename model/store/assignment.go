package store

import (
	"context"

	"rapport/model"
)

// assignByTerritory routes a new lead, deal or account to its territory's
// rep and team, unless it was created for someone else: an owner left to
// its default (the creator) or empty becomes the territory's rep, likewise
// the team. A deal without a territory takes its account's. It reports
// whether it changed anything.
func (s *Store) assignByTerritory(ctx context.Context, rec model.Record) (bool, error) {
	a, ok := rec.(model.Assignable)
	if !ok {
		return false, nil
	}
	changed, err := s.inheritTerritory(ctx, rec)
	territoryID, owner, team := a.Assignment()
	if err != nil || territoryID == nil {
		return changed, err
	}
	var t model.Territory
	if err := s.conn(ctx).Where("id = ? AND deleted_at IS NULL", *territoryID).Take(&t).Error; err != nil {
		if model.ErrorCode(dbErr(err)) == model.ENOTFOUND {
			return changed, nil // checkRefs reports it
		}
		return changed, dbErr(err)
	}
	actor := model.ActorFrom(ctx)
	if t.OwnerID != nil && (*owner == nil || **owner == actor.UserID) {
		*owner, changed = t.OwnerID, true
	}
	if t.TeamID != nil && (*team == nil || **team == actor.TeamID) {
		*team, changed = t.TeamID, true
	}
	return changed, nil
}

// inheritTerritory gives a deal without a territory its account's.
func (s *Store) inheritTerritory(ctx context.Context, rec model.Record) (bool, error) {
	o, ok := rec.(*model.Opportunity)
	if !ok || o.TerritoryID != nil || o.AccountID == nil {
		return false, nil
	}
	var acct model.Account
	err := s.conn(ctx).Select("territory_id").Where("id = ? AND deleted_at IS NULL", *o.AccountID).Take(&acct).Error
	if err != nil {
		if model.ErrorCode(dbErr(err)) == model.ENOTFOUND {
			return false, nil
		}
		return false, dbErr(err)
	}
	o.TerritoryID = acct.TerritoryID
	return acct.TerritoryID != nil, nil
}
