package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/gorilla/mux"
	"github.com/riverqueue/river"

	"rapport/connectors/blobstore"
	"rapport/connectors/mail/mailmsg"
	"rapport/connectors/mail/mailout"
	"rapport/connectors/mail/mailout/smtptest"
	"rapport/connectors/queue"
	"rapport/hub/inbound"
	"rapport/hub/merge"
	"rapport/hub/outmail"
	"rapport/model"
	"rapport/model/secret"
	"rapport/model/store"
	"rapport/model/storetest"
)

// mailRig is sending mail as serve wires it, on a real queue, delivering to
// an in-process SMTP server that wants the login agent/secret.
type mailRig struct {
	t     *testing.T
	s     *store.Store
	ctx   context.Context // the system
	smtp  *smtptest.Server
	blobs blobstore.Store
	box   *secret.Box
	jobs  *mailJobs
}

func newMailRig(t *testing.T, s *store.Store, rcpt func(to string) error) *mailRig {
	t.Helper()
	ctx := model.WithActor(context.Background(), model.System)
	if err := queue.Migrate(ctx, s); err != nil {
		t.Fatal(err)
	}
	srv := smtptest.Start(t, smtptest.Options{Username: "agent", Password: "secret", Rcpt: rcpt})
	blobs, err := blobstore.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	key := bytes.Repeat([]byte{7}, secret.KeySize)
	box, err := secret.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	keys := mailKeys{messageID: secret.DeriveKey(key, messageIDPurpose), unsubscribe: secret.DeriveKey(key, inbound.UnsubscribePurpose)}
	st := mailSettings{from: model.MailAddress{Name: "Rapport", Email: "crm@example.com"},
		fallback: &mailout.Server{Host: srv.Host, Port: srv.Port, TLS: mailout.TLSStartTLS, Username: "agent", Password: "secret"}}
	docs := merge.New(merge.Config{Store: s, Blobs: blobAdapter{blobs}, DefaultLocale: "en-GB"})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	j := newMailJobs(s, blobs, box, keys, st, docs, "https://crm.example.com", log)
	j.sender.tlsConfig = &tls.Config{RootCAs: srv.Roots}
	workers := river.NewWorkers()
	j.register(workers)
	q, err := queue.New(ctx, queue.Config{Store: s, Workers: workers, PollInterval: 20 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		t.Fatal(err)
	}
	j.queue = q
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Stop(ctx)
	})
	return &mailRig{t: t, s: s, ctx: ctx, smtp: srv, blobs: blobs, box: box, jobs: j}
}

