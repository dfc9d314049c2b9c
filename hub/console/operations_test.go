package console_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"rapport/hub/console"
	"rapport/hub/hubtest"
	"rapport/hub/merge"
	"rapport/model"
	"rapport/model/secret"
	"rapport/model/store"
)

// opsBlobs is the in-memory blob store of the merge service, counting what
// is stored.
type opsBlobs struct {
	*hubtest.MemBlobs
	puts atomic.Int64
}

// Put implements merge.Blobs.
func (b *opsBlobs) Put(ctx context.Context, r io.Reader, name string, max int64) (merge.BlobInfo, error) {
	b.puts.Add(1)
	info, err := b.MemBlobs.Put(ctx, r, name, max)
	return merge.BlobInfo{SHA256: info.SHA256, Size: info.Size, ContentType: info.ContentType}, err
}

// withMerge gives the console a merge service (without PDF) on blobs.
func withMerge(blobs *opsBlobs) func(*console.Config) {
	return func(cfg *console.Config) {
		cfg.Merge = merge.New(merge.Config{Store: cfg.Store, Blobs: blobs, DefaultLocale: "en-GB"})
	}
}

// opsEngine is the mail ingest engine: it records fetch requests and
// retries quarantined messages with the reparse the test gives.
type opsEngine struct {
	s       *store.Store
	fetched []string
	reparse store.Reparse
}

func (e *opsEngine) FetchNow(_ context.Context, id string) error {
	e.fetched = append(e.fetched, id)
	return nil
}

func (e *opsEngine) RetryQuarantine(ctx context.Context, id string) (*model.MailQuarantine, *model.MailMessage, error) {
	return e.s.RetryQuarantine(ctx, id, e.reparse)
}

// withEngine gives the console the mail engine.
func withEngine(e *opsEngine) func(*console.Config) {
	return func(cfg *console.Config) { cfg.MailFetcher, cfg.MailRetrier = e, e }
}

