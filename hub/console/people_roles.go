package console

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"rapport/model"
	"rapport/model/store"
)

// reachLevel is how far a role's right over an entity's records goes,
// widest first.
type reachLevel int

// The reaches of a right, as model.CanSee and model.CanWrite grant it.
const (
	reachAll  reachLevel = iota // every record
	reachTeam                   // the user's own and their teams' (a member's or a manager's)
	reachOwn                    // the user's own
	reachNone                   // none
)

// reachOf asks can, the policy of one role and entity, about records of
// another user in another team, another user in the role's team and the
// role's own records: the widest it allows.
func reachOf(can func(owner, team string) bool) reachLevel {
	switch {
	case can("someone-else", "another-team"):
		return reachAll
	case can("someone-else", "own-team"):
		return reachTeam
	case can("self", ""):
		return reachOwn
	}
	return reachNone
}

// text names the reach in the user's language.
func (l reachLevel) text(v *view) string {
	switch l {
	case reachAll:
		return v.T("people.reach.all")
	case reachTeam:
		return v.T("people.reach.team")
	case reachOwn:
		return v.T("people.reach.own")
	}
	return v.T("people.reach.none")
}

// roleReach is what one role may do with the records of a row's entities.
type roleReach struct{ See, Change string }

// policyRow is a set of entities every role treats alike.
type policyRow struct {
	Entities []string
	Reach    []roleReach // in model.Roles' order
	key      string      // the levels, widest first: the rows' order
}

// policyRows groups the entities of model.Policies by what each role may
// see and change of them, asking model.CanSee and model.CanWrite — the
// policy the store applies, its "only admins write" entities included — as
// a signed-in user of each role (a session: no token scopes).
func policyRows(v *view) []policyRow {
	byKey := map[string]*policyRow{}
	for entity := range model.Policies {
		var levels []reachLevel
		for _, role := range model.Roles {
			a := model.Actor{UserID: "self", Role: role, TeamID: "own-team", TeamIDs: []string{"own-team"}}
			levels = append(levels,
				reachOf(func(owner, team string) bool { return model.CanSee(a, entity, owner, team) }),
				reachOf(func(owner, team string) bool { return model.CanWrite(a, entity, owner, team) }))
		}
		key := fmt.Sprint(levels)
		row := byKey[key]
		if row == nil {
			row = &policyRow{key: key}
			for i := 0; i < len(levels); i += 2 {
				row.Reach = append(row.Reach, roleReach{levels[i].text(v), levels[i+1].text(v)})
			}
			byKey[key] = row
		}
		row.Entities = append(row.Entities, entity)
	}
	rows := make([]policyRow, 0, len(byKey))
	for _, row := range byKey {
		slices.Sort(row.Entities)
		rows = append(rows, *row)
	}
	slices.SortFunc(rows, func(a, b policyRow) int { return strings.Compare(a.key, b.key) })
	return rows
}

// roleInfo is a role with what it is for and how many users hold it.
type roleInfo struct {
	Role, About       string
	Enabled, Disabled int
}

// aboutRole says what a role is for.
func aboutRole(v *view, role string) string {
	switch role {
	case model.RoleAdmin:
		return v.T("people.roles.about.admin")
	case model.RoleManager:
		return v.T("people.roles.about.manager")
	case model.RoleAgent:
		return v.T("people.roles.about.agent")
	case model.RolePortal:
		return v.T("people.roles.about.portal")
	}
	return ""
}

// rolesData is the roles page.
type rolesData struct {
	Roles []roleInfo
	Rows  []policyRow
}

// adminRoles shows the fixed roles: what each is for, how many users hold
// it (linking to them) and, generated from the policy, what each may see
// and change. Roles are given on a user's page.
func (c *Console) adminRoles(w http.ResponseWriter, r *http.Request) {
	if !c.requireAdmin(w, r) {
		return
	}
	users, err := everyRecord[model.User](r.Context(), c.cfg.Store, store.ListParams{Sort: "name"})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := c.newPage(r, "admin")
	p.Title = p.T("admin.roles")
	d := &rolesData{Rows: policyRows(p.view)}
	for _, role := range model.Roles {
		info := roleInfo{Role: role, About: aboutRole(p.view, role)}
		for _, u := range users {
			switch {
			case u.Role != role:
			case u.Disabled:
				info.Disabled++
			default:
				info.Enabled++
			}
		}
		d.Roles = append(d.Roles, info)
	}
	p.Data = d
	c.render(w, r, http.StatusOK, "admin_roles", p)
}
