package queue

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"rapport/model/store"
)

// backend is what an engine contributes: a driver for inserting on the
// store's transactions, a constructor for the working client and the
// connections to release when the workers stop.
type backend struct {
	insert riverdriver.Driver[*sql.Tx]
	work   func(*river.Config) (runner, error)
	close  func()
}

func openBackend(ctx context.Context, s *store.Store) (*backend, error) {
	switch s.Engine() {
	case "postgres":
		return postgresBackend(ctx, s)
	case "sqlite":
		return sqliteBackend(s)
	}
	return nil, fmt.Errorf("queue: unsupported engine %q", s.Engine())
}

// postgresBackend works jobs on a pgx pool opened from the store's own URL,
// so its search_path (the store's schema) applies to River's tables too, and
// River can LISTEN for inserts instead of polling.
func postgresBackend(ctx context.Context, s *store.Store) (*backend, error) {
	pool, err := pgxpool.New(ctx, s.DSN())
	if err != nil {
		return nil, fmt.Errorf("queue: worker pool: %w", err)
	}
	return &backend{
		insert: riverdatabasesql.New(s.DB()),
		work:   newRunner(riverpgxv5.New(pool)),
		close:  pool.Close,
	}, nil
}

// sqliteBackend gives River's workers their own single-connection pool on the
// store's WAL file: River runs several services at once and SQLite has one
// writer, so one connection queues them instead of failing with SQLITE_BUSY.
func sqliteBackend(s *store.Store) (*backend, error) {
	db, err := sql.Open("sqlite", store.SQLiteDSN(s.SQLitePath()))
	if err != nil {
		return nil, fmt.Errorf("queue: worker database: %w", err)
	}
	db.SetMaxOpenConns(1)
	return &backend{
		insert: riversqlite.New(s.DB()),
		work:   newRunner(riversqlite.New(db)),
		close:  func() { _ = db.Close() },
	}, nil
}

func newRunner[TTx any](d riverdriver.Driver[TTx]) func(*river.Config) (runner, error) {
	return func(c *river.Config) (runner, error) {
		client, err := river.NewClient(d, c)
		if err != nil {
			return nil, err
		}
		return client, nil
	}
}
