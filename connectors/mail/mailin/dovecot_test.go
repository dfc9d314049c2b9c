package mailin

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

// dovecot is the private Dovecot that testdata/dovecot.sh starts once per
// test binary, shared by every test through its own folders.
type dovecot struct {
	dir         string
	port, sport int
	pool        *x509.CertPool
}

var (
	dovecotOnce sync.Once
	dovecotSrv  *dovecot
	dovecotErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if dovecotSrv != nil {
		dovecotSrv.stop()
	}
	os.Exit(code)
}

// requireDovecot returns the shared Dovecot, starting it on first use.
// Without Dovecot the test fails: .ci/test-deps.sh (run by make test)
// installs it.
func requireDovecot(t testing.TB) *dovecot {
	t.Helper()
	dovecotOnce.Do(func() { dovecotSrv, dovecotErr = startDovecot() })
	if dovecotErr == nil {
		return dovecotSrv
	}
	t.Fatal("Dovecot: " + dovecotErr.Error() + " (run .ci/test-deps.sh)")
	return nil
}

func startDovecot() (*dovecot, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	// Not t.TempDir: its parents are private to the test's user, and
	// Dovecot's unprivileged processes must reach the mail.
	dir, err := os.MkdirTemp("", "rapport-dovecot-")
	if err != nil {
		return nil, err
	}
	d := &dovecot{dir: dir, port: ports[0], sport: ports[1]}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "testdata/dovecot.sh", dir,
		strconv.Itoa(d.port), strconv.Itoa(d.sport), testUser, testPass)
	cmd.WaitDelay = 5 * time.Second // in case a daemon keeps the output open
	out, err := cmd.CombinedOutput()
	if err != nil {
		d.stop()
		return nil, fmt.Errorf("testdata/dovecot.sh: %v\n%s", err, out)
	}
	pem, err := os.ReadFile(filepath.Join(dir, "cert.pem"))
	if err != nil {
		d.stop()
		return nil, err
	}
	d.pool = x509.NewCertPool()
	d.pool.AppendCertsFromPEM(pem)
	return d, nil
}

// freePorts finds n loopback ports nobody listens on.
func freePorts(n int) ([]int, error) {
	var out []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer ln.Close()
		out = append(out, ln.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

// stop ends the master process (which ends its children) and removes the
// directory.
func (d *dovecot) stop() {
	if b, err := os.ReadFile(filepath.Join(d.dir, "run", "master.pid")); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			_ = syscall.Kill(pid, syscall.SIGTERM)
			for i := 0; i < 100 && syscall.Kill(pid, 0) == nil; i++ {
				time.Sleep(50 * time.Millisecond)
			}
		}
	}
	os.RemoveAll(d.dir)
}

// config is a mailbox on the shared Dovecot reading folder over mode.
func (d *dovecot) config(mode, folder string) Config {
	cfg := Config{
		Mailbox: "dovecot-" + folder, Host: "127.0.0.1", Port: d.port, TLS: mode,
		TLSConfig: &tls.Config{RootCAs: d.pool},
		Username:  testUser, Password: testPass, Folders: []string{folder},
		RetryMin: 50 * time.Millisecond, RetryMax: time.Second, PollInterval: time.Hour,
	}
	if mode == TLSImplicit {
		cfg.Port = d.sport
	}
	return cfg
}

// folders numbers the folders the tests create, since -count=N runs them
// again on the same server.
var folders atomic.Int32

// folder creates a fresh folder, named after name, and returns a STARTTLS
// configuration that reads it.
func (d *dovecot) folder(t testing.TB, name string) Config {
	t.Helper()
	name = fmt.Sprintf("%s-%d", name, folders.Add(1))
	cfg := d.config(TLSStartTLS, name)
	c := client(t, cfg)
	if err := c.Create(name, nil).Wait(); err != nil {
		t.Fatalf("CREATE %s: %v (log %s)", name, err, filepath.Join(d.dir, "dovecot.log"))
	}
	return cfg
}

