package mailin

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
)

const (
	testUser = "support@example.test"
	testPass = "s3cret"
)

// testCert is the standard library's test certificate for 127.0.0.1 (the
// one httptest serves) and a pool that trusts it.
func testCert(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	srv := httptest.NewTLSServer(nil)
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return srv.TLS.Certificates[0], pool
}

// memServer is go-imap's in-memory server on a loopback port, which a test
// can drop and bring back on the same address.
type memServer struct {
	t        testing.TB
	mem      *imapmemserver.Server
	user     *imapmemserver.User
	opts     imapserver.Options
	implicit *tls.Config // non-nil: the listener speaks TLS from the first byte
	addr     string
	mu       sync.Mutex
	srv      *imapserver.Server
	log      bytes.Buffer // what clients sent, with DebugWriter
}

// serverOpt changes a memServer before it starts.
type serverOpt func(*memServer)

// withCaps replaces the advertised capabilities (default IMAP4rev2, which
// includes IDLE, MOVE and UIDPLUS).
func withCaps(caps ...imap.Cap) serverOpt {
	return func(s *memServer) {
		s.opts.Caps = imap.CapSet{}
		for _, c := range caps {
			s.opts.Caps[c] = struct{}{}
		}
	}
}

// withSession replaces how sessions are made (for SASL mechanisms).
func withSession(f func(*memServer) imapserver.Session) serverOpt {
	return func(s *memServer) {
		s.opts.NewSession = func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return f(s), nil, nil
		}
	}
}

func startMem(t testing.TB, options ...serverOpt) *memServer {
	t.Helper()
	s := &memServer{t: t, mem: imapmemserver.New(), user: imapmemserver.NewUser(testUser, testPass)}
	s.mem.AddUser(s.user)
	if err := s.user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	s.opts = imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return s.mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev2: {}},
		InsecureAuth: true,
		Logger:       quietLogger{},
		DebugWriter:  lockedWriter{&s.mu, &s.log},
	}
	for _, o := range options {
		o(s)
	}
	s.listen("127.0.0.1:0")
	t.Cleanup(s.stop)
	return s
}

func (s *memServer) listen(addr string) {
	var ln net.Listener
	var err error
	for range 50 { // the port of a dropped server may take a moment to free
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatal(err)
	}
	if s.implicit != nil {
		ln = tls.NewListener(ln, s.implicit)
	}
	srv := imapserver.New(&s.opts)
	s.mu.Lock()
	s.srv, s.addr = srv, ln.Addr().String()
	s.mu.Unlock()
	go srv.Serve(ln)
}

// drop closes the listener and every connection, like a server restart.
func (s *memServer) stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// restart brings the server back on the same address.
func (s *memServer) restart() { s.listen(s.addr) }

func (s *memServer) sent() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

func (s *memServer) config() Config {
	host, port, _ := net.SplitHostPort(s.addr)
	p, _ := strconv.Atoi(port)
	return Config{
		Mailbox: "mb1", Host: host, Port: p, TLS: TLSPlain,
		Username: testUser, Password: testPass,
		RetryMin: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond,
		PollInterval: time.Hour,
	}
}

