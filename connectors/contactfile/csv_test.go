package contactfile

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"rapport/model"
)

func TestReadCSV(t *testing.T) {
	tests := []struct {
		name    string
		input   []byte
		ignored []string
		want    []wantRow
	}{
		{name: "Russian Excel, windows-1251, semicolons", input: fixture(t, "excel-ru-1251.csv"), ignored: []string{"Размер обуви"},
			want: []wantRow{
				{line: 2, company: `ООО "Ромашка"`, contact: model.Contact{FirstName: "Мария", MiddleName: "Петровна", LastName: "Иванова",
					Title: "Бухгалтер", Emails: labeled("", "maria@example.ru"), Phones: labeled("mobile", "+7 916 123-45-67"),
					Birthday: date("1990-03-05"), Tags: []string{"клиент", "vip"}}},
				{line: 4, err: "line 4: validation failed (emails[0].value: not a valid e-mail address)"},
				{line: 5, err: "line 5: validation failed (birthday: not a date"},
			}},
		{name: "Outlook, UTF-8 with BOM, commas", input: fixture(t, "outlook-en.csv"), ignored: []string{"Web Page"},
			want: []wantRow{
				{line: 2, company: "Contoso Ltd", contact: model.Contact{FirstName: "Anna", LastName: "Kowalska", Title: "Buyer",
					Emails:    labeled("", "anna@contoso.example", "", "anna.k@example.com"),
					Phones:    labeled("work", "+44 20 7946 0958", "mobile", "+44 7700 900123"),
					Addresses: []model.Address{{Street: "12 High St, Floor 2", City: "London", PostalCode: "SW1A 1AA", Country: "United Kingdom"}},
					Birthday:  date("1985-04-15"), Tags: []string{"Customers", "VIP"}, Notes: "Prefers e-mail.\nSecond line"}},
				{line: 4, contact: model.Contact{FirstName: "Bob", LastName: "Brown", Emails: labeled("", "bob@example.com")}},
			}},
		{name: "broken quoting keeps the other rows",
			input: []byte("email,first_name\na@example.com,Ann\nb@example.com,Bo\"b\nc@example.com,\"Cy\"x\nd@example.com,\"Dee\ne@example.com,Eve\n"),
			want: []wantRow{
				{line: 2, contact: model.Contact{FirstName: "Ann", Emails: labeled("", "a@example.com")}},
				{line: 3, err: `line 3: broken CSV quoting (bare " in non-quoted-field)`},
				{line: 4, err: `line 4: broken CSV quoting (extraneous or missing " in quoted-field)`},
				{line: 5, err: `line 5: broken CSV quoting (extraneous or missing " in quoted-field)`},
				{line: 6, contact: model.Contact{FirstName: "Eve", Emails: labeled("", "e@example.com")}},
			}},
		{name: "tabs, JSON names, guarded cells, list columns", input: []byte(
			"First_Name\tPHONE\tphones\temails\tEmail\tnotes\tcustom_fields\tcreated_at\tUnknown\tunknown\t\n" +
				"Ann\t'+1 212 555 0100\thome:+1 212 555 0100; +1 212 555 0101\tother:ann@example.com\tann@example.com\t'=1+1\t\"{\"\"vip\"\":true}\"\t2020-01-01\tx\ty\tz\n"),
			ignored: []string{"Unknown", "unknown"},
			want: []wantRow{{line: 2, contact: model.Contact{FirstName: "Ann", Emails: labeled("other", "ann@example.com"),
				Phones: labeled("home", "+1 212 555 0100", "", "+1 212 555 0101"), Notes: "=1+1"}}},
		},
		{name: "bad JSON and NUL", input: []byte("first_name,addresses,notes\nAnn,[oops,\"a\x00b\"\n"),
			want: []wantRow{{line: 2, err: "addresses: not valid JSON for addresses; notes: NUL character in a value"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, ignored, err := ReadCSV(bytes.NewReader(tt.input), testLimit)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ignored, tt.ignored) {
				t.Errorf("ignored %q, want %q", ignored, tt.ignored)
			}
			checkRows(t, rows, tt.want)
		})
	}
}

func TestReadCSVFixtureIsWindows1251(t *testing.T) {
	b := fixture(t, "excel-ru-1251.csv")
	if utf8.Valid(b) {
		t.Fatal("the fixture must not be UTF-8")
	}
	utf, err := charmap.Windows1251.NewDecoder().Bytes(b)
	if err != nil || !bytes.HasPrefix(utf, []byte("Фамилия;Имя")) {
		t.Fatalf("%v %q", err, utf[:20])
	}
}

func TestCSVRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCSV(&buf, sampleContacts(), resolveAccount); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	header := "\ufeffid,display_name,first_name,middle_name,last_name,title,company,email,emails,phone,phones,"
	if !strings.HasPrefix(text, header) || strings.Count(text, "\r\n") < 4 || strings.Contains(strings.ReplaceAll(text, "\r\n", ""), "\n\n") {
		t.Fatalf("want a BOM, the JSON header and CRLF lines:\n%s", text)
	}
	for _, want := range []string{",'+7 916 000-00-01,", `"'=HYPERLINK(""http://evil.example"")"`, ",work:pyotr@example.ru; home:p@example.com,"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %s", want)
		}
	}
	rows, ignored, err := ReadCSV(&buf, testLimit)
	if err != nil || len(ignored) != 0 {
		t.Fatalf("%v, ignored %q", err, ignored)
	}
	checkRoundTrip(t, rows, sampleContacts())
	if got := rows[0].Contact; got.AccountID == nil || *got.AccountID != accountID ||
		!reflect.DeepEqual(got.CustomFields, sampleContacts()[0].CustomFields) {
		t.Errorf("account_id %v, custom_fields %v", got.AccountID, got.CustomFields)
	}
}

func TestHeaderNamesAreUnambiguous(t *testing.T) {
	seen := map[string]string{}
	for _, c := range columns {
		for _, h := range append([]string{c.name}, c.aliases...) {
			if other, dup := seen[headerKey(h)]; dup {
				t.Errorf("header %q names both %s and %s", h, other, c.name)
			}
			seen[headerKey(h)] = c.name
		}
	}
}
