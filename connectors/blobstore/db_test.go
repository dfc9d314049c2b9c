package blobstore

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite"
	_ "github.com/jackc/pgx/v5/stdlib"
)

// blobsTable is the schema the migrations give the table, per engine.
func blobsTable(engine string) string {
	data := "BLOB"
	if engine == "postgres" {
		data = "BYTEA"
	}
	return `CREATE TABLE blobs (
		sha256 VARCHAR(64) PRIMARY KEY,
		size BIGINT NOT NULL,
		data ` + data + ` NOT NULL,
		created_at TIMESTAMP NOT NULL)`
}

func TestDB(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { runSuite(t, openSQLite) })
	pg := os.Getenv("RAPPORT_TEST_POSTGRES")
	if pg == "" {
		t.Log("RAPPORT_TEST_POSTGRES is not set: PostgreSQL not tested")
		return
	}
	db := postgresSchema(t, pg)
	t.Run("postgres", func(t *testing.T) {
		runSuite(t, func(t *testing.T) fixture {
			exec(t, db, "TRUNCATE blobs")
			return dbFixture(NewDB(db, "postgres"))
		})
	})
}

func openSQLite(t *testing.T) fixture {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "blobs.db")+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	exec(t, db, blobsTable("sqlite"))
	return dbFixture(NewDB(db, "sqlite"))
}

// postgresSchema returns a pool whose search_path is a new schema holding
// the blobs table; the schema is dropped when t ends.
func postgresSchema(t *testing.T, base string) *sql.DB {
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	schema := fmt.Sprintf("blobstore_test_%d_%d", os.Getpid(), rand.IntN(1<<30))
	exec(t, admin, "CREATE SCHEMA "+schema)
	t.Cleanup(func() { exec(t, admin, "DROP SCHEMA "+schema+" CASCADE") })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() }) // runs before the DROP above
	exec(t, db, blobsTable("postgres"))
	return db
}

func exec(t *testing.T, db *sql.DB, query string) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func dbFixture(d *DB) fixture {
	return fixture{store: d, backdate: func(t *testing.T, sha string, by time.Duration) {
		_, err := d.db.Exec(d.q(`UPDATE blobs SET created_at = ? WHERE sha256 = ?`), now().Add(-by), sha)
		if err != nil {
			t.Fatal(err)
		}
	}}
}

func TestDBListPages(t *testing.T) {
	f := openSQLite(t)
	for i := range listPage + 3 {
		put(t, f.store, []byte(fmt.Sprint(i)), "n.txt")
	}
	n, err := Collect(context.Background(), f.store, func(string) (bool, error) { return false, nil }, 0)
	if err != nil || n != listPage+3 {
		t.Fatalf("Collect over %d blobs = %d, %v", listPage+3, n, err)
	}
}

func TestPlaceholders(t *testing.T) {
	q := `UPDATE blobs SET created_at = ? WHERE sha256 = ?`
	if got := NewDB(nil, "sqlite").q(q); got != q {
		t.Errorf("sqlite: %s", got)
	}
	if got, want := NewDB(nil, "postgres").q(q), `UPDATE blobs SET created_at = $1 WHERE sha256 = $2`; got != want {
		t.Errorf("postgres: %s", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("NewDB accepted engine mysql")
		}
	}()
	NewDB(nil, "mysql")
}
