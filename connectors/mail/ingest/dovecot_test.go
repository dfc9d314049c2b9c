package ingest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// The private Dovecot of these tests, started once per test binary by the
// IMAP engine's own script (../mailin/testdata/dovecot.sh) and reached
// over plain IMAP on loopback.
const (
	dovecotScript = "../mailin/testdata/dovecot.sh"
	dovecotUser   = "support@example.test"
	dovecotPass   = "s3cret"
)

var (
	dovecotOnce sync.Once
	dovecotDir  string
	dovecotPort int
	dovecotErr  error
	folderSeq   atomic.Int32
)

// requireDovecot starts the shared Dovecot on first use; without Dovecot
// the test fails (.ci/test-deps.sh installs it).
func requireDovecot(t testing.TB) {
	t.Helper()
	dovecotOnce.Do(func() { dovecotErr = startDovecot() })
	if dovecotErr != nil {
		t.Fatal("Dovecot: " + dovecotErr.Error() + " (run .ci/test-deps.sh)")
	}
}

func startDovecot() error {
	ports, err := freePorts()
	if err != nil {
		return err
	}
	// Not t.TempDir: Dovecot's unprivileged processes must reach the mail.
	dir, err := os.MkdirTemp("", "rapport-ingest-dovecot-")
	if err != nil {
		return err
	}
	dovecotDir, dovecotPort = dir, ports[0]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", dovecotScript, dir, strconv.Itoa(ports[0]), strconv.Itoa(ports[1]), dovecotUser, dovecotPass)
	cmd.WaitDelay = 5 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v\n%s", dovecotScript, err, out)
	}
	return nil
}

// freePorts finds two loopback ports nobody listens on (both held open
// until both are found, so they differ).
func freePorts() ([2]int, error) {
	var ports [2]int
	for i := range ports {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return ports, err
		}
		defer ln.Close()
		ports[i] = ln.Addr().(*net.TCPAddr).Port
	}
	return ports, nil
}

// stopDovecot ends the shared Dovecot's master process, if one was started.
func stopDovecot() {
	if dovecotDir == "" {
		return
	}
	if b, err := os.ReadFile(filepath.Join(dovecotDir, "run", "master.pid")); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			_ = syscall.Kill(pid, syscall.SIGTERM)
			for i := 0; i < 100 && syscall.Kill(pid, 0) == nil; i++ {
				time.Sleep(50 * time.Millisecond)
			}
		}
	}
	os.RemoveAll(dovecotDir)
}

// imapClient is a logged-in client of the shared Dovecot.
func imapClient(t testing.TB) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(net.JoinHostPort("127.0.0.1", strconv.Itoa(dovecotPort)), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(dovecotUser, dovecotPass).Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}

// newFolder creates a fresh folder named after name.
func newFolder(t testing.TB, c *imapclient.Client, name string) string {
	t.Helper()
	name = fmt.Sprintf("%s-%d", name, folderSeq.Add(1))
	if err := c.Create(name, nil).Wait(); err != nil {
		t.Fatalf("CREATE %s: %v", name, err)
	}
	return name
}

func appendMail(t testing.TB, c *imapclient.Client, folder string, raw []byte) {
	t.Helper()
	cmd := c.Append(folder, int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatalf("APPEND to %s: %v", folder, err)
	}
}

