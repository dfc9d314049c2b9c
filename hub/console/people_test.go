package console_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
)

// people is the organisation the administration tests start from: an
// admin, a manager of team Sales and an agent in it.
type people struct {
	adam, max, ann *model.User
	sales          *model.Team
}

func (g *rig) people() people {
	g.t.Helper()
	sales := g.team("Sales")
	p := people{adam: g.user("adam", "Adam Admin", model.RoleAdmin, nil), max: g.user("max", "Max Manager", model.RoleManager, sales),
		ann: g.user("ann", "Ann Agent", model.RoleAgent, sales), sales: sales}
	if _, err := store.Update(sys, g.s, sales.ID, 0, func(t *model.Team) error { t.ManagerID = &p.max.ID; return nil }); err != nil {
		g.t.Fatal(err)
	}
	return p
}

// territory stores a territory under parent (nil: at the top).
func (g *rig) territory(name string, parent *model.Territory) *model.Territory {
	g.t.Helper()
	t := &model.Territory{Name: name}
	if parent != nil {
		t.ParentID = &parent.ID
	}
	if err := store.Create(sys, g.s, t); err != nil {
		g.t.Fatal(err)
	}
	return t
}

// userNow reads a user as the store has it.
func (g *rig) userNow(id string) *model.User {
	g.t.Helper()
	u, err := store.Get[model.User](sys, g.s, id)
	if err != nil {
		g.t.Fatal(err)
	}
	return u
}

// census counts the live users, teams and territories, to show that a
// refused form changed nothing.
func (g *rig) census() [3]int {
	g.t.Helper()
	count := func(n int, err error) int {
		if err != nil {
			g.t.Fatal(err)
		}
		return n
	}
	u, err := store.List[model.User](sys, g.s, store.ListParams{Limit: 5000})
	t, err2 := store.List[model.Team](sys, g.s, store.ListParams{Limit: 5000})
	r, err3 := store.List[model.Territory](sys, g.s, store.ListParams{Limit: 5000})
	return [3]int{count(len(u.Items), err), count(len(t.Items), err2), count(len(r.Items), err3)}
}

