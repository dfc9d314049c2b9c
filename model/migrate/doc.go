// Package migrate holds Rapport's versioned, append-only schema migrations and
// runs them with goose. One sequence serves SQLite and PostgreSQL: each
// migration is SQL written once with a few dialect placeholders ({{ts}},
// {{seqpk}} ...) expanded per engine. Migrations never use live model types.
//
// A migration run holds a lock (a PostgreSQL advisory session lock, a file
// lock beside the SQLite database) so hubs starting together migrate once.
// It imports nothing from this repository.
package migrate
