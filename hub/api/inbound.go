package api

import (
	"context"
	"html/template"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/gorilla/mux"

	"rapport/model"
	"rapport/model/store"
)

// mountInbound serves the admin side of /in: web forms and inbound
// webhooks (CRUD through the generic collection, which the store limits to
// admins), a form's HTML snippet, a hook's secret rotation and its log.
func (a *API) mountInbound(r *mux.Router) {
	forms := &collection[model.WebForm, *model.WebForm]{api: a, path: "/web-forms", tag: "Inbound", filters: "target active owner_id"}
	forms.create = a.createWebForm
	forms.mount(r)
	a.handle(r, http.MethodGet, "/web-forms/{id}/snippet", operation{id: "get_web_form_snippet", tag: "Inbound",
		summary: "The form's action URL and a copy-paste HTML form for a web site", schema: "WebFormSnippet"}, a.webFormSnippet)
	hooks := &collection[model.InboundHook, *model.InboundHook]{api: a, path: "/inbound-hooks", tag: "Inbound", filters: "target active owner_id"}
	hooks.create = a.createInboundHook
	hooks.mount(r)
	a.handle(r, http.MethodPost, "/inbound-hooks/{id}/rotate-secret", operation{id: "rotate_inbound_hook_secret", tag: "Inbound",
		summary: "Replace the sender's signing secret (shown once)", kind: opCustom, request: "RotateSecretRequest",
		schema: "InboundHookCreated", status: http.StatusCreated}, a.rotateInboundHookSecret)
	a.handle(r, http.MethodGet, "/inbound-hooks/{id}/messages", operation{id: "list_inbound_messages", tag: "Inbound",
		summary: "The webhooks the hook received, newest first, with how each was processed", schema: "InboundMessagePage",
		params: []string{"cursor", "limit"}}, a.inboundMessages)
}

