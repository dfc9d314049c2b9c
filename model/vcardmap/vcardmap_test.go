package vcardmap

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"rapport/model"
)

// fixture reads a client's card from testdata.
func fixture(t testing.TB, name string) []byte {
	b, err := fs.ReadFile(testdata, name)
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return b
}

var testdata = os.DirFS("testdata")

const testLimit = 1 << 20

func mustDecode(t testing.TB, data []byte) *Card {
	t.Helper()
	k, err := Decode(data, testLimit)
	if err != nil {
		t.Fatalf("Decode: %v\n%s", err, data)
	}
	return k
}

func labeled(pairs ...string) []model.Labeled {
	var out []model.Labeled
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, model.Labeled{Type: pairs[i], Value: pairs[i+1]})
	}
	return out
}

func date(s string) *model.Date {
	d, err := model.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return &d
}

// extraLines splits Extra into its lines.
func extraLines(k *Card) []string {
	if k.Contact.DAV.Extra == "" {
		return nil
	}
	return strings.Split(k.Contact.DAV.Extra, "\n")
}

func TestDecodeClients(t *testing.T) {
	tests := []struct {
		file    string
		version string
		company string
		photo   string // media type, "" for none
		want    model.Contact
		extra   []string // lines Extra must hold
		noExtra []string // substrings Extra must not hold
	}{
		{file: "apple.vcf", version: "3.0", company: "Apple Inc.", photo: "image/jpeg",
			want: model.Contact{FirstName: "John", MiddleName: "Q.", LastName: "Appleseed", DisplayName: "Dr. John Q. Appleseed Jr.",
				Title:  "Genius",
				Emails: labeled("other", "johnny@icloud.com", "work", "John.Appleseed@Apple.example.com", "Fan club", "jqa@fan.example.org"),
				Phones: labeled("mobile", "+1 (408) 555-0100", "work", "+1 408 555 0199", "fax", "+1 408 555 0123"),
				Addresses: []model.Address{
					{Type: "work", Street: "1 Infinite Loop", City: "Cupertino", Region: "CA", PostalCode: "95014", Country: "United States"},
					{Type: "home", Street: "12 Elm St, Apt 7, PO Box 42", City: "Palo Alto", Region: "CA", PostalCode: "94301", Country: "USA"}},
				URLs:     labeled("homepage", "https://www.apple.example.com/"),
				Birthday: date("1985-04-12"), Notes: "Likes apples, pears and \\\"quotes\\\".\nSecond line.",
				Tags: []string{"VIP", "Apple, Inc. partners"},
				DAV:  model.DAVLink{UID: "5C1F5D62-8A5E-4D0A-9B6E-1C2D3E4F5A6B"}},
			extra: []string{"N:Appleseed;John;Q.;Dr.;Jr.", "ORG:Apple Inc.;Retail;", "item1.EMAIL;type=INTERNET;type=pref:johnny@icloud.com",
				"item1.X-ABLabel:_$!<Other>!$_", "item2.X-ABLabel:Fan club", "TEL;type=HOME;type=FAX:+1 408 555 0123",
				"ADR;type=HOME:PO Box 42;Apt 7;12 Elm St;Palo Alto;CA;94301;USA", "item3.X-ABADR:us", "NICKNAME:Johnny",
				"item5.X-ABRELATEDNAMES;type=pref:Jane Appleseed",
				"X-ABUID:5C1F5D62-8A5E-4D0A-9B6E-1C2D3E4F5A6B:ABPerson", "IMPP;X-SERVICE-TYPE=Skype;type=HOME;type=pref:skype:john.appleseed"},
			noExtra: []string{"PRODID", "REV:", "VERSION", "PHOTO", "\nUID", "FN:", "TITLE", "EMAIL;type=INTERNET;type=WORK", "CATEGORIES", "NOTE"}},
		{file: "thunderbird-4.0.vcf", version: "4.0", company: "ООО «Вектор»", photo: "image/jpeg",
			want: model.Contact{FirstName: "Марина", MiddleName: "Олеговна", LastName: "Кузнецова", DisplayName: "Марина Кузнецова",
				Title: "Руководитель отдела", Language: "ru",
				Emails: labeled("", "marina@example.ru", "home", "masha.k@example.net"),
				Phones: labeled("work", "+7 495 555-01-02", "mobile", "+7 916 555-01-03"),
				Addresses: []model.Address{{Type: "work", Street: "ул. Тверская, д. 7", City: "Москва", PostalCode: "125009",
					Country: "Россия"}},
				URLs: labeled("work", "https://vector.example.ru"), Birthday: date("1979-03-15"), Notes: "Звонить после 14:00",
				DAV: model.DAVLink{UID: "7d5c1f2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f"}},
			extra: []string{"ORG:ООО «Вектор»;Отдел продаж", "LANG;PREF=1:ru", "LANG;PREF=2:en", "NICKNAME:Маша", "ROLE:Закупки",
				"URL:ftp://files.example.ru/price", "ANNIVERSARY;VALUE=DATE:20050620", "GENDER:F", "TZ;VALUE=TEXT:Europe/Moscow",
				"RELATED;TYPE=spouse:urn:uuid:1b2c3d4e-0000-4000-8000-000000000001"},
			noExtra: []string{"EMAIL", "TEL", "PHOTO", "BDAY", "\nN:"}},
		{file: "davx5-3.0.vcf", version: "3.0", company: "Müller & Söhne GmbH",
			want: model.Contact{FirstName: "Hans", LastName: "Müller", DisplayName: "Hans Müller", Title: "Geschäftsführer",
				Emails: labeled("work", "hans.mueller@mueller-soehne.example.de", "", "hans@example.de"),
				Phones: labeled("mobile", "+49 151 23456789", "work", "+49 30 1234567", "", "+49 30 1234568"),
				Addresses: []model.Address{{Type: "work", Street: "Friedrichstraße 123", City: "Berlin", PostalCode: "10117", Country: "Deutschland"},
					{Type: "home", Street: "Lindenweg 5", City: "Potsdam", Region: "BB", PostalCode: "14467", Country: "Deutschland"}},
				URLs: labeled("", "https://mueller-soehne.example.de"), Notes: "Kunde seit 2010.", Tags: []string{"Kunden", "Berlin"},
				DAV: model.DAVLink{UID: "0b5c9c4e-6d2a-4a8f-bb0e-7f1f5e3c2a11"}},
			extra: []string{"BDAY:--0704", "TEL;TYPE=x-assistant:+49 30 1234568", `ADR;TYPE=home;LABEL="Hans Müller\nLindenweg 5\n14467 Potsdam":;;Lindenweg 5;Potsdam;BB;14467;Deutschland`,
				"X-DAVDROID-UNKNOWN-PROPERTIES:X-CUSTOM-THING:foo", "X-ANNIVERSARY:2001-09-15", "X-PHONETIC-FIRST-NAME:Hans"}},
		{file: "outlook-2.1-cp1251.vcf", version: "2.1", company: "АО «Северсталь»",
			want: model.Contact{FirstName: "Алексей", MiddleName: "Викторович", LastName: "Соколов", DisplayName: "Соколов Алексей Викторович",
				Title: "Начальник снабжения", Emails: labeled("", "a.sokolov@severstal.example.com"),
				Phones: labeled("work", "+7 (8202) 53-00-00", "mobile", "+7 921 000-11-22", "fax", "+7 (8202) 53-00-01"),
				Addresses: []model.Address{{Type: "work", Street: "ул. Мира, 30", City: "Череповец", Region: "Вологодская обл.",
					PostalCode: "162608", Country: "Россия"}},
				URLs: labeled("work", "http://www.severstal.example.com"), Birthday: date("1975-09-21"),
				Notes: "Встреча 12.03 — договор поставки;\nперезвонить в пятницу"},
			extra: []string{"N;LANGUAGE=ru:Соколов;Алексей;Викторович", "TEL;TYPE=WORK,FAX:+7 (8202) 53-00-01",
				`LABEL;TYPE=WORK,PREF:ул. Мира\, 30\nЧереповец 162608\nРоссия`, "X-MS-OL-DEFAULT-POSTAL-ADDRESS:2"},
			noExtra: []string{"QUOTED-PRINTABLE", "CHARSET", "BASE64", "NOTE", "BDAY"}},
		{file: "google-3.0.vcf", version: "3.0", company: "Infra Solutions Pvt Ltd",
			want: model.Contact{FirstName: "Priya", LastName: "Sharma", DisplayName: "Priya Sharma", Title: "CTO",
				Emails: labeled("home", "priya.sharma@gmail.example.com", "work", "psharma@infra.example.in"),
				Phones: labeled("mobile", "+91 98765 43210", "", "+91 22 2345 6789"),
				Addresses: []model.Address{{Type: "home", Street: "42 Marine Drive", City: "Mumbai", Region: "MH", PostalCode: "400002",
					Country: "India"}},
				URLs:     labeled("", "https://www.infra.example.in", "Blog", "http://priya.example.com/blog"),
				Birthday: date("1988-11-02"), Notes: "Met at PyCon India 2023", Tags: []string{"myContacts", "Starred"}},
			extra: []string{"NICKNAME:Pri", "item1.URL:http\\://priya.example.com/blog", "item1.X-ABLabel:Blog",
				"item2.X-ABRELATEDNAMES:Arjun Sharma", "PHOTO:https://lh3.googleusercontent.example.com/contacts/ABC123"}},
		{file: "evolution-3.0.vcf", version: "3.0", company: "Atelier Dubois",
			want: model.Contact{FirstName: "Claire", LastName: "Dubois", DisplayName: "Claire Dubois", Title: "Directrice artistique",
				Emails: labeled("work", "claire.dubois@atelier.example.fr", "home", "claire@perso.example.fr"),
				Phones: labeled("work", "+33 1 23 45 67 89", "mobile", "+33 6 12 34 56 78"),
				Addresses: []model.Address{{Type: "work", Street: "12 rue de Rivoli", City: "Paris", Region: "Île-de-France",
					PostalCode: "75001", Country: "France"}},
				Birthday: date("1982-02-28"), Notes: "Préfère être contactée par e-mail.", Tags: []string{"Business", "Design"},
				DAV: model.DAVLink{UID: "pas-id-65E1A2B300000001"}},
			extra: []string{"X-EVOLUTION-FILE-AS:Dubois\\, Claire", "N:Dubois;Claire;;Mme;", "ORG:Atelier Dubois;Design;Print",
				"EMAIL;X-EVOLUTION-UI-SLOT=1;TYPE=WORK:claire.dubois@atelier.example.fr", "X-EVOLUTION-MANAGER:Jean Martin",
				"LABEL;TYPE=WORK:12 rue de Rivoli\\n75001 Paris\\nFrance", "CALURI:https://cal.atelier.example.fr/claire"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			k := mustDecode(t, fixture(t, tt.file))
			got := k.Contact
			got.DAV.Extra = ""
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("contact\n got %+v\nwant %+v", got, tt.want)
			}
			if k.Version != tt.version || k.Company != tt.company {
				t.Errorf("version %q company %q, want %q %q", k.Version, k.Company, tt.version, tt.company)
			}
			if mt := photoType(k.Photo); mt != tt.photo {
				t.Errorf("photo %q, want %q", mt, tt.photo)
			}
			lines := extraLines(k)
			for _, w := range tt.extra {
				if !slices.Contains(lines, w) {
					t.Errorf("Extra lacks %q:\n%s", w, k.Contact.DAV.Extra)
				}
			}
			for _, w := range tt.noExtra {
				if strings.Contains("\n"+k.Contact.DAV.Extra, w) {
					t.Errorf("Extra holds %q:\n%s", w, k.Contact.DAV.Extra)
				}
			}
			c := k.Contact
			if c.Normalize(); c.Validate() != nil {
				t.Errorf("not a valid contact: %v", c.Validate())
			}
		})
	}
}

