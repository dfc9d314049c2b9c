package blobstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// listPage is how many hashes DB.List reads per query. Reading in pages,
// with no cursor open while fn runs, lets fn delete blobs even on SQLite or
// a pool of one connection.
const listPage = 500

// DB is a Store keeping blobs in the table blobs of a database shared by
// several hubs:
//
//	sha256 VARCHAR(64) PRIMARY KEY, size BIGINT, data BYTEA (BLOB on SQLite),
//	created_at TIMESTAMP
//
// created_at is the UTC time the blob was last put, which Collect reads as
// its age. Put buffers the whole content (up to maxBytes) in memory, and Open
// reads a whole blob into memory, so keep the limits for this store modest.
type DB struct {
	db       *sql.DB
	numbered bool // PostgreSQL's $1, $2 ... placeholders instead of ?
}

var _ Store = (*DB)(nil)

// NewDB returns a Store over db for engine "sqlite" or "postgres". The table
// blobs must exist (the migrations create it). It panics on any other engine,
// a wiring mistake rather than a runtime condition.
func NewDB(db *sql.DB, engine string) *DB {
	switch engine {
	case "sqlite", "postgres":
		return &DB{db: db, numbered: engine == "postgres"}
	}
	panic(fmt.Sprintf("blobstore: unknown database engine %q", engine))
}

// now is the timestamp stored in created_at: UTC, so that SQLite's textual
// timestamps compare in time order and PostgreSQL's TIMESTAMP (without zone)
// means the same instant on every hub.
func now() time.Time { return time.Now().UTC() }

// q rewrites ? placeholders for PostgreSQL.
func (d *DB) q(query string) string {
	if !d.numbered {
		return query
	}
	var b strings.Builder
	n := 0
	for _, part := range strings.SplitAfter(query, "?") {
		if before, ok := strings.CutSuffix(part, "?"); ok {
			n++
			part = before + "$" + strconv.Itoa(n)
		}
		b.WriteString(part)
	}
	return b.String()
}

// Put implements Store, holding the content in memory until it is inserted.
func (d *DB) Put(ctx context.Context, r io.Reader, filename string, maxBytes int64) (Info, error) {
	var buf bytes.Buffer
	info, err := ingest(ctx, &buf, r, filename, maxBytes)
	if err != nil {
		return Info{}, err
	}
	data := buf.Bytes()
	if data == nil {
		data = []byte{} // an empty blob, not NULL
	}
	if err := d.save(ctx, info.SHA256, data); err != nil {
		return Info{}, fmt.Errorf("blobstore: put %s: %w", info.SHA256, err)
	}
	return info, nil
}

// save restarts the age of a stored blob, or inserts it. The update comes
// first so that putting known content does not ship it to the database again.
func (d *DB) save(ctx context.Context, sha string, data []byte) error {
	t := now()
	res, err := d.db.ExecContext(ctx, d.q(`UPDATE blobs SET created_at = ? WHERE sha256 = ?`), t, sha)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	_, err = d.db.ExecContext(ctx, d.q(`INSERT INTO blobs (sha256, size, data, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (sha256) DO NOTHING`), sha, int64(len(data)), data, t)
	return err
}

// Open implements Store; the blob is read into memory whole.
func (d *DB) Open(ctx context.Context, sha string) (io.ReadCloser, error) {
	var data []byte
	if err := d.one(ctx, "open", `SELECT data FROM blobs WHERE sha256 = ?`, sha, &data); err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

// Age implements Store: the time since created_at.
func (d *DB) Age(ctx context.Context, sha string) (time.Duration, error) {
	var t time.Time
	if err := d.one(ctx, "age", `SELECT created_at FROM blobs WHERE sha256 = ?`, sha, &t); err != nil {
		return 0, err
	}
	return now().Sub(t), nil
}

// one scans the single column of the row query selects for sha into dest.
func (d *DB) one(ctx context.Context, op, query, sha string, dest any) error {
	if err := checkHash(op, sha); err != nil {
		return err
	}
	err := d.db.QueryRowContext(ctx, d.q(query), sha).Scan(dest)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("blobstore: %s %s: %w", op, sha, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("blobstore: %s %s: %w", op, sha, err)
	}
	return nil
}

// Delete implements Store.
func (d *DB) Delete(ctx context.Context, sha string) error {
	if err := checkHash("delete", sha); err != nil {
		return err
	}
	if _, err := d.db.ExecContext(ctx, d.q(`DELETE FROM blobs WHERE sha256 = ?`), sha); err != nil {
		return fmt.Errorf("blobstore: delete %s: %w", sha, err)
	}
	return nil
}

// deleteOlder implements olderDeleter: the age test and the delete are one
// statement, so a concurrent Put's refresh either wins or finds no row and
// inserts afresh.
func (d *DB) deleteOlder(ctx context.Context, sha string, minAge time.Duration) (bool, error) {
	res, err := d.db.ExecContext(ctx, d.q(`DELETE FROM blobs WHERE sha256 = ? AND created_at <= ?`),
		sha, now().Add(-minAge))
	if err != nil {
		return false, fmt.Errorf("blobstore: delete %s: %w", sha, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// List implements Store, in hash order, a page at a time.
func (d *DB) List(ctx context.Context, fn func(sha string) error) error {
	after := ""
	for {
		page, err := d.page(ctx, after)
		if err != nil {
			return fmt.Errorf("blobstore: list: %w", err)
		}
		for _, sha := range page {
			if err := fn(sha); err != nil {
				return err
			}
		}
		if len(page) < listPage {
			return nil
		}
		after = page[len(page)-1]
	}
}

func (d *DB) page(ctx context.Context, after string) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, d.q(`SELECT sha256 FROM blobs WHERE sha256 > ? ORDER BY sha256 LIMIT ?`),
		after, listPage)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var page []string
	for rows.Next() {
		var sha string
		if err := rows.Scan(&sha); err != nil {
			return nil, err
		}
		page = append(page, sha)
	}
	return page, rows.Err()
}