// form builds a posted form with the session's token.
func form(tok string, kv ...string) url.Values {
	v := url.Values{"csrf_token": {tok}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// refused checks that a post answered code with want in the page.
func refused(t *testing.T, what string, r reply, code int, want ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("%s: %d, want %d: %.2000s", what, r.code, code, r.body)
		return
	}
	wantAll(t, what, html.UnescapeString(r.body), want...)
}

func TestPeopleUsers(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		o := g.people()
		europe := g.territory("Europe", nil)
		b := g.signIn("adam")
		tok := b.token()

		list := b.page("/admin/users")
		wantAll(t, "users list", list, "Adam Admin", "Max Manager", "Ann Agent", `href="/admin/users/`+o.ann.ID+`"`, `href="/admin/teams/`+o.sales.ID+`">Sales`)
		if l := b.page("/admin/users?role=agent"); !strings.Contains(l, "Ann Agent") || strings.Contains(l, "Max Manager") {
			t.Errorf("role filter: %s", l)
		}
		if l := b.page("/admin/users?q=max"); !strings.Contains(l, "Max Manager") || strings.Contains(l, "Ann Agent") {
			t.Errorf("search: %s", l)
		}
		if l := b.page("/admin/users?team=" + o.sales.ID); !strings.Contains(l, "Team: Sales") || strings.Contains(l, ">Adam Admin</a></td>") {
			t.Errorf("team filter: %s", l)
		}
		partial := b.page("/admin/users?q=ann", "HX-Request", "true", "HX-Target", "section#results")
		if strings.Contains(partial, "<html") || !strings.Contains(partial, "Ann Agent") {
			t.Errorf("htmx results: %s", partial)
		}

		// Create a user with a first password: they can sign in with it.
		before := g.census()
		newUser := func(kv ...string) url.Values {
			v := form(tok, "name", "Nina New", "email", "Nina@Example.com", "username", "nina", "role", "agent",
				"team_id", o.sales.ID, "territory_id", europe.ID, "language", "ru", "time_zone", "Europe/Moscow",
				"password", password, "confirm_password", password)
			for i := 0; i+1 < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
		for _, c := range []struct {
			what string
			form url.Values
			want string
		}{
			{"duplicate e-mail", newUser("email", "ANN@example.com"), "Another user has this e-mail address."},
			{"duplicate username", newUser("username", "max"), "Another user has this username."},
			{"bad role", newUser("role", "owner"), "Choose a role from the list."},
			{"weak password", newUser("password", "short", "confirm_password", "short"), "Use at least 12 characters."},
			{"mismatch", newUser("confirm_password", "something else entirely"), "The two new passwords differ."},
			{"bad zone", newUser("time_zone", "Mars/Olympus"), "Not a known time zone"},
			{"no such team", newUser("team_id", model.NewID()), "Choose a team from the list."},
		} {
			r := b.post("/admin/users", c.form)
			refused(t, c.what, r, http.StatusUnprocessableEntity, c.want, `value="Nina New"`, `aria-invalid="true"`)
		}
		if after := g.census(); after != before {
			t.Fatalf("refused creates changed the database: %v → %v", before, after)
		}
		r := b.post("/admin/users", newUser())
		if r.code != http.StatusSeeOther || !strings.HasSuffix(r.hdr.Get("Location"), "?done=user_created") {
			t.Fatalf("create: %d %s", r.code, r.body)
		}
		nina, err := g.s.UserByLogin(sys, "nina")
		if err != nil {
			t.Fatal(err)
		}
		if nina.Email != "nina@example.com" || nina.Role != model.RoleAgent || deref(nina.TeamID) != o.sales.ID ||
			deref(nina.TerritoryID) != europe.ID || nina.Language != "ru" || nina.TimeZone != "Europe/Moscow" {
			t.Fatalf("created %+v", nina)
		}
		page := b.page(r.hdr.Get("Location"))
		wantAll(t, "new user's page", page, "The user is created.", `value="nina@example.com"`, "Set a new password")
		if nb := g.signIn("nina"); nb == nil {
			t.Fatal("nina cannot sign in")
		}

		// Edit: role, team, territory, language, zone, disabled.
		edit := func(u *model.User, kv ...string) url.Values {
			v := form(tok, "version", strconv.FormatInt(u.Version, 10), "name", u.Name, "email", u.Email, "username", u.Username,
				"role", u.Role, "team_id", deref(u.TeamID), "territory_id", deref(u.TerritoryID), "language", u.Language, "time_zone", u.TimeZone)
			for i := 0; i+1 < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
		ann := g.userNow(o.ann.ID)
		r = b.post("/admin/users/"+ann.ID, edit(ann, "role", "manager", "team_id", "", "territory_id", europe.ID, "language", "en", "time_zone", "Europe/Berlin"))
		if r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/admin/users/"+ann.ID+"?done=user_saved" {
			t.Fatalf("edit: %d %s", r.code, r.body)
		}
		ann = g.userNow(ann.ID)
		if ann.Role != model.RoleManager || ann.TeamID != nil || deref(ann.TerritoryID) != europe.ID || ann.Language != "en" || ann.TimeZone != "Europe/Berlin" {
			t.Fatalf("edited %+v", ann)
		}
		// Refusals keep what was typed and change nothing.
		for _, c := range []struct {
			what string
			form url.Values
			code int
			want string
		}{
			{"stale version", edit(ann, "version", "1", "name", "Ann Typed"), http.StatusPreconditionFailed, "Someone changed this meanwhile."},
			{"taken e-mail", edit(ann, "email", "max@example.com", "name", "Ann Typed"), http.StatusUnprocessableEntity, "Another user has this e-mail address."},
			{"bad username", edit(ann, "username", "Ann Agent", "name", "Ann Typed"), http.StatusUnprocessableEntity, "Use 1 to 64 characters"},
			{"no name", edit(ann, "name", "", "email", "typed@example.com"), http.StatusUnprocessableEntity, "Give a name."},
		} {
			r := b.post("/admin/users/"+ann.ID, c.form)
			typed := "Ann Typed"
			if c.form.Get("name") == "" {
				typed = "typed@example.com"
			}
			refused(t, c.what, r, c.code, c.want, typed)
		}
		if now := g.userNow(ann.ID); now.Version != ann.Version {
			t.Fatalf("a refused edit wrote version %d", now.Version)
		}
		// A stale form comes back with the current version: saving again is a choice.
		r = b.post("/admin/users/"+ann.ID, edit(ann, "version", "1"))
		if !strings.Contains(r.body, `name="version" value="`+strconv.FormatInt(ann.Version, 10)+`"`) {
			t.Errorf("the stale form lacks the current version")
		}
		// Disable: every session of hers ends.
		annB := g.signIn("ann")
		r = b.post("/admin/users/"+ann.ID, edit(ann, "disabled", "1"))
		if r.code != http.StatusSeeOther || !g.userNow(ann.ID).Disabled {
			t.Fatalf("disable: %d %s", r.code, r.body)
		}
		if code, _ := annB.get("/"); code != http.StatusFound {
			t.Errorf("a disabled user's session still works: %d", code)
		}
		if l := b.page("/admin/users?status=disabled"); !strings.Contains(l, "Ann Agent") || strings.Contains(l, "Max Manager") {
			t.Errorf("status filter: %s", l)
		}

		// The admin's own role and status stay.
		adam := g.userNow(o.adam.ID)
		own := b.page("/admin/users/" + adam.ID)
		wantAll(t, "own page", own, "You cannot change your own role", "You change your own password on your profile page")
		if strings.Contains(own, `name="disabled"`) || strings.Contains(own, `action="/admin/users/`+adam.ID+`/password"`) {
			t.Errorf("the own page offers to disable or set the password")
		}
		refused(t, "self demote", b.post("/admin/users/"+adam.ID, edit(adam, "role", "agent")), http.StatusUnprocessableEntity, "You cannot change your own role")
		refused(t, "self disable", b.post("/admin/users/"+adam.ID, edit(adam, "disabled", "1")), http.StatusUnprocessableEntity, "You cannot disable yourself")
		refused(t, "own password", b.post("/admin/users/"+adam.ID+"/password", form(tok, "new_password", password+"!", "confirm_password", password+"!")),
			http.StatusUnprocessableEntity, "Change your own password on your profile page")
		if now := g.userNow(adam.ID); now.Version != adam.Version || now.Role != model.RoleAdmin {
			t.Fatalf("the admin changed themselves: %+v", now)
		}
		// Language and zone of one's own record may change.
		if r := b.post("/admin/users/"+adam.ID, edit(adam, "time_zone", "Europe/Paris")); r.code != http.StatusSeeOther {
			t.Fatalf("own zone: %d %s", r.code, r.body)
		}

		// Set another user's password: weak and mismatched ones are refused.
		maxB := g.signIn("max")
		refused(t, "weak new password", b.post("/admin/users/"+o.max.ID+"/password", form(tok, "new_password", "short", "confirm_password", "short")),
			http.StatusUnprocessableEntity, "Use at least 12 characters.")
		refused(t, "mismatched new password", b.post("/admin/users/"+o.max.ID+"/password", form(tok, "new_password", password+"1", "confirm_password", password+"2")),
			http.StatusUnprocessableEntity, "The two new passwords differ.")
		if code, _ := maxB.get("/"); code != http.StatusOK {
			t.Fatal("a refused password ended the sessions")
		}
		r = b.post("/admin/users/"+o.max.ID+"/password", form(tok, "new_password", "a brand new passphrase", "confirm_password", "a brand new passphrase"))
		if r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/admin/users/"+o.max.ID+"?done=user_password" {
			t.Fatalf("set password: %d %s", r.code, r.body)
		}
		if code, _ := maxB.get("/"); code != http.StatusFound {
			t.Error("max's session survived a new password")
		}
		if _, err := g.s.CheckLogin(sys, "max", "a brand new passphrase"); err != nil {
			t.Errorf("the new password does not work: %v", err)
		}
		if code, _ := b.get("/admin/users/" + model.NewID()); code != http.StatusNotFound {
			t.Errorf("unknown user: %d", code)
		}
	})
}

