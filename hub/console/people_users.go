package console

import (
	"context"
	"net/http"
	"slices"

	"github.com/gorilla/mux"

	"rapport/model"
	"rapport/model/secret"
	"rapport/model/store"
)

// userStatuses are the status filter's choices of the users list.
var userStatuses = []string{"active", "disabled"}

// usersData is the users list.
type usersData struct {
	listData[*model.User]
	Org                               *org
	Role, Status, TeamID, TerritoryID string
	Roles, Statuses                   []string
}

// userFilter is a filter of the users list: its query parameter, the
// store's field, which values it takes, and where the page keeps it.
type userFilter struct {
	param, field string
	ok           func(string) bool
	dst          func(d *usersData) *string
}

// userFilters are the users list's filters besides the search.
var userFilters = []userFilter{
	{"role", "role", func(s string) bool { return slices.Contains(model.Roles, s) }, func(d *usersData) *string { return &d.Role }},
	{"team", "team_id", model.ValidID, func(d *usersData) *string { return &d.TeamID }},
	{"territory", "territory_id", model.ValidID, func(d *usersData) *string { return &d.TerritoryID }},
	{"status", "disabled", func(s string) bool { return slices.Contains(userStatuses, s) }, func(d *usersData) *string { return &d.Status }},
}

// adminUsers lists the users, disabled ones included and marked: search by
// name, e-mail or username as you type, filters by role, status, team and
// territory, keyset pages by name.
func (c *Console) adminUsers(w http.ResponseWriter, r *http.Request) {
	if !c.requireAdmin(w, r) {
		return
	}
	ctx := r.Context()
	p := c.newPage(r, "admin")
	p.Title = p.T("admin.users")
	p.Done = doneKey(r)
	v := r.URL.Query()
	q := parseListQuery(v, map[string]string{"": ""})
	params := store.ListParams{Limit: c.cfg.PageSize, Cursor: q.After, Sort: "name", Q: q.Q, Equals: map[string]string{}}
	d := &usersData{Roles: model.Roles, Statuses: userStatuses}
	var kept [][2]string
	for _, f := range userFilters {
		x := v.Get(f.param)
		if !f.ok(x) {
			continue
		}
		*f.dst(d), params.Equals[f.field] = x, x
		if f.param == "status" {
			params.Equals[f.field] = map[string]string{"active": "false", "disabled": "true"}[x]
		}
		kept = append(kept, [2]string{f.param, x})
	}
	pg, err := store.List[model.User](ctx, c.cfg.Store, params)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if d.Org, err = c.loadOrg(ctx, false); err != nil {
		c.fail(w, r, err)
		return
	}
	d.Query, d.Items, d.Pager = q, pg.Items, q.pagerFor("/admin/users", pg.NextCursor)
	for _, kv := range kept {
		d.Pager = withParam(d.Pager, kv[0], kv[1])
	}
	p.Data = d
	if partialTarget(r, "results") {
		p.Partial = "people-user-results"
	}
	c.render(w, r, http.StatusOK, "admin_users", p)
}

// userForm is the user form as typed.
type userForm struct {
	ID                                      string
	Version                                 int64
	Name, Email, Username, Role             string
	TeamID, TerritoryID, Language, TimeZone string
	Disabled                                bool
}

// readUserForm reads the user form of r.
func readUserForm(r *http.Request) userForm {
	return userForm{ID: mux.Vars(r)["id"], Name: formText(r, "name"), Email: formText(r, "email"), Username: formText(r, "username"),
		Role: formText(r, "role"), TeamID: formText(r, "team_id"), TerritoryID: formText(r, "territory_id"),
		Language: formText(r, "language"), TimeZone: formText(r, "time_zone"), Disabled: r.PostFormValue("disabled") == "1"}
}

// userFormOf is the form of user u as stored.
func userFormOf(u *model.User) userForm {
	return userForm{ID: u.ID, Version: u.Version, Name: u.Name, Email: u.Email, Username: u.Username, Role: u.Role,
		TeamID: deref(u.TeamID), TerritoryID: deref(u.TerritoryID), Language: u.Language, TimeZone: u.TimeZone, Disabled: u.Disabled}
}

// apply copies the form onto u.
func (f userForm) apply(u *model.User) {
	u.Name, u.Email, u.Username, u.Role = f.Name, f.Email, f.Username, f.Role
	u.TeamID, u.TerritoryID, u.Language, u.TimeZone, u.Disabled = optionalID(f.TeamID), optionalID(f.TerritoryID), f.Language, f.TimeZone, f.Disabled
}

