package secret

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealRoundTrip(t *testing.T) {
	key := bytes.Repeat([]byte{7}, KeySize)
	box, err := NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	a, err := box.Seal([]byte("hunter2-imap"), "mailbox/1/password")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := box.Seal([]byte("hunter2-imap"), "mailbox/1/password")
	if bytes.Equal(a, b) || a[0] != 1 || bytes.Contains(a, []byte("hunter2")) {
		t.Fatalf("sealed values must differ, carry version 1 and hide the text: %x %x", a, b)
	}
	if got, err := box.Open(a, "mailbox/1/password"); err != nil || string(got) != "hunter2-imap" {
		t.Fatalf("open: %q %v", got, err)
	}
	other, _ := NewBox(bytes.Repeat([]byte{8}, KeySize))
	damaged := append([]byte{}, a...)
	damaged[len(damaged)-1] ^= 1
	for name, tc := range map[string]struct {
		box     *Box
		sealed  []byte
		context string
	}{
		"other key":     {other, a, "mailbox/1/password"},
		"other context": {box, a, "mailbox/2/password"},
		"damaged":       {box, damaged, "mailbox/1/password"},
		"short":         {box, a[:10], "mailbox/1/password"},
		"empty":         {box, nil, "mailbox/1/password"},
		"version 2":     {box, append([]byte{2}, a[1:]...), "mailbox/1/password"},
	} {
		if _, err := tc.box.Open(tc.sealed, tc.context); !errors.Is(err, ErrSealed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := NewBox([]byte("short")); err == nil {
		t.Error("a short key was accepted")
	}
	if bytes.Equal(DeriveKey(key, "seal v1"), DeriveKey(key, "message-id")) || len(DeriveKey(key, "x")) != KeySize {
		t.Error("derived keys must differ per purpose")
	}
}
