package secret

import (
	"errors"
	"strings"
	"testing"
)

func TestPasswordRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil || !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("%q %v", h, err)
	}
	if err := CheckPassword(h, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	if err := CheckPassword(h, "wrong"); !errors.Is(err, ErrMismatch) {
		t.Fatalf("wrong password: %v", err)
	}
	if err := CheckPassword("$argon2id$garbage", "x"); err == nil || errors.Is(err, ErrMismatch) {
		t.Fatalf("garbage hash: %v", err)
	}
}

func TestCredentials(t *testing.T) {
	a, b := NewToken("rpt_"), NewToken("rpt_")
	if a == b || len(a) != 4+43 {
		t.Fatalf("tokens %q %q", a, b)
	}
	p := NewAppPassword()
	if len(p) != 29 || strings.Count(p, "-") != 4 {
		t.Fatalf("app password %q", p)
	}
	if len(Digest(p)) != 64 || Digest(p) != Digest(p) {
		t.Fatal("digest")
	}
}
