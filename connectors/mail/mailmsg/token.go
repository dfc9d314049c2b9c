package mailmsg

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"regexp"
	"strings"
)

// Tokens mints and verifies the Message-IDs of the mail Rapport sends:
//
//	<{ref}.{random}.{mac}@{domain}>
//
// ref names what the mail belongs to (the engine uses "r-" and the request's
// id); random (16 hex digits) makes every Message-ID unique; mac is a
// truncated HMAC-SHA256 of "ref.random" under the server key (24 hex digits).
// A reply's In-Reply-To or References that verifies is proof the sender saw
// our mail, unlike a subject tag anyone can type. The domain is not signed,
// so changing it keeps old threads working; OldKeys keep them working across
// a key rotation.
type Tokens struct {
	Key     []byte   // at least 16 bytes
	OldKeys [][]byte // retired keys still accepted by Verify
	Domain  string   // the right-hand side of minted Message-IDs
}

const (
	macHexLen    = 24
	randomHexLen = 16
)

var refPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$`)

// ErrBadRef is returned by Mint for a reference that cannot be embedded.
var ErrBadRef = errors.New("mailmsg: a Message-ID reference is 1-100 letters, digits, - or _")

// Mint returns a new Message-ID for mail about ref, without angle brackets.
// References are case-insensitive: ref is embedded, and returned by Verify,
// in lower case, because some systems change the case of Message-IDs.
func (t *Tokens) Mint(ref string) (string, error) {
	ref = strings.ToLower(ref)
	if !refPattern.MatchString(ref) {
		return "", ErrBadRef
	}
	if len(t.Key) < 16 || t.Domain == "" {
		return "", errors.New("mailmsg: Tokens need a key of 16 bytes or more and a domain")
	}
	var r [randomHexLen / 2]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", err
	}
	random := hex.EncodeToString(r[:])
	return ref + "." + random + "." + mac(t.Key, ref, random) + "@" + t.Domain, nil
}

// Verify returns the reference of a Message-ID (with or without angle
// brackets) that we minted; ok is false for anybody else's.
func (t *Tokens) Verify(msgID string) (ref string, ok bool) {
	if t == nil || len(t.Key) == 0 {
		return "", false
	}
	local, _, found := strings.Cut(strings.ToLower(strings.Trim(strings.TrimSpace(msgID), "<>")), "@")
	if !found {
		return "", false
	}
	rest, sum, found := cutLast(local, ".")
	if !found || len(sum) != macHexLen {
		return "", false
	}
	ref, random, found := cutLast(rest, ".")
	if !found || len(random) != randomHexLen || !refPattern.MatchString(ref) {
		return "", false
	}
	for _, key := range append([][]byte{t.Key}, t.OldKeys...) {
		if hmac.Equal([]byte(sum), []byte(mac(key, ref, random))) {
			return ref, true
		}
	}
	return "", false
}

func mac(key []byte, ref, random string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(ref + "." + random))
	return hex.EncodeToString(m.Sum(nil))[:macHexLen]
}

func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// SubjectTags returns the request numbers tagged in a subject as
// "[R-000123]" for prefix "R-": "R-000123", as written but with the prefix
// upper-cased, each once. Anybody can type a tag, so the engine accepts one
// only from the request's contact or known participants.
func SubjectTags(subject, prefix string) []string {
	if prefix == "" {
		return nil
	}
	re, err := regexp.Compile(`(?i)\[\s*` + regexp.QuoteMeta(prefix) + `\s*(\d{1,12})\s*\]`)
	if err != nil {
		return nil
	}
	var tags []string
	seen := map[string]bool{}
	for _, m := range re.FindAllStringSubmatch(subject, 20) {
		tag := strings.ToUpper(prefix) + m[1]
		if !seen[tag] {
			seen[tag] = true
			tags = append(tags, tag)
		}
	}
	return tags
}
