package console_test

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
	"sync/atomic"
	"testing"
	"time"

	"rapport/hub"
	"rapport/hub/api"
	"rapport/hub/auth"
	"rapport/hub/console"
	"rapport/hub/outmail"
	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const password = "a long enough password"

var sys = model.WithActor(context.Background(), model.System)

// rig serves the whole hub (API, sign-in, console) on a real store and
// counts the SQL statements the store runs.
type rig struct {
	t       testing.TB
	s       *store.Store
	srv     *httptest.Server
	queries atomic.Int64
	counted atomic.Bool
}

// eachRig runs fn on a fresh rig on every engine.
func eachRig(t *testing.T, fn func(t *testing.T, g *rig), opts ...func(*console.Config)) {
	storetest.Each(t, func(t *testing.T, s *store.Store) { fn(t, newRig(t, s, opts...)) })
}

func newRig(t testing.TB, s *store.Store, opts ...func(*console.Config)) *rig {
	g := &rig{t: t, s: s}
	s.ObserveStatements(func(string) {
		if g.counted.Load() {
			g.queries.Add(1)
		}
	})
	log := slog.New(slog.DiscardHandler)
	// Generous failure limits: tests sign in and fail on purpose often.
	authn := auth.New(auth.Config{Store: s, Logger: log, MaxFailuresPerAccount: 50, MaxFailuresPerIP: 500})
	cfg := console.Config{Store: s, Auth: authn, Logger: log, Location: time.UTC}
	for _, o := range opts {
		o(&cfg)
	}
	cons, err := console.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := hub.New(hub.Config{Store: s, API: api.New(api.Config{Store: s}), Auth: authn, Console: cons, Logger: log})
	g.srv = httptest.NewServer(srv.Handler())
	t.Cleanup(g.srv.Close)
	return g
}

// user creates a user with a password.
func (g *rig) user(username, name, role string, team *model.Team) *model.User {
	g.t.Helper()
	u := &model.User{Email: username + "@example.com", Username: username, Name: name, Role: role}
	if team != nil {
		u.TeamID = &team.ID
	}
	if err := g.s.CreateUser(sys, u, password); err != nil {
		g.t.Fatal(err)
	}
	return u
}

// team creates a team.
func (g *rig) team(name string) *model.Team {
	g.t.Helper()
	tm := &model.Team{Name: name}
	g.create(sys, tm)
	return tm
}

// create stores records as the actor in ctx.
func (g *rig) create(ctx context.Context, recs ...model.Record) {
	g.t.Helper()
	for _, r := range recs {
		var err error
		switch r := r.(type) {
		case *model.Team:
			err = store.Create(ctx, g.s, r)
		case *model.Account:
			err = store.Create(ctx, g.s, r)
		case *model.Contact:
			err = store.Create(ctx, g.s, r)
		case *model.Activity:
			err = store.Create(ctx, g.s, r)
		case *model.Request:
			err = store.Create(ctx, g.s, r)
		case *model.Opportunity:
			err = store.Create(ctx, g.s, r)
		case *model.Pipeline:
			err = store.Create(ctx, g.s, r)
		case *model.Queue:
			err = store.Create(ctx, g.s, r)
		case *model.TimeEntry:
			err = store.Create(ctx, g.s, r)
		case *model.KBArticle:
			err = store.Create(ctx, g.s, r)
		case *model.ExchangeRate:
			err = store.Create(ctx, g.s, r)
		case *model.Quote:
			_, err = g.s.CreateQuote(ctx, r, nil)
		case *model.Order:
			_, err = g.s.CreateOrder(ctx, r, nil)
		default:
			g.t.Fatalf("rig cannot create %T", r)
		}
		if err != nil {
			g.t.Fatalf("create %T: %v", r, err)
		}
	}
}

// as returns a context acting as u.
func (g *rig) as(u *model.User) context.Context {
	g.t.Helper()
	a, err := g.s.ActorFor(context.Background(), u, nil)
	if err != nil {
		g.t.Fatal(err)
	}
	return model.WithActor(context.Background(), a)
}

