package ingest

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"rapport/connectors/mail/mailin"
	"rapport/model"
	"rapport/model/icalmap"
	"rapport/model/store"
	"rapport/model/storetest"
)

// TestAcknowledgement: a person's new mail becomes a request answered by
// the installed template in the contact's language, threaded under the
// customer's mail with our signed Message-ID; the customer's reply to it
// joins the same request and is not acknowledged again.
func TestAcknowledgement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		c := &model.Contact{FirstName: "Ольга", LastName: "Петрова", Language: "ru",
			Emails: []model.Labeled{{Type: "work", Value: "olga@client.example"}}}
		if err := store.Create(admin, s, c); err != nil {
			t.Fatal(err)
		}
		raw := mail("Ольга Петрова <olga@client.example>", "Принтер не печатает", "Здравствуйте! Принтер не печатает.",
			"References: <older@client.example>")
		msg := f.handle(raw)
		if msg == nil || msg.Outcome != model.MailOutcomeRequest || !msg.AckDue || deref(msg.ContactID) != c.ID {
			t.Fatalf("logged %+v", msg)
		}
		req, err := store.Get[model.Request](admin, s, *msg.RequestID)
		if err != nil {
			t.Fatal(err)
		}
		acks := f.acksOf(req.ID)
		if len(acks) != 1 || len(f.enq.ids) != 1 || f.enq.ids[0] != acks[0].ID {
			t.Fatalf("acks %d, queued %v", len(acks), f.enq.ids)
		}
		ack := acks[0]
		custID := strings.Trim(headerValue(raw, "Message-ID"), "<>")
		if ack.Subject != "["+req.Number+"] Обращение зарегистрировано: Принтер не печатает" ||
			!strings.Contains(ack.Text, "Здравствуйте, Ольга!") || !strings.Contains(ack.Text, req.Number) ||
			!strings.Contains(ack.HTML, "Ваш запрос зарегистрирован") || !strings.Contains(ack.Text, "Rapport Ltd") {
			t.Errorf("acknowledgement %q\n%s\n%s", ack.Subject, ack.Text, ack.HTML)
		}
		if ack.From.Email != "support@rapport.example" || ack.From.Name != "Rapport Support" || ack.To[0].Email != "olga@client.example" ||
			ack.AutoSubmitted != "auto-replied" || ack.InReplyTo != custID || strings.Join(ack.References, " ") != "older@client.example "+custID ||
			deref(ack.ContactID) != c.ID || deref(ack.MailboxID) != f.mb.ID || ack.Status != model.OutboundQueued {
			t.Errorf("acknowledgement %+v", ack)
		}
		if ref, ok := testTokens().Verify(ack.MessageID); !ok || ref != "r-"+req.ID || !strings.HasSuffix(ack.MessageID, "@rapport.example") {
			t.Errorf("Message-ID %s: %q %v", ack.MessageID, ref, ok)
		}

		reply := f.handle(mail("Olga <olga@client.example>", "Re: "+ack.Subject, "Спасибо", "In-Reply-To: <"+ack.MessageID+">"))
		if reply.Outcome != model.MailOutcomeEvent || deref(reply.RequestID) != req.ID || reply.AckDue || len(f.acksOf(req.ID)) != 1 {
			t.Errorf("reply to the acknowledgement: %+v, acks %d", reply, len(f.acksOf(req.ID)))
		}

		en := f.handle(mail("Bob <bob@new.example>", "Broken printer", "It is broken."))
		acks = f.acksOf(deref(en.RequestID))
		if len(acks) != 1 || !strings.Contains(acks[0].Subject, "Request received: Broken printer") || !strings.Contains(acks[0].Text, "Thank you") {
			t.Errorf("English acknowledgement %+v", acks)
		}
	})
}