// client logs in to any test server with a plain connection.
func client(t testing.TB, cfg Config) *imapclient.Client {
	t.Helper()
	cfg.Folders = nil
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	c, err := dial(context.Background(), &cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.Client
}

// appendMsg stores raw in folder through IMAP and returns its UID.
func appendMsg(t testing.TB, c *imapclient.Client, folder string, raw []byte) uint32 {
	t.Helper()
	cmd := c.Append(folder, int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := cmd.Wait()
	if err != nil {
		t.Fatalf("APPEND to %s: %v", folder, err)
	}
	return uint32(data.UID)
}

// testMail is a plain mail of about size bytes, numbered n.
func testMail(n, size int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: Customer %d <c%d@example.org>\r\nTo: support@example.test\r\n", n, n)
	fmt.Fprintf(&b, "Subject: Question %d\r\nMessage-ID: <m%d@example.org>\r\n", n, n)
	b.WriteString("Date: Mon, 2 Mar 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	line := strings.Repeat("The printer does not print. ", 2) + "\r\n"
	for b.Len() < size {
		b.WriteString(line)
	}
	return b.Bytes()
}

// flagsOf returns the flags of every message in folder, by UID.
func flagsOf(t testing.TB, c *imapclient.Client, folder string) map[uint32][]imap.Flag {
	t.Helper()
	sel, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	out := map[uint32][]imap.Flag{}
	if sel.NumMessages == 0 {
		return out
	}
	msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		out[uint32(m.UID)] = m.Flags
	}
	return out
}

// got is one Handle call as the recorder saw it.
type got struct {
	Message
	raw []byte
	err error // what reading the body returned
	at  time.Time
}

// recorder is a Handler that keeps what it reads and writes the checkpoint
// the way the store's transaction will, and Checkpoints over the same map.
type recorder struct {
	mu    sync.Mutex
	calls []got
	cps   map[string]Checkpoint
	fail  func(m Message) error // non-nil error: refuse the message
	ch    chan got
}

func newRecorder() *recorder {
	return &recorder{cps: map[string]Checkpoint{}, ch: make(chan got, 10000)}
}

func (r *recorder) Handle(ctx context.Context, m Message) error {
	raw, err := io.ReadAll(m.Body)
	g := got{Message: m, raw: raw, err: err, at: time.Now()}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, g)
	if r.fail != nil {
		if err := r.fail(m); err != nil {
			return err
		}
	}
	r.cps[m.Mailbox+"/"+m.Folder] = Checkpoint{UIDValidity: m.UIDValidity, LastUID: m.UID}
	r.ch <- g
	return nil
}

func (r *recorder) Checkpoint(_ context.Context, mailbox, folder string) (Checkpoint, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cps[mailbox+"/"+folder], nil
}

func (r *recorder) setCheckpoint(folder string, cp Checkpoint) {
	r.mu.Lock()
	r.cps["mb1/"+folder] = cp
	r.mu.Unlock()
}

// next waits for the next message the handler took.
func (r *recorder) next(t testing.TB) got {
	t.Helper()
	select {
	case g := <-r.ch:
		return g
	case <-time.After(10 * time.Second):
		t.Fatal("no message reached the handler within 10 s")
		return got{}
	}
}

// uids lists the UIDs of every Handle call, refused ones included.
func (r *recorder) uids() []uint32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]uint32, len(r.calls))
	for i, c := range r.calls {
		out[i] = c.UID
	}
	return out
}

// running is a supervisor started by a test, stopped at cleanup.
type running struct {
	*Supervisor
	cancel context.CancelFunc
	done   chan error
}

func runSupervisor(t testing.TB, cfg Config, h Handler, cp Checkpoints) *running {
	t.Helper()
	sup, err := NewSupervisor(cfg, Env{Handler: h, Checkpoints: cp, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{Supervisor: sup, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- sup.Run(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels the supervisor and waits for it; it may be called twice.
func (r *running) stop(t testing.TB) {
	r.cancel()
	select {
	case err, ok := <-r.done:
		if ok {
			close(r.done)
			if err != nil && !errors.Is(err, ErrAuth) {
				t.Errorf("Run: %v", err)
			}
		}
	case <-time.After(10 * time.Second):
		t.Error("the supervisor did not stop within 10 s")
	}
}

// waitState waits until the supervisor reports state.
func (r *running) waitState(t testing.TB, state string) Status {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if st := r.Status(); st.State == state {
			return st
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("state %q not reached within 10 s; status %+v", state, r.Status())
	return Status{}
}

// saslSession is a memory-server session that logs in only with XOAUTH2 or
// OAUTHBEARER and the one valid access token.
type saslSession struct {
	*imapmemserver.UserSession
	s     *memServer
	token string
}

func (ss *saslSession) Login(string, string) error { return imapserver.ErrAuthFailed }

func (ss *saslSession) AuthenticateMechanisms() []string {
	return []string{"XOAUTH2", sasl.OAuthBearer}
}

func (ss *saslSession) Authenticate(mech string) (sasl.Server, error) {
	ok := func(user, token string) bool {
		if user != testUser || token != ss.token {
			return false
		}
		ss.UserSession = imapmemserver.NewUserSession(ss.s.user)
		return true
	}
	switch mech {
	case sasl.OAuthBearer:
		return sasl.NewOAuthBearerServer(func(o sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			if !ok(o.Username, o.Token) {
				return &sasl.OAuthBearerError{Status: "invalid_token", Schemes: "bearer"}
			}
			return nil
		}), nil
	case "XOAUTH2":
		return &xoauth2Server{check: ok}, nil
	}
	return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "no such mechanism"}
}

// xoauth2Server checks an XOAUTH2 initial response as Gmail does: on
// failure a JSON challenge, then NO after the client's empty answer.
type xoauth2Server struct {
	check  func(user, token string) bool
	failed bool
}

func (x *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	if x.failed {
		return nil, false, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed, Text: "Invalid credentials"}
	}
	var user, token string
	for _, f := range strings.Split(string(resp), "\x01") {
		if v, ok := strings.CutPrefix(f, "user="); ok {
			user = v
		}
		if v, ok := strings.CutPrefix(f, "auth=Bearer "); ok {
			token = v
		}
	}
	if x.check(user, token) {
		return nil, true, nil
	}
	x.failed = true
	return []byte(`{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}`), false, nil
}

type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
