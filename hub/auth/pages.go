package auth

import (
	"fmt"
	"html/template"
	"net/http"
	"time"
)

// ContentSecurityPolicy is the policy of every browser page of the hub (the
// sign-in pages and the staff console): scripts, styles and images from the
// hub itself only — no inline script or style, no plug-ins, no framing, and
// forms post only back to the hub.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// SetPageHeaders sets the security headers of a browser page or redirect:
// the CSP, no MIME sniffing, no referrer to other sites and no caching
// (pages show personal data and carry CSRF tokens).
func SetPageHeaders(h http.Header) {
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

// Problems a sign-in page reports (LoginPage.Problem).
const (
	ProblemUnreadable  = "unreadable"   // the form body could not be read
	ProblemExpired     = "expired"      // the form's CSRF token is missing or wrong
	ProblemWrong       = "wrong"        // wrong login or password
	ProblemRateLimited = "rate_limited" // too many failures: wait LoginPage.Wait
	ProblemFailed      = "failed"       // the server failed
	ProblemSignOut     = "sign_out"     // a sign-out without the session's CSRF token
)

// LoginPage is what the sign-in page shows: the form, with the reason the
// last attempt failed. SignedIn is set on a refused sign-out, whose user is
// still signed in and needs no form.
type LoginPage struct {
	Problem  string
	Wait     time.Duration // with ProblemRateLimited
	Login    string        // the login typed, filled in again
	Next     string        // the local path to return to after signing in
	CSRF     string        // the form's double-submit token (field csrf_token)
	SignedIn bool
}

// LoginRenderer draws the sign-in page with an HTTP status. It must post
// the form to /login with the fields login, password, csrf_token and next.
type LoginRenderer func(w http.ResponseWriter, r *http.Request, status int, p LoginPage)

// SetLoginPage makes the authenticator draw its sign-in page with render
// (the console's layout and language) instead of its plain built-in form.
// Call it before serving.
func (a *Authenticator) SetLoginPage(render LoginRenderer) { a.page = render }

// plainTemplate is the built-in sign-in form for a hub without the console:
// unstyled (the CSP allows no inline style) but complete. html/template
// escapes every value by context.
var plainTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in — Rapport</title></head>
<body><main>
<h1>Sign in to Rapport</h1>{{with .Error}}<p role="alert">{{.}}</p>{{end}}
{{- if not .SignedIn}}
<form method="post" action="/login">
<input type="hidden" name="csrf_token" value="{{.CSRF}}"><input type="hidden" name="next" value="{{.Next}}">
<p><label for="login">E-mail or username</label><br>
<input id="login" name="login" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required value="{{.Login}}"></p>
<p><label for="password">Password</label><br>
<input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Sign in</button></p></form>
{{- end}}
</main></body></html>`))

// plainProblems words each problem for the built-in form.
var plainProblems = map[string]string{
	ProblemUnreadable: "The form could not be read. Please try again.",
	ProblemExpired:    "The form expired. Please sign in again.",
	ProblemWrong:      "Wrong e-mail, username or password.",
	ProblemFailed:     "Sign-in failed. Please try again.",
	ProblemSignOut:    "Sign-out could not be verified. Please use the Sign out button.",
}

// render draws the sign-in page with the console's renderer, else the
// built-in form.
func (a *Authenticator) render(w http.ResponseWriter, r *http.Request, status int, p LoginPage) {
	if a.page != nil {
		a.page(w, r, status, p)
		return
	}
	msg := plainProblems[p.Problem]
	if p.Problem == ProblemRateLimited {
		msg = fmt.Sprintf("Too many failed sign-ins. Please wait %s and try again.", minutes(p.Wait))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	err := plainTemplate.Execute(w, struct {
		LoginPage
		Error string
	}{p, msg})
	if err != nil {
		a.cfg.Logger.Error("auth: render page", "err", err)
	}
}

// pageHeaders sets the security headers of every sign-in page and redirect.
func pageHeaders(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		SetPageHeaders(w.Header())
		next(w, r)
	}
}

// cookie builds a cookie of the sign-in flow; maxAge < 0 deletes it.
func (a *Authenticator) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: a.cfg.SecureCookies, SameSite: http.SameSiteLaxMode}
}
