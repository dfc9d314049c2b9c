package dav

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	"rapport/model"
	"rapport/model/store"
)

// backend maps one kind of member (cards or events) to records.
type backend interface {
	ext() string
	mediaType() string
	accepts(mediaType string) bool
	etag(e store.DAVEntry) string
	// render returns each live id's object body.
	render(ctx context.Context, c *collection, ids []string, opt dataOptions) (map[string][]byte, error)
	// put writes body as the member name (cur is the member there, or nil)
	// and returns the member as stored.
	put(ctx context.Context, c *collection, name string, cur *store.DAVEntry, body []byte) (store.DAVEntry, error)
	remove(ctx context.Context, c *collection, e store.DAVEntry) error
}

// member returns the collection's member called name, or ENOTFOUND.
func (h *Handler) member(ctx context.Context, c *collection, name string) (*store.DAVEntry, error) {
	found, err := h.store.DAVLookup(ctx, c.scope, []string{name}, c.be.ext())
	if err != nil {
		return nil, err
	}
	e, ok := found[name]
	if !ok {
		return nil, model.Errorf(model.ENOTFOUND, "no such object")
	}
	return &e, nil
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request, res *resource) error {
	if res.kind != resObject {
		if res.kind == resCollection && res.col != nil || res.kind != resCollection {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = io.WriteString(w, "Rapport DAV: point a CardDAV or CalDAV client at "+Root+"\n")
			return nil
		}
		return model.Errorf(model.ENOTFOUND, "no such collection")
	}
	if res.col == nil {
		return model.Errorf(model.ENOTFOUND, "no such collection")
	}
	e, err := h.memberOrSurvivor(r.Context(), res.col, res.name)
	if err != nil {
		return err
	}
	opt := dataOptions{vcardVersion: "3.0"}
	if strings.Contains(r.Header.Get("Accept"), "version=4.0") {
		opt.vcardVersion = "4.0"
	}
	bodies, err := res.col.be.render(r.Context(), res.col, []string{e.ID}, opt)
	if err != nil {
		return err
	}
	body, ok := bodies[e.ID]
	if !ok {
		return model.Errorf(model.ENOTFOUND, "no such object")
	}
	w.Header().Set("Content-Type", res.col.be.mediaType())
	w.Header().Set("ETag", res.col.be.etag(*e))
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatches(match, res.col.be.etag(*e)) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	w.Header().Set("Content-Length", itoa(int64(len(body))))
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	return nil
}

// etagMatches evaluates an If-Match / If-None-Match list against etag.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || t == etag || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// checkConditions applies If-Match and If-None-Match to the current member.
func checkConditions(r *http.Request, cur *store.DAVEntry, be backend) error {
	if m := r.Header.Get("If-Match"); m != "" && (cur == nil || !etagMatches(m, be.etag(*cur))) {
		return model.Errorf(model.EPRECONDITION, "the object changed or does not exist (If-Match)")
	}
	if m := r.Header.Get("If-None-Match"); m != "" && cur != nil && etagMatches(m, be.etag(*cur)) {
		return model.Errorf(model.EPRECONDITION, "the object already exists (If-None-Match)")
	}
	return nil
}

func (h *Handler) put(w http.ResponseWriter, r *http.Request, res *resource) error {
	if res.kind != resObject {
		return &davError{status: http.StatusMethodNotAllowed, msg: "PUT a card or an event into a collection"}
	}
	c := res.col
	if c == nil {
		return &davError{status: http.StatusConflict, msg: "no such collection; create it first"}
	}
	if !model.ValidResourceName(res.name) {
		return model.Errorf(model.EINVALID, "not a valid object name")
	}
	if err := checkWritable(r.Context()); err != nil {
		return err
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !c.be.accepts(mt) {
		return precondition(http.StatusUnsupportedMediaType, supportedDataNS(c), supportedDataName(c),
			"send "+c.be.mediaType())
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxResourceSize))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return precondition(http.StatusRequestEntityTooLarge, supportedDataNS(c), "max-resource-size",
				"the object is larger than "+itoa(h.cfg.MaxResourceSize)+" bytes")
		}
		return model.Errorf(model.EMALFORMED, "could not read the body")
	}
	cur, err := h.member(r.Context(), c, res.name)
	if err != nil && model.ErrorCode(err) != model.ENOTFOUND {
		return err
	}
	if cur == nil {
		if sur, err := h.survivorOf(r.Context(), c, res.name); err != nil || sur != nil {
			if err != nil {
				return err
			}
			return h.putMerged(w, r, c, sur, body) // a merged card's name (merged.go)
		}
	}
	if err := checkConditions(r, cur, c.be); err != nil {
		return err
	}
	e, err := c.be.put(r.Context(), c, res.name, cur, body)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", c.be.etag(e))
	if cur == nil {
		w.Header().Set("Location", c.objectHref(res.name))
		w.WriteHeader(http.StatusCreated)
	} else {
		w.WriteHeader(http.StatusNoContent)
	}
	return nil
}