// agent makes a user and returns a context acting as them.
func (r *mailRig) agent() context.Context {
	r.t.Helper()
	u := &model.User{Email: "agent@example.com", Name: "Alice Agent", Role: model.RoleAgent}
	if err := r.s.CreateUser(r.ctx, u, ""); err != nil {
		r.t.Fatal(err)
	}
	a, err := r.s.ActorFor(r.ctx, u, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	return model.WithActor(context.Background(), a)
}

// mailbox adds the Support mailbox, which sends through the rig's server
// with its own (sealed) SMTP login.
func (r *mailRig) mailbox() *model.Mailbox {
	r.t.Helper()
	mb := &model.Mailbox{Name: "Support", IMAPHost: "imap.example.com", Username: "support@example.com", Password: "imap",
		FromAddress: "support@example.com", FromName: "Support", SMTPHost: r.smtp.Host, SMTPPort: r.smtp.Port,
		SMTPTLS: model.TLSStartTLS, SMTPUsername: "agent", SMTPPassword: "secret", Active: true}
	if err := r.s.CreateMailbox(r.ctx, r.box, mb); err != nil {
		r.t.Fatal(err)
	}
	return mb
}

// ingest stores an incoming message read from mb.
func (r *mailRig) ingest(mb *model.Mailbox, uid uint32, in model.MailIngest) *model.MailMessage {
	r.t.Helper()
	in.MailboxID, in.Folder, in.UIDValidity, in.UID = mb.ID, "INBOX", 1, uid
	in.SHA256, in.Size, in.Date = strings.Repeat(string(rune('a'+uid)), 64), 100, time.Now()
	if in.Decision.Kind == "" {
		in.Decision.Kind = model.MailKindMail
	}
	msg, _, err := r.s.IngestMail(r.ctx, &in)
	if err != nil {
		r.t.Fatal(err)
	}
	return msg
}

// wait polls an outbox mail until ok says so.
func (r *mailRig) wait(id string, what string, ok func(*model.OutboundMail) bool) *model.OutboundMail {
	r.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		m, err := store.Get[model.OutboundMail](r.ctx, r.s, id)
		if err != nil {
			r.t.Fatal(err)
		}
		if ok(m) {
			return m
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("mail %s never got %s: %s after %d attempts (%s)", id, what, m.Status, m.Attempts, m.LastError)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func sentOK(m *model.OutboundMail) bool { return m.Status == model.OutboundSent }

// parse reads a captured mail.
func parse(t *testing.T, data []byte) *mailmsg.Parsed {
	t.Helper()
	p, err := mailmsg.Parse(bytes.NewReader(data), mailmsg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestReplyIsDeliveredInThread answers a customer's two mails: the reply
// goes out through the request's mailbox with its own login, carries our
// signed Message-ID, answers the customer's last mail with the whole
// thread in References, carries the attached file, and moves the request.
func TestReplyIsDeliveredInThread(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newMailRig(t, s, nil)
		agent := r.agent()
		mb := r.mailbox()
		first := r.ingest(mb, 1, model.MailIngest{MessageID: "cust-1@example.org", Subject: "Printer broken",
			From: model.MailAddress{Name: "Anna Petrova", Email: "anna@example.org"}, Text: "It does not print."})
		r.ingest(mb, 2, model.MailIngest{MessageID: "cust-2@example.org", InReplyTo: []string{"cust-1@example.org"},
			References: []string{"cust-1@example.org"}, Subject: "RE: Printer broken", Text: "Still broken.",
			From: model.MailAddress{Name: "Anna Petrova", Email: "anna@example.org"}})
		reqID := *first.RequestID
		info, err := r.blobs.Put(r.ctx, strings.NewReader("%PDF-1.4 manual"), "manual.pdf", 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		att := &model.Attachment{RecordType: "request", RecordID: reqID, Filename: "Руководство.pdf", ContentType: "application/pdf",
			Size: info.Size, SHA256: info.SHA256}
		if err := store.Create(r.ctx, s, att); err != nil {
			t.Fatal(err)
		}

		out, err := r.jobs.composer.Reply(agent, reqID, outmail.Reply{Text: "Please restart it.", HTML: "<p>Please <b>restart</b> it.</p>",
			Cc: []model.MailAddress{{Email: "boss@example.org"}}, Attachments: []string{att.ID}, Status: model.RequestPendingCustomer})
		if err != nil {
			t.Fatal(err)
		}
		sent := r.wait(out.ID, "sent", sentOK)
		if sent.Attempts != 1 || sent.SentAt == nil {
			t.Errorf("sent after %d attempts at %v", sent.Attempts, sent.SentAt)
		}
		mails := r.smtp.Mails()
		if len(mails) != 1 || mails[0].From != "support@example.com" || !slices.Equal(mails[0].To, []string{"anna@example.org", "boss@example.org"}) {
			t.Fatalf("captured %+v", mails)
		}
		p := parse(t, mails[0].Data)
		req, _ := store.Get[model.Request](r.ctx, s, reqID)
		tokens := mailmsg.Tokens{Key: r.jobs.keys.messageID}
		if ref, ok := tokens.Verify(p.MessageID); !ok || ref != "r-"+reqID || !strings.HasSuffix(p.MessageID, "@example.com") {
			t.Errorf("Message-ID %q is not ours for the request (%q %v)", p.MessageID, ref, ok)
		}
		if want := "Re: [" + req.Number + "] Printer broken"; p.Subject != want {
			t.Errorf("subject %q, want %q", p.Subject, want)
		}
		if !slices.Equal(p.InReplyTo, []string{"cust-2@example.org"}) || !slices.Equal(p.References, []string{"cust-1@example.org", "cust-2@example.org"}) {
			t.Errorf("threading: In-Reply-To %v, References %v", p.InReplyTo, p.References)
		}
		if len(p.Attachments) != 1 || p.Attachments[0].Filename != "Руководство.pdf" || !strings.Contains(p.HTML, "restart") {
			t.Errorf("attachments %+v, html %q", p.Attachments, p.HTML)
		}
		if p.Header.Get("Auto-Submitted") != "" || p.From.Email != "support@example.com" || p.From.Name != "Support" {
			t.Errorf("an agent's reply is a person's mail from the mailbox: %q %+v", p.Header.Get("Auto-Submitted"), p.From)
		}
		if req.FirstResponseAt == nil || req.Status != model.RequestPendingCustomer {
			t.Errorf("request after the reply: %s, first response %v", req.Status, req.FirstResponseAt)
		}
		acts, err := store.List[model.Activity](r.ctx, s, store.ListParams{Equals: map[string]string{"kind": model.KindEmail, "status": "sent"}})
		if err != nil || len(acts.Items) != 1 || acts.Items[0].Subject != p.Subject {
			t.Errorf("timeline: %v %v", acts.Items, err)
		}
	})
}

// TestRefusedAndGreylistedMail sends through the hub's own server: a mail
// the server refuses with 550 fails at once and is not tried again; one it
// answers 451 goes back to the queue and is sent on the next attempt.
func TestRefusedAndGreylistedMail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		var mu sync.Mutex
		greylisted := 0
		r := newMailRig(t, s, func(to string) error {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case to == "gone@example.org":
				return smtptest.ErrUnknownUser
			case to == "later@example.org" && greylisted == 0:
				greylisted++
				return smtptest.ErrTryLater
			}
			return nil
		})
		queueMail := func(to string) *model.OutboundMail {
			id, err := r.jobs.mint("t-"+strings.Split(to, "@")[0], "example.com")
			if err != nil {
				t.Fatal(err)
			}
			m := &model.OutboundMail{From: r.jobs.settings.from, To: []model.MailAddress{{Email: to}}, Subject: "Hello",
				Text: "Hello.", MessageID: id}
			if err := s.QueueMail(r.ctx, m, r.jobs.enqueueMail); err != nil {
				t.Fatal(err)
			}
			return m
		}
		gone, later := queueMail("gone@example.org"), queueMail("later@example.org")

		failed := r.wait(gone.ID, "failed", func(m *model.OutboundMail) bool { return m.Status == model.OutboundFailed })
		if failed.Attempts != 1 || !strings.Contains(failed.LastError, "refused every recipient") {
			t.Errorf("refused mail: %d attempts, %q", failed.Attempts, failed.LastError)
		}
		retry := r.wait(later.ID, "back in the queue", func(m *model.OutboundMail) bool { return m.Attempts == 1 && m.Status != model.OutboundSending })
		if retry.Status != model.OutboundQueued || !strings.Contains(retry.LastError, "451") {
			t.Errorf("greylisted mail after its first attempt: %s %q", retry.Status, retry.LastError)
		}
		sent := r.wait(later.ID, "sent", sentOK)
		if sent.Attempts != 2 || sent.LastError != "" {
			t.Errorf("greylisted mail sent after %d attempts (%q)", sent.Attempts, sent.LastError)
		}
		if again, _ := store.Get[model.OutboundMail](r.ctx, s, gone.ID); again.Attempts != 1 || again.Status != model.OutboundFailed {
			t.Errorf("the refused mail was tried again: %d attempts, %s", again.Attempts, again.Status)
		}
		if mails := r.smtp.Mails(); len(mails) != 1 || mails[0].To[0] != "later@example.org" {
			t.Errorf("delivered %+v", mails)
		}
	})
}

