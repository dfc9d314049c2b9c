package officepdf

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// requests records the paths asked of a test HTTP server.
type requests struct {
	mu    sync.Mutex
	paths []string
}

func (r *requests) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.paths = append(r.paths, req.URL.Path)
	r.mu.Unlock()
	http.NotFound(w, req)
}

// take returns the paths recorded so far and forgets them.
func (r *requests) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.paths
	r.paths = nil
	return p
}

// TestNoRemoteContent converts documents that link pictures, style sheets
// and a section from a local HTTP server. The same documents converted by
// a plain soffice do fetch them, which proves the documents would; through
// the pool no request arrives and the PDF still comes out.
func TestNoRemoteContent(t *testing.T) {
	soffice := requireTool(t, "soffice")
	var seen requests
	srv := httptest.NewServer(&seen)
	defer srv.Close()
	formats := map[string]string{"docx": "/docx.png", "odt": "/odt.png", "html": "/html.png"}

	t.Run("plain soffice fetches", func(t *testing.T) {
		dir := t.TempDir()
		for format, want := range formats {
			src := filepath.Join(dir, "in."+format)
			if err := os.WriteFile(src, testDoc(t, format, letter, srv.URL), 0o600); err != nil {
				t.Fatal(err)
			}
			plainConvert(t, soffice, dir, format, src)
			if got := seen.take(); !slices.Contains(got, want) {
				t.Errorf("%s: requests %v, want %s among them", format, got, want)
			}
		}
	})

	t.Run("pool does not", func(t *testing.T) {
		p := newPool(t, Config{Size: 1})
		for format := range formats {
			pdf, err := convert(context.Background(), p, testDoc(t, format, letter, srv.URL), format)
			if err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			if got := seen.take(); len(got) > 0 {
				t.Errorf("%s: the conversion requested %v", format, got)
			}
			if text := pdfText(t, pdf); !strings.Contains(text, "Счёт № 42") {
				t.Errorf("%s: the PDF lacks the text:\n%s", format, text)
			}
		}
	})
}

// plainConvert converts src with soffice and a fresh default profile.
func plainConvert(t *testing.T, soffice, dir, format, src string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--headless", "--norestore", "--infilter="+filters[format], "--convert-to", "pdf:writer_pdf_Export",
		"--outdir", filepath.Join(dir, "out"), src)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return killGroup(cmd) }
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
}