func photoType(p *Photo) string {
	if p == nil {
		return ""
	}
	return p.MediaType
}

// TestRoundTrip checks Decode(Encode(Decode(x))) = Decode(x) for every
// client's card in its own version, and that a card moved between 3.0 and
// 4.0 keeps its contact and is valid in the target version.
func TestRoundTrip(t *testing.T) {
	names, _ := filepath.Glob("testdata/*.vcf")
	for _, name := range names {
		t.Run(filepath.Base(name), func(t *testing.T) {
			first := mustDecode(t, fixture(t, filepath.Base(name)))
			for _, version := range []string{"3.0", "4.0"} {
				out := Encode(&first.Contact, EncodeOptions{Version: version, Company: first.Company, Photo: first.Photo})
				checkWellFormed(t, out, version)
				again := mustDecode(t, out)
				sameVersion := version == first.Version || first.Version == "2.1" && version == "3.0"
				a, b := first.Contact, again.Contact
				if !sameVersion {
					a.DAV.Extra, b.DAV.Extra = "", ""
				}
				if !reflect.DeepEqual(a, b) || again.Company != first.Company || !reflect.DeepEqual(again.Photo, first.Photo) {
					t.Errorf("%s: changed in a round trip:\n got %+v\nwant %+v\n%s", version, b, a, out)
				}
				if sameVersion {
					if twice := Encode(&again.Contact, EncodeOptions{Version: version, Company: again.Company, Photo: again.Photo}); !bytes.Equal(twice, out) {
						t.Errorf("%s: second encoding differs:\n%s\n%s", version, out, twice)
					}
				}
			}
		})
	}
}

