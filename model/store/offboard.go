package store

import (
	"context"
	"errors"
	"time"

	"rapport/model"
)

// AuditUserOffboarded is the audit action of an offboarding (the user's
// own user_disabled event is written too).
const AuditUserOffboarded = "user_offboarded"

// OffboardIDCap bounds the record ids an offboarding report lists per
// entity and reason; the counts are always complete.
const OffboardIDCap = 100

// OffboardOptions names who takes over a leaving user's open records:
// ReassignTo (a user id) or, with ToManager, the manager of the user's
// team. DryRun reports what would happen and writes nothing.
type OffboardOptions struct {
	ReassignTo string
	ToManager  bool
	DryRun     bool
}

// OffboardReport says what an offboarding did (or, dry, would do).
type OffboardReport struct {
	UserID    string `json:"user_id"`
	User      string `json:"user"` // the leaver's e-mail
	HeirID    string `json:"heir_id"`
	Heir      string `json:"heir"` // the heir's e-mail
	ToManager bool   `json:"to_manager"`
	DryRun    bool   `json:"dry_run"`
	// WasDisabled is true when the user had been disabled before.
	WasDisabled bool `json:"was_disabled"`
	// Revoked counts the live credentials that stopped working.
	Revoked OffboardCredentials `json:"revoked"`
	// Moved and Left total the items' counts.
	Moved int            `json:"moved"`
	Left  int            `json:"left"`
	Items []OffboardItem `json:"items"`
}

// OffboardCredentials counts a user's live credentials by kind.
type OffboardCredentials struct {
	Sessions     int64 `json:"sessions"`
	Tokens       int64 `json:"tokens"`
	AppPasswords int64 `json:"app_passwords"`
	ICSFeeds     int64 `json:"ics_feeds"`
}

// OffboardItem is what one rule did: Action is reassigned, attendee_removed,
// deleted or kept; Count records (IDs lists the first OffboardIDCap) and
// what stayed with the user, grouped by why.
type OffboardItem struct {
	Entity string         `json:"entity"`
	Field  string         `json:"field"`
	Action string         `json:"action"`
	Count  int            `json:"count"`
	IDs    []string       `json:"ids"`
	Left   []OffboardLeft `json:"left"`
}

// OffboardLeft is a group of records left with the user and the reason.
type OffboardLeft struct {
	Reason string   `json:"reason"`
	Count  int      `json:"count"`
	IDs    []string `json:"ids"`
}

// offboarding is one run's state: who leaves, who takes over, and when.
type offboarding struct {
	leaver, heir *model.User
	now          time.Time
	today        string // YYYY-MM-DD in the installation's zone
}

// errDryRun rolls a dry run's transaction back once its report is made.
var errDryRun = errors.New("store: dry run")

