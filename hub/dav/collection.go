package dav

import (
	"context"
	"slices"

	"rapport/model"
	"rapport/model/store"
)

// collection is one address book or calendar of a user.
type collection struct {
	owner *model.User
	kind  string // model.CollectionCalendar or CollectionAddressBook
	slug  string
	row   *model.DAVCollection // stored settings; nil until the user changes any
	scope store.DAVScope
	be    backend
}

// builtins are the collections every user has, in listing order.
var builtins = []struct{ kind, slug, name string }{
	{model.CollectionAddressBook, model.SlugContacts, "CRM contacts"},
	{model.CollectionAddressBook, model.SlugMine, "My contacts"},
	{model.CollectionCalendar, model.SlugAppointments, "Appointments"},
	{model.CollectionCalendar, model.SlugTasks, "Tasks"},
}

func builtinName(kind, slug string) (string, bool) {
	for _, b := range builtins {
		if b.kind == kind && b.slug == slug {
			return b.name, true
		}
	}
	return "", false
}

// collection returns the user's collection kind/slug, or ENOTFOUND. Its
// settings row is loaded only when needed: for collection requests, and
// for the collections that exist only through it (mine, personal calendars).
func (h *Handler) collection(ctx context.Context, u *model.User, kind, slug string, settings bool) (*collection, error) {
	_, builtin := builtinName(kind, slug)
	if builtin && slug != model.SlugMine && !settings {
		return newCollection(h, u, kind, slug, nil), nil
	}
	row, err := h.store.DAVCollectionBySlug(ctx, u.ID, kind, slug)
	if err != nil && model.ErrorCode(err) != model.ENOTFOUND {
		return nil, err
	}
	switch {
	case builtin && slug == model.SlugMine && (row == nil || !row.Enabled):
		return nil, model.Errorf(model.ENOTFOUND, "the address book of your own contacts is turned off")
	case !builtin && (row == nil || row.Builtin):
		return nil, model.Errorf(model.ENOTFOUND, "no such collection")
	}
	return newCollection(h, u, kind, slug, row), nil
}

func newCollection(h *Handler, u *model.User, kind, slug string, row *model.DAVCollection) *collection {
	c := &collection{owner: u, kind: kind, slug: slug, row: row, scope: store.DAVScope{Slug: slug, UserID: u.ID}}
	if _, builtin := builtinName(kind, slug); !builtin {
		c.scope.CalendarID = row.ID
	}
	if kind == model.CollectionAddressBook {
		c.be = &cards{h: h}
	} else {
		c.be = &events{h: h}
	}
	return c
}

// collections lists the user's collections of kind: built-ins (the "mine"
// address book only when turned on) and personal calendars.
func (h *Handler) collections(ctx context.Context, u *model.User, kind string) ([]*collection, error) {
	rows, err := h.store.DAVCollections(ctx, u.ID, kind)
	if err != nil {
		return nil, err
	}
	byslug := map[string]*model.DAVCollection{}
	for i := range rows {
		byslug[rows[i].Slug] = &rows[i]
	}
	var out []*collection
	for _, b := range builtins {
		row := byslug[b.slug]
		if b.kind != kind || (b.slug == model.SlugMine && (row == nil || !row.Enabled)) {
			continue
		}
		out = append(out, newCollection(h, u, kind, b.slug, row))
	}
	for i := range rows {
		if _, builtin := builtinName(kind, rows[i].Slug); !builtin {
			out = append(out, newCollection(h, u, kind, rows[i].Slug, &rows[i]))
		}
	}
	return out, nil
}

func (c *collection) href() string { return homeHref(c.owner, c.kind) + pathEscape(c.slug) + "/" }

func (c *collection) objectHref(name string) string { return c.href() + pathEscape(name) }

func (c *collection) builtin() bool {
	_, ok := builtinName(c.kind, c.slug)
	return ok
}

func (c *collection) displayName() string {
	if c.row != nil && c.row.DisplayName != "" {
		return c.row.DisplayName
	}
	if name, ok := builtinName(c.kind, c.slug); ok {
		return name
	}
	return c.slug
}

// components returns the calendar component types the collection holds.
func (c *collection) components() []string {
	switch {
	case c.kind != model.CollectionCalendar:
		return nil
	case c.slug == model.SlugAppointments && c.builtin():
		return []string{"VEVENT"}
	case c.slug == model.SlugTasks && c.builtin():
		return []string{"VTODO"}
	case c.row != nil && len(c.row.Components) > 0:
		return c.row.Components
	}
	return []string{"VEVENT"}
}

func (c *collection) holds(component string) bool { return slices.Contains(c.components(), component) }

// rowID returns the stored settings' id, or "".
func (c *collection) rowID() string {
	if c.row == nil {
		return ""
	}
	return c.row.ID
}

// ensureRow returns the stored settings, creating them for a built-in
// collection on first change.
func (h *Handler) ensureRow(ctx context.Context, c *collection) (*model.DAVCollection, error) {
	if c.row != nil {
		return c.row, nil
	}
	row := &model.DAVCollection{OwnerID: c.owner.ID, Kind: c.kind, Slug: c.slug, Builtin: true, Enabled: true,
		Components: c.components()}
	if err := store.Create(ctx, h.store, row); err != nil {
		return nil, err
	}
	c.row = row
	return row, nil
}
