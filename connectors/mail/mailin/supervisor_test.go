package mailin

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-sasl"
	"golang.org/x/oauth2"

	"rapport/connectors/mail/mailauth"
	"rapport/model"
)

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// TestFetchOrderAndCheckpoints: messages reach the handler in UID order,
// byte for byte, without \Seen; a new supervisor resumes after the
// checkpoint.
func TestFetchOrderAndCheckpoints(t *testing.T) {
	srv := startMem(t)
	c := client(t, srv.config())
	var want [][]byte
	for i := range 5 {
		raw := testMail(i, 500+i*3000)
		want = append(want, raw)
		appendMsg(t, c, "INBOX", raw)
	}
	rec := newRecorder()
	r := runSupervisor(t, srv.config(), rec, rec)
	for i := range 5 {
		g := rec.next(t)
		if g.UID != uint32(i+1) || !bytes.Equal(g.raw, want[i]) || g.err != nil {
			t.Fatalf("message %d: UID %d, %d bytes, err %v", i, g.UID, len(g.raw), g.err)
		}
		if g.Folder != "INBOX" || g.Mailbox != "mb1" || g.UIDValidity == 0 || g.Size != int64(len(want[i])) || g.InternalDate.IsZero() {
			t.Fatalf("message %d: %+v", i, g.Message)
		}
	}
	st := r.waitState(t, StateIdle)
	if st.Handled != 5 || !st.Idle || st.LastSuccess.IsZero() {
		t.Fatalf("status %+v", st)
	}
	r.stop(t)
	for uid, flags := range flagsOf(t, c, "INBOX") {
		if slices.Contains(flags, imap.FlagSeen) {
			t.Errorf("UID %d is \\Seen", uid)
		}
	}

	appendMsg(t, c, "INBOX", testMail(5, 100))
	appendMsg(t, c, "INBOX", testMail(6, 100))
	runSupervisor(t, srv.config(), rec, rec)
	if g := rec.next(t); g.UID != 6 {
		t.Fatalf("resumed at UID %d, want 6", g.UID)
	}
	if g := rec.next(t); g.UID != 7 {
		t.Fatalf("then UID %d, want 7", g.UID)
	}
	if got := rec.uids(); !slices.Equal(got, []uint32{1, 2, 3, 4, 5, 6, 7}) {
		t.Fatalf("handled %v", got)
	}
}

// TestUIDValidityChange: a folder recreated under the same name gets a new
// UIDVALIDITY; its messages are read from UID 1 although the old
// checkpoint is higher.
func TestUIDValidityChange(t *testing.T) {
	srv := startMem(t)
	c := client(t, srv.config())
	rec := newRecorder()
	rec.setCheckpoint("INBOX", Checkpoint{UIDValidity: 1, LastUID: 3})
	if err := srv.user.Delete("INBOX"); err != nil {
		t.Fatal(err)
	}
	if err := srv.user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	appendMsg(t, c, "INBOX", testMail(1, 100))
	appendMsg(t, c, "INBOX", testMail(2, 100))
	runSupervisor(t, srv.config(), rec, rec)
	for uid := uint32(1); uid <= 2; uid++ {
		if g := rec.next(t); g.UID != uid || g.UIDValidity == 1 {
			t.Fatalf("got UID %d validity %d, want UID %d with the new validity", g.UID, g.UIDValidity, uid)
		}
	}
}

