package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"rapport/model/migrate"
)

// Column kinds of the canonical row encoding (docs/data-care.md).
const (
	KindText  = "text"  // JSON string
	KindInt   = "int"   // JSON integer
	KindBool  = "bool"  // JSON true/false
	KindTime  = "time"  // "2006-01-02T15:04:05.000000Z", UTC, microseconds
	KindBytes = "bytes" // standard base64 with padding
	KindJSON  = "json"  // JSON text with sorted keys, as a JSON string
)

// ColumnInfo names a column of a backed-up table and its canonical kind.
type ColumnInfo struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// dumpColumn is a ColumnInfo with how this engine reads and writes it. Plain
// columns use their name and a bare placeholder; River's job table needs
// conversions between SQLite's JSONB blobs and PostgreSQL's arrays.
type dumpColumn struct {
	ColumnInfo
	read  string // SQL selecting the value; "" = the quoted name
	write string // SQL around the placeholder ? ("" = ?); only PostgreSQL's may repeat it
	milli bool   // River's times: millisecond precision (its SQLite text format)
}

// backupTable is one table as backup and restore see it: its columns in name
// order, the primary key that orders its rows, the rows worth keeping, and
// (PostgreSQL) the columns fed by a sequence.
type backupTable struct {
	name    string
	columns []dumpColumn
	pk      []string
	filter  string
	serials []string
}

// querier is what catalogue and row reads need: the pool, the backup's
// snapshot transaction or the restore's transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// infraTable reports whether a table holds no data of its own and stays out
// of archives: the migration log (the archive records the version), the
// blob tables (blobs travel as files and go back through the blob store) and
// River's bookkeeping (leader, queues, clients, notifications, migration
// log), which River rebuilds. River's river_job is data: its unfinished jobs
// (mail to send, webhooks to process) travel.
func infraTable(name string) bool {
	switch name {
	case riverJobTable:
		return false
	case "goose_db_version", "blobs", "blob_chunks":
		return true
	}
	return strings.HasPrefix(name, "river_")
}

// backupSchema discovers every data table of the database from its
// catalogue, so tables added by later migrations are covered without a list.
func backupSchema(ctx context.Context, q querier, engine string) ([]*backupTable, error) {
	cols, err := catalogue(ctx, q, engine)
	if err != nil {
		return nil, fmt.Errorf("store: backup: catalogue: %w", err)
	}
	var out []*backupTable
	for i := 0; i < len(cols); {
		name, j := cols[i].table, i
		for j < len(cols) && cols[j].table == name {
			j++
		}
		if !infraTable(name) {
			t, err := describeTable(engine, name, cols[i:j])
			if err != nil {
				return nil, err
			}
			out = append(out, t)
		}
		i = j
	}
	return out, nil
}

// catalogueColumn is one column as the catalogue lists it.
type catalogueColumn struct {
	table, name, typ string
	pk               int  // position in the primary key, 0 if not in it
	serial           bool // PostgreSQL: fed by a sequence (BIGSERIAL, identity)
}

// catalogue lists the columns of the ordinary tables, by table name: on
// SQLite neither virtual tables (FTS5) nor their shadow tables, which
// triggers rebuild; on PostgreSQL no generated columns (the answer book's
// tsvector). It reads pg_catalog in one query: information_schema is slow
// on a server with many schemas. (indkey is an int2vector, subscripted
// from 0.)
func catalogue(ctx context.Context, q querier, engine string) ([]catalogueColumn, error) {
	query := `SELECT t.name, c.name, c.type, c.pk, 0 FROM pragma_table_list AS t, pragma_table_xinfo(t.name) AS c
		WHERE t.schema = 'main' AND t.type = 'table' AND t.name NOT LIKE 'sqlite\_%' ESCAPE '\' AND c.hidden = 0
		ORDER BY t.name, c.name`
	if engine == migrate.Postgres {
		query = `SELECT c.relname, a.attname, format_type(a.atttypid, NULL),
				COALESCE(array_position(i.indkey::int2[], a.attnum) + 1 - array_lower(i.indkey::int2[], 1), 0),
				CASE WHEN a.attidentity <> '' OR pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%' THEN 1 ELSE 0 END
			FROM pg_class c
			JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
			LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
			LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
			WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
			ORDER BY c.relname COLLATE "C", a.attname COLLATE "C"`
	}
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []catalogueColumn
	for rows.Next() {
		var c catalogueColumn
		var serial int
		if err := rows.Scan(&c.table, &c.name, &c.typ, &c.pk, &serial); err != nil {
			return nil, err
		}
		c.serial = serial == 1
		out = append(out, c)
	}
	return out, rows.Err()
}

