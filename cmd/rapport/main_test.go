package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// run executes the rapport command line in-process and returns its output.
func run(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetArgs(args)
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&out)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func mustRun(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, err := run(t, stdin, args...)
	if err != nil {
		t.Fatalf("rapport %v: %v\n%s", args, err, out)
	}
	return out
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestEndToEnd runs the real server and CLI on each engine: users, tokens,
// the API over HTTP, imports with a broken row, exports, graceful shutdown.
func TestEndToEnd(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) { endToEnd(t, engine) })
	}
}

func endToEnd(t *testing.T, engine string) {
	data := t.TempDir()
	g := []string{"--db", storetest.DSN(t, engine), "--data", data}
	cli := func(stdin string, args ...string) string { return mustRun(t, stdin, append(g, args...)...) }
	cli("correct horse battery\n", "user", "add", "--email", "boss@example.com", "--name", "Boss", "--role", "admin", "--password-stdin")
	token := strings.TrimSpace(cli("", "token", "create", "--user", "boss@example.com", "--scope", "read,write,admin"))
	if !strings.HasPrefix(token, "rpt_") {
		t.Fatalf("token %q", token)
	}
	if out := cli("", "apppassword", "create", "--user", "boss", "--label", "phone"); len(strings.TrimSpace(out)) != 29 {
		t.Fatalf("app password %q", out)
	}
	list := cli("", "apppassword", "list", "--user", "boss")
	fields := strings.Fields(strings.Split(list, "\n")[1])
	if len(fields) < 2 || fields[1] != "phone" || !strings.HasSuffix(strings.TrimSpace(list), "active") {
		t.Fatalf("app password list: %q", list)
	}
	cli("", "apppassword", "revoke", "--user", "boss", fields[0])
	if list := cli("", "apppassword", "list", "--user", "boss"); !strings.HasSuffix(strings.TrimSpace(list), "revoked") {
		t.Fatalf("after revoke: %q", list)
	}
	out := cli("", "import", "contacts", "testdata/people.vcf")
	if !strings.Contains(out, "created 2") || !strings.Contains(out, "failed 1") {
		t.Fatalf("vcf import: %s", out)
	}
	out = cli("", "import", "contacts", "testdata/excel-semicolon.csv")
	if !strings.Contains(out, "created 1") {
		t.Fatalf("csv import: %s", out)
	}
	if out = cli("", "import", "contacts", "testdata/people.vcf"); !strings.Contains(out, "skipped 2") {
		t.Fatalf("re-import should skip duplicates: %s", out)
	}

	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		root := newRoot()
		root.SetArgs(append(g, "serve", "--listen", addr, "--webhook-allow-cidrs", "127.0.0.1/32", "--webhook-schedule", "0,50ms,100ms"))
		root.SetOut(io.Discard)
		root.SetErr(io.Discard)
		done <- root.ExecuteContext(ctx)
	}()
	base := "http://" + addr
	waitReady(t, base)
	api := func(method, path, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, base+"/api/v1"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	hook := newHookReceiver(t)
	status, ep := api("POST", "/webhooks/endpoints", `{"url": "`+hook.url+`", "event_types": ["contact.*"]}`)
	if status != 201 {
		t.Fatalf("webhook endpoint: %d %v", status, ep)
	}
	hook.verify(ep["secret"].(string))
	// Rapport's own inbound webhook as a second receiver: each new contact
	// comes back signed, and the hook tags the contact with the event type.
	status, in := api("POST", "/inbound-hooks", `{"name": "Loop", "match_on": "email",
		"mapping": {"email": "data.emails.0.value", "tags": "type"}}`)
	if status != 201 {
		t.Fatalf("inbound hook: %d %v", status, in)
	}
	if status, ep := api("POST", "/webhooks/endpoints", `{"url": "`+in["url"].(string)+`", "event_types": ["contact.created"], "secret": "`+in["secret"].(string)+`"}`); status != 201 {
		t.Fatalf("loop endpoint: %d %v", status, ep)
	}
	status, page := api("GET", "/contacts?q=ковалёва", "")
	if status != 200 || len(page["items"].([]any)) != 1 {
		t.Fatalf("search imported contact: %d %v", status, page)
	}
	status, page = api("GET", "/contacts?q=ромашка", "")
	if status != 200 || len(page["items"].([]any)) != 1 {
		t.Fatalf("company search: %d %v", status, page)
	}
	status, ann := api("POST", "/contacts", `{"first_name": "Ann", "emails": [{"value": "taro@example.jp"}]}`)
	if status != 201 {
		t.Fatalf("create %d", status)
	}
	hook.await(t, "contact.created", ann["id"].(string))
	awaitLooped(t, api, in["id"].(string), "contact.created")
	webForm(t, api, base)
	resp, err := http.Get(base + "/api/v1/contacts")
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous list: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	for _, p := range []string{"/healthz", "/readyz", "/metrics", "/api/v1/openapi.json"} {
		resp, err := http.Get(base + p)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %v", p, resp.StatusCode, err)
		}
		resp.Body.Close()
	}
	feedURL := strings.TrimSpace(cli("", "ics", "create", "--user", "boss@example.com", "--tasks", "--base-url", base))
	if resp, err := http.Get(feedURL); err != nil || resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("calendar feed %s: %v %s", feedURL, err, b)
	}
	// CLI commands work while the server runs on the same database.
	exportPath := filepath.Join(data, "out.vcf")
	cli("", "export", "contacts", "--format", "vcf", "-o", exportPath)
	vcf, _ := os.ReadFile(exportPath)
	if strings.Count(string(vcf), "BEGIN:VCARD") != 5 || !strings.Contains(string(vcf), "山田") {
		t.Fatalf("export:\n%s", vcf)
	}
	// The last admin cannot be disabled; once another admin exists, they can.
	if _, err := run(t, "", append(g, "user", "disable", "boss@example.com")...); err == nil || !strings.Contains(err.Error(), "last active admin") {
		t.Fatalf("disabling the last admin: %v", err)
	}
	cli("correct horse battery\n", "user", "add", "--email", "deputy@example.com", "--name", "Deputy", "--role", "admin", "--password-stdin")
	cli("", "user", "disable", "boss@example.com")
	if status, _ := api("GET", "/contacts", ""); status != http.StatusUnauthorized {
		t.Fatalf("disabled user's token still works: %d", status)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not shut down")
	}
}

