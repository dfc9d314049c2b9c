package vcardmap

import (
	"bytes"
	"strings"
	"testing"

	"github.com/emersion/go-vcard"

	"rapport/model"
)

func TestLegacyAndroidCard(t *testing.T) {
	raw := "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=D0=9F=D0=B5=D1=82=D1=80=D0=BE=D0=B2;=D0=98=D0=B2=D0=B0=D0=BD;;;\r\n" +
		"FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=D0=98=D0=B2=D0=B0=D0=BD =D0=9F=D0=B5=D1=82=\r\n=D1=80=D0=BE=D0=B2\r\nTEL;CELL;PREF:+79161234567\r\nEND:VCARD\r\n"
	card, err := Decode([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	c, _, _ := FromCard(card)
	if c.LastName != "Петров" || c.DisplayName != "Иван Петров" || c.Phones[0].Type != "mobile" || c.Phones[0].Value != "+79161234567" {
		t.Fatalf("%+v", c)
	}
}

func TestUnmappedPropertiesSurviveARoundTrip(t *testing.T) {
	raw := "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:abc-123\r\nFN:Anna Smith\r\nN:Smith;Anna;;;\r\nORG:Acme;Sales\r\nEMAIL;TYPE=work:anna@acme.example\r\n" +
		"URL:https://acme.example/anna\r\nX-SOCIALPROFILE;TYPE=twitter:https://x.example/anna\r\nNICKNAME:Annie\r\nBDAY:--0412\r\nEND:VCARD\r\n"
	card, err := Decode([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	c, company, extra := FromCard(card)
	c.Normalize()
	if company != "Acme" || UID(card) != "abc-123" || c.Birthday != nil {
		t.Fatalf("company %q uid %q birthday %v", company, UID(card), c.Birthday)
	}
	c.Title = "Director" // a CRM edit
	out := ToCard(c, UID(card), company, extra)
	var buf bytes.Buffer
	if err := vcard.NewEncoder(&buf).Encode(out); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	for _, want := range []string{"URL:https://acme.example/anna", "X-SOCIALPROFILE;TYPE=twitter:https://x.example/anna", "NICKNAME:Annie",
		"TITLE:Director", "UID:abc-123", "ORG:Acme;Sales", "VERSION:4.0", "BDAY:--0412"} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in\n%s", want, text)
		}
	}
}

func TestParseBirthday(t *testing.T) {
	for in, want := range map[string]string{"1990-12-31": "1990-12-31", "19901231": "1990-12-31", "31.12.1990": "1990-12-31", "--1231": "", "soon": ""} {
		got := ParseBirthday(in)
		if (got == nil && want != "") || (got != nil && got.String() != want) {
			t.Errorf("%q: %v", in, got)
		}
	}
	_ = model.Date{}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte("BEGIN:VCARD\nVERSION:2.1\nTEL;CELL:1\nN;ENCODING=QUOTED-PRINTABLE:=\n=41;B\nEND:VCARD\n"))
	f.Add([]byte("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:x\r\nEND:VCARD\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		card, err := Decode(data)
		if err != nil {
			return
		}
		c, company, extra := FromCard(card)
		c.Normalize()
		_ = ToCard(c, UID(card), company, extra)
	})
}
