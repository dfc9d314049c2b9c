package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/secret"
	"rapport/model/store"
	"rapport/model/storetest"
)

func testBox(t testing.TB) *secret.Box {
	t.Helper()
	box, err := secret.NewBox(bytes.Repeat([]byte{42}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return box
}

// mailFixture is a queue, a mailbox feeding it, and helpers to ingest mail.
type mailFixture struct {
	t     testing.TB
	s     *store.Store
	queue *model.Queue
	mb    *model.Mailbox
	uid   uint32
}

func newMailFixture(t testing.TB, s *store.Store) *mailFixture {
	t.Helper()
	q := &model.Queue{Name: "Support", Active: true}
	if err := store.Create(salesAdmin, s, q); err != nil {
		t.Fatal(err)
	}
	mb := &model.Mailbox{Name: "Support", IMAPHost: "imap.example.com", Username: "support@rapport.example", Password: "imap-secret",
		QueueID: &q.ID, FromAddress: "support@rapport.example", SMTPHost: "smtp.example.com", Active: true}
	if err := s.CreateMailbox(salesAdmin, testBox(t), mb); err != nil {
		t.Fatal(err)
	}
	return &mailFixture{t: t, s: s, queue: q, mb: mb}
}

func sha(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

// mail is a person's mail from sender, read at the next UID of INBOX.
func (f *mailFixture) mail(from, subject, text string) *model.MailIngest {
	f.uid++
	id := fmt.Sprintf("m%d.%s@mail.example", f.uid, strings.ReplaceAll(from, "@", "."))
	return &model.MailIngest{MailboxID: f.mb.ID, Folder: "INBOX", UIDValidity: 7, UID: f.uid, SHA256: sha(id + subject + text), Size: 2048,
		MessageID: "<" + id + ">", From: model.MailAddress{Name: "Ann Customer", Email: from}, To: []model.MailAddress{{Email: "support@rapport.example"}},
		Subject: subject, Text: text, HTML: "<p>" + text + "</p>", Date: time.Now().Add(-time.Minute),
		Decision: model.MailDecision{Kind: model.MailKindMail, Ack: true, Trace: []model.MailStep{{Name: "dedupe", Verdict: "pass"}}}}
}

func (f *mailFixture) ingest(in *model.MailIngest) *model.MailMessage {
	f.t.Helper()
	msg, dup, err := f.s.IngestMail(context.Background(), in)
	if err != nil || dup {
		f.t.Fatalf("ingest %q: dup %v, %v", in.Subject, dup, err)
	}
	return msg
}

func lastTrace(m *model.MailMessage) string { return m.Decision.Trace[len(m.Decision.Trace)-1].Reason }

func TestMailboxSecretsAreSealed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		box := testBox(t)
		f := newMailFixture(t, s)
		got, err := store.Get[model.Mailbox](salesAdmin, s, f.mb.ID)
		if err != nil || got.Password != "" || !slices.Equal(got.Secrets, []string{"password"}) || got.SecretsChangedAt == nil {
			t.Fatalf("%+v %v", got, err)
		}
		var raw []byte
		query := "SELECT password_sealed FROM mailboxes WHERE id = ?"
		if s.Engine() == "postgres" {
			query = strings.Replace(query, "?", "$1", 1)
		}
		if err := s.DB().QueryRow(query, f.mb.ID).Scan(&raw); err != nil ||
			raw[0] != 1 || bytes.Contains(raw, []byte("imap-secret")) {
			t.Fatalf("stored %x %v", raw, err)
		}
		open := func(id string) store.MailboxSecrets {
			m, err := store.Get[model.Mailbox](salesAdmin, s, id)
			if err != nil {
				t.Fatal(err)
			}
			sec, err := store.OpenMailboxSecrets(box, m)
			if err != nil {
				t.Fatal(err)
			}
			return sec
		}
		if sec := open(f.mb.ID); sec.Password != "imap-secret" {
			t.Fatalf("opened %+v", sec)
		}
		// Another setting keeps the secret; a new one is sealed and dated.
		m, err := s.UpdateMailbox(salesAdmin, box, f.mb.ID, 0, func(m *model.Mailbox) error { m.Name = "Desk"; return nil })
		if err != nil || !m.SecretsChangedAt.Equal(*got.SecretsChangedAt) || open(m.ID).Password != "imap-secret" {
			t.Fatalf("rename: %+v %v", m, err)
		}
		m, err = s.UpdateMailbox(salesAdmin, box, f.mb.ID, 0, func(m *model.Mailbox) error {
			m.Password, m.SMTPUsername, m.SMTPPassword = "new-secret", "support", "smtp-secret"
			return nil
		})
		if err != nil || m.Version != 3 || !m.SecretsChangedAt.After(*got.SecretsChangedAt) || !slices.Equal(m.Secrets, []string{"password", "smtp_password"}) {
			t.Fatalf("new password: %+v %v", m, err)
		}
		if sec := open(m.ID); sec.Password != "new-secret" || sec.SMTPPassword != "smtp-secret" {
			t.Fatalf("opened %+v", sec)
		}
		changes, _, _ := s.Changes(salesAdmin, 0, 1000)
		for _, c := range changes {
			if strings.Contains(string(c.Snapshot), "secret\"") || strings.Contains(fmt.Sprint(c.Fields), "new-secret") ||
				strings.Contains(fmt.Sprint(c.Fields), "sealed") {
				t.Fatalf("a secret reached the feed: %s %v", c.Snapshot, c.Fields)
			}
		}
		// A refresh token the provider rotates is kept without a new version.
		if err := s.SetMailboxRefreshToken(salesAdmin, box, m.ID, "rt"); model.ErrorCode(err) != model.ENOTFOUND {
			t.Fatalf("refresh token of a password mailbox: %v", err)
		}
		m, err = s.UpdateMailbox(salesAdmin, box, m.ID, 0, func(m *model.Mailbox) error {
			m.Auth, m.OAuthProvider, m.OAuthClientID, m.OAuthRefreshToken = "xoauth2", "gmail", "client", "rt-1"
			return nil
		})
		if err != nil || !slices.Equal(m.Secrets, []string{"smtp_password", "oauth_refresh_token"}) {
			t.Fatalf("to OAuth2: %+v %v", m, err)
		}
		if err := s.SetMailboxRefreshToken(salesAdmin, box, m.ID, "rt-2"); err != nil {
			t.Fatal(err)
		}
		if again, _ := store.Get[model.Mailbox](salesAdmin, s, m.ID); again.Version != m.Version || open(m.ID).OAuthRefreshToken != "rt-2" ||
			open(m.ID).Password != "" {
			t.Fatalf("rotated: version %d, %+v", again.Version, open(m.ID))
		}
		// A value sealed for one mailbox does not open for another.
		other, _ := store.Get[model.Mailbox](salesAdmin, s, m.ID)
		other.ID = model.NewID()
		if _, err := store.OpenMailboxSecrets(box, other); model.ErrorCode(err) != model.EINTERNAL {
			t.Fatalf("moved secret opened: %v", err)
		}
		// Only the mailbox operations seal; a generic write of a password is refused.
		if _, err := store.Update(salesAdmin, s, m.ID, 0, func(m *model.Mailbox) error { m.OAuthRefreshToken = "x"; return nil }); model.ErrorCode(err) != model.EINTERNAL {
			t.Fatalf("unsealed write: %v", err)
		}
		agent := newUser(t, s, "agent@example.com", model.RoleAgent)
		actx := model.WithActor(context.Background(), model.Actor{UserID: agent.ID, Name: agent.Name, Role: model.RoleAgent})
		if err := s.CreateMailbox(actx, box, &model.Mailbox{Name: "x", IMAPHost: "h", Username: "u", Password: "p"}); model.ErrorCode(err) != model.EFORBIDDEN {
			t.Fatalf("agent created a mailbox: %v", err)
		}
		if _, err := store.Get[model.Mailbox](actx, s, m.ID); err != nil {
			t.Fatalf("staff read mailboxes: %v", err)
		}
	})
}

