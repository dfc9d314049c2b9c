package webhook

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// BenchmarkSend measures signed deliveries per second to a local receiver
// that reads the body and answers 204, from one goroutine and from eight.
func BenchmarkSend(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	d := loopbackDeliverer(DefaultTimeout)
	body := []byte(`{"type":"contact.updated","timestamp":"2026-01-02T03:04:05Z","data":{"id":"c_0123456789","name":"Ada Lovelace","email":"ada@example.com","version":7}}`)
	req := Request{URL: srv.URL + "/hook", MsgID: "msg_bench", Body: body, Secrets: [][]byte{testKey(1), testKey(2)},
		Headers: map[string]string{"Authorization": "Bearer token"}}

	for _, workers := range []int{1, 8} {
		name := "goroutines=1"
		if workers == 8 {
			name = "goroutines=8"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var wg sync.WaitGroup
			jobs := make(chan struct{}, workers)
			for range workers {
				wg.Go(func() {
					for range jobs {
						if res := d.Send(context.Background(), req); res.Outcome != Delivered {
							b.Errorf("outcome %v: %s", res.Outcome, res.Err)
						}
					}
				})
			}
			b.ResetTimer()
			for range b.N {
				jobs <- struct{}{}
			}
			close(jobs)
			wg.Wait()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
		})
	}
}
