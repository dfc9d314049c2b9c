package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// bodies is the append-only migration sequence; index+1 is the version.
// Never edit a released body: add a new one.
var bodies = []string{
	m0001Core,
	m0002ICS,
	m0003DAV,
	m0004Webhooks,
	m0005Inbound,
	m0006Commerce,
	m0007Sales,
	m0008Marketing,
	m0009Assignment,
	m0010ReportDefinitions,
	m0011Support,
	m0012KB,
	m0013WebhookEvents,
	m0014AfterSales,
	m0015DeskIndexes,
	m0016QueueOrder,
	m0017DocumentTemplates,
	m0018Mail,
	m0019MergedRecords,
	m0020IMIP,
	m0021Privacy,
	m0022BlobChunks,
	m0023MailParts,
}

// Latest is the newest schema version this build knows.
func Latest() int64 { return int64(len(bodies)) }

// ErrSchemaTooNew is returned when the database was migrated by a newer build.
var ErrSchemaTooNew = errors.New("migrate: database schema is newer than this build knows; upgrade rapport")

func provider(engine string, db *sql.DB) (*goose.Provider, error) {
	var migrations []*goose.Migration
	for i, body := range bodies {
		stmts := statements(engine, expand(engine, body))
		run := func(ctx context.Context, tx *sql.Tx) error {
			for _, s := range stmts {
				if _, err := tx.ExecContext(ctx, s); err != nil {
					return fmt.Errorf("%w\n%s", err, s)
				}
			}
			return nil
		}
		migrations = append(migrations, goose.NewGoMigration(int64(i+1), &goose.GoFunc{RunTx: run}, nil))
	}
	opts := []goose.ProviderOption{goose.WithGoMigrations(migrations...), goose.WithDisableGlobalRegistry(true)}
	dialect := goose.DialectSQLite3
	if engine == Postgres {
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(dialect, db, nil, opts...)
}

// Up migrates db to the latest version and returns how many migrations ran.
// lockFile (SQLite only) is a path beside the database used to serialise
// concurrent migrators; PostgreSQL uses an advisory lock instead.
func Up(ctx context.Context, engine string, db *sql.DB, lockFile string) (int, error) {
	return UpTo(ctx, engine, db, lockFile, Latest())
}

// UpTo migrates db to version (at most Latest) under the same lock as Up and
// returns how many migrations ran. A restore needs it: an archive made at an
// older schema is loaded into exactly that schema, then upgraded with Up, so
// its rows meet the columns they were written for.
func UpTo(ctx context.Context, engine string, db *sql.DB, lockFile string, version int64) (int, error) {
	if version > Latest() {
		return 0, ErrSchemaTooNew
	}
	if engine == SQLite && lockFile != "" {
		unlock, err := flock(lockFile)
		if err != nil {
			return 0, err
		}
		defer unlock()
	}
	p, err := provider(engine, db)
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	if err := checkNotNewer(ctx, p); err != nil {
		return 0, err
	}
	results, err := p.UpTo(ctx, version)
	if err != nil {
		return len(results), fmt.Errorf("migrate: %w", err)
	}
	return len(results), nil
}

// Current returns the database's schema version (0 when never migrated).
func Current(ctx context.Context, engine string, db *sql.DB) (int64, error) {
	p, err := provider(engine, db)
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	return v, nil
}

// Check returns nil when db is exactly at Latest, ErrSchemaTooNew when it is
// ahead, and an error naming the version when it is behind.
func Check(ctx context.Context, engine string, db *sql.DB) error {
	v, err := Current(ctx, engine, db)
	if err != nil {
		return err
	}
	switch {
	case v > Latest():
		return ErrSchemaTooNew
	case v < Latest():
		return fmt.Errorf("migrate: schema at version %d, want %d; run rapport migrate", v, Latest())
	}
	return nil
}

func checkNotNewer(ctx context.Context, p *goose.Provider) error {
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return nil // no version table yet: a fresh database
	}
	if v > Latest() {
		return ErrSchemaTooNew
	}
	return nil
}

// flock takes an exclusive advisory lock on path, creating it if needed.
func flock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("migrate: lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("migrate: lock: %w", err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
