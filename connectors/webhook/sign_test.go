package webhook

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"rapport/model"
)

// testKey returns a deterministic 32-byte key.
func testKey(seed byte) []byte {
	return bytes.Repeat([]byte{seed}, 32)
}

func secretOf(key []byte) string {
	return SecretPrefix + base64.StdEncoding.EncodeToString(key)
}

func TestNewSecretParses(t *testing.T) {
	seen := map[string]bool{}
	for range 20 {
		s := NewSecret()
		if !strings.HasPrefix(s, "whsec_") || seen[s] {
			t.Fatalf("secret %q", s)
		}
		seen[s] = true
		k, err := ParseSecret(s)
		if err != nil || len(k) != 32 {
			t.Fatalf("ParseSecret(NewSecret()) = %d bytes, %v", len(k), err)
		}
		// The reference library reads our secrets.
		if _, err := standardwebhooks.NewWebhook(s); err != nil {
			t.Fatal(err)
		}
	}
}

func TestParseSecretRejects(t *testing.T) {
	enc := base64.StdEncoding.EncodeToString
	for _, s := range []string{
		"",
		"whsec_",
		enc(testKey(1)),                      // no prefix
		"WHSEC_" + enc(testKey(1)),           // wrong prefix
		"whsec_" + enc(make([]byte, 23)),     // too short
		"whsec_" + enc(make([]byte, 65)),     // too long
		"whsec_" + strings.Repeat("A", 5000), // far too long
		"whsec_" + enc(testKey(1))[:43],      // bad padding
		"whsec_" + strings.ReplaceAll(enc(testKey(1)), "A", "-"), // URL alphabet
		"whsec_" + enc(testKey(1)) + "\n",
		"whsec_ " + enc(testKey(1)),
	} {
		_, err := ParseSecret(s)
		if model.ErrorCode(err) != model.EINVALID {
			t.Errorf("ParseSecret(%q) = %v, want EINVALID", s, err)
		}
	}
	for _, n := range []int{24, 64} {
		if _, err := ParseSecret("whsec_" + enc(make([]byte, n))); err != nil {
			t.Errorf("%d bytes: %v", n, err)
		}
	}
}

// TestSignMatchesReference checks Sign against the reference library's own
// signer, byte for byte, and the rotation format.
func TestSignMatchesReference(t *testing.T) {
	ts := time.Unix(1700000000, 0)
	body := []byte(`{"type":"contact.updated","data":{"id":"c_1","name":"Zoë"}}`)
	k1, k2 := testKey(1), testKey(2)
	ref, err := standardwebhooks.NewWebhook(secretOf(k1))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := ref.Sign("msg_1", ts, body)
	if got := Sign([][]byte{k1}, "msg_1", ts, body); got != want {
		t.Errorf("Sign = %q, reference = %q", got, want)
	}
	ref2, _ := standardwebhooks.NewWebhook(secretOf(k2))
	want2, _ := ref2.Sign("msg_1", ts, body)
	if got := Sign([][]byte{k1, k2}, "msg_1", ts, body); got != want+" "+want2 {
		t.Errorf("rotation Sign = %q", got)
	}

	h := Headers("msg_1", ts, want)
	for k, v := range map[string]string{
		"webhook-id": "msg_1", "webhook-timestamp": "1700000000", "webhook-signature": want,
		"content-type": "application/json", "user-agent": "Rapport-Webhooks/1",
	} {
		if h.Get(k) != v {
			t.Errorf("header %s = %q, want %q", k, h.Get(k), v)
		}
	}
	if err := ref.VerifyIgnoringTimestamp(body, h); err != nil {
		t.Errorf("reference rejects our headers: %v", err)
	}
	h.Set("webhook-signature", Sign([][]byte{k2}, "msg_1", ts, body))
	if err := ref.VerifyIgnoringTimestamp(body, h); err == nil {
		t.Error("reference accepts a signature by another secret")
	}
}
