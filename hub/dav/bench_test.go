package dav_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// benchRigs holds one seeded hub per engine: 10,000 contacts and 10,000
// appointments of Mia's (500 of them weekly series) over two years.
var benchRigs = map[string]*rig{}

func benchRig(b *testing.B, engine string) *rig {
	s, fresh := storetest.Shared(b, engine)
	if !fresh {
		g := benchRigs[engine]
		g.t = b
		return g
	}
	g := sharedRig(b, s)
	storetest.SeedContacts(b, s, 10_000)
	ctx := actorCtx(b, s, g.mia)
	base := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	var acts []*model.Activity
	for i := range 10_000 {
		start := base.Add(time.Duration(i%730)*24*time.Hour + time.Duration(i%8)*time.Hour)
		end := start.Add(time.Hour)
		a := &model.Activity{Kind: model.KindAppointment, Subject: fmt.Sprintf("Meeting %d", i), StartAt: &start, EndAt: &end, OwnerID: &g.mia.ID}
		if i%20 == 0 {
			a.RecurrenceRule = "FREQ=WEEKLY;COUNT=52"
		}
		acts = append(acts, a)
	}
	if err := store.CreateMany(ctx, s, acts); err != nil {
		b.Fatal(err)
	}
	if s.Engine() == "postgres" {
		if _, err := s.DB().Exec("ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
	benchRigs[engine] = g
	return g
}

// timed runs req b.N times and reports p50/p95.
func timed(b *testing.B, g *rig, status int, req func(i int) *http.Response) {
	var d []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := time.Now()
		resp := req(i)
		read(b, resp)
		d = append(d, time.Since(t))
		if resp.StatusCode != status {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	storetest.ReportPercentiles(b, d)
}

func eachEngine(b *testing.B, fn func(b *testing.B, g *rig)) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) { fn(b, benchRig(b, engine)) })
	}
}

const book = "/dav/addressbooks/mia/contacts/"

// BenchmarkPropfindContacts10k: Depth-1 PROPFIND of getetag (target < 150 ms).
func BenchmarkPropfindContacts10k(b *testing.B) {
	eachEngine(b, func(b *testing.B, g *rig) {
		timed(b, g, http.StatusMultiStatus, func(int) *http.Response {
			return g.do("PROPFIND", book, propfind("<D:getetag/>"), "Depth", "1")
		})
	})
}

// BenchmarkMultigetContacts10k: addressbook-multiget of all 10,000 cards (target < 800 ms).
func BenchmarkMultigetContacts10k(b *testing.B) {
	eachEngine(b, func(b *testing.B, g *rig) {
		entries, err := g.s.DAVEntries(actorCtx(b, g.s, g.mia), store.DAVScope{Slug: model.SlugContacts, UserID: g.mia.ID})
		if err != nil {
			b.Fatal(err)
		}
		var q strings.Builder
		q.WriteString(`<CR:addressbook-multiget xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/><CR:address-data/></D:prop>`)
		for _, e := range entries {
			q.WriteString("<D:href>" + book + e.ID + ".vcf</D:href>")
		}
		q.WriteString("</CR:addressbook-multiget>")
		body := q.String()
		timed(b, g, http.StatusMultiStatus, func(int) *http.Response { return g.do("REPORT", book, body, "Depth", "1") })
	})
}

// BenchmarkAddressbookQueryEmail: addressbook-query by e-mail (target < 20 ms).
func BenchmarkAddressbookQueryEmail(b *testing.B) {
	eachEngine(b, func(b *testing.B, g *rig) {
		timed(b, g, http.StatusMultiStatus, func(i int) *http.Response {
			return g.do("REPORT", book, `<CR:addressbook-query xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/><CR:address-data/></D:prop>`+
				`<CR:filter><CR:prop-filter name="EMAIL"><CR:text-match match-type="equals">person`+fmt.Sprint(i%10_000)+`@example.com</CR:text-match></CR:prop-filter></CR:filter></CR:addressbook-query>`, "Depth", "1")
		})
	})
}

// BenchmarkSyncAfterOneChange: sync-collection after one change (target < 10 ms).
func BenchmarkSyncAfterOneChange(b *testing.B) {
	eachEngine(b, func(b *testing.B, g *rig) {
		ctx := actorCtx(b, g.s, g.mia)
		var d []time.Duration
		for i := 0; i < b.N; i++ {
			seq, err := g.s.LastSeq(ctx)
			if err != nil {
				b.Fatal(err)
			}
			c := storetest.Contact(20_000 + i)
			if err := store.Create(ctx, g.s, c); err != nil {
				b.Fatal(err)
			}
			t := time.Now()
			body := want(b, g.do("REPORT", book, syncReport(fmt.Sprintf("http://rapport.invalid/ns/sync/%d", seq), 0)), http.StatusMultiStatus)
			d = append(d, time.Since(t))
			if !strings.Contains(body, c.ID) {
				b.Fatal("change missing")
			}
		}
		storetest.ReportPercentiles(b, d)
	})
}

// BenchmarkPutContact: PUTs of new cards from one client (target ≥ 300/s).
func BenchmarkPutContact(b *testing.B) {
	eachEngine(b, func(b *testing.B, g *rig) {
		start := time.Now()
		timed(b, g, http.StatusCreated, func(i int) *http.Response {
			uid := fmt.Sprintf("bench-%d-%d", start.UnixNano(), i)
			card := "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:" + uid + "\r\nN:Put;Bench;;;\r\nFN:Bench Put\r\nEMAIL:" + uid + "@example.com\r\nEND:VCARD\r\n"
			return putCard(g, uid+".vcf", card)
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "puts/s")
	})
}

// BenchmarkCalendarQueryMonth: one month of 10,000 appointments with 500
// weekly series (target < 50 ms).
func BenchmarkCalendarQueryMonth(b *testing.B) {
	eachEngine(b, func(b *testing.B, g *rig) {
		timed(b, g, http.StatusMultiStatus, func(int) *http.Response {
			return g.do("REPORT", "/dav/calendars/mia/appointments/", calendarQuery("20260601T000000Z", "20260701T000000Z"), "Depth", "1")
		})
	})
}
