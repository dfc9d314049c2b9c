package storetest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// EmptyDSN returns the URL of a database on engine that has never been
// migrated, for tests that start from nothing (restores, migrations): a new
// SQLite file, or a PostgreSQL schema of its own, dropped when tb ends.
func EmptyDSN(tb testing.TB, engine string) string {
	tb.Helper()
	if engine == "sqlite" {
		return "sqlite:" + filepath.Join(tb.TempDir(), "empty.db")
	}
	base := os.Getenv("RAPPORT_TEST_POSTGRES")
	schema := fmt.Sprintf("empty_%d_%d", os.Getpid(), rand.IntN(1<<30))
	if err := exec(base, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	tb.Cleanup(func() { _ = exec(base, "DROP SCHEMA "+schema+" CASCADE") })
	u, err := withSearchPath(base, schema)
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	return u
}
