package auth_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"rapport/hub/auth"
	"rapport/model"
	"rapport/model/store"
)

func TestBearerTokens(t *testing.T) {
	eachRig(t, model.RoleAgent, auth.Config{}, func(t *testing.T, g *rig) {
		tok := g.token("read")
		if code, body := g.call(http.DefaultClient, "GET", "/api/v1/echo", "Authorization", "Bearer "+tok); code != 200 || body != "Mia|read|127.0.0.1" {
			t.Fatalf("valid token: %d %q", code, body)
		}
		revoked, rec, _ := g.s.CreateToken(sys, g.u.ID, "old", []string{"read"}, 0)
		if err := g.s.RevokeToken(sys, g.u.ID, rec.ID); err != nil {
			t.Fatal(err)
		}
		expired, _, _ := g.s.CreateToken(sys, g.u.ID, "short", []string{"read"}, time.Nanosecond)
		time.Sleep(time.Millisecond)
		for name, h := range map[string]string{
			"revoked": "Bearer " + revoked, "expired": "Bearer " + expired, "wrong": "Bearer rpt_wrong",
			"empty": "Bearer ", "other scheme": "Basic bWlhOnB3", "no scheme": tok,
		} {
			g.wantUnauthorized(name, "Authorization", h)
		}
		g.wantUnauthorized("anonymous")
	})
}

// wantUnauthorized checks a 401 problem with a Bearer challenge.
func (g *rig) wantUnauthorized(name string, hdr ...string) {
	g.t.Helper()
	resp := g.do(http.DefaultClient, "GET", "/api/v1/echo", nil, hdr...)
	defer resp.Body.Close()
	var p struct{ Code string }
	_ = json.NewDecoder(resp.Body).Decode(&p)
	if resp.StatusCode != 401 || p.Code != model.EUNAUTHORIZED || resp.Header.Get("Content-Type") != "application/problem+json" ||
		resp.Header.Get("WWW-Authenticate") != `Bearer realm="rapport"` {
		g.t.Errorf("%s: %d %q %q %q", name, resp.StatusCode, p.Code, resp.Header.Get("Content-Type"), resp.Header.Get("WWW-Authenticate"))
	}
}

// TestTokenScopes checks that scopes reach the handler on the actor and that
// a read-only token passes the middleware on writes (the store refuses them).
func TestTokenScopes(t *testing.T) {
	eachRig(t, model.RoleAdmin, auth.Config{}, func(t *testing.T, g *rig) {
		tests := []struct {
			scopes     []string
			method     string
			code       int
			wantScopes string
		}{
			{[]string{"read"}, "POST", 200, "read"},
			{[]string{"read"}, "DELETE", 200, "read"},
			{[]string{"write"}, "GET", 200, "write"},
			{[]string{"read", "admin"}, "HEAD", 200, ""},
			{[]string{"write", "admin"}, "PUT", 200, "write,admin"},
			{[]string{}, "GET", 403, ""}, // a token with no scope at all may not read
			{[]string{}, "POST", 200, ""},
		}
		for _, tt := range tests {
			code, body := g.call(http.DefaultClient, tt.method, "/api/v1/echo", "Authorization", "Bearer "+g.token(tt.scopes...))
			if code != tt.code || (code == 200 && tt.method != "HEAD" && body != "Mia|"+tt.wantScopes+"|127.0.0.1") {
				t.Errorf("%v %s: %d %q", tt.scopes, tt.method, code, body)
			}
		}
	})
}

func TestSessionNeedsCSRFOnWrites(t *testing.T) {
	eachRig(t, model.RoleAgent, auth.Config{}, func(t *testing.T, g *rig) {
		c, csrf := g.session()
		if code, body := g.call(c, "GET", "/api/v1/echo"); code != 200 || body != "Mia||127.0.0.1" {
			t.Fatalf("GET with session: %d %q", code, body)
		}
		for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
			if code, _ := g.call(c, m, "/api/v1/echo"); code != 403 {
				t.Errorf("%s without %s: %d", m, auth.CSRFHeader, code)
			}
			if code, _ := g.call(c, m, "/api/v1/echo", auth.CSRFHeader, csrf+"x"); code != 403 {
				t.Errorf("%s with a wrong token: %d", m, code)
			}
			if code, _ := g.call(c, m, "/api/v1/echo", auth.CSRFHeader, csrf); code != 200 {
				t.Errorf("%s with the token: %d", m, code)
			}
		}
	})
}

