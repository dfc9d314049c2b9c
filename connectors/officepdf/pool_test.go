package officepdf

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"rapport/model"
)

// These tests drive the pool with the fake soffice (helpers_test.go): the
// edges a real LibreOffice does not reach on demand, such as a hang.

// TestNotInstalled: New fails with ErrNotInstalled and says what to do.
func TestNotInstalled(t *testing.T) {
	notExec := filepath.Join(t.TempDir(), "soffice")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, binary := range []string{"/nonexistent/program/soffice", "rapport-no-such-office", notExec} {
		_, err := New(Config{Binary: binary, WorkDir: t.TempDir()})
		if !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), binary) {
			t.Errorf("%s: err = %v, want ErrNotInstalled naming the binary", binary, err)
		}
	}
	t.Setenv("PATH", t.TempDir())
	_, err := New(Config{WorkDir: t.TempDir()})
	if !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "libreoffice-writer-nogui") {
		t.Errorf("empty PATH: err = %v, want ErrNotInstalled with the package to install", err)
	}
}

// TestTimeoutKillsProcessGroup: a conversion that hangs is killed with its
// child when the timeout passes, its files go, and the converter works
// again afterwards.
func TestTimeoutKillsProcessGroup(t *testing.T) {
	f := newFake(t)
	p := newPool(t, Config{Binary: f.binary, Size: 1, Timeout: 500 * time.Millisecond})
	start := time.Now()
	_, err := convert(context.Background(), p, []byte("HANG"), "docx")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("err = %v, want a kill after the timeout", err)
	}
	if d := time.Since(start); d > waitDelay {
		t.Errorf("the hanging conversion returned after %s", d)
	}
	for _, pid := range f.hangingPIDs(t) {
		if !eventually(2*time.Second, func() bool { return !alive(pid) }) {
			t.Errorf("process %d survived the kill", pid)
		}
	}
	if jobs, _ := filepath.Glob(filepath.Join(p.dir, "job-*")); len(jobs) > 0 {
		t.Errorf("temp files left: %v", jobs)
	}
	pdf, err := convert(context.Background(), p, []byte("after the hang"), "docx")
	if err != nil || !bytes.Contains(pdf, []byte("after the hang")) {
		t.Fatalf("after the timeout: %v %q", err, pdf)
	}
}

// TestQueueRespectsContext: with every converter busy, a caller waits
// only as long as its context allows.
func TestQueueRespectsContext(t *testing.T) {
	f := newFake(t)
	p := newPool(t, Config{Binary: f.binary, Size: 1})
	hangCtx, stopHang := context.WithCancel(context.Background())
	hung := make(chan error)
	go func() {
		_, err := convert(hangCtx, p, []byte("HANG"), "odt")
		hung <- err
	}()
	f.hangingPIDs(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := convert(ctx, p, []byte("queued"), "odt")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "waiting for a converter") {
		t.Errorf("queued: err = %v, want its deadline while waiting", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the queued call returned after %s", d)
	}
	stopHang()
	if err := <-hung; !errors.Is(err, context.Canceled) {
		t.Errorf("hanging: err = %v, want context.Canceled", err)
	}
	if _, err := convert(context.Background(), p, []byte("next"), "odt"); err != nil {
		t.Errorf("after the cancel: %v", err)
	}
}

// TestSlotsNeverShareProfile runs eight slow conversions on two
// converters: the fake fails if a profile is in use, every run found the
// hardened registry, both profiles served, and never more than two ran at
// once.
func TestSlotsNeverShareProfile(t *testing.T) {
	f := newFake(t)
	p := newPool(t, Config{Binary: f.binary, Size: 2})
	start := time.Now()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := convert(context.Background(), p, []byte("SLOW"), "html"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if d := time.Since(start); d < 4*300*time.Millisecond {
		t.Errorf("8 runs of 0.3 s on 2 converters took %s: more than two ran at once", d)
	}
	runs, err := os.ReadFile(f.runs)
	if err != nil {
		t.Fatal(err)
	}
	profiles := map[string]int{}
	for _, prof := range strings.Fields(string(runs)) {
		profiles[prof]++
	}
	if len(profiles) != 2 {
		t.Errorf("profiles used: %v, want 2", profiles)
	}
}

// TestSofficeFailures: soffice exiting 0 without a PDF and soffice
// crashing are errors quoting its output; the converter works afterwards.
func TestSofficeFailures(t *testing.T) {
	f := newFake(t)
	p := newPool(t, Config{Binary: f.binary, Size: 1})
	for input, want := range map[string]string{
		"NOPDF": "wrote no PDF: Error: source file could not be loaded",
		"FAIL":  "exit status 81: crashed",
	} {
		var out bytes.Buffer
		err := p.ConvertPDF(context.Background(), strings.NewReader(input), "docx", &out)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", input, err, want)
		}
		if out.Len() > 0 {
			t.Errorf("%s: %d bytes written on failure", input, out.Len())
		}
		if _, err := convert(context.Background(), p, []byte("fine"), "docx"); err != nil {
			t.Errorf("after %s: %v", input, err)
		}
	}
}

// TestBadInput: an unknown format, an empty and an oversized document are
// coded errors, with nothing written and no soffice started.
func TestBadInput(t *testing.T) {
	f := newFake(t)
	p := newPool(t, Config{Binary: f.binary, Size: 1})
	cases := []struct {
		format string
		in     io.Reader
		code   string
	}{
		{"pdf", strings.NewReader("x"), model.EINVALID},
		{"../docx", strings.NewReader("x"), model.EINVALID},
		{"docx", strings.NewReader(""), model.EINVALID},
		{"odt", io.LimitReader(zeros{}, MaxInputBytes+1), model.ETOOLARGE},
	}
	for _, c := range cases {
		var out bytes.Buffer
		err := p.ConvertPDF(context.Background(), c.in, c.format, &out)
		if model.ErrorCode(err) != c.code || out.Len() > 0 {
			t.Errorf("%s: err = %v (%d bytes out), want %s", c.format, err, out.Len(), c.code)
		}
	}
	if _, err := os.Stat(f.runs); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("soffice ran for bad input")
	}
	// The limit itself passes.
	if _, err := convert(context.Background(), p, bytes.Repeat([]byte{'a'}, 1<<20), "html"); err != nil {
		t.Errorf("1 MiB: %v", err)
	}
}