func supportedDataNS(c *collection) string {
	if c.kind == model.CollectionCalendar {
		return nsCal
	}
	return nsCard
}

func supportedDataName(c *collection) string {
	if c.kind == model.CollectionCalendar {
		return "supported-calendar-data"
	}
	return "supported-address-data"
}

// checkWritable refuses writes from read-only credentials.
func checkWritable(ctx context.Context) error {
	if !model.ActorFrom(ctx).HasScope(model.ScopeWrite) {
		return precondition(http.StatusForbidden, nsDAV, "need-privileges", "these credentials are read-only")
	}
	return nil
}

func (h *Handler) delete(w http.ResponseWriter, r *http.Request, res *resource) error {
	if err := checkWritable(r.Context()); err != nil {
		return err
	}
	switch {
	case res.kind == resCollection:
		return h.deleteCollection(w, r, res)
	case res.kind != resObject:
		return precondition(http.StatusForbidden, nsDAV, "need-privileges", "this resource cannot be deleted")
	case res.col == nil:
		return model.Errorf(model.ENOTFOUND, "no such collection")
	}
	cur, err := h.member(r.Context(), res.col, res.name)
	if err != nil {
		return err
	}
	if err := checkConditions(r, cur, res.col.be); err != nil {
		return err
	}
	if err := res.col.be.remove(r.Context(), res.col, *cur); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// conflictUID reports a UID already used by another member, or a PUT that
// would change an object's UID (RFC 4791 5.3.2.1, RFC 6352 6.3.2.1): 409
// with the href of the holder.
func (h *Handler) conflictUID(ctx context.Context, c *collection, uid string, cur *store.DAVEntry) error {
	if cur != nil && (model.DAVLink{UID: cur.UID}).UIDOr(cur.ID) != uid {
		return uidConflict(c, *cur, "an object keeps its UID; PUT a new one under another name")
	}
	other, err := h.store.DAVByUID(ctx, c.scope, uid)
	if model.ErrorCode(err) == model.ENOTFOUND {
		// A merged contact's UID stays its survivor's (see merged.go).
		if other, err = h.store.DAVSurvivorByUID(ctx, c.scope, uid); model.ErrorCode(err) == model.ENOTFOUND {
			return nil
		}
	}
	if err != nil {
		return err
	}
	if cur != nil && other.ID == cur.ID {
		return nil
	}
	return uidConflict(c, other, "another object in this collection has the same UID")
}

func uidConflict(c *collection, holder store.DAVEntry, msg string) error {
	p := "C"
	if c.kind == model.CollectionAddressBook {
		p = "CR"
	}
	return &davError{status: http.StatusConflict,
		cond: "<" + p + ":no-uid-conflict>" + href(c.objectHref(model.DAVLink{Name: holder.Name}.NameOr(holder.ID, c.be.ext()))) + "</" + p + ":no-uid-conflict>",
		msg:  msg}
}

// mediaTypeIn reports whether mt is one of list (case-insensitive).
func mediaTypeIn(mt string, list ...string) bool {
	return slices.Contains(list, strings.ToLower(mt))
}

// entryOf returns the entry of a record just written, without a query
// unless its ETag needs its account's version.
func (h *Handler) entryOf(ctx context.Context, c *collection, rec model.DAVSynced, accountID *string) (store.DAVEntry, error) {
	m, link := rec.RecordMeta(), rec.DAVInfo()
	e := store.DAVEntry{ID: m.ID, Name: link.Name, UID: link.UID, Version: m.Version}
	if accountID == nil {
		return e, nil
	}
	found, err := h.store.DAVEntriesByID(ctx, c.scope, []string{m.ID})
	if err != nil {
		return e, err
	}
	if got, ok := found[m.ID]; ok {
		e = got
	}
	return e, nil
}

// uidFromName derives a UID from an object name when a card has none.
func uidFromName(name, ext string) string {
	return strings.TrimSuffix(name, ext)
}

// validData turns a parse error into the collection's data precondition.
func validData(c *collection, err error) error {
	code := model.ErrorCode(err)
	if code != model.EMALFORMED && code != model.EINVALID {
		return err
	}
	local := "valid-address-data"
	if c.kind == model.CollectionCalendar {
		local = "valid-calendar-data"
	}
	var me *model.Error
	msg := err.Error()
	if errors.As(err, &me) {
		msg = me.Message
	}
	return precondition(http.StatusBadRequest, supportedDataNS(c), local, msg)
}
