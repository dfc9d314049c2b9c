package store

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"strconv"
	"strings"

	"rapport/model"
	"rapport/model/migrate"
)

// BlobSink is where a restore puts an archive's blobs (the target blob
// store; cmd passes it in).
type BlobSink interface {
	// Put stores the content of r and returns its SHA-256 (lower-case hex)
	// and size.
	Put(ctx context.Context, r io.Reader) (sha256 string, size int64, err error)
}

// RestoreOptions are Restore's inputs besides the archive.
type RestoreOptions struct {
	Blobs    BlobSink         // required when the archive holds blobs
	Progress func(TableCheck) // if set, called as each table is verified
}

// TableCheck is one table after a restore: the rows and hash read back from
// the database against those the manifest states.
type TableCheck struct {
	Name       string
	Rows       int64
	SHA256     string
	WantRows   int64
	WantSHA256 string
}

// OK reports whether the table verified.
func (c TableCheck) OK() bool { return c.Rows == c.WantRows && c.SHA256 == c.WantSHA256 }

// RestoreReport is what a restore loaded and verified.
type RestoreReport struct {
	Manifest  *Manifest
	Tables    []TableCheck
	Blobs     int64
	BlobBytes int64
	Upgraded  int // migrations run after loading an archive of an older schema
}

// Restore loads an archive written by Backup into this database, which must
// be empty (or never migrated). It migrates the schema to the archive's
// version (refusing an archive newer than this build), puts the blobs into
// the blob sink, checking each against its hash, then loads every table in
// one transaction, moves PostgreSQL's sequences past the loaded keys, and
// reads every table back to compare its rows and hash with the manifest.
// Any mismatch, or a damaged archive, rolls the rows back: the database is
// left as empty as it was, though blobs already put stay in the blob store
// (unreferenced, so the blob collector removes them). Last, an archive of an
// older schema is migrated to this build's.
func (s *Store) Restore(ctx context.Context, r io.Reader, o RestoreOptions) (*RestoreReport, error) {
	ar, err := openArchive(r)
	if err != nil {
		return nil, err
	}
	head := &Manifest{}
	if err := ar.readJSON(headerEntry, head); err != nil {
		return nil, err
	}
	if err := checkHeader(head); err != nil {
		return nil, err
	}
	tables, err := s.prepareTarget(ctx, head)
	if err != nil {
		return nil, err
	}
	rep := &RestoreReport{Manifest: head}
	if err := restoreBlobs(ctx, ar, o.Blobs, rep); err != nil {
		return rep, err
	}
	err = s.WithTx(ctx, func(ctx context.Context) error {
		return s.loadAndVerify(ctx, ar, tables, rep, o.Progress)
	})
	if err != nil {
		return rep, err
	}
	if err := s.analyze(ctx, tables); err != nil {
		return rep, err
	}
	if head.SchemaVersion < migrate.Latest() {
		if rep.Upgraded, err = s.Migrate(ctx); err != nil {
			return rep, fmt.Errorf("store: restore: upgrade from schema %d: %w", head.SchemaVersion, err)
		}
	}
	return rep, nil
}

// analyze gives PostgreSQL's planner the statistics of the loaded tables
// now, rather than when autovacuum comes round.
func (s *Store) analyze(ctx context.Context, tables []*backupTable) error {
	if s.engine != migrate.Postgres {
		return nil
	}
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = quoteIdent(t.name)
	}
	if _, err := s.sqlDB.ExecContext(ctx, "ANALYZE "+strings.Join(names, ", ")); err != nil {
		return fmt.Errorf("store: restore: analyze: %w", err)
	}
	return nil
}

func checkHeader(h *Manifest) error {
	switch {
	case h.Format != ArchiveFormat:
		return badArchive("format %q, want %q", h.Format, ArchiveFormat)
	case h.SchemaVersion > migrate.Latest():
		return model.Errorf(model.EINVALID, "the archive has schema version %d, newer than this build knows (%d): restore it with a newer rapport", h.SchemaVersion, migrate.Latest())
	case h.SchemaVersion < 1:
		return badArchive("schema version %d", h.SchemaVersion)
	}
	return nil
}

