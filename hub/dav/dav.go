package dav

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"rapport/hub/api"
	"rapport/hub/auth"
	"rapport/model"
	"rapport/model/store"
)

// Root is the DAV root every client discovers.
const Root = "/dav/"

// Config wires the DAV surface.
type Config struct {
	Store *store.Store
	// Blobs stores contact photos: the API's blob store.
	Blobs api.Blobs
	// Auth wraps every /dav request: HTTP Basic with app passwords.
	Auth   func(http.Handler) http.Handler
	Logger *slog.Logger
	// MaxResourceSize bounds one card or event (default 4 MiB); photos in
	// cards count toward it.
	MaxResourceSize int64
	// SyncLimit is the most feed rows one sync-collection answer covers
	// before it is truncated with 507 (default 5,000).
	SyncLimit int
}

// Handler serves /dav, /.well-known/caldav and /.well-known/carddav.
type Handler struct {
	cfg   Config
	store *store.Store
	log   *slog.Logger
}

// New returns a DAV handler with defaults applied.
func New(cfg Config) *Handler {
	if cfg.MaxResourceSize <= 0 {
		cfg.MaxResourceSize = 4 << 20
	}
	if cfg.SyncLimit <= 0 {
		cfg.SyncLimit = 5000
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Auth == nil {
		cfg.Auth = func(h http.Handler) http.Handler { return h }
	}
	return &Handler{cfg: cfg, store: cfg.Store, log: cfg.Logger}
}

// Mount adds the DAV routes to r.
func (h *Handler) Mount(r *mux.Router) {
	for _, p := range []string{"/.well-known/caldav", "/.well-known/carddav"} {
		r.Handle(p, http.HandlerFunc(redirectRoot))
		r.Handle(p+"/", http.HandlerFunc(redirectRoot))
	}
	// Clients given the bare host look for a principal at "/".
	r.Handle("/", http.HandlerFunc(redirectRoot)).Methods("PROPFIND")
	r.Handle(strings.TrimSuffix(Root, "/"), h.cfg.Auth(http.HandlerFunc(h.serve)))
	r.PathPrefix(Root).Handler(h.cfg.Auth(http.HandlerFunc(h.serve)))
}

func redirectRoot(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, Root, http.StatusMovedPermanently)
}

// allowedMethods lists what the DAV surface answers.
const allowedMethods = "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, REPORT, MKCALENDAR, MKCOL"

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("DAV", "1, 3, access-control, calendar-access, addressbook, extended-mkcol")
	// Calendar clients mail their own invitations: the store sends none.
	r = r.WithContext(store.ClientScheduled(r.Context()))
	res, err := h.resolve(r.Context(), r.URL.Path)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	switch r.Method {
	case http.MethodOptions:
		w.Header().Set("Allow", allowedMethods)
		w.WriteHeader(http.StatusOK)
	case "PROPFIND":
		err = h.propfind(w, r, res)
	case "PROPPATCH":
		err = h.proppatch(w, r, res)
	case "REPORT":
		err = h.report(w, r, res)
	case "MKCALENDAR", "MKCOL":
		err = h.mkcol(w, r, res)
	case http.MethodGet, http.MethodHead:
		err = h.get(w, r, res)
	case http.MethodPut:
		err = h.put(w, r, res)
	case http.MethodDelete:
		err = h.delete(w, r, res)
	default:
		w.Header().Set("Allow", allowedMethods)
		err = &davError{status: http.StatusMethodNotAllowed, msg: "method not allowed here"}
	}
	if err != nil {
		h.fail(w, r, err)
	}
}

// resource kinds along the URL layout.
type resKind int

const (
	resRoot       resKind = iota // /dav/
	resPrincipals                // /dav/principals/
	resPrincipal                 // /dav/principals/{user}/
	resHome                      // /dav/calendars/{user}/ or /dav/addressbooks/{user}/
	resCollection                // .../{user}/{slug}/
	resObject                    // .../{user}/{slug}/{name}
)

