package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"rapport/hub/api"
	"rapport/hub/hubtest"
	"rapport/hub/merge"
	"rapport/hub/outmail"
	"rapport/model"
	"rapport/model/secret"
	"rapport/model/store"
	"rapport/model/storetest"
	"rapport/templates/builtin"
)

// sendRig is an API that queues mail: Message-IDs minted by a counter,
// deliveries recorded instead of enqueued, mailings run by a fake.
type sendRig struct {
	t        *testing.T
	s        *store.Store
	ctx      context.Context // the system
	admin    *client
	agent    *client
	blobs    mergeBlobs
	mailings *fakeMailings
	mu       sync.Mutex
	enqueued []string
	box      *secret.Box
}

// fakeMailings records the mailings started and reports them done.
type fakeMailings struct {
	s       *store.Store
	started []outmail.Mailing
	inTx    []bool
}

func (f *fakeMailings) Start(ctx context.Context, m outmail.Mailing) (int64, error) {
	_, ok := f.s.SQLTx(ctx)
	f.started, f.inTx = append(f.started, m), append(f.inTx, ok)
	return int64(len(f.started)), nil
}

func (f *fakeMailings) Status(_ context.Context, id int64) (*outmail.MailingStatus, error) {
	if id > int64(len(f.started)) {
		return nil, model.Errorf(model.ENOTFOUND, "no mailing %d", id)
	}
	return &outmail.MailingStatus{ID: id, Mailing: f.started[id-1], State: outmail.MailingDone,
		Progress: outmail.Progress{Done: true, Members: 3, Queued: 2, NoAddress: 1}}, nil
}

func newSendRig(t *testing.T, s *store.Store) *sendRig {
	t.Helper()
	rg := &sendRig{t: t, s: s, ctx: model.WithActor(context.Background(), model.System), blobs: mergeBlobs{hubtest.NewMemBlobs()},
		mailings: &fakeMailings{s: s}}
	var err error
	if rg.box, err = secret.NewBox(bytes.Repeat([]byte{3}, secret.KeySize)); err != nil {
		t.Fatal(err)
	}
	rg.admin = newClient(t, s)
	u := &model.User{Email: "agent@example.com", Name: "Alice Agent", Role: model.RoleAgent}
	if err := s.CreateUser(rg.ctx, u, ""); err != nil {
		t.Fatal(err)
	}
	rg.agent = &client{t: t, s: s, actor: model.Actor{UserID: u.ID, Name: u.Name, Role: u.Role}}
	rg.configure(func(*api.Config) {})
	return rg
}

// configure serves both clients with the rig's API as change makes it.
func (rg *sendRig) configure(change func(*api.Config)) {
	n := 0
	cfg := api.Config{Store: rg.s, Blobs: rg.blobs.MemBlobs, MaxBodyBytes: 64 << 10, SecretBox: rg.box,
		Merge: merge.New(merge.Config{Store: rg.s, Blobs: rg.blobs, DefaultLocale: "en-GB"}),
		MintMessageID: func(ref, domain string) (string, error) {
			n++
			return fmt.Sprintf("%s.%016x.000000000000000000000000@%s", ref, n, domain), nil
		},
		EnqueueMail: func(_ context.Context, id string) error {
			rg.mu.Lock()
			defer rg.mu.Unlock()
			rg.enqueued = append(rg.enqueued, id)
			return nil
		},
		MailFrom: model.MailAddress{Name: "Rapport", Email: "crm@example.com"},
		Mailings: rg.mailings}
	change(&cfg)
	a := api.New(cfg)
	for _, c := range []*client{rg.admin, rg.agent} {
		c.a = a
		r := mux.NewRouter()
		v1 := r.PathPrefix(api.Prefix).Subrouter()
		v1.Use(func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				next.ServeHTTP(w, req.WithContext(model.WithActor(req.Context(), c.actor)))
			})
		}, a.Idempotency)
		a.Mount(v1)
		c.h = r
	}
}

