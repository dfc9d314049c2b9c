package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// LogRetentionArgs asks for one pass of the retention: webhook delivery
// logs, inbound webhook messages, the raw bytes of ingested mail,
// quarantined mail and change-feed rows older than their retention go.
type LogRetentionArgs struct{}

// Kind is River's name for the job: "log_retention".
func (LogRetentionArgs) Kind() string { return "log_retention" }

// LogRetention works LogRetentionArgs jobs.
type LogRetention struct {
	river.WorkerDefaults[LogRetentionArgs]
	// Apply runs one pass with the installation's settings and reports how
	// many entries of each log went (cmd wires store.ApplyRetention, which
	// deletes in bounded batches, one transaction each).
	Apply func(ctx context.Context) (map[string]int64, error)
}

// Timeout lets a pass over a large log run longer than River's one-minute
// default; a pass cut short is resumed by the next one.
func (w *LogRetention) Timeout(*river.Job[LogRetentionArgs]) time.Duration { return 30 * time.Minute }

// Work runs one pass and records how many entries each log lost as the
// job's output.
func (w *LogRetention) Work(ctx context.Context, _ *river.Job[LogRetentionArgs]) error {
	removed, err := w.Apply(ctx)
	if err != nil {
		return fmt.Errorf("queue: retention: %w", err)
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
