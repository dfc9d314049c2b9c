package store_test

import (
	"context"
	"fmt"
	"testing"

	"rapport/model"
	"rapport/model/storetest"
)

// BenchmarkIngestMail measures the ingest transaction alone (parsing and
// fetching are the engine's): a new sender's mail that makes a contact, a
// request, an activity and an attachment, and a reply threaded onto a
// request by our Message-ID.
func BenchmarkIngestMail(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			s := storetest.Open(b, engine)
			f := newMailFixture(b, s)
			first := f.mail("ann@example.com", "Printer", "on fire")
			msg, _, err := s.IngestMail(context.Background(), first)
			if err != nil {
				b.Fatal(err)
			}
			for _, kind := range []string{"new-request", "reply"} {
				b.Run(kind, func(b *testing.B) {
					for i := 0; b.Loop(); i++ {
						in := f.mail(fmt.Sprintf("sender%d-%s@example.com", i, kind), "Subject", "A typical mail body of a few lines.")
						in.Parts = []model.MailPart{{SHA256: sha(in.MessageID), Filename: "photo.jpg", ContentType: "image/jpeg", Size: 20 << 10}}
						if kind == "reply" {
							in.Decision.Thread.Refs = []string{"r-" + *msg.RequestID}
						}
						if _, _, err := s.IngestMail(context.Background(), in); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
				})
			}
		})
	}
}
