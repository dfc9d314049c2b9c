package store_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// benchDupPairs is how many duplicate pairs are planted beside the shared
// store's benchContacts contacts.
const benchDupPairs = 500

var dupsPlanted sync.Map // engine → map[[2]string]bool (planted pairs by id)

var (
	dupFirst = []string{"Anna", "Boris", "Carol", "David", "Emma", "Felix", "Grace", "Henry", "Irene", "Jacob",
		"Елена", "Фёдор", "Галина", "Пётр", "Ирина", "Сергей", "Татьяна", "Юрий", "Jürgen", "Zoë"}
	dupLast = []string{"Berg", "Lindqvist", "Okafor", "Novak", "Harrington", "Castellano", "Whitfield", "Morozov", "Orlova",
		"Kuznetsov", "Соколов", "Лебедева", "Волков", "Зайцева", "Семёнов", "Müller", "Dubois", "Fitzgerald", "Hernández", "Ялта"}
)

// plantedDuplicates adds benchDupPairs pairs of contacts that are one
// person written twice (same e-mail in other case with swapped names; the
// same phone in another format with a typo; an ё or accent dropped; a typo
// in the last name) and returns them.
func plantedDuplicates(b *testing.B, s *store.Store, engine string) map[[2]string]bool {
	if p, ok := dupsPlanted.Load(engine); ok {
		return p.(map[[2]string]bool)
	}
	var batch []*model.Contact
	for i := range benchDupPairs {
		first, last := dupFirst[i%len(dupFirst)], dupLast[(i/len(dupFirst))%len(dupLast)]
		email, phone := fmt.Sprintf("dup%d@bench.example", i), fmt.Sprintf("+44 20 7946 %04d", i)
		a := &model.Contact{FirstName: first, LastName: last, MiddleName: dupFirst[(i/7)%len(dupFirst)],
			Emails: []model.Labeled{{Value: email}}, Phones: []model.Labeled{{Value: phone}}}
		c := &model.Contact{FirstName: first, LastName: last, MiddleName: a.MiddleName}
		switch i % 4 {
		case 0:
			c.FirstName, c.LastName, c.Emails = last, first, []model.Labeled{{Value: strings.ToUpper(email)}}
		case 1:
			c.FirstName = string([]rune(first)[:len([]rune(first))-1])
			c.Phones = []model.Labeled{{Value: fmt.Sprintf("+44 (20) 7946-%04d", i)}}
		case 2:
			c.FirstName = strings.NewReplacer("ё", "е", "ü", "u", "ë", "e", "é", "e").Replace(first)
			c.LastName = strings.NewReplacer("ё", "е", "ü", "u", "á", "a").Replace(last)
			c.Emails = []model.Labeled{{Value: fmt.Sprintf("other%d@bench.example", i)}}
		case 3:
			c.LastName = last + "n"
			c.Emails = []model.Labeled{{Value: email}}
		}
		batch = append(batch, a, c)
	}
	if err := store.CreateMany(salesAdmin, s, batch); err != nil {
		b.Fatal(err)
	}
	planted := map[[2]string]bool{}
	for i := 0; i < len(batch); i += 2 {
		planted[[2]string{batch[i].ID, batch[i+1].ID}] = true
	}
	dupsPlanted.Store(engine, planted)
	return planted
}

// BenchmarkDuplicatePairs times suggestion passes over benchContacts
// synthetic contacts plus the planted pairs: "pass" a whole pass (the
// first page), "page" a later page served from the pass kept; it reports
// the pairs found and how many planted pairs were among them.
func BenchmarkDuplicatePairs(b *testing.B) {
	eachEngine(b, func(b *testing.B, engine string) {
		s := seededStore(b, engine)
		planted := plantedDuplicates(b, s, engine)
		params := store.DuplicateParams{Limit: 500, MinScore: 0.5}
		for _, cold := range []bool{true, false} {
			name := map[bool]string{true: "pass", false: "page"}[cold]
			b.Run(name, func(b *testing.B) {
				var d []time.Duration
				for range b.N {
					if cold {
						store.ForgetDuplicatePasses()
					}
					t := time.Now()
					page, err := s.DuplicatePairs(salesAdmin, "contact", params)
					d = append(d, time.Since(t))
					if err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(float64(page.Total), "pairs")
				}
				storetest.ReportPercentiles(b, d)
			})
		}
		found := 0
		for {
			page, err := s.DuplicatePairs(salesAdmin, "contact", params)
			if err != nil {
				b.Fatal(err)
			}
			for _, p := range page.Items {
				if planted[[2]string{p.A.ID, p.B.ID}] {
					found++
				}
			}
			if params.Cursor = page.NextCursor; params.Cursor == "" {
				break
			}
		}
		if found != len(planted) {
			b.Errorf("found %d of %d planted pairs", found, len(planted))
		}
	})
}
