package api

import "github.com/gorilla/mux"

// mountContracts serves service contracts and entitlement.
func (a *API) mountContracts(r *mux.Router) {}