// upload posts a multipart form as a browser sends it: the CSRF token
// first (when given), the fields, then the file.
func (b *browser) upload(path, token string, fields url.Values, filename string, data []byte) reply {
	b.g.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if token != "" {
		_ = mw.WriteField("csrf_token", token)
	}
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile("file", filename)
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, err := http.NewRequest("POST", b.g.srv.URL+path, &body)
	if err != nil {
		b.g.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept-Language", b.lang)
	resp, err := b.c.Do(req)
	if err != nil {
		b.g.t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, string(got)}
}

// templateFixture reads a template file of the template checker's tests.
func templateFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../templates/templatefile/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// want fails unless r has the status and the body holds every text.
func want(t testing.TB, what string, r reply, status int, texts ...string) {
	t.Helper()
	if r.code != status {
		t.Fatalf("%s: %d, want %d: %s", what, r.code, status, r.body)
	}
	for _, s := range texts {
		if !strings.Contains(r.body, s) {
			t.Fatalf("%s: no %q in %s", what, s, r.body)
		}
	}
}

// endpoint stores an active webhook endpoint.
func (g *rig) endpoint(url string) *model.WebhookEndpoint {
	g.t.Helper()
	ep := &model.WebhookEndpoint{URL: url, PayloadMode: model.PayloadFull, Active: true}
	if err := g.s.CreateWebhookEndpoint(sys, ep, "whsec_"+strings.Repeat("A", 32)); err != nil {
		g.t.Fatal(err)
	}
	return ep
}

// deliver queues a ping to ep and has the dispatcher try it once with
// outcome and the answer's status code; it returns the delivery's id.
func (g *rig) deliver(ep *model.WebhookEndpoint, outcome string, code int) string {
	g.t.Helper()
	d, err := g.s.EnqueueWebhookPing(sys, ep.ID)
	if err != nil {
		g.t.Fatal(err)
	}
	g.attempt(ep, outcome, code)
	return d.ID
}

// attempt has the dispatcher claim ep's due deliveries and record one try
// of each with outcome and code.
func (g *rig) attempt(ep *model.WebhookEndpoint, outcome string, code int) {
	g.t.Helper()
	claimed, err := g.s.ClaimWebhookDeliveries(sys, ep.ID, 50, time.Minute)
	if err != nil || len(claimed) == 0 {
		g.t.Fatalf("claim: %v %v", claimed, err)
	}
	for i := range claimed {
		at := &model.WebhookAttempt{Attempt: claimed[i].Attempts + 1, At: time.Now().UTC(), Status: code, LatencyMS: 42,
			Error: fmt.Sprintf("HTTP %d", code)}
		if err := g.s.RecordWebhookAttempt(sys, &claimed[i], at, outcome, time.Time{}); err != nil {
			g.t.Fatal(err)
		}
	}
}

// delivery reads a delivery as the store has it.
func (g *rig) delivery(ep *model.WebhookEndpoint, id string) *model.WebhookDelivery {
	g.t.Helper()
	d, err := g.s.WebhookDelivery(sys, ep.ID, id)
	if err != nil {
		g.t.Fatal(err)
	}
	return d
}

func TestOpsWebhookPages(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		g.user("root", "Rita Root", model.RoleAdmin, nil)
		g.user("agent", "Andy Agent", model.RoleAgent, nil)
		ep := g.endpoint("https://hooks.example.com/in")
		failed := g.deliver(ep, store.AttemptFailed, 500)
		admin, agent := g.signIn("root"), g.signIn("agent")
		tok, agentTok := admin.token(), agent.token()
		one, log := "/admin/webhooks/"+ep.ID, "/admin/webhooks/"+ep.ID+"/deliveries/"+failed

		// Admins only, as the API: every page and action answers others 403.
		for _, path := range []string{"/admin/webhooks", one, log} {
			if code, _ := agent.get(path); code != http.StatusForbidden {
				t.Errorf("agent GET %s: %d", path, code)
			}
		}
		for _, path := range []string{one + "/active", one + "/replay", log + "/replay"} {
			want(t, "agent POST "+path, agent.post(path, url.Values{"csrf_token": {agentTok}, "version": {"1"}, "active": {"false"}}), http.StatusForbidden)
		}
		if d := g.delivery(ep, failed); d.Status != model.DeliveryFailed {
			t.Fatalf("an agent's replay changed the delivery: %+v", d)
		}

		want(t, "list", admin.do("GET", "/admin/webhooks", nil), http.StatusOK, `href="`+one+`"`, "https://hooks.example.com/in", "<code>*</code>")
		if l := admin.page("/admin/webhooks?active=false"); strings.Contains(l, `href="`+one+`"`) {
			t.Fatal("the paused filter shows an active endpoint")
		}
		want(t, "endpoint", admin.do("GET", one, nil), http.StatusOK, `href="`+log+`"`, "webhook.ping", ">failed<", ">500<", "HTTP 500")
		if p := admin.page(one + "?status=delivered"); strings.Contains(p, `href="`+log+`"`) {
			t.Fatal("the delivered filter shows a failed delivery")
		}
		want(t, "delivery", admin.do("GET", log, nil), http.StatusOK, "42 ms", "HTTP 500", "endpoint_id")
		other := g.endpoint("https://other.example.com/in")
		if code, _ := admin.get("/admin/webhooks/" + other.ID + "/deliveries/" + failed); code != http.StatusNotFound {
			t.Errorf("another endpoint's delivery: %d", code)
		}

		// Replay one: the same delivery is due again with a fresh schedule;
		// the dispatcher's next attempt joins its log.
		r := admin.post(log+"/replay", url.Values{"csrf_token": {tok}})
		if r.code != http.StatusSeeOther || r.hdr.Get("Location") != log+"?done=webhook_replayed" {
			t.Fatalf("replay: %d %v", r.code, r.hdr)
		}
		if d := g.delivery(ep, failed); d.Status != model.DeliveryPending || d.Attempts != 0 {
			t.Fatalf("replayed: %+v", d)
		}
		g.attempt(ep, store.AttemptDelivered, 204)
		page := admin.page(log + "?done=webhook_replayed")
		if !strings.Contains(page, "The delivery is queued again.") || strings.Count(page, " ms</td>") != 2 || !strings.Contains(page, ">204<") {
			t.Fatalf("the delivery's log after the replay: %s", page)
		}

		// Replay the failed ones.
		again := g.deliver(ep, store.AttemptFailed, 503)
		if r := admin.post(one+"/replay", url.Values{"csrf_token": {tok}}); r.hdr.Get("Location") != one+"?done=webhook_replayed_failed" {
			t.Fatalf("replay failed: %d %v", r.code, r.hdr)
		}
		if d := g.delivery(ep, again); d.Status != model.DeliveryPending {
			t.Fatalf("not replayed: %+v", d)
		}
		if r := admin.post(one+"/replay", url.Values{"csrf_token": {tok}}); r.hdr.Get("Location") != one+"?done=webhook_none_failed" {
			t.Fatalf("nothing to replay: %d %v", r.code, r.hdr)
		}

		// Pause and resume with the page's version; a stale one is refused.
		if r := admin.post(one+"/active", url.Values{"csrf_token": {tok}, "version": {"1"}, "active": {"false"}}); r.code != http.StatusSeeOther {
			t.Fatalf("pause: %d %s", r.code, r.body)
		}
		if cur, _ := store.Get[model.WebhookEndpoint](sys, g.s, ep.ID); cur.Active || cur.Version != 2 {
			t.Fatalf("paused: %+v", cur)
		}
		want(t, "stale", admin.post(one+"/active", url.Values{"csrf_token": {tok}, "version": {"1"}, "active": {"true"}}),
			http.StatusPreconditionFailed, "role=\"alert\"", "Resume the endpoint")
		want(t, "resume", admin.post(one+"/active", url.Values{"csrf_token": {tok}, "version": {"2"}, "active": {"true"}}), http.StatusSeeOther)
		if cur, _ := store.Get[model.WebhookEndpoint](sys, g.s, ep.ID); !cur.Active {
			t.Fatal("not resumed")
		}

		admin.lang = "ru"
		if p := admin.page(one); !strings.Contains(p, "Журнал доставки") || !strings.Contains(admin.page(log), "Попытки") {
			t.Fatal("the Russian pages lack their texts")
		}
	})
}