func TestDisabledUserSession(t *testing.T) {
	eachRig(t, model.RoleAgent, auth.Config{}, func(t *testing.T, g *rig) {
		c, _ := g.session()
		c2, _ := g.session()
		// Flip the flag behind the store's back: even a session that survived
		// disabling must not authenticate.
		g.setDisabled("TRUE")
		if code, _ := g.call(c, "GET", "/api/v1/echo"); code != 401 {
			t.Fatalf("disabled user's session: %d", code)
		}
		g.setDisabled("FALSE")
		if _, err := store.Update[model.User](sys, g.s, g.u.ID, 0, func(u *model.User) error { u.Disabled = true; return nil }); err != nil {
			t.Fatal(err)
		}
		if code, _ := g.call(c2, "GET", "/api/v1/echo"); code != 401 {
			t.Fatalf("session after disabling: %d", code)
		}
		if code, _ := g.call(c2, "GET", "/"); code != http.StatusFound {
			t.Fatalf("home after disabling: %d", code)
		}
	})
}

func TestPortalUsersAreRefused(t *testing.T) {
	eachRig(t, model.RolePortal, auth.Config{}, func(t *testing.T, g *rig) {
		if code, _ := g.call(http.DefaultClient, "GET", "/api/v1/echo", "Authorization", "Bearer "+g.token("read")); code != 403 {
			t.Fatalf("portal token: %d", code)
		}
		c, _ := g.session()
		if code, body := g.call(c, "GET", "/api/v1/echo"); code != 403 || !strings.Contains(body, model.EFORBIDDEN) {
			t.Fatalf("portal session: %d %s", code, body)
		}
		if code, body := g.call(c, "GET", "/"); code != 403 || strings.Contains(body, "csrf_token") {
			t.Fatalf("portal session on a staff page: %d %s", code, body)
		}
	})
}

// setDisabled sets Mia's disabled flag in SQL, bypassing the store's
// revocation of her credentials.
func (g *rig) setDisabled(value string) {
	g.t.Helper()
	if _, err := g.s.DB().Exec("UPDATE users SET disabled = " + value + " WHERE id = '" + g.u.ID + "'"); err != nil {
		g.t.Fatal(err)
	}
}

func TestBasicAppPassword(t *testing.T) {
	eachRig(t, model.RoleAgent, auth.Config{MaxFailuresPerAccount: 3}, func(t *testing.T, g *rig) {
		app, _, err := g.s.CreateAppPassword(sys, g.u.ID, "phone")
		if err != nil {
			t.Fatal(err)
		}
		for _, login := range []string{"mia@example.com", "mia"} {
			if code, body := g.basic(login, app); code != 200 || body != "Mia|read,write|127.0.0.1" {
				t.Fatalf("%s: %d %q", login, code, body)
			}
		}
		resp := g.do(http.DefaultClient, "GET", "/dav/echo", nil)
		resp.Body.Close()
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != `Basic realm="Rapport", charset="UTF-8"` {
			t.Fatalf("no credentials: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
		for _, pw := range []string{password, "wrong-app-pass", app + "x"} { // the account password is no app password
			if code, _ := g.basic("mia", pw); code != 401 {
				t.Fatalf("%q: %d", pw, code)
			}
		}
		if code, _ := g.basic("mia", app); code != http.StatusTooManyRequests {
			t.Fatalf("right app password after the account limit: %d", code)
		}
	})
}

// TestDAVAccountPasswords: with the option on, the account password signs a
// DAV client in too (read/write, never admin); app passwords still work.
func TestDAVAccountPasswords(t *testing.T) {
	eachRig(t, model.RoleAdmin, auth.Config{DAVAccountPasswords: true}, func(t *testing.T, g *rig) {
		app, _, err := g.s.CreateAppPassword(sys, g.u.ID, "phone")
		if err != nil {
			t.Fatal(err)
		}
		for _, pw := range []string{password, app} {
			if code, body := g.basic("mia", pw); code != 200 || body != "Mia|read,write|127.0.0.1" {
				t.Fatalf("%q: %d %q", pw, code, body)
			}
		}
		if code, _ := g.basic("mia", "not the password"); code != 401 {
			t.Fatalf("wrong password: %d", code)
		}
	})
}

// basic calls the Basic-auth route.
func (g *rig) basic(login, pw string) (int, string) {
	g.t.Helper()
	req, _ := http.NewRequest("GET", g.srv.URL+"/dav/echo", nil)
	req.SetBasicAuth(login, pw)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	return resp.StatusCode, readAll(g.t, resp)
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
