package api_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"rapport/model/store"
	"rapport/model/storetest"
)

// dataSourceHeader is the documented column list (docs/templates.md).
const dataSourceHeader = "id display_name salutation first_name middle_name last_name title account_name email phone mobile " +
	"street postal_code city region country language birthday"

// readCSV parses a CSV data source into rows of column → value.
func readCSV(t *testing.T, r response) []map[string]string {
	t.Helper()
	if r.Code != 200 || r.Header().Get("Content-Type") != "text/csv; charset=utf-8" || !strings.HasPrefix(r.Body.String(), "\ufeff") {
		t.Fatalf("CSV %d %v %.200s", r.Code, r.Header(), r.Body.String())
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return byColumn(t, recs)
}

func readXLSX(t *testing.T, r response) []map[string]string {
	t.Helper()
	if r.Code != 200 {
		t.Fatalf("XLSX %d %s", r.Code, r.Body.String())
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := f.GetRows("Contacts")
	if err != nil {
		t.Fatal(err)
	}
	return byColumn(t, recs)
}

// byColumn checks the header and keys each row by it.
func byColumn(t *testing.T, recs [][]string) []map[string]string {
	t.Helper()
	if len(recs) == 0 || strings.Join(recs[0], " ") != dataSourceHeader {
		t.Fatalf("header %v", recs)
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, v := range rec {
			row[recs[0][i]] = v
		}
		out = append(out, row)
	}
	return out
}

func TestDataSources(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		id := func(m map[string]any) string { return m["id"].(string) }
		acme := id(c.want(c.do("POST", "/accounts", `{"name": "ООО «Акме»", "addresses": [{"street": "ул. Ленина, 1", "city": "Москва", "postal_code": "101000", "country": "RU"}]}`), 201))
		anna := id(c.want(c.do("POST", "/contacts", `{"first_name": "Анна", "last_name": "Петрова", "account_id": "`+acme+`", "birthday": "1990-04-01",
			"custom_fields": {"salutation": "г-жа"},
			"emails": [{"value": "anna@example.com"}], "phones": [{"type": "work", "value": "+7 495 123-45-67"}, {"type": "mobile", "value": "+7 916 000-00-00"}]}`), 201))
		bob := id(c.want(c.do("POST", "/contacts", `{"first_name": "Bob", "last_name": "Baker", "title": "CFO",
			"addresses": [{"street": "1 Main St", "city": "Springfield", "region": "IL", "postal_code": "62701", "country": "US"}]}`), 201))
		evil := id(c.want(c.do("POST", "/contacts", `{"first_name": "=HYPERLINK(\"http://x\")", "last_name": "-2+3"}`), 201))

		rows := readCSV(t, c.do("GET", "/contacts/datasource.csv?sort=last_name", ""))
		if len(rows) != 3 {
			t.Fatalf("rows %v", rows)
		}
		byID := map[string]map[string]string{}
		for _, r := range rows {
			byID[r["id"]] = r
		}
		a, b, e := byID[anna], byID[bob], byID[evil]
		if a["account_name"] != "ООО «Акме»" || a["street"] != "ул. Ленина, 1" || a["city"] != "Москва" || a["phone"] != "+7 495 123-45-67" ||
			a["mobile"] != "+7 916 000-00-00" || a["email"] != "anna@example.com" || a["birthday"] != "1990-04-01" || a["display_name"] != "Анна Петрова" ||
			a["salutation"] != "г-жа" {
			t.Errorf("Anna %v", a)
		}
		if b["street"] != "1 Main St" || b["region"] != "IL" || b["title"] != "CFO" || b["account_name"] != "" {
			t.Errorf("Bob %v", b)
		}
		if e["first_name"] != `'=HYPERLINK("http://x")` || e["last_name"] != "'-2+3" {
			t.Errorf("formulas must be guarded: %v", e)
		}

		// Filters: q=, the list filters, and the search filter's JSON.
		filter := url.QueryEscape(`{"all": [{"field": "last_name", "op": "eq", "value": "Baker"}]}`)
		for query, want := range map[string]string{"q=Петрова": anna, "account_id=" + acme: anna, "filter=" + filter: bob} {
			if rows := readCSV(t, c.do("GET", "/contacts/datasource.csv?"+query, "")); len(rows) != 1 || rows[0]["id"] != want {
				t.Errorf("%s: %v", query, rows)
			}
		}
		c.want(c.do("GET", "/contacts/datasource.csv?filter="+url.QueryEscape(`{"all": [{"field": "password", "op": "eq", "value": 1}]}`), ""), 422)
		c.want(c.do("GET", "/contacts/datasource.xlsx?filter=nope", ""), 400)

		// A mailing list leaves its unsubscribed members out.
		list := id(c.want(c.do("POST", "/mailing-lists", `{"name": "Рассылка", "kind": "static"}`), 201))
		c.want(c.do("POST", "/mailing-lists/"+list+"/members", `{"contact_ids": ["`+anna+`", "`+bob+`"]}`), 200)
		c.want(c.do("POST", "/contacts/"+bob+"/unsubscribe", ""), 200)
		res := c.do("GET", "/mailing-lists/"+list+"/datasource.xlsx", "")
		if rows := readXLSX(t, res); len(rows) != 1 || rows[0]["id"] != anna || rows[0]["phone"] != "+7 495 123-45-67" || rows[0]["account_name"] != "ООО «Акме»" {
			t.Fatalf("list XLSX %v", rows)
		}
		if !strings.Contains(res.Header().Get("Content-Disposition"), "xlsx") {
			t.Errorf("disposition %v", res.Header())
		}
		if rows := readCSV(t, c.do("GET", "/mailing-lists/"+list+"/datasource.csv", "")); len(rows) != 1 {
			t.Fatalf("list CSV %v", rows)
		}
		c.want(c.do("GET", "/mailing-lists/"+anna+"/datasource.csv", ""), 404)
		empty := id(c.want(c.do("POST", "/mailing-lists", `{"name": "Empty", "kind": "static"}`), 201))
		if rows := readXLSX(t, c.do("GET", "/mailing-lists/"+empty+"/datasource.xlsx", "")); len(rows) != 0 {
			t.Fatalf("empty list %v", rows)
		}
	})
}

