package auth

import (
	"html/template"
	"net/http"

	"rapport/model"
)

// pageTemplate is the sign-in page and the signed-in home page. html/template
// escapes every value by context.
var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{if .User}}Rapport{{else}}Sign in — Rapport{{end}}</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
main{max-width:24rem;margin:10vh auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002}
h1{font-size:1.4rem;margin-top:0}label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #889;border-radius:4px;font:inherit}
input:focus,button:focus{outline:3px solid #9bb8f0;outline-offset:1px}
button{margin-top:1.2rem;padding:.5rem 1.2rem;border:0;border-radius:4px;background:#2456c6;color:#fff;font:inherit;cursor:pointer}
.error{background:#fde8e8;color:#8a1c1c;padding:.5rem .8rem;border-radius:4px}a{color:#2456c6}
</style></head>
<body><main>
{{- if .User}}
<h1>Rapport</h1>{{template "error" .}}
<p>Signed in as <strong>{{.User.Name}}</strong> ({{.User.Role}})</p>
<ul><li><a href="/api/v1/openapi.json">API description (OpenAPI)</a></li></ul>
<form method="post" action="/logout"><input type="hidden" name="csrf_token" value="{{.CSRF}}">
<button type="submit">Sign out</button></form>
{{- else}}
<h1>Sign in to Rapport</h1>{{template "error" .}}
<form method="post" action="/login">
<input type="hidden" name="csrf_token" value="{{.CSRF}}"><input type="hidden" name="next" value="{{.Next}}">
<label for="login">E-mail or username</label>
<input id="login" name="login" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required value="{{.Login}}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>
{{- end}}
</main></body></html>
{{define "error"}}{{with .Error}}<p class="error" role="alert">{{.}}</p>{{end}}{{end}}`))

// pageData fills pageTemplate: User set shows the home page, else the form.
type pageData struct {
	Error, Login, Next, CSRF string
	User                     *model.User
}

// pageHeaders sets the security headers of every sign-in page and redirect.
func pageHeaders(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next(w, r)
	}
}

func (a *Authenticator) render(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := pageTemplate.Execute(w, d); err != nil {
		a.cfg.Logger.Error("auth: render page", "err", err)
	}
}

// cookie builds a cookie of the sign-in flow; maxAge < 0 deletes it.
func (a *Authenticator) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: a.cfg.SecureCookies, SameSite: http.SameSiteLaxMode}
}
