package api

import (
	"context"
	"io"
	"net/http"

	"github.com/gorilla/mux"

	"rapport/model"
	"rapport/model/store"
)

// MailFetcher is the mail ingest engine as the API sees it (connectors/mail
// through cmd).
type MailFetcher interface {
	// FetchNow asks the mailbox's supervisor to look for new mail at once
	// instead of at its next poll; it does not wait for the fetch.
	FetchNow(ctx context.Context, mailboxID string) error
}

// MailRetrier runs a quarantined message through ingest again: the raw
// message read back from the blob store, parsed and classified, then
// store.RetryQuarantine.
type MailRetrier interface {
	RetryQuarantine(ctx context.Context, id string) (*model.MailQuarantine, *model.MailMessage, error)
}

// mountMail serves mailboxes (admins write; their secrets are write-only),
// their status and fetch-now, the ingest log, the quarantine and the outbox.
func (a *API) mountMail(r *mux.Router) {
	a.mountMailboxes(r)
	a.mountMailLog(r)
	a.mountQuarantine(r)
	outbox := &collection[model.OutboundMail, *model.OutboundMail]{api: a, path: "/mail/outbox", tag: "Mail",
		filters: "status request_id contact_id mailbox_id message_id"}
	a.handle(r, http.MethodGet, "/mail/outbox", outbox.op("List", "list", "OutboundMail", opList), newestFirst(outbox.list))
	a.handle(r, http.MethodGet, "/mail/outbox/{id}", outbox.op("Get", "get", "OutboundMail", opGet), outbox.get)
}

func (a *API) mountMailboxes(r *mux.Router) {
	c := &collection[model.Mailbox, *model.Mailbox]{api: a, path: "/mailboxes", tag: "Mail", filters: "name active queue_id scheduling"}
	one := "/mailboxes/{id}"
	custom := func(id, summary, schema string, status int) operation {
		return operation{id: id, tag: c.tag, kind: opCustom, summary: summary, schema: schema, status: status}
	}
	create := c.op("Create", "create", "Mailbox", opCreate)
	create.summary = "Add a mailbox (admins); password, smtp_password, oauth_client_secret and oauth_refresh_token are write-only"
	a.handle(r, http.MethodGet, "/mailboxes", c.op("List", "list", "Mailbox", opList), c.list)
	a.handle(r, http.MethodPost, "/mailboxes/search", c.op("Search", "search", "Mailbox", opSearch), c.search)
	a.handle(r, http.MethodPost, "/mailboxes", create, a.createMailbox)
	a.handle(r, http.MethodGet, one, c.op("Get", "get", "Mailbox", opGet), c.get)
	a.handle(r, http.MethodPatch, one, c.op("Update", "patch", "Mailbox", opPatch), a.patchMailbox)
	a.handle(r, http.MethodDelete, one, c.op("Delete", "delete", "Mailbox", opDelete), c.delete)
	a.handle(r, http.MethodGet, one+"/history", c.op("History", "history", "Change", opHistory), c.history)
	a.handle(r, http.MethodGet, one+"/status", custom("get_mailbox_status",
		"How the mailbox's engine is doing: state, last error, fetch times, folder checkpoints, messages waiting in the quarantine",
		"MailboxStatusView", 0), a.mailboxStatus)
	a.handle(r, http.MethodPost, one+"/fetch", custom("fetch_mailbox", "Look for new mail now instead of at the next poll (answers at once)",
		"FetchAccepted", http.StatusAccepted), a.fetchMailbox)
}

// createMailbox stores a mailbox with its secrets sealed.
func (a *API) createMailbox(w http.ResponseWriter, r *http.Request) {
	if a.cfg.SecretBox == nil {
		unavailable(w, r, "mailboxes need the server's secret key to seal their passwords")
		return
	}
	m := &model.Mailbox{}
	if err := a.decodeStrict(w, r, m); err != nil {
		fail(w, r, err)
		return
	}
	m.Meta = model.Meta{}
	if err := a.store.CreateMailbox(r.Context(), a.cfg.SecretBox, m); err != nil {
		fail(w, r, err)
		return
	}
	w.Header().Set("Location", Prefix+"/mailboxes/"+m.ID)
	w.Header().Set("ETag", etag(m.Version))
	writeJSON(w, http.StatusCreated, m)
}

