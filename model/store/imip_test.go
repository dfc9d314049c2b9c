package store_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"rapport/model"
	"rapport/model/icalmap"
	"rapport/model/store"
	"rapport/model/storetest"
)

// outboxTap mints Message-IDs and records the mail queued, for tests that
// read what the store sent.
type outboxTap struct {
	t      testing.TB
	s      *store.Store
	queued []string
	seen   int
}

func (o *outboxTap) mint(ref, _ string) (string, error) {
	return fmt.Sprintf("%s.%d@rapport.example", ref, len(o.queued)+1), nil
}

func (o *outboxTap) enqueue(_ context.Context, id string) error {
	o.queued = append(o.queued, id)
	return nil
}

// fresh returns the mails queued since the last call, in order.
func (o *outboxTap) fresh() []*model.OutboundMail {
	o.t.Helper()
	var out []*model.OutboundMail
	for _, id := range o.queued[o.seen:] {
		m, err := store.Get[model.OutboundMail](salesAdmin, o.s, id)
		if err != nil {
			o.t.Fatal(err)
		}
		out = append(out, m)
	}
	o.seen = len(o.queued)
	return out
}

// createUsers stores staff users.
func createUsers(t testing.TB, s *store.Store, users ...*model.User) {
	t.Helper()
	for _, u := range users {
		if err := s.CreateUser(salesAdmin, u, ""); err != nil {
			t.Fatal(err)
		}
	}
}

// inviteRig is a store with invitations on: an owner and a colleague, a
// scheduling mailbox, and an outbox whose queued mails the test reads.
type inviteRig struct {
	outboxTap
	owner, colleague *model.User
	mb               *model.Mailbox
	ctx              context.Context // as the owner, as the API would
}

