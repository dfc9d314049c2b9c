package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strings"
	"time"

	"rapport/model"
	"rapport/model/migrate"
)

// ArchiveFormat names the archive layout this build writes and reads.
const ArchiveFormat = "rapport-backup/1"

// Manifest describes a backup archive: where and when it was made, and per
// table its columns, row count and SHA-256 over the canonical encoding of
// its rows in primary-key order (docs/data-care.md).
type Manifest struct {
	Format         string          `json:"format"`
	Engine         string          `json:"engine"`
	SchemaVersion  int64           `json:"schema_version"`
	RapportVersion string          `json:"rapport_version"`
	CreatedAt      time.Time       `json:"created_at"`
	Tables         []TableManifest `json:"tables"`
	Blobs          BlobManifest    `json:"blobs"`
}

// TableManifest is one table of an archive.
type TableManifest struct {
	Name    string       `json:"name"`
	Columns []ColumnInfo `json:"columns"`
	Rows    int64        `json:"rows"`
	SHA256  string       `json:"sha256"`
}

// BlobManifest sums up an archive's blobs. SHA256 is taken over the lines
// "<sha256> <size>\n" of every blob in name order; Missing lists blobs that
// rows reference but the blob store did not have when the backup ran.
type BlobManifest struct {
	Count   int64    `json:"count"`
	Bytes   int64    `json:"bytes"`
	SHA256  string   `json:"sha256"`
	Missing []string `json:"missing,omitempty"`
}

// BlobSource is where a backup reads the blobs rows reference (the blob
// store, which model/store cannot import: cmd passes it in).
type BlobSource interface {
	// Open returns a blob's content; an error with code ENOTFOUND if absent.
	Open(ctx context.Context, sha256 string) (io.ReadCloser, error)
}

// BackupOptions are Backup's inputs besides the destination.
type BackupOptions struct {
	Blobs    BlobSource          // required
	Version  string              // the Rapport build, recorded in the manifest
	Compress bool                // gzip the archive
	Progress func(TableManifest) // if set, called as each table is done
}

