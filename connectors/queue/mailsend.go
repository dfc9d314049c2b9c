package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// SendMailArgs asks for one outbox mail to be delivered.
type SendMailArgs struct {
	OutboundID string `json:"outbound_id"`
}

// Kind is River's name for the job: "send_mail".
func (SendMailArgs) Kind() string { return "send_mail" }

// InsertOpts gives mail more attempts than River's default: a receiving
// server may greylist or be down for hours, and River's backoff (attempt⁴
// seconds, with jitter) spreads 20 attempts over about six and a half days.
func (SendMailArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 20} }

// ErrUndeliverable marks a Send error that retrying cannot cure (the server
// refused the mail with a 5xx, the mail cannot be written): the job stops at
// once instead of using up its attempts.
var ErrUndeliverable = errors.New("undeliverable")

// SendMail works SendMailArgs jobs.
type SendMail struct {
	river.WorkerDefaults[SendMailArgs]
	// Send delivers the mail and records the attempt on it; final is set on
	// the last attempt River will make, so the mail is marked failed rather
	// than waiting for a retry. Wrap permanent failures in ErrUndeliverable.
	Send func(ctx context.Context, outboundID string, final bool) error
}

// Timeout bounds one SMTP session, attachments included.
func (w *SendMail) Timeout(*river.Job[SendMailArgs]) time.Duration { return 5 * time.Minute }

// Work delivers one mail.
func (w *SendMail) Work(ctx context.Context, job *river.Job[SendMailArgs]) error {
	err := w.Send(ctx, job.Args.OutboundID, job.Attempt >= job.MaxAttempts)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrUndeliverable):
		return river.JobCancel(fmt.Errorf("queue: send mail %s: %w", job.Args.OutboundID, err))
	default:
		return fmt.Errorf("queue: send mail %s: %w", job.Args.OutboundID, err)
	}
}
