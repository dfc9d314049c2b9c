package dav

import (
	"context"
	"encoding/xml"
	"net/http"
	"strings"

	"rapport/model"
	"rapport/model/store"
)

// depth reads the Depth header: "0", "1" or infinity. A missing header is
// taken as 0, the safe reading for the clients that omit it.
func depth(r *http.Request) (int, error) {
	switch strings.TrimSpace(strings.ToLower(r.Header.Get("Depth"))) {
	case "", "0":
		return 0, nil
	case "1":
		return 1, nil
	case "infinity":
		return -1, nil
	}
	return 0, model.Errorf(model.EMALFORMED, "Depth must be 0, 1 or infinity")
}

func (h *Handler) propfind(w http.ResponseWriter, r *http.Request, res *resource) error {
	d, err := depth(r)
	if err != nil {
		return err
	}
	if d < 0 {
		if res.kind != resObject {
			return precondition(http.StatusForbidden, nsDAV, "propfind-finite-depth", "Depth: infinity is not supported; use 0 or 1")
		}
		d = 0
	}
	root, err := readXML(w, r)
	if err != nil {
		return err
	}
	if root != nil && root.Name != xmlName(nsDAV, "propfind") {
		return model.Errorf(model.EMALFORMED, "the body must be a DAV:propfind element")
	}
	req, err := parsePropRequest(root)
	if err != nil {
		return err
	}
	if (res.kind == resCollection || res.kind == resObject) && res.col == nil {
		return model.Errorf(model.ENOTFOUND, "no such collection")
	}
	var entries []store.DAVEntry
	if res.kind == resObject {
		e, err := h.member(r.Context(), res.col, res.name)
		if err != nil {
			return err
		}
		entries = []store.DAVEntry{*e}
	} else if res.kind == resCollection && d == 1 {
		if entries, err = h.store.DAVEntries(r.Context(), res.col.scope); err != nil {
			return err
		}
	}
	var children []*collection
	if res.kind == resHome && d == 1 {
		if children, err = h.collections(r.Context(), res.user, res.homeKind); err != nil {
			return err
		}
	}
	ms := startMultistatus(w)
	if res.kind != resObject {
		answer(ms, r.URL.EscapedPath(), h.props(r.Context(), res, res.col), req)
	}
	for _, c := range children {
		answer(ms, c.href(), h.props(r.Context(), res, c), req)
	}
	if d == 1 && (res.kind == resRoot || res.kind == resPrincipals) {
		answer(ms, principalHref(res.user), h.props(r.Context(), &resource{kind: resPrincipal, user: res.user}, nil), req)
	}
	if err := h.writeObjects(r.Context(), ms, res.col, entries, req); err != nil {
		h.log.Error("dav: propfind objects", "err", err)
	}
	return ms.close()
}

// objectPropNames are what allprop shows of an object.
var objectPropNames = []xml.Name{pResourceType, pGetETag, pGetContentType}

// writeObjects writes one response per member, rendering bodies in batches
// only when a property needs them.
func (h *Handler) writeObjects(ctx context.Context, ms *multistatus, c *collection, entries []store.DAVEntry, req propRequest) error {
	if len(entries) == 0 {
		return nil
	}
	names := req.props
	if req.all || req.names {
		names = objectPropNames
	}
	needBody := false
	for _, n := range names {
		needBody = needBody || n == pCalendarData || n == pAddressData || n == pGetContentLength
	}
	for start := 0; start < len(entries); start += 500 {
		batch := entries[start:min(start+500, len(entries))]
		var bodies map[string][]byte
		if needBody {
			ids := make([]string, len(batch))
			for i, e := range batch {
				ids[i] = e.ID
			}
			var err error
			if bodies, err = c.be.render(ctx, c, ids, req.data); err != nil {
				return err
			}
		}
		for _, e := range batch {
			h.objectResponse(ms, c, e, names, req.names, bodies)
		}
	}
	return nil
}

// objectResponse writes one member's properties.
func (h *Handler) objectResponse(ms *multistatus, c *collection, e store.DAVEntry, names []xml.Name, onlyNames bool, bodies map[string][]byte) {
	hrefPath := c.objectHref(model.DAVLink{Name: e.Name}.NameOr(e.ID, c.be.ext()))
	body, haveBody := bodies[e.ID]
	if bodies != nil && !haveBody {
		ms.statusResponse(hrefPath, http.StatusNotFound)
		return
	}
	found := make([]string, 0, len(names))
	var missing []xml.Name
	for _, n := range names {
		inner, ok := "", true
		switch n {
		case pGetETag:
			inner = escape(c.be.etag(e))
		case pGetContentType:
			inner = escape(c.be.mediaType())
		case pResourceType:
		case pGetContentLength:
			inner = itoa(int64(len(body)))
		case pCalendarData:
			ok = c.kind == model.CollectionCalendar
			inner = cdata(body)
		case pAddressData:
			ok = c.kind == model.CollectionAddressBook
			inner = cdata(body)
		case pOwner:
			inner = href(principalHref(c.owner))
		default:
			ok = false
		}
		if onlyNames {
			inner = ""
		}
		if ok {
			found = append(found, elem(n, inner))
		} else {
			missing = append(missing, n)
		}
	}
	ms.propResponse(hrefPath, found, missing)
}
