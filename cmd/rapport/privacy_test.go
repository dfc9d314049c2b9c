package main

import (
	"archive/zip"
	"bytes"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rapport/model/storetest"
)

// TestPrivacyCommands runs the real server and the command line on each
// engine: the export over HTTP and with the CLI (a private file), an
// erasure over HTTP whose fresh file is left to the collector, one with the
// CLI whose old file goes at once, the keep-list and retention flags.
func TestPrivacyCommands(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) { privacyCommands(t, engine) })
	}
}

func privacyCommands(t *testing.T, engine string) {
	data := t.TempDir()
	g := []string{"--db", storetest.DSN(t, engine), "--data", data}
	cli := func(args ...string) string { return strings.TrimSpace(mustRun(t, "", append(g, args...)...)) }
	mustRun(t, "correct horse battery\n", append(g, "user", "add", "--email", "dpo@example.com", "--name", "DPO", "--role", "admin", "--password-stdin")...)
	admin := cli("token", "create", "--user", "dpo", "--scope", "read,write,admin")
	for args, msg := range map[string]string{
		"serve --privacy-keep receipts":                     "unknown privacy keep-list entry",
		"serve --feed-horizon 10m":                          "at least an hour",
		"retention run --retain-raw-mail tomorrow":          "days (90d)",
		"contacts erase " + admin[:8] + " --privacy-keep x": "unknown privacy keep-list entry",
	} {
		if out, err := run(t, "", append(g, strings.Fields(args)...)...); err == nil || !strings.Contains(err.Error()+out, msg) {
			t.Errorf("rapport %s: %v %s", args, err, out)
		}
	}
	addr := freeAddr(t)
	base := "http://" + addr
	stop := serveUntil(t, append(g, "--blobs", "local", "--privacy-keep", "invoices,suppressions", "--retain-deliveries", "90d", "--feed-horizon", "400d"), addr)
	defer stop()
	waitReady(t, base)
	api := func(method, path, body string) map[string]any {
		return callJSON(t, http.DefaultClient, method, base+"/api/v1"+path, body, "Authorization", "Bearer "+admin)
	}
	newPerson := func(name, file string) string {
		id := api("POST", "/contacts", `{"first_name": "`+name+`", "last_name": "Doe", "emails": [{"value": "`+strings.ToLower(name)+`@example.com"}]}`)["id"].(string)
		upload(t, base, admin, id, file)
		return id
	}
	builtins := countBlobs(t, data) // the built-in templates
	ada, bea := newPerson("Ada", "ada's passport scan"), newPerson("Bea", "bea's passport scan")

	// The export over HTTP.
	resp := get(t, base+"/api/v1/contacts/"+ada+"/privacy-export", admin)
	archive := readZip(t, resp)
	if resp.Header.Get("Content-Type") != "application/zip" || !strings.Contains(archive["person.json"], "ada@example.com") ||
		!hasFile(archive, "ada's passport scan") {
		t.Fatalf("export over HTTP: %v %v", resp.Header, keys(archive))
	}
	// With the CLI, into a file only its owner may read.
	out := filepath.Join(t.TempDir(), "ada.zip")
	if got := cli("contacts", "privacy-export", ada, "-o", out, "--blobs", "local"); !strings.Contains(got, "1 files") {
		t.Errorf("privacy-export: %s", got)
	}
	fi, err := os.Stat(out)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("export file %v %v", fi, err)
	}
	b, _ := os.ReadFile(out)
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil || len(zr.File) != 2 {
		t.Fatalf("export file: %v", err)
	}

	// A dry run with the CLI changes nothing.
	if got := cli("contacts", "erase", ada, "--dry-run", "--blobs", "local"); !strings.Contains(got, "dry run") || !strings.Contains(got, "contacts") {
		t.Errorf("dry run:\n%s", got)
	}
	api("GET", "/contacts/"+ada, "")
	// Over HTTP: the keep-list of serve applies; the file, uploaded a
	// moment ago, waits for the periodic collector.
	rep := api("POST", "/contacts/"+ada+"/erase", `{}`)
	if rep["blobs"] != float64(1) || rep["blobs_deleted"] != float64(0) || strings.Join(anyStrings(rep["keep"]), ",") != "invoices,suppressions" {
		t.Errorf("erase over HTTP: %v", rep)
	}
	if n := countBlobs(t, data) - builtins; n != 2 {
		t.Errorf("%d blob files, want 2", n)
	}
	// With the CLI, an old file goes at once.
	backdate(t, filepath.Join(data, "blobs"), time.Hour)
	got := cli("contacts", "erase", bea, "--blobs", "local")
	if !strings.Contains(got, "attachments") || !strings.Contains(got, "1 files released, 1 deleted now") {
		t.Errorf("erase:\n%s", got)
	}
	if n := countBlobs(t, data) - builtins; n != 1 {
		t.Errorf("%d blob files left, want 1 (Ada's, still young when she was erased)", n)
	}
	if st := httpStatus(t, http.DefaultClient, "GET", base+"/api/v1/contacts/"+bea, "Authorization", "Bearer "+admin); st != http.StatusNotFound {
		t.Errorf("erased contact: %d", st)
	}
	if _, err := run(t, "", append(g, "contacts", "erase", bea)...); err == nil || !strings.Contains(err.Error(), "was erased on") {
		t.Errorf("erasing twice: %v", err)
	}
	// One retention pass by hand: nothing is old enough yet.
	if got := cli("retention", "run", "--feed-horizon", "30d", "--retain-raw-mail", "180d"); !strings.Contains(got, "changes              0") {
		t.Errorf("retention run:\n%s", got)
	}
}

// upload attaches a file to a contact through the API.
func upload(t *testing.T, base, token, contactID, content string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("record_type", "contact")
	_ = mw.WriteField("record_id", contactID)
	fw, _ := mw.CreateFormFile("file", "scan.txt")
	_, _ = io.WriteString(fw, content)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", base+"/api/v1/attachments", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	if st := sendStatus(t, http.DefaultClient, req); st != http.StatusCreated {
		t.Fatalf("upload: %d", st)
	}
}

func get(t *testing.T, u, token string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %v %v", u, resp, err)
	}
	return resp
}

func readZip(t *testing.T, resp *http.Response) map[string]string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		c, _ := io.ReadAll(rc)
		rc.Close()
		out[f.Name] = string(c)
	}
	return out
}

func hasFile(archive map[string]string, content string) bool {
	for name, c := range archive {
		if strings.HasPrefix(name, "files/") && c == content {
			return true
		}
	}
	return false
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func anyStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// countBlobs counts the files of the local blob store.
func countBlobs(t *testing.T, data string) int {
	t.Helper()
	n := 0
	root := filepath.Join(data, "blobs")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && path == filepath.Join(root, "tmp") {
			return filepath.SkipDir
		}
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// backdate makes every file under dir look by older.
func backdate(t *testing.T, dir string, by time.Duration) {
	t.Helper()
	old := time.Now().Add(-by)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			err = os.Chtimes(path, old, old)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