// patchMailbox applies a merge patch; secrets sent in it are sealed,
// secrets left out keep their values.
func (a *API) patchMailbox(w http.ResponseWriter, r *http.Request) {
	if a.cfg.SecretBox == nil {
		unavailable(w, r, "mailboxes need the server's secret key to seal their passwords")
		return
	}
	version, err := ifMatch(r)
	var patch map[string]any
	if err == nil {
		var body []byte
		if body, err = a.readBody(w, r); err == nil {
			patch, err = parsePatch(body)
		}
	}
	var m *model.Mailbox
	if err == nil {
		m, err = a.store.UpdateMailbox(r.Context(), a.cfg.SecretBox, mux.Vars(r)["id"], version, func(cur *model.Mailbox) error {
			return applyMergePatch(cur, patch)
		})
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(m.Version))
	writeJSON(w, http.StatusOK, m)
}

// MailboxStatusView is a mailbox's status with its folders' checkpoints
// and how many of its messages wait in the quarantine.
type MailboxStatusView struct {
	model.MailboxStatus
	Folders     []model.MailCheckpoint `json:"folders"`
	Quarantined int64                  `json:"quarantined"`
}

func (a *API) mailboxStatus(w http.ResponseWriter, r *http.Request) {
	ctx, id := r.Context(), mux.Vars(r)["id"]
	st, err := a.store.MailboxStatus(ctx, id)
	view := MailboxStatusView{}
	if err == nil {
		view.MailboxStatus = *st
		view.Folders, err = a.store.MailCheckpoints(ctx, id)
	}
	if err == nil {
		view.Quarantined, err = a.store.PendingQuarantine(ctx, id)
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, view)
}

// FetchAccepted answers POST /mailboxes/{id}/fetch.
type FetchAccepted struct {
	MailboxID string `json:"mailbox_id"`
	Requested bool   `json:"requested"`
}

// fetchMailbox wakes an active mailbox's supervisor; staff who may write
// may ask.
func (a *API) fetchMailbox(w http.ResponseWriter, r *http.Request) {
	ctx, id := r.Context(), mux.Vars(r)["id"]
	m, err := store.Get[model.Mailbox](ctx, a.store, id)
	switch {
	case err != nil:
	case !model.ActorFrom(ctx).HasScope(model.ScopeWrite):
		err = model.Errorf(model.EFORBIDDEN, "this token may not write")
	case !m.Active:
		err = model.Errorf(model.ECONFLICT, "the mailbox is not active")
	case a.cfg.MailFetcher == nil:
		unavailable(w, r, "this hub runs no mail ingest engine")
		return
	default:
		err = a.cfg.MailFetcher.FetchNow(ctx, id)
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, FetchAccepted{MailboxID: id, Requested: true})
}

// mountMailLog serves the ingest log: every message read, with its
// decision trace and what became of it.
func (a *API) mountMailLog(r *mux.Router) {
	c := &collection[model.MailMessage, *model.MailMessage]{api: a, path: "/mail/messages", tag: "Mail",
		filters: "mailbox_id folder kind outcome request_id contact_id from_address message_id ack_due"}
	a.handle(r, http.MethodGet, "/mail/messages", c.op("List", "list", "MailMessage", opList), newestFirst(c.list))
	a.handle(r, http.MethodPost, "/mail/messages/search", c.op("Search", "search", "MailMessage", opSearch), newestFirst(c.search))
	a.handle(r, http.MethodGet, "/mail/messages/{id}", operation{id: "get_mail_messages", tag: c.tag, kind: opCustom, schema: "MailMessageView",
		summary: "One ingested message with its decision trace, text and sanitised HTML"}, a.mailMessage)
	a.handle(r, http.MethodGet, "/mail/messages/{id}/raw", operation{id: "get_mail_message_raw", tag: c.tag, kind: opCustom,
		summary: "The message as received (message/rfc822)"}, a.rawMail(func(ctx context.Context, id string) (string, error) {
		m, err := store.Get[model.MailMessage](ctx, a.store, id)
		if err != nil {
			return "", err
		}
		return m.SHA256, nil
	}))
}

// MailMessageView is an ingest-log entry with the message's bodies.
type MailMessageView struct {
	model.MailMessage
	Text string `json:"text"`
	HTML string `json:"html"`
}

func (a *API) mailMessage(w http.ResponseWriter, r *http.Request) {
	ctx, id := r.Context(), mux.Vars(r)["id"]
	m, err := store.Get[model.MailMessage](ctx, a.store, id)
	var body *model.MailBody
	if err == nil {
		body, err = a.store.MailBody(ctx, id)
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(m.Version))
	writeJSON(w, http.StatusOK, MailMessageView{MailMessage: *m, Text: body.Text, HTML: body.HTML})
}

// newestFirst lists a log newest first unless the client sorts.
func newestFirst(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if q := r.URL.Query(); q.Get("sort") == "" {
			q.Set("sort", "-created_at")
			r.URL.RawQuery = q.Encode()
		}
		h(w, r)
	}
}