// checkWellFormed checks what every card Encode writes must have.
func checkWellFormed(t *testing.T, out []byte, version string) {
	t.Helper()
	text := string(out)
	if !strings.HasPrefix(text, "BEGIN:VCARD\r\nVERSION:"+version+"\r\n") || !strings.HasSuffix(text, "\r\nEND:VCARD\r\n") {
		t.Errorf("bad frame:\n%s", text)
	}
	counts := map[string]int{}
	for _, line := range strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n") {
		if len(line) > maxLine || !utf8.ValidString(line) || strings.ContainsAny(line, "\r\n") {
			t.Errorf("bad line (%d octets): %q", len(line), line)
		}
	}
	for l := range unfold(text) {
		p, err := parseLine(l.text)
		if err != nil && !isBoundary(l.text) {
			t.Errorf("unparsable line %q", l.text)
			continue
		}
		if p.group == "" {
			counts[p.name]++
		}
		if version == "4.0" && p.params["ENCODING"] != nil {
			t.Errorf("4.0 line with ENCODING: %q", l.text)
		}
		if version == "3.0" && p.name == "PHOTO" && strings.HasPrefix(p.value, "data:") {
			t.Errorf("3.0 PHOTO as data: URI: %q", l.text)
		}
	}
	for _, name := range []string{"VERSION", "FN", "N", "UID", "PRODID", "BDAY", "REV"} {
		if counts[name] > 1 || counts[name] == 0 && (name == "VERSION" || name == "FN" || name == "N") {
			t.Errorf("%d %s lines:\n%s", counts[name], name, text)
		}
	}
}