// tableNames lists the tables catalogue sees, data or not.
func tableNames(ctx context.Context, q querier, engine string) ([]string, error) {
	cols, err := catalogue(ctx, q, engine)
	var names []string
	for _, c := range cols {
		if len(names) == 0 || names[len(names)-1] != c.table {
			names = append(names, c.table)
		}
	}
	return names, err
}

// describeTable turns a table's catalogue columns (in name order) into its
// backup description; River's job table has a fixed one.
func describeTable(engine, name string, cols []catalogueColumn) (*backupTable, error) {
	t := &backupTable{name: name}
	if name == riverJobTable {
		t = riverJobs(engine)
	}
	pk := map[int]string{}
	for _, c := range cols {
		if c.serial {
			t.serials = append(t.serials, c.name)
		}
		if name == riverJobTable {
			continue
		}
		kind, ok := kindOf(engine, c.typ)
		if !ok {
			return nil, fmt.Errorf("store: backup: %s.%s has type %s, which backups do not know (teach kindOf in model/store/backup_schema.go)", name, c.name, c.typ)
		}
		t.columns = append(t.columns, dumpColumn{ColumnInfo: ColumnInfo{Name: c.name, Kind: kind}})
		if c.pk > 0 {
			pk[c.pk] = c.name
		}
	}
	for i := 1; i <= len(pk); i++ {
		t.pk = append(t.pk, pk[i])
	}
	return t, nil
}

// kindOf maps a declared type (SQLite) or data_type (PostgreSQL) to its
// canonical kind. The two engines' types come from the same migration
// placeholders, so a column has the same kind on both.
func kindOf(engine, declared string) (string, bool) {
	t := strings.ToUpper(declared)
	if engine == migrate.SQLite {
		t, _, _ = strings.Cut(t, "(")
	}
	switch strings.TrimSpace(t) {
	case "TEXT", "VARCHAR", "CHARACTER VARYING", "CHARACTER":
		return KindText, true
	case "INTEGER", "BIGINT", "SMALLINT":
		return KindInt, true
	case "BOOLEAN":
		return KindBool, true
	case "DATETIME", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITHOUT TIME ZONE":
		return KindTime, true
	case "BLOB", "BYTEA":
		return KindBytes, true
	}
	return "", false
}

// selectSQL reads a table's rows in primary-key order. Text keys sort by
// bytes on both engines (SQLite's BINARY, PostgreSQL's "C"), so the rows,
// and with them the table's hash, come in the same order everywhere.
func (t *backupTable) selectSQL(engine string) string {
	cols := make([]string, len(t.columns))
	for i, c := range t.columns {
		cols[i] = c.read
		if cols[i] == "" {
			cols[i] = quoteIdent(c.Name)
		}
	}
	q := "SELECT " + strings.Join(cols, ", ") + " FROM " + quoteIdent(t.name)
	if t.filter != "" {
		q += " WHERE " + t.filter
	}
	return q + " ORDER BY " + t.orderBy(engine)
}

// orderBy is the primary key, or every column (NULLs first) for a table
// without one.
func (t *backupTable) orderBy(engine string) string {
	keys, nulls := t.pk, ""
	if len(keys) == 0 {
		for _, c := range t.columns {
			keys = append(keys, c.Name)
		}
		if engine == migrate.Postgres {
			nulls = " NULLS FIRST" // SQLite's default
		}
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = quoteIdent(k)
		if engine == migrate.Postgres && t.kind(k) == KindText {
			parts[i] += ` COLLATE "C"`
		}
		parts[i] += nulls
	}
	return strings.Join(parts, ", ")
}

func (t *backupTable) kind(name string) string {
	for _, c := range t.columns {
		if c.Name == name {
			return c.Kind
		}
	}
	return ""
}

// info returns the columns as the manifest records them.
func (t *backupTable) info() []ColumnInfo {
	out := make([]ColumnInfo, len(t.columns))
	for i, c := range t.columns {
		out[i] = c.ColumnInfo
	}
	return out
}

// quoteIdent quotes a catalogue name for either engine.
func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }
