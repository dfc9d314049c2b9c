package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// HTMXVersion is the htmx release vendored in static/htmx.min.js (from the
// npm package htmx.org; docs/console.md says how to update it).
const HTMXVersion = "4.0.1"

// staticFS holds the console's stylesheet, htmx (vendored from npm: see
// docs/console.md) and its licence.
//
//go:embed static
var staticFS embed.FS

// assets serves the embedded static files. URLs carry a digest of the
// content (?v=…), so a response for the current digest is cached for a year
// and a new binary's files are fetched afresh.
type assets struct {
	files   map[string][]byte // name → content
	digests map[string]string // name → first 12 hex digits of its SHA-256
	started time.Time
}

func loadAssets() (*assets, error) {
	a := &assets{files: map[string][]byte{}, digests: map[string]string{}, started: time.Now()}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(b)
		a.files[name], a.digests[name] = b, hex.EncodeToString(sum[:])[:12]
		return nil
	})
	return a, err
}

// url returns the path of a static file with its digest.
func (a *assets) url(name string) string {
	return "/static/" + name + "?v=" + a.digests[name]
}

// ServeHTTP serves /static/{name}.
func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	b, ok := a.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" || strings.HasSuffix(name, "LICENSE") {
		ct = "text/plain; charset=utf-8"
	}
	h.Set("Content-Type", ct)
	h.Set("X-Content-Type-Options", "nosniff")
	if v := r.URL.Query().Get("v"); v != "" && v == a.digests[name] {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=300")
	}
	h.Set("ETag", `"`+a.digests[name]+`"`)
	http.ServeContent(w, r, name, a.started, bytes.NewReader(b))
}
