package contactfile

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"rapport/model"
)

func TestReadVCards(t *testing.T) {
	tests := []struct {
		file string
		want []wantRow
	}{
		{"mixed.vcf", []wantRow{
			{line: 1, company: "Acme, Inc.", contact: model.Contact{
				FirstName: "John", MiddleName: "Q.", LastName: "Smith", DisplayName: "Dr. John Q. Smith", Title: "Buyer",
				Emails: labeled("home", "john.smith@example.org", "work", "john@acme.example.com"),
				Phones: labeled("mobile", "+1 212 555 0100", "work", "+1 212 555 0199"),
				Addresses: []model.Address{{Type: "work", Street: "1 Main St, Suite 5", City: "New York", Region: "NY",
					PostalCode: "10001", Country: "USA"}},
				Notes: "Met at the trade show, booth 12\nCall back in May; ask for Ann", Tags: []string{"vip", "partner"},
				Birthday: date("1980-04-01")}},
			{line: 2, err: "card 2 (line 20): no END:VCARD"},
			{line: 3, err: "card 3: validation failed (emails[0].value: not a valid e-mail address)"},
			{line: 4, err: "card 4, line 32: no ':'"},
			{line: 5, contact: model.Contact{FirstName: "太郎", LastName: "山田", DisplayName: "山田 太郎 🎌", Language: "ja",
				Emails: labeled("home", "taro@example.jp"), Phones: labeled("mobile", "+81-3-1234-5678")}},
			{line: 6, company: "ООО «Ромашка»", contact: model.Contact{FirstName: "Иван", MiddleName: "Сергеевич", LastName: "Петров",
				DisplayName: "Иван Петров", Emails: labeled("", "ivan@example.ru"), Phones: labeled("mobile", "+7 916 123-45-67"),
				Addresses: []model.Address{{Type: "home", Street: "ул. Ленина, д. 5", City: "Москва", PostalCode: "101000", Country: "Россия"}},
				Tags:      []string{"myContacts"}}},
			{line: 7, contact: model.Contact{DisplayName: "Circa Person"}},
			{line: 8, err: "birthday: not a date"},
			{line: 9, err: "phones[0].value: not a valid phone number: call me maybe"},
		}},
		{"legacy-2.1.vcf", []wantRow{
			{line: 1, contact: model.Contact{FirstName: "Иван", LastName: "Петров", DisplayName: "Иван Петров",
				Phones: labeled("mobile", "+79161234567", "work", "+7 495 123-45-67"), Emails: labeled("", "ivan@example.ru"),
				Notes: "Первая строка\nВторая"}},
			{line: 2, company: "ООО «Ромашка»", contact: model.Contact{FirstName: "Пётр", LastName: "Сидоров", DisplayName: "Пётр Сидоров",
				Emails: labeled("", "petr@example.ru"), Birthday: date("1970-01-02"),
				Addresses: []model.Address{{Type: "work", Street: "Main St 1", City: "Springfield", PostalCode: "12345", Country: "USA"}}}},
			{line: 3, err: `card 3, line 26: unknown CHARSET "x-klingon"`},
			{line: 4, contact: model.Contact{FirstName: "Анна", LastName: "Смирнова", DisplayName: "Анна Смирнова", // windows-1251, no CHARSET
				Emails: labeled("", "anna@example.ru")}},
			{line: 5, contact: model.Contact{DisplayName: "Оля"}}, // a soft break before END:VCARD
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			rows, err := ReadVCards(bytes.NewReader(fixture(t, tt.file)), testLimit)
			if err != nil {
				t.Fatal(err)
			}
			checkRows(t, rows, tt.want)
		})
	}
}

