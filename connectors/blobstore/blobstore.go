package blobstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"rapport/model"
)

// Info describes a stored blob.
type Info struct {
	SHA256      string // lower-case hex digest of the content: the blob's address
	Size        int64  // bytes
	ContentType string // sniffed from the content, refined by the file name's extension
}

// Store is what the rest of Rapport uses to keep files. Blobs are immutable and
// addressed by content, so every method is safe for concurrent use and putting
// the same content twice stores it once.
//
// Age is part of the interface (rather than an optional one) because Collect
// cannot be safe without it: a blob must be spared for a while after it was
// put, until the transaction that references it has committed.
type Store interface {
	// Put streams r into the store, refusing more than maxBytes with an error
	// wrapping ErrTooLarge and leaving nothing behind; filename is only a hint
	// for the content type. Putting content already stored returns the same
	// Info and restarts the blob's age.
	Put(ctx context.Context, r io.Reader, filename string, maxBytes int64) (Info, error)
	// Open returns the content; ErrNotFound if absent or if sha256 is not 64
	// lower-case hex digits.
	Open(ctx context.Context, sha256 string) (io.ReadCloser, error)
	// Delete removes a blob; no error if absent, ErrNotFound for a malformed hash.
	Delete(ctx context.Context, sha256 string) error
	// List calls fn for every stored hash, stopping at fn's first error. fn
	// may delete blobs.
	List(ctx context.Context, fn func(sha256 string) error) error
	// Age reports how long ago the blob was last put; ErrNotFound if absent.
	Age(ctx context.Context, sha256 string) (time.Duration, error)
}

// ErrTooLarge is wrapped by Put when the content exceeds its limit.
var ErrTooLarge error = model.Errorf(model.ETOOLARGE, "file too large")

// ErrNotFound is wrapped when a blob is absent or its hash malformed.
var ErrNotFound error = model.Errorf(model.ENOTFOUND, "file not found")

// olderDeleter is implemented by stores that can delete a blob only if it is
// still at least minAge old, atomically with respect to Put. Collect prefers
// it so that a Put racing the collector cannot lose its blob.
type olderDeleter interface {
	deleteOlder(ctx context.Context, sha string, minAge time.Duration) (bool, error)
}

// Collect deletes the blobs that referenced reports as unreferenced and that
// are at least minAge old, and returns how many it deleted. minAge must exceed
// the longest time between a Put and the commit of the transaction that
// references the blob (and, for DB, the clock skew between hubs).
func Collect(ctx context.Context, s Store, referenced func(sha string) (bool, error), minAge time.Duration) (int, error) {
	deleted := 0
	err := s.List(ctx, func(sha string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		gone, err := collectOne(ctx, s, sha, referenced, minAge)
		if gone {
			deleted++
		}
		return err
	})
	return deleted, err
}

func collectOne(ctx context.Context, s Store, sha string, referenced func(string) (bool, error), minAge time.Duration) (bool, error) {
	if old, err := isOld(ctx, s, sha, minAge); err != nil || !old {
		return false, err
	}
	used, err := referenced(sha)
	if err != nil {
		return false, fmt.Errorf("blobstore: collect: is %s referenced: %w", sha, err)
	}
	if used {
		return false, nil
	}
	if d, ok := s.(olderDeleter); ok {
		return d.deleteOlder(ctx, sha, minAge)
	}
	return true, s.Delete(ctx, sha)
}

// isOld reports whether sha is still stored and at least minAge old.
func isOld(ctx context.Context, s Store, sha string, minAge time.Duration) (bool, error) {
	age, err := s.Age(ctx, sha)
	switch {
	case errors.Is(err, ErrNotFound):
		return false, nil // deleted since List saw it
	case err != nil:
		return false, err
	}
	return age >= minAge, nil
}

// ingest copies r to w, hashing and sniffing on the way, and fails with
// ErrTooLarge once more than maxBytes have arrived.
func ingest(ctx context.Context, w io.Writer, r io.Reader, filename string, maxBytes int64) (Info, error) {
	if maxBytes < 0 {
		return Info{}, fmt.Errorf("blobstore: negative size limit %d", maxBytes)
	}
	limit := maxBytes
	if limit < math.MaxInt64 {
		limit++ // read one byte past the limit to tell "exactly max" from "more"
	}
	h := sha256.New()
	head := &headWriter{}
	n, err := io.Copy(io.MultiWriter(w, h, head), io.LimitReader(ctxReader{ctx, r}, limit))
	if err != nil {
		return Info{}, fmt.Errorf("blobstore: storing content: %w", err)
	}
	if n > maxBytes {
		return Info{}, fmt.Errorf("blobstore: %w: more than %d bytes", ErrTooLarge, maxBytes)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	return Info{SHA256: sum, Size: n, ContentType: sniff(head.b, filename)}, nil
}

// headWriter keeps the first sniffLen bytes written to it.
type headWriter struct{ b []byte }

func (h *headWriter) Write(p []byte) (int, error) {
	if room := sniffLen - len(h.b); room > 0 {
		h.b = append(h.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// ctxReader stops a long copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// validHash reports whether s is a SHA-256 in lower-case hex. Checking it
// before building a path or query means a crafted value can never name
// anything outside the store.
func validHash(s string) bool { return len(s) == 2*sha256.Size && isLowerHex(s) }

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// checkHash returns ErrNotFound, wrapped with the operation, for a malformed hash.
func checkHash(op, sha string) error {
	if validHash(sha) {
		return nil
	}
	return fmt.Errorf("blobstore: %s: malformed hash: %w", op, ErrNotFound)
}
