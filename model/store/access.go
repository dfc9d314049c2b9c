package store

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"rapport/model"
	"rapport/model/secret"
)

// Credential prefixes make leaked secrets recognisable to scanners.
const (
	TokenPrefix = "rpt_"
)

// CreateUser adds a user with an optional password (already checked for
// strength by the caller) and audits it.
func (s *Store) CreateUser(ctx context.Context, u *model.User, password string) error {
	if password != "" {
		h, err := secret.HashPassword(password)
		if err != nil {
			return err
		}
		u.PasswordHash = h
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		if err := Create(ctx, s, u); err != nil {
			return err
		}
		return s.Audit(ctx, model.AuditUserCreated, u.ID, u.Email, "", map[string]any{"role": u.Role})
	})
}

// UserByLogin finds a live user by e-mail or username (case-insensitive e-mail).
func (s *Store) UserByLogin(ctx context.Context, login string) (*model.User, error) {
	login = strings.TrimSpace(login)
	if !utf8.ValidString(login) || strings.ContainsRune(login, 0) || len(login) > 320 {
		return nil, notFound() // no stored login looks like that
	}
	u := &model.User{}
	err := s.conn(ctx).Where("(email = ? OR username = ?) AND deleted_at IS NULL", strings.ToLower(login), login).Take(u).Error
	if err != nil {
		return nil, dbErr(err)
	}
	return u, nil
}

// userByID loads a live user without visibility checks (authentication).
func (s *Store) userByID(ctx context.Context, id string) (*model.User, error) {
	u := &model.User{}
	if err := s.conn(ctx).Where("id = ? AND deleted_at IS NULL", id).Take(u).Error; err != nil {
		return nil, dbErr(err)
	}
	return u, nil
}

// SetPassword replaces a user's password hash and audits the change.
func (s *Store) SetPassword(ctx context.Context, userID, password string) error {
	h, err := secret.HashPassword(password)
	if err != nil {
		return err
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		res := s.conn(ctx).Model(&model.User{}).Where("id = ? AND deleted_at IS NULL", userID).Update("password_hash", h)
		if res.Error != nil {
			return dbErr(res.Error)
		}
		if res.RowsAffected == 0 {
			return notFound()
		}
		// A new password ends every browser session signed in with the old one.
		if err := s.conn(ctx).Where("user_id = ?", userID).Delete(&model.Session{}).Error; err != nil {
			return dbErr(err)
		}
		return s.Audit(ctx, model.AuditPasswordChanged, userID, "", "", nil)
	})
}

// CheckLogin verifies a password sign-in. Disabled users and wrong passwords
// get the same EUNAUTHORIZED answer.
func (s *Store) CheckLogin(ctx context.Context, login, password string) (*model.User, error) {
	bad := model.Errorf(model.EUNAUTHORIZED, "wrong login or password")
	u, err := s.UserByLogin(ctx, login)
	if err != nil {
		if model.ErrorCode(err) == model.ENOTFOUND {
			// Spend the same time as a real check so timing does not reveal users.
			_ = secret.CheckPassword(dummyHash, password)
			return nil, bad
		}
		return nil, err
	}
	if u.PasswordHash == "" || secret.CheckPassword(u.PasswordHash, password) != nil || u.Disabled {
		return nil, bad
	}
	return u, nil
}

var dummyHash, _ = secret.HashPassword("timing equaliser")

// CreateToken issues an API token for userID and returns it once.
func (s *Store) CreateToken(ctx context.Context, userID, name string, scopes []string, ttl time.Duration) (string, *model.APIToken, error) {
	fe := model.FieldErrors{}
	checkText(fe, "name", name, 200)
	if err := fe.Err(); err != nil {
		return "", nil, err
	}
	plain := secret.NewToken(TokenPrefix)
	t := &model.APIToken{ID: model.NewID(), UserID: userID, Name: name, Hash: secret.Digest(plain),
		Prefix: plain[:8], Scopes: strings.Join(scopes, ","), CreatedAt: now()}
	if ttl > 0 {
		exp := now().Add(ttl)
		t.ExpiresAt = &exp
	}
	err := s.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.userByID(ctx, userID); err != nil {
			return err
		}
		if err := s.conn(ctx).Create(t).Error; err != nil {
			return dbErr(err)
		}
		return s.Audit(ctx, model.AuditTokenCreated, userID, name, "", map[string]any{"token_id": t.ID, "scopes": t.Scopes})
	})
	return plain, t, err
}

// RevokeToken revokes one of a user's tokens.
func (s *Store) RevokeToken(ctx context.Context, userID, tokenID string) error {
	return s.revokeCredential(ctx, &model.APIToken{}, userID, tokenID, model.AuditTokenRevoked, "token_id")
}

