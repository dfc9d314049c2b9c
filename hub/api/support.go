package api

import (
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/gorilla/mux"

	"rapport/model"
	"rapport/model/store"
)

// mountSupport serves the support desk: requests with their chronology,
// feedback and links; queues with their order and "next request"; SLA
// targets; time entries.
func (a *API) mountSupport(r *mux.Router) {
	reqs := &collection[model.Request, *model.Request]{api: a, path: "/requests", tag: "Support",
		filters: "status priority channel type queue_id assignee_id team_id account_id contact_id product_id registration_id contract_id entitlement sla_breached tag"}
	op := func(id, summary, request, schema string, status int, params ...string) operation {
		return operation{id: id, summary: summary, tag: "Support", kind: opCustom, request: request, schema: schema, status: status, params: params}
	}
	// Before the collection's GET /requests/{id}, which it replaces to honour include=.
	a.handle(r, http.MethodGet, "/requests/{id}", op("get_request", "A request; include=events,links,attachments adds its whole story",
		"", "RequestWithStory", 0, "include"), a.getRequest)
	reqs.mount(r)
	a.handle(r, http.MethodGet, "/requests/{id}/events", op("list_request_events", "A request's chronology: activities and workflow changes, oldest first",
		"", "ChronologyList", 0), a.requestEvents)
	a.handle(r, http.MethodPost, "/requests/{id}/events", op("add_request_event", "Add a reply, internal note, call or mail to a request",
		"RequestEvent", "Activity", http.StatusCreated), a.addRequestEvent)
	a.handle(r, http.MethodPost, "/requests/{id}/feedback", op("request_feedback", "The customer's rating (1–5) and comment on a resolved or closed request",
		"RequestFeedback", "Request", 0), a.requestFeedback)
	a.handle(r, http.MethodPost, "/requests/{id}/links", op("link_requests", "Link two requests (duplicate or related), both ways",
		"RequestLinkRequest", "RequestLinkList", http.StatusCreated), a.linkRequests)
	(&collection[model.Queue, *model.Queue]{api: a, path: "/queues", tag: "Support", filters: "active team_id"}).mount(r)
	a.handle(r, http.MethodGet, "/queues/{id}/requests", op("list_queue_requests", "A queue's open requests in its order",
		"", "RequestList", 0, "unassigned", "offset", "limit"), a.queueRequests)
	a.handle(r, http.MethodPost, "/queues/{id}/next", op("next_request", "Take the first unassigned open request of the queue",
		"", "Request", 0), a.nextRequest)
	(&collection[model.SLATarget, *model.SLATarget]{api: a, path: "/sla-targets", tag: "Support", filters: "priority contract_level"}).mount(r)
	(&collection[model.TimeEntry, *model.TimeEntry]{api: a, path: "/time-entries", tag: "Support", filters: "request_id user_id billable day"}).mount(r)
}

func (a *API) getRequest(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := mux.Vars(r)["id"]
	req, err := store.Get[model.Request](ctx, a.store, id)
	if err != nil {
		fail(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(req.Version))
	include := strings.Split(r.URL.Query().Get("include"), ",")
	if include[0] == "" {
		writeJSON(w, http.StatusOK, req)
		return
	}
	body, err := model.ToMap(req)
	for _, part := range include {
		if err != nil {
			break
		}
		switch part {
		case "events":
			body["events"], err = a.store.RequestChronology(ctx, id)
		case "links":
			body["links"], err = a.store.RequestLinks(ctx, id)
		case "attachments":
			body["attachments"], err = a.store.AttachmentsOf(ctx, "request", id)
		default:
			err = fieldError("include", "events, links and attachments, comma-separated")
		}
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

func (a *API) requestEvents(w http.ResponseWriter, r *http.Request) {
	items, err := a.store.RequestChronology(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (a *API) addRequestEvent(w http.ResponseWriter, r *http.Request) {
	var ev store.RequestEvent
	if err := a.decodeStrict(w, r, &ev); err != nil {
		fail(w, r, err)
		return
	}
	act, err := a.store.AddRequestEvent(r.Context(), mux.Vars(r)["id"], ev)
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, act)
}

// feedbackRequest is the body of POST /requests/{id}/feedback.
type feedbackRequest struct {
	Rating  int    `json:"rating"`
	Comment string `json:"comment"`
}

func (a *API) requestFeedback(w http.ResponseWriter, r *http.Request) {
	var in feedbackRequest
	if err := a.decodeStrict(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	req, err := a.store.RequestFeedback(r.Context(), mux.Vars(r)["id"], in.Rating, in.Comment)
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, req)
}

// linkRequest is the body of POST /requests/{id}/links.
type linkRequest struct {
	OtherID string `json:"other_id"`
	Kind    string `json:"kind"`
}

func (a *API) linkRequests(w http.ResponseWriter, r *http.Request) {
	var in linkRequest
	if err := a.decodeStrict(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	id := mux.Vars(r)["id"]
	err := a.store.LinkRequests(r.Context(), id, in.OtherID, in.Kind)
	var links []store.RequestLink
	if err == nil {
		links, err = a.store.RequestLinks(r.Context(), id)
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"items": links})
}

func (a *API) queueRequests(w http.ResponseWriter, r *http.Request) {
	offset, err := intParam(r, "offset", 0)
	limit, lerr := intParam(r, "limit", 50)
	unassigned := r.URL.Query().Get("unassigned")
	if err := firstErr(err, lerr); err != nil || !slices.Contains([]string{"", "true", "false"}, unassigned) {
		fail(w, r, firstErr(err, fieldError("unassigned", "true or false")))
		return
	}
	items, err := a.store.QueueRequests(r.Context(), mux.Vars(r)["id"], unassigned == "true", int(offset), int(limit))
	if err != nil {
		fail(w, r, err)
		return
	}
	if items == nil {
		items = []model.Request{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (a *API) nextRequest(w http.ResponseWriter, r *http.Request) {
	req, err := a.store.NextRequest(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		fail(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(req.Version))
	writeJSON(w, http.StatusOK, req)
}

// supportSchemas are the OpenAPI schemas of support requests and answers
// that are not records.
func supportSchemas() map[string]any {
	str := map[string]any{"type": "string"}
	list := func(item string) map[string]any {
		return objectWith(map[string]any{"items": map[string]any{"type": "array", "items": ref(item)}})
	}
	return map[string]any{
		"RequestWithStory": withProperties(objectSchema(reflect.TypeOf(model.Request{})), map[string]any{
			"events": map[string]any{"type": "array", "items": ref("ChronologyEntry")}, "links": map[string]any{"type": "array"},
			"attachments": map[string]any{"type": "array", "items": ref("Attachment")}}),
		"ChronologyEntry":    objectSchema(reflect.TypeOf(store.ChronologyEntry{})),
		"ChronologyList":     list("ChronologyEntry"),
		"RequestEvent":       objectSchema(reflect.TypeOf(store.RequestEvent{})),
		"RequestFeedback":    objectSchema(reflect.TypeOf(feedbackRequest{})),
		"RequestLinkRequest": objectWith(map[string]any{"other_id": str, "kind": str}),
		"RequestLinkList":    list("RequestLink"),
		"RequestLink":        objectSchema(reflect.TypeOf(store.RequestLink{})),
		"RequestList":        list("Request"),
	}
}
