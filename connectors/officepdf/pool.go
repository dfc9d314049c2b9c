package officepdf

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Defaults for the zero values of Config.
const (
	DefaultSize    = 2
	DefaultTimeout = 60 * time.Second
)

// ErrNotInstalled is wrapped by New's error when no LibreOffice binary can
// be found: PDF output is then unavailable and callers say so.
var ErrNotInstalled = errors.New("officepdf: LibreOffice is not installed")

// ErrClosed is returned by ConvertPDF once Close has been called.
var ErrClosed = errors.New("officepdf: converter pool is closed")

// Config configures a Pool. The zero value finds soffice on PATH and runs
// DefaultSize converters with DefaultTimeout each.
type Config struct {
	// Binary is the LibreOffice program; empty finds soffice or
	// libreoffice on PATH.
	Binary string
	// Size is the number of converters, that is of conversions running at
	// once (default 2). Each costs one CPU while it runs and about 200 MB
	// of memory.
	Size int
	// Timeout bounds one conversion, queueing excluded (default 60s).
	Timeout time.Duration
	// WorkDir holds the converters' profiles and temp files (default
	// os.TempDir()/rapport-officepdf). It must be private to this user.
	WorkDir string
}

// Pool is a bounded set of LibreOffice converters. Each converter (slot)
// has its own profile and runs one soffice process at a time; callers
// beyond Size wait for a free slot. It is safe for concurrent use.
type Pool struct {
	binary  string
	timeout time.Duration
	dir     string   // this pool's directory under WorkDir
	lock    *os.File // flock held on dir/lock while the pool lives
	proxy   *blackHole
	idle    chan *slot

	ctx    context.Context // cancelled by Close: kills running conversions
	cancel context.CancelFunc

	mu      sync.Mutex // guards closed and the Add of running
	closed  bool
	running sync.WaitGroup
}

// slot is one converter: its directory holds its profile and is soffice's
// HOME.
type slot struct {
	dir     string
	profile profile
}

// New checks that LibreOffice is installed and prepares a pool of cfg.Size
// converters in a fresh directory under cfg.WorkDir, removing the
// directories of pools that are no longer running (a hub that crashed).
// Profiles are created by each converter's first conversion, so a hub that
// never converts pays nothing.
func New(cfg Config) (*Pool, error) {
	binary, err := findBinary(cfg.Binary)
	if err != nil {
		return nil, err
	}
	cfg = withDefaults(cfg)
	// soffice takes the profile as a file URL, which must be absolute.
	if cfg.WorkDir, err = filepath.Abs(cfg.WorkDir); err != nil {
		return nil, fmt.Errorf("officepdf: work directory: %w", err)
	}
	if err := privateDir(cfg.WorkDir); err != nil {
		return nil, err
	}
	removeStalePools(cfg.WorkDir)
	proxy, err := newBlackHole()
	if err != nil {
		return nil, err
	}
	dir, lock, err := lockedDir(cfg.WorkDir)
	if err != nil {
		proxy.close()
		return nil, err
	}
	p := &Pool{binary: binary, timeout: cfg.Timeout, dir: dir, lock: lock, proxy: proxy, idle: make(chan *slot, cfg.Size)}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	for i := range cfg.Size {
		s := filepath.Join(dir, "slot"+strconv.Itoa(i))
		p.idle <- &slot{dir: s, profile: profile{dir: filepath.Join(s, "profile")}}
	}
	return p, nil
}

// withDefaults fills in the zero values of cfg.
func withDefaults(cfg Config) Config {
	if cfg.Size <= 0 {
		cfg.Size = DefaultSize
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.WorkDir == "" {
		cfg.WorkDir = filepath.Join(os.TempDir(), "rapport-officepdf")
	}
	return cfg
}

// findBinary resolves the LibreOffice program: the configured one, else
// soffice or libreoffice on PATH.
func findBinary(binary string) (string, error) {
	names := []string{"soffice", "libreoffice"}
	if binary != "" {
		names = []string{binary}
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return filepath.Abs(p)
		}
	}
	if binary != "" {
		return "", fmt.Errorf("%w: %s is not an executable program (install LibreOffice Writer, e.g. Debian's libreoffice-writer-nogui, or fix the configured path)", ErrNotInstalled, binary)
	}
	return "", fmt.Errorf("%w: neither soffice nor libreoffice is on PATH (install LibreOffice Writer, e.g. Debian's libreoffice-writer-nogui)", ErrNotInstalled)
}

// privateDir creates dir (mode 0700) or checks that the existing one is a
// real directory of ours that nobody else can enter: the default lives in
// the shared temp directory, where another user could have planted it.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("officepdf: work directory: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("officepdf: work directory: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || !ok || int(st.Uid) != os.Getuid() || fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("officepdf: work directory %s must be a directory owned by this user with mode 0700", dir)
	}
	return nil
}

// lockedDir makes a new pool directory under workDir and takes an
// exclusive flock on its lock file; the kernel drops the lock when the
// process dies, which is how removeStalePools tells live pools from dead.
// The directory gets its pool- name only once locked, so a concurrent
// sweep never takes it for stale.
func lockedDir(workDir string) (string, *os.File, error) {
	tmp, err := os.MkdirTemp(workDir, "new-")
	if err != nil {
		return "", nil, fmt.Errorf("officepdf: %w", err)
	}
	dir := filepath.Join(workDir, "pool-"+strings.TrimPrefix(filepath.Base(tmp), "new-"))
	f, err := os.OpenFile(filepath.Join(tmp, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err == nil {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	}
	if err == nil {
		err = os.Rename(tmp, dir)
	}
	if err != nil {
		if f != nil {
			f.Close()
		}
		os.RemoveAll(tmp)
		return "", nil, fmt.Errorf("officepdf: %w", err)
	}
	return dir, f, nil
}

// removeStalePools removes the pool directories under workDir whose lock
// nobody holds. It is best effort: a directory it cannot remove is left for
// the next start.
func removeStalePools(workDir string) {
	dirs, _ := filepath.Glob(filepath.Join(workDir, "pool-*"))
	for _, dir := range dirs {
		f, err := os.Open(filepath.Join(dir, "lock"))
		if err != nil {
			continue // being created right now, or not ours
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			os.RemoveAll(dir)
		}
		f.Close()
	}
}

// Close stops the pool: waiting callers get ErrClosed, running conversions
// are killed, and the pool's directory is removed once they have ended.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	p.running.Wait()
	p.proxy.close()
	err := os.RemoveAll(p.dir)
	p.lock.Close()
	if err != nil {
		return fmt.Errorf("officepdf: %w", err)
	}
	return nil
}

// enter registers a conversion unless the pool is closed, so that Close
// waits for it.
func (p *Pool) enter() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	p.running.Add(1)
	return nil
}

// acquire waits for a free converter, giving up when ctx ends or the pool
// closes.
func (p *Pool) acquire(ctx context.Context) (*slot, error) {
	if ctx.Err() == nil { // else select could still pick an idle slot
		select {
		case s := <-p.idle:
			return s, nil
		case <-ctx.Done():
		case <-p.ctx.Done():
			return nil, ErrClosed
		}
	}
	return nil, fmt.Errorf("officepdf: waiting for a converter: %w", context.Cause(ctx))
}
