package console

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/gorilla/mux"

	"rapport/model"
	"rapport/model/store"
)

// deliveryStatuses are the delivery log's status filter, in the order a
// delivery goes through them.
var deliveryStatuses = []string{model.DeliveryPending, model.DeliveryDelivered, model.DeliveryFailed}

// webhooksData is the endpoints list.
type webhooksData struct {
	listData[*model.WebhookEndpoint]
	Active string // the filter: "", "true" or "false"
}

// webhookEndpoints lists the webhook endpoints, newest first, for admins
// (the API answers others 403): where each sends, whether it is on, and
// what it receives. Endpoints are made over the API, which checks their
// URLs against the egress rules.
func (c *Console) webhookEndpoints(w http.ResponseWriter, r *http.Request) {
	if !c.requireAdmin(w, r) {
		return
	}
	list, chosen, err := opsList[model.WebhookEndpoint](r.Context(), c, r.URL.Query(), "/admin/webhooks", "-created_at",
		opsFilter{"active", "active", []string{"true", "false"}})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := c.newPage(r, "admin")
	p.Title = p.T("ops.webhooks.title")
	p.Data = &webhooksData{listData: list, Active: chosen["active"]}
	c.render(w, r, http.StatusOK, "admin_webhooks", p)
}

// webhookData is an endpoint's page: its settings, its progress through
// the change feed, and a page of its delivery log.
type webhookData struct {
	Endpoint *model.WebhookEndpoint
	State    *model.WebhookState
	Items    []model.WebhookDelivery
	Pager    pager
	Status   string // the log's status filter
	Statuses []string
	Labels   map[string]string
	Refused  string // why the last action was refused
}

// webhookEndpoint is an endpoint's page with its delivery log, newest
// first, filtered by status, in keyset pages.
func (c *Console) webhookEndpoint(w http.ResponseWriter, r *http.Request) {
	c.renderWebhook(w, r, nil)
}