// prepareTarget refuses a database that holds data or is ahead of the
// archive, migrates it to the archive's schema version and returns its
// tables in the archive's order, checked against the archive's columns.
func (s *Store) prepareTarget(ctx context.Context, head *Manifest) ([]*backupTable, error) {
	current, err := s.schemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	if current > head.SchemaVersion {
		return nil, model.Errorf(model.ECONFLICT, "the database is at schema version %d, newer than the archive's %d: restore into a new, empty database", current, head.SchemaVersion)
	}
	have, err := backupSchema(ctx, s.sqlDB, s.engine)
	if err != nil {
		return nil, err
	}
	if err := s.checkEmpty(ctx, have); err != nil {
		return nil, err
	}
	lockFile := ""
	if s.path != "" {
		lockFile = s.path + ".migrate-lock"
	}
	if _, err := migrate.UpTo(ctx, s.engine, s.sqlDB, lockFile, head.SchemaVersion); err != nil {
		return nil, err
	}
	if have, err = backupSchema(ctx, s.sqlDB, s.engine); err != nil {
		return nil, err
	}
	return matchTables(head, have)
}

// schemaVersion is the database's migration version, 0 when never migrated.
func (s *Store) schemaVersion(ctx context.Context) (int64, error) {
	names, err := tableNames(ctx, s.sqlDB, s.engine)
	if err != nil || !slices.Contains(names, "goose_db_version") {
		return 0, err
	}
	var v int64
	err = s.sqlDB.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version`).Scan(&v)
	return v, err
}

// checkEmpty refuses a database with any row in a data table.
func (s *Store) checkEmpty(ctx context.Context, tables []*backupTable) error {
	for _, t := range tables {
		var one int
		err := s.sqlDB.QueryRowContext(ctx, "SELECT 1 FROM "+quoteIdent(t.name)+" LIMIT 1").Scan(&one)
		switch {
		case err == nil:
			return model.Errorf(model.ECONFLICT, "the database is not empty (table %s has rows): restore only into an empty database", t.name)
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("store: restore: %w", err)
		}
	}
	return nil
}

// matchTables pairs the archive's tables with the database's, which must
// have the same columns of the same kinds. River's job table may be absent
// from an archive made where River had never run.
func matchTables(head *Manifest, have []*backupTable) ([]*backupTable, error) {
	byName := map[string]*backupTable{}
	for _, t := range have {
		byName[t.name] = t
	}
	out := make([]*backupTable, len(head.Tables))
	for i, tm := range head.Tables {
		t, ok := byName[tm.Name]
		if !ok {
			return nil, model.Errorf(model.EINVALID, "the archive has table %s, which this database lacks at schema version %d", tm.Name, head.SchemaVersion)
		}
		if !slices.Equal(t.info(), tm.Columns) {
			return nil, model.Errorf(model.EINVALID, "table %s: the archive's columns differ from this database's", tm.Name)
		}
		delete(byName, tm.Name)
		out[i] = t
	}
	delete(byName, riverJobTable)
	for name := range byName {
		return nil, model.Errorf(model.EINVALID, "the archive lacks table %s", name)
	}
	return out, nil
}

// restoreBlobs puts every blobs/<sha> entry into the sink, checking that the
// content hashes to its name.
func restoreBlobs(ctx context.Context, ar *archiveReader, sink BlobSink, rep *RestoreReport) error {
	for m := blobEntry.FindStringSubmatch(ar.name()); m != nil; m = blobEntry.FindStringSubmatch(ar.name()) {
		if sink == nil {
			return fmt.Errorf("store: restore: the archive holds blobs but no blob store was given")
		}
		sha, size, err := sink.Put(ctx, ar.tr)
		if err != nil {
			return fmt.Errorf("store: restore: blob %s: %w", m[1], err)
		}
		if sha != m[1] || size != ar.hdr.Size {
			return badArchive("blob %s: its content hashes to %s (altered or damaged)", m[1], sha)
		}
		rep.Blobs++
		rep.BlobBytes += size
		if err := ar.next(); err != nil {
			return err
		}
	}
	return nil
}

// loadState is what loading learns from the archive itself: per table the
// rows and the hash of the lines as they were stored.
type loadState struct {
	tables map[string]*backupTable
	rows   map[string]int64
	hashes map[string]hash.Hash
	loader *loader // of the table being loaded
	chunk  int     // its last chunk
}

// finish flushes the table being loaded.
func (ls *loadState) finish() error {
	if ls.loader == nil {
		return nil
	}
	return ls.loader.close()
}

// loadAndVerify runs inside the restore transaction: the table entries,
// the manifest, the sequences, then every table read back and compared.
func (s *Store) loadAndVerify(ctx context.Context, ar *archiveReader, tables []*backupTable, rep *RestoreReport, progress func(TableCheck)) error {
	ls := &loadState{tables: map[string]*backupTable{}, rows: map[string]int64{}, hashes: map[string]hash.Hash{}}
	for _, t := range tables {
		ls.tables[t.name], ls.hashes[t.name] = t, sha256.New()
	}
	for m := tableEntry.FindStringSubmatch(ar.name()); m != nil; m = tableEntry.FindStringSubmatch(ar.name()) {
		if err := s.loadChunk(ctx, ar, ls, m[1], m[2]); err != nil {
			return err
		}
		if err := ar.next(); err != nil {
			return err
		}
	}
	if err := ls.finish(); err != nil {
		return err
	}
	man := &Manifest{}
	if err := ar.readJSON(manifestEntry, man); err != nil {
		return err
	}
	if ar.hdr != nil {
		return badArchive("unexpected entry %q after %s", ar.name(), manifestEntry)
	}
	if err := checkManifest(rep, man, ls); err != nil {
		return err
	}
	rep.Manifest = man
	if err := s.fixSequences(ctx, tables); err != nil {
		return err
	}
	tx, _ := s.SQLTx(ctx)
	if err := s.sortInMemory(ctx, tx); err != nil {
		return err
	}
	return s.verifyTables(ctx, tables, rep, progress)
}

// loadChunk inserts the rows of one tables/<name>/<n>.jsonl entry. A table's
// chunks must come together and in order, since its hash depends on it.
func (s *Store) loadChunk(ctx context.Context, ar *archiveReader, ls *loadState, name, seq string) error {
	t, ok := ls.tables[name]
	n, _ := strconv.Atoi(seq)
	switch {
	case !ok:
		return badArchive("entry %s: no such table in the header", ar.name())
	case ls.loader != nil && ls.loader.t == t && n == ls.chunk+1:
	case n == 1 && ls.rows[name] == 0:
		if err := ls.finish(); err != nil {
			return err
		}
		ls.loader = s.newLoader(ctx, t)
	default:
		return badArchive("entry %s is out of order", ar.name())
	}
	ls.chunk = n
	l := ls.loader
	br := bufio.NewReaderSize(ar.tr, 256<<10)
	for {
		line, err := br.ReadBytes('\n')
		if err == io.EOF && len(line) == 0 {
			break
		}
		if err != nil {
			return badArchive("%s: %v", ar.name(), err)
		}
		ls.hashes[name].Write(line)
		ls.rows[name]++
		vals, err := decodeRow(line, t.columns, s.engine)
		if err != nil {
			return badArchive("%s line %d: %v", ar.name(), ls.rows[name], err)
		}
		if err := l.add(vals); err != nil {
			return err
		}
	}
	return nil
}

// checkManifest compares the manifest with the header and with what the
// archive's entries held, so an altered or cut archive is caught before
// the database is even read back.
func checkManifest(rep *RestoreReport, man *Manifest, ls *loadState) error {
	head := rep.Manifest
	if man.Format != head.Format || man.SchemaVersion != head.SchemaVersion || man.Engine != head.Engine || !man.CreatedAt.Equal(head.CreatedAt) || len(man.Tables) != len(head.Tables) {
		return badArchive("the manifest does not match the header")
	}
	for i, tm := range man.Tables {
		if tm.Name != head.Tables[i].Name || !slices.Equal(tm.Columns, head.Tables[i].Columns) {
			return badArchive("the manifest does not match the header (table %s)", tm.Name)
		}
		if got := hex.EncodeToString(ls.hashes[tm.Name].Sum(nil)); ls.rows[tm.Name] != tm.Rows || got != tm.SHA256 {
			return badArchive("table %s: the archive holds %d rows hashing to %s, the manifest says %d rows, %s (altered or damaged)",
				tm.Name, ls.rows[tm.Name], short(got), tm.Rows, short(tm.SHA256))
		}
	}
	if rep.Blobs != man.Blobs.Count || rep.BlobBytes != man.Blobs.Bytes {
		return badArchive("the archive holds %d blobs (%d bytes), the manifest says %d (%d bytes)", rep.Blobs, rep.BlobBytes, man.Blobs.Count, man.Blobs.Bytes)
	}
	return nil
}

func short(sha string) string { return sha[:min(len(sha), 12)] }

// fixSequences moves each PostgreSQL sequence (changes.seq and the other
// serial keys) past the largest restored value; SQLite's AUTOINCREMENT
// keeps up with explicit keys by itself.
func (s *Store) fixSequences(ctx context.Context, tables []*backupTable) error {
	tx, _ := s.SQLTx(ctx)
	for _, t := range tables {
		for _, col := range t.serials {
			q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX(%s) FROM %s), 0) + 1, false)`, quoteIdent(col), quoteIdent(t.name))
			if _, err := tx.ExecContext(ctx, q, quoteIdent(t.name), col); err != nil {
				return fmt.Errorf("store: restore: sequence of %s.%s: %w", t.name, col, err)
			}
		}
	}
	return nil
}

