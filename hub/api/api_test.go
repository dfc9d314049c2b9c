package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"rapport/hub/api"
	"rapport/hub/hubtest"
	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// client drives the API as one actor.
type client struct {
	t     testing.TB
	h     http.Handler
	actor model.Actor
	a     *api.API
	s     *store.Store
}

func newClient(t testing.TB, s *store.Store) *client {
	t.Helper()
	ctx := model.WithActor(context.Background(), model.System)
	u := &model.User{Email: "admin@example.com", Name: "Admin", Role: model.RoleAdmin}
	if err := s.CreateUser(ctx, u, ""); err != nil {
		t.Fatal(err)
	}
	a := api.New(api.Config{Store: s, Blobs: hubtest.NewMemBlobs(), MaxBodyBytes: 64 << 10})
	c := &client{t: t, a: a, s: s, actor: model.Actor{UserID: u.ID, Name: u.Name, Role: u.Role}}
	r := mux.NewRouter()
	v1 := r.PathPrefix(api.Prefix).Subrouter()
	v1.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(model.WithActor(r.Context(), c.actor)))
		})
	}, a.Idempotency)
	a.Mount(v1)
	c.h = r
	return c
}

type response struct {
	*httptest.ResponseRecorder
	t testing.TB
}

func (r response) json() map[string]any {
	r.t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body.Bytes(), &m); err != nil {
		r.t.Fatalf("not JSON (%d): %s", r.Code, r.Body.String())
	}
	return m
}

func (c *client) do(method, path, body string, headers ...string) response {
	c.t.Helper()
	req := httptest.NewRequest(method, api.Prefix+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	return response{rec, c.t}
}

func (c *client) want(r response, status int) map[string]any {
	c.t.Helper()
	if r.Code != status {
		c.t.Fatalf("status %d, want %d: %s", r.Code, status, r.Body.String())
	}
	if r.Body.Len() == 0 {
		return nil
	}
	return r.json()
}
