package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"rapport/model"
)

// SecretPrefix starts every signing secret, as in Standard Webhooks and Svix.
const SecretPrefix = "whsec_"

// Secret sizes in bytes before base64: Standard Webhooks asks for 24 to 64.
const (
	// MinSecretBytes is the shortest HMAC key ParseSecret accepts.
	MinSecretBytes = 24
	// MaxSecretBytes is the longest HMAC key ParseSecret accepts.
	MaxSecretBytes = 64
	newSecretBytes = 32
)

// Header names and values of a signed delivery.
const (
	// HeaderID carries the message id, the same on every attempt.
	HeaderID = "webhook-id"
	// HeaderTimestamp carries the attempt's Unix time in seconds.
	HeaderTimestamp = "webhook-timestamp"
	// HeaderSignature carries the space-separated "v1,<base64>" signatures.
	HeaderSignature = "webhook-signature"
	// UserAgent identifies Rapport's deliveries.
	UserAgent = "Rapport-Webhooks/1"
)

// NewSecret returns a fresh signing secret: "whsec_" and the standard base64
// of 32 random bytes.
func NewSecret() string {
	var b [newSecretBytes]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it crashes the program instead)
	return SecretPrefix + base64.StdEncoding.EncodeToString(b[:])
}

// ParseSecret decodes a "whsec_<base64>" secret into the HMAC key. The key
// must be 24 to 64 bytes long; anything else is a *model.Error with EINVALID
// (the message never repeats the secret).
func ParseSecret(s string) ([]byte, error) {
	enc, ok := strings.CutPrefix(s, SecretPrefix)
	if !ok {
		return nil, model.Errorf(model.EINVALID, "webhook secret must start with %q", SecretPrefix)
	}
	if len(enc) > base64.StdEncoding.EncodedLen(MaxSecretBytes) {
		return nil, model.Errorf(model.EINVALID, "webhook secret is longer than %d bytes", MaxSecretBytes)
	}
	// The decoder skips CR and LF; a secret containing them is not of the form.
	key, err := base64.StdEncoding.Strict().DecodeString(enc)
	if err != nil || strings.ContainsAny(enc, "\r\n") {
		return nil, model.Errorf(model.EINVALID, "webhook secret is not valid base64 after %q", SecretPrefix)
	}
	if len(key) < MinSecretBytes || len(key) > MaxSecretBytes {
		return nil, model.Errorf(model.EINVALID, "webhook secret must encode %d to %d bytes, not %d", MinSecretBytes, MaxSecretBytes, len(key))
	}
	return key, nil
}

// Sign returns the webhook-signature header value for one attempt:
// "v1,<base64 HMAC-SHA256 of msgID.unix-seconds.body>" for each secret,
// separated by spaces, so that a receiver holding either the old or the new
// secret accepts the message while a secret is being rotated.
func Sign(secrets [][]byte, msgID string, ts time.Time, body []byte) string {
	var prefix []byte
	prefix = append(prefix, msgID...)
	prefix = append(prefix, '.')
	prefix = strconv.AppendInt(prefix, ts.Unix(), 10)
	prefix = append(prefix, '.')

	var sb strings.Builder
	sb.Grow(len(secrets) * 48)
	var sum [sha256.Size]byte
	for i, key := range secrets {
		m := hmac.New(sha256.New, key)
		m.Write(prefix)
		m.Write(body)
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString("v1,")
		sb.WriteString(base64.StdEncoding.EncodeToString(m.Sum(sum[:0])))
	}
	return sb.String()
}

// Headers returns the headers of a signed delivery: webhook-id,
// webhook-timestamp (Unix seconds), webhook-signature, Content-Type
// application/json and User-Agent Rapport-Webhooks/1.
func Headers(msgID string, ts time.Time, sig string) http.Header {
	h := make(http.Header, 5)
	h.Set(HeaderID, msgID)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, sig)
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", UserAgent)
	return h
}
