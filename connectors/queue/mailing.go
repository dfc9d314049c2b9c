package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// MailingArgs asks for a mail template to be sent to every member of a
// mailing list (the hub's outmail.Mailing).
type MailingArgs struct {
	ListID        string `json:"list_id"`
	TemplateID    string `json:"template_id"`
	FromMailboxID string `json:"from_mailbox_id,omitempty"`
	UserID        string `json:"user_id"`
}

// Kind is River's name for the job: "mailing".
func (MailingArgs) Kind() string { return "mailing" }

// InsertOpts allows ten attempts: each resumes after the last page of mail
// the job recorded (SaveMailingProgress), so a retry never mails anybody
// twice, and River's backoff spreads them over several hours.
func (MailingArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 10} }

// MailingJob is one attempt at a mailing.
type MailingJob struct {
	ID   int64
	Args MailingArgs
	// Progress is what the job last recorded with SaveMailingProgress; nil
	// on the first attempt.
	Progress json.RawMessage
}

// Mailing works MailingArgs jobs.
type Mailing struct {
	river.WorkerDefaults[MailingArgs]
	// Run sends the mailing from job.Progress on. Return river.JobCancel
	// for a mailing that can never run (its list or template is gone).
	Run func(ctx context.Context, job MailingJob) error
}

// Timeout bounds one attempt; a longer mailing goes on in the next attempt
// from where this one stopped.
func (w *Mailing) Timeout(*river.Job[MailingArgs]) time.Duration { return time.Hour }

// Work runs one attempt.
func (w *Mailing) Work(ctx context.Context, job *river.Job[MailingArgs]) error {
	if err := w.Run(ctx, MailingJob{ID: job.ID, Args: job.Args, Progress: job.Output()}); err != nil {
		return fmt.Errorf("queue: mailing %d: %w", job.ID, err)
	}
	return nil
}

// EnqueueMailing inserts a mailing job in the store transaction carried by
// ctx and returns its id, which names the mailing.
func (q *Queue) EnqueueMailing(ctx context.Context, args MailingArgs) (int64, error) {
	tx, ok := q.store.SQLTx(ctx)
	if !ok {
		return 0, ErrNoTx
	}
	res, err := q.insert.InsertTx(ctx, tx, args, nil)
	if err != nil {
		return 0, fmt.Errorf("queue: enqueue mailing: %w", err)
	}
	return res.Job.ID, nil
}

// SaveMailingProgress records a mailing's progress on its job row in the
// store transaction carried by ctx: it commits with the mail it counts.
func (q *Queue) SaveMailingProgress(ctx context.Context, id int64, progress any) error {
	tx, ok := q.store.SQLTx(ctx)
	if !ok {
		return ErrNoTx
	}
	if _, err := q.insert.JobUpdateTx(ctx, tx, id, &river.JobUpdateParams{Output: progress}); err != nil {
		return fmt.Errorf("queue: mailing %d progress: %w", id, err)
	}
	return nil
}

// MailingState is a mailing job as its row tells it. River removes
// finished jobs a day after they end (its job cleaner); the mail stays in
// the outbox.
type MailingState struct {
	ID          int64
	Args        MailingArgs
	State       rivertype.JobState
	Attempt     int
	MaxAttempts int
	CreatedAt   time.Time
	FinalizedAt *time.Time
	// LastError is the newest attempt's error, if any.
	LastError string
	Progress  json.RawMessage
}

// ErrNoMailing is returned by Mailing for an id that names no mailing job.
var ErrNoMailing = errors.New("queue: no such mailing")

// Mailing reads a mailing job.
func (q *Queue) Mailing(ctx context.Context, id int64) (*MailingState, error) {
	job, err := q.insert.JobGet(ctx, id)
	switch {
	case errors.Is(err, river.ErrNotFound):
		return nil, ErrNoMailing
	case err != nil:
		return nil, fmt.Errorf("queue: mailing %d: %w", id, err)
	case job.Kind != (MailingArgs{}).Kind():
		return nil, ErrNoMailing
	}
	st := &MailingState{ID: job.ID, State: job.State, Attempt: job.Attempt, MaxAttempts: job.MaxAttempts,
		CreatedAt: job.CreatedAt, FinalizedAt: job.FinalizedAt, Progress: job.Output()}
	if err := json.Unmarshal(job.EncodedArgs, &st.Args); err != nil {
		return nil, fmt.Errorf("queue: mailing %d: %w", id, err)
	}
	if n := len(job.Errors); n > 0 {
		st.LastError = job.Errors[n-1].Error
	}
	return st, nil
}
