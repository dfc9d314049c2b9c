package api

import (
	"net/http"

	"github.com/gorilla/mux"

	"rapport/model"
	"rapport/model/store"
)

// mountMarketing serves the marketing side: mailing lists and their
// members, the contacts' unsubscribe state, campaign members and their
// responses, and telemarketing scripts.
func (a *API) mountMarketing(r *mux.Router) {
	(&collection[model.MailingList, *model.MailingList]{api: a, path: "/mailing-lists", tag: "Marketing", filters: "kind"}).mount(r)
	a.handle(r, http.MethodGet, "/mailing-lists/{id}/members", operation{id: "list_mailing_list_members", tag: "Marketing",
		summary: "A page of a list's subscribed members (a static list's contacts, or those its filter matches now)",
		params:  []string{"limit", "cursor"}, schema: "ContactPage"}, a.listMembers)
	a.handle(r, http.MethodPost, "/mailing-lists/{id}/members", operation{id: "add_mailing_list_members", tag: "Marketing",
		summary: "Put contacts on a static list (contacts already on it are left as they are)", request: "ListMembersRequest",
		schema: "ListMembersAdded"}, a.addListMembers)
	a.handle(r, http.MethodDelete, "/mailing-lists/{id}/members/{contact_id}", operation{id: "remove_mailing_list_member",
		tag: "Marketing", summary: "Take a contact off a static list", status: http.StatusNoContent}, a.removeListMember)
	for path, on := range map[string]bool{"/contacts/{id}/unsubscribe": true, "/contacts/{id}/resubscribe": false} {
		verb, idVerb := "Unsubscribe a contact from", "unsubscribe_contact"
		if !on {
			verb, idVerb = "Resubscribe a contact to", "resubscribe_contact"
		}
		a.handle(r, http.MethodPost, path, operation{id: idVerb, tag: "Marketing", schema: "Contact",
			summary: verb + " all marketing (mailing lists, campaigns filled from lists)"}, a.setUnsubscribed(on))
	}
	a.mountCampaignMembers(r)
	a.mountScripts(r)
}

// ListMembersRequest names the contacts to put on a static list.
type ListMembersRequest struct {
	ContactIDs []string `json:"contact_ids"`
}

// ListMembersAdded says which contacts an add put on the list.
type ListMembersAdded struct {
	Added []string `json:"added"`
}

func (a *API) listMembers(w http.ResponseWriter, r *http.Request) {
	params, err := listParams(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	page, err := a.store.MailingListMembers(r.Context(), mux.Vars(r)["id"], params)
	if err != nil {
		fail(w, r, err)
		return
	}
	writePage(w, page)
}

// writePage answers a page of records.
func writePage[P any](w http.ResponseWriter, page store.Page[P]) {
	items := page.Items
	if items == nil {
		items = []P{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": page.NextCursor})
}

func (a *API) addListMembers(w http.ResponseWriter, r *http.Request) {
	var in ListMembersRequest
	if err := a.decodeStrict(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	added, err := a.store.AddListMembers(r.Context(), mux.Vars(r)["id"], in.ContactIDs)
	if err != nil {
		fail(w, r, err)
		return
	}
	if added == nil {
		added = []string{}
	}
	writeJSON(w, http.StatusOK, ListMembersAdded{Added: added})
}

func (a *API) removeListMember(w http.ResponseWriter, r *http.Request) {
	v := mux.Vars(r)
	if err := a.store.RemoveListMember(r.Context(), v["id"], v["contact_id"]); err != nil {
		fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// setUnsubscribed answers POST /contacts/{id}/unsubscribe and /resubscribe.
func (a *API) setUnsubscribed(on bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := a.store.SetUnsubscribed(r.Context(), mux.Vars(r)["id"], on)
		if err != nil {
			fail(w, r, err)
			return
		}
		w.Header().Set("ETag", etag(c.Version))
		writeJSON(w, http.StatusOK, c)
	}
}

// ContactPage documents a page of contacts.
type ContactPage struct {
	Items      []model.Contact `json:"items"`
	NextCursor string          `json:"next_cursor"`
}
