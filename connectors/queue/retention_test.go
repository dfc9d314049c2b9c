package queue

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// TestPeriodicRetention runs the real retention job through the leader's
// periodic enqueuer on a store whose feed has old rows: they are pruned.
func TestPeriodicRetention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		migrated(t, s)
		ctx := model.WithActor(context.Background(), model.System)
		for i := range 5 {
			if err := store.Create(ctx, s, storetest.Contact(i)); err != nil {
				t.Fatal(err)
			}
		}
		q := "UPDATE changes SET at = ?"
		if s.Engine() == "postgres" {
			q = "UPDATE changes SET at = $1"
		}
		if _, err := s.DB().Exec(q, time.Now().Add(-48*time.Hour)); err != nil {
			t.Fatal(err)
		}
		workers := river.NewWorkers()
		river.AddWorker(workers, &LogRetention{Apply: func(ctx context.Context) (map[string]int64, error) {
			return s.ApplyRetention(ctx, store.Retention{Feed: 24 * time.Hour, Batch: 2}, time.Now())
		}})
		jobs := newTestQueue(t, Config{Store: s, Workers: workers,
			Periodic: []*river.PeriodicJob{PeriodicLogRetention(100 * time.Millisecond)}})
		if err := jobs.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			h, err := s.FeedHorizon(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if h == 4 { // every row but the newest
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("horizon %d after 5s, want 4", h)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

func TestRetentionError(t *testing.T) {
	errDB := errors.New("database gone")
	w := &LogRetention{Apply: func(context.Context) (map[string]int64, error) { return nil, errDB }}
	if err := w.Work(context.Background(), &river.Job[LogRetentionArgs]{}); !errors.Is(err, errDB) {
		t.Fatalf("Work = %v, want the pass's error", err)
	}
}
