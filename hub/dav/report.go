package dav

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/emersion/go-vcard"

	"rapport/model"
	"rapport/model/store"
)

func (h *Handler) report(w http.ResponseWriter, r *http.Request, res *resource) error {
	root, err := readXML(w, r)
	if err != nil {
		return err
	}
	if root == nil {
		return model.Errorf(model.EMALFORMED, "REPORT needs a body")
	}
	if res.kind != resCollection || res.col == nil {
		if res.kind == resCollection {
			return model.Errorf(model.ENOTFOUND, "no such collection")
		}
		return precondition(http.StatusForbidden, nsDAV, "supported-report", "this report is not supported here")
	}
	c := res.col
	req, err := parsePropRequest(root)
	if err != nil {
		return err
	}
	cal := c.kind == model.CollectionCalendar
	switch {
	case root.Name == xmlName(nsDAV, "sync-collection"):
		return h.syncCollection(w, r, c, root, req)
	case cal && root.Name == xmlName(nsCal, "calendar-multiget"), !cal && root.Name == xmlName(nsCard, "addressbook-multiget"):
		return h.multiget(w, r, c, root, req)
	case cal && root.Name == xmlName(nsCal, "calendar-query"):
		return h.calendarQuery(w, r, c, root, req)
	case !cal && root.Name == xmlName(nsCard, "addressbook-query"):
		return h.addressbookQuery(w, r, c, root, req)
	}
	return precondition(http.StatusForbidden, nsDAV, "supported-report", "this report is not supported on this collection")
}

// multiget answers calendar-multiget and addressbook-multiget.
func (h *Handler) multiget(w http.ResponseWriter, r *http.Request, c *collection, root *node, req propRequest) error {
	var names []string
	missing := map[string]string{} // href → why
	nameHref := map[string]string{}
	for _, hn := range root.Children {
		if hn.Name != xmlName(nsDAV, "href") {
			continue
		}
		raw := strings.TrimSpace(hn.Text)
		name, ok := memberName(c, raw)
		if !ok {
			missing[raw] = "not in this collection"
			continue
		}
		names = append(names, name)
		nameHref[name] = raw
	}
	found, err := h.store.DAVLookup(r.Context(), c.scope, names, c.be.ext())
	if err != nil {
		return err
	}
	entries := make([]store.DAVEntry, 0, len(found))
	for _, n := range names {
		if e, ok := found[n]; ok {
			entries = append(entries, e)
		} else {
			missing[nameHref[n]] = "not found"
		}
	}
	ms := startMultistatus(w)
	if err := h.writeObjects(r.Context(), ms, c, entries, req); err != nil {
		h.log.Error("dav: multiget", "err", err)
	}
	for hrefPath := range missing {
		ms.statusResponse(hrefPath, http.StatusNotFound)
	}
	return ms.close()
}

// memberName returns the member name an href names in collection c.
func memberName(c *collection, raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	p := u.Path
	dir, name := path.Split(p)
	home, err := url.PathUnescape(c.href())
	if err != nil || dir != home || name == "" {
		return "", false
	}
	return name, true
}

// calendarQuery answers calendar-query: candidates come from the database
// (time range, UID), the filter is applied exactly to each object.
func (h *Handler) calendarQuery(w http.ResponseWriter, r *http.Request, c *collection, root *node, req propRequest) error {
	fn := root.child(nsCal, "filter").child(nsCal, "comp-filter")
	if fn == nil {
		return precondition(http.StatusForbidden, nsCal, "valid-filter", "calendar-query needs a filter with a VCALENDAR comp-filter")
	}
	f, err := parseCalFilter(fn)
	if err != nil {
		return err
	}
	ids, err := h.calendarCandidates(r.Context(), c, f)
	if err != nil {
		return err
	}
	be := c.be.(*events)
	var matched []string
	for start := 0; start < len(ids); start += 500 {
		cals, err := be.calendars(r.Context(), ids[start:min(start+500, len(ids))])
		if err != nil {
			return err
		}
		for id, cal := range cals {
			if f.matchCalendar(cal) {
				matched = append(matched, id)
			}
		}
	}
	return h.writeIDs(w, r, c, matched, req, false)
}

// calendarCandidates narrows a query with the database: a time range on
// the component, or a UID text-match; otherwise every member.
func (h *Handler) calendarCandidates(ctx context.Context, c *collection, f calFilter) ([]string, error) {
	for _, comp := range f.comps {
		if comp.hasRange {
			return h.store.DAVActivitiesInRange(ctx, c.scope, comp.start, comp.end)
		}
		for _, p := range comp.props {
			if p.name == "UID" && p.text != nil && !p.text.negate {
				return h.store.DAVUIDContains(ctx, c.scope, p.text.text)
			}
		}
	}
	entries, err := h.store.DAVEntries(ctx, c.scope)
	return idsOf(entries), err
}

