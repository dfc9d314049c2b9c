package auth_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"rapport/hub/auth"
	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const password = "a long enough password"

type rig struct {
	t   *testing.T
	s   *store.Store
	srv *httptest.Server
	u   *model.User
}

// newRig serves the sign-in pages, an API route echoing the actor, and a
// Basic-auth route, on a real store.
func newRig(t *testing.T, s *store.Store, role string) *rig {
	sys := model.WithActor(context.Background(), model.System)
	u := &model.User{Email: "mia@example.com", Name: "Mia", Role: role}
	if err := s.CreateUser(sys, u, password); err != nil {
		t.Fatal(err)
	}
	a := auth.New(auth.Config{Store: s, MaxFailuresPerAccount: 3, MaxFailuresPerIP: 6})
	r := mux.NewRouter()
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		act := model.ActorFrom(r.Context())
		_, _ = io.WriteString(w, act.Name+" "+strings.Join(act.Scopes, ","))
	})
	r.Handle("/api/v1/echo", a.Middleware(echo))
	r.Handle("/dav/echo", a.BasicAppPassword(echo))
	a.Routes(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return &rig{t: t, s: s, srv: srv, u: u}
}

func (g *rig) call(c *http.Client, method, path string, hdr ...string) (int, string) {
	g.t.Helper()
	req, _ := http.NewRequest(method, g.srv.URL+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestBearerTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		g := newRig(t, s, model.RoleAgent)
		ctx := context.Background()
		tok, rec, _ := s.CreateToken(ctx, g.u.ID, "t", []string{"read"}, 0)
		if code, body := g.call(http.DefaultClient, "GET", "/api/v1/echo", "Authorization", "Bearer "+tok); code != 200 || body != "Mia read" {
			t.Fatalf("%d %q", code, body)
		}
		for _, h := range []string{"Bearer rpt_wrong", "Basic Zm9vOmJhcg==", "Bearer "} {
			if code, _ := g.call(http.DefaultClient, "GET", "/api/v1/echo", "Authorization", h); code != 401 {
				t.Errorf("%q: %d", h, code)
			}
		}
		_ = s.RevokeToken(ctx, g.u.ID, rec.ID)
		if code, _ := g.call(http.DefaultClient, "GET", "/api/v1/echo", "Authorization", "Bearer "+tok); code != 401 {
			t.Fatalf("revoked token: %d", code)
		}
		expired, _, _ := s.CreateToken(ctx, g.u.ID, "t", []string{"read"}, 1)
		if code, _ := g.call(http.DefaultClient, "GET", "/api/v1/echo", "Authorization", "Bearer "+expired); code != 401 {
			t.Fatalf("expired token: %d", code)
		}
		if code, _ := g.call(http.DefaultClient, "GET", "/api/v1/echo"); code != 401 {
			t.Fatalf("anonymous: %d", code)
		}
	})
}

func TestPortalUsersAreRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		g := newRig(t, s, model.RolePortal)
		tok, _, _ := s.CreateToken(context.Background(), g.u.ID, "t", []string{"read"}, 0)
		if code, _ := g.call(http.DefaultClient, "GET", "/api/v1/echo", "Authorization", "Bearer "+tok); code != 403 {
			t.Fatalf("portal user: %d", code)
		}
	})
}

// signIn runs the browser flow and returns a client holding the session.
func (g *rig) signIn(login, pw, next string) (*http.Client, int, string) {
	g.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	_, form := g.call(c, "GET", "/login")
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(form)
	if m == nil {
		g.t.Fatalf("no csrf field in %s", form)
	}
	resp, err := c.PostForm(g.srv.URL+"/login", url.Values{"login": {login}, "password": {pw}, "csrf_token": {m[1]}, "next": {next}})
	if err != nil {
		g.t.Fatal(err)
	}
	resp.Body.Close()
	return c, resp.StatusCode, resp.Header.Get("Location")
}

func TestBrowserSignInFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		g := newRig(t, s, model.RoleAgent)
		c, code, loc := g.signIn("MIA@example.com", password, "/api/v1/echo")
		if code != http.StatusSeeOther || loc != "/api/v1/echo" {
			t.Fatalf("sign in: %d %q", code, loc)
		}
		if code, body := g.call(c, "GET", "/"); code != 200 || !strings.Contains(body, "Signed in as <strong>Mia</strong>") {
			t.Fatalf("home: %d %s", code, body)
		}
		if code, _ := g.call(c, "POST", "/api/v1/echo"); code != 403 {
			t.Fatalf("POST without CSRF header: %d", code)
		}
		_, home := g.call(c, "GET", "/")
		csrf := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(home)[1]
		if code, _ := g.call(c, "POST", "/api/v1/echo", "X-CSRF-Token", csrf); code != 200 {
			t.Fatalf("POST with CSRF header: %d", code)
		}
		for _, next := range []string{"//evil.example", "https://evil.example", "/\\evil.example"} {
			if _, _, loc := g.signIn("mia", password, next); loc != "/" {
				t.Errorf("next=%q redirected to %q", next, loc)
			}
		}
		resp, _ := c.PostForm(g.srv.URL+"/logout", url.Values{"csrf_token": {csrf}})
		resp.Body.Close()
		if code, _ := g.call(c, "GET", "/api/v1/echo"); code != 401 {
			t.Fatalf("after logout: %d", code)
		}
		evs, _ := s.AuditEvents(model.WithActor(context.Background(), model.System), "", 100)
		seen := map[string]bool{}
		for _, e := range evs {
			seen[e.Action] = true
		}
		if !seen[model.AuditLogin] || !seen[model.AuditLogout] {
			t.Fatalf("audit %v", seen)
		}
	})
}

func TestSignInRateLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		g := newRig(t, s, model.RoleAgent)
		for i := 0; i < 3; i++ {
			if _, code, _ := g.signIn("mia", "wrong password!", ""); code != 401 {
				t.Fatalf("failure %d: %d", i, code)
			}
		}
		if _, code, _ := g.signIn("mia", password, ""); code != http.StatusTooManyRequests {
			t.Fatalf("right password after the account limit: %d", code)
		}
		for i := 0; i < 3; i++ {
			g.signIn("other"+string(rune('a'+i)), "x", "")
		}
		if _, code, _ := g.signIn("nobody", "x", ""); code != http.StatusTooManyRequests {
			t.Fatalf("per-IP limit: %d", code)
		}
		evs, _ := s.AuditEvents(model.WithActor(context.Background(), model.System), "", 100)
		if len(evs) < 6 || evs[0].Action != model.AuditLoginFailed {
			t.Fatalf("failed sign-ins not audited: %v", evs)
		}
	})
}

func TestBasicAppPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		g := newRig(t, s, model.RoleAgent)
		app, _, _ := s.CreateAppPassword(context.Background(), g.u.ID, "phone")
		req, _ := http.NewRequest("GET", g.srv.URL+"/dav/echo", nil)
		req.SetBasicAuth("mia@example.com", app)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%v %v", resp.StatusCode, err)
		}
		resp.Body.Close()
		req.SetBasicAuth("mia", password) // the account password is not an app password
		resp, _ = http.DefaultClient.Do(req)
		if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "Basic") {
			t.Fatalf("account password over Basic: %d", resp.StatusCode)
		}
		resp.Body.Close()
	})
}
