package blobstore

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func newLocal(t testing.TB) *Local {
	t.Helper()
	l, err := NewLocal(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestLocal(t *testing.T) {
	runSuite(t, func(t *testing.T) fixture {
		l := newLocal(t)
		t.Cleanup(func() { assertNoTemps(t, l) })
		return fixture{store: l, backdate: func(t *testing.T, sha string, by time.Duration) {
			past := time.Now().Add(-by)
			if err := os.Chtimes(l.path(sha), past, past); err != nil {
				t.Fatal(err)
			}
		}}
	})
}

// assertNoTemps checks that every Put, refused or not, cleaned up after itself.
func assertNoTemps(t *testing.T, l *Local) {
	t.Helper()
	entries, err := os.ReadDir(l.tmpDir())
	if err != nil || len(entries) != 0 {
		t.Errorf("tmp holds %d entries (%v), want none", len(entries), err)
	}
}

func TestLocalLayout(t *testing.T) {
	l := newLocal(t)
	info := put(t, l, []byte("hello"), "hello.txt")
	fi, err := os.Stat(filepath.Join(l.dir, info.SHA256[:2], info.SHA256[2:4], info.SHA256))
	if err != nil {
		t.Fatalf("blob not at dir/ab/cd/<sha256>: %v", err)
	}
	if perm := fi.Mode().Perm(); perm&0o007 != 0 {
		t.Errorf("blob mode %v is world-accessible", perm)
	}
	if fi, err := os.Stat(l.dir); err != nil || fi.Mode().Perm()&0o007 != 0 {
		t.Errorf("store dir mode: %v, %v", fi, err)
	}
}

func TestLocalRemovesStaleTemps(t *testing.T) {
	l := newLocal(t)
	stale := filepath.Join(l.tmpDir(), "put-stale")
	recent := filepath.Join(l.tmpDir(), "put-recent")
	for _, p := range []string{stale, recent} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-2 * staleTemp)
	if err := os.Chtimes(stale, past, past); err != nil {
		t.Fatal(err)
	}
	if _, err := NewLocal(l.dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temp survived: %v", err)
	}
	if _, err := os.Stat(recent); err != nil {
		t.Errorf("recent temp (maybe a Put in progress) removed: %v", err)
	}
}

func TestLocalListSkipsStrangers(t *testing.T) {
	l := newLocal(t)
	info := put(t, l, []byte("real"), "r.txt")
	for _, p := range []string{"README", "zz/readme", "ab/cd/not-a-hash"} {
		p = filepath.Join(l.dir, p)
		os.MkdirAll(filepath.Dir(p), 0o750)
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if got := list(t, l); len(got) != 1 || got[0] != info.SHA256 {
		t.Fatalf("List = %v, want only %s", got, info.SHA256)
	}
}

func TestCollectReferencedError(t *testing.T) {
	l := newLocal(t)
	sha := put(t, l, []byte("x"), "x").SHA256
	boom := errors.New("database down")
	n, err := Collect(context.Background(), l, func(string) (bool, error) { return false, boom }, 0)
	if n != 0 || !errors.Is(err, boom) {
		t.Fatalf("Collect = %d, %v; want 0 and the lookup error", n, err)
	}
	read(t, l, sha)
}

// BenchmarkLocalPut measures storing a new 1 MiB blob (hash, write, fsync,
// rename) and putting one already stored.
func BenchmarkLocalPut(b *testing.B) {
	content := randomBytes(1<<20, 42)
	b.Run("new", func(b *testing.B) {
		l := newLocal(b)
		b.SetBytes(int64(len(content)))
		for i := 0; b.Loop(); i++ {
			content[0], content[1], content[2], content[3] = byte(i), byte(i>>8), byte(i>>16), byte(i>>24)
			benchPut(b, l, content)
		}
	})
	b.Run("duplicate", func(b *testing.B) {
		l := newLocal(b)
		benchPut(b, l, content)
		b.SetBytes(int64(len(content)))
		for b.Loop() {
			benchPut(b, l, content)
		}
	})
}

func benchPut(b *testing.B, l *Local, content []byte) {
	if _, err := l.Put(context.Background(), bytes.NewReader(content), "blob.bin", 2<<20); err != nil {
		b.Fatal(err)
	}
}