// Backup writes a consistent snapshot of every table and of the blobs rows
// reference to w, while the hub keeps writing: everything is read in one
// read-only transaction (REPEATABLE READ on PostgreSQL; on SQLite in WAL
// mode a read transaction sees one snapshot). It streams, holding at most a
// chunk of rows in memory, and returns the manifest it wrote last.
func (s *Store) Backup(ctx context.Context, w io.Writer, o BackupOptions) (*Manifest, error) {
	opts := &sql.TxOptions{ReadOnly: true} // on SQLite: a deferred BEGIN, no write lock
	if s.engine == migrate.Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.sqlDB.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("store: backup: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to keep
	if err := s.sortInMemory(ctx, tx); err != nil {
		return nil, err
	}
	m, tables, err := s.backupHeader(ctx, tx, o.Version)
	if err != nil {
		return nil, err
	}
	a := newArchiveWriter(w, o.Compress, m.CreatedAt)
	if err := a.addJSON(headerEntry, m); err != nil {
		return nil, err
	}
	if m.Blobs, err = backupBlobs(ctx, tx, s.engine, a, o.Blobs, tables); err != nil {
		return nil, err
	}
	for i, t := range tables {
		c := &chunker{a: a, table: t.name}
		tm := &m.Tables[i]
		if tm.Rows, tm.SHA256, err = dumpTable(ctx, tx, s.engine, t, c.write); err != nil {
			return nil, err
		}
		if err := c.flush(); err != nil {
			return nil, err
		}
		if o.Progress != nil {
			o.Progress(*tm)
		}
	}
	if err := a.addJSON(manifestEntry, m); err != nil {
		return nil, err
	}
	return m, a.close()
}

// sortWorkMem is PostgreSQL's sort memory for reading tables in key order:
// ordering text keys COLLATE "C" sorts unless the column's collation is
// already "C", and the default 4 MB spills a table of a few hundred
// thousand rows to disk.
const sortWorkMem = "64MB"

// sortInMemory raises the transaction's sort memory on PostgreSQL.
func (s *Store) sortInMemory(ctx context.Context, tx *sql.Tx) error {
	if s.engine != migrate.Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "SET LOCAL work_mem = '"+sortWorkMem+"'"); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// backupHeader reads, inside the snapshot, the schema version and the
// tables, and returns the manifest still without counts and hashes.
func (s *Store) backupHeader(ctx context.Context, tx *sql.Tx, rapportVersion string) (*Manifest, []*backupTable, error) {
	var version int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version`).Scan(&version); err != nil {
		return nil, nil, fmt.Errorf("store: backup: schema version (is the database migrated?): %w", err)
	}
	if version > migrate.Latest() {
		return nil, nil, migrate.ErrSchemaTooNew
	}
	tables, err := backupSchema(ctx, tx, s.engine)
	if err != nil {
		return nil, nil, err
	}
	m := &Manifest{Format: ArchiveFormat, Engine: s.engine, SchemaVersion: version, RapportVersion: rapportVersion,
		CreatedAt: now(), Tables: make([]TableManifest, len(tables))}
	for i, t := range tables {
		m.Tables[i] = TableManifest{Name: t.name, Columns: t.info()}
	}
	return m, tables, nil
}

// dumpTable reads a table's rows in key order, hands each canonical line to
// emit and returns the row count and the SHA-256 over all lines. Restore
// runs it too, with emit nil, to hash what it loaded.
func dumpTable(ctx context.Context, q querier, engine string, t *backupTable, emit func([]byte) error) (int64, string, error) {
	rows, err := q.QueryContext(ctx, t.selectSQL(engine))
	if err != nil {
		return 0, "", fmt.Errorf("store: backup: read %s: %w", t.name, err)
	}
	defer rows.Close()
	vals := make([]any, len(t.columns))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	h := sha256.New()
	var n int64
	var line []byte
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, "", fmt.Errorf("store: backup: read %s: %w", t.name, err)
		}
		n++
		if line, err = encodeRow(line[:0], t.columns, vals); err != nil {
			return 0, "", fmt.Errorf("store: backup: %s row %d: %w", t.name, n, err)
		}
		h.Write(line)
		if emit != nil {
			if err := emit(line); err != nil {
				return 0, "", err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return 0, "", fmt.Errorf("store: backup: read %s: %w", t.name, err)
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// backupBlobs copies every blob that a row of the snapshot references, in
// hash order. A blob the store lacks is listed as missing, not fatal: the
// archive still restores, with the same dangling reference the source had.
func backupBlobs(ctx context.Context, q querier, engine string, a *archiveWriter, src BlobSource, tables []*backupTable) (BlobManifest, error) {
	var bm BlobManifest
	query := referencedBlobsSQL(engine, tables)
	if query == "" {
		return bm, nil
	}
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return bm, fmt.Errorf("store: backup: blobs: %w", err)
	}
	defer rows.Close()
	list := sha256.New()
	for rows.Next() {
		var sha string
		if err := rows.Scan(&sha); err != nil {
			return bm, fmt.Errorf("store: backup: blobs: %w", err)
		}
		size, err := a.addBlob(ctx, src, sha)
		switch {
		case model.ErrorCode(err) == model.ENOTFOUND:
			bm.Missing = append(bm.Missing, sha)
			continue
		case err != nil:
			return bm, err
		}
		addBlobLine(list, sha, size)
		bm.Count++
		bm.Bytes += size
	}
	if err := rows.Err(); err != nil {
		return bm, fmt.Errorf("store: backup: blobs: %w", err)
	}
	bm.SHA256 = hex.EncodeToString(list.Sum(nil))
	return bm, nil
}

func addBlobLine(h hash.Hash, sha string, size int64) { fmt.Fprintf(h, "%s %d\n", sha, size) }

// referencedBlobsSQL selects the distinct hashes of blobTables (those the
// schema has: an older one may lack some) in byte order.
func referencedBlobsSQL(engine string, tables []*backupTable) string {
	have := map[string]bool{}
	for _, t := range tables {
		have[t.name] = true
	}
	var parts []string
	for _, name := range blobTables {
		if have[name] {
			parts = append(parts, "SELECT sha256 FROM "+quoteIdent(name)+" WHERE sha256 IS NOT NULL AND sha256 <> ''")
		}
	}
	if len(parts) == 0 {
		return ""
	}
	order := " ORDER BY sha256"
	if engine == migrate.Postgres {
		order += ` COLLATE "C"`
	}
	return "SELECT sha256 FROM (" + strings.Join(parts, " UNION ") + ") AS referenced" + order
}
