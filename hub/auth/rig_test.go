package auth_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"rapport/hub/auth"
	"rapport/hub/problem"
	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const password = "a long enough password"

var sys = model.WithActor(context.Background(), model.System)

// rig serves the sign-in pages, a page behind Pages, an API route and a
// Basic-auth route that echo the actor, on a real store.
type rig struct {
	t   *testing.T
	s   *store.Store
	srv *httptest.Server
	u   *model.User // Mia, username "mia"
}

// eachRig runs fn on a rig for Mia with role, on every engine.
func eachRig(t *testing.T, role string, cfg auth.Config, fn func(t *testing.T, g *rig)) {
	storetest.Each(t, func(t *testing.T, s *store.Store) { fn(t, newRig(t, s, role, cfg)) })
}

func newRig(t *testing.T, s *store.Store, role string, cfg auth.Config) *rig {
	g := &rig{t: t, s: s}
	g.u = g.user("mia@example.com", "mia", "Mia", role)
	cfg.Store = s
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	a := auth.New(cfg)
	r := mux.NewRouter()
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		act := model.ActorFrom(r.Context())
		_, _ = io.WriteString(w, act.Name+"|"+strings.Join(act.Scopes, ",")+"|"+auth.ClientIP(r))
	})
	r.Handle("/api/v1/echo", a.Middleware(echo))
	r.Handle("/dav/echo", a.BasicAppPassword(echo))
	// A page behind Pages, as the console's are: it shows who is signed in
	// and the session's CSRF token as a form field, and the size of an
	// uploaded "file" field.
	refuse := func(w http.ResponseWriter, r *http.Request, err error) {
		http.Error(w, model.ErrorCode(err), problem.Status(model.ErrorCode(err)))
	}
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := auth.UserFrom(r.Context())
		_, _ = fmt.Fprintf(w, `<p>Signed in as <strong>%s</strong> (%s)</p><input type="hidden" name="csrf_token" value="%s">`,
			u.Name, model.ActorFrom(r.Context()).Role, auth.CSRFFrom(r.Context()))
		if f, _, err := r.FormFile("file"); err == nil {
			n, _ := io.Copy(io.Discard, f)
			_, _ = fmt.Fprintf(w, "<p>file: %d bytes</p>", n)
		}
	})
	r.Handle("/", a.Pages(refuse)(page)).Methods(http.MethodGet, http.MethodHead, http.MethodPost)
	a.Routes(r)
	g.srv = httptest.NewServer(r)
	t.Cleanup(g.srv.Close)
	return g
}

func (g *rig) user(email, username, name, role string) *model.User {
	g.t.Helper()
	u := &model.User{Email: email, Username: username, Name: name, Role: role}
	if err := g.s.CreateUser(sys, u, password); err != nil {
		g.t.Fatal(err)
	}
	return u
}

// token issues an API token for Mia.
func (g *rig) token(scopes ...string) string {
	g.t.Helper()
	tok, _, err := g.s.CreateToken(sys, g.u.ID, "test", scopes, 0)
	if err != nil {
		g.t.Fatal(err)
	}
	return tok
}

// do sends a request with header name/value pairs.
func (g *rig) do(c *http.Client, method, path string, body url.Values, hdr ...string) *http.Response {
	g.t.Helper()
	req, err := http.NewRequest(method, g.srv.URL+path, strings.NewReader(body.Encode()))
	if err != nil {
		g.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	return resp
}

// call is do that reads and closes the body.
func (g *rig) call(c *http.Client, method, path string, hdr ...string) (int, string) {
	g.t.Helper()
	resp := g.do(c, method, path, nil, hdr...)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// browser returns a client with a cookie jar that does not follow redirects.
func browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf returns the CSRF field of a page.
func (g *rig) csrf(page string) string {
	g.t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		g.t.Fatalf("no csrf_token field in %s", page)
	}
	return m[1]
}

// signIn runs the browser flow on a new client and returns the client and
// the response to POST /login (body closed).
func (g *rig) signIn(login, pw, next string) (*http.Client, *http.Response) {
	g.t.Helper()
	c := browser()
	_, form := g.call(c, "GET", "/login")
	resp := g.do(c, "POST", "/login", url.Values{"login": {login}, "password": {pw}, "csrf_token": {g.csrf(form)}, "next": {next}})
	resp.Body.Close()
	return c, resp
}

// session signs Mia in and returns the client and the session's CSRF token.
func (g *rig) session() (*http.Client, string) {
	g.t.Helper()
	c, resp := g.signIn("mia", password, "")
	if resp.StatusCode != http.StatusSeeOther {
		g.t.Fatalf("sign in: %d", resp.StatusCode)
	}
	code, home := g.call(c, "GET", "/")
	if code != http.StatusOK {
		return c, "" // a portal user: Pages refuses them
	}
	return c, g.csrf(home)
}

// audit returns the audit events, newest first.
func (g *rig) audit() []model.AuditEvent {
	g.t.Helper()
	evs, err := g.s.AuditEvents(sys, "", 500)
	if err != nil {
		g.t.Fatal(err)
	}
	return evs
}

// count returns how many audit events have action.
func count(evs []model.AuditEvent, action string) int {
	n := 0
	for _, e := range evs {
		if e.Action == action {
			n++
		}
	}
	return n
}
