package storetest

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
)

var (
	firstNames = []string{"Anna", "Boris", "Carol", "David", "Елена", "Фёдор", "Галина", "Hugo", "Ирина", "Jack"}
	lastNames  = []string{"Smith", "Иванов", "Brown", "Петрова", "Müller", "Сидоров", "Garcia", "Kuznetsova", "Lee", "Новиков"}
)

// Contact returns the i-th synthetic contact: mixed Latin and Cyrillic names,
// a unique e-mail personN@example.com and a unique phone +1 415 2NN NNNN.
func Contact(i int) *model.Contact {
	return &model.Contact{FirstName: firstNames[i%10], LastName: fmt.Sprintf("%s%d", lastNames[(i/10)%10], i),
		Emails: []model.Labeled{{Type: "work", Value: fmt.Sprintf("person%d@example.com", i)}},
		Phones: []model.Labeled{{Type: "mobile", Value: Phone(i)}}}
}

// Phone is the phone number of Contact(i).
func Phone(i int) string { return fmt.Sprintf("+1 415 %03d %04d", 200+i/10000, i%10000) }

// SeedContacts writes n synthetic contacts in batches of 1000.
func SeedContacts(t testing.TB, s *store.Store, n int) {
	t.Helper()
	ctx := context.Background()
	for start := 0; start < n; start += 1000 {
		batch := make([]*model.Contact, 0, 1000)
		for i := start; i < min(start+1000, n); i++ {
			batch = append(batch, Contact(i))
		}
		if err := store.CreateMany(ctx, s, batch); err != nil {
			t.Fatal(err)
		}
	}
	if s.Engine() == "postgres" {
		// As autovacuum would after a bulk load; benchmarks should not
		// measure plans made on empty-table statistics.
		if _, err := s.DB().Exec("ANALYZE"); err != nil {
			t.Fatal(err)
		}
	}
}

// ReportPercentiles adds the median and 95th percentile of d, in
// milliseconds, to a benchmark's output (targets are stated as p50).
func ReportPercentiles(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(d[len(d)*95/100].Microseconds())/1000, "p95-ms")
}
