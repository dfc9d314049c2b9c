package officepdf

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// requireTool returns a program's path or fails the test: these tests
// exist to drive the real LibreOffice, which .ci/test-deps.sh installs in
// CI, so a missing one is never skipped over.
func requireTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed: run .ci/test-deps.sh (apt-get install libreoffice-writer-nogui poppler-utils)", name)
	}
	return p
}

// newPool starts a pool in a temp work directory and closes it when the
// test ends.
func newPool(t testing.TB, cfg Config) *Pool {
	t.Helper()
	if cfg.WorkDir == "" {
		cfg.WorkDir = filepath.Join(t.TempDir(), "work")
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	return p
}

// convert runs one conversion and returns the PDF.
func convert(ctx context.Context, p *Pool, doc []byte, format string) ([]byte, error) {
	var out bytes.Buffer
	err := p.ConvertPDF(ctx, bytes.NewReader(doc), format, &out)
	return out.Bytes(), err
}

// pdfText extracts a PDF's text with pdftotext, no-break spaces as blanks.
func pdfText(t testing.TB, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(requireTool(t, "pdftotext"), path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return strings.ReplaceAll(string(out), "\u00a0", " ")
}

// fakeScript stands in for soffice. It reads the profile, output directory
// and input from its arguments as soffice would, refuses to run without
// the hardened registry or in a profile another run is using, and acts on
// a word in the input: HANG sleeps (with a child, so that killing the
// group is what stops it) and records both process ids in pids, SLOW takes
// a moment, NOPDF exits 0 without output as soffice does for a document it
// cannot load, FAIL exits 81. Otherwise it writes a small PDF holding the
// input. Every run appends its profile directory to runs.
const fakeScript = `#!/bin/sh
prof= out= in= prev=
for a in "$@"; do
  [ "$prev" = --outdir ] && out=$a
  case "$a" in
    -env:UserInstallation=file://*) prof=${a#-env:UserInstallation=file://} ;;
    -*) ;;
    *) in=$a ;;
  esac
  prev=$a
done
grep -q DisableMacrosExecution "$prof/user/registrymodifications.xcu" || { echo "no hardened registry" >&2; exit 4; }
mkdir "$prof/busy" || { echo "profile in use" >&2; exit 3; }
trap 'rmdir "$prof/busy"' EXIT
echo "$prof" >> RUNS
case "$(cat "$in")" in
  *HANG*) sleep 600 & echo $! >> PIDS; echo $$ >> PIDS; wait ;;
  *SLOW*) sleep 0.3 ;;
  *NOPDF*) echo "Error: source file could not be loaded" >&2; exit 0 ;;
  *FAIL*) echo "crashed" >&2; exit 81 ;;
esac
printf '%%PDF-1.4\n%% %s\n' "$(cat "$in")" > "$out/in.pdf"
`

// fake is the fake soffice and the files it writes.
type fake struct {
	binary string
	pids   string // process ids of a hanging run
	runs   string // profile directory of every run
}

// newFake writes the fake soffice to a temp directory.
func newFake(t testing.TB) fake {
	t.Helper()
	dir := t.TempDir()
	f := fake{binary: filepath.Join(dir, "soffice"), pids: filepath.Join(dir, "pids"), runs: filepath.Join(dir, "runs")}
	script := strings.NewReplacer("PIDS", strconv.Quote(f.pids), "RUNS", strconv.Quote(f.runs)).Replace(fakeScript)
	if err := os.WriteFile(f.binary, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return f
}

// hangingPIDs waits until a HANG run has recorded its two process ids.
func (f fake) hangingPIDs(t testing.TB) []int {
	t.Helper()
	var pids []int
	eventually(10*time.Second, func() bool {
		b, _ := os.ReadFile(f.pids)
		pids = pids[:0]
		for _, s := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(s); err == nil {
				pids = append(pids, n)
			}
		}
		return len(pids) == 2
	})
	if len(pids) != 2 {
		t.Fatalf("the hanging run recorded %v", pids)
	}
	return pids
}

// alive reports whether a process exists and is not a zombie (an orphan's
// zombie lingers where nothing reaps it, as in some containers).
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && fields[0] != "Z"
}

// processesUnder lists the live processes whose command line mentions dir:
// soffice and its children name their profile and files there.
func processesUnder(t testing.TB, dir string) []string {
	t.Helper()
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	var found []string
	for _, f := range procs {
		b, err := os.ReadFile(f)
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(f)))
		if err == nil && bytes.Contains(b, []byte(dir)) && alive(pid) {
			found = append(found, strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return found
}

// eventually polls cond for up to d.
func eventually(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}
