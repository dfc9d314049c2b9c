package ingest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rapport/connectors/mail/mailin"
	"rapport/connectors/mail/mailmsg"
	"rapport/model"
	"rapport/model/secret"
	"rapport/model/store"
	"rapport/model/storetest"
	"rapport/templates/builtin"
)

func TestMain(m *testing.M) {
	code := m.Run()
	stopDovecot()
	storetest.Cleanup()
	os.Exit(code)
}

// dirBlobs is a content-addressed blob store in a directory, durable like
// connectors/blobstore's local store (temp file, fsync, rename), with a
// hook that fails chosen puts.
type dirBlobs struct {
	dir  string
	puts atomic.Int64
	// fail, when set, is asked before each put (numbered from 1) and
	// fails it with the error it returns.
	fail func(n int64, filename string) error
}

func newDirBlobs(t testing.TB) *dirBlobs {
	return &dirBlobs{dir: t.TempDir()}
}

var errInjected = errors.New("injected failure")

func (b *dirBlobs) Put(ctx context.Context, r io.Reader, filename string, maxBytes int64) (string, int64, error) {
	n := b.puts.Add(1)
	if b.fail != nil {
		if err := b.fail(n, filename); err != nil {
			return "", 0, err
		}
	}
	f, err := os.CreateTemp(b.dir, "put-*")
	if err != nil {
		return "", 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(r, maxBytes+1))
	switch {
	case err != nil:
		return "", 0, fmt.Errorf("dirblobs: %w", err)
	case size > maxBytes:
		return "", 0, model.Errorf(model.ETOOLARGE, "more than %d bytes", maxBytes)
	}
	sha := hex.EncodeToString(h.Sum(nil))
	dst := filepath.Join(b.dir, sha)
	if _, err := os.Stat(dst); err == nil {
		return sha, size, nil // stored already
	}
	if err := f.Sync(); err != nil {
		return "", 0, err
	}
	if err := os.Rename(f.Name(), dst); err != nil {
		return "", 0, err
	}
	d, err := os.Open(b.dir)
	if err != nil {
		return "", 0, err
	}
	defer d.Close()
	return sha, size, d.Sync()
}

func (b *dirBlobs) Open(_ context.Context, sha string) (io.ReadCloser, error) {
	f, err := os.Open(filepath.Join(b.dir, filepath.Base(sha)))
	if errors.Is(err, os.ErrNotExist) {
		return nil, model.Errorf(model.ENOTFOUND, "blob %s not found", sha)
	}
	return f, err
}

// enqueuer records the deliveries queued; fail, when set, fails them.
type enqueuer struct {
	s    *store.Store
	mu   sync.Mutex
	ids  []string
	fail func(id string) error
}