// corpus returns real-world messages from the project's mail test data.
func corpus(t testing.TB) [][]byte {
	t.Helper()
	files, err := filepath.Glob("../testdata/corpus/mail/spec/fixtures/emails/attachment_emails/*.eml")
	if err != nil || len(files) < 5 {
		t.Fatalf("corpus: %d files, %v", len(files), err)
	}
	extra, _ := filepath.Glob("../testdata/extra/*.eml")
	var out [][]byte
	for _, f := range slices.Concat(files, extra) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// sameMail compares messages as IMAP carries them: Dovecot sends CRLF line
// ends whatever was appended.
func sameMail(a, b []byte) bool {
	crlf := func(x []byte) []byte { return bytes.ReplaceAll(x, []byte("\r\n"), []byte("\n")) }
	return bytes.Equal(crlf(a), crlf(b))
}

// TestDovecot reads real-world mail from Dovecot over STARTTLS, implicit
// TLS and plain IMAP, moves it to a folder that does not exist yet (UID
// MOVE, TRYCREATE), then waits in IDLE for a new message.
func TestDovecot(t *testing.T) {
	d := requireDovecot(t)
	msgs := corpus(t)
	for _, mode := range []string{TLSStartTLS, TLSImplicit, TLSPlain} {
		t.Run(mode, func(t *testing.T) {
			cfg := d.folder(t, "in-"+mode)
			c := client(t, cfg)
			for _, raw := range msgs {
				appendMsg(t, c, cfg.Folders[0], raw)
			}
			cfg = d.config(mode, cfg.Folders[0])
			cfg.After, cfg.MoveTo = ActionMove, cfg.Folders[0]+"-done"
			rec := newRecorder()
			r := runSupervisor(t, cfg, rec, rec)
			for i, raw := range msgs {
				g := rec.next(t)
				if g.UID != uint32(i+1) || g.err != nil || !sameMail(g.raw, raw) {
					t.Fatalf("message %d: UID %d, %d bytes (want %d), err %v", i, g.UID, len(g.raw), len(raw), g.err)
				}
			}
			st := r.waitState(t, StateIdle)
			if !st.Idle {
				t.Fatal("Dovecot offers IDLE but the supervisor polls")
			}
			start := time.Now()
			appendMsg(t, c, cfg.Folders[0], testMail(1, 20<<10))
			g := rec.next(t)
			t.Logf("%s: %d corpus messages; IDLE wake-up from APPEND to handler %v", mode, len(msgs), g.at.Sub(start))
			if g.UID != uint32(len(msgs)+1) {
				t.Fatalf("after IDLE got UID %d", g.UID)
			}
			waitFor(t, func() bool { return len(flagsOf(t, c, cfg.MoveTo)) == len(msgs)+1 })
			for uid, flags := range flagsOf(t, c, cfg.MoveTo) {
				if slices.Contains(flags, imap.FlagSeen) {
					t.Errorf("moved UID %d is \\Seen", uid)
				}
			}
			if left := flagsOf(t, c, cfg.Folders[0]); len(left) != 0 {
				t.Errorf("%d messages left in %s", len(left), cfg.Folders[0])
			}
		})
	}
}

// TestDovecotFlagAndResume: flagged after handling, never \Seen; a handler
// error stops at the message and a new supervisor resumes after the
// checkpoint.
func TestDovecotFlagAndResume(t *testing.T) {
	d := requireDovecot(t)
	cfg := d.folder(t, "flag")
	c := client(t, cfg)
	for i := range 4 {
		appendMsg(t, c, cfg.Folders[0], testMail(i, 1000))
	}
	cfg.After = ActionFlag
	rec := newRecorder()
	rec.fail = func(m Message) error {
		if m.UID == 3 {
			return errors.New("disk full")
		}
		return nil
	}
	r := runSupervisor(t, cfg, rec, rec)
	rec.next(t)
	rec.next(t)
	if st := r.waitState(t, StateError); !strings.Contains(st.LastError, "disk full") {
		t.Fatalf("status %+v", st)
	}
	r.stop(t)
	flags := flagsOf(t, c, cfg.Folders[0])
	for uid := uint32(1); uid <= 4; uid++ {
		if flagged := slices.Contains(flags[uid], imap.FlagFlagged); flagged != (uid <= 2) || slices.Contains(flags[uid], imap.FlagSeen) {
			t.Errorf("UID %d: flags %v", uid, flags[uid])
		}
	}
	rec.fail = nil
	runSupervisor(t, cfg, rec, rec)
	if g := rec.next(t); g.UID != 3 {
		t.Fatalf("resumed at UID %d", g.UID)
	}
	if g := rec.next(t); g.UID != 4 {
		t.Fatalf("then UID %d", g.UID)
	}
}

// TestDovecotLogin: a wrong password stops the supervisor as auth_failed;
// Test lists the folders.
func TestDovecotLogin(t *testing.T) {
	d := requireDovecot(t)
	cfg := d.folder(t, "probe")
	res, err := Test(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(res.Folders, "INBOX") || !slices.Contains(res.Folders, cfg.Folders[0]) || len(res.Missing) != 0 || !res.Idle || !res.Move {
		t.Fatalf("%+v", res)
	}
	cfg.Password = "wrong"
	rec := newRecorder()
	sup, err := NewSupervisor(cfg, Env{Handler: rec, Checkpoints: rec, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := sup.Run(context.Background()); !errors.Is(err, ErrAuth) || sup.Status().State != StateAuthFailed {
		t.Fatalf("Run: %v, status %+v", err, sup.Status())
	}
}
