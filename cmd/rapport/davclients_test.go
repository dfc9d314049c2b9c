package main

// Third-party DAV clients from Debian against the real server: vdirsyncer
// (CardDAV and CalDAV two-way sync into plain files) and python3-caldav
// (discovery, time-range search with recurrence, updates, to-dos,
// MKCALENDAR). Both run as subprocesses; .ci/run installs them. What the
// clients write is checked on the CRM side through the REST API, and what the
// CRM writes is checked in the clients' files.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"rapport/model/storetest"
)

const installHint = "run .ci/run (it installs them) or: apt-get install -y vdirsyncer python3-caldav"

// davServer is `rapport serve` on one engine with a user who has an API token
// and a DAV app password.
type davServer struct {
	t        *testing.T
	base     string // http://127.0.0.1:port
	user     string // login name
	email    string
	password string // app password
	userID   string
	token    string
}

// forEachEngine runs fn against a fresh server on every test engine: SQLite
// always, PostgreSQL when RAPPORT_TEST_POSTGRES is set.
func forEachEngine(t *testing.T, fn func(t *testing.T, s *davServer)) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) { fn(t, startDAVServer(t, engine)) })
	}
}

func startDAVServer(t *testing.T, engine string) *davServer {
	t.Helper()
	data := t.TempDir()
	g := []string{"--db", storetest.DSN(t, engine), "--data", data}
	cli := func(stdin string, args ...string) string {
		return strings.TrimSpace(mustRun(t, stdin, append(g, args...)...))
	}
	added := cli("correct horse battery\n", "user", "add", "--email", "ada@example.com", "--username", "ada", "--name", "Ada Admin", "--role", "admin", "--password-stdin")
	s := &davServer{t: t, user: "ada", email: "ada@example.com"}
	// "added ada@example.com (ada, admin) id ID" (GET /api/v1/users/me is shadowed by /users/{id}).
	if i := strings.LastIndex(added, " id "); i >= 0 {
		s.userID = added[i+4:]
	} else {
		t.Fatalf("user add: %q", added)
	}
	s.token = cli("", "token", "create", "--user", s.email, "--scope", "read,write,admin")
	s.password = cli("", "apppassword", "create", "--user", s.user, "--label", "dav client tests")

	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var logs syncBuffer
	go func() {
		root := newRoot()
		root.SetArgs(append(g, "serve", "--listen", addr))
		root.SetOut(&logs)
		root.SetErr(&logs)
		done <- root.ExecuteContext(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not shut down")
		}
		if t.Failed() {
			var bad []string
			for _, line := range strings.Split(logs.String(), "\n") {
				if strings.Contains(line, `"status":4`) || strings.Contains(line, `"status":5`) || strings.Contains(line, `"level":"ERROR"`) {
					bad = append(bad, line)
				}
			}
			t.Logf("server log, failed requests:\n%s\nserver log (tail):\n%s", tail(strings.Join(bad, "\n"), 8000), tail(logs.String(), 6000))
		}
	})
	s.base = "http://" + addr
	waitReady(t, s.base)
	return s
}

