package api

import (
	"net/http"

	"github.com/gorilla/mux"

	"rapport/model/store"
)

func init() { schemaTypes = append(schemaTypes, OffboardRequest{}, store.OffboardReport{}) }

// mountOffboard serves POST /users/{id}/offboard: disable a user and hand
// their open records to a named user or their team's manager, in one
// transaction, with a report of what moved and what stayed (and why).
func (a *API) mountOffboard(r *mux.Router) {
	a.handle(r, http.MethodPost, "/users/{id}/offboard", operation{id: "offboard_user", tag: "Users", kind: opCustom,
		request: "OffboardRequest", schema: "OffboardReport",
		summary: "Offboard a user: disable them (every credential dies) and reassign their open records; dry_run only reports (admins)"},
		a.offboardUser)
}

// OffboardRequest names who takes over: reassign_to (a user id) or
// to_manager (the manager of the leaver's team). DryRun answers the same
// report and changes nothing.
type OffboardRequest struct {
	ReassignTo string `json:"reassign_to"`
	ToManager  bool   `json:"to_manager"`
	DryRun     bool   `json:"dry_run"`
}

func (a *API) offboardUser(w http.ResponseWriter, r *http.Request) {
	if err := requireAdmin(r.Context()); err != nil {
		fail(w, r, err)
		return
	}
	var in OffboardRequest
	if err := a.decodeStrict(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	rep, err := a.store.OffboardUser(r.Context(), mux.Vars(r)["id"],
		store.OffboardOptions{ReassignTo: in.ReassignTo, ToManager: in.ToManager, DryRun: in.DryRun})
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}