func TestPeopleTeamsAndTerritories(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		o := g.people()
		b := g.signIn("adam")
		tok := b.token()

		list := b.page("/admin/teams")
		wantAll(t, "teams", list, `href="/admin/teams/`+o.sales.ID+`">Sales`, "Max Manager", `href="/admin/users?team=`+o.sales.ID+`">2<`)
		before := g.census()
		refused(t, "nameless team", b.post("/admin/teams", form(tok, "name", " ", "manager_id", o.max.ID)), http.StatusUnprocessableEntity, "Give a name.")
		refused(t, "unknown manager", b.post("/admin/teams", form(tok, "name", "Typed team", "manager_id", model.NewID())),
			http.StatusUnprocessableEntity, "Choose a person from the list.", `value="Typed team"`)
		if after := g.census(); after != before {
			t.Fatalf("refused team changed the database: %v → %v", before, after)
		}
		r := b.post("/admin/teams", form(tok, "name", "Support", "manager_id", o.ann.ID))
		if r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/admin/teams?done=team_created" {
			t.Fatalf("create team: %d %s", r.code, r.body)
		}
		teams, _ := store.List[model.Team](sys, g.s, store.ListParams{Equals: map[string]string{"name": "Support"}})
		if len(teams.Items) != 1 || deref(teams.Items[0].ManagerID) != o.ann.ID {
			t.Fatalf("created team: %+v", teams.Items)
		}
		support := teams.Items[0]
		page := b.page("/admin/teams/" + o.sales.ID)
		wantAll(t, "team page", page, `value="Sales"`, `href="/admin/users/`+o.ann.ID+`">Ann Agent`, `href="/admin/users/`+o.max.ID+`">Max Manager`)
		r = b.post("/admin/teams/"+support.ID, form(tok, "version", "1", "name", "Customer care", "manager_id", ""))
		if r.code != http.StatusSeeOther {
			t.Fatalf("edit team: %d %s", r.code, r.body)
		}
		if tm, _ := store.Get[model.Team](sys, g.s, support.ID); tm.Name != "Customer care" || tm.ManagerID != nil {
			t.Fatalf("edited team %+v", tm)
		}
		refused(t, "stale team", b.post("/admin/teams/"+support.ID, form(tok, "version", "1", "name", "Typed again")),
			http.StatusPreconditionFailed, "Someone changed this meanwhile.", `value="Typed again"`)

		// Territories: a tree, a parent never under its own child.
		europe := g.territory("Europe", nil)
		germany := g.territory("Germany", europe)
		bavaria := g.territory("Bavaria", germany)
		tree := b.page("/admin/territories")
		if i, j, k := strings.Index(tree, ">Europe<"), strings.Index(tree, ">Germany<"), strings.Index(tree, ">Bavaria<"); i < 0 || j < i || k < j ||
			strings.Count(tree[i:k], "<ul>") != 2 {
			t.Fatalf("the tree is not nested: %s", tree)
		}
		page = b.page("/admin/territories/" + europe.ID)
		if strings.Contains(page, `<option value="`+germany.ID+`"`) || strings.Contains(page, `<option value="`+europe.ID+`"`) {
			t.Errorf("Europe's parent choices hold itself or its own: %s", page)
		}
		if !strings.Contains(b.page("/admin/territories/"+bavaria.ID), "Europe › Germany") {
			t.Error("Bavaria's page lacks its path")
		}
		for _, parent := range []string{bavaria.ID, europe.ID} {
			refused(t, "cycle", b.post("/admin/territories/"+europe.ID, form(tok, "version", "1", "name", "Europa", "parent_id", parent)),
				http.StatusUnprocessableEntity, "A territory cannot sit inside itself", `value="Europa"`)
		}
		if now, _ := store.Get[model.Territory](sys, g.s, europe.ID); now.Version != 1 || now.ParentID != nil {
			t.Fatalf("a refused territory changed: %+v", now)
		}
		r = b.post("/admin/territories", form(tok, "name", "Austria", "parent_id", europe.ID, "owner_id", o.ann.ID, "team_id", o.sales.ID, "description", "Alps"))
		if r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/admin/territories?done=territory_created" {
			t.Fatalf("create territory: %d %s", r.code, r.body)
		}
		r = b.post("/admin/territories/"+bavaria.ID, form(tok, "version", "1", "name", "Bavaria", "parent_id", europe.ID))
		if r.code != http.StatusSeeOther {
			t.Fatalf("move territory: %d %s", r.code, r.body)
		}
		tree = b.page("/admin/territories")
		wantAll(t, "tree", tree, ">Austria<", "Rep: Ann Agent", "Team: Sales", "Alps")
		refused(t, "nameless territory", b.post("/admin/territories", form(tok, "name", "", "parent_id", model.NewID())),
			http.StatusUnprocessableEntity, "Give a name.")
	})
}