// api calls the REST API with the user's token and fails unless the status
// is want (0 accepts any); it returns the status and the decoded body.
func (s *davServer) api(method, path, body string, want int) (int, map[string]any) {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.base+"/api/v1"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.token)
	if method == "PATCH" {
		req.Header.Set("Content-Type", "application/merge-patch+json")
	} else {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if want != 0 && resp.StatusCode != want {
		s.t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m
}

func (s *davServer) create(path, body string) string {
	s.t.Helper()
	_, m := s.api("POST", path, body, http.StatusCreated)
	return m["id"].(string)
}

// items lists a whole collection (at most 500 records, plenty here).
func (s *davServer) items(path string) []map[string]any {
	s.t.Helper()
	_, page := s.api("GET", path+"?limit=500", "", 200)
	var out []map[string]any
	for _, it := range page["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

// find returns the one record of path whose field (dotted: "dav.uid") is value.
func (s *davServer) find(path, field, value string) map[string]any {
	s.t.Helper()
	var found []map[string]any
	for _, it := range s.items(path) {
		if str(dig(it, field)) == value {
			found = append(found, it)
		}
	}
	if len(found) != 1 {
		s.t.Fatalf("%s with %s = %q: found %d records, want 1", path, field, value, len(found))
	}
	return found[0]
}

// changed reports whether the record's history has an update that set field to want.
func (s *davServer) changed(path, id, field, want string) bool {
	s.t.Helper()
	_, h := s.api("GET", path+"/"+id+"/history", "", 200)
	for _, c := range h["items"].([]any) {
		c := c.(map[string]any)
		if fc, ok := dig(c, "fields."+field).(map[string]any); ok && str(fc["new"]) == want {
			return true
		}
	}
	return false
}

func dig(m map[string]any, path string) any {
	var v any = m
	for _, k := range strings.Split(path, ".") {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// ---------------------------------------------------------------- vdirsyncer

func TestDAVClientVdirsyncer(t *testing.T) {
	if _, err := exec.LookPath("vdirsyncer"); err != nil {
		t.Fatalf("vdirsyncer is not installed: %s", installHint)
	}
	forEachEngine(t, vdirsyncerSync)
}

type vdir struct {
	t    *testing.T
	dir  string
	conf string
}

func (v *vdir) run(stdin string, args ...string) string {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "vdirsyncer", append([]string{"-vdebug", "-c", v.conf}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+v.dir, "LC_ALL=C.UTF-8", "LANG=C.UTF-8")
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		v.t.Fatalf("vdirsyncer %v: %v\n%s", args, err, tail(string(out), 20000))
	}
	return string(out)
}

func (v *vdir) sync() string {
	v.t.Helper()
	return v.run("", "sync")
}

// file returns the path of the one file in collection holding every needle.
func (v *vdir) file(collection string, needles ...string) string {
	v.t.Helper()
	if p := v.lookup(collection, needles...); p != "" {
		return p
	}
	v.t.Fatalf("no file in %s holds %q; files:\n%s", collection, needles, v.dump(collection))
	return ""
}

func (v *vdir) lookup(collection string, needles ...string) string {
	v.t.Helper()
	paths, _ := filepath.Glob(filepath.Join(v.dir, collection, "*"))
	var hits []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			v.t.Fatal(err)
		}
		body := unfold(string(b))
		all := true
		for _, n := range needles {
			all = all && strings.Contains(body, n)
		}
		if all {
			hits = append(hits, p)
		}
	}
	if len(hits) > 1 {
		v.t.Fatalf("%d files in %s hold %q: %v", len(hits), collection, needles, hits)
	}
	if len(hits) == 0 {
		return ""
	}
	return hits[0]
}

func (v *vdir) absent(collection string, needles ...string) {
	v.t.Helper()
	if p := v.lookup(collection, needles...); p != "" {
		b, _ := os.ReadFile(p)
		v.t.Fatalf("%s should be gone from %s:\n%s", p, collection, b)
	}
}

func (v *vdir) dump(collection string) string {
	paths, _ := filepath.Glob(filepath.Join(v.dir, collection, "*"))
	var b strings.Builder
	for _, p := range paths {
		data, _ := os.ReadFile(p)
		fmt.Fprintf(&b, "== %s\n%s\n", filepath.Base(p), data)
	}
	return b.String()
}

// edit rewrites a local file: unfolds it, drops lines whose name is in drop,
// applies replacements and inserts lines before "END:"+insertBefore.
func (v *vdir) edit(path string, drop []string, insertBefore string, insert []string, replace ...string) {
	v.t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		v.t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimRight(unfold(string(b)), "\r\n"), "\n") {
		line = strings.TrimRight(line, "\r")
		name := strings.ToUpper(strings.SplitN(strings.SplitN(line, ":", 2)[0], ";", 2)[0])
		if contains(drop, name) {
			continue
		}
		if line == "END:"+insertBefore {
			out = append(out, insert...)
		}
		out = append(out, line)
	}
	body := strings.Join(out, "\r\n") + "\r\n"
	body = strings.NewReplacer(replace...).Replace(body)
	if body == string(b) {
		v.t.Fatalf("edit of %s changed nothing", path)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		v.t.Fatal(err)
	}
}

func (v *vdir) write(collection, name, body string) {
	v.t.Helper()
	body = strings.ReplaceAll(strings.TrimSpace(body), "\n", "\r\n") + "\r\n"
	if err := os.WriteFile(filepath.Join(v.dir, collection, name), []byte(body), 0o644); err != nil {
		v.t.Fatal(err)
	}
}

func (v *vdir) remove(path string) {
	v.t.Helper()
	if err := os.Remove(path); err != nil {
		v.t.Fatal(err)
	}
}

func unfold(s string) string {
	return strings.NewReplacer("\r\n ", "", "\r\n\t", "", "\n ", "", "\n\t", "").Replace(s)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func icsStamp(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

func vdirsyncerSync(t *testing.T, s *davServer) {
	t0 := time.Now().UTC().Truncate(time.Hour).Add(7 * 24 * time.Hour)
	at := func(h int) string { return t0.Add(time.Duration(h) * time.Hour).Format(time.RFC3339) }
	owner := fmt.Sprintf(`"owner_id": %q`, s.userID)

	// The CRM side before the first sync.
	edited := s.create("/contacts", `{"first_name": "Grace", "last_name": "Hopper", "emails": [{"type": "work", "value": "grace@example.com"}], `+owner+`}`)
	gone := s.create("/contacts", `{"first_name": "Alan", "last_name": "Turing", `+owner+`}`)
	apiEdited := s.create("/contacts", `{"first_name": "Иван", "last_name": "Петров", "phones": [{"type": "mobile", "value": "+7 916 123-45-67"}], `+owner+`}`)
	apiGone := s.create("/contacts", `{"first_name": "山田", "last_name": "太郎", `+owner+`}`)
	kickoff := s.create("/activities", `{"kind": "appointment", "subject": "Kickoff", "start_at": "`+at(0)+`", "end_at": "`+at(1)+`", "location": "Room 1", `+owner+`}`)
	lunch := s.create("/activities", `{"kind": "appointment", "subject": "Lunch", "start_at": "`+at(3)+`", "end_at": "`+at(4)+`", `+owner+`}`)
	review := s.create("/activities", `{"kind": "appointment", "subject": "Review", "start_at": "`+at(5)+`", "end_at": "`+at(6)+`", `+owner+`}`)
	retro := s.create("/activities", `{"kind": "appointment", "subject": "Retro", "start_at": "`+at(7)+`", "end_at": "`+at(8)+`", `+owner+`}`)
	offer := s.create("/activities", `{"kind": "task", "subject": "Send offer", "due_at": "`+at(24)+`", `+owner+`}`)
	invoice := s.create("/activities", `{"kind": "task", "subject": "Check invoice", "due_at": "`+at(48)+`", `+owner+`}`)

	v := &vdir{t: t, dir: t.TempDir()}
	tmpl, err := os.ReadFile("testdata/davclients/vdirsyncer.conf")
	if err != nil {
		t.Fatal(err)
	}
	v.conf = filepath.Join(v.dir, "config")
	conf := strings.NewReplacer("@DIR@", v.dir, "@URL@", s.base+"/", "@USER@", s.user, "@PASSWORD@", s.password).Replace(string(tmpl))
	if err := os.WriteFile(v.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}

	// Discovery from the bare URL: answer "create it locally?" with yes.
	out := v.run(strings.Repeat("y\n", 20), "discover")
	for _, c := range []string{`"contacts"`, `"appointments"`, `"tasks"`} {
		if !strings.Contains(out, c) {
			t.Fatalf("discover did not find %s:\n%s", c, tail(out, 20000))
		}
	}
	v.sync()

	// 1. CRM records arrive as files.
	v.file("contacts/contacts", "FN:Grace Hopper", "grace@example.com")
	v.file("contacts/contacts", "FN:Alan Turing")
	v.file("contacts/contacts", "Петров", "916")
	v.file("contacts/contacts", "山田")
	v.file("calendars/appointments", "BEGIN:VEVENT", "SUMMARY:Kickoff", "LOCATION:Room 1", "DTSTART")
	for _, subj := range []string{"Lunch", "Review", "Retro"} {
		v.file("calendars/appointments", "SUMMARY:"+subj)
	}
	v.file("calendars/tasks", "BEGIN:VTODO", "SUMMARY:Send offer", "DUE")
	v.file("calendars/tasks", "BEGIN:VTODO", "SUMMARY:Check invoice")
	v.absent("calendars/appointments", "Send offer")
	v.absent("calendars/tasks", "Kickoff")

	// 2. Local creates, edits and deletes go up.
	v.write("contacts/contacts", "vdir-katherine.vcf", `
BEGIN:VCARD
VERSION:3.0
UID:vdir-katherine
FN:Katherine Johnson
N:Johnson;Katherine;;;
EMAIL;TYPE=WORK:katherine@example.com
TEL;TYPE=CELL:+1 757 555 0100
END:VCARD`)
	v.edit(v.file("contacts/contacts", "FN:Grace Hopper"), []string{"TITLE"}, "VCARD", []string{"TITLE:Rear Admiral"})
	v.remove(v.file("contacts/contacts", "FN:Alan Turing"))
	v.write("calendars/appointments", "vdir-board.ics", `
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//rapport tests//vdirsyncer//EN
BEGIN:VEVENT
UID:vdir-board
DTSTAMP:`+icsStamp(time.Now())+`
DTSTART:`+icsStamp(t0.Add(26*time.Hour))+`
DTEND:`+icsStamp(t0.Add(27*time.Hour))+`
SUMMARY:Board meeting
LOCATION:Boardroom
END:VEVENT
END:VCALENDAR`)
	v.edit(v.file("calendars/appointments", "SUMMARY:Kickoff"), nil, "", nil, "SUMMARY:Kickoff\r\n", "SUMMARY:Kickoff (moved)\r\n")
	v.remove(v.file("calendars/appointments", "SUMMARY:Lunch"))
	v.write("calendars/tasks", "vdir-todo.ics", `
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//rapport tests//vdirsyncer//EN
BEGIN:VTODO
UID:vdir-todo
DTSTAMP:`+icsStamp(time.Now())+`
DUE:`+icsStamp(t0.Add(72*time.Hour))+`
SUMMARY:Call the bank
STATUS:NEEDS-ACTION
END:VTODO
END:VCALENDAR`)
	v.edit(v.file("calendars/tasks", "SUMMARY:Send offer"), []string{"STATUS", "COMPLETED", "PERCENT-COMPLETE"}, "VTODO",
		[]string{"STATUS:COMPLETED", "COMPLETED:" + icsStamp(time.Now()), "PERCENT-COMPLETE:100"})
	v.sync()

	k := s.find("/contacts", "dav.uid", "vdir-katherine")
	if k["first_name"] != "Katherine" || k["last_name"] != "Johnson" || !strings.Contains(fmt.Sprint(k["emails"]), "katherine@example.com") {
		t.Errorf("contact made by vdirsyncer: %v", k)
	}
	if _, c := s.api("GET", "/contacts/"+edited, "", 200); c["title"] != "Rear Admiral" {
		t.Errorf("title edited in the .vcf did not land: %v", c)
	}
	if !s.changed("/contacts", edited, "title", "Rear Admiral") {
		t.Errorf("history of the edited contact has no title change")
	}
	s.api("GET", "/contacts/"+gone, "", http.StatusNotFound)
	board := s.find("/activities", "dav.uid", "vdir-board")
	if board["kind"] != "appointment" || board["subject"] != "Board meeting" || board["location"] != "Boardroom" || str(board["start_at"]) != t0.Add(26*time.Hour).Format(time.RFC3339) {
		t.Errorf("event made by vdirsyncer: %v", board)
	}
	if _, a := s.api("GET", "/activities/"+kickoff, "", 200); a["subject"] != "Kickoff (moved)" {
		t.Errorf("summary edited in the .ics did not land: %v", a)
	}
	if !s.changed("/activities", kickoff, "subject", "Kickoff (moved)") {
		t.Errorf("history of the edited event has no subject change")
	}
	s.api("GET", "/activities/"+lunch, "", http.StatusNotFound)
	todo := s.find("/activities", "dav.uid", "vdir-todo")
	if todo["kind"] != "task" || todo["subject"] != "Call the bank" || str(todo["due_at"]) != t0.Add(72*time.Hour).Format(time.RFC3339) {
		t.Errorf("to-do made by vdirsyncer: %v", todo)
	}
	if _, a := s.api("GET", "/activities/"+offer, "", 200); a["status"] != "completed" || a["completed_at"] == nil {
		t.Errorf("to-do completed in the .ics is not completed in the CRM: %v", a)
	}

	// 3. CRM edits and deletes come down.
	s.api("PATCH", "/contacts/"+apiEdited, `{"title": "Главный инженер"}`, 200)
	s.api("DELETE", "/contacts/"+apiGone, "", http.StatusNoContent)
	s.api("PATCH", "/activities/"+review, `{"subject": "Review (agenda sent)"}`, 200)
	s.api("DELETE", "/activities/"+retro, "", http.StatusNoContent)
	s.api("PATCH", "/activities/"+invoice, `{"subject": "Check invoice 42"}`, 200)
	v.sync()
	v.file("contacts/contacts", "Петров", "TITLE:Главный инженер")
	v.absent("contacts/contacts", "山田")
	v.file("calendars/appointments", "SUMMARY:Review (agenda sent)")
	v.absent("calendars/appointments", "SUMMARY:Retro")
	v.file("calendars/tasks", "SUMMARY:Check invoice 42")
	v.file("contacts/contacts", "FN:Katherine Johnson")
	v.file("calendars/appointments", "SUMMARY:Board meeting")

	// 4. Nothing changed: a further sync moves nothing (ETags are stable).
	out = v.sync()
	if m := regexp.MustCompile(`(?m)^(Copying|Deleting).*$`).FindAllString(out, -1); len(m) > 0 {
		t.Errorf("a sync with no changes moved items: %q", m)
	}
}

// ------------------------------------------------------------ python3-caldav

func TestDAVClientPythonCaldav(t *testing.T) {
	python := "/usr/bin/python3" // Debian's, where python3-caldav lives
	if _, err := os.Stat(python); err != nil {
		python = "python3"
	}
	if out, err := exec.Command(python, "-c", "import caldav").CombinedOutput(); err != nil {
		t.Fatalf("%s cannot import caldav (%v: %s): %s", python, err, strings.TrimSpace(string(out)), installHint)
	}
	forEachEngine(t, func(t *testing.T, s *davServer) { pythonCaldav(t, s, python) })
}

func pythonCaldav(t *testing.T, s *davServer, python string) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// Log in with the e-mail address: DAV accepts it as well as the username.
	cmd := exec.CommandContext(ctx, python, "testdata/davclients/caldav_client.py", s.base, s.email, s.password)
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "LANG=C.UTF-8")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("caldav_client.py: %v\n%s\n(rerun with CALDAV_DEBUG=1 to see every request)", err, tail(stderr.String(), 20000))
	}
	var res struct {
		Context      string   `json:"context_url"`
		Principal    string   `json:"principal"`
		CalendarHome string   `json:"calendar_home"`
		Calendars    []string `json:"calendars"`
		MadeCalendar string   `json:"made_calendar"`
		RecurringUID string   `json:"recurring_uid"`
		DeletedUID   string   `json:"deleted_uid"`
		TodoUID      string   `json:"todo_uid"`
		ProjectUID   string   `json:"project_uid"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("caldav_client.py output: %v\n%s", err, stdout.String())
	}
	if res.Context != "/dav/" {
		t.Errorf("/.well-known/caldav leads to %q, want /dav/", res.Context)
	}
	if want := "/dav/principals/" + s.user + "/"; res.Principal != want {
		t.Errorf("principal %q, want %q", res.Principal, want)
	}
	home := "/dav/calendars/" + s.user + "/"
	if res.CalendarHome != home {
		t.Errorf("calendar home %q, want %q", res.CalendarHome, home)
	}
	for _, c := range []string{home + "appointments/", home + "tasks/"} {
		if !contains(res.Calendars, c) {
			t.Errorf("calendar %s not listed: %v", c, res.Calendars)
		}
	}
	if res.MadeCalendar != home+"projects/" {
		t.Errorf("MKCALENDAR made %q, want %q", res.MadeCalendar, home+"projects/")
	}

	rec := s.find("/activities", "dav.uid", res.RecurringUID)
	if rec["kind"] != "appointment" || rec["subject"] != "caldav weekly" || !strings.Contains(str(rec["recurrence_rule"]), "FREQ=WEEKLY") || !strings.Contains(str(rec["recurrence_rule"]), "COUNT=10") {
		t.Errorf("recurring event in the CRM: %v", rec)
	}
	for _, a := range s.items("/activities") {
		if str(dig(a, "dav.uid")) == res.DeletedUID {
			t.Errorf("event deleted over CalDAV is still in the CRM: %v", a)
		}
	}
	todo := s.find("/activities", "dav.uid", res.TodoUID)
	if todo["kind"] != "task" || todo["status"] != "completed" || todo["completed_at"] == nil {
		t.Errorf("to-do completed over CalDAV: %v", todo)
	}
	proj := s.find("/activities", "dav.uid", res.ProjectUID)
	if proj["kind"] != "appointment" || proj["calendar_id"] == nil {
		t.Errorf("event in the MKCALENDAR calendar: %v", proj)
	}
}

// ------------------------------------------------------------------- helpers

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
