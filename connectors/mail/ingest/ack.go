package ingest

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/templates/lang"
	"rapport/templates/locale"
)

// Acknowledgement limits.
const (
	// ackQuoteChars is how much of the customer's text the acknowledgement
	// quotes back ({request.description}): enough to recognise it, without
	// sending a long mail back whole.
	ackQuoteChars = 2000
	// ackReferences is how many Message-IDs of the thread its References
	// field keeps (the newest).
	ackReferences = 20
	// templateBytes bounds a mail template read from the blob store (the
	// template language's own bound).
	templateBytes = 2 << 20
	// cachedTemplates bounds the parsed templates kept; past it the cache
	// starts again (templates are few, edits rare).
	cachedTemplates = 64
)

// acks renders acknowledgements from the installed request-ack templates
// (document templates with built-in keys "request-ack-<language>.html" and
// ".txt", which staff may edit) and queues them.
type acks struct {
	p         *Pipeline
	installed ttlCache[string, *model.DocumentTemplate] // by built-in key; nil when none is
	mailboxes ttlCache[string, *model.Mailbox]          // by id
	mu        sync.Mutex
	cache     map[string]*lang.Template // by template content hash, or "subject:" and the subject's text
}

// send queues the acknowledgement of a new request in the message's
// transaction. One that cannot be made — the mailbox has no from address,
// the template was deleted or does not render, the recipient is refused —
// is logged and leaves the message ingested (composing only reads, and
// QueueMail undoes its own writes in a savepoint); a failure of the
// database or the job queue fails the message.
func (a *acks) send(ctx context.Context, msg *model.MailMessage, in *model.MailIngest) error {
	ctx = system(ctx)
	out, err := a.compose(ctx, msg, in)
	if err == nil {
		err = a.p.cfg.Store.QueueMail(ctx, out, a.p.cfg.Enqueue)
	}
	if refused(err) {
		a.p.log.Warn("ingest: no acknowledgement", "mail_message", msg.ID, "request", deref(msg.RequestID), "err", err)
		return nil
	}
	return err
}

// ackRecords are the records an acknowledgement speaks of.
type ackRecords struct {
	request *model.Request
	mailbox *model.Mailbox
	contact *model.Contact // nil when the request has none
	account *model.Account // nil when none
}

// compose renders the acknowledgement of msg's request.
func (a *acks) compose(ctx context.Context, msg *model.MailMessage, in *model.MailIngest) (*model.OutboundMail, error) {
	recs, err := a.records(ctx, msg)
	if err != nil {
		return nil, err
	}
	if !model.ValidEmail(recs.mailbox.FromAddress) {
		return nil, model.Errorf(model.EINVALID, "mailbox %s has no from address to answer from", recs.mailbox.Name)
	}
	language := "en"
	if strings.HasPrefix(strings.ToLower(languageOf(recs)), "ru") {
		language = "ru"
	}
	data := ackData(recs, a.p.cfg.Company)
	html, err := a.render(ctx, "request-ack-"+language+".html", data, recs)
	if err != nil {
		return nil, err
	}
	text, err := a.render(ctx, "request-ack-"+language+".txt", data, recs)
	if err != nil {
		return nil, err
	}
	if html.template == nil && text.template == nil {
		return nil, model.Errorf(model.ENOTFOUND, "no request-ack-%s template is installed", language)
	}
	id, err := a.messageID(recs.request.ID, recs.mailbox.FromAddress)
	if err != nil {
		return nil, err
	}
	tpl := html
	if tpl.template == nil {
		tpl = text
	}
	out := &model.OutboundMail{MailboxID: &recs.mailbox.ID, From: model.MailAddress{Name: recs.mailbox.FromName, Email: recs.mailbox.FromAddress},
		To: []model.MailAddress{answerer(msg)}, Subject: tpl.subject, Text: text.body, HTML: html.body,
		MessageID: id, InReplyTo: in.MessageID, References: references(in), AutoSubmitted: "auto-replied",
		RequestID: &recs.request.ID, TemplateID: &tpl.template.ID}
	if recs.contact != nil {
		out.ContactID = &recs.contact.ID
	}
	if out.Subject == "" {
		out.Subject = "[" + recs.request.Number + "] " + recs.request.Subject
	}
	return out, nil
}

