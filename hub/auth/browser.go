package auth

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"time"

	"rapport/model"
	"rapport/model/secret"
	"rapport/model/store"
)

// maxPageFormBytes bounds a console form body read for its CSRF field.
const maxPageFormBytes = 256 << 10

// PageRefusal draws a refused page request (403: a portal user, a missing
// or wrong CSRF token; 500: the server failed) in the caller's layout.
type PageRefusal func(w http.ResponseWriter, r *http.Request, err error)

// Pages guards browser pages (the staff console) with the session cookie.
// Anonymous GET and HEAD requests are redirected (302) to the sign-in page,
// which returns to the page afterwards; other anonymous requests go to the
// sign-in page with 303. Portal users are refused. An unsafe request must
// carry the session's CSRF token in the form field csrf_token (URL-encoded
// forms) or in the X-CSRF-Token header (any body), else it is refused with
// EFORBIDDEN — the same session and token the API's Middleware checks.
// Refusals go to refuse. On success the actor (scopes nil: the user's role
// decides), the user (UserFrom), the session's CSRF token (CSRFFrom) and the
// client IP are in the request context.
func (a *Authenticator) Pages(refuse PageRefusal) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			SetPageHeaders(w.Header())
			u, sess, err := a.session(r)
			switch {
			case model.ErrorCode(err) == model.EUNAUTHORIZED:
				a.toSignIn(w, r)
				return
			case err != nil:
				refuse(w, r, err)
				return
			case u.Role == model.RolePortal:
				refuse(w, r, model.Errorf(model.EFORBIDDEN, "the staff console is not open to portal users"))
				return
			}
			if !readMethod(r.Method) && !sameSecret(pageCSRF(w, r), sess.CSRFToken) {
				refuse(w, r, model.Errorf(model.EFORBIDDEN, "the form expired or did not come from this site"))
				return
			}
			actor, err := a.cfg.Store.ActorFor(r.Context(), u, nil)
			if err != nil {
				refuse(w, r, err)
				return
			}
			ctx := context.WithValue(a.signedIn(r, actor), userKey{}, u)
			ctx = context.WithValue(ctx, csrfKey{}, sess.CSRFToken)
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// toSignIn sends an anonymous browser to the sign-in page, with the page it
// asked for as "next" (none for the home page).
func (a *Authenticator) toSignIn(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if p := localPath(r.URL.RequestURI()); p != "/" && readMethod(r.Method) {
		target += "?next=" + url.QueryEscape(p)
	}
	status := http.StatusFound
	if !readMethod(r.Method) {
		status = http.StatusSeeOther
	}
	http.Redirect(w, r, target, status)
}

// maxCSRFPart bounds what is read of a file upload's body before the
// session is checked: the boundary and the token's part.
const maxCSRFPart = 4 << 10

// pageCSRF returns the CSRF token an unsafe page request carries: the
// header, else the field of a URL-encoded form (read under a size limit),
// else the first part of a multipart form (a file upload puts its
// csrf_token field first).
func pageCSRF(w http.ResponseWriter, r *http.Request) string {
	if t := r.Header.Get(CSRFHeader); t != "" {
		return t
	}
	switch ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct {
	case "application/x-www-form-urlencoded":
		r.Body = http.MaxBytesReader(w, r.Body, maxPageFormBytes)
		return r.PostFormValue("csrf_token")
	case "multipart/form-data":
		return multipartCSRF(r, params["boundary"])
	}
	return ""
}

// multipartCSRF reads the csrf_token field that opens a multipart body —
// at most maxCSRFPart bytes — and puts back what it read in front of the
// body for the handler.
func multipartCSRF(r *http.Request, boundary string) string {
	if boundary == "" {
		return ""
	}
	var head bytes.Buffer
	mr := multipart.NewReader(io.TeeReader(io.LimitReader(r.Body, maxCSRFPart), &head), boundary)
	var token string
	if part, err := mr.NextPart(); err == nil && part.FormName() == "csrf_token" {
		if b, err := io.ReadAll(part); err == nil {
			token = string(b)
		}
	}
	r.Body = replayBody{io.MultiReader(&head, r.Body), r.Body}
	return token
}

// replayBody reads from one reader and closes another.
type replayBody struct {
	io.Reader
	io.Closer
}

type csrfKey struct{}

// CSRFFrom returns the CSRF token of the session Pages signed in: what every
// form of the page must send back in its csrf_token field.
func CSRFFrom(ctx context.Context) string {
	t, _ := ctx.Value(csrfKey{}).(string)
	return t
}

// ChangePassword changes the password of the user Pages signed in, after
// checking the current one under the same failure limits as sign-in. As any
// new password does, it ends every session of the user; this browser is
// then signed in again with a new session (and a new CSRF token), so the
// caller should redirect. Errors: EUNAUTHORIZED for a wrong current
// password, ERATELIMIT with the wait, EINVALID (field "new_password") for a
// weak new password.
func (a *Authenticator) ChangePassword(w http.ResponseWriter, r *http.Request, current, newPassword string) (time.Duration, error) {
	u, ok := UserFrom(r.Context())
	if !ok {
		return 0, model.Errorf(model.EUNAUTHORIZED, "sign in first")
	}
	if msg := secret.CheckStrength(newPassword); msg != "" {
		fe := model.FieldErrors{}
		fe.Add("new_password", msg)
		return 0, fe.Err()
	}
	_, wait, err := a.checkCredentials(r, u.Username, func() (*model.User, error) {
		return a.cfg.Store.CheckLogin(r.Context(), u.Username, current)
	})
	if err != nil {
		return wait, err
	}
	if err := a.cfg.Store.SetPassword(r.Context(), u.ID, newPassword); err != nil {
		return 0, err
	}
	plain, _, err := a.cfg.Store.CreateSession(r.Context(), u.ID, a.ClientAddr(r), r.UserAgent())
	if err != nil {
		return 0, err
	}
	http.SetCookie(w, a.cookie(SessionCookie, plain, int(store.SessionTTL/time.Second)))
	return 0, nil
}