// TestNoAcknowledgement: automatic mail is kept and never answered, and an
// acknowledgement that cannot be made (template deleted, no from address)
// leaves the request in.
func TestNoAcknowledgement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		auto := f.handle(mail("Ann <ann@client.example>", "Out of Office: hello", "I am away.", "Auto-Submitted: auto-replied"))
		if auto.Kind != model.MailKindAutoReply || auto.AckDue || len(f.enq.ids) != 0 {
			t.Errorf("auto-reply %+v, queued %v", auto, f.enq.ids)
		}
		bulk := f.handle(mail("News <news@vendor.example>", "Offers", "Buy!", "List-Id: <offers.vendor.example>"))
		if bulk.Kind != model.MailKindBulk || bulk.Outcome != model.MailOutcomeIgnored || len(f.enq.ids) != 0 {
			t.Errorf("bulk %+v", bulk)
		}
		for _, tpl := range all[model.DocumentTemplate](t, s, nil) {
			if err := store.Delete[model.DocumentTemplate](admin, s, tpl.ID, 0); err != nil {
				t.Fatal(err)
			}
		}
		msg := f.handle(mail("Ann <ann@client.example>", "Help", "Please help."))
		if msg.Outcome != model.MailOutcomeRequest || !msg.AckDue || len(f.acksOf(deref(msg.RequestID))) != 0 {
			t.Errorf("without templates: %+v", msg)
		}
	})
}

// TestQuarantine: a message over the limit (unread, or found too large
// while streaming) and one that is not mail are quarantined with their
// reason and the checkpoint moves past them; a retry from the stored raw
// bytes ingests a message and acknowledges it once.
func TestQuarantine(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		big := f.message(nil)
		big.TooLarge, big.Size = true, 30<<20
		big.Body = errReader{model.Errorf(model.ETOOLARGE, "the message has 31457280 bytes, over the mailbox's limit of 26214400")}
		small := f.pipeline(Config{MaxBytes: 1000})
		streamed := f.message(mail("a@b.example", "long", strings.Repeat("x", 5000)))
		notMail := f.message([]byte("this is not a mail message at all\r\n\r\nbody\r\n"))
		for i, h := range []struct {
			p *Pipeline
			m mailin.Message
		}{{f.p, big}, {small, streamed}, {f.p, notMail}} {
			if err := h.p.Handle(ctx, h.m); err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
		}
		qs := all[model.MailQuarantine](t, s, nil)
		reasons := map[uint32]*model.MailQuarantine{}
		for _, q := range qs {
			reasons[q.UID] = q
		}
		if q := reasons[1]; q == nil || q.Reason != model.QuarantineTooLarge || q.SHA256 != "" || !strings.Contains(q.Error, "31457280") {
			t.Errorf("unread too large: %+v", q)
		}
		if q := reasons[2]; q == nil || q.Reason != model.QuarantineTooLarge || q.SHA256 != "" {
			t.Errorf("streamed too large: %+v", q)
		}
		if q := reasons[3]; q == nil || q.Reason != model.QuarantineMalformed || len(q.SHA256) != 64 || q.Error == "" {
			t.Errorf("not mail: %+v", q)
		}
		if cp, _ := f.p.Checkpoint(ctx, f.mb.ID, "INBOX"); cp.LastUID != 3 || cp.UIDValidity != 1 {
			t.Errorf("checkpoint %+v", cp)
		}
		if _, _, err := f.p.RetryQuarantine(admin, reasons[1].ID); model.ErrorCode(err) != model.ECONFLICT {
			t.Errorf("retry of an unread message: %v", err)
		}
		if q, msg, err := f.p.RetryQuarantine(admin, reasons[3].ID); err != nil || msg != nil || q.Status != model.QuarantineRetried {
			t.Errorf("retry of a non-mail: %+v %+v %v", q, msg, err)
		}

		// A message refused before (by an older version, say) goes in.
		raw := mail("Carl <carl@client.example>", "Retry me", "Please.")
		sha, size, err := f.blobs.Put(ctx, bytes.NewReader(raw), "message.eml", 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		q, _, err := s.QuarantineMail(admin, &model.MailQuarantine{MailboxID: f.mb.ID, Folder: "INBOX", UIDValidity: 1, UID: 9,
			SHA256: sha, Size: size, Reason: model.QuarantineFailed, Error: "refused"})
		if err != nil {
			t.Fatal(err)
		}
		q, msg, err := f.p.RetryQuarantine(admin, q.ID)
		if err != nil || msg == nil || q.Status != model.QuarantineResolved || msg.Outcome != model.MailOutcomeRequest {
			t.Fatalf("retry: %+v %+v %v", q, msg, err)
		}
		if acks := f.acksOf(deref(msg.RequestID)); len(acks) != 1 {
			t.Errorf("%d acknowledgements after the retry", len(acks))
		}
		if _, _, err := f.p.RetryQuarantine(admin, q.ID); model.ErrorCode(err) != model.ECONFLICT {
			t.Errorf("second retry: %v", err)
		}
	})
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// invitations records the answers applied; fail, when set, fails them.
type invitations struct {
	s       *store.Store
	replies []*icalmap.Reply
	ids     []string
	fail    error
}