func (e *enqueuer) enqueue(ctx context.Context, id string) error {
	if _, ok := e.s.SQLTx(ctx); !ok {
		return errors.New("enqueue outside a transaction")
	}
	if e.fail != nil {
		if err := e.fail(id); err != nil {
			return err
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ids = append(e.ids, id)
	return nil
}

// serverKey is the tests' server key.
var serverKey = bytes.Repeat([]byte{7}, secret.KeySize)

func testBox(t testing.TB) *secret.Box {
	box, err := secret.NewBox(serverKey)
	if err != nil {
		t.Fatal(err)
	}
	return box
}

// testTokens are the Message-ID tokens of the server key.
func testTokens() *mailmsg.Tokens {
	return &mailmsg.Tokens{Key: secret.DeriveKey(serverKey, "message-id")}
}

// fixture is a store with a queue, a mailbox reading into it, the
// built-in acknowledgement templates installed, and a pipeline.
type fixture struct {
	t     testing.TB
	s     *store.Store
	blobs *dirBlobs
	enq   *enqueuer
	mb    *model.Mailbox
	queue *model.Queue
	p     *Pipeline
	uid   uint32
}

var admin = model.WithActor(context.Background(), model.System)

func newFixture(t testing.TB, s *store.Store) *fixture {
	t.Helper()
	f := &fixture{t: t, s: s, blobs: newDirBlobs(t), enq: &enqueuer{s: s}}
	f.queue = &model.Queue{Name: "Support", Active: true}
	if err := store.Create(admin, s, f.queue); err != nil {
		t.Fatal(err)
	}
	f.mb = &model.Mailbox{Name: "Support", IMAPHost: "127.0.0.1", IMAPTLS: model.TLSPlain, Username: "support", Password: "secret",
		QueueID: &f.queue.ID, FromAddress: "support@rapport.example", FromName: "Rapport Support", SMTPHost: "smtp.rapport.example", Active: true}
	if err := s.CreateMailbox(admin, testBox(t), f.mb); err != nil {
		t.Fatal(err)
	}
	f.installAckTemplates()
	f.p = f.pipeline(Config{})
	return f
}

// pipeline is a pipeline over the fixture's store, blobs and queue with
// cfg's other settings.
func (f *fixture) pipeline(cfg Config) *Pipeline {
	f.t.Helper()
	cfg.Store, cfg.Blobs, cfg.Enqueue, cfg.Tokens = f.s, f.blobs, f.enq.enqueue, testTokens()
	cfg.Company.Name = "Rapport Ltd"
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	p, err := New(cfg)
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

// installAckTemplates installs the built-in acknowledgements as serve
// does.
func (f *fixture) installAckTemplates() {
	var list []store.BuiltinTemplate
	for _, b := range builtin.All() {
		if b.RecordType != "request" {
			continue
		}
		sha, size, err := f.blobs.Put(admin, bytes.NewReader(b.Content), b.Filename, 1<<20)
		if err != nil {
			f.t.Fatal(err)
		}
		list = append(list, store.BuiltinTemplate{Key: b.Key, Name: b.Name, RecordType: b.RecordType, Locale: b.Locale, Subject: b.Subject,
			File: store.TemplateFile{Format: b.Format, Filename: b.Filename, ContentType: "text/plain; charset=utf-8", Size: size, SHA256: sha}})
	}
	if len(list) != 4 {
		f.t.Fatalf("%d built-in request templates, want the HTML and text acknowledgements in two languages", len(list))
	}
	if _, err := f.s.InstallBuiltinTemplates(admin, list); err != nil {
		f.t.Fatal(err)
	}
}

// message is raw as fetched from the fixture's INBOX at the next UID.
func (f *fixture) message(raw []byte) mailin.Message {
	f.uid++
	return f.at(f.uid, raw)
}

// at is raw as fetched from the fixture's INBOX at uid.
func (f *fixture) at(uid uint32, raw []byte) mailin.Message {
	return mailin.Message{Mailbox: f.mb.ID, Folder: "INBOX", UIDValidity: 1, UID: uid, Size: int64(len(raw)),
		InternalDate: time.Now(), Body: bytes.NewReader(raw)}
}

// handle ingests raw at the next UID and returns its log entry (nil when
// none was written).
func (f *fixture) handle(raw []byte) *model.MailMessage {
	f.t.Helper()
	m := f.message(raw)
	if err := f.p.Handle(context.Background(), m); err != nil {
		f.t.Fatalf("UID %d: %v", m.UID, err)
	}
	return f.byUID(m.UID)
}

// byUID is the log entry of a UID of INBOX, or nil.
func (f *fixture) byUID(uid uint32) *model.MailMessage {
	f.t.Helper()
	for _, m := range all[model.MailMessage](f.t, f.s, nil) {
		if m.Folder == "INBOX" && m.UID == uid {
			return m
		}
	}
	return nil
}

// all lists every live record of type T matching equals.
func all[T any, P store.RecordPtr[T]](t testing.TB, s *store.Store, equals map[string]string) []P {
	t.Helper()
	var out []P
	p := store.ListParams{Limit: 200, Equals: equals}
	for {
		page, err := store.List[T, P](admin, s, p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Items...)
		if p.Cursor = page.NextCursor; p.Cursor == "" {
			return out
		}
	}
}

// acksOf lists the acknowledgements queued for a request.
func (f *fixture) acksOf(requestID string) []*model.OutboundMail {
	return all[model.OutboundMail](f.t, f.s, map[string]string{"request_id": requestID, "auto_submitted": "auto-replied"})
}

// mail is a person's plain mail.
func mail(from, subject, body string, headers ...string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: support@rapport.example\r\nSubject: %s\r\n", from, subject)
	fmt.Fprintf(&b, "Date: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <%s@customer.example>\r\n", randomID())
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n")
	return b.Bytes()
}

func randomID() string {
	var r [8]byte
	_, _ = rand.Read(r[:])
	return hex.EncodeToString(r[:])
}

// headerValue is a header field of raw, unfolded.
func headerValue(raw []byte, name string) string {
	head, _, _ := strings.Cut(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n\n")
	for _, line := range strings.Split(head, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
