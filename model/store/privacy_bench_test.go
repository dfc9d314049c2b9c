package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
)

// benchPerson stores, on the seeded store, a person with many records:
// 1,000 notes, 200 requests each with an entry and an agent's answer, 100
// deals, 100 ingested mails, a list membership, and the webhook deliveries
// of all of it. It returns the contact's id.
func benchPerson(b *testing.B, s *store.Store, mf *mailFixture, pipeline string, ep *model.WebhookEndpoint, n int) string {
	ctx := salesAdmin
	email := fmt.Sprintf("bench.person.%d@erase.example", n)
	c := &model.Contact{FirstName: "Bench", LastName: fmt.Sprint("Person", n), Emails: []model.Labeled{{Value: email}},
		Phones: []model.Labeled{{Value: fmt.Sprintf("+1 212 555 %04d", n)}}, Notes: "Bench person"}
	if err := store.Create(ctx, s, c); err != nil {
		b.Fatal(err)
	}
	notes := make([]*model.Activity, 1000)
	for i := range notes {
		notes[i] = &model.Activity{Kind: model.KindNote, Subject: fmt.Sprint("Call ", i), Description: "Talked to Bench Person" + fmt.Sprint(n),
			ContactID: &c.ID}
	}
	if err := store.CreateMany(ctx, s, notes); err != nil {
		b.Fatal(err)
	}
	reqs := make([]*model.Request, 200)
	for i := range reqs {
		reqs[i] = &model.Request{Subject: fmt.Sprint("Problem ", i), Description: "Written by " + email, ContactID: &c.ID}
	}
	if err := store.CreateMany(ctx, s, reqs); err != nil {
		b.Fatal(err)
	}
	var entries []*model.Activity
	for _, r := range reqs {
		for _, kind := range []string{model.KindEmail, model.KindNote} {
			entries = append(entries, &model.Activity{Kind: kind, Subject: "Re: " + r.Subject, Links: []model.Link{{Entity: "request", ID: r.ID}}})
		}
	}
	if err := store.CreateMany(ctx, s, entries); err != nil {
		b.Fatal(err)
	}
	deals := make([]*model.Opportunity, 100)
	for i := range deals {
		deals[i] = &model.Opportunity{Name: fmt.Sprint("Deal ", i), ContactID: &c.ID, PipelineID: pipeline, Currency: "EUR",
			Description: "Decision by " + email}
	}
	if err := store.CreateMany(ctx, s, deals); err != nil {
		b.Fatal(err)
	}
	for i := range 100 {
		in := mf.mail(email, fmt.Sprint("Mail ", i), "Hello")
		in.SHA256 = sha(fmt.Sprint(email, i))
		mf.ingest(in)
	}
	list := &model.MailingList{Name: fmt.Sprint("Bench list ", n)}
	if err := store.Create(ctx, s, list); err != nil {
		b.Fatal(err)
	}
	if _, err := s.AddListMembers(ctx, list.ID, []string{c.ID}); err != nil {
		b.Fatal(err)
	}
	for {
		made, err := s.FillWebhookDeliveries(ctx, ep, 5000)
		if err != nil {
			b.Fatal(err)
		}
		if made == 0 {
			break
		}
	}
	return c.ID
}

// BenchmarkEraseContact erases a person with about 1,700 records (see
// benchPerson) from the store of 100,000 contacts, and reports how many
// rows the erasure changed. Each run erases a person made for it, untimed.
func BenchmarkEraseContact(b *testing.B) {
	eachEngine(b, func(b *testing.B, engine string) {
		s := seededStore(b, engine)
		mf := newMailFixture(b, s)
		p := &model.Pipeline{Name: "Bench erase", Active: true, Stages: []model.Stage{{Name: "Open", Probability: 10}}}
		if err := store.Create(salesAdmin, s, p); err != nil {
			b.Fatal(err)
		}
		ep := &model.WebhookEndpoint{URL: "https://hooks.example.com/bench", Active: true}
		if err := s.CreateWebhookEndpoint(salesAdmin, ep, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"); err != nil {
			b.Fatal(err)
		}
		var changed int
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			id := benchPerson(b, s, mf, p.ID, ep, i)
			b.StartTimer()
			rep, err := s.EraseContact(salesAdmin, id, store.EraseOptions{})
			if err != nil {
				b.Fatal(err)
			}
			changed = rep.Changed
		}
		b.ReportMetric(float64(changed), "rows-changed")
	})
}

// BenchmarkPruneDeliveries100k removes 100,000 settled webhook deliveries,
// each with one attempt, older than the retention, in transactions of
// 1,000 (bulk-loaded afresh, untimed, for each run).
func BenchmarkPruneDeliveries100k(b *testing.B) {
	const n = 100_000
	eachEngine(b, func(b *testing.B, engine string) {
		s := seededStore(b, engine)
		ep := &model.WebhookEndpoint{URL: "https://hooks.example.com/prune", Active: true}
		if err := s.CreateWebhookEndpoint(salesAdmin, ep, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"); err != nil {
			b.Fatal(err)
		}
		old := "'2025-01-01 10:00:00+00:00'"
		if engine == "postgres" {
			old += "::timestamptz"
		}
		payload := `'{"type":"contact.updated","timestamp":"2025-01-01T10:00:00Z","data":{"id":"x","first_name":"Anna","last_name":"Berg"}}'`
		var removed int64
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			mustExec(b, s, `WITH RECURSIVE `+seqSQL(engine, n)+`
INSERT INTO webhook_deliveries (id, endpoint_id, seq, event_type, entity, record_id, payload, status, attempts, next_attempt_at,
	last_status, last_error, created_at, delivered_at)
SELECT `+uuidSQL(engine, 9, "n")+`, '`+ep.ID+`', 1000000000 + n, 'contact.updated', 'contact', `+uuidSQL(engine, 8, "n")+`, `+payload+`,
	'delivered', 1, `+old+`, 200, '', `+old+`, `+old+` FROM seq`)
			mustExec(b, s, `WITH RECURSIVE `+seqSQL(engine, n)+`
INSERT INTO webhook_attempts (delivery_id, endpoint_id, attempt, at, status, latency_ms, error, response_excerpt, request_headers)
SELECT `+uuidSQL(engine, 9, "n")+`, '`+ep.ID+`', 1, `+old+`, 200, 40, '', 'ok', '{}' FROM seq`)
			analyze(b, s, engine, "webhook_deliveries", "webhook_attempts")
			b.StartTimer()
			res, err := s.PruneDeliveries(context.Background(), time.Now().Add(-90*24*time.Hour), 1000)
			if err != nil {
				b.Fatal(err)
			}
			removed = res[store.RetainDeliveries] + res[store.RetainAttempts]
			if res[store.RetainDeliveries] != n || res[store.RetainAttempts] != n {
				b.Fatalf("removed %v", res)
			}
		}
		b.ReportMetric(float64(removed), "rows")
		b.ReportMetric(float64(removed)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}
