package store

import (
	"context"

	"rapport/model"
)

// Audit appends a security event (logins, tokens, app passwords, roles).
// The actor comes from ctx; ip may be empty.
func (s *Store) Audit(ctx context.Context, action, targetID, target, ip string, detail map[string]any) error {
	a := model.ActorFrom(ctx)
	ev := &model.AuditEvent{ID: model.NewID(), At: now(), Action: action, ActorID: a.UserID, Actor: a.Name,
		TargetID: targetID, Target: truncate(target, 320), IP: truncate(ip, 64), Detail: detail}
	if ev.TargetID != "" && !model.ValidID(ev.TargetID) {
		ev.TargetID = ""
	}
	return dbErr(s.conn(ctx).Create(ev).Error)
}

// AuditEvents returns events newest first, before the cursor id when given.
func (s *Store) AuditEvents(ctx context.Context, before string, limit int) ([]model.AuditEvent, error) {
	if !model.ActorFrom(ctx).IsAdmin() {
		return nil, model.Errorf(model.EFORBIDDEN, "the audit log is for admins")
	}
	q := s.conn(ctx).Order("id DESC").Limit(clampLimit(limit, 500))
	if before != "" {
		q = q.Where("id < ?", before)
	}
	var out []model.AuditEvent
	return out, dbErr(q.Find(&out).Error)
}