// userData is a user's page (or the new-user page): the user form, and
// for an existing user the set-password form.
type userData struct {
	User      *model.User // nil on the new-user page
	Form      userForm
	Org       *org
	Roles     []string
	Languages []choice
	Zones     []string
	Self      bool // the signed-in admin's own record: role and status stay
	formState
	Password formState // the set-password form's refusal
}

// newUser shows the new-user form.
func (c *Console) newUser(w http.ResponseWriter, r *http.Request) {
	if !c.requireAdmin(w, r) {
		return
	}
	c.renderUser(w, r, http.StatusOK, nil, userForm{Role: model.RoleAgent}, formState{}, formState{})
}

// adminUser shows a user's form and the set-password form.
func (c *Console) adminUser(w http.ResponseWriter, r *http.Request) {
	if u, ok := adminRecord[model.User](c, w, r); ok {
		c.renderUser(w, r, http.StatusOK, u, userFormOf(u), formState{}, formState{})
	}
}

// renderUser draws user u's page (u nil: the new-user page) with the
// form f and the refusals of the user form and the password form.
func (c *Console) renderUser(w http.ResponseWriter, r *http.Request, status int, u *model.User, f userForm, st, pw formState) {
	p, o, ok := c.orgPage(w, r, false)
	if !ok {
		return
	}
	d := &userData{User: u, Form: f, Org: o, Roles: model.Roles, Zones: commonZones, formState: st, Password: pw}
	d.Languages = []choice{{"", p.T("profile.language.browser")}, {"en", "English"}, {"ru", "Русский"}}
	if f.Language != "" && f.Language != "en" && f.Language != "ru" {
		d.Languages = append(d.Languages, choice{f.Language, f.Language})
	}
	if u == nil {
		p.Title = p.T("people.user.new")
	} else {
		p.Title, d.Self = u.Name, u.ID == model.ActorFrom(r.Context()).UserID
	}
	p.Data = d
	c.render(w, r, status, "admin_user", p)
}

// createUser adds a user with an optional first password (the API's POST
// /users and the CLI's user add): the password must pass the sign-in's
// strength rule and be typed twice; e-mail and username must be free.
func (c *Console) createUser(w http.ResponseWriter, r *http.Request) {
	if !c.requireAdmin(w, r) {
		return
	}
	f := readUserForm(r)
	v := c.newPage(r, "admin").view
	pw := r.PostFormValue("password")
	var created *model.User
	_, _, err := adminWrite(r.Context(), c.cfg.Store, r, "",
		func(ctx context.Context, u *model.User) error {
			fe, err := c.checkUser(ctx, v, u, nil)
			if err != nil {
				return err
			}
			if pw != "" && secret.CheckStrength(pw) != "" {
				fe.Add("password", v.T("profile.error.weak"))
			}
			if pw != r.PostFormValue("confirm_password") {
				fe.Add("confirm_password", v.T("profile.error.mismatch"))
			}
			if err := refuseFields(fe); err != nil {
				return err
			}
			created = u
			return c.cfg.Store.CreateUser(ctx, u, pw)
		},
		func(_ context.Context, u *model.User) error { f.apply(u); return nil })
	c.answerWrite(w, r, v, err, func() { seeOther(w, r, "/admin/users/"+created.ID, "user_created") },
		func(status int, st formState) { c.renderUser(w, r, status, nil, f, st, formState{}) })
}

// saveUser changes a user with the version the form was drawn with (the
// API's PATCH /users/{id} with If-Match). Admins cannot change their own
// role or disable themselves (as they cannot offboard themselves), and no
// change may leave the installation without an enabled admin. The store
// enforces the last rule for every door; the console checks both first, in
// the write's transaction, to say why in the user's language.
func (c *Console) saveUser(w http.ResponseWriter, r *http.Request) {
	if !c.requireAdmin(w, r) {
		return
	}
	f := readUserForm(r)
	v := c.newPage(r, "admin").view
	cur, version, err := adminWrite(r.Context(), c.cfg.Store, r, f.ID, nil,
		func(ctx context.Context, u *model.User) error {
			before := *u
			f.apply(u)
			fe, err := c.checkUser(ctx, v, u, &before)
			if err != nil {
				return err
			}
			return refuseFields(fe)
		})
	f.Version = version
	c.answerWrite(w, r, v, err, func() { seeOther(w, r, "/admin/users/"+f.ID, "user_saved") },
		func(status int, st formState) { c.renderUser(w, r, status, cur, f, st, formState{}) })
}