// records loads the request, the mailbox and the request's contact and
// account (falling back on the message's contact).
func (a *acks) records(ctx context.Context, msg *model.MailMessage) (*ackRecords, error) {
	s := a.p.cfg.Store
	r := &ackRecords{}
	var err error
	if r.request, err = store.Get[model.Request](ctx, s, deref(msg.RequestID)); err != nil {
		return nil, err
	}
	r.mailbox, err = a.mailboxes.get(msg.MailboxID, func() (*model.Mailbox, error) { return store.Get[model.Mailbox](ctx, s, msg.MailboxID) })
	if err != nil {
		return nil, err
	}
	if id := cmpOr(r.request.ContactID, msg.ContactID); id != "" {
		if r.contact, err = store.Get[model.Contact](ctx, s, id); err != nil {
			return nil, err
		}
	}
	accountID := deref(r.request.AccountID)
	if accountID == "" && r.contact != nil {
		accountID = deref(r.contact.AccountID)
	}
	if accountID != "" {
		if r.account, err = store.Get[model.Account](ctx, s, accountID); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// languageOf is the contact's language, else the account's.
func languageOf(r *ackRecords) string {
	if r.contact != nil && r.contact.Language != "" {
		return r.contact.Language
	}
	if r.account != nil {
		return r.account.Language
	}
	return ""
}

// ackData is the data tree the template reads: the request with its
// contact and account (as the merge service builds it for documents, one
// level deep), those two at the top as well, and the company. The quoted
// description is cut to ackQuoteChars.
func ackData(r *ackRecords, company lang.Company) map[string]any {
	req := lang.Map(r.request)
	if d, cut := cutChars(r.request.Description, ackQuoteChars); cut {
		req["description"] = d + " …"
	}
	contact, account := mapOf(r.contact), mapOf(r.account)
	req["contact"], req["account"], req["assignee"], req["product"] = contact, account, nil, nil
	if c, ok := contact.(map[string]any); ok {
		c["account"], c["owner"] = account, nil
	}
	return map[string]any{"request": req, "contact": contact, "account": account, "company": lang.Map(&company), "user": nil}
}

// cutChars cuts s after n characters, without converting it whole: a
// description may be megabytes.
func cutChars(s string, n int) (string, bool) {
	for i := range s {
		if n == 0 {
			return s[:i], true
		}
		n--
	}
	return s, false
}

// mapOf is a record's data, or nil (not an empty map) when it is absent,
// so that {#if contact} reads false.
func mapOf[T any](rec *T) any {
	if rec == nil {
		return nil
	}
	return lang.Map(rec)
}

// rendered is one body of the acknowledgement and the template it came
// from (nil when the template is not installed).
type rendered struct {
	template *model.DocumentTemplate
	body     string
	subject  string
}

// render renders the installed template with the built-in key. A deleted
// template renders nothing; one that does not parse or render is refused
// (EINVALID) with the template's name.
func (a *acks) render(ctx context.Context, key string, data map[string]any, recs *ackRecords) (rendered, error) {
	t, err := a.installed.get(key, func() (*model.DocumentTemplate, error) {
		page, err := store.List[model.DocumentTemplate](ctx, a.p.cfg.Store, store.ListParams{Equals: map[string]string{"builtin": key}, Limit: 1})
		if err != nil || len(page.Items) == 0 {
			return nil, err
		}
		return page.Items[0], nil
	})
	if err != nil || t == nil {
		return rendered{}, err
	}
	body, err := a.parse(t.SHA256, func() (string, error) { return a.read(ctx, t.SHA256) })
	if err == nil {
		env := a.env(t, recs)
		out := rendered{template: t}
		if t.Format == model.TemplateHTML {
			out.body, err = body.HTML(ctx, data, env)
		} else {
			out.body, err = body.Text(ctx, data, env)
		}
		if err == nil {
			out.subject, err = a.subject(ctx, t.Subject, data, env)
		}
		if err == nil {
			return out, nil
		}
	}
	if refused(err) {
		return rendered{}, err
	}
	return rendered{}, model.Errorf(model.EINVALID, "template %s (%s): %v", t.Name, key, err)
}

// env is how a template renders for the records: the template's locale,
// else the contact's or account's language, else the default.
func (a *acks) env(t *model.DocumentTemplate, r *ackRecords) lang.Env {
	var contactLang, accountLang string
	if r.contact != nil {
		contactLang = r.contact.Language
	}
	if r.account != nil {
		accountLang = r.account.Language
	}
	return lang.Env{Locale: locale.Choose(t.Locale, contactLang, accountLang, a.p.cfg.Locale), Location: a.p.cfg.Location, Now: time.Now()}
}

// subject renders a subject line template on one line.
func (a *acks) subject(ctx context.Context, text string, data map[string]any, env lang.Env) (string, error) {
	if strings.TrimSpace(text) == "" {
		return "", nil
	}
	t, err := a.parse("subject:"+text, func() (string, error) { return text, nil })
	if err != nil {
		return "", err
	}
	out, err := t.Text(ctx, data, env)
	return strings.Join(strings.Fields(out), " "), err
}

// read reads a template file from the blob store.
func (a *acks) read(ctx context.Context, sha string) (string, error) {
	rc, err := a.p.cfg.Blobs.Open(ctx, sha)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, templateBytes+1))
	if err == nil && len(b) > templateBytes {
		err = model.Errorf(model.ETOOLARGE, "the template is larger than %d bytes", templateBytes)
	}
	return strings.TrimPrefix(string(b), "\ufeff"), err
}