// customerMail makes a request from a customer's mail to the Support
// mailbox, whose queue the request lands in.
func (rg *sendRig) customerMail(email string) (*model.Request, *model.Mailbox) {
	rg.t.Helper()
	q := &model.Queue{Name: "Support", Active: true}
	if err := store.Create(rg.ctx, rg.s, q); err != nil {
		rg.t.Fatal(err)
	}
	mb := &model.Mailbox{Name: "Support", IMAPHost: "imap.example.com", Username: "support@example.com", Password: "x",
		QueueID: &q.ID, FromAddress: "support@example.com", FromName: "Support desk", Active: true}
	if err := rg.s.CreateMailbox(rg.ctx, rg.box, mb); err != nil {
		rg.t.Fatal(err)
	}
	msg, _, err := rg.s.IngestMail(rg.ctx, &model.MailIngest{MailboxID: mb.ID, Folder: "INBOX", UIDValidity: 1, UID: 1,
		SHA256: strings.Repeat("c", 64), MessageID: "cust-1@example.org", Subject: "Printer broken", Date: time.Now(),
		From: model.MailAddress{Name: "Anna", Email: email}, Text: "It does not print.",
		Decision: model.MailDecision{Kind: model.MailKindMail}})
	if err != nil {
		rg.t.Fatal(err)
	}
	req, err := store.Get[model.Request](rg.ctx, rg.s, *msg.RequestID)
	if err != nil {
		rg.t.Fatal(err)
	}
	return req, mb
}

func (rg *sendRig) outbox(query string) []any {
	rg.t.Helper()
	return rg.admin.want(rg.admin.do("GET", "/mail/outbox?"+query, ""), http.StatusOK)["items"].([]any)
}

func TestReplyOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		rg := newSendRig(t, s)
		req, mb := rg.customerMail("anna@example.org")
		path := "/requests/" + req.ID + "/reply"

		r := rg.agent.do("POST", path, `{"text": "Please restart it.", "cc": [{"email": "Boss@Example.org"}]}`, "Idempotency-Key", "k1")
		out := rg.agent.want(r, http.StatusAccepted)
		id := out["id"].(string)
		if r.Header().Get("Location") != api.Prefix+"/mail/outbox/"+id || out["status"] != "queued" ||
			out["subject"] != "Re: ["+req.Number+"] Printer broken" || out["in_reply_to"] != "cust-1@example.org" ||
			out["mailbox_id"] != mb.ID || out["request_id"] != req.ID || out["auto_submitted"] != "" ||
			!strings.HasPrefix(out["message_id"].(string), "r-"+req.ID+".") || !strings.HasSuffix(out["message_id"].(string), "@example.com") {
			t.Fatalf("reply %s", r.Body)
		}
		if from := out["from"].(map[string]any); from["email"] != "support@example.com" || from["name"] != "Support desk" {
			t.Errorf("from %v", from)
		}
		if to := out["to"].([]any); len(to) != 1 || to[0].(map[string]any)["email"] != "anna@example.org" ||
			out["cc"].([]any)[0].(map[string]any)["email"] != "boss@example.org" || fmt.Sprint(out["references"]) != "[cust-1@example.org]" {
			t.Errorf("recipients %v %v, references %v", to, out["cc"], out["references"])
		}
		// A retry with the same key replays the answer and queues nothing more.
		again := rg.agent.do("POST", path, `{"text": "Please restart it.", "cc": [{"email": "Boss@Example.org"}]}`, "Idempotency-Key", "k1")
		if again.Code != http.StatusAccepted || again.Header().Get("Idempotent-Replayed") != "true" || !slices.Equal(rg.enqueued, []string{id}) {
			t.Fatalf("replay %d %v", again.Code, rg.enqueued)
		}
		if items := rg.outbox("request_id=" + req.ID); len(items) != 1 || items[0].(map[string]any)["id"] != id {
			t.Fatalf("outbox %v", items)
		}
		got, _ := store.Get[model.Request](rg.ctx, s, req.ID)
		if got.FirstResponseAt == nil || got.Status != model.RequestOpen {
			t.Errorf("request after the reply: %s, first response %v", got.Status, got.FirstResponseAt)
		}

		// A second reply threads under the same customer mail, after ours.
		second := rg.agent.want(rg.agent.do("POST", path, `{"text": "Did it help?", "close": true}`), http.StatusAccepted)
		if refs := second["references"].([]any); len(refs) != 2 || refs[0] != out["message_id"] || refs[1] != "cust-1@example.org" {
			t.Errorf("second reply's references %v", refs)
		}
		if got, _ := store.Get[model.Request](rg.ctx, s, req.ID); got.Status != model.RequestClosed {
			t.Errorf("close: the request is %s", got.Status)
		}

		// An internal note stays a note.
		rg.agent.want(rg.agent.do("POST", "/requests/"+req.ID+"/events", `{"type": "note", "body": "customer sounds angry"}`), http.StatusCreated)
		if items := rg.outbox("request_id=" + req.ID); len(items) != 2 {
			t.Errorf("a note went to the outbox: %d entries", len(items))
		}

		other := &model.Attachment{RecordType: "contact", RecordID: *req.ContactID, Filename: "x.txt", SHA256: strings.Repeat("d", 64)}
		if err := store.Create(rg.ctx, s, other); err != nil {
			t.Fatal(err)
		}
		for body, field := range map[string]string{
			`{"text": ""}`: "text",
			`{"text": "x", "attachments": ["` + other.ID + `"]}`: "attachments[0]",
			`{"text": "x", "close": true, "status": "resolved"}`: "status",
			`{"text": "x", "cc": [{"email": "not an address"}]}`: "cc[0].email",
		} {
			if e := rg.agent.want(rg.agent.do("POST", path, body), http.StatusUnprocessableEntity); !slices.Contains(fieldsOf(e), field) {
				t.Errorf("%s: %v", body, e)
			}
		}
		rg.agent.want(rg.agent.do("POST", "/requests/"+model.NewID()+"/reply", `{"text": "x"}`), http.StatusNotFound)

		// A request nobody can be answered on, and a hub that cannot send.
		lone := &model.Request{Subject: "Phone call"}
		if err := store.Create(rg.ctx, s, lone); err != nil {
			t.Fatal(err)
		}
		rg.agent.want(rg.agent.do("POST", "/requests/"+lone.ID+"/reply", `{"text": "x"}`), http.StatusUnprocessableEntity)
		rg.configure(func(c *api.Config) { c.MintMessageID = nil })
		rg.agent.want(rg.agent.do("POST", path, `{"text": "x"}`), http.StatusNotImplemented)
	})
}

