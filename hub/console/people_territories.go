package console

import (
	"context"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"rapport/model"
	"rapport/model/store"
)

// territoryTree is every territory with its place in the hierarchy.
type territoryTree struct {
	byID     map[string]*model.Territory
	children map[string][]*model.Territory // parent id ("" for the top) → children, by name
	order    []*model.Territory            // depth first, each after its parent
}

// newTerritoryTree arranges territories (sorted by name) as a tree. A
// territory whose parent is gone sits at the top, and so does one caught
// in a cycle written before the console refused them, so every territory
// shows once.
func newTerritoryTree(all []*model.Territory) *territoryTree {
	t := &territoryTree{byID: map[string]*model.Territory{}, children: map[string][]*model.Territory{}}
	for _, x := range all {
		t.byID[x.ID] = x
	}
	for _, x := range all {
		parent := deref(x.ParentID)
		if t.byID[parent] == nil {
			parent = ""
		}
		t.children[parent] = append(t.children[parent], x)
	}
	seen := map[string]bool{}
	var walk func(x *model.Territory)
	walk = func(x *model.Territory) {
		if seen[x.ID] {
			return
		}
		seen[x.ID] = true
		t.order = append(t.order, x)
		for _, ch := range t.children[x.ID] {
			walk(ch)
		}
	}
	for _, x := range t.children[""] {
		walk(x)
	}
	for _, x := range all {
		if !seen[x.ID] {
			t.children[""] = append(t.children[""], x)
			walk(x)
		}
	}
	return t
}

// ancestors returns the chain above id, nearest first, stopping at a
// territory met twice.
func (t *territoryTree) ancestors(id string) []*model.Territory {
	var out []*model.Territory
	seen := map[string]bool{id: true}
	for x := t.byID[id]; x != nil; {
		p := t.byID[deref(x.ParentID)]
		if p == nil || seen[p.ID] {
			break
		}
		seen[p.ID] = true
		out = append(out, p)
		x = p
	}
	return out
}

// Path names a territory with its ancestors: "Europe › Germany". Empty for
// none or unknown.
func (t *territoryTree) Path(id *string) string {
	x := t.byID[deref(id)]
	if x == nil {
		return ""
	}
	up := t.ancestors(x.ID)
	parts := make([]string, 0, len(up)+1)
	for i := len(up) - 1; i >= 0; i-- {
		parts = append(parts, up[i].Name)
	}
	return strings.Join(append(parts, x.Name), " › ")
}

// under reports whether id is below ancestor (or is it).
func (t *territoryTree) under(id, ancestor string) bool {
	if id == ancestor {
		return true
	}
	for _, a := range t.ancestors(id) {
		if a.ID == ancestor {
			return true
		}
	}
	return false
}

// Options lists the territories depth first by their paths, for a select:
// without the subtree of skip, since a territory cannot sit under itself
// or under one of its own.
func (t *territoryTree) Options(skip string) []choice {
	out := make([]choice, 0, len(t.order))
	for _, x := range t.order {
		if skip == "" || !t.under(x.ID, skip) {
			out = append(out, choice{x.ID, t.Path(&x.ID)})
		}
	}
	return out
}

// Children are a territory's direct sub-territories, by name.
func (t *territoryTree) Children(id string) []*model.Territory { return t.children[id] }

// territoryNode is a territory drawn in the tree, with the names of its
// rep and team and its sub-territories. The page travels along because
// the node's template calls itself.
type territoryNode struct {
	*model.Territory
	Rep      *model.User
	Team     string
	Children []*territoryNode
	Page     *page
}

// territoriesData is the territories page — the tree and the
// new-territory form — or a territory's page with its form and
// sub-territories: one template draws both, so they share the form.
type territoriesData struct {
	Org       *org
	Territory *model.Territory // the territory of the page; nil on the tree
	Nodes     []*territoryNode // on the tree page
	Form      territoryForm
	formState
}

// territoryForm is the territory form as typed.
type territoryForm struct {
	ID                                   string
	Version                              int64
	Name, Description, ParentID, OwnerID string
	TeamID                               string
}

// adminTerritories shows the territories as a tree with a form for a new one.
func (c *Console) adminTerritories(w http.ResponseWriter, r *http.Request) {
	if !c.requireAdmin(w, r) {
		return
	}
	c.renderTerritories(w, r, http.StatusOK, nil, territoryForm{}, formState{})
}