// TestDKIMSignaturesVerify signs with RSA (PKCS#8 and PKCS#1) and Ed25519
// keys read from PEM files and verifies what the server received against
// the TXT record serve tells the admin to publish.
func TestDKIMSignaturesVerify(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8 := func(k any) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	keys := map[string][]byte{"rsa": pkcs8(rsaKey), "ed25519": pkcs8(edKey),
		"rsa-pkcs1": pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)})}
	for name, data := range keys {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "dkim.pem")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			signer, err := (&mailOptions{dkimDomain: "Example.com", dkimSelector: "s1", dkimKey: path}).dkimSigner()
			if err != nil {
				t.Fatal(err)
			}
			srv := smtptest.Start(t, smtptest.Options{})
			d := &mailSender{settings: mailSettings{dkim: signer, fallback: &mailout.Server{Host: srv.Host, Port: srv.Port, TLS: mailout.TLSStartTLS}},
				tlsConfig: &tls.Config{RootCAs: srv.Roots}}
			m := &model.OutboundMail{From: model.MailAddress{Email: "crm@example.com"}, To: []model.MailAddress{{Email: "anna@example.org"}},
				Subject: "Signed", Text: "Körper mit Umlauten.\n", MessageID: "t.1@example.com"}
			if _, err := d.deliver(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			record, value := dkimRecord(signer)
			lookups := 0
			vs, err := dkim.VerifyWithOptions(bytes.NewReader(srv.Mails()[0].Data), &dkim.VerifyOptions{LookupTXT: func(domain string) ([]string, error) {
				lookups++
				if domain != record {
					t.Errorf("looked up %q, want %q", domain, record)
				}
				return []string{value}, nil
			}})
			if err != nil || len(vs) != 1 || vs[0].Err != nil || vs[0].Domain != "example.com" || lookups != 1 {
				t.Fatalf("verifications %+v, %v (%d lookups)", vs, err, lookups)
			}
		})
	}

	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for name, data := range map[string][]byte{"ecdsa": pkcs8(ecKey), "short rsa": []byte(weakRSA), "not pem": []byte("key"),
		"certificate": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}})} {
		if _, err := parseDKIMKey(data); err == nil {
			t.Errorf("%s: accepted as a DKIM key", name)
		}
	}
	if _, err := (&mailOptions{dkimDomain: "example.com", dkimSelector: "s1"}).dkimSigner(); err == nil {
		t.Error("a DKIM domain without a key was accepted")
	}
}

