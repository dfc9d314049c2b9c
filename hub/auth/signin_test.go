package auth_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"rapport/hub/auth"
	"rapport/model"
	"rapport/model/store"
)

func TestSignInFlow(t *testing.T) {
	eachRig(t, model.RoleAgent, auth.Config{}, func(t *testing.T, g *rig) {
		c := browser()
		form := g.do(c, "GET", "/login?next=/api/v1/echo", nil)
		form.Body.Close()
		checkPageHeaders(t, form)
		c, resp := g.signIn("MIA@example.com", password, "/api/v1/echo")
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/api/v1/echo" {
			t.Fatalf("sign in: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		checkSessionCookie(t, resp, false)
		code, home := g.call(c, "GET", "/")
		if code != 200 || !strings.Contains(home, "Signed in as <strong>Mia</strong> (agent)") {
			t.Fatalf("home: %d %s", code, home)
		}
		if resp := g.do(c, "GET", "/login", nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("GET /login when signed in: %d", resp.StatusCode)
		}
		resp = g.do(c, "POST", "/logout", url.Values{"csrf_token": {g.csrf(home)}})
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
			t.Fatalf("logout: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if code, _ := g.call(c, "GET", "/api/v1/echo"); code != 401 {
			t.Fatalf("API after logout: %d", code)
		}
		if resp := g.do(c, "GET", "/", nil); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/login" {
			t.Fatalf("home after logout: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		g.checkAudit(map[string]string{model.AuditLogin: "Mia", model.AuditLogout: "Mia"})
	})
}

// checkAudit checks one event per action, by actor, from 127.0.0.1.
func (g *rig) checkAudit(want map[string]string) {
	g.t.Helper()
	for _, e := range g.audit() {
		if actor, ok := want[e.Action]; ok {
			if e.Actor != actor || e.IP != "127.0.0.1" || e.Target != g.u.Email && e.Action != model.AuditLoginFailed {
				g.t.Errorf("%s: %+v", e.Action, e)
			}
			delete(want, e.Action)
		}
	}
	if len(want) > 0 {
		g.t.Errorf("not audited: %v", want)
	}
}

func checkPageHeaders(t *testing.T, resp *http.Response) {
	t.Helper()
	want := map[string]string{
		"Content-Security-Policy": auth.ContentSecurityPolicy,
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "same-origin",
		"Cache-Control":           "no-store",
		"Content-Type":            "text/html; charset=utf-8",
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
}

// checkSessionCookie checks the attributes of the session cookie set by resp.
func checkSessionCookie(t *testing.T, resp *http.Response, secure bool) {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name != auth.SessionCookie {
			continue
		}
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure != secure ||
			c.MaxAge != int(store.SessionTTL.Seconds()) || c.Value == "" {
			t.Fatalf("session cookie: %+v", c)
		}
		return
	}
	t.Fatal("no session cookie")
}

func TestSecureCookies(t *testing.T) {
	eachRig(t, model.RoleAgent, auth.Config{SecureCookies: true}, func(t *testing.T, g *rig) {
		// The jar keeps Secure cookies away from http://, so post by hand.
		resp := g.do(http.DefaultClient, "GET", "/login", nil)
		resp.Body.Close()
		csrf := resp.Cookies()[0]
		if !csrf.Secure || !csrf.HttpOnly {
			t.Fatalf("login CSRF cookie: %+v", csrf)
		}
		resp = g.do(browser(), "POST", "/login", url.Values{"login": {"mia"}, "password": {password}, "csrf_token": {csrf.Value}},
			"Cookie", csrf.Name+"="+csrf.Value)
		resp.Body.Close()
		checkSessionCookie(t, resp, true)
	})
}

func TestSignInNeedsFormCSRF(t *testing.T) {
	eachRig(t, model.RoleAgent, auth.Config{}, func(t *testing.T, g *rig) {
		c := browser()
		_, form := g.call(c, "GET", "/login")
		for name, token := range map[string]string{"missing": "", "wrong": g.csrf(form) + "x"} {
			resp := g.do(c, "POST", "/login", url.Values{"login": {"mia"}, "password": {password}, "csrf_token": {token}})
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 1 || resp.Cookies()[0].Name == auth.SessionCookie {
				t.Errorf("%s token: %d %v", name, resp.StatusCode, resp.Cookies())
			}
		}
		resp := g.do(browser(), "POST", "/login", url.Values{"login": {"mia"}, "password": {password}, "csrf_token": {g.csrf(form)}})
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("token without its cookie: %d", resp.StatusCode)
		}
	})
}

func TestSignOutNeedsCSRF(t *testing.T) {
	eachRig(t, model.RoleAgent, auth.Config{}, func(t *testing.T, g *rig) {
		c, csrf := g.session()
		resp := g.do(c, "POST", "/logout", url.Values{"csrf_token": {"forged"}})
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("logout with a forged token: %d", resp.StatusCode)
		}
		if code, _ := g.call(c, "GET", "/api/v1/echo"); code != 200 {
			t.Fatalf("session ended by a forged logout: %d", code)
		}
		if code, _ := g.call(c, "POST", "/logout", auth.CSRFHeader, csrf); code != http.StatusSeeOther {
			t.Fatalf("logout with the header: %d", code)
		}
		if code, _ := g.call(c, "GET", "/api/v1/echo"); code != 401 {
			t.Fatalf("after logout: %d", code)
		}
	})
}