// TestShadows checks that a shadow is written back while its value is
// unchanged and replaced when the CRM changed the value.
func TestShadows(t *testing.T) {
	k := mustDecode(t, fixture(t, "apple.vcf"))
	c := k.Contact
	c.Normalize() // what the store keeps: e-mails in lower case, types defaulted
	out := string(Encode(&c, EncodeOptions{Company: k.Company}))
	for _, want := range []string{"\r\nN:Appleseed;John;Q.;Dr.;Jr.\r\n", "\r\nORG:Apple Inc.;Retail;\r\n",
		"\r\nitem1.EMAIL;type=INTERNET;type=pref:johnny@icloud.com\r\n", "\r\nitem1.X-ABLabel:_$!<Other>!$_\r\n",
		"\r\nEMAIL;TYPE=work:john.appleseed@apple.example.com\r\n", "\r\nitem2.X-ABLabel:Fan club\r\n",
		"\r\nTEL;type=HOME;type=FAX:+1 408 555 0123\r\n", "\r\nitem3.X-ABADR:us\r\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("unchanged contact: output lacks %q:\n%s", want, out)
		}
	}

	c.FirstName = "Johnny"
	c.Emails[0].Value = "new@icloud.com"
	c.Emails[2].Value = "fan@new.example.org"
	c.Phones = c.Phones[:2]
	out = string(Encode(&c, EncodeOptions{Company: "Apple"}))
	for _, want := range []string{"\r\nN:Appleseed;Johnny;Q.;;\r\n", "\r\nORG:Apple\r\n", "\r\nEMAIL;TYPE=other,pref:new@icloud.com\r\n",
		"\r\nitem6.EMAIL:fan@new.example.org\r\n", "\r\nitem6.X-ABLabel:fan club\r\n", "\r\nitem3.X-ABADR:us\r\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("changed contact: output lacks %q:\n%s", want, out)
		}
	}
	for _, gone := range []string{"Dr.;", "Retail", "johnny@icloud.com", "item1.", "item2.", "555 0123"} {
		if strings.Contains(out, gone) {
			t.Errorf("changed contact: output still has %q:\n%s", gone, out)
		}
	}
	again := mustDecode(t, []byte(out))
	if got := again.Contact.Emails; !reflect.DeepEqual(got, labeled("other", "new@icloud.com", "work", "john.appleseed@apple.example.com",
		"fan club", "fan@new.example.org")) {
		t.Errorf("labels after a change: %+v", got)
	}
}

