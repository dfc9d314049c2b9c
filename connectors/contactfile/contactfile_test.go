package contactfile

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"rapport/model"
)

const limit = 1 << 20

func open(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestReadVCardsKeepsGoodCards(t *testing.T) {
	rows, err := ReadVCards(open(t, "mixed.vcf"), limit)
	if err != nil || len(rows) != 4 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	john := rows[0].Contact
	if rows[0].Err != nil || john.LastName != "Smith" || rows[0].Company != "Acme Corporation" || john.Birthday.String() != "1980-04-01" ||
		john.Phones[0].E164 != "+12125550100" || john.Addresses[0].City != "New York" || len(john.Tags) != 2 {
		t.Fatalf("john %+v %v", john, rows[0].Err)
	}
	if rows[1].Err == nil || !strings.Contains(rows[1].Err.Error(), "emails[0].value") {
		t.Fatalf("bad e-mail card: %v", rows[1].Err)
	}
	if rows[2].Err == nil || rows[2].Line != 3 {
		t.Fatalf("broken card: %+v", rows[2])
	}
	taro := rows[3].Contact
	if rows[3].Err != nil || taro.DisplayName != "山田 太郎 🎌" || taro.Birthday != nil || taro.Emails[0].Type != "home" {
		t.Fatalf("taro %+v %v", taro, rows[3].Err)
	}
}

func TestReadVCard21QuotedPrintable(t *testing.T) {
	rows, err := ReadVCards(open(t, "android-2.1.vcf"), limit)
	if err != nil || len(rows) != 1 || rows[0].Err != nil {
		t.Fatalf("%v %v", rows, err)
	}
	c := rows[0].Contact
	if c.LastName != "Петров" || c.DisplayName != "Иван Петров" || c.Phones[0].Type != "mobile" {
		t.Fatalf("%+v", c)
	}
}

func TestTooLarge(t *testing.T) {
	if _, err := ReadVCards(open(t, "mixed.vcf"), 10); err != ErrTooLarge {
		t.Fatalf("vcf: %v", err)
	}
	if _, _, err := ReadCSV(strings.NewReader("a,b\n1,2\n"), 3); err != ErrTooLarge {
		t.Fatalf("csv: %v", err)
	}
}

func sample() []*model.Contact {
	acct := "acct-1"
	c := []*model.Contact{
		{FirstName: "Пётр", MiddleName: "Ильич", LastName: "Чайковский 🎻", Title: "Композитор", AccountID: &acct,
			Emails: []model.Labeled{{Type: "work", Value: "pyotr@example.ru"}, {Type: "home", Value: "p@example.com"}},
			Phones: []model.Labeled{{Type: "mobile", Value: "+7 916 000-00-01"}}, Tags: []string{"vip", "музыка"},
			Notes: "line one, \"quoted\"; semicolon", Addresses: []model.Address{{Type: "work", Street: "ул. Ленина, 1", City: "Клин", Country: "RU"}}},
		{FirstName: "李", LastName: "伟", Emails: []model.Labeled{{Type: "work", Value: "li.wei@example.cn"}}},
	}
	for i, x := range c {
		x.ID = []string{"01900000-0000-7000-8000-000000000001", "01900000-0000-7000-8000-000000000002"}[i]
		x.Normalize()
	}
	return c
}

func company(id string) string {
	return map[string]string{"acct-1": "Клинская филармония"}[id]
}

func TestVCardRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteVCards(&buf, sample(), company); err != nil {
		t.Fatal(err)
	}
	rows, err := ReadVCards(&buf, limit)
	if err != nil || len(rows) != 2 {
		t.Fatalf("%v %v", rows, err)
	}
	checkRoundTrip(t, rows)
}

func TestCSVRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCSV(&buf, sample(), company); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), utf8BOM) || !bytes.Contains(buf.Bytes(), []byte("\r\n")) {
		t.Fatal("CSV must start with a BOM and use CRLF")
	}
	rows, ignored, err := ReadCSV(&buf, limit)
	if err != nil || len(rows) != 2 || len(ignored) != 0 {
		t.Fatalf("%v %v %v", rows, ignored, err)
	}
	checkRoundTrip(t, rows)
}

