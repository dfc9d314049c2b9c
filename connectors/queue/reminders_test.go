package queue

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// TestReminderMailAtStart runs the job as serve wires it, on the real
// store: at start (long before its interval) the leader's periodic job
// mails the owner of a task past its due date.
func TestReminderMailAtStart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		migrated(t, s)
		sys := model.WithActor(context.Background(), model.System)
		owner := &model.User{Email: "owner@example.com", Name: "Owner", Role: model.RoleAgent}
		if err := s.CreateUser(sys, owner, ""); err != nil {
			t.Fatal(err)
		}
		due := time.Now().UTC().Add(-time.Minute)
		if err := store.Create(sys, s, &model.Activity{Kind: model.KindTask, Subject: "Call back", DueAt: &due, OwnerID: &owner.ID}); err != nil {
			t.Fatal(err)
		}
		queued := make(chan string, 10)
		rm := store.ReminderMail{From: model.MailAddress{Email: "crm@example.com"},
			Mint:    func(ref, domain string) (string, error) { return ref + ".1@" + domain, nil },
			Enqueue: func(_ context.Context, id string) error { queued <- id; return nil }}
		workers := river.NewWorkers()
		river.AddWorker(workers, &ReminderMail{Mail: func(ctx context.Context, limit int) (int, error) {
			return s.MailReminders(model.WithActor(ctx, model.System), rm, limit)
		}})
		q := newTestQueue(t, Config{Store: s, Workers: workers, Periodic: []*river.PeriodicJob{PeriodicReminderMail(time.Hour)}})
		if err := q.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		select {
		case id := <-queued: // queued inside the job's transaction: read it once committed
			m, err := store.Get[model.OutboundMail](sys, s, id)
			for deadline := time.Now().Add(5 * time.Second); model.ErrorCode(err) == model.ENOTFOUND && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond)
				m, err = store.Get[model.OutboundMail](sys, s, id)
			}
			if err != nil || m.Subject != "Task due: Call back" || m.To[0].Email != "owner@example.com" {
				t.Fatalf("reminder %+v %v", m, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("reminder_mail did not run at start within 5s")
		}
	})
}

func TestReminderMailError(t *testing.T) {
	errDB := errors.New("database gone")
	w := &ReminderMail{Mail: func(context.Context, int) (int, error) { return 0, errDB }}
	if err := w.Work(context.Background(), &river.Job[ReminderMailArgs]{}); !errors.Is(err, errDB) {
		t.Fatalf("Work = %v, want the mailer's error", err)
	}
}
