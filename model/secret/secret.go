// Package secret hashes and checks passwords (argon2id), makes and hashes
// high-entropy credentials (API tokens, app passwords, session ids), and
// seals the secrets the server must read back, such as mailbox passwords
// (AES-256-GCM under a key derived from the server key, Box). It is pure
// computation plus crypto/rand; it imports nothing else from this repository.
package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters (OWASP's minimum: 19 MiB, 2 passes, 1 lane).
type Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// DefaultParams are used for new password hashes.
var DefaultParams = Params{MemoryKiB: 19 * 1024, Time: 2, Threads: 1}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// ErrMismatch is returned when a password does not match its hash.
var ErrMismatch = errors.New("secret: password does not match")

// HashPassword returns a PHC-format argon2id hash of password.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	p := DefaultParams
	key := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword compares password with a hash made by HashPassword in
// constant time; it returns ErrMismatch or a format error.
func CheckPassword(hash, password string) error {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return fmt.Errorf("secret: not an argon2id hash")
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return fmt.Errorf("secret: bad parameters: %w", err)
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return fmt.Errorf("secret: bad hash encoding")
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}

// CheckStrength returns why a new password is too weak, or "".
func CheckStrength(password string) string {
	if len([]rune(password)) < MinPasswordLength {
		return fmt.Sprintf("use at least %d characters", MinPasswordLength)
	}
	return ""
}

// NewToken returns a random credential: prefix followed by 32 random bytes in
// base64url (256 bits), e.g. "rpt_…" for API tokens.
func NewToken(prefix string) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("secret: crypto/rand failed: " + err.Error()) // the OS RNG never fails on supported systems
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// NewAppPassword returns a high-entropy password that is easy to type on a
// phone: 5 groups of 5 lower-case letters and digits (~129 bits).
func NewAppPassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	b := make([]byte, 25)
	if _, err := rand.Read(b); err != nil {
		panic("secret: crypto/rand failed: " + err.Error())
	}
	var sb strings.Builder
	for i, x := range b {
		if i > 0 && i%5 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(alphabet[int(x)%len(alphabet)])
	}
	return sb.String()
}

// Digest returns the hex SHA-256 of a high-entropy credential, which is how
// tokens and app passwords are stored (a slow hash adds nothing at 128+ bits).
func Digest(credential string) string {
	h := sha256.Sum256([]byte(credential))
	return hex.EncodeToString(h[:])
}
