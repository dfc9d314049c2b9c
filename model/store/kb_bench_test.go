package store_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// kbVocabulary is the benchmark's word list: English and Russian support
// vocabulary in several word forms.
var kbVocabulary = strings.Fields(`account accounts billing invoice invoices payment payments refund refunds return returns returned
shipping shipped delivery parcel label password login sign reset error errors update updates install installed licence licences
printer printers driver drivers network router wifi connection connect email emails attachment attachments export import report
reports order orders cancel cancelled subscription subscriptions upgrade downgrade price prices discount warranty repair repairs
battery screen keyboard mouse cable charger adapter backup restore sync calendar contact contacts phone mobile app browser cookie
договор договоры договора счёт счета оплата оплаты возврат возвраты доставка доставки посылка пароль вход ошибка ошибки обновление
установка лицензия принтер драйвер сеть роутер подключение почта вложение выгрузка отчёт заказ заказы отмена подписка скидка гарантия
ремонт батарея экран клавиатура кабель зарядка резервная копия календарь контакт телефон приложение браузер настройка настройки`)

func kbBenchArticle(r *rand.Rand, i int) *model.KBArticle {
	words := func(n int) string {
		out := make([]string, n)
		for j := range out {
			// Skewed: low indexes are common, as in real text.
			out[j] = kbVocabulary[int(float64(len(kbVocabulary))*r.Float64()*r.Float64())]
		}
		return strings.Join(out, " ")
	}
	answer := words(60)
	if i%2 == 0 {
		answer += " troubleshooting"
	}
	return &model.KBArticle{Question: words(8) + "?", Answer: answer, Category: fmt.Sprintf("cat%d", i%20), Status: model.KBPublished}
}

func seedKBBench(b *testing.B, s *store.Store, n int) {
	r := rand.New(rand.NewPCG(1, 2))
	for start := 0; start < n; start += 1000 {
		batch := make([]*model.KBArticle, 0, 1000)
		for i := start; i < min(start+1000, n); i++ {
			batch = append(batch, kbBenchArticle(r, i))
		}
		if err := store.CreateMany(kbAdmin, s, batch); err != nil {
			b.Fatal(err)
		}
	}
	if s.Engine() == "postgres" {
		// As autovacuum would after a bulk load: statistics, and the GIN
		// index's pending entries merged (searches scan them all until then).
		if _, err := s.DB().Exec("VACUUM ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
}

// kbBenchStore returns the engine's shared store with the benchmark's
// 100,000 articles, seeding them on first use.
func kbBenchStore(b *testing.B, engine string) *store.Store {
	s, fresh := storetest.Shared(b, engine)
	if fresh {
		t0 := time.Now()
		seedKBBench(b, s, 100_000)
		b.Logf("%s: seeded 100,000 articles in %v", engine, time.Since(t0))
	}
	return s
}

// BenchmarkKBSearch: 100,000 articles; boolean queries (two terms; two
// alternatives and an exclusion), top 20 with snippets (target p50 < 25
// ms), and a query matching half of them (target < 300 ms, ranked by
// recency).
func BenchmarkKBSearch(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			s := kbBenchStore(b, engine)
			for _, q := range []string{"browser AND настройка", "(приложение OR календарь) -телефон", "troubleshooting"} {
				b.Run(q, func(b *testing.B) { benchKBQuery(b, s, q) })
			}
		})
	}
}

// BenchmarkKBSuggest: suggestions for requests over the 100,000 articles,
// one with a few rarer words, one whose common words match most articles.
func BenchmarkKBSuggest(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			s := kbBenchStore(b, engine)
			for name, r := range map[string]*model.Request{
				"rare": {Subject: "Гарантия на клавиатуру", Description: "Клавиатура сломалась, нужен ремонт по гарантии."},
				"common": {Subject: "Cannot reset my account password", Description: "The login page shows an error after the " +
					"password reset; the invoice e-mail and the billing account are fine. Troubleshooting did not help."},
			} {
				if err := store.Create(kbAdmin, s, r); err != nil {
					b.Fatal(err)
				}
				b.Run(name, func(b *testing.B) {
					benchKB(b, name, func() (*model.KBSearchResult, error) { return s.SuggestKB(kbAdmin, r.ID, 5) })
				})
			}
		})
	}
}

func benchKBQuery(b *testing.B, s *store.Store, q string) {
	benchKB(b, q, func() (*model.KBSearchResult, error) {
		return s.SearchKB(kbAdmin, model.KBSearchParams{Q: q, Limit: 20})
	})
}

// benchKB times search and reports the percentiles; the last answer must
// have hits.
func benchKB(b *testing.B, name string, search func() (*model.KBSearchResult, error)) {
	var d []time.Duration
	var res *model.KBSearchResult
	for b.Loop() {
		t0 := time.Now()
		var err error
		if res, err = search(); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(t0))
	}
	if len(res.Items) == 0 {
		b.Fatalf("%q found nothing", name)
	}
	b.Logf("%q: %d hits, ranking %s", name, len(res.Items), res.Ranking)
	storetest.ReportPercentiles(b, d)
}
