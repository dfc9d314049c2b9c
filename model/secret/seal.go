package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// KeySize is the length of the server key and of the keys derived from it.
const KeySize = 32

// sealVersion is the first byte of every sealed value: AES-256-GCM under the
// key derived for "seal v1", a 12-byte random nonce, then the ciphertext
// with its tag. A later format (a rotated key, another cipher) takes the
// next byte, so old values stay readable.
const sealVersion byte = 1

// ErrSealed is returned by Open for a value that is not sealed in a known
// format, was sealed under another key, or was altered.
var ErrSealed = errors.New("secret: cannot open the sealed value (wrong server key, or damaged)")

// DeriveKey returns a key for one purpose ("seal v1", "message-id") from the
// server key: HMAC-SHA256(master, purpose). One server key then serves
// several uses without any of them revealing another's key.
func DeriveKey(master []byte, purpose string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// Box seals and opens secrets the server must read back (IMAP and SMTP
// passwords, OAuth2 refresh tokens) with AES-256-GCM under a key derived
// from the server key. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
}

// NewBox returns a Box for a server key of KeySize bytes.
func NewBox(serverKey []byte) (*Box, error) {
	if len(serverKey) != KeySize {
		return nil, fmt.Errorf("secret: the server key must be %d bytes, not %d", KeySize, len(serverKey))
	}
	block, err := aes.NewCipher(DeriveKey(serverKey, "seal v1"))
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext. context names where the value belongs
// ("mailbox/{id}/password") and must be given again to Open, so a sealed
// value copied into another record or field does not open there.
func (b *Box) Seal(plaintext []byte, context string) ([]byte, error) {
	n := b.aead.NonceSize()
	out := make([]byte, 1+n, 1+n+len(plaintext)+b.aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return b.aead.Seal(out, out[1:], plaintext, []byte(context)), nil
}

// Open decrypts a value made by Seal with the same context; ErrSealed when
// it cannot.
func (b *Box) Open(sealed []byte, context string) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < 1+n+b.aead.Overhead() || sealed[0] != sealVersion {
		return nil, ErrSealed
	}
	plain, err := b.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(context))
	if err != nil {
		return nil, ErrSealed
	}
	return plain, nil
}
