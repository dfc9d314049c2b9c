// Package hubtest holds test doubles shared by the hub's test packages. It
// is imported by tests only.
package hubtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"sync"

	"rapport/hub/api"
	"rapport/model"
)

// MemBlobs is an in-memory blob store: the real one lives in connectors
// and is exercised by cmd/rapport's end-to-end tests.
type MemBlobs struct {
	mu sync.Mutex
	m  map[string][]byte
}

// NewMemBlobs returns an empty store.
func NewMemBlobs() *MemBlobs { return &MemBlobs{m: map[string][]byte{}} }

// Put implements api.Blobs.
func (b *MemBlobs) Put(_ context.Context, r io.Reader, _ string, max int64) (api.BlobInfo, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return api.BlobInfo{}, err
	}
	if int64(len(data)) > max {
		return api.BlobInfo{}, model.Errorf(model.ETOOLARGE, "too large")
	}
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	b.mu.Lock()
	b.m[h] = data
	b.mu.Unlock()
	return api.BlobInfo{SHA256: h, Size: int64(len(data)), ContentType: http.DetectContentType(data)}, nil
}

// Open implements api.Blobs.
func (b *MemBlobs) Open(_ context.Context, h string) (io.ReadCloser, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	d, ok := b.m[h]
	if !ok {
		return nil, model.Errorf(model.ENOTFOUND, "no blob")
	}
	return io.NopCloser(bytes.NewReader(d)), nil
}