// TestFallbacks covers values kept in Extra because the model cannot hold
// them, and what happens when the CRM fills the field.
func TestFallbacks(t *testing.T) {
	k := mustDecode(t, []byte("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:A\r\nBDAY:--0412\r\nURL:ftp://x.example\r\nEND:VCARD\r\n"))
	if k.Contact.Birthday != nil || len(k.Contact.URLs) != 0 || k.Contact.DAV.Extra != "BDAY:--0412\nURL:ftp://x.example" {
		t.Fatalf("got %+v", k.Contact)
	}
	c := k.Contact
	if out := string(Encode(&c, EncodeOptions{Version: "4.0"})); !strings.Contains(out, "\r\nBDAY:--0412\r\n") {
		t.Errorf("year-less birthday lost:\n%s", out)
	}
	c.Birthday = date("1990-04-12")
	out := string(Encode(&c, EncodeOptions{Version: "4.0"}))
	if strings.Count(out, "BDAY") != 1 || !strings.Contains(out, "\r\nBDAY:19900412\r\n") || !strings.Contains(out, "\r\nURL:ftp://x.example\r\n") {
		t.Errorf("birthday set in the CRM:\n%s", out)
	}
}

func TestBirthdays(t *testing.T) {
	tests := []struct{ line, want, extra, err string }{
		{"BDAY:19850412", "1985-04-12", "", ""},
		{"BDAY:1985-04-12", "1985-04-12", "", ""}, // the same date as 19850412
		{"BDAY:1985-04-12T10:30:00Z", "1985-04-12", "BDAY:1985-04-12T10:30:00Z", ""},
		{"BDAY:--0412", "", "BDAY:--0412", ""},
		{"BDAY:--04-12", "", "BDAY:--04-12", ""},
		{"BDAY:1985-04", "", "BDAY:1985-04", ""},
		{"BDAY;VALUE=text:circa 1800", "", "BDAY;VALUE=text:circa 1800", ""},
		{"BDAY;X-APPLE-OMIT-YEAR=1604:1604-04-12", "", "BDAY;X-APPLE-OMIT-YEAR=1604:1604-04-12", ""},
		{"BDAY:16040412", "", "BDAY:16040412", ""},
		{"BDAY:31/31/1999", "", "", "birthday: not a date"},
		{"BDAY:19991332", "", "", "birthday: not a date"},
	}
	for _, tt := range tests {
		k, err := Decode([]byte("BEGIN:VCARD\nVERSION:4.0\nFN:A\n"+tt.line+"\nEND:VCARD\n"), testLimit)
		if tt.err != "" {
			if model.ErrorCode(err) != model.EINVALID || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error %v, want %q", tt.line, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.line, err)
			continue
		}
		got := ""
		if k.Contact.Birthday != nil {
			got = k.Contact.Birthday.String()
		}
		if got != tt.want || k.Contact.DAV.Extra != tt.extra {
			t.Errorf("%s: birthday %q extra %q, want %q %q", tt.line, got, k.Contact.DAV.Extra, tt.want, tt.extra)
		}
	}
}

