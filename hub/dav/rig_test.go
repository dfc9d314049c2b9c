package dav_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/caldav"
	"github.com/emersion/go-webdav/carddav"

	"rapport/hub"
	"rapport/hub/api"
	"rapport/hub/auth"
	"rapport/hub/dav"
	"rapport/hub/hubtest"
	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var sys = model.WithActor(context.Background(), model.System)

// rig is a whole hub on a real store with two users and their app passwords.
type rig struct {
	t        testing.TB
	s        *store.Store
	srv      *httptest.Server
	mia, ben *model.User
	miaPass  string
	benPass  string
}

func eachRig(t *testing.T, fn func(t *testing.T, g *rig)) {
	storetest.Each(t, func(t *testing.T, s *store.Store) { fn(t, newRig(t, s)) })
}

func newRig(t testing.TB, s *store.Store) *rig {
	g := sharedRig(t, s)
	t.Cleanup(g.srv.Close)
	return g
}

// sharedRig is newRig for benchmarks that keep one server for the process.
func sharedRig(t testing.TB, s *store.Store) *rig {
	g := &rig{t: t, s: s}
	g.mia, g.miaPass = g.user("mia@example.com", "mia", "Mia Wolf")
	g.ben, g.benPass = g.user("ben@example.com", "ben", "Ben Ames")
	log := slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	blobs := hubtest.NewMemBlobs()
	authn := auth.New(auth.Config{Store: s, Logger: log})
	srv := hub.New(hub.Config{Store: s, Logger: log,
		API:  api.New(api.Config{Store: s, Blobs: blobs}),
		Auth: authn,
		DAV:  dav.New(dav.Config{Store: s, Blobs: blobs, Auth: authn.BasicAppPassword, Logger: log, MaxResourceSize: 1 << 20}),
	})
	g.srv = httptest.NewServer(srv.Handler())
	return g
}

func (g *rig) user(email, username, name string) (*model.User, string) {
	g.t.Helper()
	u := &model.User{Email: email, Username: username, Name: name, Role: model.RoleAgent}
	if err := g.s.CreateUser(sys, u, "a long enough password"); err != nil {
		g.t.Fatal(err)
	}
	pass, _, err := g.s.CreateAppPassword(sys, u.ID, "phone")
	if err != nil {
		g.t.Fatal(err)
	}
	return u, pass
}

// do sends a raw request as Mia (or anonymously with no credentials).
func (g *rig) do(method, path, body string, headers ...string) *http.Response {
	return g.doAs(g.mia.Username, g.miaPass, method, path, body, headers...)
}

func (g *rig) doAs(user, pass, method, path, body string, headers ...string) *http.Response {
	g.t.Helper()
	req, err := http.NewRequest(method, g.srv.URL+path, strings.NewReader(body))
	if err != nil {
		g.t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	g.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func read(t testing.TB, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// want checks the status and returns the body.
func want(t testing.TB, resp *http.Response, status int) string {
	t.Helper()
	body := read(t, resp)
	if resp.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d\n%s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, status, body)
	}
	return body
}

func (g *rig) httpClient(user, pass string) webdav.HTTPClient {
	return webdav.HTTPClientWithBasicAuth(http.DefaultClient, user, pass)
}

func (g *rig) cardClient() *carddav.Client {
	g.t.Helper()
	c, err := carddav.NewClient(g.httpClient(g.mia.Username, g.miaPass), g.srv.URL+dav.Root)
	if err != nil {
		g.t.Fatal(err)
	}
	return c
}

func (g *rig) calClient() *caldav.Client {
	g.t.Helper()
	c, err := caldav.NewClient(g.httpClient(g.mia.Username, g.miaPass), g.srv.URL+dav.Root)
	if err != nil {
		g.t.Fatal(err)
	}
	return c
}

func actorCtx(t testing.TB, s *store.Store, u *model.User) context.Context {
	t.Helper()
	a, err := s.ActorFor(sys, u, []string{model.ScopeRead, model.ScopeWrite})
	if err != nil {
		t.Fatal(err)
	}
	return model.WithActor(context.Background(), a)
}

// testLog sends server logs to the test's output.
type testLog struct{ t testing.TB }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Helper()
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
