package merge_test

import (
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rapport/hub/merge"
	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// BenchmarkMergeQuote50DOCX merges a two-page quote of 50 lines into DOCX
// from the database, as POST /documents does without saving: the quote,
// its lines and their products, account, contact, owner and pictures read
// with the caller's visibility, the template parsed once and cached.
// Target: 200 documents/s in one process.
func BenchmarkMergeQuote50DOCX(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			f := newFixture(b, storetest.Open(b, engine), 50)
			id := f.template("quote-en.docx", "quote", "", file(b, "quote-en.docx"))
			req := merge.Request{TemplateID: id, RecordID: f.quote.ID}
			_, err := f.svc.Merge(f.ctx, req) // parse the template into the cache
			must(b, err)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := f.svc.Merge(f.ctx, req); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}

// BenchmarkBulkZip10000Letters merges a dynamic mailing list of 10,000
// contacts into a zip of letters (with the company's logo) written to a
// counter, and reports the peak of the live heap while it runs: it stays flat
// because records are read, built and merged a page at a time.
func BenchmarkBulkZip10000Letters(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			s := storetest.Open(b, engine)
			f := newFixture(b, s, 1)
			storetest.SeedContacts(b, s, 10_000)
			list := &model.MailingList{Name: "Everyone", Kind: model.ListDynamic, Filter: &model.Filter{}}
			must(b, store.Create(f.ctx, s, list))
			letter := f.template("letter.docx", "contact", "", docx(b, "{company.logo_id | image \"3cm\"}",
				"{contact.display_name}", "{account.name}", "{today | date}", "Dear {contact.first_name | default \"customer\"},",
				"we are pleased to tell you about our new products.", "Kind regards", "{user.name}"))
			b.ReportAllocs()
			b.ResetTimer()
			var peak uint64
			var bytes int64
			for range b.N {
				stop := sampleHeap(&peak)
				bulk, err := f.svc.PrepareBulk(f.ctx, merge.BulkRequest{TemplateID: letter, MailingListID: list.ID, Output: merge.OutputZip})
				must(b, err)
				w := &counter{}
				must(b, bulk.Write(f.ctx, w))
				stop()
				bytes = w.n
			}
			b.ReportMetric(float64(10_000*b.N)/b.Elapsed().Seconds(), "docs/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-live-MiB")
			b.ReportMetric(float64(bytes)/(1<<20), "zip-MiB")
		})
	}
}

// sampleHeap records the largest live heap (after a collection), every
// 100 ms, until stopped.
func sampleHeap(peak *uint64) (stop func()) {
	var done atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for !done.Load() {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			*peak = max(*peak, ms.HeapAlloc)
			time.Sleep(100 * time.Millisecond)
		}
	}()
	return func() { done.Store(true); wg.Wait() }
}

// counter counts what is written to it.
type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

var _ io.Writer = (*counter)(nil)
