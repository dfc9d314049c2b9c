package vcardmap

import (
	"fmt"
	"strconv"
	"testing"

	"rapport/model"
)

const benchContacts = 10_000

// benchSet is 10,000 typical CRM contacts: two phones, an address, tags
// and a note, in Cyrillic as most of Rapport's users write them.
func benchSet() []*model.Contact {
	out := make([]*model.Contact, benchContacts)
	for i := range out {
		n := strconv.Itoa(i)
		out[i] = &model.Contact{Meta: model.Meta{ID: "01900000-0000-7000-8000-" + fmt.Sprintf("%012d", i)},
			FirstName: "Анна", LastName: "Петрова-" + n, Title: "Бухгалтер", Notes: "Звонить до обеда; счёт №" + n,
			Emails:    []model.Labeled{{Type: "work", Value: "anna" + n + "@example.ru"}},
			Phones:    []model.Labeled{{Type: "mobile", Value: "+7 903 " + n}, {Type: "work", Value: "+7 495 765-43-21"}},
			Addresses: []model.Address{{Type: "work", Street: "пр. Мира, 10", City: "Москва", PostalCode: "129090", Country: "RU"}},
			Tags:      []string{"клиент", "2026"}}
		out[i].Normalize()
	}
	return out
}

// BenchmarkEncode renders 10,000 contacts into one reused buffer, as a
// CardDAV REPORT or an export streams them; ns/card is the cost of one.
func BenchmarkEncode(b *testing.B) {
	contacts := benchSet()
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range contacts {
			buf = AppendEncode(buf[:0], c, EncodeOptions{Version: "4.0", Company: "ООО «Ромашка»"})
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchContacts), "ns/card")
}

// BenchmarkDecode parses 10,000 cards written by Encode; ns/card is the
// cost of one.
func BenchmarkDecode(b *testing.B) {
	var cards [][]byte
	for _, c := range benchSet() {
		cards = append(cards, Encode(c, EncodeOptions{Version: "3.0", Company: "ООО «Ромашка»"}))
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, card := range cards {
			if _, err := Decode(card, 1<<20); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchContacts), "ns/card")
}

// BenchmarkEncodeShadowed renders an Apple card whose Extra has shadows
// and group labels, the slow path.
func BenchmarkEncodeShadowed(b *testing.B) {
	k := mustDecode(b, fixture(b, "apple.vcf"))
	k.Contact.Normalize()
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendEncode(buf[:0], &k.Contact, EncodeOptions{Company: k.Company})
	}
}