func newInviteRig(t testing.TB, s *store.Store) *inviteRig {
	t.Helper()
	r := &inviteRig{outboxTap: outboxTap{t: t, s: s}}
	r.owner = &model.User{Email: "olga@staff.example", Name: "Olga Owner", Role: model.RoleAgent, Language: "en", TimeZone: "Europe/Berlin"}
	r.colleague = &model.User{Email: "bob@staff.example", Name: "Bob Colleague", Role: model.RoleAgent}
	createUsers(t, s, r.owner, r.colleague)
	r.mb = &model.Mailbox{Name: "Calendar", IMAPHost: "imap.example.com", Username: "calendar@rapport.example", Password: "imap-secret",
		FromAddress: "calendar@rapport.example", FromName: "Rapport", SMTPHost: "smtp.example.com", Scheduling: true, Active: true}
	if err := s.CreateMailbox(salesAdmin, testBox(t), r.mb); err != nil {
		t.Fatal(err)
	}
	s.SetInvitations(store.InvitationConfig{Mint: r.mint, Enqueue: r.enqueue, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	r.ctx = model.WithActor(context.Background(), model.Actor{UserID: r.owner.ID, Name: r.owner.Name, Role: model.RoleAgent})
	return r
}

// meeting creates an appointment two days ahead, owned by the owner.
func (r *inviteRig) meeting(ctx context.Context, subject string, attendees ...model.Attendee) *model.Activity {
	r.t.Helper()
	start := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Hour)
	end := start.Add(time.Hour)
	a := &model.Activity{Kind: model.KindAppointment, Subject: subject, StartAt: &start, EndAt: &end, TimeZone: "Europe/Berlin",
		Location: "Room 1", OwnerID: &r.owner.ID, Attendees: attendees}
	if err := store.Create(ctx, r.s, a); err != nil {
		r.t.Fatal(err)
	}
	return a
}

func (r *inviteRig) update(id string, mutate func(a *model.Activity)) *model.Activity {
	r.t.Helper()
	a, err := store.Update(r.ctx, r.s, id, 0, func(a *model.Activity) error { mutate(a); return nil })
	if err != nil {
		r.t.Fatal(err)
	}
	return a
}

// expect checks one mail: its method, recipients and lines of its calendar.
func expect(t *testing.T, m *model.OutboundMail, method string, to []string, lines ...string) {
	t.Helper()
	var got []string
	for _, a := range m.To {
		got = append(got, a.Email)
	}
	if m.CalendarMethod != method || strings.Join(got, ",") != strings.Join(to, ",") {
		t.Errorf("mail %q: method %s to %v, want %s to %v", m.Subject, m.CalendarMethod, got, method, to)
	}
	if m.From.Email != "calendar@rapport.example" || m.From.Name != "Olga Owner" || m.MailboxID == nil || m.AutoSubmitted != "" {
		t.Errorf("mail %q: from %+v, mailbox %v, auto-submitted %q", m.Subject, m.From, m.MailboxID, m.AutoSubmitted)
	}
	cal := unfold(m.Calendar)
	for _, want := range append([]string{"METHOD:" + method, "ORGANIZER;CN=Olga Owner:mailto:calendar@rapport.example"}, lines...) {
		if !strings.Contains(cal, want) {
			t.Errorf("mail %q: %q missing in\n%s", m.Subject, want, cal)
		}
	}
}

func unfold(s string) string { return strings.ReplaceAll(s, "\r\n ", "") }

func ann() model.Attendee { return model.Attendee{Email: "ann@customer.example", Name: "Ann Customer"} }

func TestInvitationsFollowTheAppointment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newInviteRig(t, s)
		a := r.meeting(r.ctx, "Kick-off", ann(), model.Attendee{UserID: r.colleague.ID}, model.Attendee{Email: "bob@staff.example"})
		mails := r.fresh()
		if len(mails) != 1 {
			t.Fatalf("%d mails after create", len(mails))
		}
		// Staff (by user or by address) see it over CalDAV; only Ann gets mail.
		expect(t, mails[0], "REQUEST", []string{"ann@customer.example"}, "UID:"+a.ID, "SEQUENCE:0",
			"RSVP=TRUE:mailto:ann@customer.example", "LOCATION:Room 1", "TZID=Europe/Berlin")
		if m := mails[0]; m.Subject != "Invitation: Kick-off" || !strings.Contains(m.Text, "Olga Owner invites you") || !strings.Contains(m.Text, "Where: Room 1") {
			t.Errorf("subject %q text %q", m.Subject, m.Text)
		}

		// What guests do not see (tags) sends nothing, nor does a write that changes nothing.
		r.update(a.ID, func(a *model.Activity) { a.Tags = []string{"vip"} })
		r.update(a.ID, func(*model.Activity) {})
		if mails := r.fresh(); len(mails) != 0 {
			t.Fatalf("no-op edits sent %d mails", len(mails))
		}

		// A new time is an updated REQUEST with a higher SEQUENCE.
		a = r.update(a.ID, func(a *model.Activity) { later := a.StartAt.Add(time.Hour); a.StartAt, a.EndAt = &later, nil })
		mails = r.fresh()
		if len(mails) != 1 {
			t.Fatalf("%d mails after the move", len(mails))
		}
		expect(t, mails[0], "REQUEST", []string{"ann@customer.example"}, fmt.Sprintf("SEQUENCE:%d", a.Version-1))
		if mails[0].Subject != "Updated invitation: Kick-off" {
			t.Errorf("subject %q", mails[0].Subject)
		}

		// Carl replaces Ann: Carl is invited, Ann gets a CANCEL naming only her.
		a = r.update(a.ID, func(a *model.Activity) {
			a.Attendees = []model.Attendee{{Email: "carl@customer.example"}, {UserID: r.colleague.ID}}
		})
		mails = r.fresh()
		if len(mails) != 2 {
			t.Fatalf("%d mails after the swap", len(mails))
		}
		seq := fmt.Sprintf("SEQUENCE:%d", a.Version-1)
		expect(t, mails[0], "REQUEST", []string{"carl@customer.example"}, seq)
		expect(t, mails[1], "CANCEL", []string{"ann@customer.example"}, seq, "mailto:ann@customer.example")
		if strings.Contains(mails[1].Calendar, "carl@") || mails[1].Subject != "Cancelled: Kick-off" {
			t.Errorf("Ann's CANCEL: %q\n%s", mails[1].Subject, mails[1].Calendar)
		}

		// Cancelled: every guest hears; later edits of a cancelled meeting send nothing.
		r.update(a.ID, func(a *model.Activity) { a.Status = "cancelled" })
		mails = r.fresh()
		if len(mails) != 1 {
			t.Fatalf("%d mails after cancelling", len(mails))
		}
		expect(t, mails[0], "CANCEL", []string{"carl@customer.example"}, "STATUS:CANCELLED")
		r.update(a.ID, func(a *model.Activity) { a.Description = "Called off" })
		if mails := r.fresh(); len(mails) != 0 {
			t.Fatalf("an edit of a cancelled meeting sent %d mails", len(mails))
		}

		// Deleting an invited meeting cancels it.
		b := r.meeting(r.ctx, "Demo", ann())
		r.fresh()
		if err := store.Delete[model.Activity](r.ctx, s, b.ID, 0); err != nil {
			t.Fatal(err)
		}
		mails = r.fresh()
		if len(mails) != 1 {
			t.Fatalf("%d mails after delete", len(mails))
		}
		expect(t, mails[0], "CANCEL", []string{"ann@customer.example"}, "UID:"+b.ID, "STATUS:CANCELLED")

		// Each mail is on the timeline of the outbox, as QueueMail records it.
		page, err := store.List[model.Activity](salesAdmin, s, store.ListParams{Equals: map[string]string{"linked": "outbound_mail:" + mails[0].ID}})
		if err != nil || len(page.Items) != 1 || page.Items[0].Kind != model.KindEmail {
			t.Errorf("timeline entry of the CANCEL: %v %v", page, err)
		}
	})
}

