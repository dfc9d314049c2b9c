package api

import (
	"context"
	"net/http"

	"github.com/gorilla/mux"

	"rapport/model"
	"rapport/model/secret"
	"rapport/model/store"
)

func (a *API) mountCollections(r *mux.Router) {
	users := &collection[model.User, *model.User]{api: a, path: "/users", tag: "Users", filters: "role team_id territory_id disabled email username"}
	users.create = a.createUser
	// Before /users/{id}, which would take "me" for an id.
	a.handle(r, http.MethodGet, "/users/me", operation{id: "get_me", summary: "The signed-in user", tag: "Users", schema: "User"}, a.me)
	users.mount(r)
	(&collection[model.Team, *model.Team]{api: a, path: "/teams", tag: "Teams", filters: "manager_id"}).mount(r)
	(&collection[model.Territory, *model.Territory]{api: a, path: "/territories", tag: "Territories", filters: "parent_id"}).mount(r)
	(&collection[model.Account, *model.Account]{api: a, path: "/accounts", tag: "Accounts",
		filters: "owner_id team_id territory_id parent_id industry language"}).mount(r)
	(&collection[model.Contact, *model.Contact]{api: a, path: "/contacts", tag: "Contacts",
		filters: "account_id owner_id language tag", warn: a.duplicateWarnings}).mount(r)
	(&collection[model.Activity, *model.Activity]{api: a, path: "/activities", tag: "Activities",
		filters: "kind status priority owner_id account_id contact_id all_day linked"}).mount(r)
	davCollections := &collection[model.DAVCollection, *model.DAVCollection]{api: a, path: "/dav-collections", tag: "DAV",
		filters: "kind slug enabled"}
	davCollections.create = a.createDAVCollection
	davCollections.mount(r)
}

// duplicateWarnings reports other contacts sharing an e-mail or phone.
func (a *API) duplicateWarnings(ctx context.Context, c *model.Contact) ([]Warning, error) {
	ids, err := a.store.DuplicatesOf(ctx, c)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return []Warning{{Code: "duplicate", Message: "another contact has the same e-mail or phone", IDs: ids}}, nil
}

// newUser is the create body of a user: the record plus an optional password.
type newUser struct {
	model.User
	Password string `json:"password"`
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request) {
	var in newUser
	if err := a.decodeStrict(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	if in.Password != "" {
		if msg := secret.CheckStrength(in.Password); msg != "" {
			fail(w, r, fieldError("password", msg))
			return
		}
	}
	u := &in.User
	u.Meta, u.PasswordHash = model.Meta{}, ""
	c := &collection[model.User, *model.User]{api: a, path: "/users"}
	c.store(w, r, u, func(ctx context.Context) error { return a.store.CreateUser(ctx, u, in.Password) })
}

// createDAVCollection stores a DAV collection's settings for the signed-in
// user (turning on the "mine" address book, or making a calendar).
func (a *API) createDAVCollection(w http.ResponseWriter, r *http.Request) {
	col := &model.DAVCollection{}
	if err := a.decodeStrict(w, r, col); err != nil {
		fail(w, r, err)
		return
	}
	col.Meta = model.Meta{}
	if col.OwnerID == "" {
		col.OwnerID = model.ActorFrom(r.Context()).UserID
	}
	c := &collection[model.DAVCollection, *model.DAVCollection]{api: a, path: "/dav-collections"}
	c.store(w, r, col, func(ctx context.Context) error { return store.Create(ctx, a.store, col) })
}

func (a *API) me(w http.ResponseWriter, r *http.Request) {
	u, err := store.Get[model.User](r.Context(), a.store, model.ActorFrom(r.Context()).UserID)
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}
