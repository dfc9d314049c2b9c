package secret

import "testing"

func TestSignedRef(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	tok := SignRef(key, "0192b6c8-1111-7000-8000-000000000001")
	if ref, ok := VerifyRef(key, tok); !ok || ref != "0192b6c8-1111-7000-8000-000000000001" {
		t.Fatalf("VerifyRef(own token) = %q %v", ref, ok)
	}
	other := []byte("fedcba9876543210fedcba9876543210")
	for name, bad := range map[string]struct {
		key []byte
		tok string
	}{
		"other key":    {other, tok},
		"changed ref":  {key, "0192b6c8-1111-7000-8000-000000000002" + tok[36:]},
		"no mac":       {key, "0192b6c8-1111-7000-8000-000000000001"},
		"empty":        {key, ""},
		"only the mac": {key, tok[36:]},
		"no key":       {nil, tok},
	} {
		if _, ok := VerifyRef(bad.key, bad.tok); ok {
			t.Errorf("%s: verified", name)
		}
	}
}