// checkUser applies the console's rules to user u as the form left it
// (before: as it was, nil for a new user) and returns the refused fields,
// in the user's language: the record's own validation, a language of the
// UI, a free e-mail and username, then checkAdmins.
func (c *Console) checkUser(ctx context.Context, v *view, u, before *model.User) (model.FieldErrors, error) {
	u.Normalize()
	fe := model.FieldErrors{}
	storeFields(v, u.Validate(), fe)
	if u.Language != "" && u.Language != "en" && u.Language != "ru" && (before == nil || before.Language != u.Language) {
		fe.Add("language", v.T("profile.error.language"))
	}
	for _, key := range []struct{ field, value, msg string }{
		{"email", u.Email, v.T("people.error.email_taken")}, {"username", u.Username, v.T("people.error.username_taken")}} {
		if _, bad := fe[key.field]; bad {
			continue
		}
		taken, err := c.userTaken(ctx, key.field, key.value, u.ID)
		if err != nil {
			return nil, err
		}
		if taken {
			fe.Add(key.field, key.msg)
		}
	}
	if before == nil || len(fe) > 0 {
		return fe, nil
	}
	return fe, c.checkAdmins(ctx, v, u, before, fe)
}

// checkAdmins refuses in fe a change of the signed-in admin's own role or
// status, and one that leaves no enabled admin (u as the form left it,
// before as it was).
func (c *Console) checkAdmins(ctx context.Context, v *view, u, before *model.User, fe model.FieldErrors) error {
	if before.ID == model.ActorFrom(ctx).UserID {
		if u.Role != before.Role {
			fe.Add("role", v.T("people.error.self_role"))
		}
		if u.Disabled {
			fe.Add("disabled", v.T("people.error.self_disable"))
		}
	}
	if len(fe) > 0 || before.Role != model.RoleAdmin || before.Disabled || (u.Role == model.RoleAdmin && !u.Disabled) {
		return nil
	}
	other, err := c.anotherAdmin(ctx, u.ID)
	if err == nil && !other {
		fe.Add("role", v.T("people.error.last_admin"))
	}
	return err
}

// userTaken reports whether another live user has value in field (e-mail
// or username, each unique).
func (c *Console) userTaken(ctx context.Context, field, value, id string) (bool, error) {
	pg, err := store.List[model.User](ctx, c.cfg.Store, store.ListParams{Limit: 2, Equals: map[string]string{field: value}})
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(pg.Items, func(o *model.User) bool { return o.ID != id }), nil
}

// anotherAdmin reports whether an enabled admin other than id exists.
func (c *Console) anotherAdmin(ctx context.Context, id string) (bool, error) {
	pg, err := store.List[model.User](ctx, c.cfg.Store, store.ListParams{Limit: 1,
		Equals: map[string]string{"role": model.RoleAdmin, "disabled": "false"},
		Filter: model.Filter{All: []model.Condition{{Field: "id", Op: "ne", Value: id}}}})
	return len(pg.Items) > 0, err
}

// setUserPassword sets a new password for another user (the CLI's user
// passwd), which ends their sessions. The password must pass the
// sign-in's strength rule and be typed twice; admins change their own on
// their profile, where the current password is asked for.
func (c *Console) setUserPassword(w http.ResponseWriter, r *http.Request) {
	u, ok := adminRecord[model.User](c, w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	v := c.newPage(r, "admin").view
	pw, pst := r.PostFormValue("new_password"), formState{Errors: map[string]string{}}
	switch {
	case u.ID == model.ActorFrom(ctx).UserID:
		pst.Refused = v.T("people.error.self_password")
	case secret.CheckStrength(pw) != "":
		pst.Errors["new_password"] = v.T("profile.error.weak")
	case pw != r.PostFormValue("confirm_password"):
		pst.Errors["confirm_password"] = v.T("profile.error.mismatch")
	default:
		if err := c.cfg.Store.SetPassword(ctx, u.ID, pw); err != nil {
			c.fail(w, r, err)
			return
		}
		seeOther(w, r, "/admin/users/"+u.ID, "user_password")
		return
	}
	c.renderUser(w, r, http.StatusUnprocessableEntity, u, userFormOf(u), formState{}, pst)
}
