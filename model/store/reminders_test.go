package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// reminderRig is a store with two owners (one reading Russian in Moscow)
// and the reminders' outbox.
type reminderRig struct {
	outboxTap
	ivan, jane *model.User
	rm         store.ReminderMail
}

func newReminderRig(t *testing.T, s *store.Store) *reminderRig {
	t.Helper()
	r := &reminderRig{outboxTap: outboxTap{t: t, s: s}}
	r.ivan = &model.User{Email: "ivan@staff.example", Name: "Иван Петров", Role: model.RoleAgent, Language: "ru", TimeZone: "Europe/Moscow"}
	r.jane = &model.User{Email: "jane@staff.example", Name: "Jane Doe", Role: model.RoleAgent}
	createUsers(t, s, r.ivan, r.jane)
	r.rm = store.ReminderMail{Mint: r.mint, Enqueue: r.enqueue,
		Link: func(id string) string { return "https://crm.example.com/activities/" + id }}
	return r
}

func (r *reminderRig) sender() {
	r.t.Helper()
	mb := &model.Mailbox{Name: "Support", IMAPHost: "imap.example.com", Username: "support@rapport.example", Password: "imap-secret",
		FromAddress: "support@rapport.example", FromName: "Rapport", SMTPHost: "smtp.example.com", Active: true}
	if err := r.s.CreateMailbox(salesAdmin, testBox(r.t), mb); err != nil {
		r.t.Fatal(err)
	}
}

// run mails the due reminders and returns the mails queued.
func (r *reminderRig) run() []*model.OutboundMail {
	r.t.Helper()
	n, err := r.s.MailReminders(salesAdmin, r.rm, 100)
	if err != nil {
		r.t.Fatal(err)
	}
	out := r.fresh()
	if n != len(out) {
		r.t.Fatalf("MailReminders says %d, queued %d", n, len(out))
	}
	return out
}

func (r *reminderRig) create(a *model.Activity) *model.Activity {
	r.t.Helper()
	if err := store.Create(salesAdmin, r.s, a); err != nil {
		r.t.Fatal(err)
	}
	return a
}

func ago(d time.Duration) *time.Time { t := time.Now().UTC().Add(-d); return &t }

func TestRemindersByMail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newReminderRig(t, s)
		call := r.create(&model.Activity{Kind: model.KindAppointment, Subject: "Звонок клиенту", StartAt: ago(-15 * time.Minute),
			RemindAt: ago(time.Minute), OwnerID: &r.ivan.ID, Location: "Zoom"})
		// Nothing can send yet: the reminder waits.
		if _, err := s.MailReminders(salesAdmin, r.rm, 100); !errors.Is(err, store.ErrNoMailSender) {
			t.Fatalf("without a sender: %v", err)
		}
		r.sender()
		mails := r.run()
		if len(mails) != 1 {
			t.Fatalf("%d reminders", len(mails))
		}
		m := mails[0]
		start := call.StartAt.In(time.FixedZone("MSK", 3*3600)).Format("02.01.2006 15:04")
		if m.To[0].Email != "ivan@staff.example" || m.Subject != "Напоминание: Звонок клиенту" || m.AutoSubmitted != "auto-generated" ||
			m.From.Email != "support@rapport.example" || m.CalendarMethod != "" {
			t.Errorf("reminder %+v", m)
		}
		for _, want := range []string{"Когда: " + start, "(Europe/Moscow)", "Где: Zoom", "Открыть: https://crm.example.com/activities/" + call.ID} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("%q missing in\n%s", want, m.Text)
			}
		}

		// It fires once; a new reminder time re-arms it, a future one waits.
		if mails := r.run(); len(mails) != 0 {
			t.Fatalf("fired again: %d", len(mails))
		}
		if _, err := store.Update(salesAdmin, s, call.ID, 0, func(a *model.Activity) error { a.RemindAt = ago(30 * time.Second); return nil }); err != nil {
			t.Fatal(err)
		}
		if mails := r.run(); len(mails) != 1 {
			t.Fatalf("re-armed: %d", len(mails))
		}
		if _, err := store.Update(salesAdmin, s, call.ID, 0, func(a *model.Activity) error { a.RemindAt = ago(-time.Hour); return nil }); err != nil {
			t.Fatal(err)
		}
		if mails := r.run(); len(mails) != 0 {
			t.Fatalf("future reminder sent: %d", len(mails))
		}

		// An open task past its due date gets one notice; a completed one, a
		// cancelled meeting and a reminder a day late get none.
		task := r.create(&model.Activity{Kind: model.KindTask, Subject: "Send the quote", DueAt: ago(time.Minute), OwnerID: &r.jane.ID})
		r.create(&model.Activity{Kind: model.KindTask, Subject: "Done already", DueAt: ago(time.Minute), Status: "completed", OwnerID: &r.jane.ID})
		r.create(&model.Activity{Kind: model.KindAppointment, Subject: "Off", StartAt: ago(-time.Hour), RemindAt: ago(time.Minute),
			Status: "cancelled", OwnerID: &r.jane.ID})
		r.create(&model.Activity{Kind: model.KindTask, Subject: "Long ago", DueAt: ago(25 * time.Hour), RemindAt: ago(25 * time.Hour), OwnerID: &r.jane.ID})
		mails = r.run()
		if len(mails) != 1 || mails[0].Subject != "Task due: Send the quote" || mails[0].To[0].Email != "jane@staff.example" ||
			!strings.Contains(mails[0].Text, "Due: ") {
			t.Fatalf("due notices: %+v", mails)
		}
		if mails := r.run(); len(mails) != 0 {
			t.Fatalf("due notice fired again: %d", len(mails))
		}
		// Completing the task and moving its due date: no notice for a done task.
		if _, err := store.Update(salesAdmin, s, task.ID, 0, func(a *model.Activity) error {
			a.Status, a.DueAt = "completed", ago(10*time.Second)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if mails := r.run(); len(mails) != 0 {
			t.Fatalf("completed task noticed: %d", len(mails))
		}

		// With the hub's own sender, reminders go from it, through no mailbox.
		r.rm.From = model.MailAddress{Name: "Rapport", Email: "crm@rapport.example"}
		r.create(&model.Activity{Kind: model.KindNote, Subject: "Follow up", RemindAt: ago(time.Second), OwnerID: &r.jane.ID})
		if mails := r.run(); len(mails) != 1 || mails[0].MailboxID != nil || mails[0].From.Email != "crm@rapport.example" || mails[0].Subject != "Reminder: Follow up" {
			t.Fatalf("hub sender: %+v", mails)
		}
	})
}