// TestAfterActions: MOVE (with the extension, and without it through COPY,
// STORE \Deleted and EXPUNGE, creating the folder on TRYCREATE) and flag.
func TestAfterActions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []serverOpt
		cfg  func(*Config)
	}{
		{"move", nil, func(c *Config) { c.After, c.MoveTo = ActionMove, "Done" }},
		{"move without MOVE", []serverOpt{withCaps(imap.CapIMAP4rev1)}, func(c *Config) { c.After, c.MoveTo = ActionMove, "Done" }},
		{"move with UIDPLUS", []serverOpt{withCaps(imap.CapIMAP4rev1, imap.CapUIDPlus)}, func(c *Config) { c.After, c.MoveTo = ActionMove, "Done" }},
		{"flag", nil, func(c *Config) { c.After = ActionFlag }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startMem(t, tc.opts...)
			c := client(t, srv.config())
			for i := range 3 {
				appendMsg(t, c, "INBOX", testMail(i, 300))
			}
			cfg := srv.config()
			tc.cfg(&cfg)
			rec := newRecorder()
			r := runSupervisor(t, cfg, rec, rec)
			for range 3 {
				rec.next(t)
			}
			r.waitState(t, StateIdle)
			r.stop(t)
			inbox := flagsOf(t, c, "INBOX")
			if cfg.After == ActionFlag {
				for uid, flags := range inbox {
					if !slices.Contains(flags, imap.FlagFlagged) || slices.Contains(flags, imap.FlagSeen) {
						t.Errorf("UID %d has flags %v", uid, flags)
					}
				}
				return
			}
			if len(inbox) != 0 {
				t.Errorf("INBOX still has %v", inbox)
			}
			done := flagsOf(t, c, "Done")
			if len(done) != 3 {
				t.Fatalf("Done has %v", done)
			}
			for uid, flags := range done {
				if slices.Contains(flags, imap.FlagSeen) || slices.Contains(flags, imap.FlagDeleted) {
					t.Errorf("moved UID %d has flags %v", uid, flags)
				}
			}
		})
	}
}

// TestMoveSweep: messages at or below the checkpoint still in the folder
// (a crash between the commit and the move) are moved, not handed over
// again.
func TestMoveSweep(t *testing.T) {
	srv := startMem(t)
	c := client(t, srv.config())
	for i := range 3 {
		appendMsg(t, c, "INBOX", testMail(i, 300))
	}
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	rec.setCheckpoint("INBOX", Checkpoint{UIDValidity: sel.UIDValidity, LastUID: 2})
	cfg := srv.config()
	cfg.After, cfg.MoveTo = ActionMove, "Done"
	r := runSupervisor(t, cfg, rec, rec)
	if g := rec.next(t); g.UID != 3 {
		t.Fatalf("handed over UID %d, want only 3", g.UID)
	}
	r.waitState(t, StateIdle)
	r.stop(t)
	if n := len(flagsOf(t, c, "Done")); n != 3 {
		t.Fatalf("Done has %d messages, want 3", n)
	}
	if got := rec.uids(); !slices.Equal(got, []uint32{3}) {
		t.Fatalf("handled %v", got)
	}
}

// TestHandlerErrorDoesNotAdvance: a refused message stops the folder; it
// is offered again after the backoff, nothing after it comes first, and
// the message before it in the same batch is still moved.
func TestHandlerErrorDoesNotAdvance(t *testing.T) {
	srv := startMem(t)
	c := client(t, srv.config())
	for i := range 3 {
		appendMsg(t, c, "INBOX", testMail(i, 300))
	}
	var refusals atomic.Int32
	rec := newRecorder()
	rec.fail = func(m Message) error {
		if m.UID == 2 && refusals.Add(1) <= 2 {
			return errors.New("database is locked")
		}
		return nil
	}
	cfg := srv.config()
	cfg.After, cfg.MoveTo = ActionMove, "Done"
	cfg.RetryMin = 300 * time.Millisecond
	r := runSupervisor(t, cfg, rec, rec)
	rec.next(t)
	st := r.waitState(t, StateError)
	if !strings.Contains(st.LastError, "database is locked") || !strings.Contains(st.LastError, "UID 2") || st.NextRetry.IsZero() {
		t.Fatalf("status %+v", st)
	}
	if n := len(flagsOf(t, c, "Done")); n != 1 {
		t.Errorf("Done has %d messages while UID 2 is refused, want 1", n)
	}
	if g := rec.next(t); g.UID != 2 {
		t.Fatalf("after the refusals got UID %d, want 2", g.UID)
	}
	if g := rec.next(t); g.UID != 3 {
		t.Fatalf("then UID %d, want 3", g.UID)
	}
	if got := rec.uids(); !slices.Equal(got, []uint32{1, 2, 2, 2, 3}) {
		t.Fatalf("Handle calls %v", got)
	}
	r.waitState(t, StateIdle)
}

