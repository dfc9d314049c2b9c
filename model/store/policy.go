package store

import (
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"rapport/model"
)

// canSee applies model's policy table to one loaded record.
func canSee(a model.Actor, rec model.Record) bool {
	owner, team := ownerTeam(rec)
	return model.CanSee(a, rec.Entity(), owner, team)
}

// authorizeWrite applies model's policy table to a write of rec.
func authorizeWrite(a model.Actor, rec model.Record) error {
	owner, team := ownerTeam(rec)
	if !a.HasScope(model.ScopeWrite) {
		return model.Errorf(model.EFORBIDDEN, "this token may not write")
	}
	if !model.CanWrite(a, rec.Entity(), owner, team) {
		return model.Errorf(model.EFORBIDDEN, "you may not change this %s", rec.Entity())
	}
	return nil
}

func ownerTeam(rec model.Record) (string, string) {
	if o, ok := rec.(model.Owned); ok {
		return o.OwnerTeam()
	}
	return "", ""
}

// visible restricts a list query on entity to the rows the actor may see,
// following the same policy table as canSee.
func visible(q *gorm.DB, a model.Actor, entity string) (*gorm.DB, error) {
	if !a.IsStaff() {
		return nil, model.Errorf(model.EFORBIDDEN, "staff only")
	}
	if a.IsAdmin() {
		return q, nil
	}
	switch model.PolicyFor(entity) {
	case model.AllStaff:
		return q, nil
	case model.OwnerOnly:
		return q.Where("owner_id = ?", a.UserID), nil
	case model.TeamScoped:
		if len(a.TeamIDs) == 0 {
			return q.Where("owner_id = ?", a.UserID), nil
		}
		return q.Where("(owner_id = ? OR team_id IN ?)", a.UserID, a.TeamIDs), nil
	}
	return nil, model.Errorf(model.EFORBIDDEN, "admins only")
}

func forUpdate() clause.Expression { return clause.Locking{Strength: "UPDATE"} }
