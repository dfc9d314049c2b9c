package console

import (
	"net/http"

	"rapport/model"
)

// adminSection is one entry of the administration index: its address,
// the catalogue keys of its name and description, and whether only
// administrators may open it (the others follow the API: every employee
// reads mailboxes and the quarantine and writes document templates).
type adminSection struct {
	Href, Name, About string
	AdminOnly         bool
}

// adminSections are the administration pages, in the index's order.
var adminSections = []adminSection{
	{"/admin/users", "admin.users", "admin.users.about", true},
	{"/admin/teams", "admin.teams", "admin.teams.about", true},
	{"/admin/territories", "admin.territories", "admin.territories.about", true},
	{"/admin/roles", "admin.roles", "admin.roles.about", true},
	{"/admin/webhooks", "admin.webhooks", "admin.webhooks.about", true},
	{"/admin/mailboxes", "admin.mailboxes", "admin.mailboxes.about", false},
	{"/admin/quarantine", "admin.quarantine", "admin.quarantine.about", false},
	{"/admin/templates", "admin.templates", "admin.templates.about", false},
	{"/admin/numbering", "admin.numbering", "admin.numbering.about", true},
}

// admin is the administration index: the sections the user may open.
func (c *Console) admin(w http.ResponseWriter, r *http.Request) {
	p := c.newPage(r, "admin")
	p.Title = p.T("admin.title")
	var open []adminSection
	for _, s := range adminSections {
		if p.Admin || !s.AdminOnly {
			open = append(open, s)
		}
	}
	p.Data = open
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
