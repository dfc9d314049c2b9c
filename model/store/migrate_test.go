package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"rapport/model/migrate"
	"rapport/model/store"
	"rapport/model/storetest"
)

// TestConcurrentMigratorsMigrateOnce starts four hubs' migrations at once on
// an empty database: all succeed, the schema is current, and a database
// migrated by a newer build is refused.
func TestConcurrentMigratorsMigrateOnce(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.EmptyDSN(t, engine)
			ctx := context.Background()
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for range 4 {
				wg.Go(func() {
					s, err := store.Open(ctx, dsn)
					if err != nil {
						errs <- err
						return
					}
					defer s.Close()
					_, err = s.Migrate(ctx)
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			s, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.CheckSchema(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := s.DB().Exec(fmt.Sprintf("INSERT INTO goose_db_version (version_id, is_applied) VALUES (%d, true)", migrate.Latest()+1)); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Migrate(ctx); !errors.Is(err, migrate.ErrSchemaTooNew) {
				t.Fatalf("newer schema: %v", err)
			}
			if err := s.CheckSchema(ctx); !errors.Is(err, migrate.ErrSchemaTooNew) {
				t.Fatalf("readiness on newer schema: %v", err)
			}
		})
	}
}
