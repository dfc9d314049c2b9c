package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

func init() {
	_ = model.RegisterNumberKind("test_request", model.NumberFormat{Pattern: "R-{n:06}"})
	_ = model.RegisterNumberKind("test_invoice", model.NumberFormat{Pattern: "{site}INV-{yyyy}-{n:04}", YearlyReset: true, Gapless: true})
}

func TestNumbersUniqueAndGapless(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		s.SetInstallation(store.Installation{Site: "MSK-"})
		var mu sync.Mutex
		seen := map[string]bool{}
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := 0; j < 10; j++ {
					n, err := s.NextNumber(ctx, "test_request")
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					if seen[n] {
						t.Errorf("duplicate %s", n)
					}
					seen[n] = true
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if !seen["R-000001"] || !seen["R-000040"] {
			t.Fatalf("numbers %v", seen)
		}
		if _, err := s.NextNumber(ctx, "test_invoice"); err == nil {
			t.Fatal("gapless number outside a transaction")
		}
		rollback := errors.New("rollback")
		_ = s.WithTx(ctx, func(ctx context.Context) error {
			if _, err := s.NextNumber(ctx, "test_invoice"); err != nil {
				t.Fatal(err)
			}
			return rollback
		})
		var got string
		if err := s.WithTx(ctx, func(ctx context.Context) error {
			var err error
			got, err = s.NextNumber(ctx, "test_invoice")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(got) != len("MSK-INV-2026-0001") || got[len(got)-4:] != "0001" || got[:8] != "MSK-INV-" {
			t.Fatalf("after rollback got %q, want the first number again", got)
		}
	})
}

// TestSetNextNumber checks that an admin can move a counter up (to go on
// from an older system's numbers), never down, that others cannot, and
// that the change is audited.
func TestSetNextNumber(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		admin := model.WithActor(context.Background(), model.Actor{UserID: model.NewID(), Name: "Ada", Role: model.RoleAdmin, Scopes: []string{model.ScopeAdmin}})
		agent := model.WithActor(context.Background(), model.Actor{UserID: model.NewID(), Role: model.RoleAgent})
		if _, err := s.NextNumber(admin, "test_request"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetNextNumber(agent, "test_request", 500); model.ErrorCode(err) != model.EFORBIDDEN {
			t.Errorf("an agent set a counter: %v", err)
		}
		if _, err := s.SetNextNumber(admin, "test_request", 1000); err != nil {
			t.Fatal(err)
		}
		if n, err := s.NextNumber(admin, "test_request"); err != nil || n != "R-001000" {
			t.Errorf("after setting 1000: %q %v", n, err)
		}
		if _, err := s.SetNextNumber(admin, "test_request", 1000); model.ErrorCode(err) != model.EINVALID {
			t.Errorf("set back to an issued number: %v", err)
		}
		if _, err := s.SetNextNumber(admin, "no_such_kind", 10); model.ErrorCode(err) != model.ENOTFOUND {
			t.Errorf("unknown kind: %v", err)
		}
		counters, err := s.NumberCounters(admin)
		if err != nil || len(counters) != 1 || counters[0].NextValue != 1001 {
			t.Errorf("counters: %+v %v", counters, err)
		}
		events, err := s.AuditEvents(admin, "", 10)
		if err != nil || len(events) != 1 || events[0].Action != "numbering.set" || events[0].Target != "test_request" {
			t.Errorf("audit: %+v %v", events, err)
		}
	})
}
