package console

import (
	"net/http"

	"github.com/gorilla/mux"

	"rapport/model"
	"rapport/model/store"
)

// contactSorts are the orders the contacts list offers (key → store sort).
var contactSorts = map[string]string{"": "name", "updated": "-updated_at", "created": "-created_at"}

// listData is a list page: its query, rows, names and page links.
type listData[P any] struct {
	Query   listQuery
	Items   []P
	Names   *names
	Pager   pager
	Account *model.Account // the account the list is narrowed to, if any
	Sorts   []string       // the sort keys offered, in order
}

// contacts is the contacts list: search as you type (names in any script by
// word prefix, whole e-mail addresses and phone numbers, the company's
// name), sorting, "only mine", and keyset pages. An htmx request for the
// results gets the results alone.
func (c *Console) contacts(w http.ResponseWriter, r *http.Request) {
	p := c.newPage(r, "contacts")
	p.Title = p.T("contacts.title")
	q := parseListQuery(r.URL.Query(), contactSorts)
	params := store.ListParams{Limit: c.cfg.PageSize, Cursor: q.After, Sort: contactSorts[q.Sort], Q: q.Q, Equals: map[string]string{}}
	if q.Mine {
		params.Equals["owner_id"] = model.ActorFrom(r.Context()).UserID
	}
	d := &listData[*model.Contact]{Query: q, Sorts: []string{"", "updated", "created"}}
	if id := r.URL.Query().Get("account"); id != "" {
		acc, err := store.Get[model.Account](r.Context(), c.cfg.Store, id)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		params.Equals["account_id"], d.Account = acc.ID, acc
	}
	pg, err := store.List[model.Contact](r.Context(), c.cfg.Store, params)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	ids := &nameIDs{}
	for _, ct := range pg.Items {
		ids.account(ct.AccountID)
	}
	if d.Names, err = ids.load(r.Context(), c.cfg.Store); err != nil {
		c.fail(w, r, err)
		return
	}
	d.Items, d.Pager = pg.Items, q.pagerFor("/contacts", pg.NextCursor)
	if d.Account != nil {
		d.Pager = withParam(d.Pager, "account", d.Account.ID)
	}
	p.Data = d
	if partialTarget(r, "results") {
		p.Partial = "contact-results"
	}
	c.render(w, r, http.StatusOK, "contacts", p)
}

// contactData is the contact's 360° view.
type contactData struct {
	Contact  *model.Contact
	Account  *model.Account
	Owner    string
	Timeline *timeline
	Dups     *dupPanel
}

// dupPanel is a 360° view's panel of likely duplicates. Looking for them
// costs a few searches (a common first name costs most), so the page is
// drawn without them and the panel asks for them once shown: htmx loads
// it in place (?duplicates=1 with HX-Target #dups), and without
// JavaScript its link opens the page with the panel filled.
type dupPanel struct {
	Base     string // the record's page: "/contacts/{id}"
	Kind     string // where its duplicates' pages are: "/contacts"
	Loaded   bool
	Hits     []dupHit
	CanMerge bool // the user may merge them into the record
}

// duplicatesPanel starts the panel of rec's view, and fills it when the
// request asks for the duplicates: it reports whether to draw the panel
// alone (the htmx request that loads it).
func duplicatesPanel[T any, P store.RecordPtr[T]](r *http.Request, s *store.Store, p *page, kind string, rec P,
	probe func(P) dupProbe) (*dupPanel, bool, error) {
	d := &dupPanel{Base: kind + "/" + rec.RecordMeta().ID, Kind: kind}
	alone := partialTarget(r, "dups")
	if r.URL.Query().Get("duplicates") != "1" && !alone {
		return d, false, nil
	}
	hits, err := findDuplicates(r.Context(), s, probe(rec), probe)
	explainHits(p.view, hits)
	owner, team := any(rec).(model.Owned).OwnerTeam()
	d.Loaded, d.Hits, d.CanMerge = true, hits, model.CanWrite(model.ActorFrom(r.Context()), rec.Entity(), owner, team)
	return d, alone, err
}

// contact is the contact's 360° view: its card, its company, its likely
// duplicates and the one timeline. A contact the user may not see answers
// 404, as the API does.
func (c *Console) contact(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ct, err := store.Get[model.Contact](ctx, c.cfg.Store, mux.Vars(r)["id"])
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := c.newPage(r, "contacts")
	p.Title, p.Done = ct.DisplayName, doneKey(r)
	d := &contactData{Contact: ct}
	p.Data = d
	var alone bool
	if d.Dups, alone, err = duplicatesPanel(r, c.cfg.Store, p, "/contacts", ct, contactProbe); err != nil || alone {
		c.panelOrFail(w, r, p, "contact", err)
		return
	}
	ids := &nameIDs{}
	ids.user(ct.OwnerID)
	ids.account(ct.AccountID)
	c.recordView(w, r, p, "contact", ct.ID, ids, func(tl *timeline, n *names) {
		d.Timeline, d.Account, d.Owner = tl, n.Account(ct.AccountID), n.User(ct.OwnerID)
	})
}

// panelOrFail answers err, or draws the duplicates panel of the page
// template name alone.
func (c *Console) panelOrFail(w http.ResponseWriter, r *http.Request, p *page, name string, err error) {
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p.Partial = "duplicates"
	c.render(w, r, http.StatusOK, name, p)
}

// recordView ends a 360° view of entity id: it reads the timeline, loads
// the names the card (ids) and the timeline show in one query per entity,
// hands both to fill, and renders the page — or the timeline alone for an
// htmx request that swaps it.
func (c *Console) recordView(w http.ResponseWriter, r *http.Request, p *page, entity, id string, ids *nameIDs, fill func(*timeline, *names)) {
	ctx := r.Context()
	tl, err := c.timeline(ctx, p.view, entity, id, r.URL.Query(), ids)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if tl.Names, err = ids.load(ctx, c.cfg.Store); err != nil {
		c.fail(w, r, err)
		return
	}
	fill(tl, tl.Names)
	if partialTarget(r, "timeline") {
		p.Partial = "timeline"
	}
	c.render(w, r, http.StatusOK, entity, p)
}

// withParam adds a fixed query parameter to every link of a pager.
func withParam(p pager, name, value string) pager {
	add := func(u string) string {
		if u == "" {
			return ""
		}
		sep := "?"
		for _, ch := range u {
			if ch == '?' {
				sep = "&"
				break
			}
		}
		return u + sep + name + "=" + value
	}
	return pager{First: add(p.First), Prev: add(p.Prev), Next: add(p.Next)}
}
