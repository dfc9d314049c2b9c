package api_test

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"rapport/hub/api"
	"rapport/hub/hubtest"
	"rapport/model"
	"rapport/model/secret"
	"rapport/model/store"
	"rapport/model/storetest"
)

// reconfigure serves the client's requests with an API built from cfg.
func (c *client) reconfigure(cfg api.Config) { c.serve(api.New(cfg)) }

// serve mounts a for the client's actor.
func (c *client) serve(a *api.API) {
	c.a = a
	r := mux.NewRouter()
	a.Mount(r.PathPrefix(api.Prefix).Subrouter())
	c.h = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.ServeHTTP(w, req.WithContext(model.WithActor(req.Context(), c.actor)))
	})
}

// fakeMail is the ingest engine: it records fetch requests and retries
// quarantined messages with a reparse the test gives.
type fakeMail struct {
	s       *store.Store
	fetched []string
	reparse store.Reparse
}

func (f *fakeMail) FetchNow(_ context.Context, id string) error {
	f.fetched = append(f.fetched, id)
	return nil
}

func (f *fakeMail) RetryQuarantine(ctx context.Context, id string) (*model.MailQuarantine, *model.MailMessage, error) {
	return f.s.RetryQuarantine(ctx, id, f.reparse)
}

func newMailClient(t *testing.T, s *store.Store) (*client, *fakeMail, *hubtest.MemBlobs) {
	c := newClient(t, s)
	box, err := secret.NewBox(bytes.Repeat([]byte{1}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	engine, blobs := &fakeMail{s: s}, hubtest.NewMemBlobs()
	c.reconfigure(api.Config{Store: s, Blobs: blobs, MaxBodyBytes: 64 << 10, SecretBox: box, MailFetcher: engine, MailRetrier: engine})
	return c, engine, blobs
}

func (c *client) asAgent() *client {
	c.t.Helper()
	ctx := model.WithActor(context.Background(), model.System)
	u := &model.User{Email: "agent@example.com", Name: "Agent", Role: model.RoleAgent}
	if err := c.s.CreateUser(ctx, u, ""); err != nil {
		c.t.Fatal(err)
	}
	agent := *c
	agent.actor = model.Actor{UserID: u.ID, Name: u.Name, Role: u.Role}
	agent.serve(c.a)
	return &agent
}

func TestMailboxesOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c, engine, _ := newMailClient(t, s)
		body := `{"name": "Support", "imap_host": "imap.example.com", "username": "support@example.com", "password": "imap-secret",
			"folders": ["INBOX", "Support"], "from_address": "support@example.com", "smtp_host": "smtp.example.com", "active": true}`
		r := c.do("POST", "/mailboxes", body)
		mb := c.want(r, http.StatusCreated)
		id := mb["id"].(string)
		if strings.Contains(r.Body.String(), "imap-secret") || strings.Contains(r.Body.String(), `"password":`) ||
			mb["imap_port"] != 993.0 || mb["smtp_port"] != 587.0 || !slices.Equal(mb["secrets"].([]any), []any{"password"}) {
			t.Fatalf("created %s", r.Body.String())
		}
		got := c.want(c.do("GET", "/mailboxes/"+id, ""), http.StatusOK)
		p := c.do("PATCH", "/mailboxes/"+id, `{"password": "rotated", "smtp_username": "support", "smtp_password": "smtp-secret"}`, "If-Match", `"1"`)
		patched := c.want(p, http.StatusOK)
		if strings.Contains(p.Body.String(), "rotated") || patched["version"] != 2.0 || patched["secrets_changed_at"] == got["secrets_changed_at"] ||
			len(patched["secrets"].([]any)) != 2 {
			t.Fatalf("patched %s", p.Body.String())
		}
		m, _ := store.Get[model.Mailbox](context.Background(), s, id)
		box, _ := secret.NewBox(bytes.Repeat([]byte{1}, secret.KeySize))
		if sec, err := store.OpenMailboxSecrets(box, m); err != nil || sec.Password != "rotated" || sec.SMTPPassword != "smtp-secret" {
			t.Fatalf("%+v %v", sec, err)
		}
		for _, tc := range []struct{ body, field string }{
			{`{"imap_tls": "plain"}`, "imap_tls"},
			{`{"after_processing": "move"}`, "move_to"},
			{`{"queue_id": "` + model.NewID() + `"}`, "queue_id"},
		} {
			if e := c.want(c.do("PATCH", "/mailboxes/"+id, tc.body), http.StatusUnprocessableEntity); !strings.Contains(e["detail"].(string)+
				strings.Join(fieldsOf(e), " "), tc.field) {
				t.Errorf("%s: %v", tc.body, e)
			}
		}

		st := c.want(c.do("GET", "/mailboxes/"+id+"/status", ""), http.StatusOK)
		if st["state"] != "idle" || st["quarantined"] != 0.0 || len(st["folders"].([]any)) != 0 {
			t.Fatalf("status %v", st)
		}
		if f := c.want(c.do("POST", "/mailboxes/"+id+"/fetch", ""), http.StatusAccepted); f["requested"] != true || !slices.Equal(engine.fetched, []string{id}) {
			t.Fatalf("fetch %v %v", f, engine.fetched)
		}

		agent := c.asAgent()
		c.want(agent.do("GET", "/mailboxes/"+id, ""), http.StatusOK)
		c.want(agent.do("POST", "/mailboxes/"+id+"/fetch", ""), http.StatusAccepted)
		c.want(agent.do("PATCH", "/mailboxes/"+id, `{"name": "Mine"}`), http.StatusForbidden)
		c.want(agent.do("POST", "/mailboxes", body), http.StatusForbidden)

		c.want(c.do("PATCH", "/mailboxes/"+id, `{"active": false}`), http.StatusOK)
		c.want(c.do("POST", "/mailboxes/"+id+"/fetch", ""), http.StatusConflict)
		c.want(c.do("DELETE", "/mailboxes/"+id, ""), http.StatusNoContent)
		c.want(c.do("GET", "/mailboxes/"+id+"/status", ""), http.StatusNotFound)

		// Without the server key, mailboxes cannot be written; without the engine, not fetched.
		c.reconfigure(api.Config{Store: s})
		c.want(c.do("POST", "/mailboxes", body), http.StatusNotImplemented)
	})
}