func TestInvitationsNotSent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newInviteRig(t, s)
		// A calendar client's write: the client schedules.
		dav := store.ClientScheduled(r.ctx)
		c := r.meeting(dav, "From Thunderbird", ann())
		if _, err := store.Update(dav, s, c.ID, 0, func(a *model.Activity) error { a.Location = "Room 2"; return nil }); err != nil {
			t.Fatal(err)
		}
		if err := store.Delete[model.Activity](dav, s, c.ID, 0); err != nil {
			t.Fatal(err)
		}
		// Staff only; another organizer's meeting; a meeting in the past.
		r.meeting(r.ctx, "Internal", model.Attendee{UserID: r.colleague.ID}, model.Attendee{Email: "bob@staff.example"})
		start := time.Now().UTC().Add(72 * time.Hour)
		theirs := &model.Activity{Kind: model.KindAppointment, Subject: "Their meeting", StartAt: &start, OwnerID: &r.owner.ID,
			OrganizerEmail: "boss@customer.example", Attendees: []model.Attendee{ann()}}
		past := time.Now().UTC().Add(-72 * time.Hour)
		old := &model.Activity{Kind: model.KindAppointment, Subject: "Last week", StartAt: &past, OwnerID: &r.owner.ID, Attendees: []model.Attendee{ann()}}
		for _, a := range []*model.Activity{theirs, old} {
			if err := store.Create(r.ctx, s, a); err != nil {
				t.Fatal(err)
			}
		}
		// The owner's calendar client organised it (and invited): a CRM edit sends nothing.
		tb := r.meeting(dav, "Organised in Thunderbird", ann())
		if _, err := store.Update(dav, s, tb.ID, 0, func(a *model.Activity) error { a.OrganizerEmail = r.owner.Email; return nil }); err != nil {
			t.Fatal(err)
		}
		r.update(tb.ID, func(a *model.Activity) { a.Location = "Room 3" })
		if mails := r.fresh(); len(mails) != 0 {
			t.Fatalf("%d mails, want none: %q", len(mails), mails[0].Subject)
		}
		// Never invited: deleting sends no CANCEL.
		if err := store.Delete[model.Activity](r.ctx, s, theirs.ID, 0); err != nil {
			t.Fatal(err)
		}
		// Without a scheduling mailbox nothing goes, and the write succeeds.
		if _, err := s.UpdateMailbox(salesAdmin, testBox(t), r.mb.ID, 0, func(m *model.Mailbox) error { m.Active = false; return nil }); err != nil {
			t.Fatal(err)
		}
		r.meeting(r.ctx, "Nobody organises", ann())
		if mails := r.fresh(); len(mails) != 0 {
			t.Fatalf("%d mails without a scheduling mailbox", len(mails))
		}
	})
}

