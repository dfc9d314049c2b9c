package contactfile

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"rapport/model"
)

const testLimit = 1 << 20

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	return b
}

// fixtures returns the contents of every testdata file with the extension.
func fixtures(t testing.TB, ext string) [][]byte {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join("testdata", "*"+ext))
	var out [][]byte
	for _, n := range names {
		out = append(out, fixture(t, filepath.Base(n)))
	}
	return out
}

// portable is what a file keeps of a contact: normalised, without server
// fields, references and E.164 forms, newlines as "\n".
func portable(c *model.Contact) model.Contact {
	p := *c
	p.Meta, p.AccountID, p.OwnerID, p.PhotoID, p.CustomFields = model.Meta{}, nil, nil, nil, nil
	p.Emails, p.Phones = slices.Clone(p.Emails), slices.Clone(p.Phones)
	p.Addresses, p.Tags = slices.Clone(p.Addresses), slices.Clone(p.Tags)
	p.Normalize()
	p.CustomFields = nil
	for i := range p.Phones {
		p.Phones[i].E164 = ""
	}
	p.Notes = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(p.Notes)
	return p
}

// wantRow is an expected parse result: an error containing err, or the
// contact (compared as portable) and company.
type wantRow struct {
	line    int
	err     string
	company string
	contact model.Contact
}

func checkRows(t *testing.T, got []Row, want []wantRow) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Line != w.line {
			t.Errorf("row %d: line %d, want %d", i, g.Line, w.line)
		}
		if w.err != "" {
			if g.Err == nil || g.Contact != nil || !strings.Contains(g.Err.Error(), w.err) {
				t.Errorf("row %d: err %v, want one containing %q", i, g.Err, w.err)
			}
			continue
		}
		if g.Err != nil {
			t.Errorf("row %d: %v", i, g.Err)
			continue
		}
		if a, b := portable(g.Contact), portable(&w.contact); !reflect.DeepEqual(a, b) || g.Company != w.company {
			t.Errorf("row %d:\n got %+v company %q\nwant %+v company %q", i, a, g.Company, b, w.company)
		}
	}
}

func date(s string) *model.Date {
	d, err := model.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return &d
}

func labeled(pairs ...string) []model.Labeled {
	var out []model.Labeled
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, model.Labeled{Type: pairs[i], Value: pairs[i+1]})
	}
	return out
}

const (
	accountID   = "01900000-0000-7000-8000-0000000000aa"
	accountName = "Клинская филармония; «Зал» 🎻"
)

func resolveAccount(id string) string {
	if id == accountID {
		return accountName
	}
	return ""
}

// sampleContacts have names in Cyrillic, CJK and emoji, and text with every
// character the formats escape or quote.
func sampleContacts() []*model.Contact {
	acct := accountID
	out := []*model.Contact{
		{FirstName: "Пётр", MiddleName: "Ильич", LastName: "Чайковский 🎻", Title: "Композитор; дирижёр, педагог", AccountID: &acct,
			Emails: labeled("work", "pyotr@example.ru", "home", "p@example.com"), Phones: labeled("mobile", "+7 916 000-00-01", "fax", "+7 495 000-00-02"),
			Tags: []string{"vip", "музыка"}, Birthday: date("1840-05-07"), Language: "ru",
			CustomFields: map[string]any{"vip": true, "source": "выставка, 2026"},
			Notes:        "line one, \"quoted\"; semi\\colon\nline two is long enough to be folded: " + strings.Repeat("ёжик🦔 ", 20),
			Addresses: []model.Address{{Type: "work", Street: "ул. Ленина, 1; кв. 2", City: "Клин", PostalCode: "141600", Country: "RU"},
				{Type: "home", City: "Москва"}}},
		{FirstName: "李", LastName: "伟", DisplayName: "李伟 (Li Wei) 😀", Emails: labeled("work", "li.wei@example.cn"), Phones: labeled("work", "+86 10 1234 5678")},
		{DisplayName: "=HYPERLINK(\"http://evil.example\")", Emails: labeled("other", "formula@example.com")},
	}
	for i, c := range out {
		c.ID = "01900000-0000-7000-8000-00000000000" + string(rune('1'+i))
		c.UpdatedAt = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		c.Normalize()
	}
	return out
}
