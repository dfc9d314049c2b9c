package mailmsg

import (
	"strings"
	"testing"
)

func testTokens() *Tokens {
	return &Tokens{Key: []byte("test key of thirty-two bytes....."), Domain: "rapport.example"}
}

func TestTokensRoundTrip(t *testing.T) {
	tk := testTokens()
	id, err := tk.Mint("r-0190F5A2-7c1d-7b3e-9a55-1b2c3d4e5f60")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(id, "r-0190f5a2-7c1d-7b3e-9a55-1b2c3d4e5f60.") || !strings.HasSuffix(id, "@rapport.example") {
		t.Fatalf("minted %q", id)
	}
	other, _ := tk.Mint("r-0190f5a2-7c1d-7b3e-9a55-1b2c3d4e5f60")
	if other == id {
		t.Fatal("two minted Message-IDs are equal")
	}
	for _, form := range []string{id, "<" + id + ">", " <" + strings.ToUpper(id) + "> ", strings.Replace(id, "rapport.example", "old.example", 1)} {
		if ref, ok := tk.Verify(form); !ok || ref != "r-0190f5a2-7c1d-7b3e-9a55-1b2c3d4e5f60" {
			t.Errorf("Verify(%q) = %q, %v", form, ref, ok)
		}
	}
}

func TestTokensRefuseForgeries(t *testing.T) {
	tk := testTokens()
	id, _ := tk.Mint("r-42")
	local, domain, _ := strings.Cut(id, "@")
	parts := strings.Split(local, ".")
	flip := func(s string) string {
		if s[0] == '0' {
			return "1" + s[1:]
		}
		return "0" + s[1:]
	}
	forged := []string{
		"r-43." + parts[1] + "." + parts[2] + "@" + domain, // another request, same MAC
		parts[0] + "." + flip(parts[1]) + "." + parts[2] + "@" + domain,
		parts[0] + "." + parts[1] + "." + flip(parts[2]) + "@" + domain,
		parts[0] + "." + parts[1] + "." + parts[2][:20] + "@" + domain,
		local, "", "<>", "r-42..@x", "a.b.c.d@e",
	}
	for _, f := range forged {
		if ref, ok := tk.Verify(f); ok {
			t.Errorf("Verify(%q) accepted a forgery as %q", f, ref)
		}
	}
	other := &Tokens{Key: []byte("another key, also long enough...."), Domain: "rapport.example"}
	if _, ok := other.Verify(id); ok {
		t.Error("a Message-ID verified under another key")
	}
	if _, ok := (*Tokens)(nil).Verify(id); ok {
		t.Error("nil Tokens verified a Message-ID")
	}
}

func TestTokensKeyRotation(t *testing.T) {
	old := testTokens()
	id, _ := old.Mint("r-7")
	rotated := &Tokens{Key: []byte("the new key, thirty-two bytes...."), OldKeys: [][]byte{old.Key}, Domain: "rapport.example"}
	if ref, ok := rotated.Verify(id); !ok || ref != "r-7" {
		t.Fatalf("an old key's Message-ID: %q, %v", ref, ok)
	}
}

func TestTokensMintRefusesBadInput(t *testing.T) {
	tk := testTokens()
	for _, ref := range []string{"", "r.1", "r 1", "<r>", "r@1", strings.Repeat("x", 101)} {
		if _, err := tk.Mint(ref); err == nil {
			t.Errorf("Mint(%q) accepted", ref)
		}
	}
	if _, err := (&Tokens{Key: []byte("short"), Domain: "x.example"}).Mint("r-1"); err == nil {
		t.Error("Mint with a short key accepted")
	}
}

func TestSubjectTags(t *testing.T) {
	cases := []struct {
		subject, prefix string
		want            []string
	}{
		{"Re: [R-000123] Printer on fire", "R-", []string{"R-000123"}},
		{"AW: AW: [r-000123] Drucker [ R-000124 ] [R-000123]", "R-", []string{"R-000123", "R-000124"}},
		{"R-000123 without brackets", "R-", nil},
		{"[Bug 655578] list-id", "R-", nil},
		{"[T#42] other prefix", "T#", []string{"T#42"}},
		{"[R-000123]", "", nil},
	}
	for _, c := range cases {
		got := SubjectTags(c.subject, c.prefix)
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("SubjectTags(%q, %q) = %v, want %v", c.subject, c.prefix, got, c.want)
		}
	}
}