func idsOf(entries []store.DAVEntry) []string {
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.ID
	}
	return ids
}

// addressbookQuery answers addressbook-query; an e-mail text-match is
// served from the e-mail index, anything else by matching each card.
func (h *Handler) addressbookQuery(w http.ResponseWriter, r *http.Request, c *collection, root *node, req propRequest) error {
	f, err := parseCardFilter(root.child(nsCard, "filter"))
	if err != nil {
		return err
	}
	ids, err := h.cardCandidates(r.Context(), c, f)
	if err != nil {
		return err
	}
	limit := limitOf(root, nsCard)
	var matched []string
	truncated := false
	for start := 0; start < len(ids) && !truncated; start += 500 {
		bodies, err := c.be.render(r.Context(), c, ids[start:min(start+500, len(ids))], dataOptions{vcardVersion: "4.0"})
		if err != nil {
			return err
		}
		for _, id := range ids[start:min(start+500, len(ids))] {
			body, ok := bodies[id]
			if !ok {
				continue
			}
			card, err := vcard.NewDecoder(bytes.NewReader(body)).Decode()
			if err != nil || !f.matchCard(card) {
				continue
			}
			if limit > 0 && len(matched) == limit {
				truncated = true
				break
			}
			matched = append(matched, id)
		}
	}
	return h.writeIDs(w, r, c, matched, req, truncated)
}

func (h *Handler) cardCandidates(ctx context.Context, c *collection, f cardFilter) ([]string, error) {
	if len(f.props) == 1 && f.props[0].name == "EMAIL" && len(f.props[0].texts) == 1 && len(f.props[0].params) == 0 {
		t := f.props[0].texts[0]
		if !t.negate && t.text != "" {
			return h.store.DAVContactsByEmail(ctx, c.scope, t.text, t.matchType != "equals")
		}
	}
	entries, err := h.store.DAVEntries(ctx, c.scope)
	return idsOf(entries), err
}

// writeIDs answers a query with the matched members' properties.
func (h *Handler) writeIDs(w http.ResponseWriter, r *http.Request, c *collection, ids []string, req propRequest, truncated bool) error {
	found, err := h.store.DAVEntriesByID(r.Context(), c.scope, ids)
	if err != nil {
		return err
	}
	entries := make([]store.DAVEntry, 0, len(found))
	for _, id := range ids {
		if e, ok := found[id]; ok {
			entries = append(entries, e)
		}
	}
	ms := startMultistatus(w)
	if err := h.writeObjects(r.Context(), ms, c, entries, req); err != nil {
		h.log.Error("dav: query", "err", err)
	}
	if truncated {
		ms.statusResponse(c.href(), http.StatusInsufficientStorage)
	}
	return ms.close()
}

// syncCollection answers RFC 6578 sync-collection from the change feed.
func (h *Handler) syncCollection(w http.ResponseWriter, r *http.Request, c *collection, root *node, req propRequest) error {
	tokenNode := root.child(nsDAV, "sync-token")
	since, ok := parseSyncToken(tokenNode.textOr(""))
	if !ok {
		return precondition(http.StatusForbidden, nsDAV, "valid-sync-token", "unknown sync token; sync again from scratch")
	}
	limit := h.cfg.SyncLimit
	if n := limitOf(root, nsDAV); n > 0 && n < limit {
		limit = n
	}
	ctx := r.Context()
	var changes []store.DAVChange
	var next int64
	truncated := false
	var err error
	if since == 0 {
		if next, err = h.store.LastSeq(ctx); err != nil {
			return err
		}
		entries, err := h.store.DAVEntries(ctx, c.scope)
		if err != nil {
			return err
		}
		for i := range entries {
			changes = append(changes, store.DAVChange{ID: entries[i].ID, Entry: &entries[i]})
		}
	} else {
		changes, next, truncated, err = h.store.DAVChanges(ctx, c.scope, c.be.ext(), since, limit)
		if model.ErrorCode(err) == model.EINVALID {
			return precondition(http.StatusForbidden, nsDAV, "valid-sync-token", "unknown sync token; sync again from scratch")
		}
		if err != nil {
			return err
		}
	}
	var present []store.DAVEntry
	for _, ch := range changes {
		if ch.Entry != nil {
			present = append(present, *ch.Entry)
		}
	}
	ms := startMultistatus(w)
	if err := h.writeObjects(ctx, ms, c, present, req); err != nil {
		h.log.Error("dav: sync-collection", "err", err)
	}
	for _, ch := range changes {
		if ch.Entry == nil {
			ms.statusResponse(c.objectHref(ch.Name), http.StatusNotFound)
		}
	}
	if truncated {
		ms.statusResponse(c.href(), http.StatusInsufficientStorage)
	}
	ms.raw("<D:sync-token>" + escape(syncToken(next)) + "</D:sync-token>")
	return ms.close()
}

func (n *node) textOr(def string) string {
	if n == nil {
		return def
	}
	return n.Text
}
