package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"rapport/model"
	"rapport/model/store"
)

// pricedResource serves a priced document (quotes, orders): the collection
// reads, create with lines, header patch, delete by the document's rules,
// its lines and its status actions.
type pricedResource[T any, P store.PricedPtr[T]] struct {
	c      *collection[T, P]
	create func(ctx context.Context, doc P, lines []model.LineInput) ([]model.Line, error)
	// action runs a status action; it returns the record to answer with.
	action  func(ctx context.Context, id string, version int64, action, reason string) (model.Record, error)
	actions []string
}

// ActionRequest is the optional body of a status action.
type ActionRequest struct {
	Reason string `json:"reason"`
}

func (a *API) mountQuotes(r *mux.Router) {
	res := &pricedResource[model.Quote, *model.Quote]{
		c: &collection[model.Quote, *model.Quote]{api: a, path: "/quotes", tag: "Quotes",
			filters: "number status account_id contact_id opportunity_id owner_id team_id currency"},
		create: a.store.CreateQuote,
		action: func(ctx context.Context, id string, v int64, action, reason string) (model.Record, error) {
			if action == "order" {
				return a.store.OrderFromQuote(ctx, id, v)
			}
			return a.store.QuoteAction(ctx, id, v, action, reason)
		},
		actions: []string{model.ActionSend, model.ActionAccept, model.ActionReject, model.ActionExpire, model.ActionRevise, "order"},
	}
	res.mount(r)
}

func (a *API) mountOrders(r *mux.Router) {
	res := &pricedResource[model.Order, *model.Order]{
		c: &collection[model.Order, *model.Order]{api: a, path: "/orders", tag: "Orders",
			filters: "number kind status billable account_id contact_id quote_id opportunity_id owner_id team_id currency"},
		create: func(ctx context.Context, o *model.Order, lines []model.LineInput) ([]model.Line, error) {
			return a.store.CreateOrder(ctx, o, lines)
		},
		action: func(ctx context.Context, id string, v int64, action, _ string) (model.Record, error) {
			return a.store.OrderAction(ctx, id, v, action)
		},
		actions: []string{model.ActionConfirm, model.ActionFulfil, model.ActionCancel},
	}
	res.mount(r)
}

// mount registers the document's routes.
func (p *pricedResource[T, P]) mount(r *mux.Router) {
	c, a := p.c, p.c.api
	path, one, schema := c.path, c.path+"/{id}", schemaName[T]()
	a.handle(r, http.MethodGet, path, c.op("List", "list", schema, opList), c.list)
	a.handle(r, http.MethodPost, path+"/search", c.op("Search", "search", schema, opSearch), c.search)
	create := c.op("Create", "create", schema, opCreate)
	create.kind, create.request, create.status = opCustom, schema+"Create", http.StatusCreated
	a.handle(r, http.MethodPost, path, create, p.createDoc)
	a.handle(r, http.MethodGet, one, c.op("Get", "get", schema, opGet), c.get)
	a.handle(r, http.MethodPatch, one, c.op("Update", "patch", schema, opPatch), p.patch)
	a.handle(r, http.MethodDelete, one, c.op("Delete", "delete", schema, opDelete), p.delete)
	a.handle(r, http.MethodGet, one+"/history", c.op("History", "history", "Change", opHistory), c.history)
	p.mountLines(r)
	name := strings.TrimPrefix(path, "/")
	for _, action := range p.actions {
		op := operation{id: action + "_" + strings.TrimSuffix(name, "s"), tag: c.tag, kind: opCustom, schema: schema,
			summary: actionSummaries[action], request: "ActionRequest"}
		if action == "order" {
			op.schema, op.status = "Order", http.StatusCreated
		}
		a.handle(r, http.MethodPost, one+"/"+action, op, p.runAction(action))
	}
}