// TestReadWholeFile covers what fails or passes a file as a whole.
func TestReadWholeFile(t *testing.T) {
	const card = "BEGIN:VCARD\nFN:A\nEND:VCARD\n"
	tests := []struct {
		name  string
		codec codec
		input string
		max   int64
		rows  int
		code  string // model error code of the call, "" for success
	}{
		{"empty vCard", vcardCodec, "", testLimit, 0, ""},
		{"blank lines", vcardCodec, "\r\n\n  \n", testLimit, 0, ""},
		{"BOM and LF only", vcardCodec, "\ufeffBEGIN:VCARD\nVERSION:3.0\nFN:A\nEND:VCARD\n", testLimit, 1, ""},
		{"lower case, no final newline", vcardCodec, "begin:vcard\nfn:A\nend:vcard", testLimit, 1, ""},
		{"not a vCard", vcardCodec, "name,email\nAnn,a@example.com\n", testLimit, 0, model.EMALFORMED},
		{"vCard over the limit", vcardCodec, card, int64(len(card)) - 1, 0, model.ETOOLARGE},
		{"vCard of exactly the limit", vcardCodec, card, int64(len(card)), 1, ""},
		{"no vCard limit", vcardCodec, card, 0, 0, model.EINTERNAL},
		{"empty CSV", csvCodec, "", testLimit, 0, ""},
		{"header only", csvCodec, "\ufeffemail;first_name\r\n", testLimit, 0, ""},
		{"unreadable header", csvCodec, "\"email,first_name\n", testLimit, 0, model.EMALFORMED},
		{"no known column", csvCodec, "Ann,ann@example.com\nBob,bob@example.com\n", testLimit, 0, model.EMALFORMED},
		{"unterminated quote at the end", csvCodec, "email\n\"a@example.com\n", testLimit, 1, ""},
		{"CSV over the limit", csvCodec, "email\na@example.com\n", 8, 0, model.ETOOLARGE},
		{"no CSV limit", csvCodec, "", -1, 0, model.EINTERNAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := tt.codec.read(strings.NewReader(tt.input), tt.max)
			if model.ErrorCode(err) != tt.code || len(rows) != tt.rows {
				t.Fatalf("%d rows, error %v (code %q), want %d rows, code %q", len(rows), err, model.ErrorCode(err), tt.rows, tt.code)
			}
		})
	}
}

func TestVCardRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteVCards(&buf, sampleContacts(), resolveAccount); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	for _, line := range strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n") {
		if len(line) > 75 || !utf8.ValidString(line) || strings.ContainsAny(line, "\r\n") {
			t.Errorf("bad line (%d octets): %q", len(line), line)
		}
	}
	for _, want := range []string{"BEGIN:VCARD\r\nVERSION:4.0\r\n", "UID:01900000-0000-7000-8000-000000000001\r\n",
		"CATEGORIES:vip,музыка\r\n", "N:Чайковский 🎻;Пётр;Ильич;;\r\n", "TEL;PREF=1;TYPE=cell:+7 916 000-00-01\r\n",
		"BDAY:18400507\r\n", "REV:20260102T030405Z\r\n", `ORG:Клинская филармония\; «Зал» 🎻`,
		`ADR;PREF=1;TYPE=work:;;ул. Ленина\, 1\; кв. 2;Клин;;141600;RU`} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	rows, err := ReadVCards(&buf, testLimit)
	if err != nil {
		t.Fatal(err)
	}
	checkRoundTrip(t, rows, sampleContacts())
}

// checkRoundTrip compares rows read back from a written file with the
// contacts written, byte for byte in every field the format carries.
func checkRoundTrip(t *testing.T, rows []Row, want []*model.Contact) {
	t.Helper()
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i, r := range rows {
		if r.Err != nil {
			t.Fatalf("row %d: %v", i, r.Err)
		}
		if got, w := portable(r.Contact), portable(want[i]); !reflect.DeepEqual(got, w) {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, got, w)
		}
		if wantCompany := resolveAccount(*ptrOr(want[i].AccountID, "")); r.Company != wantCompany {
			t.Errorf("row %d: company %q, want %q", i, r.Company, wantCompany)
		}
	}
}

func ptrOr(p *string, def string) *string {
	if p == nil {
		return &def
	}
	return p
}

func TestVCardEscapesRoundTrip(t *testing.T) {
	c := &model.Contact{FirstName: `a;b,c\d`, LastName: "x\\;y", Notes: "tab\there\r\nand \\n literal",
		Tags: []string{"a,b", "c;d", `e\f`}, Emails: labeled("work", "a@example.com")}
	c.Normalize()
	var buf bytes.Buffer
	if err := WriteVCards(&buf, []*model.Contact{c}, nil); err != nil {
		t.Fatal(err)
	}
	rows, err := ReadVCards(&buf, testLimit)
	if err != nil {
		t.Fatal(err)
	}
	checkRoundTrip(t, rows, []*model.Contact{c})
}

func TestParseDate(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"1980-04-01", "1980-04-01", ""},
		{"19800401", "1980-04-01", ""},
		{"1980-04-01T00:00:00Z", "1980-04-01", ""},
		{"05.03.1990", "1990-03-05", ""},
		{"5.3.1990", "1990-03-05", ""},
		{"4/15/1985", "1985-04-15", ""},
		{"--0412", "", ""},
		{"--04-12", "", ""},
		{"0/0/00", "", ""},
		{"", "", ""},
		{"31.02.1990", "", "not a date"},
		{"someday", "", "not a date"},
	}
	for _, tt := range tests {
		d, err := parseDate(tt.in)
		if got := dateText(d); got != tt.want || (err == nil) != (tt.err == "") {
			t.Errorf("parseDate(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}