// mailbox stores an active mailbox with its password sealed.
func (g *rig) mailbox(name string) *model.Mailbox {
	g.t.Helper()
	box, err := secret.NewBox(bytes.Repeat([]byte{1}, secret.KeySize))
	if err != nil {
		g.t.Fatal(err)
	}
	m := &model.Mailbox{Name: name, IMAPHost: "imap.example.com", Username: strings.ToLower(name) + "@example.com", Password: "p",
		Folders: []string{"INBOX"}, Active: true}
	if err := g.s.CreateMailbox(sys, box, m); err != nil {
		g.t.Fatal(err)
	}
	return m
}

// quarantined stores an unreadable message of mailbox m in the quarantine.
func (g *rig) quarantined(m *model.Mailbox, uid uint32) *model.MailQuarantine {
	g.t.Helper()
	q, _, err := g.s.QuarantineMail(sys, &model.MailQuarantine{MailboxID: m.ID, Folder: "INBOX", UIDValidity: 1, UID: uid,
		SHA256: strings.ReplaceAll(model.NewID()+model.NewID(), "-", ""), Size: 1234, Subject: fmt.Sprintf("Broken %d", uid), FromAddress: "ann@example.com",
		MessageID: fmt.Sprintf("%d@example.com", uid), Reason: model.QuarantineMalformed, Error: "unreadable message: no header"})
	if err != nil {
		g.t.Fatal(err)
	}
	return q
}