func TestInvitationReplies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newInviteRig(t, s)
		a := r.meeting(r.ctx, "Review", ann(), model.Attendee{Email: "dan@customer.example"})
		r.fresh()
		reply := func(uid, email, status string, seq int, comment string) (*model.Activity, error) {
			return s.ApplyInvitationReply(salesAdmin, &icalmap.Reply{UID: uid, Sequence: seq, Email: email, Name: "From reply", Status: status, Comment: comment}, "")
		}
		got, err := reply(a.ID, "ANN@customer.example", "accepted", 0, "")
		if err != nil || got.Attendees[0].Status != "accepted" || got.Version != a.Version+1 {
			t.Fatalf("accepted: %+v %v", got, err)
		}
		got, err = reply(a.ID, "dan@customer.example", "tentative", 0, "I may be late")
		if err != nil || got.Attendees[1].Status != "tentative" || got.Attendees[1].Name != "From reply" {
			t.Fatalf("tentative: %+v %v", got, err)
		}
		if mails := r.fresh(); len(mails) != 0 {
			t.Fatalf("answers sent %d invitations", len(mails))
		}
		notes, err := store.List[model.Activity](salesAdmin, s, store.ListParams{Equals: map[string]string{"linked": "activity:" + a.ID}})
		if err != nil || len(notes.Items) != 1 || notes.Items[0].Description != "I may be late" || notes.Items[0].Kind != model.KindNote {
			t.Fatalf("comment note: %+v %v", notes.Items, err)
		}

		// CalDAV clients see the answers.
		cal, err := icalmap.EncodeBytes(icalmap.ObjectCalendar(got, nil))
		if err != nil || !strings.Contains(unfold(string(cal)), "PARTSTAT=ACCEPTED") || !strings.Contains(unfold(string(cal)), "PARTSTAT=TENTATIVE") {
			t.Fatalf("CalDAV object: %v\n%s", err, cal)
		}

		// After a move, an answer to the old invitation is stale.
		moved := r.update(a.ID, func(a *model.Activity) { a.Location = "Room 9" })
		r.fresh()
		_, err = reply(a.ID, "ann@customer.example", "declined", 0, "")
		if model.ErrorCode(err) != model.ECONFLICT {
			t.Fatalf("stale reply: %v", err)
		}
		if got, err = reply(a.ID, "ann@customer.example", "declined", int(moved.Version-1), ""); err != nil || got.Attendees[0].Status != "declined" {
			t.Fatalf("declined: %+v %v", got, err)
		}
		for name, c := range map[string]struct {
			uid, email, code string
		}{
			"stranger":    {a.ID, "eve@elsewhere.example", model.EFORBIDDEN},
			"unknown UID": {"no-such-uid@elsewhere", "ann@customer.example", model.ENOTFOUND},
		} {
			if _, err := reply(c.uid, c.email, "accepted", 99, ""); model.ErrorCode(err) != c.code {
				t.Errorf("%s: %v, want %s", name, err, c.code)
			}
		}
		_, err = s.ApplyInvitationReply(salesAdmin, &icalmap.Reply{UID: a.ID, RecurrenceID: "20270101T100000Z", Email: "ann@customer.example", Status: "accepted"}, "")
		if model.ErrorCode(err) != model.EINVALID {
			t.Errorf("one occurrence: %v", err)
		}

		// A client's UID finds its meeting too.
		dav := r.meeting(store.ClientScheduled(r.ctx), "Synced", ann())
		if _, err := store.Update(store.ClientScheduled(r.ctx), s, dav.ID, 0, func(a *model.Activity) error { a.DAV.UID = "thunderbird-42"; return nil }); err != nil {
			t.Fatal(err)
		}
		if got, err := reply("thunderbird-42", "ann@customer.example", "accepted", 0, ""); err != nil || got.ID != dav.ID || got.Attendees[0].Status != "accepted" {
			t.Errorf("by client UID: %+v %v", got, err)
		}
	})
}

// TestInvitationRoundTrip: the attendee's client answers the REQUEST we
// mailed (its UID and SEQUENCE, METHOD:REPLY, only its own ATTENDEE), the
// answer is parsed as the pipeline parses it and recorded.
func TestInvitationRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newInviteRig(t, s)
		a := r.meeting(r.ctx, "Round trip", ann(), model.Attendee{Email: "dan@customer.example"})
		a = r.update(a.ID, func(a *model.Activity) { a.Location = "Room 7" })
		mails := r.fresh()
		if len(mails) != 2 {
			t.Fatalf("%d mails", len(mails))
		}
		cal, err := ical.NewDecoder(strings.NewReader(mails[1].Calendar)).Decode()
		if err != nil {
			t.Fatal(err)
		}
		cal.Props.SetText(ical.PropMethod, "REPLY")
		for _, ev := range cal.Children {
			if ev.Name != ical.CompEvent {
				continue
			}
			mine := ev.Props[ical.PropAttendee][:0]
			for _, p := range ev.Props[ical.PropAttendee] {
				if strings.EqualFold(p.Value, "mailto:ann@customer.example") {
					p.Params.Set(ical.ParamParticipationStatus, "ACCEPTED")
					p.Params.Del(ical.ParamRSVP)
					mine = append(mine, p)
				}
			}
			ev.Props[ical.PropAttendee] = mine
		}
		var buf strings.Builder
		if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
			t.Fatal(err)
		}
		reply, err := icalmap.ParseReply([]byte(buf.String()))
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.ApplyInvitationReply(salesAdmin, reply, "")
		if err != nil || got.ID != a.ID || got.Attendees[0].Status != "accepted" || got.Attendees[1].Status != "needs-action" {
			t.Fatalf("applied: %+v %v", got, err)
		}
	})
}

// BenchmarkInvitedAppointment creates a meeting with one guest: with
// invitations on, the REQUEST (calendar, outbox row, e-mail activity, job)
// is written in the same transaction; "plain" is the write alone.
func BenchmarkInvitedAppointment(b *testing.B) {
	for _, engine := range storetest.Engines() {
		for _, invite := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/invitations=%v", engine, invite), func(b *testing.B) {
				s := storetest.Open(b, engine)
				r := newInviteRig(b, s)
				if !invite {
					if _, err := s.UpdateMailbox(salesAdmin, testBox(b), r.mb.ID, 0, func(m *model.Mailbox) error { m.Active = false; return nil }); err != nil {
						b.Fatal(err)
					}
				}
				for b.Loop() {
					r.meeting(r.ctx, "Demo", ann())
				}
				if got := len(r.queued) > 0; got != invite {
					b.Fatalf("invitations queued: %v", got)
				}
			})
		}
	}
}