// adminTerritory shows a territory's form and sub-territories.
func (c *Console) adminTerritory(w http.ResponseWriter, r *http.Request) {
	t, ok := adminRecord[model.Territory](c, w, r)
	if !ok {
		return
	}
	f := territoryForm{ID: t.ID, Version: t.Version, Name: t.Name, Description: t.Description,
		ParentID: deref(t.ParentID), OwnerID: deref(t.OwnerID), TeamID: deref(t.TeamID)}
	c.renderTerritories(w, r, http.StatusOK, t, f, formState{})
}

// renderTerritories draws territory t's page, or the tree when t is nil,
// with the form f.
func (c *Console) renderTerritories(w http.ResponseWriter, r *http.Request, status int, t *model.Territory, f territoryForm, st formState) {
	p, o, ok := c.orgPage(w, r, true)
	if !ok {
		return
	}
	d := &territoriesData{Org: o, Territory: t, Form: f, formState: st}
	if t != nil {
		p.Title = t.Name
	} else {
		p.Title, d.Nodes = p.T("admin.territories"), o.territoryNodes(p)
	}
	p.Data = d
	c.render(w, r, status, "admin_territories", p)
}

// territoryNodes builds the drawn tree of the territories.
func (o *org) territoryNodes(p *page) []*territoryNode {
	seen := map[string]bool{} // a cycle written before the console refused them is drawn once
	var build func(xs []*model.Territory) []*territoryNode
	build = func(xs []*model.Territory) []*territoryNode {
		var out []*territoryNode
		for _, x := range xs {
			if !seen[x.ID] {
				seen[x.ID] = true
				out = append(out, &territoryNode{Territory: x, Rep: o.User(x.OwnerID), Team: o.Team(x.TeamID), Page: p,
					Children: build(o.Territories.Children(x.ID))})
			}
		}
		return out
	}
	return build(o.Territories.Children(""))
}

// saveTerritory creates a territory (POST /admin/territories, as the
// API's POST /territories) or changes one with the version its form was
// drawn with (POST /admin/territories/{id}, the API's PATCH with
// If-Match). A parent that would make the territory its own ancestor is
// refused: the store accepts any existing parent.
func (c *Console) saveTerritory(w http.ResponseWriter, r *http.Request) {
	if !c.requireAdmin(w, r) {
		return
	}
	f := territoryForm{ID: mux.Vars(r)["id"], Name: formText(r, "name"), Description: formText(r, "description"),
		ParentID: formText(r, "parent_id"), OwnerID: formText(r, "owner_id"), TeamID: formText(r, "team_id")}
	v := c.newPage(r, "admin").view
	cur, version, err := adminWrite(r.Context(), c.cfg.Store, r, f.ID,
		func(ctx context.Context, t *model.Territory) error { return store.Create(ctx, c.cfg.Store, t) },
		func(ctx context.Context, t *model.Territory) error { f.apply(t); return c.checkParent(ctx, v, t) })
	c.answerWrite(w, r, v, err, func() {
		if cur == nil {
			seeOther(w, r, "/admin/territories", "territory_created")
		} else {
			seeOther(w, r, "/admin/territories/"+f.ID, "territory_saved")
		}
	}, func(status int, st formState) { f.Version = version; c.renderTerritories(w, r, status, cur, f, st) })
}

// apply copies the form onto t.
func (f territoryForm) apply(t *model.Territory) {
	t.Name, t.Description = f.Name, f.Description
	t.ParentID, t.OwnerID, t.TeamID = optionalID(f.ParentID), optionalID(f.OwnerID), optionalID(f.TeamID)
}

// checkParent refuses a parent under t itself (or t), reading the
// hierarchy in the write's transaction.
func (c *Console) checkParent(ctx context.Context, v *view, t *model.Territory) error {
	if t.ParentID == nil || t.ID == "" { // a new territory is nobody's ancestor
		return nil
	}
	all, err := everyRecord[model.Territory](ctx, c.cfg.Store, store.ListParams{Sort: "name"})
	if err != nil {
		return err
	}
	if newTerritoryTree(all).under(*t.ParentID, t.ID) {
		return refuseFields(model.FieldErrors{"parent_id": v.T("people.error.cycle")})
	}
	return nil
}