func TestOpsMailPages(t *testing.T) {
	engine := &opsEngine{}
	eachRig(t, func(t *testing.T, g *rig) {
		engine.s, engine.fetched = g.s, nil
		g.user("root", "Rita Root", model.RoleAdmin, nil)
		g.user("agent", "Andy Agent", model.RoleAgent, nil)
		m, off := g.mailbox("Support"), g.mailbox("Sales")
		if _, err := store.Update(sys, g.s, off.ID, 0, func(m *model.Mailbox) error { m.Active = false; return nil }); err != nil {
			t.Fatal(err)
		}
		at := time.Now().UTC().Add(-time.Minute)
		if err := g.s.SetMailboxStatus(sys, model.MailboxStatus{MailboxID: m.ID, State: model.MailboxError, LastError: "connection refused",
			LastFetchAt: &at}); err != nil {
			t.Fatal(err)
		}
		q := g.quarantined(m, 2)
		admin, agent := g.signIn("root"), g.signIn("agent")
		tok, agentTok := admin.token(), agent.token()
		box, item := "/admin/mailboxes/"+m.ID, "/admin/quarantine/"+q.ID

		// Every employee reads mailboxes and asks for a fetch (the API's rules).
		want(t, "mailboxes", agent.do("GET", "/admin/mailboxes", nil), http.StatusOK, `href="`+box+`"`, `hx-get="`+box+`"`, "support@example.com")
		want(t, "mailbox", agent.do("GET", box, nil), http.StatusOK, ">error<", "connection refused", "1 in the quarantine", "Look for new mail now")
		frag := agent.page(box, "HX-Request", "true", "HX-Target", "td#state-"+m.ID)
		if strings.Contains(frag, "<html") || !strings.Contains(frag, "connection refused") {
			t.Fatalf("the row's status: %s", frag)
		}
		r := agent.post(box+"/fetch", url.Values{"csrf_token": {agentTok}})
		if r.hdr.Get("Location") != box+"?done=mailbox_fetch" || len(engine.fetched) != 1 || engine.fetched[0] != m.ID {
			t.Fatalf("fetch: %d %v %v", r.code, r.hdr, engine.fetched)
		}
		want(t, "inactive fetch", agent.post("/admin/mailboxes/"+off.ID+"/fetch", url.Values{"csrf_token": {agentTok}}),
			http.StatusConflict, "not active")

		// The quarantine: read by all, acted on by admins.
		want(t, "quarantine", agent.do("GET", "/admin/quarantine", nil), http.StatusOK, `href="`+item+`"`, "Broken 2", "unreadable", "Support")
		if l := agent.page("/admin/quarantine?status=resolved"); strings.Contains(l, `href="`+item+`"`) {
			t.Fatal("the resolved filter shows a waiting message")
		}
		page := agent.page(item)
		if !strings.Contains(page, "/api/v1/mail/quarantine/"+q.ID+"/raw") || !strings.Contains(page, "2@example.com") ||
			!strings.Contains(page, "unreadable message: no header") || strings.Contains(page, item+"/discard") {
			t.Fatalf("the agent's view of the message: %s", page)
		}
		want(t, "agent retry", agent.post(item+"/retry", url.Values{"csrf_token": {agentTok}}), http.StatusForbidden)
		want(t, "agent discard", agent.post(item+"/discard", url.Values{"csrf_token": {agentTok}, "version": {"1"}}), http.StatusForbidden)

		want(t, "admin view", admin.do("GET", item, nil), http.StatusOK, item+"/retry", item+"/discard")
		engine.reparse = func(context.Context, *model.MailQuarantine) (*model.MailIngest, error) {
			return nil, model.Errorf(model.EMALFORMED, "unreadable message: still no header")
		}
		if r := admin.post(item+"/retry", url.Values{"csrf_token": {tok}}); r.hdr.Get("Location") != item+"?done=quarantine_refused_again" {
			t.Fatalf("retry: %d %v %s", r.code, r.hdr, r.body)
		}
		cur, _ := store.Get[model.MailQuarantine](sys, g.s, q.ID)
		if cur.Status != model.QuarantineRetried || cur.Attempts != 1 {
			t.Fatalf("retried: %+v", cur)
		}
		want(t, "stale discard", admin.post(item+"/discard", url.Values{"csrf_token": {tok}, "version": {"1"}}), http.StatusPreconditionFailed,
			"role=\"alert\"")
		if r := admin.post(item+"/discard", url.Values{"csrf_token": {tok}, "version": {fmt.Sprint(cur.Version)}}); r.hdr.Get("Location") != item+"?done=quarantine_discarded" {
			t.Fatalf("discard: %d %s", r.code, r.body)
		}
		if cur, _ := store.Get[model.MailQuarantine](sys, g.s, q.ID); cur.Status != model.QuarantineDiscarded {
			t.Fatalf("discarded: %+v", cur)
		}
		want(t, "discard again", admin.post(item+"/discard", url.Values{"csrf_token": {tok}, "version": {fmt.Sprint(cur.Version + 1)}}), http.StatusConflict)
		if p := admin.page(item); strings.Contains(p, item+"/retry") {
			t.Fatal("a discarded message offers a retry")
		}

		agent.lang = "ru"
		if !strings.Contains(agent.page("/admin/quarantine"), "не читается") || !strings.Contains(agent.page(box), "ошибка") {
			t.Fatal("the Russian pages lack their texts")
		}
	}, withEngine(engine))
}

// templateCount is how many templates the store holds.
func (g *rig) templateCount() int {
	g.t.Helper()
	pg, err := store.List[model.DocumentTemplate](sys, g.s, store.ListParams{Limit: 100})
	if err != nil {
		g.t.Fatal(err)
	}
	return len(pg.Items)
}

