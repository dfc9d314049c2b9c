package mailin

import (
	"context"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"
)

// discard is a Handler that reads every body to the end and writes the
// checkpoint, standing in for the store; peak, when set, samples the heap
// while a body streams.
type discard struct {
	mu   sync.Mutex
	cps  map[string]Checkpoint
	n    int
	done chan struct{}
	want int
	peak *uint64
}

func newDiscard(want int) *discard {
	return &discard{cps: map[string]Checkpoint{}, done: make(chan struct{}), want: want}
}

func (d *discard) Handle(_ context.Context, m Message) error {
	buf := make([]byte, 64<<10)
	for read := 0; ; {
		n, err := m.Body.Read(buf)
		read += n
		if d.peak != nil && read%(4<<20) < n {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			*d.peak = max(*d.peak, ms.HeapInuse)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cps[m.Folder] = Checkpoint{UIDValidity: m.UIDValidity, LastUID: m.UID}
	if d.n++; d.n == d.want {
		close(d.done)
	}
	return nil
}

func (d *discard) Checkpoint(_ context.Context, _, folder string) (Checkpoint, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cps[folder], nil
}

// ingest runs a supervisor until h has taken h.want messages.
func ingest(b *testing.B, cfg Config, h *discard) time.Duration {
	b.Helper()
	start := time.Now()
	r := runSupervisor(b, cfg, h, h)
	select {
	case <-h.done:
	case <-time.After(5 * time.Minute):
		b.Fatalf("only %d of %d messages in 5 minutes", h.n, h.want)
	}
	elapsed := time.Since(start)
	r.stop(b)
	return elapsed
}

// BenchmarkDovecotFetch: 500 messages of 20 KB from Dovecot over STARTTLS
// through the supervisor to a handler that reads and discards them (the
// IMAP share of the ingest budget of 100 messages/s).
func BenchmarkDovecotFetch(b *testing.B) {
	const count, size = 500, 20 << 10
	d := requireDovecot(b)
	cfg := d.folder(b, "bench")
	c := client(b, cfg)
	for i := range count {
		appendMsg(b, c, cfg.Folders[0], testMail(i, size))
	}
	b.ResetTimer()
	var total time.Duration
	for range b.N {
		total += ingest(b, cfg, newDiscard(count))
	}
	b.ReportMetric(float64(count*b.N)/total.Seconds(), "msgs/s")
}

// BenchmarkDovecotBigMessage: the heap while one 50 MB message streams from
// Dovecot to the handler stays flat.
func BenchmarkDovecotBigMessage(b *testing.B) {
	d := requireDovecot(b)
	cfg := d.folder(b, "big")
	cfg.MaxSize = 64 << 20
	appendMsg(b, client(b, cfg), cfg.Folders[0], testMail(0, 50<<20))
	b.ResetTimer()
	for range b.N {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base, peak := ms.HeapInuse, ms.HeapInuse
		h := newDiscard(1)
		h.peak = &peak
		elapsed := ingest(b, cfg, h)
		b.ReportMetric(float64(peak-base)/(1<<20), "heap-growth-MiB")
		b.ReportMetric(50/elapsed.Seconds(), "MB/s")
	}
}
