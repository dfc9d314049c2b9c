package contactfile

import (
	"fmt"
	"io"
	"testing"

	"rapport/model"
)

func benchContacts(n int) []*model.Contact {
	out := make([]*model.Contact, n)
	for i := range out {
		c := &model.Contact{FirstName: "Иван", MiddleName: "Петрович", LastName: fmt.Sprintf("Сидоров%d", i), Title: "Менеджер",
			Emails: []model.Labeled{{Type: "work", Value: fmt.Sprintf("person%d@example.com", i)}},
			Phones: []model.Labeled{{Type: "mobile", Value: fmt.Sprintf("+7 916 %07d", i)}}, Tags: []string{"vip"}}
		c.ID = fmt.Sprintf("01900000-0000-7000-8000-%012d", i)
		c.Normalize()
		out[i] = c
	}
	return out
}

// BenchmarkWriteVCards reports contacts/s for a 10,000-contact export
// (target: at least 20,000 contacts/s).
func BenchmarkWriteVCards(b *testing.B) {
	contacts := benchContacts(10_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := WriteVCards(io.Discard, contacts, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(contacts))/b.Elapsed().Seconds(), "contacts/s")
}