// TestTooLarge: a message over the limit is handed over TooLarge, in its
// place, without its body being fetched.
func TestTooLarge(t *testing.T) {
	srv := startMem(t)
	c := client(t, srv.config())
	appendMsg(t, c, "INBOX", testMail(1, 200))
	appendMsg(t, c, "INBOX", testMail(2, 5000))
	appendMsg(t, c, "INBOX", testMail(3, 200))
	cfg := srv.config()
	cfg.MaxSize = 1000
	rec := newRecorder()
	runSupervisor(t, cfg, rec, rec)
	for uid := uint32(1); uid <= 3; uid++ {
		g := rec.next(t)
		if g.UID != uid {
			t.Fatalf("got UID %d, want %d", g.UID, uid)
		}
		big := uid == 2
		if g.TooLarge != big || (g.err != nil) != big || (big && len(g.raw) != 0) {
			t.Fatalf("UID %d: TooLarge %v, %d bytes read, err %v", uid, g.TooLarge, len(g.raw), g.err)
		}
		if big && model.ErrorCode(g.err) != model.ETOOLARGE {
			t.Fatalf("reading a too large body: %v", g.err)
		}
	}
	if strings.Contains(srv.sent(), "UID FETCH 2 ") {
		t.Error("the body of the too large message was fetched")
	}
}

// TestCappedBody: a server sending more than it announced cannot stream
// past the limit.
func TestCappedBody(t *testing.T) {
	b := &cappedBody{r: strings.NewReader(strings.Repeat("x", 100)), limit: 10}
	buf := make([]byte, 4)
	var err error
	n := 0
	for err == nil && n < 1000 {
		var m int
		m, err = b.Read(buf)
		n += m
	}
	if model.ErrorCode(err) != model.ETOOLARGE || n > 13 {
		t.Fatalf("read %d bytes, err %v", n, err)
	}
	ok := &cappedBody{r: strings.NewReader("0123456789"), limit: 10}
	var out bytes.Buffer
	if _, err := out.ReadFrom(ok); err != nil || out.Len() != 10 {
		t.Fatalf("exactly the limit: %d bytes, %v", out.Len(), err)
	}
}

// TestIdleWakeUp: a message appended while the supervisor idles reaches
// the handler quickly (the poll interval is an hour).
func TestIdleWakeUp(t *testing.T) {
	srv := startMem(t)
	c := client(t, srv.config())
	rec := newRecorder()
	r := runSupervisor(t, srv.config(), rec, rec)
	var worst time.Duration
	for i := range 5 {
		r.waitState(t, StateIdle)
		time.Sleep(20 * time.Millisecond) // go-imap's server registers for updates just after answering IDLE
		start := time.Now()
		appendMsg(t, c, "INBOX", testMail(i, 2000))
		g := rec.next(t)
		worst = max(worst, g.at.Sub(start))
	}
	t.Logf("IDLE wake-up: append to handler in at most %v (5 messages)", worst)
	if worst > 2*time.Second {
		t.Errorf("a new message took %v to arrive while idling", worst)
	}
}