func TestSchedulingMailboxIsUnique(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newMailFixture(t, s)
		box := testBox(t)
		if _, err := s.UpdateMailbox(salesAdmin, box, f.mb.ID, 0, func(m *model.Mailbox) error { m.Scheduling = true; return nil }); err != nil {
			t.Fatal(err)
		}
		second := &model.Mailbox{Name: "Sales", IMAPHost: "imap.example.com", Username: "sales", Password: "p", Scheduling: true, Active: true,
			FromAddress: "sales@rapport.example", SMTPHost: "smtp.example.com"}
		var e *model.Error
		if err := s.CreateMailbox(salesAdmin, box, second); !asError(err, &e) || e.Fields["scheduling"] == "" {
			t.Fatalf("two scheduling mailboxes: %v", err)
		}
		second.Active, second.Password = false, "p" // sealed (and cleared) by the failed create
		if err := s.CreateMailbox(salesAdmin, box, second); err != nil {
			t.Fatalf("an inactive one may wait: %v", err)
		}
	})
}

func TestMailboxStatusAndCheckpoints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newMailFixture(t, s)
		st, err := s.MailboxStatus(ctx, f.mb.ID)
		if err != nil || st.State != model.MailboxIdle {
			t.Fatalf("%+v %v", st, err)
		}
		seq, _ := s.LastSeq(ctx)
		at := time.Now().UTC().Truncate(time.Second)
		for _, st := range []model.MailboxStatus{
			{MailboxID: f.mb.ID, State: model.MailboxError, LastError: "dial tcp: refused", NextRetryAt: &at},
			{MailboxID: f.mb.ID, State: model.MailboxIdle, LastFetchAt: &at, LastSuccessAt: &at, Idle: true},
			{MailboxID: f.mb.ID, State: model.MailboxAuthFailed, LastError: "NO [AUTHENTICATIONFAILED] Invalid credentials", Idle: true},
		} {
			if err := s.SetMailboxStatus(ctx, st); err != nil {
				t.Fatal(err)
			}
		}
		st, _ = s.MailboxStatus(ctx, f.mb.ID)
		if st.State != model.MailboxAuthFailed || st.LastSuccessAt == nil || !st.LastSuccessAt.Equal(at) || !strings.Contains(st.LastError, "AUTHENTICATIONFAILED") ||
			st.NextRetryAt != nil || !st.Idle {
			t.Fatalf("%+v", st)
		}
		if after, _ := s.LastSeq(ctx); after != seq {
			t.Fatalf("status updates wrote %d feed rows", after-seq)
		}
		if err := s.SetMailboxStatus(ctx, model.MailboxStatus{MailboxID: f.mb.ID, State: "sleeping"}); model.ErrorCode(err) != model.EINVALID {
			t.Fatalf("bad state: %v", err)
		}
		// New settings let a mailbox stopped by its login try again.
		if _, err := s.UpdateMailbox(salesAdmin, testBox(t), f.mb.ID, 0, func(m *model.Mailbox) error { m.Password = "fixed"; return nil }); err != nil {
			t.Fatal(err)
		}
		if st, _ = s.MailboxStatus(ctx, f.mb.ID); st.State != model.MailboxIdle || st.LastError != "" {
			t.Fatalf("after fix %+v", st)
		}
		if _, err := s.MailboxStatus(ctx, model.NewID()); model.ErrorCode(err) != model.ENOTFOUND {
			t.Fatalf("unknown mailbox: %v", err)
		}

		cp, err := s.MailCheckpoint(ctx, f.mb.ID, "INBOX")
		if err != nil || cp.UIDValidity != 0 || cp.LastUID != 0 {
			t.Fatalf("%+v %v", cp, err)
		}
		for _, step := range []struct {
			validity, uid, want uint32
		}{{7, 10, 10}, {7, 4, 10}, {7, 4_000_000_000, 4_000_000_000}, {8, 3, 3}, {8, 0, 3}} {
			if err := s.AdvanceMailCheckpoint(ctx, f.mb.ID, "INBOX", step.validity, step.uid); err != nil {
				t.Fatal(err)
			}
			if cp, _ = s.MailCheckpoint(ctx, f.mb.ID, "INBOX"); cp.LastUID != step.want || cp.UIDValidity != step.validity {
				t.Fatalf("after %+v: %+v", step, cp)
			}
		}
		if cps, _ := s.MailCheckpoints(ctx, f.mb.ID); len(cps) != 1 || cps[0].Folder != "INBOX" {
			t.Fatalf("%+v", cps)
		}
	})
}