func TestSignInRedirectsStayLocal(t *testing.T) {
	eachRig(t, model.RoleAgent, auth.Config{}, func(t *testing.T, g *rig) {
		for next, want := range map[string]string{
			"//evil.example": "/", "https://evil.example": "/", "/\\evil.example": "/", "/\t/evil.example": "/",
			"": "/", "/api/v1/contacts?limit=5": "/api/v1/contacts?limit=5",
		} {
			if _, resp := g.signIn("mia", password, next); resp.Header.Get("Location") != want {
				t.Errorf("next=%q redirected to %q", next, resp.Header.Get("Location"))
			}
		}
	})
}

func TestSignInLimitPerAccount(t *testing.T) {
	eachRig(t, model.RoleAgent, auth.Config{}, func(t *testing.T, g *rig) { // 5 per account
		for i := range 5 {
			login := []string{"mia", "mia@example.com"}[i%2] // one account, two names
			if _, resp := g.signIn(login, "wrong password!", ""); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d", i, resp.StatusCode)
			}
		}
		c := browser()
		_, form := g.call(c, "GET", "/login")
		resp := g.do(c, "POST", "/login", url.Values{"login": {"mia"}, "password": {password}, "csrf_token": {g.csrf(form)}})
		page := readAll(t, resp)
		wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		if resp.StatusCode != http.StatusTooManyRequests || wait < 1 || wait > 15*60 || !strings.Contains(page, "Too many failed sign-ins") {
			t.Fatalf("right password after 5 failures: %d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), page)
		}
		if _, resp := g.signIn("nobody@example.com", "x", ""); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("another account from the same IP: %d", resp.StatusCode)
		}
		evs := g.audit()
		if n := count(evs, model.AuditLoginFailed); n != 6 {
			t.Fatalf("%d failed sign-ins audited, want 6", n)
		}
		g.checkAudit(map[string]string{model.AuditLoginFailed: "anonymous"})
	})
}

func TestSignInLimitPerIP(t *testing.T) {
	eachRig(t, model.RoleAgent, auth.Config{MaxFailuresPerIP: 4}, func(t *testing.T, g *rig) {
		for i := range 4 {
			if _, resp := g.signIn("user"+strconv.Itoa(i), "wrong password!", ""); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d", i, resp.StatusCode)
			}
		}
		if _, resp := g.signIn("mia", password, ""); resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("a fresh account from a blocked IP: %d", resp.StatusCode)
		}
	})
}

func TestSuccessClearsAccountFailures(t *testing.T) {
	eachRig(t, model.RoleAgent, auth.Config{MaxFailuresPerAccount: 2}, func(t *testing.T, g *rig) {
		for range 3 {
			g.signIn("mia", "wrong password!", "")
			if _, resp := g.signIn("mia", password, ""); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign-in after one failure: %d", resp.StatusCode)
			}
		}
	})
}

// TestPagesGuard checks the guard of browser pages: anonymous readers go to
// the sign-in page and come back, and a form post needs the session's CSRF
// token, in the field or the header.
func TestPagesGuard(t *testing.T) {
	eachRig(t, model.RoleAgent, auth.Config{}, func(t *testing.T, g *rig) {
		for path, want := range map[string]string{"/": "/login", "/?q=x&y=%D0%B6": "/login?next=%2F%3Fq%3Dx%26y%3D%25D0%25B6"} {
			resp := g.do(browser(), "GET", path, nil)
			resp.Body.Close()
			if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != want {
				t.Errorf("anonymous GET %s: %d %q, want 302 %q", path, resp.StatusCode, resp.Header.Get("Location"), want)
			}
			checkPageHeaders(t, resp)
		}
		resp := g.do(browser(), "POST", "/", url.Values{"x": {"1"}})
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
			t.Errorf("anonymous POST: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		c, csrf := g.session()
		for name, form := range map[string]url.Values{"no token": {"x": {"1"}}, "wrong token": {"csrf_token": {csrf + "x"}},
			"the token": {"csrf_token": {csrf}}} {
			want := http.StatusForbidden
			if name == "the token" {
				want = http.StatusOK
			}
			resp := g.do(c, "POST", "/", form)
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("POST with %s: %d, want %d", name, resp.StatusCode, want)
			}
		}
		if code, _ := g.call(c, "POST", "/", auth.CSRFHeader, csrf); code != http.StatusOK {
			t.Errorf("POST with the header: %d", code)
		}
	})
}

// TestPagesGuardMultipart checks a file upload form: its csrf_token field,
// sent first as browsers send fields in order, passes the guard and the
// handler still reads the whole body; a wrong token, or a token sent after
// the file, is refused.
func TestPagesGuardMultipart(t *testing.T) {
	eachRig(t, model.RoleAgent, auth.Config{}, func(t *testing.T, g *rig) {
		c, csrf := g.session()
		file := bytes.Repeat([]byte("x"), 100_000)
		upload := func(token string, tokenFirst bool) (int, string) {
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			if tokenFirst {
				_ = mw.WriteField("csrf_token", token)
			}
			fw, _ := mw.CreateFormFile("file", "template.docx")
			_, _ = fw.Write(file)
			if !tokenFirst {
				_ = mw.WriteField("csrf_token", token)
			}
			_ = mw.Close()
			req, _ := http.NewRequest(http.MethodPost, g.srv.URL+"/", &body)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		if code, body := upload(csrf, true); code != http.StatusOK || !strings.Contains(body, "file: 100000 bytes") {
			t.Errorf("upload with the token first: %d %s", code, body)
		}
		for name, try := range map[string]struct {
			token string
			first bool
		}{"wrong token": {csrf + "x", true}, "token after the file": {csrf, false}, "no token": {"", true}} {
			if code, _ := upload(try.token, try.first); code != http.StatusForbidden {
				t.Errorf("upload with %s: %d, want 403", name, code)
			}
		}
	})
}
