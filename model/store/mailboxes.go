package store

import (
	"bytes"
	"context"
	"slices"
	"strings"

	"gorm.io/gorm/clause"

	"rapport/model"
	"rapport/model/secret"
)

func init() { writeRules["mailbox"] = mailboxRule }

// mailboxRule keeps a mailbox's secrets sealed and dated, and one active
// scheduling mailbox at most: invitations have one organizer address.
func mailboxRule(ctx context.Context, s *Store, rec, prev model.Record) error {
	m := rec.(*model.Mailbox)
	for _, sec := range m.SecretFields() {
		if *sec.Plaintext != "" {
			// Only CreateMailbox and UpdateMailbox seal; a plaintext here
			// would be dropped unsaved while the record said it was set.
			return model.Errorf(model.EINTERNAL, "mailbox secrets are written through CreateMailbox and UpdateMailbox")
		}
	}
	t := now()
	switch {
	case prev == nil && len(m.Secrets) > 0:
		m.SecretsChangedAt = &t
	case prev == nil:
		m.SecretsChangedAt = nil
	default:
		m.SecretsChangedAt = prev.(*model.Mailbox).SecretsChangedAt
		if secretsDiffer(m, prev.(*model.Mailbox)) {
			m.SecretsChangedAt = &t
		}
	}
	if !m.Scheduling || !m.Active {
		return nil
	}
	var other []string
	err := s.conn(ctx).Model(&model.Mailbox{}).Where("scheduling = ? AND active = ? AND deleted_at IS NULL AND id <> ?", true, true, m.ID).
		Limit(1).Pluck("name", &other).Error
	if err != nil {
		return dbErr(err)
	}
	if len(other) > 0 {
		return fieldErr("scheduling", "mailbox "+other[0]+" is the scheduling mailbox already; only one may organise invitations")
	}
	return nil
}

// secretsDiffer reports whether any sealed secret of m differs from prev's.
func secretsDiffer(m, prev *model.Mailbox) bool {
	a, b := m.SecretFields(), prev.SecretFields()
	for i := range a {
		if !bytes.Equal(*a[i].Sealed, *b[i].Sealed) {
			return true
		}
	}
	return false
}

// sealContext binds a sealed secret to its mailbox and field, so a value
// copied elsewhere does not open.
func sealContext(mailboxID, name string) string { return "mailbox/" + mailboxID + "/" + name }

// sealSecrets seals the secrets given in plaintext on m and clears the
// plaintext; the others keep prev's sealed values (none on create), so
// nothing a client sends can set sealed bytes directly.
func sealSecrets(box *secret.Box, m, prev *model.Mailbox) error {
	var kept []model.MailboxSecret
	if prev != nil {
		kept = prev.SecretFields()
	}
	for i, sec := range m.SecretFields() {
		*sec.Sealed = nil
		if kept != nil {
			*sec.Sealed = *kept[i].Sealed
		}
		if *sec.Plaintext == "" {
			continue
		}
		if box == nil {
			return model.Errorf(model.EINTERNAL, "the server has no secret key to seal mailbox passwords with")
		}
		sealed, err := box.Seal([]byte(*sec.Plaintext), sealContext(m.ID, sec.Name))
		if err != nil {
			return err
		}
		*sec.Sealed, *sec.Plaintext = sealed, ""
	}
	return nil
}

// CreateMailbox stores a new mailbox (admins), its secrets sealed with box,
// and its status (idle) in the same transaction.
func (s *Store) CreateMailbox(ctx context.Context, box *secret.Box, m *model.Mailbox) error {
	m.ID = model.NewID() // sealed secrets are bound to it
	if err := sealSecrets(box, m, nil); err != nil {
		return err
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		if err := Create(ctx, s, m); err != nil {
			return err
		}
		st := model.MailboxStatus{MailboxID: m.ID, State: model.MailboxIdle, UpdatedAt: now()}
		return dbErr(s.conn(ctx).Create(&st).Error)
	})
}

