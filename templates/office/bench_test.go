package office

import (
	"bytes"
	"context"
	"io"
	"testing"
)

// benchMerge merges the 50-line quote into a format and reports
// documents per second.
func benchMerge(b *testing.B, name string) {
	d := openFile(b, name)
	data, env := fixtureData(50, "EUR"), testEnv("en-US")
	var out bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		if err := d.Merge(context.Background(), &out, data, env, testImages); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
	b.ReportMetric(float64(out.Len())/1024, "KiB/doc")
}

// BenchmarkMergeQuoteDOCX merges a quote with 50 lines (three pages: a
// table row per line, header with logo, photo, footnote) into DOCX.
func BenchmarkMergeQuoteDOCX(b *testing.B) { benchMerge(b, "quote-en.docx") }

// BenchmarkMergeQuoteODT is the same quote in ODT.
func BenchmarkMergeQuoteODT(b *testing.B) { benchMerge(b, "quote-en.odt") }

// BenchmarkOpen opens (reads, normalises, parses) the quote template.
func BenchmarkOpen(b *testing.B) {
	data := templateBytes(b, "quote-en.docx")
	b.ReportAllocs()
	for b.Loop() {
		openBytes(b, data)
	}
}

// BenchmarkMergeZipLetters merges 10,000 letters into a zip streamed to
// nowhere and reports the peak live heap, sampled every 1,000 letters.
func BenchmarkMergeZipLetters(b *testing.B) {
	d := openFile(b, "letter-ru.docx")
	const n = 10_000
	var peak uint64
	for b.Loop() {
		records := func(yield func(Record, error) bool) {
			i := 0
			for rec := range letterRecords(n) {
				if i%1000 == 0 {
					peak = max(peak, liveHeap())
				}
				if !yield(rec, nil) {
					return
				}
				i++
			}
		}
		if err := d.MergeZip(context.Background(), io.Discard, records, testImages); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "letters/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}
