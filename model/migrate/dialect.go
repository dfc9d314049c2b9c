package migrate

import "strings"

// Engine names.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

const metaColumns = `id VARCHAR(36) PRIMARY KEY,
	version BIGINT NOT NULL,
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL,
	created_by VARCHAR(36),
	updated_by VARCHAR(36),
	deleted_at {{ts}}`

// expand replaces dialect placeholders in a migration body.
func expand(engine, body string) string {
	pg := engine == Postgres
	pick := func(pgForm, liteForm string) string {
		if pg {
			return pgForm
		}
		return liteForm
	}
	r := strings.NewReplacer(
		"{{meta}}", metaColumns,
	)
	body = r.Replace(body)
	return strings.NewReplacer(
		"{{ts}}", pick("TIMESTAMPTZ", "DATETIME"),
		"{{seqpk}}", pick("BIGSERIAL PRIMARY KEY", "INTEGER PRIMARY KEY AUTOINCREMENT"),
		"{{ctext}}", pick(`TEXT COLLATE "C"`, "TEXT"),
		"{{bytes}}", pick("BYTEA", "BLOB"),
		"{{json}}", "TEXT",
	).Replace(body)
}

// statements splits a body on lines holding only ";". A statement whose first
// line is "--only postgres" or "--only sqlite" runs on that engine alone.
func statements(engine, body string) []string {
	var out []string
	for _, s := range strings.Split(body, "\n;\n") {
		s = strings.TrimSpace(s)
		if rest, ok := strings.CutPrefix(s, "--only "); ok {
			only, stmt, _ := strings.Cut(rest, "\n")
			if strings.TrimSpace(only) != engine {
				continue
			}
			s = stmt
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