// actionSummaries document the status actions in OpenAPI.
var actionSummaries = map[string]string{
	model.ActionSend:    "Send a draft quote (draft → sent; event quote.sent)",
	model.ActionAccept:  "The customer accepted (sent → accepted; event quote.accepted)",
	model.ActionReject:  "The customer rejected, with a reason (sent → rejected; event quote.rejected)",
	model.ActionExpire:  "The offer lapsed (sent → expired)",
	model.ActionRevise:  "Copy into the next revision, a draft with the same number (the old one is superseded)",
	"order":             "Turn an accepted quote into a draft order (once)",
	model.ActionConfirm: "Confirm a draft order",
	model.ActionFulfil:  "Mark a confirmed order delivered",
	model.ActionCancel:  "Cancel a draft or confirmed order",
}

func (p *pricedResource[T, P]) createDoc(w http.ResponseWriter, r *http.Request) {
	body, err := p.c.api.readBody(w, r)
	if err != nil {
		fail(w, r, err)
		return
	}
	doc, lines, err := splitLines[T, P](body)
	if err != nil {
		fail(w, r, err)
		return
	}
	if b, ok := any(doc).(*model.Order); ok && !strings.Contains(string(body), `"billable"`) {
		b.Billable = true
	}
	p.c.store(w, r, doc, func(ctx context.Context) error {
		_, err := p.create(ctx, doc, lines)
		return err
	})
}

// splitLines decodes a create body: the document's fields and "lines".
func splitLines[T any, P store.RecordPtr[T]](body []byte) (P, []model.LineInput, error) {
	var parts struct {
		Lines []model.LineInput `json:"lines"`
	}
	doc := P(new(T))
	raw, err := parsePatch(body)
	if err != nil {
		return nil, nil, err
	}
	if l, ok := raw["lines"]; ok {
		delete(raw, "lines")
		if err := remarshal(map[string]any{"lines": l}, &parts); err != nil {
			return nil, nil, err
		}
	}
	if err := remarshal(raw, doc); err != nil {
		return nil, nil, err
	}
	*doc.RecordMeta() = model.Meta{}
	return doc, parts.Lines, nil
}

// remarshal decodes v's JSON strictly into out.
func remarshal(v any, out any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return model.Errorf(model.EMALFORMED, "the body is not valid JSON")
	}
	return decodeBytes(b, out)
}

func (p *pricedResource[T, P]) patch(w http.ResponseWriter, r *http.Request) {
	version, patch, err := p.c.api.readPatch(w, r)
	if err != nil {
		fail(w, r, err)
		return
	}
	rec, err := store.UpdatePriced(r.Context(), p.c.api.store, mux.Vars(r)["id"], version, func(cur P) error {
		return applyMergePatch(cur, patch)
	})
	if err != nil {
		fail(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(rec.RecordMeta().Version))
	writeJSON(w, http.StatusOK, rec)
}

// readPatch reads If-Match and a merge-patch body.
func (a *API) readPatch(w http.ResponseWriter, r *http.Request) (int64, map[string]any, error) {
	version, err := ifMatch(r)
	if err != nil {
		return 0, nil, err
	}
	body, err := a.readBody(w, r)
	if err != nil {
		return 0, nil, err
	}
	patch, err := parsePatch(body)
	return version, patch, err
}

func (p *pricedResource[T, P]) delete(w http.ResponseWriter, r *http.Request) {
	version, err := ifMatch(r)
	if err == nil {
		err = store.DeletePriced[T, P](r.Context(), p.c.api.store, mux.Vars(r)["id"], version)
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (p *pricedResource[T, P]) runAction(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		version, err := ifMatch(r)
		if err != nil {
			fail(w, r, err)
			return
		}
		var in ActionRequest
		if err := p.c.api.decodeOptional(w, r, &in); err != nil {
			fail(w, r, err)
			return
		}
		rec, err := p.action(r.Context(), mux.Vars(r)["id"], version, action, in.Reason)
		if err != nil {
			fail(w, r, err)
			return
		}
		status := http.StatusOK
		if action == "order" || action == model.ActionRevise {
			status = http.StatusCreated
			w.Header().Set("Location", Prefix+"/"+plural(rec.Entity())+"/"+rec.RecordMeta().ID)
		}
		w.Header().Set("ETag", etag(rec.RecordMeta().Version))
		writeJSON(w, status, rec)
	}
}

func plural(entity string) string { return entity + "s" }
