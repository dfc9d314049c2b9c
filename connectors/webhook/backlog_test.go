package webhook

import (
	"fmt"
	"math/rand/v2"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// closedURL returns a webhook URL on a loopback port nobody listens on:
// every attempt is refused at once.
func closedURL(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/hook"
	ln.Close()
	return url
}

// seedBacklog queues n deliveries for an endpoint as a receiver that has
// been down for a while leaves them: perRecord events for each record, the
// first of which has failed a few times and is due again within ten
// minutes, the later ones waiting with it (as the dispatcher holds them).
// They go straight into the table, in one transaction, with a prepared
// single-row INSERT (the store makes deliveries from the feed a page at a
// time, and many-row INSERTs bind slowly on SQLite, the more so under the
// race detector).
func seedBacklog(t testing.TB, s *store.Store, endpointID string, n, perRecord int) {
	t.Helper()
	records := max(n/perRecord, 1)
	made := time.Now().UTC().Add(-time.Hour).Truncate(time.Microsecond)
	due := make([]time.Time, records)
	for i := range due {
		due[i] = made.Add(time.Hour + time.Duration(rand.Int64N(int64(10*time.Minute))))
	}
	params := "?, ?, ?, ?, ?, ?, ?"
	if s.Engine() == "postgres" {
		params = "$1, $2, $3, $4, $5, $6, $7"
	}
	tx, err := s.DB().Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	ins, err := tx.Prepare(`INSERT INTO webhook_deliveries (id, endpoint_id, seq, record_id, attempts, next_attempt_at, created_at,
		event_type, entity, payload, status, last_status, last_error)
		VALUES (` + params + `, 'contact.updated', 'contact', '{"type":"contact.updated","data":{"id":"backlog"}}', 'pending', 0, '')`)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		attempts := 0
		if i < records {
			attempts = 3
		}
		if _, err := ins.Exec(model.NewID(), endpointID, 1e9+i, fmt.Sprintf("backlog-%07d", i%records), attempts, due[i%records], made); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// heapWatch samples the live heap while the dispatcher runs and keeps the
// peak. Each sample collects garbage first, so it measures what the
// dispatcher holds, not what it has yet to free.
type heapWatch struct {
	base uint64
	peak atomic.Uint64
	stop chan struct{}
	done sync.WaitGroup
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func watchHeap(every time.Duration) *heapWatch {
	h := &heapWatch{base: liveHeap(), stop: make(chan struct{})}
	h.done.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				return
			case <-t.C:
				if v := liveHeap(); v > h.peak.Load() {
					h.peak.Store(v)
				}
			}
		}
	})
	return h
}

// growthMiB stops sampling and returns the peak's growth over the heap
// before the dispatcher started, in MiB.
func (h *heapWatch) growthMiB() float64 {
	close(h.stop)
	h.done.Wait()
	peak := h.peak.Load()
	if peak < h.base {
		return 0
	}
	return float64(peak-h.base) / (1 << 20)
}

// backlogRun is one measurement: a healthy endpoint receives events while
// an endpoint on a closed port has backlog deliveries due.
type backlogRun struct {
	rate      float64 // healthy deliveries per second
	heapMiB   float64 // peak live heap growth while dispatching
	deadTries int64   // attempts the dead endpoint made meanwhile
}

// backlogPerRecord is how many of the backlog's events each record has: a
// record's later events wait for its first, which keeps failing.
const backlogPerRecord = 10

// runBacklog seeds backlog deliveries for a dead endpoint, writes events
// contacts, then runs a dispatcher until a healthy endpoint has all of them.
// A benchmark's timer runs while the dispatcher does.
func runBacklog(t testing.TB, engine string, backlog, events int) backlogRun {
	t.Helper()
	s := storetest.Open(t, engine)
	var got atomic.Int64
	done := make(chan struct{})
	srv := newBenchServer(t, func() {
		if got.Add(1) == int64(events) {
			close(done)
		}
	})
	dead := newTestEndpoint(t, s, closedURL(t), testKey(21), nil)
	newTestEndpoint(t, s, srv, testKey(22), func(ep *model.WebhookEndpoint) { ep.EventTypes = []string{"contact.*"} })
	seedBacklog(t, s, dead.ID, backlog, backlogPerRecord)
	storetest.SeedContacts(t, s, events)

	heap := watchHeap(100 * time.Millisecond)
	b, timed := t.(*testing.B)
	if timed {
		b.StartTimer()
	}
	start := time.Now()
	_, stop := runDispatcher(t, testConfig(t, s, 5*time.Second, "0,5s,5m,30m,2h"))
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		t.Fatalf("healthy receiver has %d of %d", got.Load(), events)
	}
	took := time.Since(start)
	if timed {
		b.StopTimer()
	}
	mib := heap.growthMiB()
	stop()
	var tries int64
	if err := s.DB().QueryRow("SELECT COUNT(*) FROM webhook_attempts WHERE endpoint_id = '" + dead.ID + "'").Scan(&tries); err != nil {
		t.Fatal(err)
	}
	return backlogRun{rate: float64(events) / took.Seconds(), heapMiB: mib, deadTries: tries}
}

// TestDispatchDeadBacklog: with 20,000 deliveries queued for an endpoint
// on a closed port (4,000 under the race detector), the dispatcher's live
// heap stays small (it claims a few at a time and never loads the
// backlog) and a healthy endpoint still gets its events.
// BenchmarkDispatchDeadBacklog measures a healthy endpoint's deliveries
// per second (b.N events; the timer runs while they are dispatched) while
// 100,000 deliveries are queued for an endpoint on a closed port, against
// the same without the backlog (idle-deliveries/s, untimed), and the
// dispatcher's peak live heap growth.
func BenchmarkDispatchDeadBacklog(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			b.StopTimer()
			idle := runBacklog(&untimed{b}, engine, 0, b.N)
			busy := runBacklog(b, engine, 100000, b.N)
			b.ReportMetric(idle.rate, "idle-deliveries/s")
			b.ReportMetric(busy.rate, "deliveries/s")
			b.ReportMetric(busy.rate/idle.rate, "ratio")
			b.ReportMetric(busy.heapMiB, "heap-MiB")
			b.ReportMetric(float64(busy.deadTries), "dead-attempts")
		})
	}
}

// untimed hides a benchmark from runBacklog's timer.
type untimed struct{ testing.TB }