// revokeCredential stamps revoked_at on one of a user's live credentials
// (rows of the table of kind) and audits it; ENOTFOUND when there is none.
func (s *Store) revokeCredential(ctx context.Context, kind any, userID, id, action, key string) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		res := s.conn(ctx).Model(kind).Where("id = ? AND user_id = ? AND revoked_at IS NULL", id, userID).Update("revoked_at", now())
		if res.Error != nil || res.RowsAffected == 0 {
			return firstErr(dbErr(res.Error), notFound())
		}
		return s.Audit(ctx, action, userID, "", "", map[string]any{key: id})
	})
}

// Tokens lists a user's tokens (never the secrets).
func (s *Store) Tokens(ctx context.Context, userID string) ([]model.APIToken, error) {
	var out []model.APIToken
	return out, dbErr(s.conn(ctx).Where("user_id = ?", userID).Order("created_at").Find(&out).Error)
}

// TokenAuth resolves a bearer token to its user and token.
func (s *Store) TokenAuth(ctx context.Context, plain string) (*model.User, *model.APIToken, error) {
	t := &model.APIToken{}
	if err := s.conn(ctx).Where("hash = ?", secret.Digest(plain)).Take(t).Error; err != nil {
		return nil, nil, unauthorized(dbErr(err))
	}
	if t.RevokedAt != nil || (t.ExpiresAt != nil && t.ExpiresAt.Before(now())) {
		return nil, nil, model.Errorf(model.EUNAUTHORIZED, "the token is revoked or expired")
	}
	u, err := s.activeUser(ctx, t.UserID)
	if err != nil {
		return nil, nil, err
	}
	s.touch(ctx, "api_tokens", t.ID, t.LastUsedAt)
	return u, t, nil
}

// CreateAppPassword issues a per-device DAV password and returns it once.
func (s *Store) CreateAppPassword(ctx context.Context, userID, label string) (string, *model.AppPassword, error) {
	fe := model.FieldErrors{}
	if strings.TrimSpace(label) == "" {
		fe.Add("label", "required")
	}
	checkText(fe, "label", label, 200)
	if err := fe.Err(); err != nil {
		return "", nil, err
	}
	plain := secret.NewAppPassword()
	p := &model.AppPassword{ID: model.NewID(), UserID: userID, Label: strings.TrimSpace(label), Hash: secret.Digest(plain), CreatedAt: now()}
	err := s.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.userByID(ctx, userID); err != nil {
			return err
		}
		if err := s.conn(ctx).Create(p).Error; err != nil {
			return dbErr(err)
		}
		return s.Audit(ctx, model.AuditAppPasswordAdded, userID, label, "", map[string]any{"app_password_id": p.ID})
	})
	return plain, p, err
}

// AppPasswords lists a user's app passwords (never the secrets).
func (s *Store) AppPasswords(ctx context.Context, userID string) ([]model.AppPassword, error) {
	var out []model.AppPassword
	return out, dbErr(s.conn(ctx).Where("user_id = ?", userID).Order("created_at").Find(&out).Error)
}

// RevokeAppPassword revokes one device's DAV password at once.
func (s *Store) RevokeAppPassword(ctx context.Context, userID, id string) error {
	return s.revokeCredential(ctx, &model.AppPassword{}, userID, id, model.AuditAppPasswordRevoke, "app_password_id")
}

// AppPasswordAuth checks a DAV sign-in: login is a username or e-mail. One
// query finds the user and the device's password together: DAV clients
// sign in on every request.
func (s *Store) AppPasswordAuth(ctx context.Context, login, plain string) (*model.User, error) {
	login = strings.TrimSpace(login)
	if !utf8.ValidString(login) || strings.ContainsRune(login, 0) || len(login) > 320 {
		return nil, model.Errorf(model.EUNAUTHORIZED, "unknown credentials")
	}
	var row struct {
		model.User
		AppPasswordID string     `gorm:"column:app_password_id"`
		AppLastUsed   *time.Time `gorm:"column:app_last_used_at"`
	}
	err := s.conn(ctx).Table("users").Select("users.*, app_passwords.id AS app_password_id, app_passwords.last_used_at AS app_last_used_at").
		Joins("JOIN app_passwords ON app_passwords.user_id = users.id").
		Where("(users.email = ? OR users.username = ?) AND users.deleted_at IS NULL", strings.ToLower(login), login).
		Where("app_passwords.hash = ? AND app_passwords.revoked_at IS NULL", secret.Digest(plain)).
		Take(&row).Error
	if err != nil {
		return nil, unauthorized(dbErr(err))
	}
	if row.Disabled {
		return nil, model.Errorf(model.EUNAUTHORIZED, "the account is disabled")
	}
	s.touch(ctx, "app_passwords", row.AppPasswordID, row.AppLastUsed)
	u := row.User
	return &u, nil
}

// Session lifetime.
const SessionTTL = 12 * time.Hour

