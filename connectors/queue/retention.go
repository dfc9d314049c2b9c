package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// LogRetentionArgs asks for one pass of the log retention: delivery
// attempts, settled webhook deliveries and inbound messages older than the
// retention period are deleted.
type LogRetentionArgs struct{}

// Kind is River's name for the job: "log_retention".
func (LogRetentionArgs) Kind() string { return "log_retention" }

// LogRetention works LogRetentionArgs jobs.
type LogRetention struct {
	river.WorkerDefaults[LogRetentionArgs]
	// Keep is how long log entries are kept.
	Keep time.Duration
	// Purges delete the entries older than a time and report how many
	// went, one per log (store.PurgeWebhookLog, store.PurgeInboundMessages).
	Purges map[string]func(ctx context.Context, before time.Time) (int64, error)
}

// Timeout lets a pass over a large log run longer than River's one-minute
// default.
func (w *LogRetention) Timeout(*river.Job[LogRetentionArgs]) time.Duration { return 30 * time.Minute }

// Work runs every purge and records how many entries each removed.
func (w *LogRetention) Work(ctx context.Context, _ *river.Job[LogRetentionArgs]) error {
	before := time.Now().Add(-w.Keep)
	removed := map[string]int64{}
	for name, purge := range w.Purges {
		n, err := purge(ctx, before)
		if err != nil {
			return fmt.Errorf("queue: log retention %s: %w", name, err)
		}
		removed[name] = n
	}
	return river.RecordOutput(ctx, removed)
}

// PeriodicLogRetention schedules a LogRetentionArgs job every interval
// (enqueued by the leader only).
func PeriodicLogRetention(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return LogRetentionArgs{}, nil },
		&river.PeriodicJobOpts{ID: "log_retention"})
}