func checkRoundTrip(t *testing.T, rows []Row) {
	t.Helper()
	want := sample()
	for i, r := range rows {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		got, w := r.Contact, want[i]
		if got.DisplayName != w.DisplayName || got.LastName != w.LastName || got.Notes != w.Notes || len(got.Emails) != len(w.Emails) ||
			strings.Join(got.Tags, "|") != strings.Join(w.Tags, "|") || got.Emails[0].Value != w.Emails[0].Value {
			t.Errorf("row %d: got %+v\nwant %+v", i, got, w)
		}
	}
	if rows[0].Company != "Клинская филармония" || rows[0].Contact.Addresses[0].Street != "ул. Ленина, 1" {
		t.Errorf("company/address: %q %+v", rows[0].Company, rows[0].Contact.Addresses)
	}
}

func TestReadCSVExcelRussianWindows1251(t *testing.T) {
	text := "Фамилия;Имя;Отчество;Электронная почта;Телефон;Организация;Shoe size\r\n" +
		"Иванова;Мария;Петровна;maria@example.ru;+7 495 123-45-67;\"ООО \"\"Ромашка\"\"\";38\r\n" +
		"\r\n" +
		"Сидоров;Пётр;;not-an-email;;;\r\n"
	data, err := charmap.Windows1251.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	rows, ignored, err := ReadCSV(bytes.NewReader(data), limit)
	if err == nil && len(rows) == 2 && rows[0].Err != nil {
		t.Fatal(rows[0].Err)
	}
	if err != nil || len(rows) != 2 || len(ignored) != 1 || ignored[0] != "Shoe size" {
		t.Fatalf("%v %v %v", rows, ignored, err)
	}
	m := rows[0].Contact
	if m.LastName != "Иванова" || m.MiddleName != "Петровна" || m.Phones[0].E164 != "+74951234567" || rows[0].Company != "ООО \"Ромашка\"" {
		t.Fatalf("%+v %q", m, rows[0].Company)
	}
	if rows[1].Err == nil || rows[1].Line != 4 {
		t.Fatalf("invalid row: %+v", rows[1])
	}
}

func TestReadCSVBrokenQuoting(t *testing.T) {
	text := "\xef\xbb\xbfemail,first_name\r\na@example.com,Ann\r\nb@example.com,\"Bo\"b\r\nc@example.com,Cy\r\n\"d@example.com,Dee\r\n"
	rows, _, err := ReadCSV(strings.NewReader(text), limit)
	if err != nil {
		t.Fatal(err)
	}
	var good, bad int
	for _, r := range rows {
		if r.Err != nil {
			bad++
		} else {
			good++
		}
	}
	if good != 2 || bad != 2 {
		t.Fatalf("good %d bad %d: %+v", good, bad, rows)
	}
}

func TestWriteXLSX(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, sample(), company); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Contacts")
	if err != nil || len(rows) != 3 || rows[0][0] != "first_name" || rows[1][2] != "Чайковский 🎻" {
		t.Fatalf("%v %v", rows, err)
	}
}

func FuzzReadVCards(f *testing.F) {
	for _, name := range []string{"mixed.vcf", "android-2.1.vcf"} {
		b, _ := os.ReadFile("testdata/" + name)
		f.Add(b)
	}
	f.Add([]byte("BEGIN:VCARD\nEND:VCARD\nBEGIN:VCARD\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ReadVCards(bytes.NewReader(data), limit)
		for _, r := range rows {
			if (r.Err == nil) == (r.Contact == nil) {
				t.Fatalf("row with neither or both: %+v", r)
			}
		}
		_ = err
	})
}

func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("email;first_name\r\na@b.c;Ann\r\n"))
	f.Add([]byte("\xef\xbb\xbfFirst Name,E-mail Address\n\"x\"\"y\",a@b.c\n\"broken\n"))
	f.Add([]byte("\xc8\xec\xff;\xd4\xe0\xec\xe8\xeb\xe8\xff\n\xc0\xed\xed\xe0;\xc8\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, _, err := ReadCSV(bytes.NewReader(data), limit)
		if err != nil && len(rows) > 0 {
			t.Fatalf("rows and an error: %v", err)
		}
		for _, r := range rows {
			if (r.Err == nil) == (r.Contact == nil) {
				t.Fatalf("row with neither or both: %+v", r)
			}
		}
	})
}
