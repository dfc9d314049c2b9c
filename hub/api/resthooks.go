package api

import (
	"context"
	"net/http"
	"reflect"

	"github.com/gorilla/mux"

	"rapport/model"
	"rapport/model/store"
)

// REST hooks are the subscribe/unsubscribe protocol of Zapier, Make and
// n8n: POST /hooks {target_url, event} subscribes, DELETE /hooks/{id}
// unsubscribes, and a receiver answering 410 unsubscribes itself. A
// subscription is a webhook endpoint owned by the user who made it, whose
// events are limited to the records that user may see; any staff member
// with the write scope may subscribe.
func (a *API) mountRESTHooks(r *mux.Router) {
	op := func(id, summary, request, schema string, status int) operation {
		return operation{id: id, summary: summary, tag: "Webhooks", kind: opCustom, request: request, schema: schema, status: status}
	}
	a.handle(r, http.MethodPost, "/hooks", op("subscribe_rest_hook", "Subscribe a target URL to an event (REST hooks); the signing secret is shown once",
		"RESTHookRequest", "RESTHookCreated", http.StatusCreated), a.subscribeRESTHook)
	a.handle(r, http.MethodGet, "/hooks", op("list_rest_hooks", "Your REST hook subscriptions (admins: everyone's)", "", "RESTHookList", 0), a.listRESTHooks)
	a.handle(r, http.MethodGet, "/hooks/{id}", op("get_rest_hook", "One REST hook subscription", "", "RESTHook", 0), a.getRESTHook)
	a.handle(r, http.MethodDelete, "/hooks/{id}", op("unsubscribe_rest_hook", "Unsubscribe", "", "", http.StatusNoContent), a.unsubscribeRESTHook)
}

// restHookRequest is the subscribe body.
type restHookRequest struct {
	TargetURL string `json:"target_url"`
	Event     string `json:"event"` // an event type or pattern: "contact.created", "contact.*", "*"
}

// restHook is how a subscription is shown.
type restHook struct {
	ID        string `json:"id"`
	TargetURL string `json:"target_url"`
	Event     string `json:"event"`
	Active    bool   `json:"active"`
	OwnerID   string `json:"owner_id"`
	CreatedAt string `json:"created_at"`
}

func restHookOf(ep *model.WebhookEndpoint) restHook {
	event := ""
	if len(ep.EventTypes) > 0 {
		event = ep.EventTypes[0]
	}
	return restHook{ID: ep.ID, TargetURL: ep.URL, Event: event, Active: ep.Active, OwnerID: ep.OwnerID,
		CreatedAt: ep.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")}
}

func (a *API) subscribeRESTHook(w http.ResponseWriter, r *http.Request) {
	if !a.cfg.Webhooks.configured() {
		notConfigured(w, r)
		return
	}
	var in restHookRequest
	if err := a.decodeStrict(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	actor := model.ActorFrom(r.Context())
	if !actor.HasScope(model.ScopeWrite) {
		fail(w, r, model.Errorf(model.EFORBIDDEN, "subscribing needs the write scope"))
		return
	}
	if in.Event == "" {
		fail(w, r, fieldError("event", "required: an event type such as contact.created, or a pattern such as contact.*"))
		return
	}
	ep := &model.WebhookEndpoint{URL: in.TargetURL, EventTypes: []string{in.Event}, Active: true, RESTHook: true,
		OwnerID: actor.UserID, Description: "REST hook: " + in.Event}
	if err := a.cfg.Webhooks.CheckEndpoint(ep, nil); err != nil {
		fail(w, r, renameField(err, "url", "target_url", "event_types[0]", "event"))
		return
	}
	secret := a.cfg.Webhooks.NewSecret()
	if err := a.store.CreateWebhookEndpoint(r.Context(), ep, secret); err != nil {
		fail(w, r, err)
		return
	}
	w.Header().Set("Location", Prefix+"/hooks/"+ep.ID)
	secretResponse(w, struct {
		restHook
		Secret string `json:"secret"`
	}{restHookOf(ep), secret})
}

// renameField renames the fields of a validation error in pairs (old,
// new), so errors speak the request's names.
func renameField(err error, pairs ...string) error {
	me, ok := err.(*model.Error)
	if !ok || len(me.Fields) == 0 {
		return err
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if msg, ok := me.Fields[pairs[i]]; ok {
			delete(me.Fields, pairs[i])
			me.Fields[pairs[i+1]] = msg
		}
	}
	return me
}

func (a *API) listRESTHooks(w http.ResponseWriter, r *http.Request) {
	eps, err := a.store.RESTHooks(r.Context())
	if err != nil {
		fail(w, r, err)
		return
	}
	items := make([]restHook, len(eps))
	for i := range eps {
		items[i] = restHookOf(&eps[i])
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (a *API) getRESTHook(w http.ResponseWriter, r *http.Request) {
	ep, err := a.store.RESTHook(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, restHookOf(ep))
}

func (a *API) unsubscribeRESTHook(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	err := a.store.WithTx(r.Context(), func(ctx context.Context) error {
		if _, err := a.store.RESTHook(ctx, id); err != nil {
			return err
		}
		return store.Delete[model.WebhookEndpoint](ctx, a.store, id, 0)
	})
	if err != nil {
		fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// restHookSchemas are the OpenAPI schemas of REST hook requests and answers.
func restHookSchemas() map[string]any {
	hook := objectSchema(reflect.TypeOf(restHook{}))
	return map[string]any{
		"RESTHookRequest": objectSchema(reflect.TypeOf(restHookRequest{})),
		"RESTHook":        hook,
		"RESTHookCreated": withProperties(hook, map[string]any{"secret": map[string]any{"type": "string"}}),
		"RESTHookList":    objectWith(map[string]any{"items": map[string]any{"type": "array", "items": ref("RESTHook")}}),
	}
}
