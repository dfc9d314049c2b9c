package console

import (
	"context"
	"net/http"

	"github.com/gorilla/mux"

	"rapport/model"
	"rapport/model/store"
)

// maxMailboxes bounds the mailboxes the quarantine's filter offers and
// names (an installation has a handful).
const maxMailboxes = 200

// mailboxList lists the mailboxes by name. Every employee reads them (the
// API's policy); each row's status comes from the mailbox's page, loaded
// into the row by htmx, so the list's cost does not grow with its rows
// (without JavaScript the row links to the status).
func (c *Console) mailboxList(w http.ResponseWriter, r *http.Request) {
	list, _, err := opsList[model.Mailbox](r.Context(), c, r.URL.Query(), "/admin/mailboxes", "name")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := c.newPage(r, "admin")
	p.Title = p.T("ops.mailboxes.title")
	p.Data = &list
	c.render(w, r, http.StatusOK, "admin_mailboxes", p)
}

// mailboxData is a mailbox's page: its settings and what the API's status
// gives (the engine's state, last error, fetch times, folder checkpoints,
// messages waiting in the quarantine).
type mailboxData struct {
	Mailbox     *model.Mailbox
	Status      *model.MailboxStatus
	Folders     []model.MailCheckpoint
	Quarantined int
	States      map[string]string
	CanFetch    bool // the hub runs the engine and the user may ask (write scope)
	Refused     string
}

// mailboxPage shows a mailbox with its status; an htmx request for the
// element "state-<id>" (a row of the list) gets the status alone.
func (c *Console) mailboxPage(w http.ResponseWriter, r *http.Request) {
	c.renderMailbox(w, r, nil)
}

