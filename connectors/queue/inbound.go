package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// InboundWebhookArgs asks for one received inbound webhook to be turned
// into its record.
type InboundWebhookArgs struct {
	MessageID string `json:"message_id"`
}

// Kind is River's name for the job: "inbound_webhook".
func (InboundWebhookArgs) Kind() string { return "inbound_webhook" }

// InboundWebhook works InboundWebhookArgs jobs.
type InboundWebhook struct {
	river.WorkerDefaults[InboundWebhookArgs]
	// Process maps the message to its record in one transaction
	// (store.ProcessInboundMessage): a payload that cannot become a record
	// is marked failed there; an error returned here is retried.
	Process func(ctx context.Context, messageID string) error
}

// Timeout bounds one message's processing.
func (w *InboundWebhook) Timeout(*river.Job[InboundWebhookArgs]) time.Duration { return time.Minute }

// Work processes one message.
func (w *InboundWebhook) Work(ctx context.Context, job *river.Job[InboundWebhookArgs]) error {
	if err := w.Process(ctx, job.Args.MessageID); err != nil {
		return fmt.Errorf("queue: inbound webhook %s: %w", job.Args.MessageID, err)
	}
	return nil
}
