package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"rapport/model/secret"
)

// secretKeyFile is the server key's file in the data directory.
const secretKeyFile = "secret.key"

// secretKeyEnv holds the server key when it is not kept in the data
// directory: hubs sharing one PostgreSQL database must all have the same
// key, or none could open what another sealed.
const secretKeyEnv = "RAPPORT_SECRET_KEY"

// secretBox returns the box that seals mailbox passwords with the server key.
func (g *globals) secretBox() (*secret.Box, error) {
	key, err := serverKey(os.Getenv(secretKeyEnv), filepath.Join(g.data, secretKeyFile))
	if err != nil {
		return nil, err
	}
	return secret.NewBox(key)
}

// serverKey returns the server key of 32 bytes: fromEnv (base64 or hex)
// when set, else the key file at path, made on first use with a random key
// that only the owner may read. Losing the key loses every sealed secret
// (mailbox passwords must then be set again); back it up with the database.
func serverKey(fromEnv, path string) ([]byte, error) {
	if fromEnv != "" {
		key, err := decodeKey(fromEnv)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", secretKeyEnv, err)
		}
		return key, nil
	}
	key, err := readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if key, err = createKeyFile(path); errors.Is(err, fs.ErrExist) {
			key, err = readKeyFile(path) // another process made it first
		}
	}
	return key, err
}

// decodeKey reads a key written as base64 (standard or URL alphabet, with
// or without padding) or as 64 hex digits.
func decodeKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if key, err := hex.DecodeString(s); err == nil && len(key) == secret.KeySize {
		return key, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(s); err == nil && len(key) == secret.KeySize {
			return key, nil
		}
	}
	return nil, fmt.Errorf("the server key must be %d bytes in base64 or hex (make one with: head -c 32 /dev/urandom | base64)", secret.KeySize)
}

// readKeyFile reads the key file, refusing one that others may read.
func readKeyFile(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s may be read by others (mode %s): chmod 600 it", path, info.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := decodeKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

// createKeyFile writes a new random key to path, failing with
// fs.ErrExist when the file is there already.
func createKeyFile(path string) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	key := make([]byte, secret.KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	_, err = f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path) // a half-written key must not be read as the key
		return nil, err
	}
	return key, nil
}