// rawMail streams the raw message whose blob sha names: an attachment
// download of message/rfc822.
func (a *API) rawMail(sha func(ctx context.Context, id string) (string, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, id := r.Context(), mux.Vars(r)["id"]
		sum, err := sha(ctx, id)
		if err == nil && sum == "" {
			err = model.Errorf(model.ENOTFOUND, "the message was not stored (refused unread)")
		}
		if err != nil {
			fail(w, r, err)
			return
		}
		if a.cfg.Blobs == nil {
			unavailable(w, r, "this hub has no blob store")
			return
		}
		rc, err := a.cfg.Blobs.Open(ctx, sum)
		if err != nil {
			fail(w, r, err)
			return
		}
		defer rc.Close()
		w.Header().Set("Content-Type", "message/rfc822")
		w.Header().Set("Content-Disposition", `attachment; filename="`+id+`.eml"`)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = io.Copy(w, rc)
	}
}

// mountQuarantine serves the quarantine: staff read it, admins retry or
// discard its messages.
func (a *API) mountQuarantine(r *mux.Router) {
	c := &collection[model.MailQuarantine, *model.MailQuarantine]{api: a, path: "/mail/quarantine", tag: "Mail",
		filters: "status reason mailbox_id folder"}
	one := "/mail/quarantine/{id}"
	custom := func(id, summary, schema string) operation {
		return operation{id: id, tag: c.tag, kind: opCustom, summary: summary, schema: schema}
	}
	a.handle(r, http.MethodGet, "/mail/quarantine", c.op("List", "list", "MailQuarantine", opList), newestFirst(c.list))
	a.handle(r, http.MethodPost, "/mail/quarantine/search", c.op("Search", "search", "MailQuarantine", opSearch), newestFirst(c.search))
	a.handle(r, http.MethodGet, one, c.op("Get", "get", "MailQuarantine", opGet), c.get)
	a.handle(r, http.MethodGet, one+"/history", c.op("History", "history", "Change", opHistory), c.history)
	a.handle(r, http.MethodGet, one+"/raw", custom("get_mail_quarantine_raw", "The quarantined message as received (message/rfc822)", ""),
		a.rawMail(func(ctx context.Context, id string) (string, error) {
			q, err := store.Get[model.MailQuarantine](ctx, a.store, id)
			if err != nil {
				return "", err
			}
			return q.SHA256, nil
		}))
	a.handle(r, http.MethodPost, one+"/retry", custom("retry_mail_quarantine",
		"Run the message through ingest again (admins): resolved with the entry it made, or retried with the new reason", "QuarantineRetryResult"),
		a.retryQuarantine)
	a.handle(r, http.MethodPost, one+"/discard", custom("discard_mail_quarantine", "Give up on a waiting message (admins; If-Match optional)",
		"MailQuarantine"), a.discardQuarantine)
}

// QuarantineRetryResult answers a retry: the quarantine entry, and the
// ingest-log entry when the message went in (null when refused again).
type QuarantineRetryResult struct {
	Quarantine *model.MailQuarantine `json:"quarantine"`
	Message    *model.MailMessage    `json:"message"`
}

func (a *API) retryQuarantine(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := requireAdmin(ctx); err != nil {
		fail(w, r, err)
		return
	}
	if a.cfg.MailRetrier == nil {
		unavailable(w, r, "this hub runs no mail ingest pipeline")
		return
	}
	// The retry goes on if the client hangs up: it is one transaction.
	q, msg, err := a.cfg.MailRetrier.RetryQuarantine(context.WithoutCancel(ctx), mux.Vars(r)["id"])
	if err != nil {
		fail(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(q.Version))
	writeJSON(w, http.StatusOK, QuarantineRetryResult{Quarantine: q, Message: msg})
}

func (a *API) discardQuarantine(w http.ResponseWriter, r *http.Request) {
	version, err := ifMatch(r)
	var q *model.MailQuarantine
	if err == nil {
		q, err = a.store.DiscardQuarantine(r.Context(), mux.Vars(r)["id"], version)
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(q.Version))
	writeJSON(w, http.StatusOK, q)
}

// mailSchemaTypes are the mail types in components/schemas (the records
// also in the webhook event catalogue).
var mailSchemaTypes = []any{model.Mailbox{}, model.MailboxStatus{}, model.MailCheckpoint{}, model.MailMessage{}, model.MailQuarantine{},
	model.OutboundMail{}, MailboxStatusView{}, MailMessageView{}, FetchAccepted{}, QuarantineRetryResult{}}

func init() { schemaTypes = append(schemaTypes, mailSchemaTypes...) }