func TestOpsTemplatePages(t *testing.T) {
	blobs := &opsBlobs{}
	eachRig(t, func(t *testing.T, g *rig) {
		blobs.MemBlobs = hubtest.NewMemBlobs()
		blobs.puts.Store(0)
		g.user("agent", "Andy Agent", model.RoleAgent, nil)
		ct := &model.Contact{FirstName: "Hedwig", LastName: "Owl"}
		g.create(sys, ct)
		b := g.signIn("agent")
		tok := b.csrf(b.page("/admin/templates"))
		fields := url.Values{"name": {"Welcome letter"}, "record_type": {"contact"}, "action": {"upload"}}

		// A template with mistakes is refused with each one and its place,
		// and what was typed stays; nothing is stored.
		r := b.upload("/admin/templates", tok, fields, "errors.docx", templateFixture(t, "errors.docx"))
		want(t, "mistakes", r, http.StatusUnprocessableEntity, `value="Welcome letter"`, "paragraph 1", "table 1 row 1 cell 1",
			"unknown field contact.frist_name; did you mean contact.first_name?", `<td class="num">7</td>`, `<td class="num">2</td>`)
		for name, file := range map[string][]byte{"letter.docx": templateFixture(t, "letter.txt"), "picture.png": templateFixture(t, "picture.png"),
			"big.txt": bytes.Repeat([]byte("x"), 3<<20)} {
			want(t, name, b.upload("/admin/templates", tok, fields, name, file), http.StatusUnprocessableEntity, `role="alert"`)
		}
		check := url.Values{"name": {"Welcome letter"}, "record_type": {"contact"}, "action": {"check"}}
		want(t, "check only", b.upload("/admin/templates", tok, check, "letter.docx", templateFixture(t, "letter.docx")), http.StatusOK,
			"letter.docx is a good docx template")
		want(t, "no token", b.upload("/admin/templates", "", fields, "letter.docx", templateFixture(t, "letter.docx")), http.StatusForbidden)
		if n, puts := g.templateCount(), blobs.puts.Load(); n != 0 || puts != 0 {
			t.Fatalf("refused uploads stored %d templates, %d files", n, puts)
		}

		// A good one is stored; its page offers the check, revisions and a preview.
		r = b.upload("/admin/templates", tok, fields, "letter.docx", templateFixture(t, "letter.docx"))
		if r.code != http.StatusSeeOther || !strings.HasSuffix(r.hdr.Get("Location"), "?done=template_uploaded") {
			t.Fatalf("upload: %d %s", r.code, r.body)
		}
		one := strings.TrimSuffix(r.hdr.Get("Location"), "?done=template_uploaded")
		want(t, "template", b.do("GET", one, nil), http.StatusOK, "Welcome letter", "revision 1", one+"/preview", one+"/lint")
		want(t, "lint", b.do("GET", one+"/lint", nil), http.StatusOK, "letter.docx is a good docx template")
		if !strings.Contains(b.page("/admin/templates"), `href="`+one+`"`) {
			t.Fatal("the list lacks the template")
		}

		// New revisions: same format, no mistakes, the page's version.
		version := url.Values{"version": {"1"}, "note": {"Second draft"}, "action": {"upload"}}
		want(t, "odt revision", b.upload(one+"/versions", tok, version, "letter.odt", templateFixture(t, "letter.odt")),
			http.StatusUnprocessableEntity, "the template is docx")
		want(t, "revision", b.upload(one+"/versions", tok, version, "letter2.docx", templateFixture(t, "letter2.docx")), http.StatusSeeOther)
		want(t, "stale revision", b.upload(one+"/versions", tok, version, "letter.docx", templateFixture(t, "letter.docx")),
			http.StatusPreconditionFailed)
		version.Set("version", "2")
		if r := b.upload(one+"/versions", tok, version, "letter2.docx", templateFixture(t, "letter2.docx")); !strings.HasSuffix(r.hdr.Get("Location"), "done=template_unchanged") {
			t.Fatalf("same file: %d %v", r.code, r.hdr)
		}
		want(t, "restore", b.post(one+"/versions/1/restore", url.Values{"csrf_token": {tok}, "version": {"2"}}), http.StatusSeeOther)
		want(t, "revisions", b.do("GET", one, nil), http.StatusOK, "revision 3", "Second draft", "restored revision 1")

		// Preview: the record merged into a document, nothing saved.
		r = b.do("GET", one+"/preview?format=docx&record_id="+ct.ID, nil)
		if r.code != http.StatusOK || r.hdr.Get("Content-Type") != merge.ContentTypes["docx"] || !strings.Contains(r.hdr.Get("Content-Disposition"), "attachment") {
			t.Fatalf("preview: %d %v", r.code, r.hdr)
		}
		if !strings.Contains(docxText(t, []byte(r.body)), "Hedwig") {
			t.Fatal("the preview lacks the contact's name")
		}
		if atts, _ := g.s.AttachmentsOf(sys, "contact", ct.ID); len(atts) != 0 {
			t.Fatalf("the preview saved %d files", len(atts))
		}
		want(t, "no record", b.do("GET", one+"/preview?record_id="+model.NewID(), nil), http.StatusNotFound, `role="alert"`)
		want(t, "no id", b.do("GET", one+"/preview?record_id=", nil), http.StatusUnprocessableEntity, `role="alert"`)
		want(t, "pdf", b.do("GET", one+"/preview?format=pdf&record_id="+ct.ID, nil), http.StatusNotImplemented, "LibreOffice")

		b.lang = "ru"
		if !strings.Contains(b.page(one), "Редакции") || !strings.Contains(b.page("/admin/templates"), "Новый шаблон") {
			t.Fatal("the Russian pages lack their texts")
		}
	}, withMerge(blobs))
}

