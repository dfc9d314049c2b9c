package auth

import (
	"context"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"rapport/model"
	"rapport/model/secret"
	"rapport/model/store"
)

// loginCSRFCookie carries the double-submit token of the sign-in form, which
// has no session yet to bind a token to.
const loginCSRFCookie = "rapport_login_csrf"

var pages = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rapport{{with .Title}} — {{.}}{{end}}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
main{max-width:24rem;margin:10vh auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002}
h1{font-size:1.4rem;margin-top:0}label{display:block;margin:.8rem 0 .2rem}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #aab;border-radius:4px;font:inherit}
button{margin-top:1.2rem;padding:.5rem 1.2rem;border:0;border-radius:4px;background:#2456c6;color:#fff;font:inherit;cursor:pointer}
.error{background:#fde8e8;color:#8a1c1c;padding:.5rem .8rem;border-radius:4px}a{color:#2456c6}</style></head>
<body><main>{{if .User}}
<h1>Rapport</h1><p>Signed in as <strong>{{.User.Name}}</strong> ({{.User.Role}}).</p>
<p><a href="/api/v1/openapi.json">API description (OpenAPI)</a></p>
<form method="post" action="/logout"><input type="hidden" name="csrf_token" value="{{.CSRF}}"><button type="submit">Sign out</button></form>
{{else}}
<h1>Sign in to Rapport</h1>{{with .Error}}<p class="error" role="alert">{{.}}</p>{{end}}
<form method="post" action="/login"><input type="hidden" name="csrf_token" value="{{.CSRF}}"><input type="hidden" name="next" value="{{.Next}}">
<label for="login">E-mail or username</label><input id="login" name="login" type="text" autocomplete="username" required value="{{.Login}}" autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>{{end}}
</main></body></html>`))

type pageData struct {
	Title, Error, Login, Next, CSRF string
	User                            *model.User
}

// Routes mounts GET/POST /login, POST /logout and the signed-in home page GET /.
func (a *Authenticator) Routes(r *mux.Router) {
	r.HandleFunc("/login", a.loginForm).Methods(http.MethodGet)
	r.HandleFunc("/login", a.login).Methods(http.MethodPost)
	r.HandleFunc("/logout", a.logout).Methods(http.MethodPost)
	r.HandleFunc("/", a.home).Methods(http.MethodGet)
}

func (a *Authenticator) render(w http.ResponseWriter, status int, d pageData) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := pages.Execute(w, d); err != nil {
		a.cfg.Logger.Error("render page", "err", err)
	}
}

func (a *Authenticator) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: a.cfg.SecureCookies, SameSite: http.SameSiteLaxMode}
}

func (a *Authenticator) loginForm(w http.ResponseWriter, r *http.Request) {
	a.showLogin(w, r, http.StatusOK, "", "")
}

// showLogin renders the form with a fresh double-submit CSRF token.
func (a *Authenticator) showLogin(w http.ResponseWriter, r *http.Request, status int, msg, login string) {
	token := secret.NewToken("")
	http.SetCookie(w, a.cookie(loginCSRFCookie, token, 3600))
	a.render(w, status, pageData{Title: "Sign in", Error: msg, Login: login, Next: localPath(r.FormValue("next")), CSRF: token})
}

func (a *Authenticator) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	login, password := strings.TrimSpace(r.PostFormValue("login")), r.PostFormValue("password")
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || !sameSecret(r.PostFormValue("csrf_token"), c.Value) {
		a.showLogin(w, r, http.StatusForbidden, "The form expired. Please sign in again.", login)
		return
	}
	ip := ClientIP(r, a.cfg.TrustProxy)
	if wait, limited := a.limited(ip, login); limited {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		a.showLogin(w, r, http.StatusTooManyRequests, "Too many failed sign-ins. Please wait a few minutes and try again.", login)
		return
	}
	u, err := a.store.CheckLogin(r.Context(), login, password)
	if err != nil {
		a.failed(ip, login)
		a.audit(r.Context(), model.System, model.AuditLoginFailed, "", login, ip)
		a.showLogin(w, r, http.StatusUnauthorized, "Wrong e-mail, username or password.", login)
		return
	}
	a.byAccount.Reset(accountKey(login))
	plain, _, err := a.store.CreateSession(r.Context(), u.ID, ip, r.UserAgent())
	if err != nil {
		a.cfg.Logger.Error("create session", "err", err)
		a.showLogin(w, r, http.StatusInternalServerError, "Sign-in failed; please try again.", login)
		return
	}
	a.audit(r.Context(), model.Actor{UserID: u.ID, Name: u.Name, Role: u.Role}, model.AuditLogin, u.ID, u.Email, ip)
	http.SetCookie(w, a.cookie(SessionCookie, plain, int(store.SessionTTL.Seconds())))
	http.SetCookie(w, a.cookie(loginCSRFCookie, "", -1))
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
}

func (a *Authenticator) logout(w http.ResponseWriter, r *http.Request) {
	u, sess, err := a.session(r)
	if err == nil {
		token := r.PostFormValue("csrf_token")
		if token == "" {
			token = r.Header.Get("X-CSRF-Token")
		}
		if !sameSecret(token, sess.CSRFToken) {
			http.Error(w, "missing or wrong CSRF token", http.StatusForbidden)
			return
		}
		c, _ := r.Cookie(SessionCookie)
		if err := a.store.DeleteSession(r.Context(), c.Value); err != nil {
			a.cfg.Logger.Error("delete session", "err", err)
		}
		a.audit(r.Context(), model.Actor{UserID: u.ID, Name: u.Name, Role: u.Role}, model.AuditLogout, u.ID, u.Email, ClientIP(r, a.cfg.TrustProxy))
	}
	http.SetCookie(w, a.cookie(SessionCookie, "", -1))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (a *Authenticator) home(w http.ResponseWriter, r *http.Request) {
	u, sess, err := a.session(r)
	if err != nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	a.render(w, http.StatusOK, pageData{User: u, CSRF: sess.CSRFToken})
}

func (a *Authenticator) session(r *http.Request) (*model.User, *model.Session, error) {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return nil, nil, model.Errorf(model.EUNAUTHORIZED, "no session")
	}
	return a.store.SessionAuth(r.Context(), c.Value)
}

func (a *Authenticator) audit(ctx context.Context, actor model.Actor, action, targetID, target, ip string) {
	if err := a.store.Audit(model.WithActor(ctx, actor), action, targetID, target, ip, nil); err != nil {
		a.cfg.Logger.Error("audit", "action", action, "err", err)
	}
}

// localPath keeps redirects on this site: a path starting with one "/" and
// no scheme or host; anything else becomes "/".
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return "/"
	}
	return p
}
