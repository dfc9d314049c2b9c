package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"rapport/model"
)

func (a *API) mountAccess(r *mux.Router) {
	a.handle(r, http.MethodGet, "/tokens", operation{id: "list_tokens", summary: "List my API tokens", tag: "Access", kind: opList, schema: "APIToken"}, a.listTokens)
	a.handle(r, http.MethodPost, "/tokens", operation{id: "create_token", summary: "Create an API token (shown once)", tag: "Access",
		request: "TokenRequest", status: http.StatusCreated}, a.createToken)
	a.handle(r, http.MethodDelete, "/tokens/{id}", operation{id: "revoke_token", summary: "Revoke an API token", tag: "Access", kind: opDelete}, a.revokeToken)
	a.handle(r, http.MethodGet, "/ics-feeds", operation{id: "list_ics_feeds", summary: "List my calendar subscription feeds", tag: "Access", kind: opList, schema: "ICSFeed"}, a.listICSFeeds)
	a.handle(r, http.MethodPost, "/ics-feeds", operation{id: "create_ics_feed", summary: "Create a calendar subscription URL (shown once)", tag: "Access",
		request: "ICSFeedRequest", status: http.StatusCreated}, a.createICSFeed)
	a.handle(r, http.MethodDelete, "/ics-feeds/{id}", operation{id: "revoke_ics_feed", summary: "Revoke a calendar subscription", tag: "Access", kind: opDelete}, a.revokeICSFeed)
	a.handle(r, http.MethodPost, "/app-passwords", operation{id: "create_app_password", summary: "Create a DAV app password (shown once)", tag: "Access",
		request: "AppPasswordRequest", status: http.StatusCreated}, a.createAppPassword)
	a.handle(r, http.MethodGet, "/app-passwords", operation{id: "list_app_passwords", summary: "List my DAV app passwords", tag: "Access", kind: opList, schema: "AppPassword"}, a.listAppPasswords)
	a.handle(r, http.MethodDelete, "/app-passwords/{id}", operation{id: "revoke_app_password", summary: "Revoke one device's DAV app password", tag: "Access", kind: opDelete}, a.revokeAppPassword)
}

func (a *API) listAppPasswords(w http.ResponseWriter, r *http.Request) {
	listMine(w, r, a.store.AppPasswords)
}

func (a *API) revokeAppPassword(w http.ResponseWriter, r *http.Request) {
	revokeMine(w, r, a.store.RevokeAppPassword)
}

type tokenRequest struct {
	Name      string `json:"name"`
	Scopes    string `json:"scopes"`     // "read,write"
	ExpiresIn string `json:"expires_in"` // Go duration, "720h"; empty for no expiry
}

func (a *API) listTokens(w http.ResponseWriter, r *http.Request) {
	listMine(w, r, a.store.Tokens)
}

// mayMint checks that the caller may create a credential: from a signed-in
// browser session, or with an admin-scoped token. Other tokens could
// otherwise mint longer-lived or broader ones than themselves.
func mayMint(ctx context.Context) error {
	a := model.ActorFrom(ctx)
	if a.Scopes != nil && !a.HasScope(model.ScopeAdmin) {
		return model.Errorf(model.EFORBIDDEN, "create credentials from a signed-in session or with an admin-scoped token")
	}
	return nil
}

// secretResponse answers with a body holding a credential shown only once:
// never cached, and never stored for Idempotency-Key replays.
func secretResponse(w http.ResponseWriter, body any) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, body)
}

// listMine answers with the caller's own credentials of one kind.
func listMine[T any](w http.ResponseWriter, r *http.Request, list func(ctx context.Context, userID string) ([]T, error)) {
	items, err := list(r.Context(), model.ActorFrom(r.Context()).UserID)
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": ""})
}

