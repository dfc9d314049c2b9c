package auth

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"rapport/model"
	"rapport/model/secret"
	"rapport/model/store"
)

// loginCSRFCookie carries the double-submit token of the sign-in form, which
// has no session yet to bind a token to.
const loginCSRFCookie = "rapport_login_csrf"

// maxFormBytes bounds a sign-in or sign-out form body.
const maxFormBytes = 16 << 10

// anonymous is the actor of failed sign-ins: nobody is known yet.
var anonymous = model.Actor{Name: "anonymous"}

// Routes mounts the browser sign-in on r: GET and POST /login and POST
// /logout. The pages behind it (the console) are guarded by Pages.
func (a *Authenticator) Routes(r *mux.Router) {
	r.HandleFunc("/login", pageHeaders(a.loginForm)).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/login", pageHeaders(a.login)).Methods(http.MethodPost)
	r.HandleFunc("/logout", pageHeaders(a.logout)).Methods(http.MethodPost)
}

func (a *Authenticator) loginForm(w http.ResponseWriter, r *http.Request) {
	if _, _, err := a.session(r); err == nil {
		http.Redirect(w, r, localPath(r.FormValue("next")), http.StatusSeeOther)
		return
	}
	a.showLogin(w, r, http.StatusOK, LoginPage{})
}

// showLogin renders the form with a fresh double-submit CSRF token.
func (a *Authenticator) showLogin(w http.ResponseWriter, r *http.Request, status int, p LoginPage) {
	token := secret.NewToken("")
	http.SetCookie(w, a.cookie(loginCSRFCookie, token, 3600))
	p.Next, p.CSRF = localPath(r.FormValue("next")), token
	a.render(w, r, status, p)
}

func (a *Authenticator) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		a.showLogin(w, r, http.StatusBadRequest, LoginPage{Problem: ProblemUnreadable})
		return
	}
	login := strings.TrimSpace(r.PostFormValue("login"))
	if c, err := r.Cookie(loginCSRFCookie); err != nil || !sameSecret(r.PostFormValue("csrf_token"), c.Value) {
		a.showLogin(w, r, http.StatusForbidden, LoginPage{Problem: ProblemExpired, Login: login})
		return
	}
	u, wait, err := a.checkCredentials(r, login, func() (*model.User, error) {
		return a.cfg.Store.CheckLogin(r.Context(), login, r.PostFormValue("password"))
	})
	if err != nil {
		a.loginFailed(w, r, login, wait, err)
		return
	}
	a.startSession(w, r, u)
}

// loginFailed answers a refused sign-in and audits wrong credentials.
func (a *Authenticator) loginFailed(w http.ResponseWriter, r *http.Request, login string, wait time.Duration, err error) {
	ip := a.ClientAddr(r)
	switch model.ErrorCode(err) {
	case model.ERATELIMIT:
		a.cfg.Logger.Warn("auth: sign-in rate limited", "login", login, "ip", ip)
		SetRetryAfter(w, wait)
		a.showLogin(w, r, http.StatusTooManyRequests, LoginPage{Problem: ProblemRateLimited, Wait: wait, Login: login})
	case model.EUNAUTHORIZED:
		a.audit(r.Context(), anonymous, model.AuditLoginFailed, "", login, ip)
		a.showLogin(w, r, http.StatusUnauthorized, LoginPage{Problem: ProblemWrong, Login: login})
	default:
		a.cfg.Logger.Error("auth: check sign-in", "err", err)
		a.showLogin(w, r, http.StatusInternalServerError, LoginPage{Problem: ProblemFailed, Login: login})
	}
}

// startSession opens a session for u, audits it and redirects to "next".
func (a *Authenticator) startSession(w http.ResponseWriter, r *http.Request, u *model.User) {
	ip := a.ClientAddr(r)
	plain, _, err := a.cfg.Store.CreateSession(r.Context(), u.ID, ip, r.UserAgent())
	if err != nil {
		a.cfg.Logger.Error("auth: create session", "err", err)
		a.showLogin(w, r, http.StatusInternalServerError, LoginPage{Problem: ProblemFailed})
		return
	}
	a.audit(r.Context(), userActor(u), model.AuditLogin, u.ID, u.Email, ip)
	http.SetCookie(w, a.cookie(SessionCookie, plain, int(store.SessionTTL/time.Second)))
	http.SetCookie(w, a.cookie(loginCSRFCookie, "", -1))
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
}

// logout ends the session. It needs the session's CSRF token (form field
// csrf_token or X-CSRF-Token) so other sites cannot sign users out.
func (a *Authenticator) logout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	u, sess, err := a.session(r)
	if err == nil {
		if !sameSecret(csrfToken(r), sess.CSRFToken) {
			a.render(w, r, http.StatusForbidden, LoginPage{Problem: ProblemSignOut, SignedIn: true})
			return
		}
		a.endSession(r, u)
	}
	http.SetCookie(w, a.cookie(SessionCookie, "", -1))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// csrfToken returns the CSRF token a sign-out carries.
func csrfToken(r *http.Request) string {
	if t := r.PostFormValue("csrf_token"); t != "" {
		return t
	}
	return r.Header.Get(CSRFHeader)
}

func (a *Authenticator) endSession(r *http.Request, u *model.User) {
	c, _ := r.Cookie(SessionCookie)
	if err := a.cfg.Store.DeleteSession(r.Context(), c.Value); err != nil {
		a.cfg.Logger.Error("auth: delete session", "err", err)
	}
	a.audit(r.Context(), userActor(u), model.AuditLogout, u.ID, u.Email, a.ClientAddr(r))
}

// audit records a sign-in event; a failure to audit is logged, not shown.
func (a *Authenticator) audit(ctx context.Context, actor model.Actor, action, targetID, target, ip string) {
	if err := a.cfg.Store.Audit(model.WithActor(ctx, actor), action, targetID, target, ip, nil); err != nil {
		a.cfg.Logger.Error("auth: audit", "action", action, "err", err)
	}
}

// userActor names u as the actor of its own sign-in and sign-out events.
func userActor(u *model.User) model.Actor {
	return model.Actor{UserID: u.ID, Name: u.Name, Role: u.Role}
}

// minutes words a wait for people, rounded up to whole minutes.
func minutes(wait time.Duration) string {
	n := int((wait + time.Minute - 1) / time.Minute)
	if n <= 1 {
		return "a minute"
	}
	return fmt.Sprintf("%d minutes", n)
}

// localPath keeps redirects on this site: a path starting with a single "/",
// with no scheme, host, backslash or control character (browsers ignore tabs
// and newlines, so "/\t/evil.example" would become "//evil.example").
// Anything else becomes "/".
func localPath(p string) string {
	if len(p) > 2048 || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return "/"
	}
	if strings.ContainsFunc(p, func(c rune) bool { return c < 0x20 || c == 0x7f || c == '\\' }) {
		return "/"
	}
	if u, err := url.Parse(p); err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return p
}
