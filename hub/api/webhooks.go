package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"rapport/hub/problem"
	"rapport/model"
	"rapport/model/store"
)

// WebhookChecks are the outbound-webhook rules that live with the egress
// code in connectors/webhook; cmd injects them, since the hub never imports
// connectors. When any of them is missing, the API still lists and shows
// endpoints and their delivery logs, but every route that creates or changes
// an endpoint or a secret answers 501: accepting URLs without the SSRF rules,
// or secrets the dispatcher cannot use, would be worse than refusing.
type WebhookChecks struct {
	// CheckURL refuses a URL that is malformed, not http(s), or a literal
	// private, loopback or link-local address outside the allow list.
	CheckURL func(string) error
	// CheckHeaders refuses custom headers that are malformed or would
	// override the signature, content or hop-by-hop headers.
	CheckHeaders func(map[string]string) error
	// NewSecret returns a fresh "whsec_…" signing secret.
	NewSecret func() string
	// ParseSecret decodes a "whsec_…" secret, refusing any other form.
	ParseSecret func(string) ([]byte, error)
}

// configured reports whether cmd supplied every rule.
func (c WebhookChecks) configured() bool {
	return c.CheckURL != nil && c.CheckHeaders != nil && c.NewSecret != nil && c.ParseSecret != nil
}

// CheckEndpoint normalizes e and checks it: the model's rules, and the
// egress rules for its URL and custom headers. When prev is the stored
// endpoint that e would replace, the URL and headers are checked only if
// they changed, so that an endpoint whose URL a narrower allow list no
// longer admits can still be deactivated or redirected. Every problem comes
// back at once as an EINVALID error with per-field messages.
func (c WebhookChecks) CheckEndpoint(e, prev *model.WebhookEndpoint) error {
	if !c.configured() {
		return model.Errorf(model.EINTERNAL, "api: webhook checks are not configured")
	}
	e.Normalize()
	fe := model.FieldErrors{}
	if prev == nil || e.URL != prev.URL {
		if err := c.CheckURL(e.URL); err != nil {
			fe.Add("url", model.ErrorMessage(err))
		}
	}
	if prev == nil || !maps.Equal(e.Headers, prev.Headers) {
		if err := c.CheckHeaders(e.Headers); err != nil {
			fe.Add("headers", model.ErrorMessage(err))
		}
	}
	var me *model.Error
	if errors.As(e.Validate(), &me) {
		for k, v := range me.Fields {
			fe.Add(k, v)
		}
	}
	return fe.Err()
}

// secret returns plain when it is a valid secret, a fresh one when plain
// is empty.
func (c WebhookChecks) secret(plain string) (string, error) {
	if plain == "" {
		return c.NewSecret(), nil
	}
	if _, err := c.ParseSecret(plain); err != nil {
		return "", fieldError("secret", model.ErrorMessage(err))
	}
	return plain, nil
}

// DefaultSecretGrace is how long the previous signing secrets stay valid
// after a rotation when the request does not say.
const DefaultSecretGrace = 24 * time.Hour

// maxSecretGrace bounds the grace period of a rotation.
const maxSecretGrace = 30 * 24 * time.Hour

// webhookEndpoints serves /webhooks: the endpoint collection, its secrets,
// state and delivery log.
type webhookEndpoints struct {
	api *API
	col *collection[model.WebhookEndpoint, *model.WebhookEndpoint]
}

const webhooksPath = "/webhooks/endpoints"