// revokeMine revokes one of the caller's own credentials named by {id}.
func revokeMine(w http.ResponseWriter, r *http.Request, revoke func(ctx context.Context, userID, id string) error) {
	if !model.ActorFrom(r.Context()).HasScope(model.ScopeWrite) {
		fail(w, r, model.Errorf(model.EFORBIDDEN, "this token may not write"))
		return
	}
	if err := revoke(r.Context(), model.ActorFrom(r.Context()).UserID, mux.Vars(r)["id"]); err != nil {
		fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// createToken issues a token for the caller. A token can never carry more
// than its creator: only admins get the admin scope, and a token-authenticated
// caller cannot mint broader scopes than its own.
func (a *API) createToken(w http.ResponseWriter, r *http.Request) {
	var in tokenRequest
	if err := firstErr(mayMint(r.Context()), a.decodeStrict(w, r, &in)); err != nil {
		fail(w, r, err)
		return
	}
	if in.Scopes == "" {
		in.Scopes = "read,write"
	}
	scopes, err := model.ParseScopes(in.Scopes)
	if err != nil {
		fail(w, r, err)
		return
	}
	actor := model.ActorFrom(r.Context())
	for _, s := range scopes {
		if !actor.HasScope(s) || (s == model.ScopeAdmin && !actor.IsAdmin()) {
			fail(w, r, model.Errorf(model.EFORBIDDEN, "you may not grant the %s scope", s))
			return
		}
	}
	var ttl time.Duration
	if in.ExpiresIn != "" {
		if ttl, err = time.ParseDuration(in.ExpiresIn); err != nil || ttl <= 0 {
			fail(w, r, fieldError("expires_in", "must be a positive duration such as 720h"))
			return
		}
	}
	plain, tok, err := a.store.CreateToken(r.Context(), actor.UserID, in.Name, scopes, ttl)
	if err != nil {
		fail(w, r, err)
		return
	}
	secretResponse(w, map[string]any{"token": plain, "id": tok.ID, "scopes": scopes, "expires_at": tok.ExpiresAt})
}

func (a *API) revokeToken(w http.ResponseWriter, r *http.Request) {
	revokeMine(w, r, a.store.RevokeToken)
}

type appPasswordRequest struct {
	Label string `json:"label"` // the device, e.g. "Anna's iPhone"
}

func (a *API) createAppPassword(w http.ResponseWriter, r *http.Request) {
	var in appPasswordRequest
	if err := firstErr(mayMint(r.Context()), a.decodeStrict(w, r, &in)); err != nil {
		fail(w, r, err)
		return
	}
	actor := model.ActorFrom(r.Context())
	plain, p, err := a.store.CreateAppPassword(r.Context(), actor.UserID, in.Label)
	if err != nil {
		fail(w, r, err)
		return
	}
	secretResponse(w, map[string]any{"password": plain, "id": p.ID, "label": p.Label})
}

type icsFeedRequest struct {
	IncludeTasks bool `json:"include_tasks"` // also publish the user's tasks
}

func (a *API) listICSFeeds(w http.ResponseWriter, r *http.Request) {
	listMine(w, r, a.store.ICSFeeds)
}

// createICSFeed answers with the feed's path and absolute URL; the token in
// them is the credential and is shown only here.
func (a *API) createICSFeed(w http.ResponseWriter, r *http.Request) {
	var in icsFeedRequest
	if err := firstErr(mayMint(r.Context()), a.decodeStrict(w, r, &in)); err != nil {
		fail(w, r, err)
		return
	}
	actor := model.ActorFrom(r.Context())
	plain, f, err := a.store.CreateICSFeed(r.Context(), actor.UserID, in.IncludeTasks)
	if err != nil {
		fail(w, r, err)
		return
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	path := "/ics/" + plain + ".ics"
	secretResponse(w, map[string]any{"id": f.ID, "path": path, "url": scheme + "://" + r.Host + path, "include_tasks": f.IncludeTasks})
}

func (a *API) revokeICSFeed(w http.ResponseWriter, r *http.Request) {
	revokeMine(w, r, a.store.RevokeICSFeed)
}