// zeros reads as endless zero bytes.
type zeros struct{}

func (zeros) Read(b []byte) (int, error) {
	clear(b)
	return len(b), nil
}

// TestClose: Close kills a running conversion, fails a waiting one,
// removes the pool's directory and leaves the pool refusing work.
func TestClose(t *testing.T) {
	f := newFake(t)
	p, err := New(Config{Binary: f.binary, Size: 1, WorkDir: filepath.Join(t.TempDir(), "work")})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 2)
	go func() {
		_, err := convert(context.Background(), p, []byte("HANG"), "docx")
		errs <- err
	}()
	pids := f.hangingPIDs(t)
	go func() {
		_, err := convert(context.Background(), p, []byte("waiting"), "docx")
		errs <- err
	}()
	time.Sleep(100 * time.Millisecond) // let it queue
	start := time.Now()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > waitDelay {
		t.Errorf("Close took %s", d)
	}
	for range 2 {
		if err := <-errs; !errors.Is(err, ErrClosed) {
			t.Errorf("err = %v, want ErrClosed", err)
		}
	}
	for _, pid := range pids {
		if !eventually(2*time.Second, func() bool { return !alive(pid) }) {
			t.Errorf("process %d survived Close", pid)
		}
	}
	if _, err := os.Stat(p.dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pool directory left: %v", err)
	}
	if _, err := convert(context.Background(), p, []byte("late"), "docx"); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: err = %v, want ErrClosed", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestWorkDir: New refuses a work directory others can enter, removes the
// directories of dead pools and leaves those of live ones.
func TestWorkDir(t *testing.T) {
	f := newFake(t)
	open := filepath.Join(t.TempDir(), "open")
	if err := os.Mkdir(open, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Binary: f.binary, WorkDir: open}); err == nil || !strings.Contains(err.Error(), "0700") {
		t.Errorf("mode 0755: err = %v", err)
	}
	work := filepath.Join(t.TempDir(), "work")
	live := newPool(t, Config{Binary: f.binary, WorkDir: work})
	dead := filepath.Join(work, "pool-dead")
	if err := os.MkdirAll(filepath.Join(dead, "slot0", "profile"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dead, "lock"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	newPool(t, Config{Binary: f.binary, WorkDir: work})
	if _, err := os.Stat(dead); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dead pool's directory left: %v", err)
	}
	if _, err := convert(context.Background(), live, []byte("still here"), "odt"); err != nil {
		t.Errorf("live pool after another started: %v", err)
	}
}

// TestRegistryIsWellFormed parses the profile registry as XML and checks
// the proxy port went in.
func TestRegistryIsWellFormed(t *testing.T) {
	dir := t.TempDir()
	if err := (profile{dir: dir}).prepare(4321); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "user", "registrymodifications.xcu"))
	if err != nil {
		t.Fatal(err)
	}
	var items struct {
		Item []struct {
			Path string `xml:"path,attr"`
			Prop struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value"`
			} `xml:"prop"`
		} `xml:"item"`
	}
	if err := xml.Unmarshal(b, &items); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, it := range items.Item {
		got[it.Path+"/"+it.Prop.Name] = it.Prop.Value
	}
	for key, want := range map[string]string{
		"/org.openoffice.Office.Common/Security/Scripting/DisableMacrosExecution":     "true",
		"/org.openoffice.Office.Common/Security/Scripting/BlockUntrustedRefererLinks": "true",
		"/org.openoffice.Office.Writer/Content/Update/Link":                           "0",
		"/org.openoffice.Inet/Settings/ooInetProxyType":                               "2",
		"/org.openoffice.Inet/Settings/ooInetHTTPProxyPort":                           "4321",
		"/org.openoffice.Inet/Settings/ooInetHTTPSProxyPort":                          "4321",
	} {
		if got[key] != want {
			t.Errorf("%s = %q, want %q", key, got[key], want)
		}
	}
}