func TestPeopleRolesAndNumbering(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		o := g.people()
		g.user("old", "Old Agent", model.RoleAgent, nil)
		if _, err := store.Update(sys, g.s, g.userNowByLogin("old").ID, 0, func(u *model.User) error { u.Disabled = true; return nil }); err != nil {
			t.Fatal(err)
		}
		b := g.signIn("adam")
		roles := html.UnescapeString(b.page("/admin/roles"))
		wantAll(t, "roles", roles, `href="/admin/users?role=agent"`, "<code>user</code>", "<code>opportunity</code>",
			"Sees: all<br>Changes: nothing", "Sees: their teams' and their own<br>Changes: only their own", "Sees: nothing<br>Changes: nothing")
		// agent: 1 enabled and 1 disabled.
		if !strings.Contains(roles, `<th scope="row">agent</th><td>Works on the shared customer records; sees their team's deals, leads, quotes and orders, and changes their own.</td><td class="num">1</td><td class="num">1</td>`) {
			t.Errorf("agent counts: %s", roles)
		}

		year := strconv.Itoa(time.Now().UTC().Year())
		numbering := b.page("/admin/numbering")
		wantAll(t, "numbering", numbering, "<code>Q-{yyyy}-{n:04}</code>", "<code>Q-"+year+"-0001</code>", "<code>R-000001</code>",
			"<code>INV-"+year+"-00001</code>", "no gaps", "Years turn in UTC")
		g.quoteFixture(o.ann, o.sales, 0)
		n := b.page("/admin/numbering")
		if !strings.Contains(n, "<code>Q-"+year+"-0002</code>") {
			t.Errorf("numbering after a quote: %s", n)
		}
		// Go on from an older system's numbers: up, never down.
		tok := b.csrf(n)
		if r := b.post("/admin/numbering/quote", form(tok, "next_value", "5000")); r.code != http.StatusSeeOther {
			t.Fatalf("set the quote counter: %d %.1500s", r.code, r.body)
		}
		wantAll(t, "numbering set", b.page("/admin/numbering?done=number_set"), "The counter is set.", "<code>Q-"+year+"-5000</code>")
		for _, bad := range []string{"4999", "1", "many", "", "1e3"} {
			refused(t, "set to "+bad, b.post("/admin/numbering/quote", form(tok, "next_value", bad)), http.StatusUnprocessableEntity,
				"numbers already issued must not come again", `value="`+bad+`"`)
		}
		if r := b.post("/admin/numbering/no_such_kind", form(tok, "next_value", "9")); r.code != http.StatusNotFound {
			t.Errorf("unknown kind: %d", r.code)
		}
		if n, err := g.s.NextNumber(sys, model.QuoteNumberKind); n != "Q-"+year+"-5000" {
			t.Errorf("the next quote number is %s %v", n, err)
		}
		agent := g.signIn("max")
		if r := agent.post("/admin/numbering/quote", form(agent.csrf(agent.page("/")), "next_value", "9000")); r.code != http.StatusForbidden {
			t.Errorf("a manager set a counter: %d", r.code)
		}
	})
}

