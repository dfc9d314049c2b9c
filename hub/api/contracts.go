package api

import (
	"net/http"
	"reflect"

	"github.com/gorilla/mux"

	"rapport/model"
	"rapport/model/store"
)

// mountContracts serves service contracts and entitlement: the contracts
// collection, a contract's prepaid-unit usage, and the entitlement check the
// desk makes before it creates a request.
func (a *API) mountContracts(r *mux.Router) {
	op := func(id, summary, request, schema string) operation {
		return operation{id: id, summary: summary, tag: "Contracts", kind: opCustom, request: request, schema: schema}
	}
	a.handle(r, http.MethodPost, "/entitlement/check", op("check_entitlement",
		"Whether an account's service contracts cover a product or registered unit today: covered, not_covered, expired or units_exhausted",
		"EntitlementCheck", "EntitlementResult"), a.checkEntitlement)
	(&collection[model.Contract, *model.Contract]{api: a, path: "/contracts", tag: "Contracts",
		filters: "account_id kind status level billing_method"}).mount(r)
	a.handle(r, http.MethodGet, "/contracts/{id}/usage", op("contract_usage",
		"A contract's prepaid units, how many are used and left, and the requests and hours under it", "", "ContractUsage"), a.contractUsage)
}

// entitlementCheck is the body of POST /entitlement/check; day defaults
// to today in the installation's time zone.
type entitlementCheck struct {
	AccountID      string      `json:"account_id"`
	ProductID      string      `json:"product_id"`
	RegistrationID string      `json:"registration_id"`
	Day            *model.Date `json:"day"`
}

func (a *API) checkEntitlement(w http.ResponseWriter, r *http.Request) {
	var in entitlementCheck
	if err := a.decodeStrict(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	fe := model.FieldErrors{}
	for field, id := range map[string]string{"account_id": in.AccountID, "product_id": in.ProductID, "registration_id": in.RegistrationID} {
		if id != "" && !model.ValidID(id) {
			fe.Add(field, "not an id")
		}
	}
	if in.AccountID == "" && in.RegistrationID == "" {
		fe.Add("account_id", "give account_id or registration_id")
	}
	if err := fe.Err(); err != nil {
		fail(w, r, err)
		return
	}
	q := store.EntitlementQuery{AccountID: in.AccountID, ProductID: in.ProductID, RegistrationID: in.RegistrationID}
	if in.Day != nil {
		q.Day = *in.Day
	}
	res, err := a.store.Entitlement(r.Context(), q)
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (a *API) contractUsage(w http.ResponseWriter, r *http.Request) {
	u, err := a.store.UsageOf(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

// contractSchemas are the OpenAPI schemas of contract requests and answers
// that are not records.
func contractSchemas() map[string]any {
	return map[string]any{
		"EntitlementCheck":  objectSchema(reflect.TypeOf(entitlementCheck{})),
		"EntitlementResult": objectSchema(reflect.TypeOf(store.EntitlementResult{})),
		"ContractUsage":     objectSchema(reflect.TypeOf(store.ContractUsageSummary{})),
	}
}