// verifyTables reads every table back from the database, in the restore
// transaction, and fails it unless each matches the manifest.
func (s *Store) verifyTables(ctx context.Context, tables []*backupTable, rep *RestoreReport, progress func(TableCheck)) error {
	tx, _ := s.SQLTx(ctx)
	bad := 0
	for i, t := range tables {
		want := rep.Manifest.Tables[i]
		rows, sum, err := dumpTable(ctx, tx, s.engine, t, nil)
		if err != nil {
			return err
		}
		c := TableCheck{Name: t.name, Rows: rows, SHA256: sum, WantRows: want.Rows, WantSHA256: want.SHA256}
		if !c.OK() {
			bad++
		}
		rep.Tables = append(rep.Tables, c)
		if progress != nil {
			progress(c)
		}
	}
	if bad > 0 {
		return model.Errorf(model.EINVALID, "%d table(s) read back differently from the archive; nothing was restored", bad)
	}
	return nil
}

// loader batches one table's rows into multi-row INSERTs (SQLite, and River's
// job table with its conversions) or PostgreSQL COPY.
type loader struct {
	s     *Store
	ctx   context.Context
	t     *backupTable
	copy  bool
	max   int
	batch [][]any
	full  *sql.Stmt // the INSERT for a full batch, prepared once
}

