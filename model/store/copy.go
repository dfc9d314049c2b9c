package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// copyThreshold is the row count from which PostgreSQL bulk rows go in with
// COPY instead of multi-row INSERTs (imports write tens of thousands).
const copyThreshold = 200

// canCopy reports whether rows of the transaction in st can use COPY.
func (s *Store) canCopy(st *txState, rows int) bool {
	return st != nil && st.conn != nil && rows >= copyThreshold
}

// copyRows writes rows into table with PostgreSQL's COPY protocol, on the
// session that runs the transaction, so the rows are part of it.
func (s *Store) copyRows(ctx context.Context, st *txState, table string, cols []string, rows [][]any) error {
	err := st.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("not a pgx connection")
		}
		_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: copy into %s: %w", table, err)
	}
	return nil
}
