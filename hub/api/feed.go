package api

import (
	"net/http"
	"strconv"

	"github.com/gorilla/mux"
)

func (a *API) mountFeed(r *mux.Router) {
	a.handle(r, http.MethodGet, "/changes", operation{id: "list_changes", summary: "Page through the change feed", tag: "Changes",
		kind: opCustom, schema: "ChangePage", params: []string{"since", "limit"}}, a.changes)
	a.handle(r, http.MethodGet, "/audit", operation{id: "list_audit", summary: "Security audit log (admins)", tag: "Audit",
		kind: opCustom, schema: "AuditPage", params: []string{"before", "limit"}}, a.audit)
}

// changes answers GET /changes?since=SEQ&limit=N with the next page, the
// seq to ask for next and the feed's horizon (the newest seq retention
// removed). Without since the page starts at the horizon, the oldest row
// kept; a since below the horizon is 410 Gone: that reader missed changes
// and must read the records afresh.
func (a *API) changes(w http.ResponseWriter, r *http.Request) {
	horizon, err := a.store.FeedHorizon(r.Context())
	if err != nil {
		fail(w, r, err)
		return
	}
	since, err1 := intParam(r, "since", horizon)
	limit, err2 := intParam(r, "limit", 100)
	if err := firstErr(err1, err2); err != nil {
		fail(w, r, err)
		return
	}
	list, next, err := a.store.Changes(r.Context(), since, int(limit))
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list, "next_since": next, "horizon": horizon})
}

func (a *API) audit(w http.ResponseWriter, r *http.Request) {
	if err := requireAdmin(r.Context()); err != nil {
		fail(w, r, err)
		return
	}
	limit, err := intParam(r, "limit", 100)
	if err != nil {
		fail(w, r, err)
		return
	}
	list, err := a.store.AuditEvents(r.Context(), r.URL.Query().Get("before"), int(limit))
	if err != nil {
		fail(w, r, err)
		return
	}
	before := ""
	if len(list) > 0 {
		before = list[len(list)-1].ID
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list, "next_before": before})
}

func intParam(r *http.Request, name string, def int64) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fieldError(name, "must be a non-negative integer")
	}
	return n, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// withHorizon adds the feed horizon to the change page's schema.
func withHorizon(page map[string]any) map[string]any {
	page["properties"].(map[string]any)["horizon"] = map[string]any{"type": "integer",
		"description": "the newest seq retention removed; a since below it answers 410 Gone"}
	return page
}
