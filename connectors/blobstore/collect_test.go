package blobstore

import (
	"context"
	"errors"
	"testing"
	"time"
)

// testCollectNow deletes the named blobs nobody refers to and that are old
// enough, and leaves the rest, the blobs it was not asked about included.
func testCollectNow(t *testing.T, f fixture) {
	referenced := put(t, f.store, []byte("still referenced"), "a").SHA256
	erased := put(t, f.store, []byte("the erased person's file"), "b").SHA256
	fresh := put(t, f.store, []byte("put again a moment ago"), "c").SHA256
	other := put(t, f.store, []byte("unreferenced, not named"), "d").SHA256
	absent := hashOf([]byte("never stored"))
	for _, sha := range []string{referenced, erased, other} {
		f.backdate(t, sha, 2*time.Hour)
	}
	n, err := CollectNow(context.Background(), f.store, []string{referenced, erased, fresh, absent},
		func(sha string) (bool, error) { return sha == referenced, nil }, time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("CollectNow = %d, %v; want 1 deleted", n, err)
	}
	if _, err := f.store.Open(context.Background(), erased); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the erased file survived: %v", err)
	}
	for _, sha := range []string{referenced, fresh, other} {
		read(t, f.store, sha)
	}
	stop := errors.New("no database")
	if _, err := CollectNow(context.Background(), f.store, []string{other}, func(string) (bool, error) { return false, stop }, time.Hour); !errors.Is(err, stop) {
		t.Fatalf("CollectNow did not return referenced's error: %v", err)
	}
}
