package api

import (
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"rapport/model"
	"rapport/model/store"
)

func init() {
	schemaTypes = append(schemaTypes, MergeRequest{}, model.DuplicatePair{}, model.DuplicateRecord{}, model.DuplicateReason{},
		store.DuplicatePage{})
}

// MergeRequest is the body of POST /contacts/{id}/merge and
// /accounts/{id}/merge: the record merged into {id}, and explicit choices
// of whose value a field keeps ({"title": "loser"}; "custom_fields.KEY"
// for one custom field).
type MergeRequest struct {
	LoserID string            `json:"loser_id"`
	Fields  map[string]string `json:"fields"`
}

// mergeTargets are the collections whose records can be merged.
var mergeTargets = []struct{ path, entity, tag, schema string }{
	{"/contacts", "contact", "Contacts", "Contact"},
	{"/accounts", "account", "Accounts", "Account"},
}

// mountMergeRecords serves duplicate suggestions and merges. It must be
// mounted before the collections, which would take "duplicates" for an id.
func (a *API) mountMergeRecords(r *mux.Router) {
	for _, t := range mergeTargets {
		a.handle(r, http.MethodGet, t.path+"/duplicates", operation{id: "list_" + t.entity + "_duplicates", tag: t.tag, kind: opCustom,
			summary: "Pairs of " + t.entity + "s that may be one (shared e-mail, phone or web site, similar names), surest first, paged",
			schema:  "DuplicatePage", params: []string{"limit", "cursor", "min_score"}}, a.duplicatePairs(t.entity))
		a.handle(r, http.MethodPost, t.path+"/{id}/merge", operation{id: "merge_" + t.entity, tag: t.tag, kind: opCustom,
			summary: "Merge loser_id into this " + t.entity + ": its links move here, it becomes a tombstone naming this one; answers the survivor",
			request: "MergeRequest", schema: t.schema}, a.mergeRecords(t.entity))
	}
}

func (a *API) duplicatePairs(entity string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		limit, err := limitParam(r, 50, "a number of pairs, at most 500")
		if err != nil {
			fail(w, r, err)
			return
		}
		p := store.DuplicateParams{Limit: limit, Cursor: r.URL.Query().Get("cursor")}
		if v := r.URL.Query().Get("min_score"); v != "" {
			if p.MinScore, err = strconv.ParseFloat(v, 64); err != nil || p.MinScore <= 0 {
				fail(w, r, fieldError("min_score", "a score above 0 and at most 1"))
				return
			}
		}
		page, err := a.store.DuplicatePairs(r.Context(), entity, p)
		if err != nil {
			fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, page)
	}
}

func (a *API) mergeRecords(entity string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in MergeRequest
		if err := a.decodeStrict(w, r, &in); err != nil {
			fail(w, r, err)
			return
		}
		if !model.ValidID(in.LoserID) {
			fail(w, r, fieldError("loser_id", "the id of the "+entity+" to merge into this one"))
			return
		}
		opts := store.MergeOptions{Fields: in.Fields}
		var survivor model.Record
		var moved store.Moved
		var err error
		if entity == "contact" {
			survivor, moved, err = a.store.MergeContacts(r.Context(), mux.Vars(r)["id"], in.LoserID, opts)
		} else {
			survivor, moved, err = a.store.MergeAccounts(r.Context(), mux.Vars(r)["id"], in.LoserID, opts)
		}
		if err != nil {
			fail(w, r, err)
			return
		}
		w.Header().Set("ETag", etag(survivor.RecordMeta().Version))
		writeJSON(w, http.StatusOK, withMerged(survivor, in.LoserID, moved))
	}
}

// withMerged adds a "merged" member to the survivor's JSON: the loser and
// how many records of each entity moved to the survivor.
func withMerged(rec model.Record, loserID string, moved store.Moved) any {
	m, err := model.ToMap(rec)
	if err != nil {
		return rec
	}
	m["merged"] = map[string]any{"loser_id": loserID, "moved": moved}
	return m
}
