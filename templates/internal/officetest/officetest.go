// Package officetest holds what the template packages' LibreOffice tests
// share: finding the programs they drive, running them with a hard timeout,
// and reading pdftotext's output.
package officetest

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// RequireTool returns a program's path, and fails the test with the
// command that installs it when it is missing (.ci/test-deps.sh, which
// `make test` runs first, installs LibreOffice and poppler-utils).
func RequireTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed: run .ci/test-deps.sh (apt-get install libreoffice-writer-nogui poppler-utils)", name)
	}
	return p
}

// Run runs a program with a timeout and kills its process group when the
// time is up (soffice starts children).
func Run(t testing.TB, timeout time.Duration, name string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, stderr.String())
	}
	return out
}

// Spaces turns no-break spaces into blanks, as pdftotext may.
func Spaces(s string) string {
	return strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(s)
}

// OneLine reports whether a line of text holds every part, in order.
func OneLine(text string, parts []string) bool {
	for _, l := range strings.Split(text, "\n") {
		rest, all := l, true
		for _, p := range parts {
			i := strings.Index(rest, Spaces(p))
			if i < 0 {
				all = false
				break
			}
			rest = rest[i+len(Spaces(p)):]
		}
		if all {
			return true
		}
	}
	return false
}
