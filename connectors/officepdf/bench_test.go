package officepdf

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BenchmarkPool converts eight documents at once (DOCX, ODT and HTML in
// turn) through a pool of one converter and of two, profiles warm, and
// reports documents per second.
func BenchmarkPool(b *testing.B) {
	requireTool(b, "soffice")
	formats := []string{"docx", "odt", "html"}
	docs := make([][]byte, 8)
	for i := range docs {
		docs[i] = testDoc(b, formats[i%3], letter, "")
	}
	for _, size := range []int{1, 2} {
		b.Run(fmt.Sprintf("converters=%d", size), func(b *testing.B) {
			p := newPool(b, Config{Size: size})
			convertAll(b, p, formats, docs) // every profile warm
			cpu := childCPU()
			b.ResetTimer()
			for b.Loop() {
				convertAll(b, p, formats, docs)
			}
			n := float64(b.N * len(docs))
			b.ReportMetric(n/b.Elapsed().Seconds(), "docs/s")
			// CPU per document is steadier than docs/s on a shared
			// machine: two cores convert at most 2/cpu-s documents a
			// second.
			b.ReportMetric((childCPU()-cpu).Seconds()/n, "cpu-s/doc")
		})
	}
}

// convertAll converts docs concurrently.
func convertAll(b *testing.B, p *Pool, formats []string, docs [][]byte) {
	var wg sync.WaitGroup
	for i, doc := range docs {
		wg.Go(func() {
			if _, err := convert(context.Background(), p, doc, formats[i%len(formats)]); err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
}

// BenchmarkProfile times one DOCX conversion with a cold profile (created
// by the run, as after a start or a kill) and with a warm one.
func BenchmarkProfile(b *testing.B) {
	requireTool(b, "soffice")
	doc := testDoc(b, "docx", letter, "")
	for _, cold := range []bool{true, false} {
		b.Run(map[bool]string{true: "cold", false: "warm"}[cold], func(b *testing.B) {
			p := newPool(b, Config{Size: 1})
			if _, err := convert(context.Background(), p, doc, "docx"); err != nil {
				b.Fatal(err)
			}
			cpu := childCPU()
			for b.Loop() {
				if cold {
					b.StopTimer()
					s := <-p.idle
					if err := s.profile.reset(); err != nil {
						b.Fatal(err)
					}
					p.idle <- s
					b.StartTimer()
				}
				if _, err := convert(context.Background(), p, doc, "docx"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric((childCPU()-cpu).Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}

// childCPU is the CPU time (user and system) of the finished child
// processes, soffice and its children included.
func childCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
