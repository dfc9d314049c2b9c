package blobstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// staleTemp is how old a temp file must be before NewLocal takes it for the
// leftover of a crash; no Put takes that long.
const staleTemp = 24 * time.Hour

// Local is a Store in a directory: each blob is the file dir/ab/cd/<sha256>
// (ab and cd being the hash's first two byte pairs) and its mtime is when it
// was last put. Content streams through a temp file in dir/tmp, so Put never
// holds a blob in memory and a crash never leaves a partial blob in place.
type Local struct {
	dir string
	// mu makes publishing a blob and Collect's conditional delete atomic
	// with respect to each other, so a blob refreshed by a Put is never
	// removed as old. It is not held while content is copied or synced.
	mu sync.Mutex
}

var _ Store = (*Local)(nil)

// NewLocal returns a Store in dir, creating it (mode 0750) if needed and
// removing temp files left more than a day ago by an interrupted Put.
func NewLocal(dir string) (*Local, error) {
	l := &Local{dir: dir}
	if err := os.MkdirAll(l.tmpDir(), 0o750); err != nil {
		return nil, fmt.Errorf("blobstore: %w", err)
	}
	if err := l.removeStaleTemps(); err != nil {
		return nil, fmt.Errorf("blobstore: %w", err)
	}
	return l, nil
}

func (l *Local) tmpDir() string { return filepath.Join(l.dir, "tmp") }

// path is only called with a validated hash.
func (l *Local) path(sha string) string {
	return filepath.Join(l.dir, sha[0:2], sha[2:4], sha)
}

func (l *Local) removeStaleTemps() error {
	entries, err := os.ReadDir(l.tmpDir())
	if err != nil {
		return err
	}
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > staleTemp {
			_ = os.Remove(filepath.Join(l.tmpDir(), e.Name()))
		}
	}
	return nil
}

// Put implements Store. The content is hashed while written to a temp file,
// which is synced and renamed into place, or dropped if the blob exists.
func (l *Local) Put(ctx context.Context, r io.Reader, filename string, maxBytes int64) (Info, error) {
	tmp, err := os.CreateTemp(l.tmpDir(), "put-*")
	if err != nil {
		return Info{}, fmt.Errorf("blobstore: %w", err)
	}
	info, err := ingest(ctx, tmp, r, filename, maxBytes)
	if err == nil {
		err = l.publish(tmp, info.SHA256)
	}
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return Info{}, err
	}
	return info, nil
}

// publish moves the written temp file to the blob's place, unless the blob is
// already there: then it only restarts the blob's age.
func (l *Local) publish(tmp *os.File, sha string) error {
	dst := l.path(sha)
	if l.refresh(dst) {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil
	}
	if err := seal(tmp); err != nil {
		return fmt.Errorf("blobstore: %w", err)
	}
	if err := l.place(tmp.Name(), dst); err != nil {
		return fmt.Errorf("blobstore: %w", err)
	}
	return nil
}

// refresh sets an existing blob's mtime to now and reports whether it exists.
func (l *Local) refresh(path string) bool {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	return os.Chtimes(path, now, now) == nil
}

// seal makes the temp file readable by the group and durable before it is
// renamed, so a crash cannot leave a named blob with missing content.
func seal(f *os.File) error {
	if err := f.Chmod(0o640); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return f.Close()
}

func (l *Local) place(tmp, dst string) error {
	dir := filepath.Dir(dst)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Open implements Store; the file is streamed, not read into memory.
func (l *Local) Open(ctx context.Context, sha string) (io.ReadCloser, error) {
	if err := checkHash("open", sha); err != nil {
		return nil, err
	}
	f, err := os.Open(l.path(sha))
	if err != nil {
		return nil, notFound("open", sha, err)
	}
	return f, nil
}

// Delete implements Store.
func (l *Local) Delete(ctx context.Context, sha string) error {
	if err := checkHash("delete", sha); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := os.Remove(l.path(sha)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blobstore: delete %s: %w", sha, err)
	}
	return nil
}

// Age implements Store: the time since the file's mtime.
func (l *Local) Age(ctx context.Context, sha string) (time.Duration, error) {
	if err := checkHash("age", sha); err != nil {
		return 0, err
	}
	fi, err := os.Stat(l.path(sha))
	if err != nil {
		return 0, notFound("age", sha, err)
	}
	return time.Since(fi.ModTime()), nil
}

// deleteOlder implements olderDeleter.
func (l *Local) deleteOlder(ctx context.Context, sha string, minAge time.Duration) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	path := l.path(sha)
	fi, err := os.Stat(path)
	if err != nil || time.Since(fi.ModTime()) < minAge {
		return false, nil // gone already, or put again meanwhile
	}
	if err := os.Remove(path); err != nil {
		return false, fmt.Errorf("blobstore: delete %s: %w", sha, err)
	}
	return true, nil
}

// List implements Store. It reads each directory whole before calling fn, so
// fn may delete blobs.
func (l *Local) List(ctx context.Context, fn func(sha string) error) error {
	return l.list(ctx, l.dir, 0, fn)
}

// list walks the two levels of fan-out directories below dir (depth 0) and
// reports the blob files at depth 2, skipping anything else (such as tmp).
func (l *Local) list(ctx context.Context, dir string, depth int, fn func(string) error) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("blobstore: list: %w", err)
	}
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := e.Name()
		switch {
		case depth < 2 && e.IsDir() && len(name) == 2 && isLowerHex(name):
			err = l.list(ctx, filepath.Join(dir, name), depth+1, fn)
		case depth == 2 && e.Type().IsRegular() && validHash(name):
			err = fn(name)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// notFound maps a missing file to ErrNotFound and wraps other errors.
func notFound(op, sha string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blobstore: %s %s: %w", op, sha, ErrNotFound)
	}
	return fmt.Errorf("blobstore: %s %s: %w", op, sha, err)
}
