package store_test

import (
	"context"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// BenchmarkSearchContacts measures a q= page of 50 contacts among
// benchContacts: a common word (10,000 matches sorting together in the middle
// of the order), one sorting last, a common first name (10,000 spread through
// the order), the second page of the common word, rare prefixes (1 and 11
// matches), two common words (1,000 matches; then none), a letter every
// contact matches (their e-mail's local part) and the common word sorted by
// -updated_at.
func BenchmarkSearchContacts(b *testing.B) {
	cases := []struct {
		name, q string
		want    int
		page2   bool
	}{
		{"common", "smith", 50, false},
		{"common-last", "сидоров", 50, false},
		{"common-spread", "anna", 50, false},
		{"common-page2", "smith", 50, true},
		{"rare-1", "smith10000", 1, false},
		{"rare-11", "smith1000", 11, false},
		{"two-terms", "smith anna", 50, false},
		{"two-terms-none", "smith brown", 0, false},
		{"dense", "p", 50, false},
		{"common-by-updated", "smith", 50, false},
	}
	eachEngine(b, func(b *testing.B, engine string) {
		s := seededStore(b, engine)
		if engine == "postgres" {
			// As autovacuum does after a bulk load: index-only scans need
			// the visibility map.
			for _, t := range []string{"contacts", "search_keys"} {
				if _, err := s.DB().Exec("VACUUM ANALYZE " + t); err != nil {
					b.Fatal(err)
				}
			}
		}
		ctx := context.Background()
		for _, c := range cases {
			b.Run(c.name, func(b *testing.B) {
				p := store.ListParams{Limit: 50, Q: c.q}
				if c.name == "common-by-updated" {
					p.Sort = "-updated_at"
				}
				if c.page2 {
					first, err := store.List[model.Contact](ctx, s, p)
					if err != nil {
						b.Fatal(err)
					}
					p.Cursor = first.NextCursor
				}
				var d []time.Duration
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					t := time.Now()
					page, err := store.List[model.Contact](ctx, s, p)
					d = append(d, time.Since(t))
					if err != nil || len(page.Items) != c.want {
						b.Fatalf("q=%s: %v %d", c.q, err, len(page.Items))
					}
				}
				storetest.ReportPercentiles(b, d)
			})
		}
	})
}