// browser is a signed-in (or anonymous) browser: a cookie jar that does not
// follow redirects, and an Accept-Language.
type browser struct {
	g    *rig
	c    *http.Client
	lang string
}

func (g *rig) anonymous() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{g: g, lang: "en", c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var (
	csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	nextLink  = regexp.MustCompile(`href="([^"]+)" rel="next"`)
)

// unescapeAmp turns an href as HTML writes it back into a path.
func unescapeAmp(s string) string { return strings.ReplaceAll(s, "&amp;", "&") }

// signIn signs login in through the sign-in form.
func (g *rig) signIn(login string) *browser {
	g.t.Helper()
	b := g.anonymous()
	_, form := b.get("/login")
	resp := b.post("/login", url.Values{"login": {login}, "password": {password}, "csrf_token": {b.csrf(form)}})
	if resp.code != http.StatusSeeOther {
		g.t.Fatalf("sign in %s: %d %s", login, resp.code, resp.body)
	}
	return b
}

// reply is a read response.
type reply struct {
	code int
	hdr  http.Header
	body string
}

func (b *browser) do(method, path string, body url.Values, hdr ...string) reply {
	b.g.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(body.Encode())
	}
	req, err := http.NewRequest(method, b.g.srv.URL+path, rd)
	if err != nil {
		b.g.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept-Language", b.lang)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.g.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, string(data)}
}

// get answers code and body.
func (b *browser) get(path string, hdr ...string) (int, string) {
	b.g.t.Helper()
	r := b.do("GET", path, nil, hdr...)
	return r.code, r.body
}

// page gets a page that must answer 200.
func (b *browser) page(path string, hdr ...string) string {
	b.g.t.Helper()
	code, body := b.get(path, hdr...)
	if code != http.StatusOK {
		b.g.t.Fatalf("GET %s: %d %s", path, code, body)
	}
	return body
}

func (b *browser) post(path string, form url.Values, hdr ...string) reply {
	b.g.t.Helper()
	return b.do("POST", path, form, hdr...)
}

// csrf returns the CSRF field of a page.
func (b *browser) csrf(page string) string {
	b.g.t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		b.g.t.Fatalf("no csrf_token field in %s", page)
	}
	return m[1]
}

// token is the session's CSRF token, read from the home page.
func (b *browser) token() string {
	b.g.t.Helper()
	return b.csrf(b.page("/"))
}

// count runs fn and returns how many statements the store ran meanwhile.
func (g *rig) count(fn func()) int64 {
	g.queries.Store(0)
	g.counted.Store(true)
	fn()
	g.counted.Store(false)
	return g.queries.Load()
}

// pipeline stores a pipeline with three stages.
func (g *rig) pipeline() *model.Pipeline {
	g.t.Helper()
	p := &model.Pipeline{Name: "New business", Active: true, Stages: []model.Stage{
		{Name: "Qualify", Probability: 10}, {Name: "Proposal", Probability: 50}, {Name: "Negotiation", Probability: 80}}}
	g.create(sys, p)
	return p
}

func ptr[T any](v T) *T { return &v }

// mailer is a composer as cmd wires it, with Message-IDs minted and
// deliveries enqueued in memory: the rig's Config.Mail.
type mailer struct {
	n        atomic.Int64
	enqueued atomic.Int64
}

// withMail gives the console the API's reply composer.
func withMail(m *mailer) func(*console.Config) {
	return func(cfg *console.Config) {
		cfg.Mail = outmail.New(outmail.Config{Store: cfg.Store,
			MintMessageID: func(ref, domain string) (string, error) {
				return fmt.Sprintf("%s.%016x.000000000000000000000000@%s", ref, m.n.Add(1), domain), nil
			},
			Enqueue: func(context.Context, string) error { m.enqueued.Add(1); return nil },
			From:    model.MailAddress{Name: "Support", Email: "desk@example.com"}})
	}
}