func (a *API) mountWebhooks(r *mux.Router) {
	h := &webhookEndpoints{api: a, col: &collection[model.WebhookEndpoint, *model.WebhookEndpoint]{api: a, path: webhooksPath}}
	c := h.col
	p, one := webhooksPath, webhooksPath+"/{id}"
	op := func(id, summary string, kind opKind, schema string) operation {
		return operation{id: id, summary: summary, tag: "Webhooks", kind: kind, schema: schema}
	}
	custom := func(id, summary, request, schema string, status int, params ...string) operation {
		o := op(id, summary, opCustom, schema)
		o.request, o.status, o.params = request, status, params
		return o
	}
	list := op("list_webhook_endpoints", "List webhook endpoints", opList, "WebhookEndpoint")
	list.params = []string{"active", "payload_mode", "url"}
	search := list
	search.id, search.summary, search.kind = "search_webhook_endpoints", "Search webhook endpoints", opSearch
	routes := []struct {
		method, path string
		op           operation
		h            http.HandlerFunc
		checks       bool // needs the egress rules from cmd
	}{
		{http.MethodGet, p, list, c.list, false},
		{http.MethodPost, p + "/search", search, c.search, false},
		{http.MethodPost, p, custom("create_webhook_endpoint", "Create a webhook endpoint (its secret is shown once)",
			"WebhookEndpointRequest", "WebhookEndpointCreated", http.StatusCreated), h.create, true},
		{http.MethodGet, one, op("get_webhook_endpoint", "Get a webhook endpoint", opGet, "WebhookEndpoint"), c.get, false},
		{http.MethodPatch, one, op("update_webhook_endpoint", "Update a webhook endpoint", opPatch, "WebhookEndpoint"), h.patch, true},
		{http.MethodDelete, one, op("delete_webhook_endpoint", "Delete a webhook endpoint", opDelete, ""), c.delete, false},
		{http.MethodGet, one + "/history", op("history_webhook_endpoint", "History of a webhook endpoint", opHistory, "Change"), c.history, false},
		{http.MethodGet, one + "/state", custom("get_webhook_state", "Where the endpoint is in the change feed, and whether it is failing or disabled",
			"", "WebhookState", 0), h.state, false},
		{http.MethodPost, one + "/rotate-secret", custom("rotate_webhook_secret", "Add a new signing secret (shown once); the old ones stay valid for a grace period",
			"RotateSecretRequest", "WebhookSecretCreated", http.StatusCreated), h.rotate, true},
		{http.MethodPost, one + "/test", custom("test_webhook_endpoint", "Queue a webhook.ping event for the endpoint",
			"", "WebhookDelivery", http.StatusAccepted), h.test, false},
		{http.MethodGet, one + "/deliveries", custom("list_webhook_deliveries", "The endpoint's delivery log, newest first",
			"", "WebhookDeliveryPage", 0, "status", "before", "cursor", "limit"), h.deliveries, false},
		{http.MethodGet, one + "/deliveries/{delivery_id}/attempts", custom("list_webhook_attempts", "Every attempt of one delivery, oldest first",
			"", "WebhookAttemptList", 0), h.attempts, false},
		{http.MethodPost, one + "/deliveries/{delivery_id}/replay", custom("replay_webhook_delivery", "Send one delivery again (same webhook-id)",
			"", "ReplayResult", 0), h.replayOne, false},
		{http.MethodPost, one + "/replay", custom("replay_webhook_deliveries", "Send the failed deliveries, or those of a time range, again",
			"ReplayRequest", "ReplayResult", 0), h.replay, false},
		{http.MethodGet, "/webhooks/event-types", custom("list_webhook_event_types", "The event catalogue, with a JSON Schema per event type",
			"", "WebhookEventTypeList", 0), h.eventTypes, false},
	}
	for _, rt := range routes {
		a.handle(r, rt.method, rt.path, rt.op, h.guard(rt.checks, rt.h))
	}
}

// guard lets only admins in (403 otherwise, whatever the route: the store
// would hide endpoints from others as not found) and routes that need the
// egress rules only when cmd supplied them. A token needs the admin scope,
// which implies write.
func (h *webhookEndpoints) guard(needsChecks bool, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := requireAdmin(r.Context()); err != nil {
			fail(w, r, err)
			return
		}
		if needsChecks && !h.api.cfg.Webhooks.configured() {
			notConfigured(w, r)
			return
		}
		next(w, r)
	}
}