// userNowByLogin reads a user by e-mail or username.
func (g *rig) userNowByLogin(login string) *model.User {
	g.t.Helper()
	u, err := g.s.UserByLogin(sys, login)
	if err != nil {
		g.t.Fatal(err)
	}
	return u
}

// TestPeopleForbidden: managers and agents get 403 on every
// administration page and form, as the API refuses their writes, and
// nothing changes.
func TestPeopleForbidden(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		o := g.people()
		europe := g.territory("Europe", nil)
		before := g.census()
		gets := []string{"/admin/users", "/admin/users/new", "/admin/users/" + o.ann.ID, "/admin/teams", "/admin/teams/" + o.sales.ID,
			"/admin/territories", "/admin/territories/" + europe.ID, "/admin/roles", "/admin/numbering"}
		posts := map[string]url.Values{
			"/admin/users":                            {"name": {"Eve"}, "email": {"eve@example.com"}, "role": {"admin"}, "password": {password}, "confirm_password": {password}},
			"/admin/users/" + o.max.ID:                {"version": {"1"}, "name": {"Max"}, "email": {"max@example.com"}, "username": {"max"}, "role": {"admin"}},
			"/admin/users/" + o.adam.ID + "/password": {"new_password": {"taken over password"}, "confirm_password": {"taken over password"}},
			"/admin/teams":                            {"name": {"Rogue"}},
			"/admin/teams/" + o.sales.ID:              {"version": {"2"}, "name": {"Mine now"}},
			"/admin/territories":                      {"name": {"Rogue land"}},
			"/admin/territories/" + europe.ID:         {"version": {"1"}, "name": {"Mine"}},
		}
		for _, login := range []string{"max", "ann"} {
			b := g.signIn(login)
			tok := b.token()
			for _, path := range gets {
				if code, body := b.get(path); code != http.StatusForbidden || !strings.Contains(body, "Not allowed") {
					t.Errorf("%s GET %s: %d", login, path, code)
				}
			}
			for path, f := range posts {
				f.Set("csrf_token", tok)
				if r := b.post(path, f); r.code != http.StatusForbidden {
					t.Errorf("%s POST %s: %d", login, path, r.code)
				}
			}
		}
		if after := g.census(); after != before {
			t.Fatalf("forbidden posts changed the database: %v → %v", before, after)
		}
		if u := g.userNow(o.max.ID); u.Role != model.RoleManager || u.Version != o.max.Version {
			t.Errorf("max promoted himself: %+v", u)
		}
		if _, err := g.s.CheckLogin(sys, "adam", password); err != nil {
			t.Errorf("adam's password changed: %v", err)
		}
		if tm, _ := store.Get[model.Team](sys, g.s, o.sales.ID); tm.Name != "Sales" {
			t.Errorf("the team was renamed: %+v", tm)
		}
	})
}

