package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// benchContacts is the data-set size the performance targets name.
const benchContacts = 100_000

// seededStore returns a store per engine holding benchContacts contacts,
// seeded once per process.
func seededStore(b *testing.B, engine string) *store.Store {
	s, fresh := storetest.Shared(b, engine)
	if fresh {
		storetest.SeedContacts(b, s, benchContacts)
	}
	return s
}

func eachEngine(b *testing.B, fn func(b *testing.B, engine string)) {
	for _, e := range storetest.Engines() {
		b.Run(e, func(b *testing.B) { fn(b, e) })
	}
}

func BenchmarkListPageByName(b *testing.B) {
	eachEngine(b, func(b *testing.B, engine string) {
		s := seededStore(b, engine)
		ctx := context.Background()
		var d []time.Duration
		cursor := ""
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t := time.Now()
			p, err := store.List[model.Contact](ctx, s, store.ListParams{Limit: 50, Sort: "name", Cursor: cursor})
			d = append(d, time.Since(t))
			if err != nil || len(p.Items) != 50 {
				b.Fatalf("%v %d", err, len(p.Items))
			}
			if cursor = p.NextCursor; i%100 == 99 {
				cursor = ""
			}
		}
		storetest.ReportPercentiles(b, d)
	})
}

func BenchmarkQueryExactEmailAndPhone(b *testing.B) {
	eachEngine(b, func(b *testing.B, engine string) {
		s := seededStore(b, engine)
		ctx := context.Background()
		var d []time.Duration
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			n := (i * 7919) % benchContacts
			q := fmt.Sprintf("person%d@example.com", n)
			if i%2 == 1 {
				q = storetest.Phone(n)
			}
			t := time.Now()
			p, err := store.List[model.Contact](ctx, s, store.ListParams{Limit: 50, Q: q})
			d = append(d, time.Since(t))
			if err != nil || len(p.Items) != 1 {
				b.Fatalf("q=%s: %v %d", q, err, len(p.Items))
			}
		}
		storetest.ReportPercentiles(b, d)
	})
}

func BenchmarkImportContacts(b *testing.B) {
	eachEngine(b, func(b *testing.B, engine string) {
		s := storetest.Open(b, engine)
		ctx := context.Background()
		const perOp = 5000
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			rows := make([]store.ImportRow, perOp)
			for j := range rows {
				rows[j] = store.ImportRow{Line: j + 1, Contact: storetest.Contact(i*perOp + j), Company: fmt.Sprintf("Company %d", j%50)}
			}
			res, err := s.ImportContacts(ctx, rows, store.OnDuplicateSkip)
			if err != nil || res.Created != perOp {
				b.Fatalf("%v %+v", err, res)
			}
		}
		b.ReportMetric(float64(b.N*perOp)/b.Elapsed().Seconds(), "contacts/s")
	})
}

func BenchmarkFeedWritesEightWriters(b *testing.B) {
	eachEngine(b, func(b *testing.B, engine string) {
		s := storetest.Open(b, engine)
		ctx := context.Background()
		b.ResetTimer()
		var wg sync.WaitGroup
		work := make(chan int)
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range work {
					if err := store.Create(ctx, s, storetest.Contact(i)); err != nil {
						b.Error(err)
					}
				}
			}()
		}
		for i := 0; i < b.N; i++ {
			work <- i
		}
		close(work)
		wg.Wait()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "changes/s")
	})
}
