package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"rapport/connectors/contactfile"
	"rapport/model"
	"rapport/model/storetest"
)

// BenchmarkExportVCards measures `rapport export contacts --format vcf` over
// 100k contacts, reading included (target: at least 20,000 contacts/s).
func BenchmarkExportVCards(b *testing.B) {
	const n = 100_000
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			s, fresh := storetest.Shared(b, engine)
			if fresh {
				storetest.SeedContacts(b, s, n)
			}
			ctx := model.WithActor(context.Background(), cliActor)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := exportContacts(ctx, s, io.Discard, "vcf"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "contacts/s")
		})
	}
}

// BenchmarkImportCSV measures `rapport import contacts FILE.csv` end to end:
// parsing 20,000 rows and writing them with their feed rows (target: at
// least 5,000 contacts/s).
func BenchmarkImportCSV(b *testing.B) {
	const n = 20_000
	contacts := make([]*model.Contact, n)
	for i := range contacts {
		contacts[i] = storetest.Contact(i)
		contacts[i].Normalize()
	}
	path := filepath.Join(b.TempDir(), "contacts.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := contactfile.WriteCSV(f, contacts, nil); err != nil {
		b.Fatal(err)
	}
	f.Close()
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			ctx := model.WithActor(context.Background(), cliActor)
			var elapsed time.Duration
			for i := 0; i < b.N; i++ {
				s := storetest.Open(b, engine)
				start := time.Now()
				rows, _, err := parseContactsFile(path, "")
				if err != nil {
					b.Fatal(err)
				}
				res, err := s.ImportContacts(ctx, rows, "skip")
				elapsed += time.Since(start)
				if err != nil || res.Created != n {
					b.Fatalf("%+v %v", res, err)
				}
			}
			b.ReportMetric(float64(b.N*n)/elapsed.Seconds(), "contacts/s")
		})
	}
}
