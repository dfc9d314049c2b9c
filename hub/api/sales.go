package api

import (
	"net/http"

	"github.com/gorilla/mux"

	"rapport/model"
	"rapport/model/store"
)

// mountSales serves the sales side: pipelines, opportunities with their
// stage history, competitors, leads with their conversion, campaigns.
func (a *API) mountSales(r *mux.Router) {
	(&collection[model.Pipeline, *model.Pipeline]{api: a, path: "/pipelines", tag: "Sales", filters: "active"}).mount(r)
	(&collection[model.Opportunity, *model.Opportunity]{api: a, path: "/opportunities", tag: "Sales",
		filters: "pipeline_id stage outcome forecast_category owner_id team_id territory_id account_id contact_id campaign_id source currency tag"}).mount(r)
	a.handle(r, http.MethodGet, "/opportunities/{id}/stages", operation{id: "list_opportunity_stages", tag: "Sales",
		summary: "The stages an opportunity went through, with when and by whom", schema: "StageChangeList"}, a.stageHistory)
	(&collection[model.Competitor, *model.Competitor]{api: a, path: "/competitors", tag: "Sales"}).mount(r)
	(&collection[model.Lead, *model.Lead]{api: a, path: "/leads", tag: "Sales",
		filters: "status campaign_id source owner_id team_id territory_id tag"}).mount(r)
	a.handle(r, http.MethodPost, "/leads/{id}/convert", operation{id: "convert_lead", tag: "Sales", kind: opCustom,
		summary: "Convert a lead into an account, a contact and optionally an opportunity, in one step",
		request: "LeadConversion", schema: "Lead"}, a.convertLead)
	(&collection[model.Campaign, *model.Campaign]{api: a, path: "/campaigns", tag: "Marketing", filters: "type status owner_id currency"}).mount(r)
}

func (a *API) stageHistory(w http.ResponseWriter, r *http.Request) {
	items, err := a.store.StageHistory(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		fail(w, r, err)
		return
	}
	if items == nil {
		items = []model.StageChange{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (a *API) convertLead(w http.ResponseWriter, r *http.Request) {
	var in store.LeadConversion
	if err := a.decodeOptional(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	l, err := a.store.ConvertLead(r.Context(), mux.Vars(r)["id"], in)
	if err != nil {
		fail(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(l.Version))
	writeJSON(w, http.StatusOK, l)
}

// salesSchemas are the OpenAPI schemas of sales requests and answers that
// are not records.
func salesSchemas() map[string]any {
	return map[string]any{
		"LeadConversion":  objectWith(map[string]any{"account_id": map[string]any{"type": "string"}, "contact_id": map[string]any{"type": "string"}, "opportunity": ref("Opportunity")}),
		"StageChangeList": objectWith(map[string]any{"items": map[string]any{"type": "array", "items": ref("StageChange")}}),
	}
}