// installQuoteTemplates installs the built-in quote templates.
func (rg *sendRig) installQuoteTemplates() {
	rg.t.Helper()
	var list []store.BuiltinTemplate
	for _, b := range builtin.All() {
		if b.RecordType != "quote" || b.Format != model.TemplateDOCX {
			continue
		}
		info, err := rg.blobs.Put(rg.ctx, bytes.NewReader(b.Content), b.Filename, 10<<20)
		if err != nil {
			rg.t.Fatal(err)
		}
		list = append(list, store.BuiltinTemplate{Key: b.Key, Name: b.Name, RecordType: b.RecordType, Locale: b.Locale,
			File: store.TemplateFile{Format: b.Format, Filename: b.Filename, ContentType: "application/octet-stream", Size: info.Size, SHA256: info.SHA256}})
	}
	if _, err := rg.s.InstallBuiltinTemplates(rg.ctx, list); err != nil {
		rg.t.Fatal(err)
	}
}

func TestDocumentByMailOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		rg := newSendRig(t, s)
		rg.installQuoteTemplates()
		acc := &model.Account{Name: "ООО Ромашка"}
		if err := store.Create(rg.ctx, s, acc); err != nil {
			t.Fatal(err)
		}
		anna := &model.Contact{FirstName: "Анна", LastName: "Петрова", AccountID: &acc.ID, Language: "ru",
			Emails: []model.Labeled{{Type: "work", Value: "anna@example.ru"}}}
		noMail := &model.Contact{FirstName: "Boris", AccountID: &acc.ID}
		for _, c := range []*model.Contact{anna, noMail} {
			if err := store.Create(rg.ctx, s, c); err != nil {
				t.Fatal(err)
			}
		}
		quote := func(contact *model.Contact) *model.Quote {
			q := &model.Quote{AccountID: &acc.ID, ContactID: &contact.ID, Pricing: model.Pricing{Currency: "RUB"}}
			desc, qty, price := "Консультация", model.DecInt(2), model.Dec("1500")
			if _, err := s.CreateQuote(model.WithActor(context.Background(), rg.agent.actor), q, []model.LineInput{{Description: &desc,
				Quantity: &qty, UnitPrice: &price}}); err != nil {
				t.Fatal(err)
			}
			return q
		}
		q := quote(anna)

		r := rg.agent.do("POST", "/quotes/"+q.ID+"/mail", "")
		out := rg.agent.want(r, http.StatusAccepted)
		attID := r.Header().Get("Rapport-Attachment-Id")
		ruID := builtinID(t, rg, "quote-ru")
		if out["template_id"] != ruID || fmt.Sprint(out["attachments"]) != "["+attID+"]" || out["contact_id"] != anna.ID ||
			out["subject"] != "Коммерческое предложение "+q.Number || !strings.HasPrefix(out["message_id"].(string), "quote-"+q.ID+".") ||
			out["to"].([]any)[0].(map[string]any)["email"] != "anna@example.ru" || out["from"].(map[string]any)["email"] != "crm@example.com" {
			t.Fatalf("mail %s", r.Body)
		}
		att, err := store.Get[model.Attachment](rg.ctx, s, attID)
		if err != nil || att.RecordType != "quote" || att.RecordID != q.ID || !strings.HasSuffix(att.Filename, ".docx") ||
			!strings.Contains(out["text"].(string), att.Filename) {
			t.Fatalf("attachment %+v %v (text %q)", att, err, out["text"])
		}
		if sent, _ := store.Get[model.Quote](rg.ctx, s, q.ID); sent.Status != model.QuoteSent {
			t.Errorf("a mailed draft quote is %s", sent.Status)
		}

		// Without a contact address: 422 and nothing saved; with to, sent.
		q2 := quote(noMail)
		before := len(attachmentsOf(t, rg, "quote", q2.ID))
		if e := rg.agent.want(rg.agent.do("POST", "/quotes/"+q2.ID+"/mail", `{"format": "docx"}`), http.StatusUnprocessableEntity); !slices.Contains(fieldsOf(e), "to") {
			t.Errorf("no address: %v", e)
		}
		if n := len(attachmentsOf(t, rg, "quote", q2.ID)); n != before {
			t.Errorf("a refused mail saved a document (%d → %d)", before, n)
		}
		enID := builtinID(t, rg, "quote-en")
		out = rg.agent.want(rg.agent.do("POST", "/quotes/"+q2.ID+"/mail", `{"to": [{"email": "boris@example.com"}], "template_id": "`+enID+
			`", "subject": "Your quote", "text": "Here it is."}`), http.StatusAccepted)
		if out["subject"] != "Your quote" || out["text"] != "Here it is." || out["template_id"] != enID {
			t.Errorf("explicit mail %v", out)
		}

		letter := &model.DocumentTemplate{Name: "Letter", RecordType: "contact"}
		if err := s.CreateTemplate(rg.ctx, letter, store.TemplateFile{Format: model.TemplateDOCX, Filename: "l.docx",
			ContentType: "application/octet-stream", Size: 1, SHA256: strings.Repeat("e", 64)}); err != nil {
			t.Fatal(err)
		}
		if e := rg.agent.want(rg.agent.do("POST", "/quotes/"+q.ID+"/mail", `{"template_id": "`+letter.ID+`"}`), http.StatusUnprocessableEntity); !slices.Contains(fieldsOf(e), "template_id") {
			t.Errorf("a contact template: %v", e)
		}
		rg.agent.want(rg.agent.do("POST", "/quotes/"+q.ID+"/mail", `{"format": "pdf"}`), http.StatusNotImplemented) // no LibreOffice here
		rg.agent.want(rg.agent.do("POST", "/quotes/"+q.ID+"/mail", `{"bcc": []}`), http.StatusUnprocessableEntity)
		inv := &model.Invoice{AccountID: acc.ID, ContactID: &anna.ID, Pricing: model.Pricing{Currency: "RUB"}}
		if _, err := s.CreateInvoice(rg.ctx, inv, nil); err != nil {
			t.Fatal(err)
		}
		rg.agent.want(rg.agent.do("POST", "/invoices/"+inv.ID+"/mail", ""), http.StatusConflict)
		rg.agent.want(rg.agent.do("POST", "/orders/"+model.NewID()+"/mail", ""), http.StatusNotFound)
	})
}