// TestPollingAndFetchNow: without IDLE the supervisor polls; FetchNow ends
// the wait at once.
func TestPollingAndFetchNow(t *testing.T) {
	srv := startMem(t, withCaps(imap.CapIMAP4rev1))
	c := client(t, srv.config())
	cfg := srv.config()
	cfg.NoIdle = true
	rec := newRecorder()
	r := runSupervisor(t, cfg, rec, rec)
	st := r.waitState(t, StateIdle)
	if st.Idle {
		t.Fatal("IDLE used although disabled")
	}
	appendMsg(t, c, "INBOX", testMail(1, 100))
	select {
	case g := <-rec.ch:
		t.Fatalf("UID %d arrived before the poll interval", g.UID)
	case <-time.After(200 * time.Millisecond):
	}
	r.FetchNow()
	if g := rec.next(t); g.UID != 1 {
		t.Fatalf("got UID %d", g.UID)
	}

	cfg.Mailbox, cfg.PollInterval = "mb2", 50*time.Millisecond
	runSupervisor(t, cfg, rec, rec)
	if g := rec.next(t); g.UID != 1 || g.Mailbox != "mb2" {
		t.Fatalf("polling supervisor got %+v", g.Message)
	}
	appendMsg(t, c, "INBOX", testMail(2, 100))
	for {
		if g := rec.next(t); g.Mailbox == "mb2" && g.UID == 2 {
			break
		}
	}
}

// TestSeveralFolders: every folder is read; the first is watched with IDLE.
func TestSeveralFolders(t *testing.T) {
	srv := startMem(t)
	if err := srv.user.Create("Support", nil); err != nil {
		t.Fatal(err)
	}
	c := client(t, srv.config())
	appendMsg(t, c, "Support", testMail(1, 100))
	appendMsg(t, c, "INBOX", testMail(2, 100))
	cfg := srv.config()
	cfg.Folders = []string{"INBOX", "Support"}
	rec := newRecorder()
	r := runSupervisor(t, cfg, rec, rec)
	a, b := rec.next(t), rec.next(t)
	if a.Folder != "Support" || b.Folder != "INBOX" {
		t.Fatalf("read %s then %s", a.Folder, b.Folder)
	}
	r.waitState(t, StateIdle)
	appendMsg(t, c, "INBOX", testMail(3, 100))
	time.Sleep(20 * time.Millisecond) // go-imap's server registers for updates just after answering IDLE
	if g := rec.next(t); g.Folder != "INBOX" || g.UID != 2 {
		t.Fatalf("IDLE on INBOX gave %s UID %d", g.Folder, g.UID)
	}
}

// TestAuthFailureStops: a refused password stops the supervisor with a
// visible status instead of retrying.
func TestAuthFailureStops(t *testing.T) {
	srv := startMem(t)
	cfg := srv.config()
	cfg.Password = "wrong"
	var states []string
	sup, err := NewSupervisor(cfg, Env{Handler: newRecorder(), Checkpoints: newRecorder(), Logger: discardLogger(),
		OnStatus: func(s Status) { states = append(states, s.State) }})
	if err != nil {
		t.Fatal(err)
	}
	err = sup.Run(context.Background())
	if !errors.Is(err, ErrAuth) {
		t.Fatalf("Run: %v, want ErrAuth", err)
	}
	st := sup.Status()
	if st.State != StateAuthFailed || !strings.Contains(st.LastError, "AUTHENTICATIONFAILED") {
		t.Fatalf("status %+v", st)
	}
	if !slices.Equal(states, []string{StateConnecting, StateAuthFailed}) {
		t.Fatalf("states %v", states)
	}
	if n := strings.Count(srv.sent(), "LOGIN"); n != 1 {
		t.Fatalf("%d logins, want 1", n)
	}
}

