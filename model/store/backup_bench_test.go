package store_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"rapport/model/store"
	"rapport/model/storetest"
)

// benchArchive backs up the 100,000-contact store into a file and returns
// its path, reporting time, size and peak heap.
func benchArchive(b *testing.B, s *store.Store) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "backup.tar.gz")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, err := s.Backup(context.Background(), f, store.BackupOptions{Blobs: newMemBlobs(), Compress: true}); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkBackup100k backs up 100,000 contacts (with their search keys and
// feed rows) into a gzipped archive file.
func BenchmarkBackup100k(b *testing.B) {
	eachEngine(b, func(b *testing.B, engine string) {
		s := seededStore(b, engine)
		var peak uint64
		stop := sampleHeap(&peak)
		var path string
		for b.Loop() {
			path = benchArchive(b, s)
		}
		stop()
		fi, _ := os.Stat(path)
		b.ReportMetric(float64(fi.Size())/(1<<20), "archive-MiB")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	})
}

// BenchmarkRestore100k restores that archive into an empty database on the
// same engine, verification included.
func BenchmarkRestore100k(b *testing.B) {
	eachEngine(b, func(b *testing.B, engine string) {
		path := benchArchive(b, seededStore(b, engine))
		var peak uint64
		stop := sampleHeap(&peak)
		for b.Loop() {
			b.StopTimer()
			dst := emptyStore(b, engine)
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if _, err := dst.Restore(context.Background(), f, store.RestoreOptions{Blobs: newMemBlobs()}); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
		stop()
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	})
}

// BenchmarkCopySQLiteToPostgres100k streams a backup of the SQLite store
// straight into a restore on PostgreSQL, as rapport copy does.
func BenchmarkCopySQLiteToPostgres100k(b *testing.B) {
	if len(storetest.Engines()) < 2 {
		b.Fatal("RAPPORT_TEST_POSTGRES is not set")
	}
	src := seededStore(b, "sqlite")
	var peak uint64
	stop := sampleHeap(&peak)
	for b.Loop() {
		b.StopTimer()
		dst := emptyStore(b, "postgres")
		b.StartTimer()
		pr, pw := io.Pipe()
		go func() {
			_, err := src.Backup(context.Background(), pw, store.BackupOptions{Blobs: newMemBlobs()})
			pw.CloseWithError(err)
		}()
		if _, err := dst.Restore(context.Background(), pr, store.RestoreOptions{Blobs: newMemBlobs()}); err != nil {
			b.Fatal(err)
		}
	}
	stop()
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}