func TestIngestMailMakesRequestsAndThreads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newMailFixture(t, s)
		acme := &model.Account{Name: "Acme", Website: "https://www.acme.example/about"}
		if err := store.Create(salesAdmin, s, acme); err != nil {
			t.Fatal(err)
		}
		first := f.mail("ann@acme.example", "Printer on fire", "It is burning.")
		first.Parts = []model.MailPart{{SHA256: sha("pdf"), Filename: "manual.pdf", ContentType: "application/pdf", Size: 3},
			{SHA256: sha("png"), Filename: "../../etc/passwd.png", ContentType: "image/png", Size: 3, ContentID: "logo", Inline: true}}
		msg := f.ingest(first)
		if msg.Outcome != model.MailOutcomeRequest || !msg.AckDue || msg.RequestID == nil || msg.ActivityID == nil || msg.ContactID == nil {
			t.Fatalf("%+v", msg)
		}
		req, _ := store.Get[model.Request](salesAdmin, s, *msg.RequestID)
		c, _ := store.Get[model.Contact](salesAdmin, s, *msg.ContactID)
		if req.Channel != "mail" || deref(req.QueueID) != f.queue.ID || req.Subject != "Printer on fire" || req.Description != "It is burning." ||
			deref(req.ContactID) != c.ID || deref(req.AccountID) != acme.ID || c.DisplayName != "Ann Customer" || deref(c.AccountID) != acme.ID {
			t.Fatalf("request %+v contact %+v", req, c)
		}
		atts, _ := s.AttachmentsOf(salesAdmin, "request", req.ID)
		if len(atts) != 2 || atts[0].Filename != "manual.pdf" || atts[1].Filename != "attachment-2.png" ||
			msg.Attachments[1].AttachmentID != atts[1].ID || msg.Attachments[1].ContentID != "logo" {
			t.Fatalf("attachments %+v / %+v", atts, msg.Attachments)
		}
		if !strings.Contains(lastTrace(msg), "new request "+req.Number) || !strings.Contains(lastTrace(msg), "new contact") {
			t.Fatalf("trace %+v", msg.Decision.Trace)
		}
		if cp, _ := s.MailCheckpoint(ctx, f.mb.ID, "INBOX"); cp.LastUID != first.UID {
			t.Fatalf("checkpoint %+v", cp)
		}
		if ok, _ := s.BlobReferenced(ctx, first.SHA256); !ok {
			t.Fatal("the raw message's blob is not referenced")
		}
		body, err := s.MailBody(salesAdmin, msg.ID)
		if err != nil || body.HTML != "<p>It is burning.</p>" {
			t.Fatalf("body %+v %v", body, err)
		}

		// The same message again, at its place or elsewhere: nothing new.
		seq, _ := s.LastSeq(ctx)
		again, dup, err := s.IngestMail(ctx, first)
		moved := *first
		moved.UID = 99
		elsewhere, dup2, err2 := s.IngestMail(ctx, &moved)
		if err != nil || err2 != nil || !dup || !dup2 || again.ID != msg.ID || elsewhere.ID != msg.ID {
			t.Fatalf("duplicates: %v %v %v %v", dup, err, dup2, err2)
		}
		if after, _ := s.LastSeq(ctx); after != seq {
			t.Fatal("a duplicate wrote to the feed")
		}
		if cp, _ := s.MailCheckpoint(ctx, f.mb.ID, "INBOX"); cp.LastUID != 99 {
			t.Fatalf("a duplicate must still move the checkpoint: %+v", cp)
		}

		// A reply quoting our signed reference reopens a request waiting for the customer.
		if _, err := store.Update(salesAdmin, s, req.ID, 0, func(r *model.Request) error { r.Status = model.RequestPendingCustomer; return nil }); err != nil {
			t.Fatal(err)
		}
		reply := f.mail("ann@acme.example", "Re: Printer on fire", "Still burning.")
		reply.Decision.Thread.Refs = []string{"r-" + req.ID}
		m2 := f.ingest(reply)
		req, _ = store.Get[model.Request](salesAdmin, s, req.ID)
		if m2.Outcome != model.MailOutcomeEvent || deref(m2.RequestID) != req.ID || m2.AckDue || req.Status != model.RequestOpen {
			t.Fatalf("reply %+v, request %s", m2, req.Status)
		}
		act, _ := store.Get[model.Activity](salesAdmin, s, *m2.ActivityID)
		if act.Kind != model.KindEmail || act.Status != "received" || act.Description != "Still burning." || deref(act.ContactID) != c.ID {
			t.Fatalf("activity %+v", act)
		}

		// Somebody else answering the first mail (reply-all) threads by its Message-ID.
		colleague := f.mail("bob@acme.example", "Re: Printer on fire", "Me too.")
		colleague.InReplyTo = []string{strings.Trim(first.MessageID, "<>")}
		if m := f.ingest(colleague); m.Outcome != model.MailOutcomeEvent || deref(m.RequestID) != req.ID || m.ContactID == nil || *m.ContactID == c.ID {
			t.Fatalf("reply-all %+v", m)
		}

		// A subject tag counts from participants only.
		stranger := f.mail("mallory@evil.example", "["+req.Number+"] give me access", "hi")
		stranger.Decision.Thread.SubjectTags = []string{req.Number}
		m := f.ingest(stranger)
		if m.Outcome != model.MailOutcomeRequest || deref(m.RequestID) == req.ID || !strings.Contains(lastTrace(m), "subject tag "+req.Number+" ignored") {
			t.Fatalf("stranger's tag %+v %s", m, lastTrace(m))
		}
		out := &model.OutboundMail{From: model.MailAddress{Email: "support@rapport.example"}, To: []model.MailAddress{{Email: "ann@acme.example"}},
			Cc: []model.MailAddress{{Name: "Dora", Email: "dora@acme.example"}}, Subject: "Re: Printer on fire", RequestID: &req.ID, MessageID: "out-1@rapport.example"}
		if err := store.Create(salesAdmin, s, out); err != nil {
			t.Fatal(err)
		}
		for _, from := range []string{"ann@acme.example", "bob@acme.example", "dora@acme.example"} {
			tagged := f.mail(from, "["+req.Number+"] more", "more")
			tagged.Decision.Thread.SubjectTags = []string{req.Number}
			if m := f.ingest(tagged); m.Outcome != model.MailOutcomeEvent || deref(m.RequestID) != req.ID {
				t.Fatalf("%s's tag: %+v %s", from, m, lastTrace(m))
			}
		}

		// Automatic answers: logged without a thread, recorded (not reopening) with one.
		ooo := f.mail("carl@acme.example", "Out of office", "Back Monday.")
		ooo.Decision.Kind, ooo.Decision.Ack = model.MailKindAutoReply, false
		if m := f.ingest(ooo); m.Outcome != model.MailOutcomeIgnored || m.RequestID != nil || m.ContactID != nil {
			t.Fatalf("unthreaded auto-reply %+v", m)
		}
		if _, err := store.Update(salesAdmin, s, req.ID, 0, func(r *model.Request) error { r.Status = model.RequestPendingCustomer; return nil }); err != nil {
			t.Fatal(err)
		}
		ooo2 := f.mail("ann@acme.example", "Automatic reply: Re: Printer on fire", "Back Monday.")
		ooo2.Decision.Kind, ooo2.Decision.Ack, ooo2.Decision.Thread.Refs = model.MailKindAutoReply, false, []string{"r-" + req.ID}
		m = f.ingest(ooo2)
		req, _ = store.Get[model.Request](salesAdmin, s, req.ID)
		if m.Outcome != model.MailOutcomeEvent || req.Status != model.RequestPendingCustomer {
			t.Fatalf("threaded auto-reply %+v, request %s", m, req.Status)
		}
		bulk := f.mail("news@list.example", "Weekly digest", "...")
		bulk.Decision.Kind = model.MailKindBulk
		if m := f.ingest(bulk); m.Outcome != model.MailOutcomeIgnored || m.AckDue {
			t.Fatalf("bulk %+v", m)
		}

		// Mail on a closed request opens a new one, linked to it.
		for _, st := range []string{model.RequestResolved, model.RequestClosed} {
			if _, err := store.Update(salesAdmin, s, req.ID, 0, func(r *model.Request) error { r.Status = st; return nil }); err != nil {
				t.Fatal(err)
			}
		}
		late := f.mail("ann@acme.example", "Re: Printer on fire", "It is back.")
		late.Decision.Thread.Refs = []string{"r-" + req.ID}
		m = f.ingest(late)
		links, _ := s.RequestLinks(salesAdmin, *m.RequestID)
		if m.Outcome != model.MailOutcomeRequest || deref(m.RequestID) == req.ID || len(links) != 1 || links[0].OtherID != req.ID {
			t.Fatalf("after close %+v %+v", m, links)
		}

		// Every ingested message is a mail.received event in the feed.
		changes, _, _ := s.Changes(salesAdmin, 0, 5000)
		n := 0
		for _, c := range changes {
			if c.Entity == "mail_message" && c.Event == model.EventMailReceived {
				n++
			}
		}
		if n != 11 {
			t.Fatalf("%d mail.received events", n)
		}
	})
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func TestIngestMailStaffAndOddSenders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newMailFixture(t, s)
		newUser(t, s, "agent@rapport.example", model.RoleAgent)
		m := f.ingest(f.mail("agent@rapport.example", "Forwarded: customer call", "see below"))
		if m.Outcome != model.MailOutcomeRequest || m.ContactID != nil {
			t.Fatalf("staff sender %+v", m)
		}
		odd := f.mail("not an address", "", "body \x00 with NUL")
		odd.Subject = strings.Repeat("é", 3000)
		odd.From.Name = strings.Repeat("n", 500)
		m = f.ingest(odd)
		req, _ := store.Get[model.Request](salesAdmin, s, *m.RequestID)
		if m.ContactID != nil || len([]rune(req.Subject)) != 500 || strings.ContainsRune(req.Description, 0) || len([]rune(m.Subject)) != 2000 {
			t.Fatalf("odd sender %+v %q", m, req.Subject)
		}
		// The mailbox's queue may be gone; the mail still makes a request.
		if err := store.Delete[model.Queue](salesAdmin, s, f.queue.ID, 0); err != nil {
			t.Fatal(err)
		}
		m = f.ingest(f.mail("dan@example.org", "Hello", "hi"))
		if r, _ := store.Get[model.Request](salesAdmin, s, *m.RequestID); r.QueueID != nil || !strings.Contains(lastTrace(m), "queue is gone") {
			t.Fatalf("%+v", r)
		}
		bad := f.mail("x@example.org", "x", "x")
		bad.SHA256 = "short"
		if _, _, err := s.IngestMail(context.Background(), bad); model.ErrorCode(err) != model.EINVALID {
			t.Fatalf("bad input: %v", err)
		}
	})
}

func TestIngestBounceSuppressesAndLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newMailFixture(t, s)
		msg := f.ingest(f.mail("gone@customer.example", "Help", "please"))
		out := &model.OutboundMail{MailboxID: &f.mb.ID, From: model.MailAddress{Email: "support@rapport.example"},
			To: []model.MailAddress{{Email: "gone@customer.example"}}, Subject: "Re: Help", Text: "Try this.",
			MessageID: "r-" + *msg.RequestID + ".0123456789abcdef.0123456789abcdef01234567@rapport.example", RequestID: msg.RequestID,
			Status: model.OutboundSent}
		if err := store.Create(salesAdmin, s, out); err != nil {
			t.Fatal(err)
		}
		b := f.mail("mailer-daemon@customer.example", "Undelivered Mail Returned to Sender", "The mail system...")
		b.Decision = model.MailDecision{Kind: model.MailKindBounce, Bounce: &model.MailBounce{Format: "dsn", OriginalMessageID: out.MessageID,
			Recipients: []model.MailBounceRecipient{{Address: "gone@customer.example", Action: "failed", Status: "5.1.1",
				Diagnostic: "550 5.1.1 User unknown", Hard: true}, {Address: "full@customer.example", Action: "failed", Status: "5.2.2"}}}}
		m := f.ingest(b)
		if m.Outcome != model.MailOutcomeBounce || deref(m.OutboundMailID) != out.ID || deref(m.RequestID) != *msg.RequestID || m.ActivityID == nil || m.AckDue {
			t.Fatalf("%+v", m)
		}
		for addr, want := range map[string]bool{"gone@customer.example": true, "full@customer.example": false} {
			if got, _ := s.Suppressed(ctx, addr); got != want {
				t.Errorf("%s suppressed %v", addr, got)
			}
		}
		out, _ = store.Get[model.OutboundMail](salesAdmin, s, out.ID)
		note, _ := store.Get[model.Activity](salesAdmin, s, *m.ActivityID)
		if out.BouncedAt == nil || note.Class != "private" || !strings.Contains(note.Description, "User unknown") {
			t.Fatalf("outbound %+v note %+v", out, note)
		}
		changes, _, _ := s.Changes(salesAdmin, 0, 5000)
		if i := slices.IndexFunc(changes, func(c model.Change) bool { return c.Event == model.EventMailBounced }); i < 0 || changes[i].RecordID != m.ID {
			t.Fatal("no mail.bounced event")
		}
		// A new request from the suppressed address gets no acknowledgement.
		again := f.ingest(f.mail("gone@customer.example", "Another", "x"))
		if again.Outcome != model.MailOutcomeRequest || again.AckDue || !strings.Contains(lastTrace(again), "suppressed") {
			t.Fatalf("%+v", again)
		}
		// A second bounce for the same address suppresses nothing new.
		b2 := f.mail("mailer-daemon@customer.example", "failure notice", "...")
		b2.Decision = model.MailDecision{Kind: model.MailKindBounce, Bounce: b.Decision.Bounce}
		if m := f.ingest(b2); m.Outcome != model.MailOutcomeBounce {
			t.Fatalf("%+v", m)
		}
	})
}

func TestMailLookupDedupesAndLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newMailFixture(t, s)
		first := f.mail("ann@example.com", "Hi", "x")
		msg := f.ingest(first)
		l := s.MailLookup(store.MailLimits{PerSender: 3, PerRequest: 4, Window: time.Hour})
		for _, tc := range []struct {
			id, sha string
			want    bool
		}{{first.MessageID, sha("other"), true}, {"", first.SHA256, true}, {"new@x", sha("new"), false}, {"", sha("new"), false}} {
			if seen, err := l.Seen(ctx, tc.id, tc.sha); err != nil || seen != tc.want {
				t.Errorf("Seen(%q) = %v %v", tc.id, seen, err)
			}
		}
		ref := []string{"r-" + *msg.RequestID}
		for i := 0; i < 2; i++ {
			if ok, why, err := l.Allow(ctx, "ann@example.com", ref); !ok || err != nil {
				t.Fatalf("message %d refused: %s %v", i+2, why, err)
			}
			r := f.mail("ann@example.com", "Re: Hi", "y")
			r.Decision.Thread.Refs = ref
			f.ingest(r)
		}
		if ok, why, _ := l.Allow(ctx, "ann@example.com", nil); ok || !strings.Contains(why, "3 messages from ann@example.com") {
			t.Fatalf("over the sender limit: %v %q", ok, why)
		}
		f.ingest(func() *model.MailIngest {
			r := f.mail("bob@example.com", "Re: Hi", "z")
			r.Decision.Thread.Refs = ref
			return r
		}())
		if ok, why, _ := l.Allow(ctx, "carol@example.com", ref); ok || !strings.Contains(why, "on one request") {
			t.Fatalf("over the request limit: %v %q", ok, why)
		}
		if ok, _, _ := s.MailLookup(store.MailLimits{}).Allow(ctx, "ann@example.com", ref); !ok {
			t.Fatal("the default limits are higher")
		}
	})
}

