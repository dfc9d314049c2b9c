// Package ics serves read-only calendar subscriptions at /ics/{token}.ics for
// Outlook, Google Calendar and Apple Calendar: a user's appointments and calls
// (and, per feed, tasks). The token in the URL is the credential; feeds are
// created and revoked through the API or the CLI.
//
// It imports model, model/icalmap and model/store; never connectors.
package ics

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"rapport/hub/problem"
	"rapport/model"
	"rapport/model/icalmap"
	"rapport/model/store"
)

// Window is how far back one-off items are published; recurring items and
// open tasks are always included.
const Window = 180 * 24 * time.Hour

// Handler serves calendar feeds.
type Handler struct {
	Store  *store.Store
	Logger *slog.Logger
}

// Mount registers GET and HEAD /ics/{token}.ics on r.
func (h *Handler) Mount(r *mux.Router) {
	r.HandleFunc("/ics/{token:[A-Za-z0-9_-]+}.ics", h.serve).Methods(http.MethodGet, http.MethodHead)
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u, feed, err := h.Store.ICSFeedAuth(ctx, mux.Vars(r)["token"])
	if err != nil {
		problem.Errorf(w, r, model.ENOTFOUND, "no such calendar feed")
		return
	}
	body, err := h.render(ctx, u, feed)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	sum := sha256.Sum256(body)
	tag := `"` + hex.EncodeToString(sum[:16]) + `"`
	hdr := w.Header()
	hdr.Set("ETag", tag)
	hdr.Set("Cache-Control", "private, max-age=300")
	if r.Header.Get("If-None-Match") == tag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Type", "text/calendar; charset=utf-8")
	hdr.Set("Content-Disposition", `inline; filename="rapport.ics"`)
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

// render encodes the feed's calendar as the feed's user sees it.
func (h *Handler) render(ctx context.Context, u *model.User, feed *model.ICSFeed) ([]byte, error) {
	actor, err := h.Store.ActorFor(ctx, u, []string{model.ScopeRead})
	if err != nil {
		return nil, err
	}
	ctx = model.WithActor(ctx, actor)
	acts, err := h.Store.CalendarActivities(ctx, u.ID, feed.IncludeTasks, time.Now().Add(-Window))
	if err != nil {
		return nil, err
	}
	people, err := h.people(ctx)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := icalmap.Encode(&buf, icalmap.Calendar("Rapport — "+u.Name, acts, people)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// people resolves users for ORGANIZER and ATTENDEE lines.
func (h *Handler) people(ctx context.Context) (icalmap.People, error) {
	byID := map[string]icalmap.Person{}
	p := store.ListParams{Limit: 5000}
	for {
		page, err := store.List[model.User](ctx, h.Store, p)
		if err != nil {
			return nil, err
		}
		for _, u := range page.Items {
			byID[u.ID] = icalmap.Person{Email: u.Email, Name: u.Name}
		}
		if p.Cursor = page.NextCursor; p.Cursor == "" {
			break
		}
	}
	return func(id string) (icalmap.Person, bool) { p, ok := byID[id]; return p, ok }, nil
}
