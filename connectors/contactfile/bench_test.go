package contactfile

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"rapport/model"
)

const benchContacts = 10_000

func benchSet(n int) []*model.Contact {
	out := make([]*model.Contact, n)
	for i := range out {
		c := &model.Contact{FirstName: "Иван", MiddleName: "Петрович", LastName: fmt.Sprintf("Сидоров-%d", i), Title: "Менеджер",
			Emails:    labeled("work", fmt.Sprintf("person%d@example.com", i)),
			Phones:    labeled("mobile", fmt.Sprintf("+7 916 %07d", i), "work", "+7 495 123-45-67"),
			Addresses: []model.Address{{Type: "work", Street: "ул. Ленина, 1", City: "Москва", PostalCode: "101000", Country: "RU"}},
			Tags:      []string{"vip", "клиент"}, Notes: "Встреча на выставке, звонить после обеда"}
		c.ID = fmt.Sprintf("01900000-0000-7000-8000-%012d", i)
		c.Normalize()
		out[i] = c
	}
	return out
}

// runRate times op over a file of benchContacts contacts and reports contacts/s.
func runRate(b *testing.B, op func() error) {
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchContacts)/b.Elapsed().Seconds(), "contacts/s")
}

// BenchmarkWriteVCards exports 10,000 contacts (target: 20,000 contacts/s).
func BenchmarkWriteVCards(b *testing.B) {
	contacts := benchSet(benchContacts)
	runRate(b, func() error { return WriteVCards(io.Discard, contacts, nil) })
}

// BenchmarkWriteXLSX exports 10,000 contacts through the stream writer.
func BenchmarkWriteXLSX(b *testing.B) {
	contacts := benchSet(benchContacts)
	runRate(b, func() error { return WriteXLSX(io.Discard, contacts, nil) })
}

// BenchmarkReadVCards parses, normalises and validates 10,000 cards.
func BenchmarkReadVCards(b *testing.B) {
	var file bytes.Buffer
	if err := WriteVCards(&file, benchSet(benchContacts), nil); err != nil {
		b.Fatal(err)
	}
	runRate(b, func() error { return checkAllGood(ReadVCards(bytes.NewReader(file.Bytes()), 1<<30)) })
}

// BenchmarkReadCSV parses, normalises and validates 10,000 CSV rows.
func BenchmarkReadCSV(b *testing.B) {
	var file bytes.Buffer
	if err := WriteCSV(&file, benchSet(benchContacts), nil); err != nil {
		b.Fatal(err)
	}
	runRate(b, func() error {
		rows, _, err := ReadCSV(bytes.NewReader(file.Bytes()), 1<<30)
		return checkAllGood(rows, err)
	})
}

func checkAllGood(rows []Row, err error) error {
	if err == nil && len(rows) != benchContacts {
		err = fmt.Errorf("%d rows", len(rows))
	}
	for i := 0; err == nil && i < len(rows); i++ {
		err = rows[i].Err
	}
	return err
}