// CreateSession starts a browser session; it returns the cookie value.
func (s *Store) CreateSession(ctx context.Context, userID, ip, userAgent string) (string, *model.Session, error) {
	plain := secret.NewToken("")
	sess := &model.Session{ID: secret.Digest(plain), UserID: userID, CSRFToken: secret.NewToken("")[:43],
		CreatedAt: now(), ExpiresAt: now().Add(SessionTTL), IP: truncate(ip, 64), UserAgent: truncate(userAgent, 300)}
	return plain, sess, dbErr(s.conn(ctx).Create(sess).Error)
}

// SessionAuth resolves a session cookie to its user and session.
func (s *Store) SessionAuth(ctx context.Context, plain string) (*model.User, *model.Session, error) {
	sess := &model.Session{}
	if err := s.conn(ctx).Where("id = ? AND expires_at > ?", secret.Digest(plain), now()).Take(sess).Error; err != nil {
		return nil, nil, unauthorized(dbErr(err))
	}
	u, err := s.activeUser(ctx, sess.UserID)
	return u, sess, err
}

// DeleteSession ends a browser session.
func (s *Store) DeleteSession(ctx context.Context, plain string) error {
	return dbErr(s.conn(ctx).Where("id = ?", secret.Digest(plain)).Delete(&model.Session{}).Error)
}

// revokeAccess ends every session, token, app password and calendar feed of a user: what
// disabling a user does, in the same transaction.
func (s *Store) revokeAccess(ctx context.Context, userID string) error {
	db := s.conn(ctx)
	t := now()
	if err := db.Where("user_id = ?", userID).Delete(&model.Session{}).Error; err != nil {
		return dbErr(err)
	}
	if err := db.Model(&model.APIToken{}).Where("user_id = ? AND revoked_at IS NULL", userID).Update("revoked_at", t).Error; err != nil {
		return dbErr(err)
	}
	if err := db.Model(&model.AppPassword{}).Where("user_id = ? AND revoked_at IS NULL", userID).Update("revoked_at", t).Error; err != nil {
		return dbErr(err)
	}
	return dbErr(db.Model(&model.ICSFeed{}).Where("user_id = ? AND revoked_at IS NULL", userID).Update("revoked_at", t).Error)
}

func (s *Store) activeUser(ctx context.Context, id string) (*model.User, error) {
	u, err := s.userByID(ctx, id)
	if err != nil {
		return nil, unauthorized(dbErr(err))
	}
	if u.Disabled {
		return nil, model.Errorf(model.EUNAUTHORIZED, "the account is disabled")
	}
	return u, nil
}

// touch records last use at most once a minute, outside any transaction, so
// reads do not turn into writes on every request.
func (s *Store) touch(ctx context.Context, table, id string, last *time.Time) {
	if last != nil && now().Sub(*last) < time.Minute {
		return
	}
	_ = s.db.WithContext(ctx).Table(table).Where("id = ?", id).Update("last_used_at", now()).Error
}

// ActorFor builds the request actor of a user: role, team and the teams the
// user manages. scopes is nil for sessions and app passwords.
func (s *Store) ActorFor(ctx context.Context, u *model.User, scopes []string) (model.Actor, error) {
	a := model.Actor{UserID: u.ID, Name: u.Name, Role: u.Role, Scopes: scopes}
	if u.TeamID != nil {
		a.TeamID = *u.TeamID
		a.TeamIDs = append(a.TeamIDs, *u.TeamID)
	}
	var managed []string
	if err := s.conn(ctx).Model(&model.Team{}).Where("manager_id = ? AND deleted_at IS NULL", u.ID).Pluck("id", &managed).Error; err != nil {
		return a, dbErr(err)
	}
	a.TeamIDs = append(a.TeamIDs, managed...)
	return a, nil
}

func unauthorized(err error) error {
	if model.ErrorCode(err) == model.ENOTFOUND {
		return model.Errorf(model.EUNAUTHORIZED, "unknown credentials")
	}
	return err
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// userChanged applies what a user update means for access: disabling or
// deleting a user ends all their credentials at once; role changes are audited.
func (s *Store) userChanged(ctx context.Context, u *model.User, diff map[string]model.FieldChange) error {
	if u.Disabled || u.DeletedAt != nil {
		if err := s.revokeAccess(ctx, u.ID); err != nil {
			return err
		}
	}
	if c, ok := diff["disabled"]; ok && c.New == true {
		if err := s.Audit(ctx, model.AuditUserDisabled, u.ID, u.Email, "", nil); err != nil {
			return err
		}
	}
	if c, ok := diff["role"]; ok {
		return s.Audit(ctx, model.AuditRoleChanged, u.ID, u.Email, "", map[string]any{"old": c.Old, "new": c.New})
	}
	return nil
}
