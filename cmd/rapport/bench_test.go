package main

import (
	"context"
	"io"
	"testing"

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