// fieldsOf lists the field names of a problem's errors.
func fieldsOf(problem map[string]any) []string {
	var out []string
	errs, _ := problem["errors"].([]any)
	for _, e := range errs {
		out = append(out, e.(map[string]any)["field"].(string))
	}
	return out
}

func TestMailLogQuarantineAndOutboxOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c, engine, blobs := newMailClient(t, s)
		ctx := model.WithActor(context.Background(), c.actor)
		id := c.want(c.do("POST", "/mailboxes", `{"name": "Support", "imap_host": "imap.example.com", "username": "u", "password": "p", "active": true}`),
			http.StatusCreated)["id"].(string)
		c.want(c.do("POST", "/mailboxes/"+id+"/fetch", ""), http.StatusAccepted)

		raw := "From: ann@example.com\r\nSubject: Help\r\nMessage-ID: <1@example.com>\r\n\r\nPlease help.\r\n"
		info, _ := blobs.Put(ctx, strings.NewReader(raw), "mail.eml", 1<<20)
		in := &model.MailIngest{MailboxID: id, Folder: "INBOX", UIDValidity: 1, UID: 1, SHA256: info.SHA256, Size: info.Size,
			MessageID: "1@example.com", From: model.MailAddress{Email: "ann@example.com"}, Subject: "Help", Text: "Please help.",
			HTML: "<p>Please help.</p>", Decision: model.MailDecision{Kind: "mail", Ack: true, Trace: []model.MailStep{{Name: "dedupe", Verdict: "pass"}}}}
		msg, _, err := s.IngestMail(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		page := c.want(c.do("GET", "/mail/messages?outcome=request", ""), http.StatusOK)["items"].([]any)
		if len(page) != 1 || page[0].(map[string]any)["id"] != msg.ID {
			t.Fatalf("log %v", page)
		}
		one := c.want(c.do("GET", "/mail/messages/"+msg.ID, ""), http.StatusOK)
		trace := one["decision"].(map[string]any)["trace"].([]any)
		if one["html"] != "<p>Please help.</p>" || one["text"] != "Please help." || len(trace) != 2 || one["request_id"] == nil {
			t.Fatalf("message %v", one)
		}
		if r := c.do("GET", "/mail/messages/"+msg.ID+"/raw", ""); r.Code != http.StatusOK || r.Body.String() != raw ||
			r.Header().Get("Content-Type") != "message/rfc822" {
			t.Fatalf("raw %d %q", r.Code, r.Body.String())
		}

		bad, _ := blobs.Put(ctx, strings.NewReader("\x00\x01 not mail"), "bad.eml", 1<<20)
		q, _, err := s.QuarantineMail(ctx, &model.MailQuarantine{MailboxID: id, Folder: "INBOX", UIDValidity: 1, UID: 2, SHA256: bad.SHA256,
			Size: bad.Size, Reason: model.QuarantineMalformed, Error: "unreadable message: no header"})
		if err != nil {
			t.Fatal(err)
		}
		if st := c.want(c.do("GET", "/mailboxes/"+id+"/status", ""), http.StatusOK); st["quarantined"] != 1.0 ||
			st["folders"].([]any)[0].(map[string]any)["last_uid"] != 2.0 {
			t.Fatalf("status %v", st)
		}
		agent := c.asAgent()
		if items := c.want(agent.do("GET", "/mail/quarantine?status=open", ""), http.StatusOK)["items"].([]any); len(items) != 1 {
			t.Fatalf("quarantine %v", items)
		}
		if r := agent.do("GET", "/mail/quarantine/"+q.ID+"/raw", ""); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "not mail") {
			t.Fatalf("raw %d", r.Code)
		}
		c.want(agent.do("POST", "/mail/quarantine/"+q.ID+"/retry", ""), http.StatusForbidden)
		c.want(agent.do("POST", "/mail/quarantine/"+q.ID+"/discard", ""), http.StatusForbidden)

		engine.reparse = func(context.Context, *model.MailQuarantine) (*model.MailIngest, error) {
			return nil, model.Errorf(model.EMALFORMED, "unreadable message: still no header")
		}
		res := c.want(c.do("POST", "/mail/quarantine/"+q.ID+"/retry", ""), http.StatusOK)
		if res["message"] != nil || res["quarantine"].(map[string]any)["status"] != "retried" {
			t.Fatalf("retry %v", res)
		}
		c.want(c.do("POST", "/mail/quarantine/"+q.ID+"/discard", "", "If-Match", `"1"`), http.StatusPreconditionFailed)
		if d := c.want(c.do("POST", "/mail/quarantine/"+q.ID+"/discard", ""), http.StatusOK); d["status"] != "discarded" {
			t.Fatalf("discard %v", d)
		}
		c.want(c.do("POST", "/mail/quarantine/"+q.ID+"/retry", ""), http.StatusConflict)

		out := &model.OutboundMail{From: model.MailAddress{Email: "support@example.com"}, To: []model.MailAddress{{Email: "ann@example.com"}},
			Subject: "Re: Help", Text: "Done.", RequestID: msg.RequestID, MessageID: "x@rapport.example"}
		if err := store.Create(ctx, s, out); err != nil {
			t.Fatal(err)
		}
		if items := c.want(agent.do("GET", "/mail/outbox?request_id="+*msg.RequestID, ""), http.StatusOK)["items"].([]any); len(items) != 1 {
			t.Fatalf("outbox %v", items)
		}
		c.want(agent.do("GET", "/mail/outbox/"+out.ID, ""), http.StatusOK)

		c.reconfigure(api.Config{Store: s})
		c.want(c.do("POST", "/mail/quarantine/"+q.ID+"/retry", ""), http.StatusNotImplemented)
		c.want(c.do("POST", "/mailboxes/"+id+"/fetch", ""), http.StatusNotImplemented)
	})
}

func TestMailEventCatalogue(t *testing.T) {
	s := storetest.Open(t, "sqlite")
	c := newClient(t, s)
	items := c.want(c.do("GET", "/webhooks/event-types", ""), http.StatusOK)["items"].([]any)
	want := map[string]string{"mail.received": "outcome", "mail.bounced": "outbound_mail_id", "mail.quarantined": "reason",
		"mail.sent": "message_id", "mail_message.created": "decision"}
	for _, it := range items {
		e := it.(map[string]any)
		field, ok := want[e["type"].(string)]
		if !ok {
			continue
		}
		data := e["schema"].(map[string]any)["properties"].(map[string]any)["data"].(map[string]any)
		record := data["anyOf"].([]any)[0].(map[string]any)["properties"].(map[string]any)
		if record[field] == nil || e["description"] == "" || record["password"] != nil {
			t.Errorf("%s: %v", e["type"], e)
		}
		delete(want, e["type"].(string))
	}
	if len(want) > 0 {
		t.Errorf("missing from the catalogue: %v", want)
	}
}
