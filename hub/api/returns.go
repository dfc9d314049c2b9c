package api

import "github.com/gorilla/mux"

// mountReturns serves registrations and returns (RMA).
func (a *API) mountReturns(r *mux.Router) {}