func TestMalformed(t *testing.T) {
	photo := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Big\r\nPHOTO;ENCODING=b;TYPE=JPEG:" + strings.Repeat("QUFB", 10<<20/4) + "\r\nEND:VCARD\r\n"
	tests := []struct {
		name, input string
		max         int
		code, msg   string
	}{
		{"empty", "", testLimit, model.EMALFORMED, "no BEGIN:VCARD"},
		{"garbage", "hello, world\n", testLimit, model.EMALFORMED, "line 1: not a vCard"},
		{"binary", "\x00\x01\x02\xff\xfe", testLimit, model.EMALFORMED, "not a vCard"},
		{"no END", "BEGIN:VCARD\nVERSION:3.0\nFN:A\n", testLimit, model.EMALFORMED, "no END:VCARD"},
		{"BEGIN inside", "BEGIN:VCARD\nFN:A\nBEGIN:VCARD\nEND:VCARD\n", testLimit, model.EMALFORMED, "line 3: BEGIN:VCARD inside"},
		{"two cards", "BEGIN:VCARD\nFN:A\nEND:VCARD\nBEGIN:VCARD\nFN:B\nEND:VCARD\n", testLimit, model.EINVALID, "more than one"},
		{"text after", "BEGIN:VCARD\nFN:A\nEND:VCARD\nX\n", testLimit, model.EMALFORMED, "line 4: text after"},
		{"no colon", "BEGIN:VCARD\nFN:A\nthis is not a property\nEND:VCARD\n", testLimit, model.EMALFORMED, "line 3: no ':'"},
		{"bad name", "BEGIN:VCARD\nF N:A\nEND:VCARD\n", testLimit, model.EMALFORMED, "invalid property name"},
		{"NUL in value", "BEGIN:VCARD\nFN;CHARSET=utf-8:a\x00b\nEND:VCARD\n", testLimit, model.EMALFORMED, "NUL"},
		{"bad charset", "BEGIN:VCARD\nVERSION:2.1\nFN;CHARSET=x-klingon:a\nEND:VCARD\n", testLimit, model.EMALFORMED, "unknown CHARSET"},
		{"bad encoding", "BEGIN:VCARD\nFN;ENCODING=UUENCODE:a\nEND:VCARD\n", testLimit, model.EMALFORMED, "unknown ENCODING"},
		{"bad base64", "BEGIN:VCARD\nVERSION:3.0\nFN:A\nPHOTO;ENCODING=b;TYPE=JPEG:!!notbase64!!\nEND:VCARD\n", testLimit, model.EMALFORMED, "line 4: broken base64"},
		{"bad data URI", "BEGIN:VCARD\nVERSION:4.0\nFN:A\nPHOTO:data:image/png;base64,%%%\nEND:VCARD\n", testLimit, model.EMALFORMED, "broken base64"},
		{"10 MB photo", photo, 1 << 20, model.ETOOLARGE, "larger than the limit"},
		{"exactly the limit", "BEGIN:VCARD\nFN:A\nEND:VCARD\n", 27, "", ""},
		{"one byte over", "BEGIN:VCARD\nFN:A\nEND:VCARD\n", 26, model.ETOOLARGE, "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := Decode([]byte(tt.input), tt.max)
			if model.ErrorCode(err) != tt.code || err != nil && !strings.Contains(err.Error(), tt.msg) || (err == nil) != (k != nil) {
				t.Errorf("got %v (code %q), want code %q with %q", err, model.ErrorCode(err), tt.code, tt.msg)
			}
		})
	}
	if k, err := Decode([]byte(photo), len(photo)); err != nil || len(k.Photo.Data) != 10<<20/4*3 {
		t.Errorf("10 MB photo within the limit: %v", err)
	}
}

