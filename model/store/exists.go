package store

import (
	"context"

	"rapport/model"
)

// CheckRecord returns nil when entity/id names a live record the actor in
// ctx may see, else ENOTFOUND (attachments and links point at any record).
func (s *Store) CheckRecord(ctx context.Context, entity, id string) error {
	table, ok := Tables[entity]
	if !ok || !model.ValidID(id) {
		return notFound()
	}
	a := model.ActorFrom(ctx)
	if model.PolicyFor(entity) == model.AllStaff {
		var n int64
		err := s.conn(ctx).Table(table).Where("id = ? AND deleted_at IS NULL", id).Count(&n).Error
		if err != nil {
			return dbErr(err)
		}
		if n == 0 || !model.CanSee(a, entity, "", "") {
			return notFound()
		}
		return nil
	}
	var row struct{ OwnerID, TeamID *string }
	err := s.conn(ctx).Table(table).Select("owner_id, team_id").Where("id = ? AND deleted_at IS NULL", id).Take(&row).Error
	if err != nil {
		return dbErr(err)
	}
	if !model.CanSee(a, entity, deref(row.OwnerID), deref(row.TeamID)) {
		return notFound()
	}
	return nil
}

// blobTables are the tables whose sha256 column points at blobs: the
// attachments, the files of document templates and of every revision
// they had (restorable, so kept), the raw bytes of ingested and
// quarantined mail, and the parts of ingested mail.
var blobTables = []string{"attachments", "document_templates", "document_template_versions", "mail_messages", "mail_quarantines",
	"mail_message_parts"}

// BlobReferenced reports whether any row of blobTables, live or deleted,
// still points at a blob (tombstones keep their content until erased).
func (s *Store) BlobReferenced(ctx context.Context, sha string) (bool, error) {
	for _, table := range blobTables {
		var ids []string
		err := s.conn(ctx).Table(table).Where("sha256 = ?", sha).Limit(1).Pluck("sha256", &ids).Error
		if err != nil || len(ids) > 0 {
			return len(ids) > 0, dbErr(err)
		}
	}
	return false, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
