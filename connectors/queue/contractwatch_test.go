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

// TestPeriodicContractWatch runs the real job through the leader's periodic
// enqueuer: it runs at start, long before its (daily) interval, and works
// through full batches until one comes back short.
func TestPeriodicContractWatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		migrated(t, s)
		calls := make(chan int, 100)
		pending := contractBatch + 3
		workers := river.NewWorkers()
		river.AddWorker(workers, &ContractWatch{Notice: func(_ context.Context, limit int) (int, error) {
			n := min(limit, pending)
			pending -= n
			calls <- n
			return n, nil
		}})
		q := newTestQueue(t, Config{Store: s, Workers: workers,
			Periodic: []*river.PeriodicJob{PeriodicContractWatch(24 * time.Hour)}})
		if err := q.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, want := range []int{contractBatch, 3} {
			select {
			case got := <-calls:
				if got != want {
					t.Fatalf("noticed %d in a batch, want %d", got, want)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("contract_watch did not run at start within 5s")
			}
		}
	})
}

func TestContractWatchError(t *testing.T) {
	errDB := errors.New("database gone")
	w := &ContractWatch{Notice: func(context.Context, int) (int, error) { return 0, errDB }}
	if err := w.Work(context.Background(), &river.Job[ContractWatchArgs]{}); !errors.Is(err, errDB) {
		t.Fatalf("Work = %v, want the notice's error", err)
	}
}