// UpdateMailbox applies mutate to a mailbox (admins) like Update, sealing
// the secrets mutate sets in plaintext; secrets left empty keep their
// sealed values. A mailbox stopped by a refused login is set idle again,
// so the engine tries the new settings.
func (s *Store) UpdateMailbox(ctx context.Context, box *secret.Box, id string, ifVersion int64, mutate func(*model.Mailbox) error) (*model.Mailbox, error) {
	var out *model.Mailbox
	err := s.WithTx(ctx, func(ctx context.Context) error {
		var err error
		out, err = Update(ctx, s, id, ifVersion, func(m *model.Mailbox) error {
			prev := *m
			if err := mutate(m); err != nil {
				return err
			}
			return sealSecrets(box, m, &prev)
		})
		if err != nil {
			return err
		}
		return dbErr(s.conn(ctx).Model(&model.MailboxStatus{}).Where("mailbox_id = ? AND state = ?", id, model.MailboxAuthFailed).
			Updates(map[string]any{"state": model.MailboxIdle, "last_error": "", "updated_at": now()}).Error)
	})
	return out, err
}

// SetMailboxRefreshToken keeps the refresh token an OAuth2 provider
// rotated (Microsoft issues a new one with each access token). It is the
// provider's bookkeeping, not a change of settings: the sealed value is
// replaced in place, without a new version or a feed row, so the engine is
// not restarted by its own refresh.
func (s *Store) SetMailboxRefreshToken(ctx context.Context, box *secret.Box, id, token string) error {
	if token == "" || len(token) > 8<<10 {
		return fieldErr("oauth_refresh_token", "1 byte to 8 KB")
	}
	sealed, err := box.Seal([]byte(token), sealContext(id, "oauth_refresh_token"))
	if err != nil {
		return err
	}
	res := s.conn(ctx).Model(&model.Mailbox{}).Where("id = ? AND deleted_at IS NULL AND auth IN ?", id,
		[]string{model.MailAuthXOAuth2, model.MailAuthOAuthBearer}).Update("oauth_refresh_token_sealed", sealed)
	if res.Error == nil && res.RowsAffected == 0 {
		return notFound()
	}
	return dbErr(res.Error)
}

// MailboxSecrets are a mailbox's secrets opened for the engine that logs
// in with them. No JSON carries them.
type MailboxSecrets struct {
	Password          string `json:"-"`
	SMTPPassword      string `json:"-"`
	OAuthClientSecret string `json:"-"`
	OAuthRefreshToken string `json:"-"`
}

// OpenMailboxSecrets opens the sealed secrets of a mailbox with box; a
// value sealed under another server key is an error naming the field.
func OpenMailboxSecrets(box *secret.Box, m *model.Mailbox) (MailboxSecrets, error) {
	var out MailboxSecrets
	dst := map[string]*string{"password": &out.Password, "smtp_password": &out.SMTPPassword,
		"oauth_client_secret": &out.OAuthClientSecret, "oauth_refresh_token": &out.OAuthRefreshToken}
	for _, sec := range m.SecretFields() {
		if len(*sec.Sealed) == 0 {
			continue
		}
		if box == nil {
			return out, model.Errorf(model.EINTERNAL, "the server has no secret key to open mailbox %s's secrets", m.Name)
		}
		plain, err := box.Open(*sec.Sealed, sealContext(m.ID, sec.Name))
		if err != nil {
			return out, model.Errorf(model.EINTERNAL, "mailbox %s: the %s does not open with this server key; set it again", m.Name, sec.Name)
		}
		*dst[sec.Name] = string(plain)
	}
	return out, nil
}

// ActiveMailboxes returns every live, active mailbox, by name: what the
// ingest engine runs.
func (s *Store) ActiveMailboxes(ctx context.Context) ([]*model.Mailbox, error) {
	var out []*model.Mailbox
	err := s.conn(ctx).Where("active = ? AND deleted_at IS NULL", true).Order("name, id").Find(&out).Error
	return out, dbErr(err)
}