// publicURL is the address outsiders reach the hub at: the configured
// public URL, else the one this request came to.
func (a *API) publicURL(r *http.Request) string {
	if a.cfg.PublicURL != "" {
		return strings.TrimSuffix(a.cfg.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (a *API) createWebForm(w http.ResponseWriter, r *http.Request) {
	f := &model.WebForm{}
	if err := a.decodeStrict(w, r, f); err != nil {
		fail(w, r, err)
		return
	}
	f.Meta, f.Active = model.Meta{}, true
	c := &collection[model.WebForm, *model.WebForm]{api: a, path: "/web-forms"}
	c.store(w, r, f, func(ctx context.Context) error { return a.store.CreateWebForm(ctx, f) })
}

// formSnippet is a plain HTML form with the mapped fields, the hidden
// honeypot and the action URL, for the site's own styling to take over.
var formSnippet = template.Must(template.New("form").Parse(`<form method="post" action="{{.Action}}" accept-charset="utf-8">
{{- range .Fields}}
  <p><label>{{.Label}}{{if .Required}} *{{end}}<br><input name="{{.Name}}" type="{{.Type}}"{{if .Required}} required{{end}}></label></p>
{{- end}}
{{- if .Honeypot}}
  <p style="position:absolute;left:-10000px" aria-hidden="true"><label>Leave this empty<input name="{{.Honeypot}}" tabindex="-1" autocomplete="off"></label></p>
{{- end}}
  <p><button type="submit">Send</button></p>
</form>
`))

// snippetField is one input of the form snippet.
type snippetField struct {
	Name, Label, Type string
	Required          bool
}

func (a *API) webFormSnippet(w http.ResponseWriter, r *http.Request) {
	f, err := store.Get[model.WebForm](r.Context(), a.store, mux.Vars(r)["id"])
	if err != nil {
		fail(w, r, err)
		return
	}
	var fields []snippetField
	for _, target := range snippetOrder(f) {
		typ := map[string]string{"email": "email", "phone": "tel", "mobile": "tel", "website": "url", "birthday": "date"}[target]
		if typ == "" {
			typ = "text"
		}
		label := strings.ReplaceAll(strings.TrimPrefix(target, "custom_fields."), "_", " ")
		fields = append(fields, snippetField{Name: f.Mapping[target], Label: strings.ToUpper(label[:1]) + label[1:],
			Type: typ, Required: slices.Contains(f.Required, target)})
	}
	action := a.publicURL(r) + "/in/forms/" + f.Key
	var b strings.Builder
	if err := formSnippet.Execute(&b, map[string]any{"Action": action, "Fields": fields, "Honeypot": f.Honeypot}); err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"action": action, "html": b.String()})
}

// snippetOrder lists a form's mapped fields in the order of
// model.IntakeFields (names before addresses), custom fields last.
func snippetOrder(f *model.WebForm) []string {
	known := model.IntakeFields[f.Target]
	rank := func(field string) int {
		if i := slices.Index(known, field); i >= 0 {
			return i
		}
		return len(known)
	}
	out := slices.Sorted(maps.Keys(f.Mapping))
	slices.SortStableFunc(out, func(a, b string) int { return rank(a) - rank(b) })
	return out
}

// newInboundHook is the create body: the hook and the sender's secret
// (a fresh one is made when it is left out).
type newInboundHook struct {
	model.InboundHook
	Secret string `json:"secret"`
}

func (a *API) createInboundHook(w http.ResponseWriter, r *http.Request) {
	if !a.cfg.Webhooks.configured() {
		notConfigured(w, r)
		return
	}
	var in newInboundHook
	if err := a.decodeStrict(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	h := &in.InboundHook
	h.Meta, h.Active = model.Meta{}, true
	secret, err := a.cfg.Webhooks.secret(in.Secret)
	if err == nil {
		err = a.store.CreateInboundHook(r.Context(), h, secret)
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	w.Header().Set("Location", Prefix+"/inbound-hooks/"+h.ID)
	w.Header().Set("ETag", etag(h.Version))
	a.inboundHookSecret(w, r, h, secret)
}

// inboundHookSecret answers with the hook, its URL and its secret, once.
func (a *API) inboundHookSecret(w http.ResponseWriter, r *http.Request, h *model.InboundHook, secret string) {
	body, err := model.ToMap(h)
	if err != nil {
		fail(w, r, err)
		return
	}
	body["secret"], body["url"] = secret, a.publicURL(r)+"/in/hooks/"+h.Key
	secretResponse(w, body)
}

func (a *API) rotateInboundHookSecret(w http.ResponseWriter, r *http.Request) {
	if !a.cfg.Webhooks.configured() {
		notConfigured(w, r)
		return
	}
	var in rotateRequest
	if err := a.decodeOptional(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	if in.Grace != "" {
		fail(w, r, fieldError("grace", "an inbound hook has one secret; the sender signs with old and new during its own rotation"))
		return
	}
	id := mux.Vars(r)["id"]
	secret, err := a.cfg.Webhooks.secret(in.Secret)
	if err == nil {
		err = a.store.SetInboundHookSecret(r.Context(), id, secret)
	}
	var h *model.InboundHook
	if err == nil {
		h, err = store.Get[model.InboundHook](r.Context(), a.store, id)
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	a.inboundHookSecret(w, r, h, secret)
}

func (a *API) inboundMessages(w http.ResponseWriter, r *http.Request) {
	cursor, limit, err := logPageParams(r)
	var h *model.InboundHook
	if err == nil {
		h, err = store.Get[model.InboundHook](r.Context(), a.store, mux.Vars(r)["id"])
	}
	var items []model.InboundMessage
	var next store.LogCursor
	if err == nil {
		items, next, err = a.store.InboundMessages(r.Context(), h.ID, cursor, limit)
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	if items == nil {
		items = []model.InboundMessage{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": next.String()})
}

// logPageParams reads a log page's cursor and limit (1 to 500, default 100).
func logPageParams(r *http.Request) (store.LogCursor, int, error) {
	cursor, err := store.ParseLogCursor(r.URL.Query().Get("cursor"))
	limit, lerr := intParam(r, "limit", 100)
	if lerr != nil || limit < 1 || limit > 500 {
		lerr = fieldError("limit", "must be a number from 1 to 500")
	}
	return cursor, int(limit), firstErr(err, lerr)
}

// inboundSchemas are the OpenAPI schemas of inbound requests and answers
// that are not model types.
func inboundSchemas() map[string]any {
	str := map[string]any{"type": "string"}
	return map[string]any{
		"WebFormSnippet":     objectWith(map[string]any{"action": str, "html": str}),
		"InboundHookCreated": withProperties(objectSchema(reflect.TypeOf(model.InboundHook{})), map[string]any{"secret": str, "url": str}),
		"InboundMessagePage": pageSchema("InboundMessage", "next_cursor", "string"),
	}
}
