package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"rapport/model/migrate"
	"rapport/model/store"
	"rapport/model/storetest"
)

// freshDSN returns an empty, never migrated database on engine.
func freshDSN(t *testing.T, engine string) string {
	t.Helper()
	if engine == "sqlite" {
		return "sqlite:" + filepath.Join(t.TempDir(), "fresh.db")
	}
	base := os.Getenv("RAPPORT_TEST_POSTGRES")
	schema := fmt.Sprintf("fresh_%d", rand.IntN(1<<30))
	admin, err := store.Open(context.Background(), base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.DB().Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if a, err := store.Open(context.Background(), base); err == nil {
			_, _ = a.DB().Exec("DROP SCHEMA " + schema + " CASCADE")
			a.Close()
		}
	})
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestConcurrentMigratorsMigrateOnce starts four hubs' migrations at once on
// an empty database: all succeed, the schema is current, and a database
// migrated by a newer build is refused.
func TestConcurrentMigratorsMigrateOnce(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := freshDSN(t, engine)
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
