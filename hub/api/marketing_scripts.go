package api

import (
	"net/http"

	"github.com/gorilla/mux"

	"rapport/model"
)

// mountScripts serves telemarketing scripts and their runs.
func (a *API) mountScripts(r *mux.Router) {
	(&collection[model.Script, *model.Script]{api: a, path: "/scripts", tag: "Marketing"}).mount(r)
	a.handle(r, http.MethodPost, "/scripts/{id}/run", operation{id: "run_script", tag: "Marketing",
		summary: "Store a call's answers on the call activity and write mapped answers into a lead or contact, in one step",
		request: "ScriptRun", schema: "ScriptResult"}, a.runScript)
}

func (a *API) runScript(w http.ResponseWriter, r *http.Request) {
	var in model.ScriptRun
	if err := a.decodeStrict(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	res, err := a.store.RunScript(r.Context(), mux.Vars(r)["id"], in)
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
