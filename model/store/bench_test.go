package store_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// benchContacts is the data-set size the performance targets name.
const benchContacts = 100_000

var firstNames = []string{"Anna", "Boris", "Carol", "David", "Елена", "Фёдор", "Галина", "Hugo", "Ирина", "Jack"}
var lastNames = []string{"Smith", "Иванов", "Brown", "Петрова", "Müller", "Сидоров", "Garcia", "Kuznetsova", "Lee", "Новиков"}

// benchContact returns the i-th synthetic contact (unique e-mail and phone).
func benchContact(i int) *model.Contact {
	return &model.Contact{FirstName: firstNames[i%10], LastName: fmt.Sprintf("%s%d", lastNames[(i/10)%10], i),
		Emails: []model.Labeled{{Type: "work", Value: fmt.Sprintf("person%d@example.com", i)}},
		Phones: []model.Labeled{{Type: "mobile", Value: fmt.Sprintf("+1 415 %03d %04d", 200+i/10000, i%10000)}}}
}

// seeded opens a store per engine holding benchContacts contacts, seeded once
// per engine and process.
var seeded = map[string]*store.Store{}
var seedMu sync.Mutex

func seededStore(b *testing.B, engine string) *store.Store {
	seedMu.Lock()
	defer seedMu.Unlock()
	if s, ok := seeded[engine]; ok {
		return s
	}
	s := storetest.Open(b, engine)
	ctx := context.Background()
	for start := 0; start < benchContacts; start += 1000 {
		batch := make([]*model.Contact, 0, 1000)
		for i := start; i < start+1000; i++ {
			batch = append(batch, benchContact(i))
		}
		if err := store.CreateMany(ctx, s, batch); err != nil {
			b.Fatal(err)
		}
	}
	seeded[engine] = s
	return s
}

// reportPercentiles adds p50 and p95 in milliseconds to the benchmark output.
func reportPercentiles(b *testing.B, d []time.Duration) {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	if len(d) == 0 {
		return
	}
	b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(d[len(d)*95/100].Microseconds())/1000, "p95-ms")
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
		reportPercentiles(b, d)
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
				q = fmt.Sprintf("+1 415 %03d %04d", 200+n/10000, n%10000)
			}
			t := time.Now()
			p, err := store.List[model.Contact](ctx, s, store.ListParams{Limit: 50, Q: q})
			d = append(d, time.Since(t))
			if err != nil || len(p.Items) != 1 {
				b.Fatalf("q=%s: %v %d", q, err, len(p.Items))
			}
		}
		reportPercentiles(b, d)
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
				rows[j] = store.ImportRow{Line: j + 1, Contact: benchContact(i*perOp + j), Company: fmt.Sprintf("Company %d", j%50)}
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
					if err := store.Create(ctx, s, benchContact(i)); err != nil {
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
