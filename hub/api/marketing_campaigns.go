package api

import (
	"net/http"

	"github.com/gorilla/mux"

	"rapport/model"
)

// mountCampaignMembers serves a campaign's members and their responses.
func (a *API) mountCampaignMembers(r *mux.Router) {
	const p = "/campaigns/{id}/members"
	a.handle(r, http.MethodGet, p, operation{id: "list_campaign_members", tag: "Marketing", summary: "A page of a campaign's members",
		params: []string{"status", "entity", "limit", "cursor"}, schema: "CampaignMemberPage"}, a.listCampaignMembers)
	a.handle(r, http.MethodPost, p, operation{id: "add_campaign_members", tag: "Marketing", status: http.StatusCreated,
		summary: "Add one member, or many with items (all or none; a record already a member is a conflict)",
		request: "CampaignMembersRequest", schema: "CampaignMemberPage"}, a.addCampaignMembers)
	a.handle(r, http.MethodPost, p+"/from-list", operation{id: "add_campaign_members_from_list", tag: "Marketing",
		summary: "Add a mailing list's current subscribed members who are not members yet", request: "CampaignMembersFromList",
		schema: "FromListResult"}, a.addCampaignMembersFromList)
	a.handle(r, http.MethodGet, p+"/summary", operation{id: "summarize_campaign_members", tag: "Marketing",
		summary: "Members per status and in total"}, a.campaignMemberSummary)
	a.handle(r, http.MethodPatch, p+"/{member_id}", operation{id: "patch_campaign_member", tag: "Marketing",
		summary: "Change a member's status or response (JSON merge patch)", request: "CampaignMember", schema: "CampaignMember"}, a.patchCampaignMember)
	a.handle(r, http.MethodDelete, p+"/{member_id}", operation{id: "delete_campaign_member", tag: "Marketing",
		summary: "Remove a member", status: http.StatusNoContent}, a.deleteCampaignMember)
}

// CampaignMemberInput is one member to add.
type CampaignMemberInput struct {
	Entity   string `json:"entity"` // contact or lead
	RecordID string `json:"record_id"`
	Status   string `json:"status"`
	Response string `json:"response"`
}

// CampaignMembersRequest adds one member (the fields at the top) or many
// (items).
type CampaignMembersRequest struct {
	CampaignMemberInput
	Items []CampaignMemberInput `json:"items"`
}

// CampaignMembersFromList names the mailing list to add.
type CampaignMembersFromList struct {
	MailingListID string `json:"mailing_list_id"`
}

func (a *API) listCampaignMembers(w http.ResponseWriter, r *http.Request) {
	params, err := listParams(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	page, err := a.store.CampaignMembers(r.Context(), mux.Vars(r)["id"], params)
	if err != nil {
		fail(w, r, err)
		return
	}
	writePage(w, page)
}

func (a *API) addCampaignMembers(w http.ResponseWriter, r *http.Request) {
	var in CampaignMembersRequest
	if err := a.decodeStrict(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	items := in.Items
	switch {
	case len(items) == 0:
		items = []CampaignMemberInput{in.CampaignMemberInput}
	case in.CampaignMemberInput != CampaignMemberInput{}:
		fail(w, r, fieldError("items", "give one member at the top or many in items, not both"))
		return
	}
	ms := make([]*model.CampaignMember, len(items))
	for i, it := range items {
		ms[i] = &model.CampaignMember{RecordType: it.Entity, RecordID: it.RecordID, Status: it.Status, Response: it.Response}
	}
	if err := a.store.AddCampaignMembers(r.Context(), mux.Vars(r)["id"], ms); err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"items": ms})
}

func (a *API) addCampaignMembersFromList(w http.ResponseWriter, r *http.Request) {
	var in CampaignMembersFromList
	if err := a.decodeStrict(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	res, err := a.store.AddCampaignMembersFromList(r.Context(), mux.Vars(r)["id"], in.MailingListID)
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (a *API) campaignMemberSummary(w http.ResponseWriter, r *http.Request) {
	sum, err := a.store.CampaignMemberSummary(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sum)
}

func (a *API) patchCampaignMember(w http.ResponseWriter, r *http.Request) {
	version, err := ifMatch(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	body, err := a.readBody(w, r)
	if err != nil {
		fail(w, r, err)
		return
	}
	patch, err := parsePatch(body)
	if err != nil {
		fail(w, r, err)
		return
	}
	v := mux.Vars(r)
	m, err := a.store.UpdateCampaignMember(r.Context(), v["id"], v["member_id"], version, func(cur *model.CampaignMember) error {
		return applyMergePatch(cur, patch)
	})
	if err != nil {
		fail(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(m.Version))
	writeJSON(w, http.StatusOK, m)
}

func (a *API) deleteCampaignMember(w http.ResponseWriter, r *http.Request) {
	version, err := ifMatch(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	v := mux.Vars(r)
	if err := a.store.RemoveCampaignMember(r.Context(), v["id"], v["member_id"], version); err != nil {
		fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// CampaignMemberPage documents a page of campaign members.
type CampaignMemberPage struct {
	Items      []model.CampaignMember `json:"items"`
	NextCursor string                 `json:"next_cursor"`
}
