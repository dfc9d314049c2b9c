package console

import (
	"net/http"

	"github.com/gorilla/mux"

	"rapport/model"
	"rapport/model/store"
)

// accountSorts are the orders the accounts list offers (key → store sort).
var accountSorts = map[string]string{"": "name", "updated": "-updated_at", "created": "-created_at"}

// accountContactsMax is how many of an account's contacts its view lists
// (the contacts list narrowed to the account shows them all).
const accountContactsMax = 25

// accounts is the accounts list, searched by name as the user types.
func (c *Console) accounts(w http.ResponseWriter, r *http.Request) {
	p := c.newPage(r, "accounts")
	p.Title = p.T("accounts.title")
	q := parseListQuery(r.URL.Query(), accountSorts)
	params := store.ListParams{Limit: c.cfg.PageSize, Cursor: q.After, Sort: accountSorts[q.Sort], Q: q.Q}
	if q.Mine {
		params.Equals = map[string]string{"owner_id": model.ActorFrom(r.Context()).UserID}
	}
	pg, err := store.List[model.Account](r.Context(), c.cfg.Store, params)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	ids := &nameIDs{}
	for _, a := range pg.Items {
		ids.user(a.OwnerID)
	}
	d := &listData[*model.Account]{Query: q, Items: pg.Items, Pager: q.pagerFor("/accounts", pg.NextCursor),
		Sorts: []string{"", "updated", "created"}}
	if d.Names, err = ids.load(r.Context(), c.cfg.Store); err != nil {
		c.fail(w, r, err)
		return
	}
	p.Data = d
	if partialTarget(r, "results") {
		p.Partial = "account-results"
	}
	c.render(w, r, http.StatusOK, "accounts", p)
}

// accountData is the account's 360° view.
type accountData struct {
	Account      *model.Account
	Parent       *model.Account
	Owner        string
	Contacts     []*model.Contact
	MoreContacts bool
	Timeline     *timeline
	Dups         *dupPanel
}

// account is the account's 360° view: its card, its people, its likely
// duplicates and the one timeline of everything linked to it.
func (c *Console) account(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	acc, err := store.Get[model.Account](ctx, c.cfg.Store, mux.Vars(r)["id"])
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := c.newPage(r, "accounts")
	p.Title, p.Done = acc.Name, doneKey(r)
	d := &accountData{Account: acc}
	p.Data = d
	var alone bool
	if d.Dups, alone, err = duplicatesPanel(r, c.cfg.Store, p, "/accounts", acc, accountProbe); err != nil || alone {
		c.panelOrFail(w, r, p, "account", err)
		return
	}
	people, err := store.List[model.Contact](ctx, c.cfg.Store, store.ListParams{Limit: accountContactsMax,
		Equals: map[string]string{"account_id": acc.ID}})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d.Contacts, d.MoreContacts = people.Items, people.NextCursor != ""
	p.Data = d
	ids := &nameIDs{}
	ids.user(acc.OwnerID)
	ids.account(acc.ParentID)
	c.recordView(w, r, p, "account", acc.ID, ids, func(tl *timeline, n *names) {
		d.Timeline, d.Parent, d.Owner = tl, n.Account(acc.ParentID), n.User(acc.OwnerID)
	})
}
