package blobstore

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// listPage is how many hashes DB.List reads per query. Reading in pages,
// with no cursor open while fn runs, lets fn delete blobs even on SQLite or
// a pool of one connection.
const listPage = 500

// DB is a Store keeping blobs in the tables blobs and blob_chunks of a
// database shared by several hubs:
//
//	blobs:       sha256 VARCHAR(64) PRIMARY KEY, size BIGINT, data BYTEA (BLOB on SQLite),
//	             chunks INTEGER, created_at TIMESTAMP
//	blob_chunks: sha256, seq INTEGER, data; PRIMARY KEY (sha256, seq)
//
// A blob of up to chunkSize bytes sits in blobs.data (chunks 0); a larger
// one is split into chunks rows of chunkSize, so that neither Put nor Open
// holds more than one chunk in memory: Put spools the content to a
// temporary file while it hashes it. created_at is the UTC time the blob
// was last put, which Collect reads as its age.
type DB struct {
	db       *sql.DB
	numbered bool // PostgreSQL's $1, $2 ... placeholders instead of ?
	// SpoolDir holds large blobs while they are put; os.TempDir() when empty.
	SpoolDir string
}

// chunkSize is the most of a blob one row holds.
const chunkSize = 1 << 20

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

// Put implements Store: content up to chunkSize is held in memory, more is
// spooled to a temporary file, and then stored in one transaction.
func (d *DB) Put(ctx context.Context, r io.Reader, filename string, maxBytes int64) (Info, error) {
	sp := &spool{dir: d.SpoolDir}
	defer sp.close()
	info, err := ingest(ctx, sp, r, filename, maxBytes)
	if err != nil {
		return Info{}, err
	}
	if err := d.save(ctx, info, sp); err != nil {
		return Info{}, fmt.Errorf("blobstore: put %s: %w", info.SHA256, err)
	}
	return info, nil
}

// save restarts the age of a stored blob, or inserts it with its chunks.
// The update comes first so that putting known content does not ship it to
// the database again; of two hubs putting the same new content at once, the
// one whose row went in writes the chunks.
func (d *DB) save(ctx context.Context, info Info, sp *spool) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	t := now()
	res, err := tx.ExecContext(ctx, d.q(`UPDATE blobs SET created_at = ? WHERE sha256 = ?`), t, info.SHA256)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return cmp.Or(err, tx.Commit())
	}
	data, chunks := sp.buf.Bytes(), 0
	if sp.file != nil {
		data, chunks = nil, int((info.Size+chunkSize-1)/chunkSize)
	}
	if data == nil {
		data = []byte{} // an empty blob, or one in chunks: not NULL
	}
	res, err = tx.ExecContext(ctx, d.q(`INSERT INTO blobs (sha256, size, data, chunks, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (sha256) DO NOTHING`), info.SHA256, info.Size, data, chunks, t)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 || chunks == 0 {
		return cmp.Or(err, tx.Commit())
	}
	if err := d.saveChunks(ctx, tx, info.SHA256, sp.file); err != nil {
		return err
	}
	return tx.Commit()
}

// saveChunks inserts the spooled content a chunk at a time.
func (d *DB) saveChunks(ctx context.Context, tx *sql.Tx, sha string, f *os.File) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	insert := d.q(`INSERT INTO blob_chunks (sha256, seq, data) VALUES (?, ?, ?)`)
	buf := make([]byte, chunkSize)
	for seq := 0; ; seq++ {
		n, err := io.ReadFull(f, buf)
		if n > 0 {
			if _, err := tx.ExecContext(ctx, insert, sha, seq, buf[:n]); err != nil {
				return err
			}
		}
		switch {
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return nil
		case err != nil:
			return err
		}
	}
}

// Open implements Store. A small blob is read whole; a large one a chunk at
// a time as the reader goes.
func (d *DB) Open(ctx context.Context, sha string) (io.ReadCloser, error) {
	if err := checkHash("open", sha); err != nil {
		return nil, err
	}
	var data []byte
	var chunks int
	err := d.db.QueryRowContext(ctx, d.q(`SELECT data, chunks FROM blobs WHERE sha256 = ?`), sha).Scan(&data, &chunks)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("blobstore: open %s: %w", sha, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("blobstore: open %s: %w", sha, err)
	}
	if chunks == 0 {
		return io.NopCloser(bytes.NewReader(data)), nil
	}
	return &chunkReader{ctx: ctx, d: d, sha: sha, chunks: chunks}, nil
}

// chunkReader reads a chunked blob, one chunk row per query.
type chunkReader struct {
	ctx    context.Context
	d      *DB
	sha    string
	chunks int
	next   int    // the chunk to load when cur is read
	cur    []byte // what is left of the loaded chunk
}

// Read implements io.Reader.
func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.cur) == 0 {
		if c.next == c.chunks {
			return 0, io.EOF
		}
		err := c.d.db.QueryRowContext(c.ctx, c.d.q(`SELECT data FROM blob_chunks WHERE sha256 = ? AND seq = ?`),
			c.sha, c.next).Scan(&c.cur)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("blobstore: open %s: chunk %d of %d is missing (deleted meanwhile?): %w", c.sha, c.next, c.chunks, ErrNotFound)
		}
		if err != nil {
			return 0, fmt.Errorf("blobstore: open %s: chunk %d: %w", c.sha, c.next, err)
		}
		c.next++
	}
	n := copy(p, c.cur)
	c.cur = c.cur[n:]
	return n, nil
}

// Close implements io.Closer.
func (c *chunkReader) Close() error { c.cur = nil; return nil }

// spool keeps what is written in memory up to chunkSize, then in a
// temporary file.
type spool struct {
	dir  string
	buf  bytes.Buffer
	file *os.File
}

// Write implements io.Writer.
func (s *spool) Write(p []byte) (int, error) {
	if s.file == nil && s.buf.Len()+len(p) <= chunkSize {
		return s.buf.Write(p)
	}
	if s.file == nil {
		f, err := os.CreateTemp(s.dir, "rapport-blob-*")
		if err != nil {
			return 0, err
		}
		s.file = f
		if _, err := f.Write(s.buf.Bytes()); err != nil {
			return 0, err
		}
		s.buf = bytes.Buffer{}
	}
	return s.file.Write(p)
}

// close removes the temporary file, if one was made.
func (s *spool) close() {
	if s.file != nil {
		s.file.Close()
		os.Remove(s.file.Name())
	}
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
	if _, err := d.delete(ctx, `DELETE FROM blobs WHERE sha256 = ?`, sha); err != nil {
		return fmt.Errorf("blobstore: delete %s: %w", sha, err)
	}
	return nil
}

// delete runs a statement deleting sha's blobs row and, when it did, the
// blob's chunks, in one transaction.
func (d *DB) delete(ctx context.Context, query string, sha string, args ...any) (bool, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, d.q(query), append([]any{sha}, args...)...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, d.q(`DELETE FROM blob_chunks WHERE sha256 = ?`), sha); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// deleteOlder implements olderDeleter: the age test and the delete are one
// statement, so a concurrent Put's refresh either wins or finds no row and
// inserts afresh.
func (d *DB) deleteOlder(ctx context.Context, sha string, minAge time.Duration) (bool, error) {
	deleted, err := d.delete(ctx, `DELETE FROM blobs WHERE sha256 = ? AND created_at <= ?`, sha, now().Add(-minAge))
	if err != nil {
		return false, fmt.Errorf("blobstore: delete %s: %w", sha, err)
	}
	return deleted, nil
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