// TestMailingSkipsUnsubscribedAndBounced mails a list whose members are a
// customer, one whose address hard-bounced (the ingest's suppression), one
// who unsubscribed and one without an address: only the first gets mail,
// with the one-click unsubscribe link that then takes them off the next
// mailing.
func TestMailingSkipsUnsubscribedAndBounced(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newMailRig(t, s, nil)
		agent := r.agent()
		contact := func(first, email string) *model.Contact {
			c := &model.Contact{FirstName: first, LastName: "Test"}
			if email != "" {
				c.Emails = []model.Labeled{{Type: "work", Value: email}}
			}
			if err := store.Create(r.ctx, s, c); err != nil {
				t.Fatal(err)
			}
			return c
		}
		anna, bob, carl, dora := contact("Anna", "anna@example.org"), contact("Bob", "bob@example.org"),
			contact("Carl", "carl@example.org"), contact("Dora", "")
		list := &model.MailingList{Name: "Newsletter"}
		if err := store.Create(r.ctx, s, list); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddListMembers(r.ctx, list.ID, []string{anna.ID, bob.ID, carl.ID, dora.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetUnsubscribed(r.ctx, carl.ID, true); err != nil {
			t.Fatal(err)
		}
		// Bob's address bounced for good: the ingest suppresses it.
		bounce := r.ingest(r.mailbox(), 1, model.MailIngest{MessageID: "dsn-1@mx.example.org", Subject: "Undelivered Mail Returned to Sender",
			From: model.MailAddress{Email: "mailer-daemon@mx.example.org"}, Decision: model.MailDecision{Kind: model.MailKindBounce,
				Bounce: &model.MailBounce{Format: "dsn", Recipients: []model.MailBounceRecipient{{Address: "bob@example.org",
					Action: "failed", Status: "5.1.1", Hard: true}}}}})
		if bounce.Outcome != model.MailOutcomeBounce {
			t.Fatalf("bounce ingested as %s", bounce.Outcome)
		}
		tmpl := r.mailTemplate(agent, "Hello {contact.first_name}!\n", "News for {contact.first_name}")

		id := r.startMailing(agent, list.ID, tmpl)
		st := r.waitMailing(id)
		if p := st.Progress; st.State != outmail.MailingDone || p.Members != 3 || p.Queued != 1 || p.Suppressed != 1 || p.NoAddress != 1 || p.Failed != 0 {
			t.Fatalf("mailing %+v", st)
		}
		outbox, err := store.List[model.OutboundMail](r.ctx, s, store.ListParams{Equals: map[string]string{"template_id": tmpl}})
		if err != nil || len(outbox.Items) != 2 {
			t.Fatalf("outbox %v %v", outbox.Items, err)
		}
		var annas *model.OutboundMail
		for _, m := range outbox.Items {
			switch *m.ContactID {
			case anna.ID:
				annas = m
			case bob.ID:
				if m.Status != model.OutboundSuppressed {
					t.Errorf("mail to the bounced address is %s", m.Status)
				}
			}
		}
		r.wait(annas.ID, "sent", sentOK)
		mails := r.smtp.Mails()
		if len(mails) != 1 || mails[0].To[0] != "anna@example.org" || mails[0].From != "crm@example.com" {
			t.Fatalf("delivered %+v", mails)
		}
		p := parse(t, mails[0].Data)
		link := inbound.UnsubscribeURL("https://crm.example.com", r.jobs.keys.unsubscribe, anna.ID)
		if p.Subject != "News for Anna" || strings.TrimSpace(p.Text) != "Hello Anna!" || p.Header.Get("Auto-Submitted") != "auto-generated" ||
			p.Header.Get("List-Unsubscribe") != "<"+link+">" || p.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Fatalf("mailing mail: %q %q auto=%q unsubscribe=%q", p.Subject, p.Text, p.Header.Get("Auto-Submitted"), p.Header.Get("List-Unsubscribe"))
		}

		// One click on the link, as a mail client does it (RFC 8058), and
		// the next mailing leaves Anna out.
		router := mux.NewRouter()
		inbound.New(inbound.Config{Store: s, UnsubscribeKey: r.jobs.keys.unsubscribe}).Mount(router)
		req := httptest.NewRequest(http.MethodPost, strings.TrimPrefix(link, "https://crm.example.com"), strings.NewReader("List-Unsubscribe=One-Click"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		router.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("one-click unsubscribe: %d %s", rec.Code, rec.Body)
		}
		st = r.waitMailing(r.startMailing(agent, list.ID, tmpl))
		if p := st.Progress; p.Members != 2 || p.Queued != 0 || p.Suppressed != 1 || p.NoAddress != 1 {
			t.Fatalf("second mailing %+v", st)
		}
	})
}