// TestReconnect: when the server drops every connection, the supervisor
// reports the error, reconnects with backoff once the server is back, and
// carries on from the checkpoint.
func TestReconnect(t *testing.T) {
	srv := startMem(t)
	c := client(t, srv.config())
	appendMsg(t, c, "INBOX", testMail(1, 100))
	rec := newRecorder()
	r := runSupervisor(t, srv.config(), HandlerFunc(rec.Handle), rec)
	rec.next(t)
	r.waitState(t, StateIdle)
	srv.stop()
	st := r.waitState(t, StateError)
	if st.LastError == "" {
		t.Fatalf("status %+v", st)
	}
	time.Sleep(300 * time.Millisecond) // a few failed attempts
	srv.restart()
	c = client(t, srv.config())
	appendMsg(t, c, "INBOX", testMail(2, 100))
	if g := rec.next(t); g.UID != 2 {
		t.Fatalf("after reconnecting got UID %d", g.UID)
	}
	if got := rec.uids(); !slices.Equal(got, []uint32{1, 2}) {
		t.Fatalf("handled %v", got)
	}
	r.waitState(t, StateIdle)
}

// TestShutdownLogsOut: cancelling the context ends IDLE and logs out.
func TestShutdownLogsOut(t *testing.T) {
	srv := startMem(t)
	rec := newRecorder()
	r := runSupervisor(t, srv.config(), rec, rec)
	r.waitState(t, StateIdle)
	time.Sleep(20 * time.Millisecond)
	r.stop(t)
	if st := r.Status(); st.State != StateStopped {
		t.Fatalf("status %+v", st)
	}
	sent := srv.sent()
	if !strings.Contains(sent, "IDLE") || !strings.Contains(sent, "DONE") || !strings.Contains(sent, "LOGOUT") {
		t.Fatalf("client sent:\n%s", sent)
	}
}

// TestTLSModes: STARTTLS and implicit TLS with the test CA; an untrusted
// certificate is a connection error, not an authentication failure.
func TestTLSModes(t *testing.T) {
	cert, pool := testCert(t)
	tlsConf := &tls.Config{Certificates: []tls.Certificate{cert}}
	for _, mode := range []string{TLSStartTLS, TLSImplicit} {
		t.Run(mode, func(t *testing.T) {
			var opt serverOpt = func(s *memServer) { s.opts.TLSConfig, s.opts.InsecureAuth = tlsConf, false }
			if mode == TLSImplicit {
				opt = func(s *memServer) { s.implicit, s.opts.InsecureAuth = tlsConf, true }
			}
			srv := startMem(t, opt)
			cfg := srv.config()
			cfg.TLS, cfg.TLSConfig = mode, &tls.Config{RootCAs: pool}
			c := client(t, cfg)
			appendMsg(t, c, "INBOX", testMail(1, 100))
			rec := newRecorder()
			runSupervisor(t, cfg, rec, rec)
			if g := rec.next(t); g.UID != 1 {
				t.Fatalf("got UID %d", g.UID)
			}

			cfg.TLSConfig = nil // the system roots do not know the test CA
			_, err := Test(context.Background(), cfg)
			if err == nil || errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "certificate") {
				t.Fatalf("untrusted certificate: %v", err)
			}
		})
	}
}

// TestOAuth: XOAUTH2 and OAUTHBEARER with an access token refreshed from a
// token endpoint; a refused token or refresh token is an authentication
// failure.
func TestOAuth(t *testing.T) {
	var rotated atomic.Value
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("grant_type") != "refresh_token" || r.FormValue("client_id") != "rapport" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.FormValue("refresh_token") != "refresh-1" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_grant"}`)
			return
		}
		fmt.Fprint(w, `{"access_token":"access-1","token_type":"Bearer","expires_in":3600,"refresh_token":"refresh-2"}`)
	}))
	defer tokens.Close()
	srv := startMem(t, withSession(func(s *memServer) imapserver.Session {
		return &saslSession{s: s, token: "access-1"}
	}))
	source := func(refresh string) oauth2.TokenSource {
		ts, err := mailauth.OAuth{TokenURL: tokens.URL, ClientID: "rapport", RefreshToken: refresh,
			OnRefreshToken: func(s string) { rotated.Store(s) }}.TokenSource(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	for _, method := range []string{AuthXOAuth2, AuthOAuthBearer, ""} {
		t.Run("method "+method, func(t *testing.T) {
			cfg := srv.config()
			cfg.Password, cfg.TokenSource, cfg.Auth = "", source("refresh-1"), method
			res, err := Test(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(res.Folders, "INBOX") {
				t.Fatalf("folders %v", res.Folders)
			}
			if rotated.Load() != "refresh-2" {
				t.Fatalf("rotated refresh token %v", rotated.Load())
			}
		})
	}
	cfg := srv.config()
	cfg.Password, cfg.TokenSource, cfg.Auth = "", oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "stolen"}), AuthXOAuth2
	if _, err := Test(context.Background(), cfg); !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), `"status":"400"`) {
		t.Fatalf("wrong XOAUTH2 token: %v", err)
	}
	cfg.Auth = AuthOAuthBearer
	if _, err := Test(context.Background(), cfg); !errors.Is(err, ErrAuth) {
		t.Fatalf("wrong OAUTHBEARER token: %v", err)
	}
	cfg.TokenSource = source("revoked")
	if _, err := Test(context.Background(), cfg); !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("revoked refresh token: %v", err)
	}
	if _, err := (mailauth.OAuth{ClientID: "x", RefreshToken: "y"}).TokenSource(context.Background()); model.ErrorCode(err) != model.EINVALID {
		t.Fatalf("no token URL: %v", err)
	}
}