// notConfigured answers 501: the hub was built without the webhook egress
// rules (a test or an embedding that did not inject them).
func notConfigured(w http.ResponseWriter, r *http.Request) {
	p := problem.Problem{Type: "/docs/problems#not_configured", Title: http.StatusText(http.StatusNotImplemented),
		Status: http.StatusNotImplemented, Detail: "webhooks are not configured on this hub", Instance: r.URL.Path, Code: "not_configured"}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// newEndpoint is the create body: the endpoint, with active defaulting to
// true, and an optional secret of the caller's own.
type newEndpoint struct {
	model.WebhookEndpoint
	Active *bool  `json:"active"`
	Secret string `json:"secret"`
}

func (h *webhookEndpoints) create(w http.ResponseWriter, r *http.Request) {
	var in newEndpoint
	if err := h.api.decodeStrict(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	ep := &in.WebhookEndpoint
	ep.Meta, ep.Active = model.Meta{}, in.Active == nil || *in.Active
	ep.RESTHook, ep.OwnerID = false, "" // /hooks makes subscriptions
	checks := h.api.cfg.Webhooks
	secret, err := checks.secret(in.Secret)
	if err := firstErr(err, checks.CheckEndpoint(ep, nil)); err != nil {
		fail(w, r, err)
		return
	}
	if err := h.api.store.CreateWebhookEndpoint(r.Context(), ep, secret); err != nil {
		fail(w, r, err)
		return
	}
	body, err := model.ToMap(ep)
	if err != nil {
		fail(w, r, err)
		return
	}
	body["secret"] = secret
	w.Header().Set("Location", Prefix+webhooksPath+"/"+ep.ID)
	w.Header().Set("ETag", etag(ep.Version))
	secretResponse(w, body)
}

// patch checks what the merge patch makes of the endpoint (the egress rules
// for a changed URL or headers) and hands the request to the generic patch,
// which applies it again under If-Match in the write transaction. Headers
// merge per name, and each one stays checked, so a concurrent change cannot
// combine into something unchecked.
func (h *webhookEndpoints) patch(w http.ResponseWriter, r *http.Request) {
	body, err := h.api.readBody(w, r)
	var patch map[string]any
	if err == nil {
		patch, err = parsePatch(body)
	}
	var cur *model.WebhookEndpoint
	if err == nil {
		cur, err = h.endpoint(r)
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	next := *cur
	if err := firstErr(applyMergePatch(&next, patch), h.api.cfg.Webhooks.CheckEndpoint(&next, cur)); err != nil {
		fail(w, r, err)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	h.col.patch(w, r)
}

// endpoint loads the endpoint named in the path.
func (h *webhookEndpoints) endpoint(r *http.Request) (*model.WebhookEndpoint, error) {
	return store.Get[model.WebhookEndpoint](r.Context(), h.api.store, mux.Vars(r)["id"])
}

// answer loads the endpoint named in the path, runs fn on it and answers
// with status and what fn returns.
func (h *webhookEndpoints) answer(w http.ResponseWriter, r *http.Request, status int, fn func(ctx context.Context, ep *model.WebhookEndpoint) (any, error)) {
	ep, err := h.endpoint(r)
	var out any
	if err == nil {
		out, err = fn(r.Context(), ep)
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, status, out)
}

func (h *webhookEndpoints) state(w http.ResponseWriter, r *http.Request) {
	h.answer(w, r, http.StatusOK, func(ctx context.Context, ep *model.WebhookEndpoint) (any, error) {
		return h.api.store.WebhookState(ctx, ep.ID)
	})
}

// rotateRequest is the optional body of rotate-secret.
type rotateRequest struct {
	Secret string `json:"secret"` // "whsec_…"; empty for a fresh one
	Grace  string `json:"grace"`  // how long the old secrets stay valid, Go duration; default 24h
}

func (h *webhookEndpoints) rotate(w http.ResponseWriter, r *http.Request) {
	var in rotateRequest
	if err := h.api.decodeOptional(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	grace := DefaultSecretGrace
	if in.Grace != "" {
		g, err := time.ParseDuration(in.Grace)
		if err != nil || g < 0 || g > maxSecretGrace {
			fail(w, r, fieldError("grace", "must be a duration from 0s to 720h, such as 24h"))
			return
		}
		grace = g
	}
	secret, err := h.api.cfg.Webhooks.secret(in.Secret)
	if err != nil {
		fail(w, r, err)
		return
	}
	id := mux.Vars(r)["id"]
	if err := h.api.store.RotateWebhookSecret(r.Context(), id, secret, grace); err != nil {
		fail(w, r, err)
		return
	}
	secretResponse(w, map[string]any{"endpoint_id": id, "secret": secret, "previous_valid_until": time.Now().UTC().Add(grace)})
}

// decodeOptional decodes a JSON body into v unless the body is empty.
func (a *API) decodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := a.readBody(w, r)
	if err != nil || len(bytes.TrimSpace(body)) == 0 {
		return err
	}
	return decodeBytes(body, v)
}

// test queues a ping. An inactive endpoint is refused: the dispatcher
// would only send it once the endpoint is turned on again.
func (h *webhookEndpoints) test(w http.ResponseWriter, r *http.Request) {
	h.answer(w, r, http.StatusAccepted, func(ctx context.Context, ep *model.WebhookEndpoint) (any, error) {
		if !ep.Active {
			return nil, model.Errorf(model.ECONFLICT, "the endpoint is not active; activate it first")
		}
		return h.api.store.EnqueueWebhookPing(ctx, ep.ID)
	})
}

var deliveryStatuses = []string{model.DeliveryPending, model.DeliveryDelivered, model.DeliveryFailed}

// deliveries answers a page of the delivery log, newest first: status and
// before (an RFC 3339 time) filter it; next_cursor, passed as cursor,
// gives the next page ("" at the end).
func (h *webhookEndpoints) deliveries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	status := q.Get("status")
	fe := model.FieldErrors{}
	if status != "" && !slices.Contains(deliveryStatuses, status) {
		fe.Add("status", "must be pending, delivered or failed")
	}
	var before time.Time
	if b := q.Get("before"); b != "" {
		var err error
		if before, err = time.Parse(time.RFC3339Nano, b); err != nil {
			fe.Add("before", "must be an RFC 3339 time")
		}
	}
	cursor, limit, err := logPageParams(r)
	if err := firstErr(err, fe.Err()); err != nil {
		fail(w, r, err)
		return
	}
	h.answer(w, r, http.StatusOK, func(ctx context.Context, ep *model.WebhookEndpoint) (any, error) {
		items, next, err := h.api.store.WebhookDeliveryPage(ctx, ep.ID, status, before, cursor, limit)
		if items == nil {
			items = []model.WebhookDelivery{}
		}
		return map[string]any{"items": items, "next_cursor": next.String()}, err
	})
}

// attempts lists a delivery's attempts; a delivery of another endpoint,
// or none, is not found.
func (h *webhookEndpoints) attempts(w http.ResponseWriter, r *http.Request) {
	h.answer(w, r, http.StatusOK, func(ctx context.Context, ep *model.WebhookEndpoint) (any, error) {
		d, err := h.api.store.WebhookDelivery(ctx, ep.ID, mux.Vars(r)["delivery_id"])
		if err != nil {
			return nil, err
		}
		items, err := h.api.store.WebhookAttempts(ctx, d.ID)
		if items == nil {
			items = []model.WebhookAttempt{}
		}
		return map[string]any{"items": items}, err
	})
}

func (h *webhookEndpoints) replayOne(w http.ResponseWriter, r *http.Request) {
	h.replayWith(w, r, store.ReplayFilter{DeliveryID: mux.Vars(r)["delivery_id"]})
}

// replayRequest picks deliveries to send again: the failed ones, or those
// created in [since, until).
type replayRequest struct {
	Failed bool       `json:"failed"`
	Since  *time.Time `json:"since"`
	Until  *time.Time `json:"until"` // open-ended when absent
}

func (h *webhookEndpoints) replay(w http.ResponseWriter, r *http.Request) {
	var in replayRequest
	if err := h.api.decodeStrict(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	f := store.ReplayFilter{Failed: in.Failed}
	switch {
	case in.Failed && (in.Since != nil || in.Until != nil):
		fail(w, r, model.Errorf(model.EINVALID, "send either failed or a time range, not both"))
		return
	case !in.Failed && in.Since == nil:
		fail(w, r, model.Errorf(model.EINVALID, `send {"failed": true} or {"since": …, "until": …}`))
		return
	case in.Since != nil:
		f.Since = *in.Since
		if in.Until != nil {
			if !in.Until.After(*in.Since) {
				fail(w, r, fieldError("until", "must be after since"))
				return
			}
			f.Until = *in.Until
		}
	}
	h.replayWith(w, r, f)
}

func (h *webhookEndpoints) replayWith(w http.ResponseWriter, r *http.Request, f store.ReplayFilter) {
	h.answer(w, r, http.StatusOK, func(ctx context.Context, ep *model.WebhookEndpoint) (any, error) {
		n, err := h.api.store.ReplayWebhookDeliveries(ctx, ep.ID, f)
		if err == nil && n == 0 && f.DeliveryID != "" {
			err = model.Errorf(model.ENOTFOUND, "the endpoint has no such delivery")
		}
		return map[string]any{"replayed": n}, err
	})
}

func (h *webhookEndpoints) eventTypes(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"items": eventCatalogue()})
}

// EventType is one entry of the event catalogue.
type EventType struct {
	Type        string         `json:"type"`
	Description string         `json:"description"`
	Schema      map[string]any `json:"schema"` // JSON Schema (2020-12) of the whole payload
}

// eventCatalogue describes every event type; built once, since the record
// schemas come from reflection.
var eventCatalogue = sync.OnceValue(func() []EventType {
	records := recordSchemas()
	thin := map[string]any{"type": "object", "required": []string{"id", "version"}, "properties": map[string]any{
		"id": map[string]any{"type": "string"}, "version": map[string]any{"type": "integer"}}}
	var out []EventType
	for _, typ := range model.EventTypes() {
		entity, op := model.EventEntity(typ), typ[strings.IndexByte(typ, '.')+1:]
		desc := "A test event sent by POST /api/v1/webhooks/endpoints/{id}/test; data names the endpoint."
		data := map[string]any{"type": "object", "required": []string{"endpoint_id"},
			"properties": map[string]any{"endpoint_id": map[string]any{"type": "string"}}}
		if typ != model.EventPing {
			desc = eventDescription(entity, op)
			if d, ok := model.DomainEvents[typ]; ok {
				desc = d
			}
			// A thin endpoint gets only the id and version; every record also has those.
			data = map[string]any{"anyOf": []any{records[entity], thin}}
		}
		out = append(out, EventType{Type: typ, Description: desc, Schema: map[string]any{
			"$schema": "https://json-schema.org/draft/2020-12/schema", "title": typ, "type": "object",
			"required": []string{"type", "timestamp", "data"},
			"properties": map[string]any{"type": map[string]any{"const": typ},
				"timestamp": map[string]any{"type": "string", "format": "date-time"}, "data": data}}})
	}
	return out
})

// recordSchemas maps entity names to the schemas of their records.
func recordSchemas() map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, v := range schemaTypes {
		t := reflect.TypeOf(v)
		if rec, ok := reflect.New(t).Interface().(model.Record); ok {
			out[rec.Entity()] = objectSchema(t)
		}
	}
	return out
}

func eventDescription(entity, op string) string {
	article := "A"
	if strings.ContainsRune("aeiou", rune(entity[0])) {
		article = "An"
	}
	switch op {
	case "created":
		return article + " " + entity + " was created; data is the record as created (or its id and version in thin mode)."
	case "updated":
		return article + " " + entity + " was changed; data is the record as it was right after this change, not its current state."
	}
	return article + " " + entity + " was deleted; data is its last state with deleted_at set."
}

// webhookSchemas are the OpenAPI schemas of webhook requests and answers
// that are not model types.
func webhookSchemas() map[string]any {
	endpoint := objectSchema(reflect.TypeOf(model.WebhookEndpoint{}))
	secret := map[string]any{"type": "string", "description": `signing secret, "whsec_" and base64 of 24 to 64 bytes`}
	str := map[string]any{"type": "string"}
	return map[string]any{
		"WebhookEndpointRequest": withProperties(endpoint, map[string]any{"secret": secret}),
		"WebhookEndpointCreated": withProperties(endpoint, map[string]any{"secret": secret}),
		"WebhookSecretCreated": objectWith(map[string]any{"endpoint_id": str, "secret": secret,
			"previous_valid_until": map[string]any{"type": "string", "format": "date-time"}}),
		"RotateSecretRequest":  objectSchema(reflect.TypeOf(rotateRequest{})),
		"ReplayRequest":        objectSchema(reflect.TypeOf(replayRequest{})),
		"ReplayResult":         objectWith(map[string]any{"replayed": map[string]any{"type": "integer"}}),
		"WebhookDeliveryPage":  pageSchema("WebhookDelivery", "next_cursor", "string"),
		"WebhookAttemptList":   objectWith(map[string]any{"items": map[string]any{"type": "array", "items": ref("WebhookAttempt")}}),
		"WebhookEventType":     objectSchema(reflect.TypeOf(EventType{})),
		"WebhookEventTypeList": objectWith(map[string]any{"items": map[string]any{"type": "array", "items": ref("WebhookEventType")}}),
	}
}

// withProperties returns a copy of an object schema with more properties.
func withProperties(base, extra map[string]any) map[string]any {
	props := maps.Clone(base["properties"].(map[string]any))
	maps.Copy(props, extra)
	return objectWith(props)
}

func objectWith(props map[string]any) map[string]any {
	return map[string]any{"type": "object", "properties": props}
}