func TestEncodeNewContact(t *testing.T) {
	c := &model.Contact{FirstName: "Пётр", LastName: "Чайковский 🎻", Title: "Композитор; дирижёр, педагог", Language: "ru",
		Emails: labeled("work", "pyotr@example.ru", "home", "p@example.com"), Phones: labeled("mobile", "+7 916 000-00-01", "assistant", "+7 495 000-00-02"),
		URLs: labeled("work", "https://tchaikovsky.example.ru"), Tags: []string{"vip", "a,b"}, Birthday: date("1840-05-07"),
		Notes: "line one\r\nline two " + strings.Repeat("ёжик🦔 ", 20)}
	c.ID = "01900000-0000-7000-8000-000000000001"
	c.Normalize()
	for _, tt := range []struct {
		version string
		want    []string
	}{
		{"3.0", []string{"VERSION:3.0\r\n", "UID:01900000-0000-7000-8000-000000000001\r\n", "FN:Пётр Чайковский 🎻\r\n",
			"N:Чайковский 🎻;Пётр;;;\r\n", `TITLE:Композитор\; дирижёр\, педагог`, "EMAIL;TYPE=work,pref:pyotr@example.ru\r\n",
			"EMAIL;TYPE=home:p@example.com\r\n", "TEL;TYPE=cell,pref:+7 916 000-00-01\r\n", "item1.TEL:+7 495 000-00-02\r\n",
			"item1.X-ABLabel:assistant\r\n", "BDAY:1840-05-07\r\n", `CATEGORIES:vip,a\,b`, "LANG:ru\r\n", "PHOTO;ENCODING=b;TYPE=PNG:iVBO"}},
		{"4.0", []string{"VERSION:4.0\r\n", "EMAIL;PREF=1;TYPE=work:pyotr@example.ru\r\n", "TEL;PREF=1;TYPE=cell:+7 916 000-00-01\r\n",
			"BDAY:18400507\r\n", "PHOTO:data:image/png;base64,iVBO"}},
	} {
		out := Encode(c, EncodeOptions{Version: tt.version, Photo: &Photo{Data: []byte("\x89PNG\r\n\x1a\n"), MediaType: "image/png"}})
		checkWellFormed(t, out, tt.version)
		for _, w := range tt.want {
			if !bytes.Contains(out, []byte(w)) {
				t.Errorf("%s: output lacks %q:\n%s", tt.version, w, out)
			}
		}
		k := mustDecode(t, out)
		got := k.Contact
		got.Normalize()
		want := *c
		want.Notes = strings.ReplaceAll(want.Notes, "\r\n", "\n")
		if got.ID, got.DAV = c.ID, c.DAV; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: read back\n got %+v\nwant %+v", tt.version, got, *c)
		}
		if k.Contact.DAV.UID != c.ID {
			t.Errorf("UID %q", k.Contact.DAV.UID)
		}
	}
	if got := string(AppendEncode([]byte("x"), &model.Contact{}, EncodeOptions{})); got !=
		"xBEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:"+ProdID+"\r\nFN:\r\nN:;;;;\r\nEND:VCARD\r\n" {
		t.Errorf("empty contact: %q", got)
	}
}