// TestProbe: Test lists the folders and names the configured ones that are
// missing.
func TestProbe(t *testing.T) {
	srv := startMem(t)
	if err := srv.user.Create("Support", nil); err != nil {
		t.Fatal(err)
	}
	cfg := srv.config()
	cfg.Folders = []string{"inbox", "Support", "Nope"}
	res, err := Test(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Folders, []string{"INBOX", "Support"}) || !slices.Equal(res.Missing, []string{"Nope"}) ||
		!res.Idle || !res.Move || !slices.Contains(res.Capabilities, "IMAP4rev2") {
		t.Fatalf("%+v", res)
	}
	cfg.Password = "wrong"
	if _, err := Test(context.Background(), cfg); !errors.Is(err, ErrAuth) {
		t.Fatalf("wrong password: %v", err)
	}
	cfg.Port = 1 // nothing listens there
	if _, err := Test(context.Background(), cfg); err == nil || errors.Is(err, ErrAuth) {
		t.Fatalf("closed port: %v", err)
	}
}

// TestValidate: bad configurations are EINVALID with a message per field;
// defaults are filled in.
func TestValidate(t *testing.T) {
	ok := Config{Host: "imap.example.com", Username: "u", Password: "p"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	if ok.Port != 993 || ok.TLS != TLSImplicit || !slices.Equal(ok.Folders, []string{"INBOX"}) || ok.After != ActionLeave ||
		ok.MaxSize != DefaultMaxSize || ok.PollInterval != DefaultPollInterval {
		t.Fatalf("defaults: %+v", ok)
	}
	for field, cfg := range map[string]Config{
		"host":     {Username: "u", Password: "p"},
		"tls":      {Host: "imap.example.com", TLS: TLSPlain, Username: "u", Password: "p"},
		"port":     {Host: "h", Port: 70000, Username: "u", Password: "p"},
		"password": {Host: "h", Username: "u"},
		"auth":     {Host: "h", Username: "u", Password: "p", Auth: AuthXOAuth2},
		"move_to":  {Host: "h", Username: "u", Password: "p", After: ActionMove, MoveTo: "INBOX"},
		"after":    {Host: "h", Username: "u", Password: "p", After: "delete"},
		"limits":   {Host: "h", Username: "u", Password: "p", MaxSize: -1},
	} {
		err := cfg.Validate()
		var me *model.Error
		if !errors.As(err, &me) || me.Code != model.EINVALID || me.Fields[field] == "" {
			t.Errorf("%s: %v", field, err)
		}
	}
	plain := Config{Host: "::1", TLS: TLSPlain, Username: "u", Password: "p"}
	if err := plain.Validate(); err != nil || plain.Port != 143 {
		t.Fatalf("plain to loopback: %v, port %d", err, plain.Port)
	}
}

// TestBackoff: delays grow to the maximum with jitter.
func TestBackoff(t *testing.T) {
	for n, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second} {
		for range 20 {
			d := backoff(time.Second, 10*time.Second, n)
			if d < want/2 || d > want {
				t.Fatalf("retry %d: %v, want between %v and %v", n, d, want/2, want)
			}
		}
	}
	if d := backoff(time.Second, 10*time.Second, 1000); d > 10*time.Second {
		t.Fatalf("retry 1000: %v", d)
	}
}

