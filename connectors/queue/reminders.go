package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// ReminderMailArgs asks for one pass of reminders by mail: activities whose
// reminder time or (open tasks) due time has passed are mailed to their
// owners, once each.
type ReminderMailArgs struct{}

// Kind is River's name for the job: "reminder_mail".
func (ReminderMailArgs) Kind() string { return "reminder_mail" }

// ReminderMail works ReminderMailArgs jobs.
type ReminderMail struct {
	river.WorkerDefaults[ReminderMailArgs]
	// Mail queues up to limit due reminders, each marked mailed in the same
	// transaction, and says how many (store.MailReminders).
	Mail func(ctx context.Context, limit int) (int, error)
}

// reminderBatch bounds the reminders queued in one transaction; a pass
// goes on until a batch comes back short, so none waits for the next pass.
const reminderBatch = 200

// Work mails every due reminder, a batch at a time.
func (w *ReminderMail) Work(ctx context.Context, _ *river.Job[ReminderMailArgs]) error {
	total := 0
	for {
		n, err := w.Mail(ctx, reminderBatch)
		if err != nil {
			return fmt.Errorf("queue: reminder mail: %w", err)
		}
		total += n
		if n < reminderBatch {
			return river.RecordOutput(ctx, map[string]int{"mailed": total})
		}
	}
}

// PeriodicReminderMail schedules a ReminderMailArgs job every interval and
// once at start (enqueued by the leader only).
func PeriodicReminderMail(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return ReminderMailArgs{}, nil },
		&river.PeriodicJobOpts{ID: "reminder_mail", RunOnStart: true})
}