// TestDataSourcePages streams more contacts than one page holds.
func TestDataSourcePages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		storetest.SeedContacts(t, s, 2345)
		c := newClient(t, s)
		seen := map[string]bool{}
		for _, r := range readCSV(t, c.do("GET", "/contacts/datasource.csv", "")) {
			seen[r["id"]] = true
		}
		if len(seen) != 2345 {
			t.Fatalf("%d distinct contacts, want 2345", len(seen))
		}
		if rows := readXLSX(t, c.do("GET", "/contacts/datasource.xlsx", "")); len(rows) != 2345 || rows[0]["mobile"] == "" {
			t.Fatalf("XLSX %d rows", len(rows))
		}
	})
}

// discard is a ResponseWriter that counts the body and keeps none of it,
// so the benchmark measures the handler's memory, not a recorder's.
type discard struct {
	h http.Header
	n int64
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { d.n += int64(len(p)); return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkDataSource writes the data source of 100k contacts (shared with
// BenchmarkAPIListContactsByName) and reports contacts/s and the largest
// heap seen while it ran.
func BenchmarkDataSource(b *testing.B) {
	for _, engine := range storetest.Engines() {
		for _, ext := range []string{"csv", "xlsx"} {
			b.Run(engine+"/"+ext, func(b *testing.B) {
				s, fresh := storetest.Shared(b, engine)
				if fresh {
					storetest.SeedContacts(b, s, 100_000)
					benchClients[engine] = newClient(b, s)
				}
				c := benchClients[engine]
				c.t = b
				runtime.GC()
				stop, peak := make(chan struct{}), make(chan uint64)
				go func() {
					var most uint64
					var m runtime.MemStats
					for {
						runtime.ReadMemStats(&m)
						most = max(most, m.HeapInuse)
						select {
						case <-stop:
							peak <- most
							return
						case <-time.After(20 * time.Millisecond):
						}
					}
				}()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					w := &discard{h: http.Header{}}
					c.h.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/contacts/datasource."+ext, nil))
					if w.n < 100_000 {
						b.Fatalf("%d bytes", w.n)
					}
				}
				b.StopTimer()
				close(stop)
				b.ReportMetric(float64(100_000*b.N)/b.Elapsed().Seconds(), "contacts/s")
				b.ReportMetric(float64(<-peak)/(1<<20), "peak-heap-MiB")
			})
		}
	}
}
