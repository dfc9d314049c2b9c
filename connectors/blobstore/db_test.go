package blobstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite"
	_ "github.com/jackc/pgx/v5/stdlib"
)

// blobsTables is the schema the migrations give the tables, per engine.
func blobsTables(engine string) []string {
	data := "BLOB"
	if engine == "postgres" {
		data = "BYTEA"
	}
	return []string{`CREATE TABLE blobs (
		sha256 VARCHAR(64) PRIMARY KEY,
		size BIGINT NOT NULL,
		data ` + data + ` NOT NULL,
		chunks INTEGER NOT NULL DEFAULT 0,
		created_at TIMESTAMP NOT NULL)`, `CREATE TABLE blob_chunks (
		sha256 VARCHAR(64) NOT NULL,
		seq INTEGER NOT NULL,
		data ` + data + ` NOT NULL,
		PRIMARY KEY (sha256, seq))`}
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
			exec(t, db, "TRUNCATE blobs, blob_chunks")
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
	exec(t, db, blobsTables("sqlite")...)
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
	exec(t, db, blobsTables("postgres")...)
	return db
}

func exec(t *testing.T, db *sql.DB, queries ...string) {
	t.Helper()
	for _, query := range queries {
		if _, err := db.ExecContext(context.Background(), query); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
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

// TestDBChunks: a blob over chunkSize is stored in chunk rows and streamed
// back, never held whole in memory (the heap stays under half the blob);
// deleting it removes its chunks.
func TestDBChunks(t *testing.T) {
	engines := map[string]func(t *testing.T) *DB{"sqlite": func(t *testing.T) *DB { return openSQLite(t).store.(*DB) }}
	if pg := os.Getenv("RAPPORT_TEST_POSTGRES"); pg != "" {
		engines["postgres"] = func(t *testing.T) *DB { return NewDB(postgresSchema(t, pg), "postgres") }
	}
	for engine, open := range engines {
		t.Run(engine, func(t *testing.T) {
			d := open(t)
			const size = 48<<20 + 3
			var peak heapPeak
			peak.start()
			info, err := d.Put(context.Background(), io.LimitReader(repeat("a log line of a printer spooler\n"), size), "log.txt", 64<<20)
			if err != nil {
				t.Fatal(err)
			}
			grew := peak.stop()
			if grew > size/2 {
				t.Errorf("putting a 48 MB blob grew the heap by %d MiB", grew>>20)
			}
			t.Logf("put 48 MB: heap +%.1f MiB", float64(grew)/(1<<20))
			if n := chunkRows(t, d, info.SHA256); n != 49 {
				t.Fatalf("%d chunk rows, want 49", n)
			}
			peak.start()
			rc, err := d.Open(context.Background(), info.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.New()
			n, err := io.Copy(h, rc)
			rc.Close()
			if err != nil || n != size || hex.EncodeToString(h.Sum(nil)) != info.SHA256 {
				t.Fatalf("read back %d bytes, %v; hash matches: %v", n, err, hex.EncodeToString(h.Sum(nil)) == info.SHA256)
			}
			if grew = peak.stop(); grew > size/2 {
				t.Errorf("reading a 48 MB blob grew the heap by %d MiB", grew>>20)
			}
			t.Logf("read 48 MB: heap +%.1f MiB", float64(grew)/(1<<20))
			if again := put(t, d, []byte("small"), "s.txt"); chunkRows(t, d, again.SHA256) != 0 {
				t.Error("a small blob has chunk rows")
			}
			if err := d.Delete(context.Background(), info.SHA256); err != nil {
				t.Fatal(err)
			}
			if n := chunkRows(t, d, info.SHA256); n != 0 {
				t.Fatalf("%d chunk rows left after Delete", n)
			}
		})
	}
}

func chunkRows(t *testing.T, d *DB, sha string) int {
	t.Helper()
	var n int
	if err := d.db.QueryRow(d.q(`SELECT count(*) FROM blob_chunks WHERE sha256 = ?`), sha).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// repeat is an endless reader of s.
type repeat string

func (r repeat) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r[i%len(r)]
	}
	return len(p), nil
}

// heapPeak samples the heap while an operation runs, with the collector
// set to run often (GOGC 10) so that the samples follow the live heap
// rather than garbage waiting for a collection.
type heapPeak struct {
	base, max uint64
	gcPercent int
	stopCh    chan struct{}
	done      chan struct{}
}

func (h *heapPeak) start() {
	h.gcPercent = debug.SetGCPercent(10)
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	h.base, h.max = m.HeapAlloc, m.HeapAlloc
	h.stopCh, h.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(h.done)
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			h.max = max(h.max, m.HeapAlloc)
			select {
			case <-h.stopCh:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
}

// stop returns how far the heap rose above where it was at start.
func (h *heapPeak) stop() uint64 {
	close(h.stopCh)
	<-h.done
	debug.SetGCPercent(h.gcPercent)
	return h.max - h.base
}