// resource is what a request URL names.
type resource struct {
	kind     resKind
	user     *model.User
	homeKind string // model.CollectionCalendar or CollectionAddressBook
	slug     string
	name     string      // object name
	col      *collection // resCollection and resObject; nil when the slug is unknown
}

// homeSegments maps URL segments to collection kinds.
var homeSegments = map[string]string{"calendars": model.CollectionCalendar, "addressbooks": model.CollectionAddressBook}

// resolve parses a /dav path and checks that it belongs to the signed-in user.
func (h *Handler) resolve(ctx context.Context, path string) (*resource, error) {
	rest, ok := strings.CutPrefix(path+"/", Root)
	if !ok {
		return nil, model.Errorf(model.ENOTFOUND, "not a DAV path")
	}
	parts := strings.Split(strings.TrimRight(rest, "/"), "/")
	if len(parts) == 1 && parts[0] == "" {
		parts = nil
	}
	if len(parts) == 0 {
		u, err := h.me(ctx)
		return &resource{kind: resRoot, user: u}, err
	}
	home, isHome := homeSegments[parts[0]]
	if parts[0] != "principals" && !isHome {
		return nil, model.Errorf(model.ENOTFOUND, "no such DAV resource")
	}
	if len(parts) == 1 {
		u, err := h.me(ctx)
		if !isHome {
			return &resource{kind: resPrincipals, user: u}, err
		}
		return nil, model.Errorf(model.ENOTFOUND, "no such DAV resource")
	}
	u, err := h.owner(ctx, parts[1])
	if err != nil {
		return nil, err
	}
	if parts[1] != u.Username {
		// One URL per collection: hrefs in answers must match the request's.
		parts[1] = u.Username
		escaped := make([]string, len(parts))
		for i, p := range parts {
			escaped[i] = pathEscape(p)
		}
		to := Root + strings.Join(escaped, "/")
		if strings.HasSuffix(path, "/") {
			to += "/"
		}
		return nil, &davError{status: http.StatusMovedPermanently, location: to, msg: "moved to " + to}
	}
	if !isHome {
		if len(parts) > 2 {
			return nil, model.Errorf(model.ENOTFOUND, "no such DAV resource")
		}
		return &resource{kind: resPrincipal, user: u}, nil
	}
	res := &resource{kind: resHome, user: u, homeKind: home}
	switch len(parts) {
	case 2:
		return res, nil
	case 3, 4:
		res.kind, res.slug = resCollection, parts[2]
		if res.col, err = h.collection(ctx, u, home, parts[2], len(parts) == 3); err != nil && model.ErrorCode(err) != model.ENOTFOUND {
			return nil, err
		}
		if len(parts) == 4 {
			res.kind, res.name = resObject, parts[3]
		}
		return res, nil
	}
	return nil, model.Errorf(model.ENOTFOUND, "no such DAV resource")
}

// me returns the signed-in user: as the Basic sign-in loaded it, or from
// the store when another middleware signed the request in.
func (h *Handler) me(ctx context.Context) (*model.User, error) {
	a := model.ActorFrom(ctx)
	if a.UserID == "" {
		return nil, model.Errorf(model.EUNAUTHORIZED, "sign in")
	}
	if u, ok := auth.UserFrom(ctx); ok && u.ID == a.UserID {
		return u, nil
	}
	return store.Get[model.User](ctx, h.store, a.UserID)
}

// owner checks that the path's user is the signed-in user: collections are
// never shared across users.
func (h *Handler) owner(ctx context.Context, name string) (*model.User, error) {
	u, err := h.me(ctx)
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(name, u.Username) && !strings.EqualFold(name, u.Email) {
		return nil, &davError{status: http.StatusForbidden, cond: elem(xmlName(nsDAV, "need-privileges"), ""),
			msg: "these collections belong to another user"}
	}
	return u, nil
}

// principalHref and the home hrefs of a user.
func principalHref(u *model.User) string { return Root + "principals/" + pathEscape(u.Username) + "/" }

func homeHref(u *model.User, kind string) string {
	if kind == model.CollectionCalendar {
		return Root + "calendars/" + pathEscape(u.Username) + "/"
	}
	return Root + "addressbooks/" + pathEscape(u.Username) + "/"
}