// TestManager: supervisors are added, replaced, woken, restarted after an
// authentication failure and removed.
func TestManager(t *testing.T) {
	srv := startMem(t)
	c := client(t, srv.config())
	appendMsg(t, c, "INBOX", testMail(1, 100))
	rec := newRecorder()
	m := NewManager(context.Background(), Env{Handler: rec, Checkpoints: rec, Logger: discardLogger()})
	defer m.Close()
	a, b := srv.config(), srv.config()
	b.Mailbox, b.Password = "mb2", "wrong"
	if err := m.Set(a); err != nil {
		t.Fatal(err)
	}
	if err := m.Set(b); err != nil {
		t.Fatal(err)
	}
	if g := rec.next(t); g.Mailbox != "mb1" {
		t.Fatalf("got %+v", g.Message)
	}
	waitFor(t, func() bool {
		st, _ := m.Status("mb2")
		return st.State == StateAuthFailed
	})
	b.Password = testPass
	if err := m.Set(b); err != nil {
		t.Fatal(err)
	}
	if g := rec.next(t); g.Mailbox != "mb2" {
		t.Fatalf("got %+v", g.Message)
	}
	if sts := m.Statuses(); len(sts) != 2 || sts[0].Mailbox != "mb1" || sts[1].Mailbox != "mb2" {
		t.Fatalf("statuses %+v", sts)
	}
	if err := m.FetchNow("nope"); model.ErrorCode(err) != model.ENOTFOUND {
		t.Fatalf("FetchNow of an unknown mailbox: %v", err)
	}
	bad := a
	bad.Host = ""
	if err := m.Set(bad); model.ErrorCode(err) != model.EINVALID {
		t.Fatalf("bad config: %v", err)
	}
	if err := m.FetchNow("mb1"); err != nil {
		t.Fatal(err)
	}
	if err := m.Restart("mb1"); err != nil {
		t.Fatal(err)
	}
	m.Remove("mb2")
	if _, err := m.Status("mb2"); model.ErrorCode(err) != model.ENOTFOUND {
		t.Fatalf("removed mailbox: %v", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within 10 s")
}

// TestClassifyAuth: only a definite refusal stops a mailbox.
func TestClassifyAuth(t *testing.T) {
	no := func(code imap.ResponseCode) error {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: code, Text: "no"}
	}
	provider := func(status int) error {
		return &oauth2.RetrieveError{Response: &http.Response{StatusCode: status}}
	}
	for _, tc := range []struct {
		err  error
		auth bool
	}{
		{no(imap.ResponseCodeAuthenticationFailed), true},
		{no(""), true},
		{&sasl.OAuthBearerError{Status: "invalid_token"}, true},
		{no(imap.ResponseCodeUnavailable), false},
		{no(imap.ResponseCodeLimit), false},
		{io.ErrUnexpectedEOF, false},
	} {
		if got := errors.Is(classifyAuth(tc.err), ErrAuth); got != tc.auth {
			t.Errorf("%v: auth failure %v, want %v", tc.err, got, tc.auth)
		}
	}
	if !errors.Is(tokenError(provider(400)), ErrAuth) || errors.Is(tokenError(provider(503)), ErrAuth) ||
		errors.Is(tokenError(io.ErrUnexpectedEOF), ErrAuth) {
		t.Error("token errors misclassified")
	}
}
