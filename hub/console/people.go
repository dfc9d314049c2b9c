package console

import (
	"context"
	"net/http"
	"slices"

	"rapport/model"
	"rapport/model/store"
)

// mountPeople registers the pages of users, teams, territories, roles and numbering.
func (c *Console) mountPeople(rt routes) {
	get, post := rt.get, rt.post
	get("/admin/users", c.adminUsers)
	post("/admin/users", c.createUser)
	get("/admin/users/new", c.newUser)
	get("/admin/users/{id}", c.adminUser)
	post("/admin/users/{id}", c.saveUser)
	post("/admin/users/{id}/password", c.setUserPassword)
	get("/admin/teams", c.adminTeams)
	post("/admin/teams", c.saveTeam)
	get("/admin/teams/{id}", c.adminTeam)
	post("/admin/teams/{id}", c.saveTeam)
	get("/admin/territories", c.adminTerritories)
	post("/admin/territories", c.saveTerritory)
	get("/admin/territories/{id}", c.adminTerritory)
	post("/admin/territories/{id}", c.saveTerritory)
	get("/admin/roles", c.adminRoles)
	get("/admin/numbering", c.adminNumbering)
	post("/admin/numbering/{kind}", c.setNextNumber)
}

// walkPage is how many records one statement reads when a page needs a
// whole collection (the organisation: users, teams, territories).
const walkPage = 5000

// everyRecord reads every live record that params select and the actor in
// ctx may see, walkPage at a time: one statement for any organisation that
// fits a page, however many rows it has.
func everyRecord[T any, P store.RecordPtr[T]](ctx context.Context, s *store.Store, params store.ListParams) ([]P, error) {
	params.Limit = walkPage
	var out []P
	for {
		pg, err := store.List[T, P](ctx, s, params)
		if err != nil {
			return nil, err
		}
		out = append(out, pg.Items...)
		if pg.NextCursor == "" {
			return out, nil
		}
		params.Cursor = pg.NextCursor
	}
}

// org is the organisation the administration pages draw their choices and
// names from: every team, every territory (as a tree) and, when asked for,
// every user. Each is one statement.
type org struct {
	Teams       []*model.Team
	Territories *territoryTree
	Users       []*model.User // every live user, disabled ones too, by name
	Staff       []*model.User // the enabled employees among them: managers and reps to choose
	teams       map[string]*model.Team
	users       map[string]*model.User
}

// loadOrg reads the teams and territories, and every user when users is set.
func (c *Console) loadOrg(ctx context.Context, users bool) (*org, error) {
	s := c.cfg.Store
	o := &org{teams: map[string]*model.Team{}, users: map[string]*model.User{}}
	var err error
	if o.Teams, err = everyRecord[model.Team](ctx, s, store.ListParams{Sort: "name"}); err != nil {
		return nil, err
	}
	for _, t := range o.Teams {
		o.teams[t.ID] = t
	}
	terrs, err := everyRecord[model.Territory](ctx, s, store.ListParams{Sort: "name"})
	if err != nil {
		return nil, err
	}
	o.Territories = newTerritoryTree(terrs)
	if !users {
		return o, nil
	}
	if o.Users, err = everyRecord[model.User](ctx, s, store.ListParams{Sort: "name"}); err != nil {
		return nil, err
	}
	for _, u := range o.Users {
		o.users[u.ID] = u
		if !u.Disabled && u.Role != model.RolePortal {
			o.Staff = append(o.Staff, u)
		}
	}
	return o, nil
}

// orgPage starts an administration page drawn on the organisation (every
// user too when users is set), with the confirmation of the last action;
// ok is false when the page failed.
func (c *Console) orgPage(w http.ResponseWriter, r *http.Request, users bool) (*page, *org, bool) {
	o, err := c.loadOrg(r.Context(), users)
	if err != nil {
		c.fail(w, r, err)
		return nil, nil, false
	}
	p := c.newPage(r, "admin")
	p.Done = doneKey(r)
	return p, o, true
}

// Team names a team id ("" for none or unknown).
func (o *org) Team(id *string) string {
	if t := o.teams[deref(id)]; t != nil {
		return t.Name
	}
	return ""
}

// User returns the user of an id, nil for none or unknown.
func (o *org) User(id *string) *model.User { return o.users[deref(id)] }

// StaffWith returns the staff to choose from, with the user of id added
// when they are not among them: a disabled manager or rep stays chosen
// until someone chooses another, rather than vanish on the next save.
func (o *org) StaffWith(id string) []*model.User {
	u := o.users[id]
	if u == nil || slices.Contains(o.Staff, u) {
		return o.Staff
	}
	return append(slices.Clip(o.Staff), u)
}

// Members returns the users of a team, by name.
func (o *org) Members(teamID string) []*model.User {
	var out []*model.User
	for _, u := range o.Users {
		if deref(u.TeamID) == teamID {
			out = append(out, u)
		}
	}
	return out
}