// renderMailbox draws a mailbox's page with refused as the reason the last
// action failed (nil when none).
func (c *Console) renderMailbox(w http.ResponseWriter, r *http.Request, refused error) {
	ctx, s := r.Context(), c.cfg.Store
	m, err := store.Get[model.Mailbox](ctx, s, mux.Vars(r)["id"])
	d := &mailboxData{Mailbox: m}
	if err == nil {
		d.Status, err = s.MailboxStatus(ctx, m.ID)
	}
	var waiting int64
	if err == nil {
		waiting, err = s.PendingQuarantine(ctx, m.ID)
		d.Quarantined = int(waiting)
	}
	partial := err == nil && partialTarget(r, "state-"+m.ID)
	if err == nil && !partial {
		d.Folders, err = s.MailCheckpoints(ctx, m.ID)
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := c.newPage(r, "admin")
	p.Title, p.Done, p.Data = p.T("ops.mailbox.title", m.Name), doneKey(r), d
	d.States = mailboxStates(p.view)
	d.CanFetch = c.cfg.MailFetcher != nil && model.ActorFrom(ctx).HasScope(model.ScopeWrite)
	status := http.StatusOK
	if refused != nil {
		d.Refused, status = refusal(p.view, refused), opsStatus(refused)
	}
	if partial {
		p.Partial = "mailbox-state"
	}
	c.render(w, r, status, "admin_ops_mailbox", p)
}

// mailboxStates name the engine's states in the view's language.
func mailboxStates(v *view) map[string]string {
	return map[string]string{model.MailboxIdle: v.T("ops.mailbox.state.idle"), model.MailboxConnecting: v.T("ops.mailbox.state.connecting"),
		model.MailboxRunning: v.T("ops.mailbox.state.running"), model.MailboxError: v.T("ops.mailbox.state.error"),
		model.MailboxAuthFailed: v.T("ops.mailbox.state.auth_failed"), model.MailboxStopped: v.T("ops.mailbox.state.stopped")}
}

// fetchMailbox asks the engine to look for new mail in an active mailbox
// now (the API's POST /mailboxes/{id}/fetch: staff who may write); it does
// not wait for the fetch.
func (c *Console) fetchMailbox(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	m, err := store.Get[model.Mailbox](ctx, c.cfg.Store, mux.Vars(r)["id"])
	switch {
	case err != nil:
		c.fail(w, r, err)
		return
	case !model.ActorFrom(ctx).HasScope(model.ScopeWrite):
		err = model.Errorf(model.EFORBIDDEN, "this session may not write")
	case !m.Active:
		err = model.Errorf(model.ECONFLICT, "the mailbox is not active")
	case c.cfg.MailFetcher == nil:
		c.notConfigured(w, r)
		return
	default:
		err = c.cfg.MailFetcher.FetchNow(ctx, m.ID)
	}
	if err != nil {
		c.opsRedraw(w, r, err, c.renderMailbox)
		return
	}
	seeOther(w, r, "/admin/mailboxes/"+m.ID, "mailbox_fetch")
}

// quarantineData is the quarantine list.
type quarantineData struct {
	listData[*model.MailQuarantine]
	Mailboxes               []*model.Mailbox
	MailboxNames            map[string]string
	Status, Reason, Mailbox string // the filters
	Statuses, Reasons       []string
	Labels                  map[string]string
}

// quarantineList lists the quarantined messages, newest first, with why
// they were refused, filtered by status, reason and mailbox. Every
// employee reads it (the API's policy).
func (c *Console) quarantineList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	list, chosen, err := opsList[model.MailQuarantine](ctx, c, r.URL.Query(), "/admin/quarantine", "-created_at",
		opsFilter{"status", "status", model.QuarantineStatuses}, opsFilter{"reason", "reason", model.QuarantineReasons},
		opsFilter{"mailbox", "mailbox_id", nil})
	var boxes store.Page[*model.Mailbox]
	if err == nil {
		boxes, err = store.List[model.Mailbox](ctx, c.cfg.Store, store.ListParams{Limit: maxMailboxes, Sort: "name"})
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := &quarantineData{listData: list, Mailboxes: boxes.Items, MailboxNames: map[string]string{},
		Status: chosen["status"], Reason: chosen["reason"], Mailbox: chosen["mailbox"],
		Statuses: model.QuarantineStatuses, Reasons: model.QuarantineReasons}
	for _, m := range boxes.Items {
		d.MailboxNames[m.ID] = m.Name
	}
	p := c.newPage(r, "admin")
	p.Title, p.Data = p.T("ops.quarantine.title"), d
	d.Labels = quarantineLabels(p.view)
	c.render(w, r, http.StatusOK, "admin_quarantine", p)
}

// quarantineLabels name the quarantine's statuses and reasons in the
// view's language.
func quarantineLabels(v *view) map[string]string {
	return map[string]string{model.QuarantineOpen: v.T("ops.quarantine.status.open"), model.QuarantineRetried: v.T("ops.quarantine.status.retried"),
		model.QuarantineResolved: v.T("ops.quarantine.status.resolved"), model.QuarantineDiscarded: v.T("ops.quarantine.status.discarded"),
		model.QuarantineTooLarge: v.T("ops.quarantine.reason.too_large"), model.QuarantineMalformed: v.T("ops.quarantine.reason.malformed"),
		model.QuarantineFailed: v.T("ops.quarantine.reason.failed")}
}

// quarantineItemData is a quarantined message's page.
type quarantineItemData struct {
	Item     *model.MailQuarantine
	Mailbox  *model.Mailbox // nil when deleted
	Labels   map[string]string
	CanAct   bool // an admin, and the message still waits
	CanRetry bool // and the hub runs the ingest pipeline
	Refused  string
}

// quarantineItem shows a quarantined message: what could be read of its
// header, where it came from, why it was refused, and the admins' retry
// and discard.
func (c *Console) quarantineItem(w http.ResponseWriter, r *http.Request) {
	c.renderQuarantined(w, r, nil)
}

// renderQuarantined draws a quarantined message's page with refused as the
// reason the last action failed (nil when none).
func (c *Console) renderQuarantined(w http.ResponseWriter, r *http.Request, refused error) {
	ctx := r.Context()
	q, err := store.Get[model.MailQuarantine](ctx, c.cfg.Store, mux.Vars(r)["id"])
	var boxes map[string]*model.Mailbox
	if err == nil {
		boxes, err = byID[model.Mailbox](ctx, c.cfg.Store, []string{q.MailboxID})
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := &quarantineItemData{Item: q, Mailbox: boxes[q.MailboxID], CanAct: model.ActorFrom(ctx).IsAdmin() && q.Pending()}
	d.CanRetry = d.CanAct && c.cfg.MailRetrier != nil
	p := c.newPage(r, "admin")
	p.Title, p.Done, p.Data = p.T("ops.quarantined.title"), doneKey(r), d
	d.Labels = quarantineLabels(p.view)
	status := http.StatusOK
	if refused != nil {
		d.Refused, status = refusal(p.view, refused), opsStatus(refused)
	}
	c.render(w, r, status, "admin_quarantine_item", p)
}

// retryQuarantined runs a quarantined message through ingest again
// (admins, as the API): it is resolved with the entry it made, or stays
// waiting with the new reason.
func (c *Console) retryQuarantined(w http.ResponseWriter, r *http.Request) {
	if !c.requireAdmin(w, r) {
		return
	}
	if c.cfg.MailRetrier == nil {
		c.notConfigured(w, r)
		return
	}
	// The retry goes on if the browser goes away: it is one transaction.
	q, _, err := c.cfg.MailRetrier.RetryQuarantine(context.WithoutCancel(r.Context()), mux.Vars(r)["id"])
	switch {
	case err != nil:
		c.opsRedraw(w, r, err, c.renderQuarantined)
	case q.Status == model.QuarantineResolved:
		seeOther(w, r, "/admin/quarantine/"+q.ID, "quarantine_resolved")
	default:
		seeOther(w, r, "/admin/quarantine/"+q.ID, "quarantine_refused_again")
	}
}

// discardQuarantined gives up on a waiting message, with the version the
// page was drawn with (the API's If-Match); the store lets admins only.
func (c *Console) discardQuarantined(w http.ResponseWriter, r *http.Request) {
	version, err := formVersion(r.PostFormValue("version"))
	var q *model.MailQuarantine
	if err == nil {
		q, err = c.cfg.Store.DiscardQuarantine(r.Context(), mux.Vars(r)["id"], version)
	}
	if err != nil {
		c.opsRedraw(w, r, err, c.renderQuarantined)
		return
	}
	seeOther(w, r, "/admin/quarantine/"+q.ID, "quarantine_discarded")
}
