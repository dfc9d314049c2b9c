package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// SLAWatchArgs asks for one pass of the SLA watch: open requests past a
// target they missed are flagged breached (request.sla_breached).
type SLAWatchArgs struct{}

// Kind is River's name for the job: "sla_watch".
func (SLAWatchArgs) Kind() string { return "sla_watch" }

// SLAWatch works SLAWatchArgs jobs.
type SLAWatch struct {
	river.WorkerDefaults[SLAWatchArgs]
	// Mark flags up to limit breached requests and says how many
	// (store.MarkSLABreaches).
	Mark func(ctx context.Context, limit int) (int, error)
}

// slaBatch bounds the requests flagged per pass; the next pass continues.
const slaBatch = 500

// Work runs one pass.
func (w *SLAWatch) Work(ctx context.Context, _ *river.Job[SLAWatchArgs]) error {
	n, err := w.Mark(ctx, slaBatch)
	if err != nil {
		return fmt.Errorf("queue: sla watch: %w", err)
	}
	return river.RecordOutput(ctx, map[string]int{"flagged": n})
}

// PeriodicSLAWatch schedules an SLAWatchArgs job every interval (enqueued by
// the leader only).
func PeriodicSLAWatch(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return SLAWatchArgs{}, nil },
		&river.PeriodicJobOpts{ID: "sla_watch"})
}
