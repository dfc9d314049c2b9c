package api_test

import (
	"testing"
	"time"

	"rapport/model/storetest"
)

// benchClients keeps one API client per engine across benchmark rounds.
var benchClients = map[string]*client{}

// BenchmarkAPIListContactsByName measures GET /api/v1/contacts?limit=50&sort=name
// over 100k contacts through the real handler, JSON included.
func BenchmarkAPIListContactsByName(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			s, fresh := storetest.Shared(b, engine)
			if fresh {
				storetest.SeedContacts(b, s, 100_000)
				benchClients[engine] = newClient(b, s)
			}
			c := benchClients[engine]
			c.t = b
			var d []time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t := time.Now()
				r := c.do("GET", "/contacts?limit=50&sort=name", "")
				d = append(d, time.Since(t))
				if r.Code != 200 {
					b.Fatal(r.Body.String())
				}
			}
			storetest.ReportPercentiles(b, d)
		})
	}
}
