package api

import (
	"context"
	"net/http"
	"reflect"
	"strings"

	"github.com/gorilla/mux"

	"rapport/model"
	"rapport/model/store"
)

// mountReturns serves registrations and returns (RMA): registered
// products with quick registration and transfers to new owners; returns
// with their lines, status workflow, work log, history and service order.
func (a *API) mountReturns(r *mux.Router) {
	op := func(id, summary, request, schema string, status int) operation {
		return operation{id: id, summary: summary, tag: "Returns", kind: opCustom, request: request, schema: schema, status: status}
	}
	// Before the collection's /registrations/{id} routes.
	a.handle(r, http.MethodPost, "/registrations/quick", op("quick_registration",
		"Register a product by serial and e-mail: a new serial needs the product; a known one without an owner is claimed", "QuickRegistration", "Registration", http.StatusCreated), a.quickRegister)
	(&collection[model.Registration, *model.Registration]{api: a, path: "/registrations", tag: "Returns",
		filters: "product_id serial account_id contact_id status"}).mount(r)
	a.handle(r, http.MethodPost, "/registrations/{id}/transfer", op("transfer_registration",
		"Give a registered product a new owner, keeping the owner history (event registration.transferred)", "Transfer", "Registration", 0),
		withBody(a, http.StatusOK, a.store.TransferRegistration))
	a.handle(r, http.MethodGet, "/registrations/{id}/transfers", op("list_registration_transfers",
		"A registered product's owner history, oldest first", "", "RegistrationTransferList", 0), a.registrationTransfers)
	a.mountRMAs(r, op)
}

// mountRMAs serves /rmas: the collection's reads and edits, and the
// return's own operations (its history replaces the change history).
func (a *API) mountRMAs(r *mux.Router, op func(id, summary, request, schema string, status int) operation) {
	c := &collection[model.RMA, *model.RMA]{api: a, path: "/rmas", tag: "Returns",
		filters: "number status account_id contact_id request_id order_id owner_id service_order_id"}
	one := "/rmas/{id}"
	a.handle(r, http.MethodGet, "/rmas", c.op("List", "list", "RMA", opList), c.list)
	a.handle(r, http.MethodPost, "/rmas/search", c.op("Search", "search", "RMA", opSearch), c.search)
	a.handle(r, http.MethodPost, "/rmas", op("create_rmas", "Make a return from a request or an order, with its lines (event rma.created)",
		"RMACreate", "RMAWithLines", http.StatusCreated), a.createRMA)
	a.handle(r, http.MethodGet, one, c.op("Get", "get", "RMA", opGet), c.get)
	a.handle(r, http.MethodPatch, one, c.op("Update", "patch", "RMA", opPatch), c.patch)
	a.handle(r, http.MethodDelete, one, c.op("Delete", "delete", "RMA", opDelete), a.deleteRMA)
	a.handle(r, http.MethodGet, one+"/changes", c.op("Changes", "changes", "Change", opHistory), c.history)
	a.handle(r, http.MethodGet, one+"/history", op("rma_history", "A return's status changes and work log, oldest first", "", "RMAHistory", 0), a.rmaHistory)
	a.handle(r, http.MethodPost, one+"/status", op("move_rma", "Move a return to another status (event rma.status_changed)", "RMAMove", "RMA", 0), withBody(a, http.StatusOK, a.store.MoveRMA))
	a.handle(r, http.MethodGet, one+"/lines", op("list_rma_lines", "A return's lines in order", "", "RMALineList", 0), a.rmaLines)
	a.handle(r, http.MethodPut, one+"/lines", op("replace_rma_lines", "Replace every line of a requested or authorised return", "RMALinesReplace", "RMALineList", 0), a.replaceRMALines)
	a.handle(r, http.MethodPost, one+"/work-log", op("add_rma_work", "Log the service's work on a return (an internal note with its minutes)", "RMAWork", "Activity", http.StatusCreated),
		withBody(a, http.StatusCreated, func(ctx context.Context, id string, _ int64, in store.RMAWork) (*model.Activity, error) {
			return a.store.AddRMAWork(ctx, id, in)
		}))
	a.handle(r, http.MethodPost, one+"/service-order", op("create_service_order",
		"Make the repair or replacement order of an authorised return, once (not billable when a service contract covers the units)", "ServiceOrderRequest", "Order", http.StatusCreated),
		withBody(a, http.StatusCreated, a.store.CreateServiceOrder))
}

