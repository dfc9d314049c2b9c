package dav

import (
	"context"
	"encoding/xml"
	"net/http"

	"rapport/model"
	"rapport/model/store"
)

// mkcol answers MKCALENDAR (RFC 4791) and extended MKCOL (RFC 5689): users
// make personal calendars; address books are fixed.
func (h *Handler) mkcol(w http.ResponseWriter, r *http.Request, res *resource) error {
	if err := checkWritable(r.Context()); err != nil {
		return err
	}
	if res.kind != resCollection {
		return &davError{status: http.StatusMethodNotAllowed, msg: "collections are made in your calendar home"}
	}
	if res.col != nil {
		return precondition(http.StatusMethodNotAllowed, nsDAV, "resource-must-be-null", "the collection exists")
	}
	if _, builtin := builtinName(res.homeKind, res.slug); builtin || !model.ValidResourceName(res.slug) {
		return precondition(http.StatusForbidden, nsDAV, "resource-must-be-null", "that name is reserved")
	}
	root, err := readXML(w, r)
	if err != nil {
		return err
	}
	update := root
	if r.Method == "MKCOL" {
		if root == nil || root.Name != xmlName(nsDAV, "mkcol") {
			return &davError{status: http.StatusForbidden, msg: "only calendars can be made here (extended MKCOL with a calendar resourcetype)"}
		}
		if !isCalendarType(root) {
			return precondition(http.StatusForbidden, nsDAV, "valid-resourcetype", "only calendars can be made")
		}
	} else if root != nil && root.Name != xmlName(nsCal, "mkcalendar") {
		return model.Errorf(model.EMALFORMED, "the body must be a CALDAV:mkcalendar element")
	}
	if res.homeKind != model.CollectionCalendar {
		return precondition(http.StatusForbidden, nsDAV, "valid-resourcetype", "address books cannot be made; yours are fixed")
	}
	row := &model.DAVCollection{OwnerID: res.user.ID, Kind: model.CollectionCalendar, Slug: res.slug, Enabled: true,
		Components: componentsIn(update)}
	status, ok := applyChanges(row, withoutResourceType(parseChanges(update)), propMap{})
	if !ok {
		return writePatchResult(w, r.URL.EscapedPath(), status)
	}
	if err := store.Create(r.Context(), h.store, row); err != nil {
		return err
	}
	w.Header().Set("Location", homeHref(res.user, model.CollectionCalendar)+pathEscape(res.slug)+"/")
	w.WriteHeader(http.StatusCreated)
	return nil
}

func isCalendarType(root *node) bool {
	for _, p := range parseChanges(root) {
		if p.name == pResourceType {
			for _, c := range setProp(root, pResourceType).childrenOrNil() {
				if c.Name == xmlName(nsCal, "calendar") {
					return true
				}
			}
		}
	}
	return false
}

// setProp returns the first <D:set><D:prop><name> element in an update.
func setProp(update *node, name xml.Name) *node {
	for _, op := range update.childrenOrNil() {
		if p := op.child(nsDAV, "prop").child(name.Space, name.Local); p != nil {
			return p
		}
	}
	return nil
}

// componentsIn reads supported-calendar-component-set, VEVENT by default.
func componentsIn(update *node) []string {
	var out []string
	for _, c := range setProp(update, pSupportedComps).childrenOrNil() {
		if name := c.attr("name"); name == "VEVENT" || name == "VTODO" {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return []string{"VEVENT"}
	}
	return out
}

func withoutResourceType(changes []propChange) []propChange {
	out := changes[:0]
	for _, p := range changes {
		if p.name != pResourceType && p.name != pSupportedComps {
			out = append(out, p)
		}
	}
	return out
}

// deleteCollection deletes a personal calendar and its events.
func (h *Handler) deleteCollection(w http.ResponseWriter, r *http.Request, res *resource) error {
	c := res.col
	if c == nil {
		return model.Errorf(model.ENOTFOUND, "no such collection")
	}
	if c.builtin() {
		return precondition(http.StatusForbidden, nsDAV, "need-privileges", "built-in collections cannot be deleted")
	}
	err := h.store.WithTx(r.Context(), func(ctx context.Context) error {
		entries, err := h.store.DAVEntries(ctx, c.scope)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := store.Delete[model.Activity](ctx, h.store, e.ID, 0); err != nil {
				return err
			}
		}
		return store.Delete[model.DAVCollection](ctx, h.store, c.row.ID, 0)
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
