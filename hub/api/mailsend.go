package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"rapport/hub/outmail"
	"rapport/model"
)

// Mailings runs mailing-list sends as background jobs (connectors/queue
// through cmd).
type Mailings interface {
	// Start enqueues a mailing in the store transaction carried by ctx and
	// returns its id.
	Start(ctx context.Context, m outmail.Mailing) (int64, error)
	// Status reports a mailing; an unknown id is ENOTFOUND.
	Status(ctx context.Context, id int64) (*outmail.MailingStatus, error)
}

// ReplyRequest is the body of POST /requests/{id}/reply.
type ReplyRequest outmail.Reply

// DocumentMailRequest is the body of POST /{quotes|orders|invoices}/{id}/mail.
type DocumentMailRequest outmail.Document

// MailingRequest is the body of POST /mailing-lists/{id}/send.
type MailingRequest struct {
	// TemplateID is an HTML or text mail template for contacts, with a
	// subject.
	TemplateID string `json:"template_id"`
	// FromMailboxID is the mailbox the mail goes out as; empty is the hub's
	// sender (--mail-from), else its first mailbox with a from address.
	FromMailboxID string `json:"from_mailbox_id"`
}

func init() {
	schemaTypes = append(schemaTypes, ReplyRequest{}, DocumentMailRequest{}, MailingRequest{}, outmail.MailingStatus{})
}

// mailSend serves the mail the API sends: replies, documents, mailings.
type mailSend struct {
	a   *API
	out *outmail.Composer
}

// mountMailSend serves replies by mail, documents by mail and mailings.
func (a *API) mountMailSend(r *mux.Router) {
	h := &mailSend{a: a, out: outmail.New(outmail.Config{Store: a.store, Merge: a.cfg.Merge,
		MintMessageID: a.cfg.MintMessageID, Enqueue: a.cfg.EnqueueMail, From: a.cfg.MailFrom})}
	op := func(id, summary, request, schema string, status int) operation {
		return operation{id: id, summary: summary, tag: "Mail", kind: opCustom, request: request, schema: schema, status: status}
	}
	a.handle(r, http.MethodPost, "/requests/{id}/reply", op("reply_request", "Answer a request by mail, threaded under "+
		"the customer's last mail; 202 with the outbox entry (delivery is a job)", "ReplyRequest", "OutboundMail", http.StatusAccepted), h.reply)
	for _, t := range outmail.DocumentTypes {
		a.handle(r, http.MethodPost, "/"+plural(t)+"/{id}/mail", op("mail_"+t, "Mail the "+t+"'s document (merged, saved "+
			"as an attachment of the "+t+") to its contact; 202 with the outbox entry", "DocumentMailRequest", "OutboundMail",
			http.StatusAccepted), h.document(t))
	}
	a.handle(r, http.MethodPost, "/mailing-lists/{id}/send", op("send_mailing", "Mail a template to every member of the list "+
		"(a background job; unsubscribed and suppressed addresses skipped); 202 with the mailing", "MailingRequest", "MailingStatus",
		http.StatusAccepted), h.startMailing)
	a.handle(r, http.MethodGet, "/mail/mailings/{id}", op("get_mailing", "How a mailing is going: its state and counts",
		"", "MailingStatus", 0), h.mailing)
}

// reply queues an agent's answer to a request.
func (h *mailSend) reply(w http.ResponseWriter, r *http.Request) {
	var in ReplyRequest
	if err := h.a.decodeStrict(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	m, err := h.out.Reply(r.Context(), mux.Vars(r)["id"], outmail.Reply(in))
	if err != nil {
		failMail(w, r, err)
		return
	}
	queued(w, m)
}

// document mails a quote's, order's or invoice's document.
func (h *mailSend) document(recordType string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in DocumentMailRequest
		if err := h.a.decodeOptional(w, r, &in); err != nil {
			fail(w, r, err)
			return
		}
		m, doc, err := h.out.SendDocument(r.Context(), recordType, mux.Vars(r)["id"], outmail.Document(in))
		if err != nil {
			failMail(w, r, err)
			return
		}
		w.Header().Set("Rapport-Attachment-Id", doc.Attachment.ID)
		queued(w, m)
	}
}

// queued answers 202 with an outbox entry.
func queued(w http.ResponseWriter, m *model.OutboundMail) {
	w.Header().Set("Location", Prefix+"/mail/outbox/"+m.ID)
	w.Header().Set("ETag", etag(m.Version))
	writeJSON(w, http.StatusAccepted, m)
}

// startMailing checks a mailing and enqueues its job; the members are
// mailed by the job, never in this request.
func (h *mailSend) startMailing(w http.ResponseWriter, r *http.Request) {
	var in MailingRequest
	if err := h.a.decodeStrict(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	ctx, actor := r.Context(), model.ActorFrom(r.Context())
	if h.a.cfg.Mailings == nil {
		unavailable(w, r, "mailings need the job queue and --public-url (for their unsubscribe links)")
		return
	}
	if actor.UserID == "" || !actor.HasScope(model.ScopeWrite) {
		fail(w, r, model.Errorf(model.EFORBIDDEN, "a mailing is sent by a user with a token that may write"))
		return
	}
	m := outmail.Mailing{ListID: mux.Vars(r)["id"], TemplateID: in.TemplateID, FromMailboxID: in.FromMailboxID, UserID: actor.UserID}
	if err := required(map[string]string{"template_id": in.TemplateID}); err != nil {
		fail(w, r, err)
		return
	}
	if err := h.out.CheckMailing(ctx, m); err != nil {
		failMail(w, r, err)
		return
	}
	var id int64
	err := h.a.store.WithTx(ctx, func(ctx context.Context) error {
		var err error
		id, err = h.a.cfg.Mailings.Start(ctx, m)
		return err
	})
	if err != nil {
		fail(w, r, err)
		return
	}
	w.Header().Set("Location", Prefix+"/mail/mailings/"+strconv.FormatInt(id, 10))
	writeJSON(w, http.StatusAccepted, outmail.MailingStatus{ID: id, Mailing: m, State: outmail.MailingQueued,
		CreatedAt: time.Now().UTC()})
}

// mailing reports a mailing.
func (h *mailSend) mailing(w http.ResponseWriter, r *http.Request) {
	if h.a.cfg.Mailings == nil {
		unavailable(w, r, "this hub runs no mailings")
		return
	}
	id, err := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	if err != nil || id <= 0 || !model.ActorFrom(r.Context()).IsStaff() {
		fail(w, r, model.Errorf(model.ENOTFOUND, "no such mailing"))
		return
	}
	st, err := h.a.cfg.Mailings.Status(r.Context(), id)
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// failMail answers an error of composing mail: 501 when the hub cannot
// send, template mistakes with their places.
func failMail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, outmail.ErrNotConfigured) {
		unavailable(w, r, "sending mail is not configured on this hub")
		return
	}
	failMerge(w, r, err)
}