func (i *invitations) ApplyInvitationReply(ctx context.Context, r *icalmap.Reply, mailMessageID string) error {
	if _, ok := i.s.SQLTx(ctx); !ok {
		return errors.New("applied outside the message's transaction")
	}
	if i.fail != nil {
		return i.fail
	}
	i.replies, i.ids = append(i.replies, r), append(i.ids, mailMessageID)
	return nil
}

// replyMail is an Outlook-style answer to an invitation.
func replyMail(partstat string) []byte {
	cal := "BEGIN:VCALENDAR\r\nPRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r\nVERSION:2.0\r\nMETHOD:REPLY\r\n" +
		"BEGIN:VEVENT\r\nUID:0190f5a2-7c1d-7b3e-9a55-1b2c3d4e5f60\r\nSEQUENCE:1\r\nDTSTAMP:20260302T100000Z\r\n" +
		"DTSTART:20260310T090000Z\r\nDTEND:20260310T100000Z\r\nSUMMARY:Review\r\n" +
		"ORGANIZER;CN=Sam Staff:mailto:scheduling@rapport.example\r\n" +
		"ATTENDEE;PARTSTAT=" + partstat + ";CN=Ann Client:mailto:ann@client.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	return []byte("From: Ann Client <ann@client.example>\r\nTo: scheduling@rapport.example\r\nSubject: Accepted: Review\r\n" +
		"Date: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <" + randomID() + "@client.example>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAccepted.\r\n" +
		"--b\r\nContent-Type: text/calendar; charset=utf-8; method=REPLY\r\n\r\n" + cal + "--b--\r\n")
}

// TestInvitationReply: an iMIP REPLY is applied in the message's
// transaction and logged as a report — no request, no acknowledgement. A
// refused answer leaves the message logged; a failing calendar fails the
// message, which then goes in when offered again.
func TestInvitationReply(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		inv := &invitations{s: s}
		f.p = f.pipeline(Config{Invitations: inv})
		msg := f.handle(replyMail("ACCEPTED"))
		if msg.Kind != model.MailKindReport || msg.Outcome != model.MailOutcomeIgnored || msg.RequestID != nil || msg.AckDue {
			t.Errorf("logged %+v", msg)
		}
		if len(inv.replies) != 1 || inv.ids[0] != msg.ID || inv.replies[0].Email != "ann@client.example" || inv.replies[0].Status != "accepted" {
			t.Errorf("applied %+v %v", inv.replies, inv.ids)
		}
		if step := msg.Decision.Trace[len(msg.Decision.Trace)-2]; step.Name != stepIMIP || step.Verdict != "match" {
			t.Errorf("trace %+v", msg.Decision.Trace)
		}

		inv.fail = model.Errorf(model.ENOTFOUND, "no such invitation")
		if msg := f.handle(replyMail("DECLINED")); msg == nil || msg.Kind != model.MailKindReport {
			t.Errorf("refused answer: %+v", msg)
		}
		inv.fail = errors.New("database down")
		m := f.message(replyMail("TENTATIVE"))
		if err := f.p.Handle(context.Background(), m); err == nil || f.byUID(m.UID) != nil {
			t.Fatalf("failing calendar: %v", err)
		}
		inv.fail = nil
		m.Body = bytes.NewReader(replyMail("TENTATIVE"))
		if err := f.p.Handle(context.Background(), m); err != nil || f.byUID(m.UID) == nil || len(inv.replies) != 2 {
			t.Fatalf("offered again: %v, %d applied", err, len(inv.replies))
		}
	})
}