// awaitLooped waits up to 20 s for an inbound hook to have processed a
// webhook into a contact (the first one with the e-mail address), which the
// hook's mapping tagged with the event type.
func awaitLooped(t *testing.T, api func(method, path, body string) (int, map[string]any), hookID, tag string) {
	t.Helper()
	var msgs map[string]any
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		_, msgs = api("GET", "/inbound-hooks/"+hookID+"/messages", "")
		items, _ := msgs["items"].([]any)
		if len(items) == 0 || items[0].(map[string]any)["status"] != "processed" {
			continue
		}
		_, c := api("GET", "/contacts/"+items[0].(map[string]any)["record_id"].(string), "")
		if tags, _ := c["tags"].([]any); !slices.Contains(tags, any(tag)) {
			t.Fatalf("the looped contact is not tagged %s: %v", tag, c)
		}
		return
	}
	t.Fatalf("the inbound hook processed nothing: %v", msgs)
}

// webForm makes a web form through the API and submits it as a browser would.
func webForm(t *testing.T, api func(method, path, body string) (int, map[string]any), base string) {
	t.Helper()
	status, f := api("POST", "/web-forms", `{"name": "Contact us", "redirect_url": "https://example.com/thanks",
		"mapping": {"email": "email", "first_name": "name"}, "required": ["email"]}`)
	if status != 201 {
		t.Fatalf("web form: %d %v", status, f)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.PostForm(base+"/in/forms/"+f["key"].(string), url.Values{"email": {"visitor@example.org"}, "name": {"Vera"}})
	if err != nil || resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "https://example.com/thanks" {
		t.Fatalf("submit: %v %v", resp, err)
	}
	resp.Body.Close()
	if status, page := api("GET", "/contacts?q=visitor@example.org", ""); status != 200 || len(page["items"].([]any)) != 1 {
		t.Fatalf("the submitted contact: %d %v", status, page)
	}
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal(fmt.Sprintf("server at %s never became ready", base))
}

func TestUserCommands(t *testing.T) {
	g := []string{"--db", storetest.DSN(t, "sqlite"), "--data", t.TempDir()}
	cli := func(stdin string, args ...string) (string, error) { return run(t, stdin, append(g, args...)...) }
	if _, err := cli("short\n", "user", "add", "--email", "a@example.com", "--name", "A", "--password-stdin"); err == nil {
		t.Fatal("a short password was accepted")
	}
	if out, err := cli("long enough secret\n", "user", "add", "--email", "a@example.com", "--name", "Анна", "--role", "manager", "--password-stdin"); err != nil {
		t.Fatal(out, err)
	}
	if _, err := cli("", "user", "add", "--email", "a@example.com", "--name", "Again"); model.ErrorCode(err) != model.ECONFLICT {
		t.Fatalf("duplicate e-mail: %v", err)
	}
	if _, err := cli("another long secret\n", "user", "passwd", "a@example.com"); err == nil {
		t.Fatal("passwd without --password-stdin")
	}
	if out, err := cli("another long secret\n", "user", "passwd", "a", "--password-stdin"); err != nil || !strings.Contains(out, "password changed") {
		t.Fatal(out, err)
	}
	out, _ := cli("", "user", "list")
	if !strings.Contains(out, "a@example.com") || !strings.Contains(out, "Анна") || !strings.Contains(out, "manager") {
		t.Fatalf("list: %s", out)
	}
	if _, err := cli("", "token", "create", "--user", "a@example.com", "--scope", "read,root"); model.ErrorCode(err) != model.EINVALID {
		t.Fatalf("bad scope: %v", err)
	}
	if out, _ := cli("", "version"); !strings.HasPrefix(out, "rapport ") {
		t.Fatalf("version: %q", out)
	}
}

func TestDemoSeedsOnceAndPrintsCredentials(t *testing.T) {
	data := t.TempDir()
	g := []string{"--db", "sqlite:" + filepath.Join(data, "rapport.db"), "--data", data}
	first := mustRun(t, "", append(g, "demo")...)
	second := mustRun(t, "", append(g, "demo")...)
	if !strings.Contains(first, "admin@example.com") || !strings.Contains(first, "API token: rpt_") || !strings.Contains(first, "/dav/  user anna, app password ") || first != second {
		t.Fatalf("first:\n%s\nsecond:\n%s", first, second)
	}
	out := mustRun(t, "", append(g, "export", "contacts", "--format", "csv")...)
	if n := strings.Count(out, "\r\n") - 1; n < 50 || !strings.Contains(out, "Иванов") || !strings.Contains(out, "Smith") {
		t.Fatalf("demo has %d contacts", n)
	}
	// The console's board, desk, quotes and answer book have something to show.
	s, err := store.Open(context.Background(), "sqlite:"+filepath.Join(data, "rapport.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sys := model.WithActor(context.Background(), model.System)
	deals, err1 := store.List[model.Opportunity](sys, s, store.ListParams{Limit: 100})
	reqs, err2 := store.List[model.Request](sys, s, store.ListParams{Limit: 100})
	quotes, err3 := store.List[model.Quote](sys, s, store.ListParams{Limit: 100})
	kb, err4 := store.List[model.KBArticle](sys, s, store.ListParams{Limit: 100})
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		t.Fatal(err)
	}
	if len(deals.Items) != 12 || len(reqs.Items) != 8 || len(quotes.Items) != 3 || len(kb.Items) != 1 {
		t.Errorf("demo: %d deals, %d requests, %d quotes, %d articles", len(deals.Items), len(reqs.Items), len(quotes.Items), len(kb.Items))
	}
}
