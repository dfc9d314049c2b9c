package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"rapport/model/store"
	"rapport/model/storetest"
)

// testArgs is a job that fails its first Fail attempts.
type testArgs struct {
	Name string `json:"name"`
	Fail int    `json:"fail"`
}

func (testArgs) Kind() string { return "queue_test" }

type run struct {
	name    string
	attempt int
}

// testWorker reports every attempt on runs.
type testWorker struct {
	river.WorkerDefaults[testArgs]
	runs chan run
}

func (w *testWorker) Work(_ context.Context, job *river.Job[testArgs]) error {
	w.runs <- run{job.Args.Name, job.Attempt}
	if job.Attempt <= job.Args.Fail {
		return fmt.Errorf("planned failure %d", job.Attempt)
	}
	return nil
}

// NextRetry keeps retries fast; the production policy backs off with jitter.
func (w *testWorker) NextRetry(*river.Job[testArgs]) time.Time {
	return time.Now().Add(10 * time.Millisecond)
}

func newWorker() *testWorker { return &testWorker{runs: make(chan run, 100)} }

// next waits for the worker's next attempt.
func (w *testWorker) next(t *testing.T) run {
	t.Helper()
	select {
	case r := <-w.runs:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("no job ran within 5s")
		return run{}
	}
}

// expect waits for the next attempt and checks it ran the job named name.
func (w *testWorker) expect(t *testing.T, name string) {
	t.Helper()
	if r := w.next(t); r.name != name {
		t.Fatalf("ran %+v, want %q", r, name)
	}
}

// quiet asserts that no job runs for a while.
func (w *testWorker) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case r := <-w.runs:
		t.Fatalf("unexpected run %+v", r)
	case <-time.After(d):
	}
}

// migrated prepares River's tables on s. storetest truncates every table
// but goose's between tests, river_migration included, which would make
// River re-create its tables; so on PostgreSQL drop them first and migrate
// from scratch (a no-op on SQLite, where each test gets a fresh file).
func migrated(t *testing.T, s *store.Store) {
	t.Helper()
	if err := Migrate(context.Background(), s); err != nil {
		t.Fatal(err)
	}
}

func dropRiver(t *testing.T, s *store.Store) {
	t.Helper()
	rows, err := s.DB().Query(`SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'river\_%'`)
	if err != nil {
		t.Fatal(err)
	}
	var stmts []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		stmts = append(stmts, "DROP TABLE "+name+" CASCADE")
	}
	rows.Close()
	for _, stmt := range append(stmts, "DROP TYPE IF EXISTS river_job_state CASCADE") {
		if _, err := s.DB().Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
}

// newQueue builds a queue for w, stopped when t ends.
func newQueue(t *testing.T, s *store.Store, w river.Worker[testArgs]) *Queue {
	t.Helper()
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	return newTestQueue(t, Config{Store: s, Workers: workers})
}

// newTestQueue builds a queue from cfg with short poll intervals and River's
// warnings on stderr, stopped when t ends.
func newTestQueue(t *testing.T, cfg Config) *Queue {
	t.Helper()
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg.PollInterval = 20 * time.Millisecond
	q, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := q.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return q
}

// migratedQueue migrates s and starts a queue with a fresh test worker.
func migratedQueue(t *testing.T, s *store.Store) (*testWorker, *Queue) {
	t.Helper()
	migrated(t, s)
	w := newWorker()
	return w, startQueue(t, s, w)
}

func startQueue(t *testing.T, s *store.Store, w river.Worker[testArgs]) *Queue {
	t.Helper()
	q := newQueue(t, s, w)
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return q
}

// enqueue commits one job in its own store transaction.
func enqueue(t *testing.T, s *store.Store, q *Queue, args testArgs, opts *river.InsertOpts) {
	t.Helper()
	err := s.WithTx(context.Background(), func(ctx context.Context) error {
		return q.Enqueue(ctx, args, opts)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func depth(t *testing.T, q *Queue) int64 {
	t.Helper()
	n, err := q.Depth(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestTransactional(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w, q := migratedQueue(t, s)
		errRollback := errors.New("roll back")
		err := s.WithTx(context.Background(), func(ctx context.Context) error {
			if err := q.Enqueue(ctx, testArgs{Name: "rolled back"}, nil); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("WithTx = %v", err)
		}
		err = s.WithTx(context.Background(), func(ctx context.Context) error {
			if err := q.Enqueue(ctx, testArgs{Name: "committed"}, nil); err != nil {
				return err
			}
			w.quiet(t, 150*time.Millisecond) // not before commit
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		w.expect(t, "committed")
		w.quiet(t, 150*time.Millisecond)
	})
}

func TestRetry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w, q := migratedQueue(t, s)
		enqueue(t, s, q, testArgs{Name: "flaky", Fail: 2}, nil)
		var attempts []int
		for range 3 {
			attempts = append(attempts, w.next(t).attempt)
		}
		if !slices.Equal(attempts, []int{1, 2, 3}) {
			t.Fatalf("attempts %v, want [1 2 3]", attempts)
		}
		w.quiet(t, 150*time.Millisecond)
	})
}

func TestRestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w, first := migratedQueue(t, s)
		enqueue(t, s, first, testArgs{Name: "before stop"}, nil)
		w.expect(t, "before stop")
		if err := first.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		enqueue(t, s, first, testArgs{Name: "while stopped"}, nil)
		w.quiet(t, 150*time.Millisecond)
		startQueue(t, s, w)
		w.expect(t, "while stopped")
	})
}

func TestEnqueueNeedsTx(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		migrated(t, s)
		q := newQueue(t, s, newWorker())
		if err := q.Enqueue(context.Background(), testArgs{}, nil); !errors.Is(err, ErrNoTx) {
			t.Fatalf("Enqueue without tx = %v, want ErrNoTx", err)
		}
		if n := depth(t, q); n != 0 {
			t.Fatalf("depth %d, want 0", n)
		}
	})
}

func TestDepth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		migrated(t, s)
		w := newWorker()
		q := newQueue(t, s, w)
		enqueue(t, s, q, testArgs{Name: "a"}, nil)
		enqueue(t, s, q, testArgs{Name: "b"}, nil)
		enqueue(t, s, q, testArgs{Name: "later"}, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)})
		if n := depth(t, q); n != 3 {
			t.Fatalf("depth %d, want 3", n)
		}
		if err := q.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		w.next(t)
		w.next(t)
		deadline := time.Now().Add(5 * time.Second)
		for depth(t, q) != 1 { // completions are written in batches
			if time.Now().After(deadline) {
				t.Fatalf("depth %d, want 1 (the scheduled job)", depth(t, q))
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// TestMigrateConcurrent starts several "processes" migrating one database
// together, then migrates again: all succeed and River works afterwards.
func TestMigrateConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		if s.Engine() == "postgres" {
			dropRiver(t, s)
		}
		dsn := s.DSN()
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Go(func() { errs <- migrateFresh(dsn) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := Migrate(context.Background(), s); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		w := newWorker()
		q := startQueue(t, s, w)
		enqueue(t, s, q, testArgs{Name: "after migrate"}, nil)
		w.expect(t, "after migrate")
	})
}

func migrateFresh(dsn string) error {
	s, err := store.Open(context.Background(), dsn)
	if err != nil {
		return err
	}
	defer s.Close()
	return Migrate(context.Background(), s)
}
