package console_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"rapport/model"
	"rapport/model/store"
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

// TestFormBodiesAreLimited checks that a form post far over the console's
// form limit — as a multipart form, whose CSRF token passes the guard — is
// refused and changes nothing, while the same form of a normal size works.
func TestFormBodiesAreLimited(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		u := g.user("ann", "Ann Agent", model.RoleAgent, nil)
		b := g.signIn("ann")
		post := func(padding int) int {
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			_ = mw.WriteField("csrf_token", b.token())
			_ = mw.WriteField("language", "ru")
			_ = mw.WriteField("notes", strings.Repeat("x", padding))
			_ = mw.Close()
			req, _ := http.NewRequest("POST", g.srv.URL+"/profile", &body)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			resp, err := b.c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		language := func() string {
			me, err := store.Get[model.User](sys, g.s, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			return me.Language
		}
		if code := post(2 << 20); code != http.StatusRequestEntityTooLarge || language() != "" {
			t.Errorf("a 2 MiB form: %d, language %q", code, language())
		}
		if code := post(1000); code != http.StatusSeeOther || language() != "ru" {
			t.Errorf("a small form: %d, language %q", code, language())
		}
	})
}