// mailTemplate stores a text mail template for contacts.
func (r *mailRig) mailTemplate(ctx context.Context, body, subject string) string {
	r.t.Helper()
	info, err := r.blobs.Put(ctx, strings.NewReader(body), "news.txt", 1<<20)
	if err != nil {
		r.t.Fatal(err)
	}
	t := &model.DocumentTemplate{Name: "News", RecordType: "contact", Subject: subject}
	if err := r.s.CreateTemplate(ctx, t, store.TemplateFile{Format: model.TemplateText, Filename: "news.txt",
		ContentType: "text/plain; charset=utf-8", Size: info.Size, SHA256: info.SHA256}); err != nil {
		r.t.Fatal(err)
	}
	return t.ID
}

// startMailing starts a mailing as the API does: checked, then enqueued.
func (r *mailRig) startMailing(ctx context.Context, listID, templateID string) int64 {
	r.t.Helper()
	m := outmail.Mailing{ListID: listID, TemplateID: templateID, UserID: model.ActorFrom(ctx).UserID}
	if err := r.jobs.composer.CheckMailing(ctx, m); err != nil {
		r.t.Fatal(err)
	}
	var id int64
	if err := r.s.WithTx(ctx, func(ctx context.Context) error {
		var err error
		id, err = r.jobs.Start(ctx, m)
		return err
	}); err != nil {
		r.t.Fatal(err)
	}
	return id
}

// waitMailing polls a mailing until it has finished.
func (r *mailRig) waitMailing(id int64) *outmail.MailingStatus {
	r.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, err := r.jobs.Status(r.ctx, id)
		if err != nil {
			r.t.Fatal(err)
		}
		if st.State == outmail.MailingDone || st.State == outmail.MailingFailed {
			return st
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("mailing %d still %s: %+v", id, st.State, st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// weakRSA is a 512-bit RSA key (openssl genpkey): Go will not make one,
// and DKIM verifiers ignore its signatures.
const weakRSA = `-----BEGIN PRIVATE KEY-----
MIIBVAIBADANBgkqhkiG9w0BAQEFAASCAT4wggE6AgEAAkEAs7m4Mmw2cizjvpSE
xwCFzeoR6Xx51gpMbokrapLsPiFh2LBWLmPaI7OQQe+kWAkj3QI5dxknsInQOeb0
xU80vQIDAQABAkA0ibf01XldCw5Qae4elmKG/UPbM04SadRKA8MzVlvFFVNsUS3Y
RLjYxToJIhJAjGx3CVu3nHAO8T4PTX9jC1RpAiEA5S1ZST6W6EdF7L0voRCpu8B5
S/Op8DV5wSUTVjd4OUcCIQDIwrCT2kCmUN5hnA2M9VgfuGXvPNMXywHGOKvDUhKj
2wIhAMeVMLa6zU1IFLtRHtOT4V1jB79/WjWZPIlaMnbZI9gtAiAsIU+7UHCBnqkj
f7Ai2hOC9X/CtPYZ9s/vCKoJB1N9nQIgfJcw3eQhqQoFV/Hg9xHOp3/Ce1KiIBcI
WnaHEsR4D48=
-----END PRIVATE KEY-----
`
