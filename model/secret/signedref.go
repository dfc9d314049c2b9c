package secret

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// SignRef returns a URL-safe token that carries ref (a record id) and
// proves the server issued it: "ref.mac", mac a truncated HMAC-SHA256 of ref
// under key (derive one per purpose with DeriveKey). Links in mail use it
// (one-click unsubscribe), so that nobody can act on a record by guessing
// its id.
func SignRef(key []byte, ref string) string {
	return ref + "." + refMAC(key, ref)
}

// VerifyRef returns the ref of a token made by SignRef under key; ok is
// false for anything else.
func VerifyRef(key []byte, token string) (ref string, ok bool) {
	i := strings.LastIndexByte(token, '.')
	if i <= 0 || len(key) == 0 {
		return "", false
	}
	ref, mac := token[:i], token[i+1:]
	if !hmac.Equal([]byte(mac), []byte(refMAC(key, ref))) {
		return "", false
	}
	return ref, true
}

// refMAC is 128 bits of HMAC-SHA256, base64url without padding.
func refMAC(key []byte, ref string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(ref))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}
