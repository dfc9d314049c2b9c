package queue

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"rapport/model/store"
)

// defaultMaxWorkers is how many jobs one process runs at once when Config
// leaves MaxWorkers at zero.
const defaultMaxWorkers = 10

// ErrNoTx is returned by Enqueue when ctx carries no store transaction: jobs
// are side effects of writes, so they are only ever inserted with them.
var ErrNoTx = errors.New("queue: Enqueue needs a store transaction in ctx (call it inside store.WithTx)")

// Queue runs background jobs durably: at least once, retried with backoff and
// jitter, surviving restarts.
type Queue struct {
	store     *store.Store
	insert    *river.Client[*sql.Tx]
	work      runner
	close     func()
	closeOnce sync.Once
}

// runner is the part of a working river.Client the queue drives; its
// transaction type differs by engine.
type runner interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
}

// Config configures a Queue.
type Config struct {
	// Store is the database jobs live in, beside Rapport's own tables.
	Store *store.Store
	// Logger receives River's logs; nil means slog.Default().
	Logger *slog.Logger
	// Workers holds a worker for every job kind that may be enqueued.
	Workers *river.Workers
	// Periodic jobs are enqueued by whichever process holds River's leadership.
	Periodic []*river.PeriodicJob
	// MaxWorkers bounds the jobs this process runs at once (default 10).
	MaxWorkers int
	// PollInterval is how often idle workers look for due jobs they were not
	// woken for, such as retries (default one second; tests shorten it).
	PollInterval time.Duration
}

// New builds the insert client and the work client for the store's engine.
// Nothing runs until Start; Enqueue works at once.
func New(ctx context.Context, cfg Config) (*Queue, error) {
	if cfg.Store == nil {
		return nil, errors.New("queue: Config.Store is nil")
	}
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	b, err := openBackend(ctx, cfg.Store)
	if err != nil {
		return nil, err
	}
	q := &Queue{store: cfg.Store, close: b.close}
	q.insert, err = river.NewClient(b.insert, &river.Config{Logger: cfg.Logger, Workers: cfg.Workers})
	if err == nil {
		q.work, err = b.work(workConfig(cfg))
	}
	if err != nil {
		b.close()
		return nil, fmt.Errorf("queue: %w", err)
	}
	return q, nil
}

// workConfig is River's configuration for the client that works jobs.
func workConfig(cfg Config) *river.Config {
	c := &river.Config{
		Logger:       cfg.Logger,
		Workers:      cfg.Workers,
		PeriodicJobs: cfg.Periodic,
		Queues: map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: cmp.Or(cfg.MaxWorkers, defaultMaxWorkers)},
		},
		FetchPollInterval: cfg.PollInterval,
	}
	if cfg.PollInterval > 0 && cfg.PollInterval < river.FetchCooldownDefault {
		c.FetchCooldown = cfg.PollInterval // River refuses a cooldown longer than the poll interval
	}
	return c
}

// Enqueue inserts a job in the store transaction carried by ctx (see
// store.SQLTx), so it runs only if that transaction commits. It returns
// ErrNoTx when ctx carries none.
func (q *Queue) Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	tx, ok := q.store.SQLTx(ctx)
	if !ok {
		return ErrNoTx
	}
	if _, err := q.insert.InsertTx(ctx, tx, args, opts); err != nil {
		return fmt.Errorf("queue: enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// Start begins working jobs in the background until Stop.
func (q *Queue) Start(ctx context.Context) error {
	if err := q.work.Start(ctx); err != nil {
		return fmt.Errorf("queue: start: %w", err)
	}
	return nil
}

// Stop stops fetching jobs, waits for running ones until ctx is done (then
// cancels them) and releases the workers' connections. A stopped Queue cannot
// be started again, but Enqueue keeps working: the jobs wait in the database
// for the next Queue started on it.
func (q *Queue) Stop(ctx context.Context) error {
	err := q.work.Stop(ctx)
	if err != nil {
		// Out of patience: cancel the running jobs rather than close the
		// connections under them; they are retried later.
		err = errors.Join(err, q.work.StopAndCancel(context.WithoutCancel(ctx)))
	}
	q.closeOnce.Do(q.close)
	if err != nil {
		return fmt.Errorf("queue: stop: %w", err)
	}
	return nil
}

// Depth counts the jobs waiting to run (available, scheduled or retryable),
// for the /metrics queue-depth gauge.
func (q *Queue) Depth(ctx context.Context) (int64, error) {
	var n int64
	err := q.store.DB().QueryRowContext(ctx,
		`SELECT count(*) FROM river_job WHERE state IN ('available', 'scheduled', 'retryable')`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("queue: depth: %w", err)
	}
	return n, nil
}