// parse returns the parsed template cached under key, else parses what
// load gives. Keys name content (a hash, the text itself), so a cached
// template is never stale.
func (a *acks) parse(key string, load func() (string, error)) (*lang.Template, error) {
	a.mu.Lock()
	t := a.cache[key]
	a.mu.Unlock()
	if t != nil {
		return t, nil
	}
	text, err := load()
	if err != nil {
		return nil, err
	}
	if t, err = lang.ParseText(lang.Config{}, text); err != nil {
		return nil, err
	}
	a.mu.Lock()
	if len(a.cache) >= cachedTemplates {
		clear(a.cache)
	}
	a.cache[key] = t
	a.mu.Unlock()
	return t, nil
}

// messageID mints the acknowledgement's Message-ID for the request, on the
// configured domain or the from address's.
func (a *acks) messageID(requestID, from string) (string, error) {
	t := *a.p.cfg.Tokens
	if t.Domain == "" {
		_, t.Domain, _ = strings.Cut(from, "@")
	}
	id, err := t.Mint("r-" + requestID)
	if err != nil {
		return "", fmt.Errorf("ingest: minting a Message-ID: %w", err)
	}
	return id, nil
}

// answerer is where an answer to the message goes: its Reply-To, else its
// sender.
func answerer(msg *model.MailMessage) model.MailAddress {
	if msg.ReplyTo != "" {
		return model.MailAddress{Email: msg.ReplyTo}
	}
	return model.MailAddress{Name: msg.FromName, Email: msg.FromAddress}
}

// references threads the acknowledgement under the customer's mail (RFC
// 5322 3.6.4: the parent's References, then its Message-ID).
func references(in *model.MailIngest) []string {
	refs := append([]string{}, in.References...)
	if in.MessageID != "" {
		refs = append(refs, strings.Trim(in.MessageID, "<>"))
	}
	return refs[max(0, len(refs)-ackReferences):]
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// cmpOr is the first non-empty id.
func cmpOr(ids ...*string) string {
	for _, id := range ids {
		if deref(id) != "" {
			return *id
		}
	}
	return ""
}