func TestConcurrentIngestOfOneMessage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newMailFixture(t, s)
		in := f.mail("ann@example.com", "Once", "only once")
		var wg sync.WaitGroup
		var mu sync.Mutex
		var fresh, dups int
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				one := *in
				one.UID, one.To = in.UID+uint32(i)*10, slices.Clone(in.To) // the same mail in four places
				_, dup, err := s.IngestMail(context.Background(), &one)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					t.Error(err)
				} else if dup {
					dups++
				} else {
					fresh++
				}
			}()
		}
		wg.Wait()
		page, _ := store.List[model.Request](salesAdmin, s, store.ListParams{})
		if fresh != 1 || dups != 3 || len(page.Items) != 1 {
			t.Fatalf("fresh %d dups %d requests %d", fresh, dups, len(page.Items))
		}
	})
}

func TestQuarantineAndRetry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newMailFixture(t, s)
		raw := sha("garbage")
		q := &model.MailQuarantine{MailboxID: f.mb.ID, Folder: "INBOX", UIDValidity: 7, UID: 40, SHA256: raw, Size: 10,
			Reason: model.QuarantineMalformed, Error: "unreadable message: no header"}
		got, existing, err := s.QuarantineMail(ctx, q)
		if err != nil || existing || got.Status != model.QuarantineOpen {
			t.Fatalf("%+v %v %v", got, existing, err)
		}
		if cp, _ := s.MailCheckpoint(ctx, f.mb.ID, "INBOX"); cp.LastUID != 40 {
			t.Fatalf("the checkpoint must pass a poison message: %+v", cp)
		}
		same := *q
		same.ID, same.UID = "", 41
		if again, existing, err := s.QuarantineMail(ctx, &same); err != nil || !existing || again.ID != got.ID {
			t.Fatalf("the same raw message again: %v %v", existing, err)
		}
		if ok, _ := s.BlobReferenced(ctx, raw); !ok {
			t.Fatal("the quarantined raw message is not referenced")
		}
		big := &model.MailQuarantine{MailboxID: f.mb.ID, Folder: "INBOX", UIDValidity: 7, UID: 42, Size: 90 << 20,
			Reason: model.QuarantineTooLarge, Error: "too large"}
		if _, _, err := s.QuarantineMail(ctx, big); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.RetryQuarantine(salesAdmin, big.ID, nil); model.ErrorCode(err) != model.ECONFLICT {
			t.Fatalf("retry of an unread message: %v", err)
		}

		// Refused again: retried, with the new reason.
		refuse := func(context.Context, *model.MailQuarantine) (*model.MailIngest, error) {
			return nil, model.Errorf(model.EMALFORMED, "unreadable message: still no header")
		}
		got, msg, err := s.RetryQuarantine(salesAdmin, got.ID, refuse)
		if err != nil || msg != nil || got.Status != model.QuarantineRetried || got.Attempts != 1 || !strings.Contains(got.Error, "still") {
			t.Fatalf("%+v %v", got, err)
		}
		// An infrastructure failure changes nothing.
		if _, _, err := s.RetryQuarantine(salesAdmin, got.ID, func(context.Context, *model.MailQuarantine) (*model.MailIngest, error) {
			return nil, fmt.Errorf("blob store down")
		}); err == nil || model.ErrorCode(err) != model.EINTERNAL {
			t.Fatalf("%v", err)
		}
		// Parsed at last: ingested where it was read, resolved.
		fixed := func(_ context.Context, q *model.MailQuarantine) (*model.MailIngest, error) {
			in := f.mail("ann@example.com", "Fixed", "readable now")
			in.SHA256, in.UID = q.SHA256, 0
			return in, nil
		}
		got, msg, err = s.RetryQuarantine(salesAdmin, got.ID, fixed)
		if err != nil || msg == nil || got.Status != model.QuarantineResolved || got.Attempts != 2 || deref(got.MailMessageID) != msg.ID ||
			msg.UID != 40 || msg.Outcome != model.MailOutcomeRequest {
			t.Fatalf("%+v %+v %v", got, msg, err)
		}
		if _, _, err := s.RetryQuarantine(salesAdmin, got.ID, fixed); model.ErrorCode(err) != model.ECONFLICT {
			t.Fatalf("retry of a resolved message: %v", err)
		}
		if _, err := s.DiscardQuarantine(salesAdmin, got.ID, 0); model.ErrorCode(err) != model.ECONFLICT {
			t.Fatalf("discard of a resolved message: %v", err)
		}
		agent := newUser(t, s, "agent@example.com", model.RoleAgent)
		actx := model.WithActor(context.Background(), model.Actor{UserID: agent.ID, Name: agent.Name, Role: model.RoleAgent})
		if _, err := s.DiscardQuarantine(actx, big.ID, 0); model.ErrorCode(err) != model.EFORBIDDEN {
			t.Fatalf("agent discarded: %v", err)
		}
		if d, err := s.DiscardQuarantine(salesAdmin, big.ID, 0); err != nil || d.Status != model.QuarantineDiscarded {
			t.Fatalf("%+v %v", d, err)
		}
		changes, _, _ := s.Changes(salesAdmin, 0, 5000)
		n := 0
		for _, c := range changes {
			if c.Event == model.EventMailQuarantined {
				n++
			}
		}
		if n != 2 {
			t.Fatalf("%d mail.quarantined events", n)
		}
	})
}
