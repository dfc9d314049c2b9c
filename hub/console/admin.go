package console

import (
	"net/http"

	"rapport/model"
)

// adminSection is one entry of the administration index: its address and
// the catalogue keys of its name and description.
type adminSection struct {
	Href, Name, About string
}

// adminSections are the administration pages, in the index's order.
var adminSections = []adminSection{
	{"/admin/users", "admin.users", "admin.users.about"},
	{"/admin/teams", "admin.teams", "admin.teams.about"},
	{"/admin/territories", "admin.territories", "admin.territories.about"},
	{"/admin/roles", "admin.roles", "admin.roles.about"},
	{"/admin/webhooks", "admin.webhooks", "admin.webhooks.about"},
	{"/admin/mailboxes", "admin.mailboxes", "admin.mailboxes.about"},
	{"/admin/quarantine", "admin.quarantine", "admin.quarantine.about"},
	{"/admin/templates", "admin.templates", "admin.templates.about"},
	{"/admin/numbering", "admin.numbering", "admin.numbering.about"},
}

// admin is the administration index: the sections, for admins only.
func (c *Console) admin(w http.ResponseWriter, r *http.Request) {
	if !c.requireAdmin(w, r) {
		return
	}
	p := c.newPage(r, "admin")
	p.Title = p.T("admin.title")
	p.Data = adminSections
	c.render(w, r, http.StatusOK, "admin", p)
}

// requireAdmin answers 403 unless the signed-in user is an administrator
// (the API's rule: role admin with the admin scope), and reports whether
// the page may go on.
func (c *Console) requireAdmin(w http.ResponseWriter, r *http.Request) bool {
	if model.ActorFrom(r.Context()).IsAdmin() {
		return true
	}
	c.renderError(w, r, http.StatusForbidden, c.newPage(r, "").view)
	return false
}
