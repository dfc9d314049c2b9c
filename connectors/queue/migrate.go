package queue

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"os"
	"syscall"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"rapport/model/store"
)

// migrateLockClass is the first key of the PostgreSQL advisory lock taken
// while River migrates; the second is the schema's hash, so stores in
// different schemas of one database do not wait for each other.
const migrateLockClass = 0x52495652 // "RIVR"

// Migrate brings River's own tables (river_job and friends) to the version
// this build knows, beside Rapport's tables in the store's database or
// schema. It is idempotent, and processes starting together serialise on a
// lock: an advisory lock on PostgreSQL, a flock beside the SQLite file.
func Migrate(ctx context.Context, s *store.Store) error {
	var d riverdriver.Driver[*sql.Tx]
	var unlock func()
	var err error
	switch s.Engine() {
	case "postgres":
		d = riverdatabasesql.New(s.DB())
		unlock, err = pgLock(ctx, s.DB())
	case "sqlite":
		d = riversqlite.New(s.DB())
		unlock, err = fileLock(s.SQLitePath() + ".river-migrate-lock")
	default:
		return fmt.Errorf("queue: unsupported engine %q", s.Engine())
	}
	if err != nil {
		return fmt.Errorf("queue: migrate lock: %w", err)
	}
	defer unlock()
	m, err := rivermigrate.New(d, &rivermigrate.Config{Logger: slog.Default()})
	if err != nil {
		return fmt.Errorf("queue: migrate: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("queue: migrate: %w", err)
	}
	return nil
}

// pgLock holds a session advisory lock on a connection of its own, outside
// any transaction, so River's migrations run on other connections beside it.
func pgLock(ctx context.Context, db *sql.DB) (func(), error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	const key = `$1, hashtext(current_schema())`
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+key+`)`, migrateLockClass); err != nil {
		conn.Close()
		return nil, err
	}
	return func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+key+`)`, migrateLockClass); err != nil {
			// Discard the session: its lock goes with it.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}, nil
}

// fileLock takes an exclusive flock on path, creating the file if needed.
func fileLock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
