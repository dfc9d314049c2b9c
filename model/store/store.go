package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"rapport/model"
	"rapport/model/migrate"
)

// Store reads and writes Rapport's data through GORM on SQLite or PostgreSQL.
type Store struct {
	db      *gorm.DB
	sqlDB   *sql.DB
	engine  string
	path    string // SQLite database file, "" on PostgreSQL
	dsn     string
	install Installation
	// invitations, when set, mails iMIP invitations for appointments
	// written in the CRM (SetInvitations).
	invitations *invitationMailer
}

// Open connects to dsn: "sqlite:PATH" (the file and its directory are
// created) or a "postgres://" URL. It does not migrate.
func Open(ctx context.Context, dsn string) (*Store, error) {
	s := &Store{dsn: dsn}
	var dial gorm.Dialector
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		s.engine, s.path = migrate.SQLite, strings.TrimPrefix(dsn, "sqlite:")
		if err := registerSQLiteFunctions(); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(s.path), 0o750); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		dial = sqlite.Open(SQLiteDSN(s.path))
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		s.engine = migrate.Postgres
		dial = postgres.Open(dsn)
	default:
		return nil, fmt.Errorf("store: database URL must start with sqlite: or postgres://")
	}
	db, err := openGorm(ctx, dial, s.engine)
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	s.db = db
	if s.sqlDB, err = db.DB(); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if s.engine == migrate.SQLite {
		// WAL lets readers run beside the single writer; a handful of
		// connections is plenty and keeps file handles low.
		s.sqlDB.SetMaxOpenConns(8)
	} else {
		s.sqlDB.SetMaxOpenConns(20)
		s.sqlDB.SetMaxIdleConns(20)
		s.sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	if err := s.ping(ctx); err != nil {
		s.sqlDB.Close()
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	return s, nil
}

func openGorm(ctx context.Context, dial gorm.Dialector, engine string) (*gorm.DB, error) {
	var db *gorm.DB
	err := retryBusy(ctx, engine, func() (err error) {
		db, err = gorm.Open(dial, &gorm.Config{SkipDefaultTransaction: true, Logger: logger.Discard, NowFunc: now})
		return err
	})
	return db, err
}

func (s *Store) ping(ctx context.Context) error {
	return retryBusy(ctx, s.engine, func() error { return s.sqlDB.PingContext(ctx) })
}

// retryBusy runs connect, waiting out SQLite's lock while another process
// switches the file to WAL or migrates it: setting journal_mode answers
// SQLITE_BUSY at once instead of calling the busy handler.
func retryBusy(ctx context.Context, engine string, connect func() error) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := connect()
		if err == nil || engine != migrate.SQLite || !strings.Contains(err.Error(), "SQLITE_BUSY") || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// SQLiteDSN is the driver DSN for a database file: WAL, foreign keys, a busy
// timeout so CLI commands and a running server share the file, and IMMEDIATE
// write transactions so writers queue instead of failing on lock upgrades.
func SQLiteDSN(path string) string {
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// now is the store's clock: UTC, truncated to what PostgreSQL keeps, so a
// record read back equals the one written (ETags, snapshots).
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Engine returns "sqlite" or "postgres".
func (s *Store) Engine() string { return s.engine }

// SQLitePath returns the database file on SQLite, "" on PostgreSQL.
func (s *Store) SQLitePath() string { return s.path }

// DSN returns the database URL the store was opened with (the job queue
// opens its own pool on it).
func (s *Store) DSN() string { return s.dsn }

// DB returns the connection pool (for metrics and the job queue).
func (s *Store) DB() *sql.DB { return s.sqlDB }

// Close closes the connection pool.
func (s *Store) Close() error { return s.sqlDB.Close() }

// Migrate brings the schema to the latest version.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	lockFile := ""
	if s.path != "" {
		lockFile = s.path + ".migrate-lock"
	}
	return migrate.Up(ctx, s.engine, s.sqlDB, lockFile)
}

// CheckSchema returns nil when the database is reachable and its schema is current.
func (s *Store) CheckSchema(ctx context.Context) error {
	if err := s.sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("store: database unreachable: %w", err)
	}
	return migrate.Check(ctx, s.engine, s.sqlDB)
}

type txKey struct{ s *Store }

type txState struct {
	db      *gorm.DB
	conn    *sql.Conn // PostgreSQL: the session the transaction runs on (for COPY)
	changes []*pendingChange
	depth   int
	// live are the records (entity and id) this transaction created or
	// found live, so that checkRefs asks the database about each once: an
	// ingested mail's contact is referenced by its request, activity and
	// acknowledgement. Deleting a record forgets it; a rolled-back
	// savepoint forgets them all.
	live map[liveKey]bool
}

// liveKey names a record in txState.live.
type liveKey struct{ entity, id string }

// isLive reports whether the transaction knows the record is live; false
// outside a transaction.
func (st *txState) isLive(entity, id string) bool {
	return st != nil && st.live[liveKey{entity, id}]
}

// setLive records that the record is live, or no longer is.
func (st *txState) setLive(entity, id string, live bool) {
	switch {
	case st == nil:
	case live && st.live == nil:
		st.live = map[liveKey]bool{{entity, id}: true}
	case live:
		st.live[liveKey{entity, id}] = true
	default:
		delete(st.live, liveKey{entity, id})
	}
}

