package blobstore

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"rapport/model"
)

// fixture is one empty store under test and a way to make its blobs look old.
type fixture struct {
	store    Store
	backdate func(t *testing.T, sha string, by time.Duration)
}

// runSuite runs the behaviour every Store must share, each test on a fresh
// fixture.
func runSuite(t *testing.T, open func(t *testing.T) fixture) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f fixture)
	}{
		{"PutOpen", testPutOpen},
		{"Empty", testEmpty},
		{"Dedupe", testDedupe},
		{"TooLarge", testTooLarge},
		{"Canceled", testCanceled},
		{"InvalidHash", testInvalidHash},
		{"Concurrent", testConcurrentSameContent},
		{"ContentType", testContentType},
		{"ListDelete", testListDelete},
		{"Collect", testCollect},
		{"CollectFallback", testCollectFallback},
		{"CollectNow", testCollectNow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func hashOf(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func put(t *testing.T, s Store, content []byte, name string) Info {
	t.Helper()
	info, err := s.Put(context.Background(), bytes.NewReader(content), name, 10<<20)
	if err != nil {
		t.Fatalf("Put(%s): %v", name, err)
	}
	return info
}

func read(t *testing.T, s Store, sha string) []byte {
	t.Helper()
	rc, err := s.Open(context.Background(), sha)
	if err != nil {
		t.Fatalf("Open(%s): %v", sha, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading %s: %v", sha, err)
	}
	return b
}

func list(t *testing.T, s Store) []string {
	t.Helper()
	var got []string
	if err := s.List(context.Background(), func(sha string) error { got = append(got, sha); return nil }); err != nil {
		t.Fatalf("List: %v", err)
	}
	return got
}

func testPutOpen(t *testing.T, f fixture) {
	content := randomBytes(3<<20+17, 1) // several copy buffers, odd size
	info := put(t, f.store, content, "scan.bin")
	want := Info{SHA256: hashOf(content), Size: int64(len(content)), ContentType: "application/octet-stream"}
	if info != want {
		t.Fatalf("Put = %+v, want %+v", info, want)
	}
	if got := read(t, f.store, info.SHA256); !bytes.Equal(got, content) {
		t.Fatalf("Open returned %d bytes differing from the %d put", len(got), len(content))
	}
}

func testEmpty(t *testing.T, f fixture) {
	info := put(t, f.store, nil, "empty.txt")
	if info.Size != 0 || info.SHA256 != hashOf(nil) {
		t.Fatalf("Put(empty) = %+v", info)
	}
	if got := read(t, f.store, info.SHA256); len(got) != 0 {
		t.Fatalf("Open(empty) returned %d bytes", len(got))
	}
}

func testDedupe(t *testing.T, f fixture) {
	content := []byte("the same letter, attached twice\n")
	a := put(t, f.store, content, "a.txt")
	b := put(t, f.store, content, "b.txt")
	if a != b {
		t.Fatalf("second Put = %+v, first %+v", b, a)
	}
	if got := list(t, f.store); len(got) != 1 || got[0] != a.SHA256 {
		t.Fatalf("List = %v, want just %s", got, a.SHA256)
	}
}

func testTooLarge(t *testing.T, f fixture) {
	content := randomBytes(100_001, 2)
	_, err := f.store.Put(context.Background(), bytes.NewReader(content), "big.bin", 100_000)
	if !errors.Is(err, ErrTooLarge) || model.ErrorCode(err) != model.ETOOLARGE {
		t.Fatalf("Put over the limit: err = %v, want ErrTooLarge", err)
	}
	if got := list(t, f.store); len(got) != 0 {
		t.Fatalf("List after refused Put = %v, want nothing", got)
	}
	if info := put(t, f.store, content[:100_000], "fits.bin"); info.Size != 100_000 {
		t.Fatalf("Put at exactly the limit = %+v", info)
	}
	if _, err := f.store.Put(context.Background(), bytes.NewReader(nil), "x", -1); err == nil {
		t.Fatal("Put with a negative limit succeeded")
	}
}

func testCanceled(t *testing.T, f fixture) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.store.Put(ctx, strings.NewReader("late"), "x.txt", 100); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put with a canceled context: err = %v", err)
	}
	if got := list(t, f.store); len(got) != 0 {
		t.Fatalf("List after canceled Put = %v", got)
	}
}

func testInvalidHash(t *testing.T, f fixture) {
	ctx := context.Background()
	stored := put(t, f.store, []byte("secret"), "s.txt").SHA256
	bad := []string{
		"../../etc/passwd",
		"../../../../../../../../../../../../../../../../../../../etc/passwd", // 64 bytes with dots
		strings.ToUpper(stored),
		stored[:63],
		stored + "0",
		"",
		hashOf([]byte("never stored")),
	}
	for _, sha := range bad {
		if _, err := f.store.Open(ctx, sha); !errors.Is(err, ErrNotFound) || model.ErrorCode(err) != model.ENOTFOUND {
			t.Errorf("Open(%q): err = %v, want ErrNotFound", sha, err)
		}
		if _, err := f.store.Age(ctx, sha); !errors.Is(err, ErrNotFound) {
			t.Errorf("Age(%q): err = %v, want ErrNotFound", sha, err)
		}
	}
	for _, sha := range bad[:len(bad)-1] {
		if err := f.store.Delete(ctx, sha); !errors.Is(err, ErrNotFound) {
			t.Errorf("Delete(%q): err = %v, want ErrNotFound", sha, err)
		}
	}
	if err := f.store.Delete(ctx, bad[len(bad)-1]); err != nil {
		t.Errorf("Delete(absent) = %v, want nil", err)
	}
	if got := read(t, f.store, stored); string(got) != "secret" {
		t.Fatalf("stored blob changed: %q", got)
	}
}

func testConcurrentSameContent(t *testing.T, f fixture) {
	content := randomBytes(2<<20+5, 3) // chunked in the database store
	const n = 16
	infos := make([]Info, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			infos[i], errs[i] = f.store.Put(context.Background(), bytes.NewReader(content), "same.bin", 4<<20)
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || infos[i] != infos[0] {
			t.Fatalf("Put #%d = %+v, %v; #0 = %+v", i, infos[i], errs[i], infos[0])
		}
	}
	if got := list(t, f.store); len(got) != 1 {
		t.Fatalf("List = %v, want one blob", got)
	}
	if !bytes.Equal(read(t, f.store, infos[0].SHA256), content) {
		t.Fatal("content differs after concurrent puts")
	}
}

// docxLike returns a zip shaped like a Word document.
func docxLike(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "word/document.xml"} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, `<?xml version="1.0"?><x/>`)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func testContentType(t *testing.T, f fixture) {
	docx := docxLike(t)
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), randomBytes(64, 4)...)
	tests := []struct {
		content  []byte
		filename string
		want     string
	}{
		{png, "photo.png", "image/png"},
		{png, "photo.docx", "image/png"}, // a name never overrides a specific sniff
		{[]byte("%PDF-1.7\n1 0 obj\n"), "offer.pdf", "application/pdf"},
		{append([]byte{0, 1, 2}, "%PDF-1.4"...), "SCAN.PDF", "application/pdf"},
		{docx, "letter.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{docx, "Letter.ODT", "application/vnd.oasis.opendocument.text"},
		{docx, "archive.zip", "application/zip"},
		{docx, "calendar.ics", "application/zip"},
		{[]byte("Dear Anna,\nthank you.\n"), "note.txt", "text/plain; charset=utf-8"},
		{[]byte("Dear Anna,\nthank you.\n"), "note.docx", "text/plain; charset=utf-8"},
		{[]byte("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Anna Petrova\r\nEND:VCARD\r\n"), "anna.vcf", "text/vcard; charset=utf-8"},
		{[]byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"), "visit.ics", "text/calendar; charset=utf-8"},
		{[]byte("name,city\nAnna,Riga\n"), "contacts.csv", "text/csv; charset=utf-8"},
		{[]byte("<html><body>hi</body></html>"), "card.vcf", "text/html; charset=utf-8"},
	}
	for _, tc := range tests {
		// One byte at a time, so the sniffed head is assembled from many writes.
		r := iotest.OneByteReader(bytes.NewReader(tc.content))
		info, err := f.store.Put(context.Background(), r, tc.filename, 1<<20)
		if err != nil || info.ContentType != tc.want {
			t.Errorf("Put(%s) = %q, %v; want %q", tc.filename, info.ContentType, err, tc.want)
		}
	}
}

func testListDelete(t *testing.T, f fixture) {
	ctx := context.Background()
	want := map[string]bool{}
	for i := range 7 {
		want[put(t, f.store, randomBytes(100, uint64(10+i)), "x").SHA256] = true
	}
	got := list(t, f.store)
	if len(got) != len(want) {
		t.Fatalf("List gave %d hashes, want %d", len(got), len(want))
	}
	for _, sha := range got {
		if !want[sha] {
			t.Fatalf("List gave unknown hash %s", sha)
		}
		if err := f.store.Delete(ctx, sha); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	}
	if got := list(t, f.store); len(got) != 0 {
		t.Fatalf("List after deleting all = %v", got)
	}
	stop := errors.New("stop")
	put(t, f.store, []byte("one"), "x")
	if err := f.store.List(ctx, func(string) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("List did not return fn's error: %v", err)
	}
}

// collectCase puts kept, gone and fresh blobs and a re-put old one, then
// collects through s (which may hide the store's own conditional delete).
func collectCase(t *testing.T, f fixture, s Store) {
	referenced := put(t, f.store, []byte("referenced and old"), "a").SHA256
	old := put(t, f.store, []byte("unreferenced and old"), "b").SHA256
	fresh := put(t, f.store, []byte("unreferenced and fresh"), "c").SHA256
	reput := put(t, f.store, []byte("old, but put again"), "d").SHA256
	for _, sha := range []string{referenced, old, reput} {
		f.backdate(t, sha, 2*time.Hour)
	}
	put(t, f.store, []byte("old, but put again"), "d")
	if age, err := f.store.Age(context.Background(), reput); err != nil || age > time.Minute {
		t.Fatalf("Age after a second Put = %v, %v; want fresh", age, err)
	}

	n, err := Collect(context.Background(), s, func(sha string) (bool, error) { return sha == referenced, nil }, time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("Collect = %d, %v; want 1 deleted", n, err)
	}
	if _, err := f.store.Open(context.Background(), old); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unreferenced old blob survived: %v", err)
	}
	for _, sha := range []string{referenced, fresh, reput} {
		read(t, f.store, sha)
	}
}

func testCollect(t *testing.T, f fixture) { collectCase(t, f, f.store) }

// testCollectFallback collects through a Store without deleteOlder.
func testCollectFallback(t *testing.T, f fixture) { collectCase(t, f, struct{ Store }{f.store}) }