// docxText returns the text of a Word document's body XML.
func docxText(t *testing.T, doc []byte) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := zr.Open("word/document.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, _ := io.ReadAll(f)
	return string(b)
}

// TestOpsListQueries counts the statements of the operations pages for a
// small and a larger data set: the count must not grow with the rows.
func TestOpsListQueries(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		g.user("root", "Rita Root", model.RoleAdmin, nil)
		small, large := g.endpoint("https://small.example.com/in"), g.endpoint("https://large.example.com/in")
		g.deliver(small, store.AttemptFailed, 500)
		for range 8 {
			g.deliver(large, store.AttemptFailed, 500)
		}
		quiet, busy := g.mailbox("Quiet"), g.mailbox("Busy")
		g.quarantined(quiet, 1)
		for i := range 8 {
			g.quarantined(busy, uint32(10+i))
		}
		tmpl := func(name string, revisions int) string {
			dt := &model.DocumentTemplate{Name: name, RecordType: "contact"}
			file := store.TemplateFile{Format: model.TemplateText, Filename: name + ".txt", ContentType: "text/plain", Size: 1,
				SHA256: strings.Repeat("0", 64)}
			if err := g.s.CreateTemplate(sys, dt, file); err != nil {
				g.t.Fatal(err)
			}
			for i := 1; i < revisions; i++ {
				file.SHA256 = fmt.Sprintf("%064d", i)
				if _, err := g.s.AddTemplateRevision(sys, dt.ID, 0, file); err != nil {
					g.t.Fatal(err)
				}
			}
			return "/admin/templates/" + dt.ID
		}
		oneRev, manyRevs := tmpl("Short", 1), tmpl("Long", 6)
		b := g.signIn("root")
		pages := []struct {
			name, small, large string
			more               func()
		}{
			{"webhooks", "/admin/webhooks", "/admin/webhooks", func() {
				for i := range 8 {
					g.endpoint(fmt.Sprintf("https://more%d.example.com/in", i))
				}
			}},
			{"delivery log", "/admin/webhooks/" + small.ID, "/admin/webhooks/" + large.ID, nil},
			{"mailboxes", "/admin/mailboxes", "/admin/mailboxes", func() {
				for i := range 6 {
					g.mailbox(fmt.Sprintf("More%d", i))
				}
			}},
			{"quarantine", "/admin/quarantine?mailbox=" + quiet.ID, "/admin/quarantine?mailbox=" + busy.ID, nil},
			{"templates", "/admin/templates?record_type=contact", "/admin/templates?record_type=contact", func() {
				for i := range 6 {
					tmpl(fmt.Sprintf("More %d", i), 1)
				}
			}},
			{"template", oneRev, manyRevs, nil},
		}
		for _, p := range pages {
			b.page(p.small) // warm up
			var smallBody, largeBody string
			n1 := g.count(func() { smallBody = b.page(p.small) })
			if p.more != nil {
				p.more()
			}
			n2 := g.count(func() { largeBody = b.page(p.large) })
			if n1 != n2 || n1 == 0 || len(largeBody) <= len(smallBody) {
				t.Errorf("%s: %d statements for %d bytes, %d for %d bytes", p.name, n1, len(smallBody), n2, len(largeBody))
			} else {
				t.Logf("%s: %d statements (%d and %d bytes)", p.name, n1, len(smallBody), len(largeBody))
			}
		}
	})
}