// TestPeopleRussian draws every administration page in Russian.
func TestPeopleRussian(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		o := g.people()
		europe := g.territory("Европа", nil)
		b := g.signIn("adam").with("ru")
		for path, want := range map[string]string{
			"/admin/users":                    "Поиск пользователей",
			"/admin/users/new":                "Начальный пароль",
			"/admin/users/" + o.ann.ID:        "Новый пароль",
			"/admin/teams":                    "Активных участников",
			"/admin/teams/" + o.sales.ID:      "Участники",
			"/admin/territories":              "Новая территория",
			"/admin/territories/" + europe.ID: "Вложенные территории",
			"/admin/roles":                    "Что каждая роль может видеть и менять",
			"/admin/numbering":                "Коммерческие предложения",
		} {
			page := b.page(path)
			if !strings.Contains(page, `<html lang="ru">`) || !strings.Contains(page, want) || strings.Contains(page, "people.") {
				t.Errorf("%s in Russian lacks %q or shows a key: %.3000s", path, want, page)
			}
		}
		r := b.post("/admin/teams", form(b.token(), "name", ""))
		refused(t, "Russian refusal", r, http.StatusUnprocessableEntity, "Укажите имя.")
	})
}

// TestPeopleQueries: the administration lists run as many statements for
// a few rows as for many.
func TestPeopleQueries(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		o := g.people()
		small, large := g.territory("Small", nil), g.territory("Large", nil)
		parent := large
		for i := range 12 {
			tm := g.team(fmt.Sprintf("Team %02d", i))
			u := g.user(fmt.Sprintf("member%02d", i), fmt.Sprintf("Member %02d", i), model.RoleAgent, tm)
			if _, err := store.Update(sys, g.s, tm.ID, 0, func(t *model.Team) error { t.ManagerID = &u.ID; return nil }); err != nil {
				t.Fatal(err)
			}
			parent = g.territory(fmt.Sprintf("Large %02d", i), parent)
			if _, err := store.Update(sys, g.s, u.ID, 0, func(x *model.User) error { x.TerritoryID = &parent.ID; return nil }); err != nil {
				t.Fatal(err)
			}
		}
		b := g.signIn("adam")
		pages := []struct{ name, small, large string }{
			{"users", "/admin/users?q=ann", "/admin/users?q=member"},
			{"users by team", "/admin/users?team=" + o.sales.ID, "/admin/users?status=active"},
			{"team", "/admin/teams/" + o.sales.ID, "/admin/teams/" + o.sales.ID},
			{"territory", "/admin/territories/" + small.ID, "/admin/territories/" + large.ID},
			{"user", "/admin/users/" + o.ann.ID, "/admin/users/" + o.max.ID},
		}
		for _, p := range pages {
			b.page(p.small)
			n1 := g.count(func() { b.page(p.small) })
			n2 := g.count(func() { b.page(p.large) })
			if n1 != n2 || n1 == 0 {
				t.Errorf("%s: %d statements for the small page, %d for the large", p.name, n1, n2)
			}
		}
		// Whole-organisation pages: the count stays as the organisation grows.
		for n, path := range []string{"/admin/teams", "/admin/territories", "/admin/roles", "/admin/numbering"} {
			b.page(path)
			n1 := g.count(func() { b.page(path) })
			for i := range 5 {
				tm := g.team(fmt.Sprintf("More %d %d", n, i))
				g.user(fmt.Sprintf("more%d%d", n, i), "More", model.RoleAgent, tm)
				g.territory(fmt.Sprintf("More %d %d", n, i), small)
			}
			if n2 := g.count(func() { b.page(path) }); n1 != n2 || n1 == 0 {
				t.Errorf("%s: %d statements, then %d with more rows", path, n1, n2)
			}
		}
	})
}
