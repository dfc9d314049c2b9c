package queue

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"rapport/model/store"
	"rapport/model/storetest"
)

// TestPeriodicBlobGC runs the real job through the leader's periodic
// enqueuer and checks that the collector is called.
func TestPeriodicBlobGC(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		migrated(t, s)
		called := make(chan struct{}, 100)
		workers := river.NewWorkers()
		river.AddWorker(workers, &BlobGC{Collect: func(context.Context) (int, error) {
			called <- struct{}{}
			return 2, nil
		}})
		q := newTestQueue(t, Config{Store: s, Workers: workers,
			Periodic: []*river.PeriodicJob{PeriodicBlobGC(100 * time.Millisecond)}})
		if err := q.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		select {
		case <-called:
		case <-time.After(5 * time.Second):
			t.Fatal("blob_gc did not run within 5s")
		}
	})
}

func TestBlobGCError(t *testing.T) {
	errDisk := errors.New("disk gone")
	w := &BlobGC{Collect: func(context.Context) (int, error) { return 0, errDisk }}
	if err := w.Work(context.Background(), &river.Job[BlobGCArgs]{}); !errors.Is(err, errDisk) {
		t.Fatalf("Work = %v, want the collector's error", err)
	}
}