func builtinID(t *testing.T, rg *sendRig, key string) string {
	t.Helper()
	p, err := store.List[model.DocumentTemplate](rg.ctx, rg.s, store.ListParams{Equals: map[string]string{"builtin": key}})
	if err != nil || len(p.Items) != 1 {
		t.Fatalf("built-in %s: %v %v", key, p.Items, err)
	}
	return p.Items[0].ID
}

func attachmentsOf(t *testing.T, rg *sendRig, entity, id string) []model.Attachment {
	t.Helper()
	list, err := rg.s.AttachmentsOf(rg.ctx, entity, id)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestMailingOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		rg := newSendRig(t, s)
		list := &model.MailingList{Name: "Newsletter"}
		if err := store.Create(rg.ctx, s, list); err != nil {
			t.Fatal(err)
		}
		info, err := rg.blobs.Put(rg.ctx, strings.NewReader("<p>Hello {contact.first_name}</p>"), "n.html", 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &model.DocumentTemplate{Name: "News", RecordType: "contact", Subject: "News for {contact.first_name}"}
		if err := s.CreateTemplate(rg.ctx, tmpl, store.TemplateFile{Format: model.TemplateHTML, Filename: "n.html",
			ContentType: "text/html", Size: info.Size, SHA256: info.SHA256}); err != nil {
			t.Fatal(err)
		}
		path, body := "/mailing-lists/"+list.ID+"/send", `{"template_id": "`+tmpl.ID+`"}`

		r := rg.agent.do("POST", path, body, "Idempotency-Key", "m1")
		st := rg.agent.want(r, http.StatusAccepted)
		if r.Header().Get("Location") != api.Prefix+"/mail/mailings/1" || st["id"] != 1.0 || st["state"] != "queued" ||
			st["list_id"] != list.ID || st["template_id"] != tmpl.ID || st["user_id"] != rg.agent.actor.UserID {
			t.Fatalf("started %s", r.Body)
		}
		again := rg.agent.do("POST", path, body, "Idempotency-Key", "m1")
		if again.Code != http.StatusAccepted || again.Header().Get("Idempotent-Replayed") != "true" ||
			len(rg.mailings.started) != 1 || !rg.mailings.inTx[0] {
			t.Fatalf("replay %d: %d started (in a transaction: %v)", again.Code, len(rg.mailings.started), rg.mailings.inTx)
		}
		got := rg.agent.want(rg.agent.do("GET", "/mail/mailings/1", ""), http.StatusOK)
		if got["state"] != "done" || got["progress"].(map[string]any)["queued"] != 2.0 {
			t.Errorf("status %v", got)
		}
		rg.agent.want(rg.agent.do("GET", "/mail/mailings/2", ""), http.StatusNotFound)
		rg.agent.want(rg.agent.do("GET", "/mail/mailings/x", ""), http.StatusNotFound)

		rg.agent.want(rg.agent.do("POST", path, `{}`), http.StatusUnprocessableEntity)
		rg.agent.want(rg.agent.do("POST", path, `{"template_id": "`+model.NewID()+`"}`), http.StatusUnprocessableEntity)
		rg.agent.want(rg.agent.do("POST", "/mailing-lists/"+model.NewID()+"/send", body), http.StatusNotFound)
		if len(rg.mailings.started) != 1 {
			t.Errorf("refused mailings started: %d", len(rg.mailings.started))
		}
		rg.configure(func(c *api.Config) { c.Mailings = nil })
		rg.agent.want(rg.agent.do("POST", path, body), http.StatusNotImplemented)
	})
}