// readFromDovecot points the fixture's mailbox at a folder of the shared
// Dovecot.
func (f *fixture) readFromDovecot(folder string) {
	f.t.Helper()
	var err error
	f.mb, err = f.s.UpdateMailbox(admin, testBox(f.t), f.mb.ID, 0, func(m *model.Mailbox) error {
		m.IMAPPort, m.Username, m.Password, m.Folders = dovecotPort, dovecotUser, dovecotPass, []string{folder}
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

// startEngine runs an engine over the fixture until the test ends.
func (f *fixture) startEngine() *Engine {
	f.t.Helper()
	e, err := StartEngine(context.Background(), EngineConfig{Store: f.s, Box: testBox(f.t), Pipeline: f.p, Reload: 100 * time.Millisecond, Logger: f.p.log})
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(e.Close)
	return e
}

// waitFor polls cond every 5 ms for up to limit.
func waitFor(t testing.TB, limit time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("no %s after %v", what, limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

// requestFor is the request made of the mail with a Message-ID, or nil.
func (f *fixture) requestFor(messageID string) *model.MailMessage {
	ms := all[model.MailMessage](f.t, f.s, map[string]string{"message_id": messageID})
	if len(ms) == 0 || ms[0].RequestID == nil {
		return nil
	}
	return ms[0]
}

// TestDovecotEndToEnd: the engine reads a real Dovecot through the
// pipeline — the mail waiting in the folder first, then, while it idles, a
// new mail becomes an acknowledged request (the delay from APPEND to the
// committed request is logged; IDLE keeps it well under the 2 s target).
// Deactivating the mailbox stops its supervisor.
func TestDovecotEndToEnd(t *testing.T) {
	requireDovecot(t)
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		c := imapClient(t)
		folder := newFolder(t, c, "e2e")
		for i := range 3 {
			appendMail(t, c, folder, mail(fmt.Sprintf("Waiting %d <w%d@client.example>", i, i), "Waiting", "Already there."))
		}
		f.readFromDovecot(folder)
		e := f.startEngine()
		ctx := context.Background()
		waitFor(t, 30*time.Second, "first pass", func() bool {
			cp, err := f.p.Checkpoint(ctx, f.mb.ID, folder)
			return err == nil && cp.LastUID == 3
		})
		waitFor(t, 10*time.Second, "IDLE", func() bool {
			st, err := s.MailboxStatus(admin, f.mb.ID)
			return err == nil && st.State == model.MailboxIdle && st.Idle && st.LastSuccessAt != nil
		})

		raw := mail("New Customer <new@client.example>", "Urgent", "The server is down.")
		id := strings.Trim(headerValue(raw, "Message-ID"), "<>")
		start := time.Now()
		appendMail(t, c, folder, raw)
		waitFor(t, 10*time.Second, "request", func() bool { return f.requestFor(id) != nil })
		t.Logf("APPEND to committed request: %v", time.Since(start))
		if acks := f.acksOf(*f.requestFor(id).RequestID); len(acks) != 1 {
			t.Errorf("%d acknowledgements", len(acks))
		}
		if err := e.FetchNow(ctx, f.mb.ID); err != nil {
			t.Errorf("fetch now: %v", err)
		}

		if _, err := s.UpdateMailbox(admin, testBox(t), f.mb.ID, 0, func(m *model.Mailbox) error { m.Active = false; return nil }); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "stop", func() bool { return len(e.Statuses()) == 0 })
		if err := e.FetchNow(ctx, f.mb.ID); model.ErrorCode(err) != model.ENOTFOUND {
			t.Errorf("fetch now of an inactive mailbox: %v", err)
		}
	})
}

// TestDovecotRestartMidBatch: the pipeline fails in the middle of a batch
// (the blob store refuses a write), the engine stops there and waits to
// retry, is shut down, and a new engine finishes the batch from the
// store's checkpoint: every message ends accounted for once, every new
// request acknowledged once.
func TestDovecotRestartMidBatch(t *testing.T) {
	requireDovecot(t)
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		f.p = f.pipeline(Config{Limits: noLimits})
		c := imapClient(t)
		folder := newFolder(t, c, "restart")
		batch := make([][]byte, 40)
		for i := range batch {
			batch[i] = typicalMail(i)
			appendMail(t, c, folder, batch[i])
		}
		f.readFromDovecot(folder)
		ctx := context.Background()
		checkpoint := func() uint32 {
			cp, err := f.p.Checkpoint(ctx, f.mb.ID, folder)
			if err != nil {
				t.Fatal(err)
			}
			return cp.LastUID
		}
		var raws atomic.Int32
		f.blobs.fail = func(_ int64, name string) error {
			if name == "message.eml" && raws.Add(1) == 20 {
				return errInjected
			}
			return nil
		}
		e, err := StartEngine(ctx, EngineConfig{Store: s, Box: testBox(t), Pipeline: f.p, Reload: time.Hour, Logger: f.p.log})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, time.Minute, "the failure", func() bool {
			st := e.Statuses()
			return len(st) == 1 && st[0].State == "error"
		})
		e.Close()
		if got := checkpoint(); got != 19 {
			t.Fatalf("stopped at UID %d, want 19 (before the failed message)", got)
		}
		f.startEngine()
		waitFor(t, time.Minute, "the rest of the batch", func() bool { return checkpoint() == uint32(len(batch)) })
		got := f.accountFor(batch)
		if got.Requests != len(batch) || got.Acks != len(batch) || got.Quarantined != 0 {
			t.Errorf("after the restart: %+v", got)
		}
	})
}

// TestEngineRefusedLogin: a wrong password stops the supervisor with
// auth_failed in the store; new settings start it again.
func TestEngineRefusedLogin(t *testing.T) {
	requireDovecot(t)
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		folder := newFolder(t, imapClient(t), "auth")
		f.readFromDovecot(folder)
		var err error
		f.mb, err = s.UpdateMailbox(admin, testBox(t), f.mb.ID, 0, func(m *model.Mailbox) error { m.Password = "wrong"; return nil })
		if err != nil {
			t.Fatal(err)
		}
		f.startEngine()
		status := func(state string) func() bool {
			return func() bool {
				st, err := s.MailboxStatus(admin, f.mb.ID)
				return err == nil && st.State == state
			}
		}
		waitFor(t, 10*time.Second, "auth_failed", status(model.MailboxAuthFailed))
		f.readFromDovecot(folder)
		waitFor(t, 10*time.Second, "idle after the fix", func() bool {
			st, err := s.MailboxStatus(admin, f.mb.ID)
			return err == nil && st.State == model.MailboxIdle && st.Idle
		})
	})
}

// TestMailboxCheck: the check behind `rapport mailbox test` logs in with a
// mailbox's settings, finds its folders and IDLE, names a folder the
// server lacks, and reports a refused password.
func TestMailboxCheck(t *testing.T) {
	requireDovecot(t)
	folder := newFolder(t, imapClient(t), "check")
	m := &model.Mailbox{Name: "Check", IMAPHost: "127.0.0.1", IMAPPort: dovecotPort, IMAPTLS: model.TLSPlain, Username: dovecotUser,
		Auth: model.MailAuthPassword, Folders: []string{"INBOX", folder}, AfterProcessing: model.MailAfterLeave}
	ctx := context.Background()
	res, err := TestMailbox(ctx, m, store.MailboxSecrets{Password: dovecotPass})
	if err != nil || !res.Idle || len(res.Missing) != 0 {
		t.Fatalf("check: %+v %v", res, err)
	}
	m.Folders = []string{"Nowhere"}
	if _, err := TestMailbox(ctx, m, store.MailboxSecrets{Password: dovecotPass}); model.ErrorCode(err) != model.ENOTFOUND || !strings.Contains(err.Error(), "Nowhere") {
		t.Errorf("a missing folder: %v", err)
	}
	if _, err := TestMailbox(ctx, m, store.MailboxSecrets{Password: "wrong"}); err == nil || !strings.Contains(err.Error(), "authentication failed") {
		t.Errorf("a wrong password: %v", err)
	}
}