// renderWebhook draws an endpoint's page; refused is why the last action
// failed (nil when none), drawn with the API's status for it.
func (c *Console) renderWebhook(w http.ResponseWriter, r *http.Request, refused error) {
	if !c.requireAdmin(w, r) {
		return
	}
	ctx, s := r.Context(), c.cfg.Store
	ep, err := store.Get[model.WebhookEndpoint](ctx, s, mux.Vars(r)["id"])
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := &webhookData{Endpoint: ep, Statuses: deliveryStatuses}
	v := r.URL.Query()
	q := parseListQuery(v, nil)
	cursor, err := store.ParseLogCursor(q.After)
	if err == nil {
		d.State, err = s.WebhookState(ctx, ep.ID)
	}
	if st := v.Get("status"); slices.Contains(deliveryStatuses, st) {
		d.Status = st
	}
	var next store.LogCursor
	if err == nil {
		d.Items, next, err = s.WebhookDeliveryPage(ctx, ep.ID, d.Status, time.Time{}, cursor, c.cfg.PageSize)
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	path := "/admin/webhooks/" + ep.ID
	d.Pager = q.pagerFor(path, next.String())
	if d.Status != "" {
		d.Pager = withParam(d.Pager, "status", d.Status)
	}
	p := c.newPage(r, "admin")
	p.Title, p.Done, p.Data = p.T("ops.webhook.title", ep.URL), doneKey(r), d
	d.Labels = deliveryLabels(p.view)
	status := http.StatusOK
	if refused != nil {
		d.Refused, status = refusal(p.view, refused), opsStatus(refused)
	}
	c.render(w, r, status, "admin_webhook", p)
}

// deliveryLabels name the delivery statuses in the view's language.
func deliveryLabels(v *view) map[string]string {
	return map[string]string{model.DeliveryPending: v.T("ops.delivery.pending"),
		model.DeliveryDelivered: v.T("ops.delivery.delivered"), model.DeliveryFailed: v.T("ops.delivery.failed")}
}

// setWebhookActive pauses or resumes an endpoint with the version the page
// was drawn with. Only "active" changes, so the URL checks the API's PATCH
// runs on a changed URL do not apply (the API does the same: a URL that
// the allow list no longer admits may still be turned off). Turning an
// endpoint back on clears its failing and disabled marks (the store).
func (c *Console) setWebhookActive(w http.ResponseWriter, r *http.Request) {
	if !c.requireAdmin(w, r) {
		return
	}
	on := r.PostFormValue("active") == "true"
	version, err := formVersion(r.PostFormValue("version"))
	if err == nil {
		_, err = store.Update(r.Context(), c.cfg.Store, mux.Vars(r)["id"], version, func(e *model.WebhookEndpoint) error {
			e.Active = on
			return nil
		})
	}
	switch {
	case err == nil && on:
		seeOther(w, r, "/admin/webhooks/"+mux.Vars(r)["id"], "webhook_resumed")
	case err == nil:
		seeOther(w, r, "/admin/webhooks/"+mux.Vars(r)["id"], "webhook_paused")
	default:
		c.opsRedraw(w, r, err, c.renderWebhook)
	}
}

// replayFailedDeliveries sends every failed delivery of an endpoint again
// (the API's replay with failed: true): each is due now with a fresh retry
// schedule and keeps its webhook-id.
func (c *Console) replayFailedDeliveries(w http.ResponseWriter, r *http.Request) {
	if !c.requireAdmin(w, r) {
		return
	}
	ctx, id := r.Context(), mux.Vars(r)["id"]
	ep, err := store.Get[model.WebhookEndpoint](ctx, c.cfg.Store, id)
	var n int64
	if err == nil {
		n, err = c.cfg.Store.ReplayWebhookDeliveries(ctx, ep.ID, store.ReplayFilter{Failed: true})
	}
	switch {
	case err != nil:
		c.opsRedraw(w, r, err, c.renderWebhook)
	case n == 0:
		seeOther(w, r, "/admin/webhooks/"+ep.ID, "webhook_none_failed")
	default:
		seeOther(w, r, "/admin/webhooks/"+ep.ID, "webhook_replayed_failed")
	}
}

// deliveryData is one delivery's page: the event and every attempt.
type deliveryData struct {
	Endpoint *model.WebhookEndpoint
	Delivery *model.WebhookDelivery
	Attempts []model.WebhookAttempt
	Labels   map[string]string
}

// Payload is the delivery's body as it is sent, indented for reading.
func (d *deliveryData) Payload() string {
	var b bytes.Buffer
	if err := json.Indent(&b, d.Delivery.Payload, "", "  "); err != nil {
		return string(d.Delivery.Payload)
	}
	return b.String()
}

// webhookDelivery shows one delivery of an endpoint with every attempt,
// oldest first: when, the answer's status code, how long it took, the
// error and the start of the answer. A delivery of another endpoint is
// not found.
func (c *Console) webhookDelivery(w http.ResponseWriter, r *http.Request) {
	if !c.requireAdmin(w, r) {
		return
	}
	ctx, s, vars := r.Context(), c.cfg.Store, mux.Vars(r)
	ep, err := store.Get[model.WebhookEndpoint](ctx, s, vars["id"])
	d := &deliveryData{Endpoint: ep}
	if err == nil {
		d.Delivery, err = s.WebhookDelivery(ctx, ep.ID, vars["delivery"])
	}
	if err == nil {
		d.Attempts, err = s.WebhookAttempts(ctx, d.Delivery.ID)
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := c.newPage(r, "admin")
	p.Title, p.Done, p.Data = p.T("ops.delivery.title", d.Delivery.EventType), doneKey(r), d
	d.Labels = deliveryLabels(p.view)
	c.render(w, r, http.StatusOK, "admin_ops_delivery", p)
}

// replayDelivery sends one delivery again (same webhook-id); the
// dispatcher's next attempt joins its log.
func (c *Console) replayDelivery(w http.ResponseWriter, r *http.Request) {
	if !c.requireAdmin(w, r) {
		return
	}
	ctx, vars := r.Context(), mux.Vars(r)
	ep, err := store.Get[model.WebhookEndpoint](ctx, c.cfg.Store, vars["id"])
	var n int64
	if err == nil {
		n, err = c.cfg.Store.ReplayWebhookDeliveries(ctx, ep.ID, store.ReplayFilter{DeliveryID: vars["delivery"]})
	}
	if err == nil && n == 0 {
		err = model.Errorf(model.ENOTFOUND, "the endpoint has no such delivery")
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	seeOther(w, r, "/admin/webhooks/"+ep.ID+"/deliveries/"+vars["delivery"], "webhook_replayed")
}