// WithTx runs fn in one database transaction. Inside a transaction already
// carried by ctx it runs fn under a savepoint, so a failing inner step undoes
// its own writes (and queued changes) without aborting the outer work. The
// change-feed rows that the writes produced are appended just before commit.
func (s *Store) WithTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if st, ok := ctx.Value(txKey{s}).(*txState); ok {
		return s.nested(ctx, st, fn)
	}
	st := &txState{}
	base := s.db.WithContext(ctx)
	if s.engine == migrate.Postgres {
		// Pin the transaction to one session so bulk rows can go in with
		// COPY on the same connection (see copy.go).
		conn, err := s.sqlDB.Conn(ctx)
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		defer conn.Close()
		st.conn, base.Statement.ConnPool = conn, conn
	}
	err := base.Transaction(func(tx *gorm.DB) error {
		st.db = tx
		txCtx := context.WithValue(ctx, txKey{s}, st)
		if err := fn(txCtx); err != nil {
			return err
		}
		// Invitations see the transaction's final state of each appointment.
		if err := s.queueInvitations(txCtx, st); err != nil {
			return err
		}
		return s.flushFeed(ctx, st)
	})
	return err
}

// stepKey marks a context whose nested transactions take no savepoint
// (Store.step); false gives them back (Store.ownSavepoint).
type stepKey struct{ s *Store }

// step runs fn under one savepoint (or in a transaction of its own) inside
// which nested WithTx calls take none. For a block whose every failure
// fails it whole — rolled back to that one savepoint — savepoints inside
// are round trips that buy nothing: an ingested mail's creates took 12 of
// its statements. A call inside that recovers from an error must get its
// savepoint back with ownSavepoint.
func (s *Store) step(ctx context.Context, fn func(ctx context.Context) error) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		return fn(context.WithValue(ctx, stepKey{s}, true))
	})
}

// ownSavepoint returns ctx in which nested WithTx calls take savepoints
// again, inside a step, for a call whose failure the caller recovers from.
func (s *Store) ownSavepoint(ctx context.Context) context.Context {
	return context.WithValue(ctx, stepKey{s}, false)
}

func (s *Store) nested(ctx context.Context, st *txState, fn func(ctx context.Context) error) error {
	if inStep, _ := ctx.Value(stepKey{s}).(bool); inStep {
		return fn(ctx)
	}
	st.depth++
	defer func() { st.depth-- }()
	sp := fmt.Sprintf("rapport_sp%d", st.depth)
	if err := st.db.SavePoint(sp).Error; err != nil {
		return fmt.Errorf("store: savepoint: %w", err)
	}
	nChanges := len(st.changes)
	if err := fn(ctx); err != nil {
		if rbErr := st.db.RollbackTo(sp).Error; rbErr != nil {
			return fmt.Errorf("store: rollback to savepoint: %w (after %w)", rbErr, err)
		}
		st.changes = st.changes[:nChanges]
		st.live = nil // what the undone step created is gone
		if relErr := releaseSavepoint(st, sp); relErr != nil {
			return fmt.Errorf("%w (after %w)", relErr, err)
		}
		return err
	}
	return releaseSavepoint(st, sp)
}

// releaseSavepoint forgets a savepoint once its step is settled, so later
// writes of the transaction are not journalled for it again (SQLite keeps a
// statement journal per open savepoint).
func releaseSavepoint(st *txState, sp string) error {
	if err := st.db.Exec("RELEASE SAVEPOINT " + sp).Error; err != nil {
		return fmt.Errorf("store: release savepoint: %w", err)
	}
	return nil
}

// SQLTx returns the *sql.Tx of the transaction in ctx, for libraries (the job
// queue) that must write in the same transaction.
func (s *Store) SQLTx(ctx context.Context) (*sql.Tx, bool) {
	st, ok := ctx.Value(txKey{s}).(*txState)
	if !ok {
		return nil, false
	}
	tx, ok := st.db.Statement.ConnPool.(*sql.Tx)
	return tx, ok
}

// conn returns the transaction in ctx or the pool.
func (s *Store) conn(ctx context.Context) *gorm.DB {
	if st, ok := ctx.Value(txKey{s}).(*txState); ok {
		return st.db
	}
	return s.db.WithContext(ctx)
}

func (s *Store) inTx(ctx context.Context) *txState {
	st, _ := ctx.Value(txKey{s}).(*txState)
	return st
}

// badValueStates are PostgreSQL SQLSTATEs caused by a value the client sent:
// string too long, numeric out of range, invalid text representation,
// invalid byte sequence, untranslatable character.
var badValueStates = []string{"22001", "22003", "22P02", "22021", "22P05"}

// dbErr turns driver errors into coded errors where the cause is the
// client's (a unique key taken) and wraps the rest.
func dbErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return notFound()
	}
	msg := err.Error()
	if strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "duplicate key value") || strings.Contains(msg, "SQLSTATE 23505") {
		return model.Errorf(model.ECONFLICT, "a record with the same unique value already exists")
	}
	for _, state := range badValueStates {
		if strings.Contains(msg, "SQLSTATE "+state) {
			// PostgreSQL refused a value (too long, out of range, not
			// UTF-8, NUL): the client's input, not a server fault.
			return model.Errorf(model.EINVALID, "a value is too long, out of range or not valid text")
		}
	}
	return fmt.Errorf("store: %w", err)
}

func asModelError(err error, target **model.Error) bool { return errors.As(err, target) }

// batchRows returns how many rows of width columns go in one multi-row
// INSERT. The SQLite driver binds parameters in quadratic time, so its
// statements stay near 500 parameters; PostgreSQL takes far more per round trip.
func (s *Store) batchRows(columns int) int {
	params := 5000
	if s.engine == migrate.SQLite {
		params = 500
	}
	return max(1, params/columns)
}
