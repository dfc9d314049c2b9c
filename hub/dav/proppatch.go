package dav

import (
	"context"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"

	"rapport/model"
	"rapport/model/store"
)

// propChange is one set or remove of a PROPPATCH or MKCALENDAR body.
type propChange struct {
	name   xml.Name
	value  string // inner XML for dead properties
	text   string // text content for live ones
	remove bool
}

// parseChanges reads the set/remove instructions under an update element.
func parseChanges(update *node) []propChange {
	var out []propChange
	if update == nil {
		return nil
	}
	for _, op := range update.Children {
		if op.Name.Space != nsDAV || (op.Name.Local != "set" && op.Name.Local != "remove") {
			continue
		}
		for _, p := range op.child(nsDAV, "prop").childrenOrNil() {
			out = append(out, propChange{name: p.Name, value: strings.TrimSpace(p.Inner()), text: strings.TrimSpace(p.Text),
				remove: op.Name.Local == "remove"})
		}
	}
	return out
}

func (n *node) childrenOrNil() []*node {
	if n == nil {
		return nil
	}
	return n.Children
}

// liveSetters are the collection properties clients may change.
var liveSetters = map[xml.Name]func(row *model.DAVCollection, p propChange) error{
	pDisplayName:      func(r *model.DAVCollection, p propChange) error { r.DisplayName = p.text; return nil },
	pCalendarColor:    func(r *model.DAVCollection, p propChange) error { r.Color = p.text; return nil },
	pCalendarDesc:     func(r *model.DAVCollection, p propChange) error { r.Description = p.text; return nil },
	pAddressBookDesc:  func(r *model.DAVCollection, p propChange) error { r.Description = p.text; return nil },
	pCalendarTimezone: func(r *model.DAVCollection, p propChange) error { r.TimeZone = p.text; return nil },
	pCalendarOrder: func(r *model.DAVCollection, p propChange) error {
		if p.remove || p.text == "" {
			r.Order = 0
			return nil
		}
		n, err := strconv.Atoi(p.text)
		if err != nil {
			return model.Errorf(model.EINVALID, "calendar-order must be a number")
		}
		r.Order = n
		return nil
	},
}

// applyChanges applies changes to row; it returns the status of each
// property (all succeed or none: failures leave the others at 424).
func applyChanges(row *model.DAVCollection, changes []propChange, protected propMap) (map[xml.Name]int, bool) {
	status := map[xml.Name]int{}
	failed := false
	for _, p := range changes {
		set, live := liveSetters[p.name]
		switch {
		case live:
			if p.remove {
				p.text = ""
			}
			if err := set(row, p); err != nil {
				status[p.name], failed = http.StatusConflict, true
				continue
			}
		case (protected[p.name] != nil && !isDead(row, p.name)) || p.name.Space == nsDAV || p.name.Space == nsCal || p.name.Space == nsCard:
			status[p.name], failed = http.StatusForbidden, true
			continue
		case p.remove:
			delete(row.Props, clark(p.name))
		default:
			if row.Props == nil {
				row.Props = map[string]string{}
			}
			row.Props[clark(p.name)] = p.value
		}
		status[p.name] = http.StatusOK
	}
	if failed {
		for n, s := range status {
			if s == http.StatusOK {
				status[n] = http.StatusFailedDependency
			}
		}
	}
	return status, !failed
}

func (h *Handler) proppatch(w http.ResponseWriter, r *http.Request, res *resource) error {
	if err := checkWritable(r.Context()); err != nil {
		return err
	}
	root, err := readXML(w, r)
	if err != nil {
		return err
	}
	if root == nil || root.Name != xmlName(nsDAV, "propertyupdate") {
		return model.Errorf(model.EMALFORMED, "the body must be a DAV:propertyupdate element")
	}
	changes := parseChanges(root)
	c := res.col
	if res.kind != resCollection || c == nil {
		// Principals, homes and objects have no writable properties.
		status := map[xml.Name]int{}
		for _, p := range changes {
			status[p.name] = http.StatusForbidden
		}
		return writePatchResult(w, r.URL.EscapedPath(), status)
	}
	var status map[xml.Name]int
	err = h.store.WithTx(r.Context(), func(ctx context.Context) error {
		row, err := h.ensureRow(ctx, c)
		if err != nil {
			return err
		}
		_, err = store.Update(ctx, h.store, row.ID, 0, func(row *model.DAVCollection) error {
			var ok bool
			if status, ok = applyChanges(row, changes, h.props(ctx, res, c)); !ok {
				return errPatchRefused
			}
			return nil
		})
		return err
	})
	if err != nil && err != errPatchRefused {
		return err
	}
	return writePatchResult(w, c.href(), status)
}

// isDead reports whether name is a dead property stored on the collection
// (which its owner may change or remove again).
func isDead(row *model.DAVCollection, name xml.Name) bool {
	_, ok := row.Props[clark(name)]
	return ok
}

var errPatchRefused = model.Errorf(model.ECONFLICT, "property update refused")

func writePatchResult(w http.ResponseWriter, hrefPath string, status map[xml.Name]int) error {
	ms := startMultistatus(w)
	ms.raw("<D:response><D:href>" + escape(hrefPath) + "</D:href>")
	byStatus := map[int][]xml.Name{}
	for n, s := range status {
		byStatus[s] = append(byStatus[s], n)
	}
	for s, names := range byStatus {
		ms.propstat(names, s)
	}
	ms.raw("</D:response>")
	return ms.close()
}