// TestBinaryExtraBetweenVersions checks that inline binary lines Rapport
// keeps (a LOGO, a second photo) become data: URIs in 4.0.
func TestBinaryExtraBetweenVersions(t *testing.T) {
	k := mustDecode(t, []byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nLOGO;ENCODING=b;TYPE=PNG:iVBORw0KGgo=\r\nEND:VCARD\r\n"))
	out := string(Encode(&k.Contact, EncodeOptions{Version: "4.0"}))
	if !strings.Contains(out, "\r\nLOGO:data:image/png;base64,iVBORw0KGgo=\r\n") {
		t.Fatalf("3.0 → 4.0:\n%s", out)
	}
}

func TestFolding(t *testing.T) {
	for _, s := range []string{strings.Repeat("a", 200), strings.Repeat("ё", 100), strings.Repeat("🦔", 50), "a" + strings.Repeat("\xff", 90)} {
		e := encoder{}
		e.put("NOTE:")
		e.put(s)
		e.end()
		var joined strings.Builder
		for i, line := range strings.Split(strings.TrimSuffix(string(e.b), "\r\n"), "\r\n") {
			if len(line) > maxLine || utf8.ValidString(s) && !utf8.ValidString(line) {
				t.Errorf("bad line %q", line)
			}
			if i > 0 {
				line = line[1:]
			}
			joined.WriteString(line)
		}
		if joined.String() != "NOTE:"+s {
			t.Errorf("unfolds to %q", joined.String())
		}
	}
}

func TestUnescape(t *testing.T) {
	tests := []struct {
		in, want string
		splitted []string // split at unescaped ';'
	}{
		{`a\,b\;c\nd\\e\N`, "a,b;c\nd\\e\n", []string{`a\,b\;c\nd\\e\N`}},
		{`x\\;y`, `x\;y`, []string{`x\\`, "y"}},
		{`trailing\`, `trailing\`, []string{`trailing\`}},
		{`\q`, `\q`, []string{`\q`}},
	}
	for _, tt := range tests {
		if got := unescape(tt.in); got != tt.want {
			t.Errorf("unescape(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := split(tt.in, ';', escaped); !reflect.DeepEqual(got, tt.splitted) {
			t.Errorf("split(%q) = %q, want %q", tt.in, got, tt.splitted)
		}
	}
	// vCard 2.1 escapes only ";": a Windows path keeps its backslashes.
	if got := from21("N", `C:\temp\new;a\;b, c`); got != `C:\\temp\\new;a\;b\, c` {
		t.Errorf("from21(N) = %q", got)
	}
	if got := from21("NOTE", `a;b\;c`); got != `a\;b\;c` {
		t.Errorf("from21(NOTE) = %q", got)
	}
}

// TestRoundTripOddities runs FuzzDecode's property over cards that stretch
// the shadow rules.
func TestRoundTripOddities(t *testing.T) {
	for i, card := range []string{
		"VERSION:4.0\nFN;ALTID=1;LANGUAGE=ja:山田太郎\nFN;ALTID=1;LANGUAGE=en:Taro Yamada\nN:山田;太郎;;;",
		"VERSION:3.0\nN:A;B;;;\nN:C;D;;;\nTITLE:x\nTITLE:y\nORG:;Dept",
		"VERSION:3.0\nEMAIL;TYPE=HOME:\nTEL;VALUE=uri:tel:+1-555-0100\nTEL:\\\nCATEGORIES:a,,b\nCATEGORIES:c",
		"VERSION:3.0\nADR:PO Box 1;;;;;;\nADR;TYPE=WORK:;;;;;;\nitem1.TEL;TYPE=CELL:+1 555 0101\nitem1.X-ABLabel:Private line",
		"VERSION:4.0\nBDAY:19800101\nBDAY:--0101\nUID:a\nUID:b\nPHOTO:http://x.example/p.jpg\nPHOTO:data:image/png;base64,iVBORw0KGgo=\nPHOTO:data:image/gif;base64,R0lGODlh",
		"VERSION:3.0\nNOTE;LANGUAGE=de:Hallo\nNOTE:Welt\nN:A,B;C\\,D;E;;\nFN:x\\:y\\;z\\\\",
		"VERSION:5.0\nFN:v\nX-FOO;BAR=\"a:b\";BAZ:q",
		"VERSION:2.1\nX-FOO;HOME;ENCODING=QUOTED-PRINTABLE:a=0D=0Ab;c\nNOTE:C:\\temp\\new\nEMAIL;INTERNET;HOME:a@b.example",
		"VERSION:3.0\nURL:ftp://a.example\nURL;TYPE=HOME:https://b.example\nURL:https://c.example\nitem2.URL:https://d.example",
		"VERSION:3.0\nitem1.TEL:+1 555 0102\nitem1.X-ABLabel:_$!<Mobile>!$_\nitem2.EMAIL:x@y.example\nitem2.X-ABLabel:_$!<Anniversary>!$_",
		"VERSION:4.0\nEMAIL;PREF=3:a@example.com\nEMAIL;PREF=1:b@example.com\nEMAIL:c@example.com\nTEL;TYPE=\"voice,cell\";PREF=1:1",
		"VERSION:3.0\nFN:\nEMAIL: spaced@example.com \nORG:Acme;",
		"VERSION:3.0\nFN:Only FN\nTEL;TYPE=WORK,CELL:+1 555 0103\nTEL;TYPE=mobile:+1 555 0104\nLABEL:free text",
	} {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			data := []byte("BEGIN:VCARD\n" + card + "\nEND:VCARD\n")
			mustDecode(t, data)
			checkRoundTrip(t, data)
		})
	}
}
