package api

import "github.com/gorilla/mux"

// mountBilling serves invoices, credit notes and billing runs.
func (a *API) mountBilling(r *mux.Router) {}
