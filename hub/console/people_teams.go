package console

import (
	"context"
	"net/http"

	"github.com/gorilla/mux"

	"rapport/model"
	"rapport/model/store"
)

// teamForm is the team form as typed.
type teamForm struct {
	ID              string
	Version         int64
	Name, ManagerID string
}

// teamsData is the teams list with the new-team form, or a team's page
// with its form and members: one template draws both, so they share the
// form.
type teamsData struct {
	Org     *org
	Team    *model.Team    // the team of the page; nil on the list
	Counts  map[string]int // on the list: team id → enabled members
	Members []*model.User  // on a team's page
	Form    teamForm
	formState
}

// adminTeams lists the teams with their manager and number of members,
// and offers a form for a new team.
func (c *Console) adminTeams(w http.ResponseWriter, r *http.Request) {
	if !c.requireAdmin(w, r) {
		return
	}
	c.renderTeams(w, r, http.StatusOK, nil, teamForm{}, formState{})
}

// adminTeam shows a team's form and members.
func (c *Console) adminTeam(w http.ResponseWriter, r *http.Request) {
	if t, ok := adminRecord[model.Team](c, w, r); ok {
		c.renderTeams(w, r, http.StatusOK, t, teamForm{ID: t.ID, Version: t.Version, Name: t.Name, ManagerID: deref(t.ManagerID)}, formState{})
	}
}

// renderTeams draws team t's page, or the teams list when t is nil, with
// the form f. Member counts and members come from the one read of every
// user the page makes anyway (the manager choices): no statement per team.
func (c *Console) renderTeams(w http.ResponseWriter, r *http.Request, status int, t *model.Team, f teamForm, st formState) {
	p, o, ok := c.orgPage(w, r, true)
	if !ok {
		return
	}
	d := &teamsData{Org: o, Team: t, Form: f, formState: st}
	if t != nil {
		p.Title, d.Members = t.Name, o.Members(t.ID)
	} else {
		p.Title, d.Counts = p.T("admin.teams"), map[string]int{}
		for _, u := range o.Users {
			if u.TeamID != nil && !u.Disabled {
				d.Counts[*u.TeamID]++
			}
		}
	}
	p.Data = d
	c.render(w, r, status, "admin_teams", p)
}

// saveTeam creates a team (POST /admin/teams, as the API's POST /teams)
// or renames it and changes its manager with the version its form was
// drawn with (POST /admin/teams/{id}, the API's PATCH with If-Match).
func (c *Console) saveTeam(w http.ResponseWriter, r *http.Request) {
	if !c.requireAdmin(w, r) {
		return
	}
	f := teamForm{ID: mux.Vars(r)["id"], Name: formText(r, "name"), ManagerID: formText(r, "manager_id")}
	cur, version, err := adminWrite(r.Context(), c.cfg.Store, r, f.ID,
		func(ctx context.Context, t *model.Team) error { return store.Create(ctx, c.cfg.Store, t) },
		func(_ context.Context, t *model.Team) error {
			t.Name, t.ManagerID = f.Name, optionalID(f.ManagerID)
			return nil
		})
	c.answerWrite(w, r, c.newPage(r, "admin").view, err, func() {
		if cur == nil {
			seeOther(w, r, "/admin/teams", "team_created")
		} else {
			seeOther(w, r, "/admin/teams/"+f.ID, "team_saved")
		}
	}, func(status int, st formState) { f.Version = version; c.renderTeams(w, r, status, cur, f, st) })
}