// MailOwnAddresses lists the addresses of the live mailboxes (their
// senders and logins that are addresses): mail from them is a loop.
func (s *Store) MailOwnAddresses(ctx context.Context) ([]string, error) {
	var rows []model.Mailbox
	if err := s.conn(ctx).Select("from_address, username").Where("deleted_at IS NULL").Find(&rows).Error; err != nil {
		return nil, dbErr(err)
	}
	var out []string
	for _, m := range rows {
		for _, a := range []string{m.FromAddress, m.Username} {
			if model.ValidEmail(a) {
				out = append(out, a)
			}
		}
	}
	return model.Dedupe(out), nil
}

// MailboxStatus returns how a mailbox's engine is doing (idle when it has
// not reported yet).
func (s *Store) MailboxStatus(ctx context.Context, id string) (*model.MailboxStatus, error) {
	if err := s.CheckRecord(ctx, "mailbox", id); err != nil {
		return nil, err
	}
	st := &model.MailboxStatus{MailboxID: id, State: model.MailboxIdle}
	err := s.conn(ctx).Where("mailbox_id = ?", id).Limit(1).Find(st).Error
	return st, dbErr(err)
}

// SetMailboxStatus records the engine's view of a mailbox: state, last
// error, next retry and IDLE as given, the fetch times only when set (nil
// keeps them). It writes no feed row: see model.MailboxStatus.
func (s *Store) SetMailboxStatus(ctx context.Context, st model.MailboxStatus) error {
	fe := model.FieldErrors{}
	if !model.ValidID(st.MailboxID) {
		fe.Add("mailbox_id", "required")
	}
	if !slices.Contains(model.MailboxStates, st.State) {
		fe.Add("state", "one of "+strings.Join(model.MailboxStates, ", "))
	}
	if err := fe.Err(); err != nil {
		return err
	}
	st.UpdatedAt = now()
	st.LastError = truncate(st.LastError, 1000)
	set := []string{"state", "last_error", "next_retry_at", "idle", "updated_at"}
	if st.LastFetchAt != nil {
		set = append(set, "last_fetch_at")
	}
	if st.LastSuccessAt != nil {
		set = append(set, "last_success_at")
	}
	err := s.conn(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "mailbox_id"}},
		DoUpdates: clause.AssignmentColumns(set)}).Create(&st).Error
	return dbErr(err)
}

// MailCheckpoint returns how far a folder has been read; the zero
// checkpoint (UIDValidity 0) when never.
func (s *Store) MailCheckpoint(ctx context.Context, mailboxID, folder string) (model.MailCheckpoint, error) {
	cp := model.MailCheckpoint{MailboxID: mailboxID, Folder: folder}
	err := s.conn(ctx).Where("mailbox_id = ? AND folder = ?", mailboxID, folder).Limit(1).Find(&cp).Error
	return cp, dbErr(err)
}

// MailCheckpoints lists a mailbox's checkpoints by folder.
func (s *Store) MailCheckpoints(ctx context.Context, mailboxID string) ([]model.MailCheckpoint, error) {
	out := []model.MailCheckpoint{}
	err := s.conn(ctx).Where("mailbox_id = ?", mailboxID).Order("folder").Find(&out).Error
	return out, dbErr(err)
}

// AdvanceMailCheckpoint records that a folder was read up to uid. It only
// moves forward within one UIDVALIDITY; a new UIDVALIDITY replaces the
// checkpoint (the folder was rebuilt: its old UIDs mean nothing). UID 0 (a
// message not read from IMAP) changes nothing.
func (s *Store) AdvanceMailCheckpoint(ctx context.Context, mailboxID, folder string, uidValidity, uid uint32) error {
	if uid == 0 {
		return nil
	}
	return dbErr(s.conn(ctx).Exec(`INSERT INTO mail_checkpoints (mailbox_id, folder, uidvalidity, last_uid, updated_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (mailbox_id, folder) DO UPDATE SET
			last_uid = CASE WHEN mail_checkpoints.uidvalidity <> excluded.uidvalidity OR excluded.last_uid > mail_checkpoints.last_uid
				THEN excluded.last_uid ELSE mail_checkpoints.last_uid END,
			uidvalidity = excluded.uidvalidity,
			updated_at = excluded.updated_at`, mailboxID, folder, int64(uidValidity), int64(uid), now()).Error)
}