func (a *API) quickRegister(w http.ResponseWriter, r *http.Request) {
	var in store.QuickRegistration
	if err := a.decodeStrict(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	reg, created, err := a.store.QuickRegister(r.Context(), in)
	answer(w, r, map[bool]int{true: http.StatusCreated, false: http.StatusOK}[created], reg, err)
}

func (a *API) registrationTransfers(w http.ResponseWriter, r *http.Request) {
	items, err := a.store.RegistrationTransfers(r.Context(), mux.Vars(r)["id"])
	answer(w, r, http.StatusOK, itemsOf(items), err)
}

// RMALinesReplace is the body of PUT /rmas/{id}/lines.
type RMALinesReplace struct {
	Lines []model.RMALineInput `json:"lines"`
}

func (a *API) createRMA(w http.ResponseWriter, r *http.Request) {
	rma, in, err := a.decodeRMACreate(w, r)
	if err != nil {
		fail(w, r, err)
		return
	}
	lines, err := a.store.CreateRMA(r.Context(), rma, in)
	if err != nil {
		fail(w, r, err)
		return
	}
	body, err := model.ToMap(rma)
	if err != nil {
		fail(w, r, err)
		return
	}
	body["lines"] = lines
	w.Header().Set("Location", Prefix+"/rmas/"+rma.ID)
	w.Header().Set("ETag", etag(rma.Version))
	writeJSON(w, http.StatusCreated, body)
}

// decodeRMACreate reads the body of POST /rmas, strictly: the return's
// fields and its "lines".
func (a *API) decodeRMACreate(w http.ResponseWriter, r *http.Request) (*model.RMA, []model.RMALineInput, error) {
	body, err := a.readBody(w, r)
	if err != nil {
		return nil, nil, err
	}
	raw, err := parsePatch(body)
	if err != nil {
		return nil, nil, err
	}
	var in RMALinesReplace
	if err := remarshal(map[string]any{"lines": raw["lines"]}, &in); err != nil {
		return nil, nil, err
	}
	delete(raw, "lines")
	rma := &model.RMA{}
	if err := remarshal(raw, rma); err != nil {
		return nil, nil, err
	}
	rma.Meta = model.Meta{}
	return rma, in.Lines, nil
}

func (a *API) deleteRMA(w http.ResponseWriter, r *http.Request) {
	version, err := ifMatch(r)
	if err == nil {
		err = a.store.DeleteRMA(r.Context(), mux.Vars(r)["id"], version)
	}
	answer(w, r, http.StatusNoContent, nil, err)
}

func (a *API) rmaHistory(w http.ResponseWriter, r *http.Request) {
	items, err := a.store.RMAHistory(r.Context(), mux.Vars(r)["id"])
	answer(w, r, http.StatusOK, itemsOf(items), err)
}

func (a *API) rmaLines(w http.ResponseWriter, r *http.Request) {
	lines, err := a.store.RMALines(r.Context(), mux.Vars(r)["id"])
	answer(w, r, http.StatusOK, itemsOf(lines), err)
}

func (a *API) replaceRMALines(w http.ResponseWriter, r *http.Request) {
	version, err := ifMatch(r)
	var in RMALinesReplace
	if err == nil {
		err = a.decodeStrict(w, r, &in)
	}
	var rma *model.RMA
	var lines []model.RMALine
	if err == nil {
		rma, lines, err = a.store.ReplaceRMALines(r.Context(), mux.Vars(r)["id"], version, in.Lines)
	}
	if err == nil {
		w.Header().Set("ETag", etag(rma.Version))
	}
	answer(w, r, http.StatusOK, itemsOf(lines), err)
}

// withBody serves a POST on record {id} that takes If-Match and a JSON
// body (an empty one is In's zero value, which run's checks refuse where
// it matters), answering run's result with status.
func withBody[In, Out any](a *API, status int, run func(ctx context.Context, id string, version int64, in In) (Out, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		version, err := ifMatch(r)
		var in In
		if err == nil {
			err = a.decodeOptional(w, r, &in)
		}
		var out Out
		if err == nil {
			out, err = run(r.Context(), mux.Vars(r)["id"], version, in)
		}
		answer(w, r, status, out, err)
	}
}

// answer writes err as a problem, or body with status; a record body
// brings its ETag and, when created, its Location.
func answer(w http.ResponseWriter, r *http.Request, status int, body any, err error) {
	if err != nil {
		fail(w, r, err)
		return
	}
	if rec, ok := body.(model.Record); ok {
		w.Header().Set("ETag", etag(rec.RecordMeta().Version))
		if status == http.StatusCreated {
			w.Header().Set("Location", Prefix+"/"+strings.ReplaceAll(store.Tables[rec.Entity()], "_", "-")+"/"+rec.RecordMeta().ID)
		}
	}
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	writeJSON(w, status, body)
}

// itemsOf wraps a list as {"items": [...]}.
func itemsOf[T any](items []T) map[string]any {
	if items == nil {
		items = []T{}
	}
	return map[string]any{"items": items}
}

// returnSchemas are the OpenAPI schemas of registrations and returns that
// are not records.
func returnSchemas() map[string]any {
	list := func(item string) map[string]any {
		return objectWith(map[string]any{"items": map[string]any{"type": "array", "items": ref(item)}})
	}
	lines := map[string]any{"type": "array", "items": ref("RMALineInput")}
	rma := objectSchema(reflect.TypeOf(model.RMA{}))
	return map[string]any{
		"QuickRegistration":        objectSchema(reflect.TypeOf(store.QuickRegistration{})),
		"Transfer":                 objectSchema(reflect.TypeOf(store.Transfer{})),
		"RegistrationTransfer":     objectSchema(reflect.TypeOf(model.RegistrationTransfer{})),
		"RegistrationTransferList": list("RegistrationTransfer"),
		"RMALineInput":             objectSchema(reflect.TypeOf(model.RMALineInput{})),
		"RMALine":                  objectSchema(reflect.TypeOf(model.RMALine{})),
		"RMALineList":              list("RMALine"),
		"RMACreate":                withProperties(rma, map[string]any{"lines": lines}),
		"RMAWithLines":             withProperties(rma, map[string]any{"lines": map[string]any{"type": "array", "items": ref("RMALine")}}),
		"RMALinesReplace":          objectWith(map[string]any{"lines": lines}),
		"RMAMove":                  objectSchema(reflect.TypeOf(store.RMAMove{})),
		"RMAWork":                  objectSchema(reflect.TypeOf(store.RMAWork{})),
		"RMAHistoryEntry":          objectSchema(reflect.TypeOf(store.RMAHistoryEntry{})),
		"RMAHistory":               list("RMAHistoryEntry"),
		"ServiceOrderRequest":      objectSchema(reflect.TypeOf(store.ServiceOrderRequest{})),
	}
}
