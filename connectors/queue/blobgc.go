package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// BlobGCArgs asks for one pass of the blob collector, which removes stored
// files that no record references any more.
type BlobGCArgs struct{}

// Kind is River's name for the job: "blob_gc".
func (BlobGCArgs) Kind() string { return "blob_gc" }

// BlobGC works BlobGCArgs jobs.
type BlobGC struct {
	river.WorkerDefaults[BlobGCArgs]
	// Collect removes unreferenced blobs and reports how many went; cmd
	// wires blobstore.Collect with store.BlobReferenced, since this package
	// may not import other connectors.
	Collect func(ctx context.Context) (int, error)
}

// Timeout lets a pass over a large store run longer than River's one-minute
// default; a pass cut short is simply resumed by the next one.
func (w *BlobGC) Timeout(*river.Job[BlobGCArgs]) time.Duration { return 30 * time.Minute }

// Work runs one collection and records how many blobs it removed as the
// job's output.
func (w *BlobGC) Work(ctx context.Context, _ *river.Job[BlobGCArgs]) error {
	n, err := w.Collect(ctx)
	if err != nil {
		return fmt.Errorf("queue: blob gc: %w", err)
	}
	return river.RecordOutput(ctx, map[string]int{"removed": n})
}

// PeriodicBlobGC schedules a BlobGCArgs job every interval (enqueued by the
// leader only, so several hubs on one database collect once).
func PeriodicBlobGC(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return BlobGCArgs{}, nil },
		&river.PeriodicJobOpts{ID: "blob_gc"})
}
