package console

import (
	"net/http"
	"time"

	"rapport/hub/auth"
)

// loginData is the sign-in page.
type loginData struct {
	auth.LoginPage
	Error string // the problem, in the page's language
}

// loginPage draws the sign-in page for the authenticator, in the browser's
// language (nobody is signed in yet).
func (c *Console) loginPage(w http.ResponseWriter, r *http.Request, status int, lp auth.LoginPage) {
	v := c.viewFor(r, nil)
	p := &page{view: v, Title: v.T("login.title"), Nav: "login", assets: c.assets}
	d := &loginData{LoginPage: lp}
	switch lp.Problem {
	case "":
	case auth.ProblemRateLimited:
		minutes := int((lp.Wait + time.Minute - 1) / time.Minute)
		d.Error = v.T("login.error.rate_limited", v.N("unit.minutes", max(minutes, 1)))
	default:
		d.Error = v.T("login.error." + lp.Problem)
	}
	p.Data = d
	c.render(w, r, status, "login", p)
}
