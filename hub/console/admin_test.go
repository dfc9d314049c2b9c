package console_test

import (
	"net/http"
	"strings"
	"testing"

	"rapport/model"
)

// TestAdminIndex checks that the administration index lists every section
// to an administrator and only those the API opens to every employee
// (mailboxes, the quarantine, templates) to the others, whose admin-only
// pages answer 403.
func TestAdminIndex(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		g.user("adam", "Adam Admin", model.RoleAdmin, nil)
		g.user("ann", "Ann Agent", model.RoleAgent, nil)
		all := []string{"/admin/users", "/admin/teams", "/admin/territories", "/admin/roles", "/admin/webhooks",
			"/admin/mailboxes", "/admin/quarantine", "/admin/templates", "/admin/numbering"}
		open := map[string]bool{"/admin/mailboxes": true, "/admin/quarantine": true, "/admin/templates": true}
		admin, agent := g.signIn("adam").page("/admin"), g.signIn("ann")
		index := agent.page("/admin")
		for _, path := range all {
			if !strings.Contains(admin, `href="`+path+`"`) {
				t.Errorf("the admin's index lacks %s", path)
			}
			if got := strings.Contains(index, `href="`+path+`"`); got != open[path] {
				t.Errorf("the agent's index lists %s: %v", path, got)
			}
			code, _ := agent.get(path)
			if want := map[bool]int{true: http.StatusOK, false: http.StatusForbidden}[open[path]]; code != want {
				t.Errorf("agent GET %s: %d, want %d", path, code, want)
			}
		}
	})
}
