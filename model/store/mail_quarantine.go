package store

import (
	"context"
	"errors"

	"rapport/model"
)

// QuarantineMail keeps a message that could not be ingested, with its
// reason, and advances the folder's checkpoint in the same transaction
// (unless q.DeferCheckpoint) so that a message that will never parse is not
// fetched again for ever. The
// same place, or the same raw bytes still waiting in the quarantine, give
// back the entry there (existing set) instead of a second one.
func (s *Store) QuarantineMail(ctx context.Context, q *model.MailQuarantine) (out *model.MailQuarantine, existing bool, err error) {
	q.MessageID, q.FromAddress, q.Subject = cleanText(q.MessageID, 998), cleanText(q.FromAddress, 320), cleanText(q.Subject, 2000)
	q.Folder, q.Error = cleanText(q.Folder, 255), cleanText(q.Error, 2000)
	q.Status, q.Attempts, q.LastAttemptAt, q.MailMessageID = model.QuarantineOpen, 0, nil, nil
	err = s.WithTx(ctx, func(ctx context.Context) error {
		prior, err := s.priorQuarantine(ctx, q)
		if err != nil {
			return err
		}
		if prior != nil {
			out, existing = prior, true
		} else if err := Create(ctx, s, q); err != nil {
			return err
		} else {
			out = q
		}
		if q.DeferCheckpoint {
			return nil
		}
		return s.AdvanceMailCheckpoint(ctx, q.MailboxID, q.Folder, q.UIDValidity, q.UID)
	})
	return out, existing, err
}

// priorQuarantine finds the entry of a message quarantined at the same
// place, or with the same raw bytes and still waiting.
func (s *Store) priorQuarantine(ctx context.Context, q *model.MailQuarantine) (*model.MailQuarantine, error) {
	db := s.conn(ctx).Where("1 = 0")
	if q.UID > 0 {
		db = db.Or("mailbox_id = ? AND folder = ? AND uidvalidity = ? AND uid = ?", q.MailboxID, q.Folder, int64(q.UIDValidity), int64(q.UID))
	}
	if q.SHA256 != "" {
		db = db.Or("sha256 = ? AND status IN ?", q.SHA256, []string{model.QuarantineOpen, model.QuarantineRetried})
	}
	var rows []*model.MailQuarantine
	if err := db.Where("deleted_at IS NULL").Order("created_at, id").Limit(1).Find(&rows).Error; err != nil || len(rows) == 0 {
		return nil, dbErr(err)
	}
	return rows[0], nil
}

// Reparse reads a quarantined message's raw bytes again (from the blob
// store) and classifies it: what the ingest pipeline does on fetch. An
// *model.Error with code ETOOLARGE, EMALFORMED or EINVALID means the
// message is refused again; any other error is the infrastructure's.
type Reparse func(ctx context.Context, q *model.MailQuarantine) (*model.MailIngest, error)

// RetryQuarantine runs a waiting quarantined message through ingest again
// (admins). Ingested, it is resolved with the log entry it made (returned);
// refused again, it stays waiting as retried with the new reason and no
// entry is returned. Infrastructure errors change nothing.
func (s *Store) RetryQuarantine(ctx context.Context, id string, reparse Reparse) (*model.MailQuarantine, *model.MailMessage, error) {
	q, err := Get[model.MailQuarantine](ctx, s, id)
	if err != nil {
		return nil, nil, err
	}
	if err := authorizeWrite(model.ActorFrom(ctx), q); err != nil {
		return nil, nil, err
	}
	switch {
	case !q.Pending():
		return nil, nil, model.Errorf(model.ECONFLICT, "the message is %s already", q.Status)
	case q.SHA256 == "":
		return nil, nil, model.Errorf(model.ECONFLICT, "the message was refused unread (%s): there is nothing stored to retry", q.Error)
	}
	in, err := reparse(ctx, q)
	if err != nil {
		return s.refusedAgain(ctx, q, err)
	}
	in.MailboxID, in.Folder, in.UIDValidity, in.UID = q.MailboxID, q.Folder, q.UIDValidity, q.UID
	var msg *model.MailMessage
	var settled *model.MailQuarantine
	err = s.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if msg, _, err = s.IngestMail(ctx, in); err != nil {
			return err
		}
		settled, err = s.settleQuarantine(ctx, q.ID, model.QuarantineResolved, nil, &msg.ID)
		return err
	})
	if err != nil {
		return s.refusedAgain(ctx, q, err)
	}
	return settled, msg, nil
}

// refusedAgain records a retry that failed on the message itself; other
// errors are returned as they are.
func (s *Store) refusedAgain(ctx context.Context, q *model.MailQuarantine, cause error) (*model.MailQuarantine, *model.MailMessage, error) {
	var me *model.Error
	if !errors.As(cause, &me) || quarantineReasons[me.Code] == "" {
		return nil, nil, cause
	}
	q, err := s.settleQuarantine(ctx, q.ID, model.QuarantineRetried, me, nil)
	return q, nil, err
}

// quarantineReasons maps the error codes that refuse a message to the
// reason it is quarantined with.
var quarantineReasons = map[string]string{model.ETOOLARGE: model.QuarantineTooLarge,
	model.EMALFORMED: model.QuarantineMalformed, model.EINVALID: model.QuarantineFailed}

// settleQuarantine records the result of a retry: one more attempt, its
// time, the status, and the new refusal or the entry it made.
func (s *Store) settleQuarantine(ctx context.Context, id, status string, refusal *model.Error, msgID *string) (*model.MailQuarantine, error) {
	return Update(ctx, s, id, 0, func(q *model.MailQuarantine) error {
		t := now()
		q.Status, q.Attempts, q.LastAttemptAt, q.MailMessageID = status, q.Attempts+1, &t, msgID
		if refusal != nil {
			q.Reason, q.Error = quarantineReasons[refusal.Code], cleanText(refusal.Error(), 2000)
		}
		return nil
	})
}

// DiscardQuarantine gives up on a waiting quarantined message (admins).
// Its raw bytes stay in the blob store, like any tombstone's content.
func (s *Store) DiscardQuarantine(ctx context.Context, id string, ifVersion int64) (*model.MailQuarantine, error) {
	return Update(ctx, s, id, ifVersion, func(q *model.MailQuarantine) error {
		if !q.Pending() {
			return model.Errorf(model.ECONFLICT, "the message is %s already", q.Status)
		}
		q.Status = model.QuarantineDiscarded
		return nil
	})
}

// PendingQuarantine counts a mailbox's messages waiting in the quarantine.
func (s *Store) PendingQuarantine(ctx context.Context, mailboxID string) (int64, error) {
	var n int64
	err := s.conn(ctx).Model(&model.MailQuarantine{}).Where("mailbox_id = ? AND status IN ? AND deleted_at IS NULL", mailboxID,
		[]string{model.QuarantineOpen, model.QuarantineRetried}).Count(&n).Error
	return n, dbErr(err)
}
