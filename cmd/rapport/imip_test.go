package main

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"rapport/connectors/mail/mailmsg"
	"rapport/model"
	"rapport/model/icalmap"
	"rapport/model/store"
	"rapport/model/storetest"
)

// TestInvitationAndReminderDelivered wires invitations and reminders as
// serve does and follows them to the SMTP server: the invitation leaves
// through the scheduling mailbox as iMIP, the guest's answer to it is
// recorded, and the owner's reminder leaves from the hub's sender with a
// link to the meeting.
func TestInvitationAndReminderDelivered(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newMailRig(t, s, nil)
		agent := r.agent()
		mb := r.mailbox()
		if _, err := s.UpdateMailbox(r.ctx, r.box, mb.ID, 0, func(m *model.Mailbox) error { m.Scheduling = true; return nil }); err != nil {
			t.Fatal(err)
		}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		enableInvitations(s, r.jobs, log)

		start := time.Now().UTC().Add(10 * time.Minute).Truncate(time.Minute)
		remind := time.Now().UTC().Add(-time.Second)
		owner := model.ActorFrom(agent).UserID
		a := &model.Activity{Kind: model.KindAppointment, Subject: "Site visit", StartAt: &start, RemindAt: &remind, OwnerID: &owner,
			Attendees: []model.Attendee{{Email: "ann@customer.example", Name: "Ann"}}}
		if err := store.Create(agent, s, a); err != nil {
			t.Fatal(err)
		}
		invites, err := store.List[model.OutboundMail](r.ctx, s, store.ListParams{})
		if err != nil || len(invites.Items) != 1 {
			t.Fatalf("outbox %v %v", invites, err)
		}
		r.wait(invites.Items[0].ID, "sent", sentOK)
		mails := r.smtp.Mails()
		if len(mails) != 1 || mails[0].From != "support@example.com" || mails[0].To[0] != "ann@customer.example" {
			t.Fatalf("captured %+v", mails)
		}
		p := parse(t, mails[0].Data)
		if ref, ok := (&mailmsg.Tokens{Key: r.jobs.keys.messageID}).Verify(p.MessageID); !ok || ref != "a-"+a.ID {
			t.Errorf("Message-ID %q: ref %q %v", p.MessageID, ref, ok)
		}
		if !strings.Contains(p.Calendar, "METHOD:REQUEST") || !strings.Contains(p.Calendar, "ORGANIZER;CN=Alice Agent:mailto:support@example.com") {
			t.Fatalf("calendar part:\n%s", p.Calendar)
		}

		// Ann's calendar accepts: what it sends back is recorded.
		answer := strings.NewReplacer("METHOD:REQUEST", "METHOD:REPLY", "RSVP=TRUE", "PARTSTAT=ACCEPTED").Replace(p.Calendar)
		reply, err := icalmap.ParseReply([]byte(answer))
		if err != nil {
			t.Fatal(err)
		}
		if err := (invitationReplies{s}).ApplyInvitationReply(r.ctx, reply, ""); err != nil {
			t.Fatal(err)
		}
		if got, _ := store.Get[model.Activity](r.ctx, s, a.ID); got.Attendees[0].Status != "accepted" {
			t.Errorf("Ann's status %q", got.Attendees[0].Status)
		}

		// The owner's reminder.
		if n, err := reminderWorker(s, r.jobs, log).Mail(r.ctx, 10); err != nil || n != 1 {
			t.Fatalf("reminders: %d %v", n, err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for len(r.smtp.Mails()) < 2 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		mails = r.smtp.Mails()
		if len(mails) != 2 || mails[1].From != "crm@example.com" || mails[1].To[0] != "agent@example.com" {
			t.Fatalf("captured %+v", mails)
		}
		p = parse(t, mails[1].Data)
		if p.Header.Get("Auto-Submitted") != "auto-generated" || !strings.Contains(p.Text, "https://crm.example.com/api/v1/activities/"+a.ID) {
			t.Errorf("reminder: %q\n%s", p.Header.Get("Auto-Submitted"), p.Text)
		}
	})
}