// OffboardUser disables a user and hands their open records to an heir in
// one transaction: every session, token, app password and calendar feed
// stops working, and each record moves by the rules of offboardRules as an
// ordinary versioned update (so the feed, webhooks and domain events such
// as request.assigned see it). A record that cannot move (it no longer
// validates) stays and is reported with the reason; anything else fails
// the whole offboarding. Admins only; the last active admin and the
// caller cannot be offboarded.
func (s *Store) OffboardUser(ctx context.Context, userID string, opt OffboardOptions) (*OffboardReport, error) {
	if !model.ActorFrom(ctx).IsAdmin() {
		return nil, model.Errorf(model.EFORBIDDEN, "offboarding is for admins (with an admin-scoped token)")
	}
	if opt.ToManager == (opt.ReassignTo != "") {
		return nil, model.FieldErrors{"reassign_to": "name the user who takes over (reassign_to) or set to_manager, not both"}.Err()
	}
	var rep *OffboardReport
	err := s.withDryRun(ctx, opt.DryRun, func(ctx context.Context) error {
		o, err := s.startOffboarding(ctx, userID, opt)
		if err != nil {
			return err
		}
		rep, err = s.offboard(ctx, o, opt)
		return err
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// startOffboarding locks the leaver, checks they may go and finds the heir.
func (s *Store) startOffboarding(ctx context.Context, userID string, opt OffboardOptions) (*offboarding, error) {
	leaver, err := getForUpdate[model.User](ctx, s, userID)
	if err != nil {
		return nil, err
	}
	if leaver.ID == model.ActorFrom(ctx).UserID {
		return nil, model.Errorf(model.ECONFLICT, "you cannot offboard yourself; ask another admin")
	}
	if err := s.checkNotLastAdmin(ctx, leaver); err != nil {
		return nil, err
	}
	heir, err := s.heirOf(ctx, leaver, opt)
	if err != nil {
		return nil, err
	}
	t := now()
	return &offboarding{leaver: leaver, heir: heir, now: t, today: dateOf(s.today()).String()}, nil
}

// checkNotLastAdmin refuses to take away the last active admin. The other
// admins' rows are locked, so two admins offboarding each other at once
// cannot both succeed.
func (s *Store) checkNotLastAdmin(ctx context.Context, leaver *model.User) error {
	if leaver.Role != model.RoleAdmin || leaver.Disabled {
		return nil
	}
	q := s.conn(ctx).Model(&model.User{}).Where("role = ? AND disabled = ? AND deleted_at IS NULL AND id <> ?", model.RoleAdmin, false, leaver.ID)
	if s.engine == "postgres" {
		q = q.Clauses(forUpdate())
	}
	var others []string
	if err := q.Pluck("id", &others).Error; err != nil {
		return dbErr(err)
	}
	if len(others) == 0 {
		return model.Errorf(model.ECONFLICT, "%s is the last active admin; make another admin first", leaver.Email)
	}
	return nil
}

// heirOf resolves who takes over: the named user, or the manager of the
// leaver's team. The heir must be an active staff member other than the
// leaver.
func (s *Store) heirOf(ctx context.Context, leaver *model.User, opt OffboardOptions) (*model.User, error) {
	field, id := "reassign_to", opt.ReassignTo
	if opt.ToManager {
		field = "to_manager"
		var err error
		if id, err = s.managerOf(ctx, leaver); err != nil {
			return nil, err
		}
	}
	if !model.ValidID(id) {
		return nil, fieldErr(field, "not a user id")
	}
	heir, err := s.userByID(ctx, id)
	switch {
	case model.ErrorCode(err) == model.ENOTFOUND:
		return nil, fieldErr(field, "no user with id "+id)
	case err != nil:
		return nil, err
	case heir.ID == leaver.ID:
		return nil, fieldErr(field, "the leaving user cannot take over their own records")
	case heir.Disabled:
		return nil, fieldErr(field, heir.Email+" is disabled")
	case heir.Role == model.RolePortal:
		return nil, fieldErr(field, heir.Email+" is a portal user, not staff")
	}
	return heir, nil
}

// managerOf returns the id of the manager of the leaver's team.
func (s *Store) managerOf(ctx context.Context, leaver *model.User) (string, error) {
	if leaver.TeamID == nil {
		return "", fieldErr("to_manager", leaver.Email+" is in no team; name who takes over instead (reassign_to, or --to)")
	}
	var team model.Team
	err := s.conn(ctx).Where("id = ? AND deleted_at IS NULL", *leaver.TeamID).Take(&team).Error
	if model.ErrorCode(dbErr(err)) == model.ENOTFOUND {
		return "", fieldErr("to_manager", leaver.Email+"'s team no longer exists; name who takes over instead (reassign_to, or --to)")
	}
	if err != nil {
		return "", dbErr(err)
	}
	switch {
	case team.ManagerID == nil:
		return "", fieldErr("to_manager", "team "+team.Name+" has no manager; set one or name who takes over instead (reassign_to, or --to)")
	case *team.ManagerID == leaver.ID:
		return "", fieldErr("to_manager", leaver.Email+" manages team "+team.Name+"; name who takes over instead (reassign_to, or --to)")
	}
	return *team.ManagerID, nil
}

// offboard disables the leaver and runs every rule, in the transaction in ctx.
func (s *Store) offboard(ctx context.Context, o *offboarding, opt OffboardOptions) (*OffboardReport, error) {
	rep := &OffboardReport{UserID: o.leaver.ID, User: o.leaver.Email, HeirID: o.heir.ID, Heir: o.heir.Email,
		ToManager: opt.ToManager, DryRun: opt.DryRun, WasDisabled: o.leaver.Disabled, Items: []OffboardItem{}}
	var err error
	if rep.Revoked, err = s.liveCredentials(ctx, o.leaver.ID, o.now); err != nil {
		return nil, err
	}
	if err := s.disableForGood(ctx, o.leaver); err != nil {
		return nil, err
	}
	for _, r := range offboardRules {
		item, err := r.run(ctx, s, o)
		if err != nil {
			return nil, err
		}
		rep.Moved += item.Count
		for _, l := range item.Left {
			rep.Left += l.Count
		}
		rep.Items = append(rep.Items, item)
	}
	return rep, s.Audit(ctx, AuditUserOffboarded, o.leaver.ID, o.leaver.Email, "",
		map[string]any{"heir_id": o.heir.ID, "heir": o.heir.Email, "moved": rep.Moved, "left": rep.Left})
}

// disableForGood disables the user, which revokes their credentials in the
// same transaction. A user disabled before is swept again: credentials
// made for them since (an admin may still mint them) die too.
func (s *Store) disableForGood(ctx context.Context, u *model.User) error {
	if u.Disabled {
		return s.revokeAccess(ctx, u.ID)
	}
	_, err := Update(ctx, s, u.ID, 0, func(u *model.User) error { u.Disabled = true; return nil })
	return err
}

// liveCredentials counts the credentials of a user that still work at t.
func (s *Store) liveCredentials(ctx context.Context, userID string, t time.Time) (OffboardCredentials, error) {
	var c OffboardCredentials
	db := s.conn(ctx)
	err := firstErr(
		db.Model(&model.Session{}).Where("user_id = ? AND expires_at > ?", userID, t).Count(&c.Sessions).Error,
		db.Model(&model.APIToken{}).Where("user_id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)", userID, t).Count(&c.Tokens).Error,
		db.Model(&model.AppPassword{}).Where("user_id = ? AND revoked_at IS NULL", userID).Count(&c.AppPasswords).Error,
		db.Model(&model.ICSFeed{}).Where("user_id = ? AND revoked_at IS NULL", userID).Count(&c.ICSFeeds).Error)
	return c, dbErr(err)
}