func (s *Store) newLoader(ctx context.Context, t *backupTable) *loader {
	l := &loader{s: s, ctx: ctx, t: t, max: s.batchRows(len(t.columns))}
	if s.engine == migrate.Postgres && !slices.ContainsFunc(t.columns, func(c dumpColumn) bool { return c.write != "" }) {
		l.copy, l.max = true, 5000
	}
	return l
}

func (l *loader) add(vals []any) error {
	l.batch = append(l.batch, vals)
	if len(l.batch) >= l.max {
		return l.flush()
	}
	return nil
}

func (l *loader) flush() error {
	defer func() { l.batch = l.batch[:0] }()
	switch {
	case len(l.batch) == 0:
		return nil
	case l.copy:
		return l.s.copyRows(l.ctx, l.s.inTx(l.ctx), l.t.name, columnNames(l.t), l.batch)
	}
	tx, _ := l.s.SQLTx(l.ctx)
	args := make([]any, 0, len(l.batch)*len(l.t.columns))
	for _, row := range l.batch {
		args = append(args, row...)
	}
	var err error
	if len(l.batch) == l.max {
		if l.full == nil {
			if l.full, err = tx.PrepareContext(l.ctx, insertSQL(l.s.engine, l.t, l.max)); err != nil {
				return fmt.Errorf("store: restore: %s: %w", l.t.name, err)
			}
		}
		_, err = l.full.ExecContext(l.ctx, args...)
	} else {
		_, err = tx.ExecContext(l.ctx, insertSQL(l.s.engine, l.t, len(l.batch)), args...)
	}
	if err != nil {
		return fmt.Errorf("store: restore: insert into %s: %w", l.t.name, err)
	}
	return nil
}

// close writes the last rows and releases the prepared statement.
func (l *loader) close() error {
	err := l.flush()
	if l.full != nil {
		err = errors.Join(err, l.full.Close())
	}
	return err
}

func columnNames(t *backupTable) []string {
	out := make([]string, len(t.columns))
	for i, c := range t.columns {
		out[i] = c.Name
	}
	return out
}

// insertSQL is a multi-row INSERT. PostgreSQL's placeholders are numbered,
// so a column's write expression may use its value more than once; SQLite's
// are plain ? (its driver matches numbered ones to arguments by formatting
// every argument's number for every placeholder), so there a write
// expression holds one ?.
func insertSQL(engine string, t *backupTable, rows int) string {
	mark := func(int) string { return "?" }
	if engine == migrate.Postgres {
		mark = func(n int) string { return "$" + strconv.Itoa(n) }
	}
	cols := make([]string, len(t.columns))
	for i, c := range t.columns {
		cols[i] = quoteIdent(c.Name)
	}
	var b strings.Builder
	b.WriteString("INSERT INTO " + quoteIdent(t.name) + " (" + strings.Join(cols, ", ") + ") VALUES ")
	n := 0
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for i, c := range t.columns {
			n++
			if i > 0 {
				b.WriteString(", ")
			}
			p := mark(n)
			if c.write == "" {
				b.WriteString(p)
			} else {
				b.WriteString(strings.ReplaceAll(c.write, "?", p))
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}
