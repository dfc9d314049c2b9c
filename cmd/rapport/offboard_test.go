package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"rapport/model/storetest"
)

// TestCredentialsDieAtOnce runs the real server on each engine and checks
// that disabling a user (PATCH /users/{id}) and offboarding one (POST
// /users/{id}/offboard) stop every kind of credential at once: API token,
// browser session, DAV app password and calendar feed URL.
func TestCredentialsDieAtOnce(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) { credentialsDieAtOnce(t, engine) })
	}
}

// staffCreds are one user's credentials of every kind.
type staffCreds struct {
	login, id, token, appPassword, icsURL string
	browser                               *http.Client
}

func credentialsDieAtOnce(t *testing.T, engine string) {
	g := []string{"--db", storetest.DSN(t, engine), "--data", t.TempDir()}
	cli := func(stdin string, args ...string) string {
		return strings.TrimSpace(mustRun(t, stdin, append(g, args...)...))
	}
	cli("correct horse battery\n", "user", "add", "--email", "boss@example.com", "--name", "Boss", "--role", "admin", "--password-stdin")
	admin := cli("", "token", "create", "--user", "boss", "--scope", "read,write,admin")
	cli("", "user", "add", "--email", "hal@example.com", "--name", "Hal")
	addr := freeAddr(t)
	base := "http://" + addr
	stop := serveUntil(t, g, addr)
	defer stop()
	waitReady(t, base)
	users := map[string]*staffCreds{}
	for _, login := range []string{"ann", "bob"} {
		cli("a long enough password\n", "user", "add", "--email", login+"@example.com", "--name", login, "--password-stdin")
		c := &staffCreds{login: login,
			token:       cli("", "token", "create", "--user", login, "--scope", "read,write"),
			appPassword: cli("", "apppassword", "create", "--user", login, "--label", "phone"),
			icsURL:      cli("", "ics", "create", "--user", login, "--base-url", base),
			browser:     browserSignIn(t, base, login, "a long enough password")}
		c.id = callJSON(t, http.DefaultClient, "GET", base+"/api/v1/users/me", "", "Authorization", "Bearer "+c.token)["id"].(string)
		users[login] = c
		if got := credentialStatus(t, base, c); got != "200 200 207 200" {
			t.Fatalf("%s's credentials before: %s", login, got)
		}
	}
	asAdmin := func(method, path, body string) map[string]any {
		return callJSON(t, http.DefaultClient, method, base+"/api/v1"+path, body, "Authorization", "Bearer "+admin)
	}
	acc := asAdmin("POST", "/accounts", `{"name": "Acme", "owner_id": "`+users["bob"].id+`"}`)["id"].(string)

	asAdmin("PATCH", "/users/"+users["ann"].id, `{"disabled": true}`)
	if got := credentialStatus(t, base, users["ann"]); got != "401 401 401 404" {
		t.Errorf("after disabling ann: %s", got)
	}
	out := cli("", "users", "offboard", "bob", "--to", "hal", "--dry-run")
	if !strings.Contains(out, "dry run") || !strings.Contains(out, "account  owner_id  reassigned  1") {
		t.Errorf("dry run:\n%s", out)
	}
	if got := credentialStatus(t, base, users["bob"]); got != "200 200 207 200" {
		t.Fatalf("a dry run cut bob off: %s", got)
	}
	hal := asAdmin("GET", "/users?email=hal@example.com", "")["items"].([]any)[0].(map[string]any)["id"].(string)
	rep := asAdmin("POST", "/users/"+users["bob"].id+"/offboard", `{"reassign_to": "`+hal+`"}`)
	if rep["moved"] != float64(1) || rep["revoked"].(map[string]any)["sessions"] != float64(1) {
		t.Errorf("report: %v", rep)
	}
	if got := credentialStatus(t, base, users["bob"]); got != "401 401 401 404" {
		t.Errorf("after offboarding bob: %s", got)
	}
	if owner := asAdmin("GET", "/accounts/"+acc, "")["owner_id"]; owner != hal {
		t.Errorf("account owner %v, want hal", owner)
	}
}

// serveUntil runs "rapport serve" until the returned stop is called.
func serveUntil(t *testing.T, g []string, addr string) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		root := newRoot()
		root.SetArgs(append(append([]string{}, g...), "serve", "--listen", addr))
		root.SetOut(io.Discard)
		root.SetErr(io.Discard)
		done <- root.ExecuteContext(ctx)
	}()
	return func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not shut down")
		}
	}
}

// credentialStatus tries each credential: the API with the token, the API
// with the session cookie, a DAV PROPFIND with the app password, and the
// calendar feed; it returns the four statuses.
func credentialStatus(t *testing.T, base string, c *staffCreds) string {
	t.Helper()
	codes := []int{
		httpStatus(t, http.DefaultClient, "GET", base+"/api/v1/users/me", "Authorization", "Bearer "+c.token),
		httpStatus(t, c.browser, "GET", base+"/api/v1/users/me"),
		davAuthStatus(t, base, c.login, c.appPassword),
		httpStatus(t, http.DefaultClient, "GET", c.icsURL),
	}
	var out []string
	for _, code := range codes {
		out = append(out, strconv.Itoa(code))
	}
	return strings.Join(out, " ")
}

func davAuthStatus(t *testing.T, base, login, password string) int {
	t.Helper()
	req, _ := http.NewRequest("PROPFIND", base+"/dav/", strings.NewReader(`<?xml version="1.0"?><propfind xmlns="DAV:"><prop><current-user-principal/></prop></propfind>`))
	req.SetBasicAuth(login, password)
	req.Header.Set("Depth", "0")
	req.Header.Set("Content-Type", "application/xml")
	return sendStatus(t, http.DefaultClient, req)
}

func httpStatus(t *testing.T, c *http.Client, method, u string, hdr ...string) int {
	t.Helper()
	req, _ := http.NewRequest(method, u, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return sendStatus(t, c, req)
}

func sendStatus(t *testing.T, c *http.Client, req *http.Request) int {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// callJSON sends a JSON request and decodes a JSON answer, failing on 4xx/5xx.
func callJSON(t *testing.T, c *http.Client, method, u, body string, hdr ...string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	if resp.StatusCode >= 400 {
		t.Fatalf("%s %s: %d %v", method, u, resp.StatusCode, m)
	}
	return m
}

var loginCSRF = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// browserSignIn signs in through the login page and returns the browser holding
// the session cookie.
func browserSignIn(t *testing.T, base, login, password string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := loginCSRF.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf_token on the login page: %s", page)
	}
	resp, err = c.PostForm(base+"/login", url.Values{"login": {login}, "password": {password}, "csrf_token": {string(m[1])}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d", login, resp.StatusCode)
	}
	return c
}
