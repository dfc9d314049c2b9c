// Package storetest opens migrated stores for tests on every engine
// available: SQLite always, PostgreSQL when RAPPORT_TEST_POSTGRES holds a
// postgres:// URL. Each test package migrates once per engine (a template
// file for SQLite, a private schema for PostgreSQL) and every test starts
// from empty tables. Only tests import it.
package storetest

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"rapport/model/store"
)

// Engines lists the engines tests run on.
func Engines() []string {
	if os.Getenv("RAPPORT_TEST_POSTGRES") != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// Each runs fn as a subtest per engine, each with a fresh empty store.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, engine := range Engines() {
		t.Run(engine, func(t *testing.T) { fn(t, Open(t, engine)) })
	}
}

var (
	mu        sync.Mutex
	templates = map[string]string{} // engine → template path or schema URL
	pgSchema  string
)

// Open returns a migrated, empty store on engine, closed when t ends.
func Open(t testing.TB, engine string) *store.Store {
	t.Helper()
	dsn, err := prepare(engine, t.TempDir())
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	s, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if engine == "postgres" {
		if err := truncateAll(s); err != nil {
			t.Fatalf("storetest: %v", err)
		}
	}
	return s
}

var shared = map[string]*store.Store{}

// Shared returns one migrated store per engine that stays open (and keeps
// its data) until Cleanup: for benchmarks that seed a large data set once.
// On PostgreSQL it shares the package schema, so do not mix it with Open in
// the same package run.
func Shared(t testing.TB, engine string) (s *store.Store, fresh bool) {
	t.Helper()
	mu.Lock()
	s, ok := shared[engine]
	mu.Unlock()
	if ok {
		return s, false
	}
	dsn, err := prepare(engine, filepathTemp())
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	if s, err = store.Open(context.Background(), dsn); err != nil {
		t.Fatalf("storetest: %v", err)
	}
	if engine == "postgres" {
		if err := truncateAll(s); err != nil {
			t.Fatalf("storetest: %v", err)
		}
	}
	mu.Lock()
	shared[engine] = s
	mu.Unlock()
	return s, true
}

func filepathTemp() string {
	d, _ := os.MkdirTemp("", "rapport-shared-")
	return d
}

// DSN returns a database URL for a fresh migrated database on engine (for
// tests that start the whole program).
func DSN(t testing.TB, engine string) string {
	t.Helper()
	dsn, err := prepare(engine, t.TempDir())
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	if engine == "postgres" {
		s := Open(t, engine) // truncates
		_ = s
	}
	return dsn
}

func prepare(engine, dir string) (string, error) {
	mu.Lock()
	defer mu.Unlock()
	switch engine {
	case "sqlite":
		tmpl, ok := templates[engine]
		if !ok {
			d, err := os.MkdirTemp("", "rapport-template-")
			if err != nil {
				return "", err
			}
			tmpl = filepath.Join(d, "template.db")
			if err := migrateDSN("sqlite:" + tmpl); err != nil {
				return "", err
			}
			templates[engine] = tmpl
		}
		path := filepath.Join(dir, "rapport.db")
		return "sqlite:" + path, copyFile(tmpl, path)
	case "postgres":
		if u, ok := templates[engine]; ok {
			return u, nil
		}
		base := os.Getenv("RAPPORT_TEST_POSTGRES")
		if base == "" {
			return "", fmt.Errorf("RAPPORT_TEST_POSTGRES is not set")
		}
		pgSchema = fmt.Sprintf("rt_%d_%d", os.Getpid(), rand.IntN(1<<30))
		if err := exec(base, "CREATE SCHEMA "+pgSchema); err != nil {
			return "", err
		}
		u, err := withSearchPath(base, pgSchema)
		if err != nil {
			return "", err
		}
		if err := migrateDSN(u); err != nil {
			return "", err
		}
		templates[engine] = u
		return u, nil
	}
	return "", fmt.Errorf("unknown engine %q", engine)
}

// Cleanup drops the PostgreSQL schema this package made; call it from TestMain.
func Cleanup() {
	mu.Lock()
	defer mu.Unlock()
	for _, s := range shared {
		if p := s.SQLitePath(); p != "" {
			defer os.RemoveAll(filepath.Dir(p))
		}
		s.Close()
	}
	if pgSchema != "" {
		_ = exec(os.Getenv("RAPPORT_TEST_POSTGRES"), "DROP SCHEMA "+pgSchema+" CASCADE")
	}
	if t, ok := templates["sqlite"]; ok {
		os.RemoveAll(filepath.Dir(t))
	}
}

// Main runs a test package's tests and then Cleanup.
func Main(m *testing.M) {
	code := m.Run()
	Cleanup()
	os.Exit(code)
}

func withSearchPath(base, schema string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func exec(dsn, stmt string) error {
	s, err := store.Open(context.Background(), dsn)
	if err != nil {
		return err
	}
	defer s.Close()
	_, err = s.DB().Exec(stmt)
	return err
}

func migrateDSN(dsn string) error {
	s, err := store.Open(context.Background(), dsn)
	if err != nil {
		return err
	}
	defer s.Close()
	_, err = s.Migrate(context.Background())
	return err
}

func truncateAll(s *store.Store) error {
	rows, err := s.DB().Query(`SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT IN ('goose_db_version', 'river_migration')`)
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return err
		}
		names = append(names, n)
	}
	rows.Close()
	if len(names) == 0 {
		return nil
	}
	_, err = s.DB().Exec("TRUNCATE " + strings.Join(names, ", ") + " RESTART IDENTITY CASCADE")
	return err
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
