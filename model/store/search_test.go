package store_test

import (
	"context"
	"slices"
	"testing"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// TestSearchPlansAgree pages through q= results in every sort order with
// the id-driven plan and with both sort-index walks PostgreSQL uses for
// common terms, and expects the same records in the same order.
func TestSearchPlansAgree(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		smithfield := &model.Account{Name: "Smithfield Foods"}
		if err := store.Create(ctx, s, smithfield); err != nil {
			t.Fatal(err)
		}
		var people []*model.Contact
		for i := 0; i < 200; i++ {
			c := storetest.Contact(i)
			if i%25 == 3 {
				c.AccountID = &smithfield.ID // found by the company's name
			}
			people = append(people, c)
		}
		if err := store.CreateMany(ctx, s, people); err != nil {
			t.Fatal(err)
		}
		if err := store.Delete[model.Contact](ctx, s, people[5].ID, 0); err != nil { // smith5
			t.Fatal(err)
		}
		// Contacts 0-9 and 100-109 are Smiths (one deleted); 3, 28, ... 178
		// work at Smithfield (3 and 103 are Smiths, 28 and 128 Browns); Anna is
		// every tenth.
		want := map[string]int{"smith": 19 + 6, "smith anna": 2, "anna smithfield": 0, "smith1": 10 + 1,
			"smith brown": 2, "smi foods": 8, "person10@example.com": 1}
		sorts := []string{"", "-name", "-updated_at", "first_name,-created_at"}
		page := func(q, sort string) []string {
			t.Helper()
			var ids []string
			cursor := ""
			for {
				p, err := store.List[model.Contact](ctx, s, store.ListParams{Limit: 3, Q: q, Sort: sort, Cursor: cursor})
				if err != nil {
					t.Fatalf("q=%s sort=%s: %v", q, sort, err)
				}
				for _, c := range p.Items {
					ids = append(ids, c.ID)
				}
				if cursor = p.NextCursor; cursor == "" {
					return ids
				}
			}
		}
		type key struct{ q, sort string }
		got := map[key][]string{}
		for q, n := range want {
			for _, sort := range sorts {
				ids := page(q, sort)
				if len(ids) != n {
					t.Errorf("q=%s sort=%s: %d records, want %d", q, sort, len(ids), n)
				}
				got[key{q, sort}] = ids
			}
		}
		// Hashed ids (every count below the cap), then per-row probes
		// (every count at or above it).
		for _, max := range []int{1_000_000, 1} {
			restore := store.SetSearchWalk(1, max)
			walks, err := store.SearchWalks(ctx, s, "contact", "smith anna")
			if err != nil || walks != (s.Engine() == "postgres") {
				t.Fatalf("walks on %s: %v %v", s.Engine(), walks, err)
			}
			for k, ids := range got {
				if walked := page(k.q, k.sort); !slices.Equal(walked, ids) {
					t.Errorf("cap %d: q=%s sort=%s: walking gives %v, ids give %v", max, k.q, k.sort, walked, ids)
				}
			}
			restore()
		}
		defer store.SetSearchWalk(30, 1_000_000)() // a term below the minimum keeps the id plan
		if walks, _ := store.SearchWalks(ctx, s, "contact", "smith"); walks {
			t.Error("a term matching fewer than the minimum walks")
		}
	})
}
