package console

import (
	"context"
	"net/url"
	"strings"

	"rapport/model"
	"rapport/model/store"
)

// maxIDsPerQuery bounds the ids of one "id in (…)" lookup.
const maxIDsPerQuery = 500

// byID loads the live records with ids that the actor in ctx may see (the
// API's visibility: store.List), one query per maxIDsPerQuery ids. Pages
// collect the ids they show first and call it once per entity, so the
// number of queries never grows with the rows.
func byID[T any, P store.RecordPtr[T]](ctx context.Context, s *store.Store, ids []string) (map[string]P, error) {
	ids = model.Dedupe(nonEmpty(ids))
	out := make(map[string]P, len(ids))
	for start := 0; start < len(ids); start += maxIDsPerQuery {
		chunk := ids[start:min(start+maxIDsPerQuery, len(ids))]
		in := make([]any, len(chunk))
		for i, id := range chunk {
			in[i] = id
		}
		page, err := store.List[T, P](ctx, s, store.ListParams{Limit: len(chunk),
			Filter: model.Filter{All: []model.Condition{{Field: "id", Op: "in", Value: in}}}})
		if err != nil {
			return nil, err
		}
		for _, rec := range page.Items {
			out[rec.RecordMeta().ID] = rec
		}
	}
	return out, nil
}

// nonEmpty drops empty ids.
func nonEmpty(ids []string) []string {
	out := ids[:0:0]
	for _, id := range ids {
		if id != "" && model.ValidID(id) {
			out = append(out, id)
		}
	}
	return out
}

// deref returns *p, or "" for nil.
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// names maps record ids to the names people know them by.
type names struct {
	Users    map[string]*model.User
	Accounts map[string]*model.Account
	Contacts map[string]*model.Contact
}

// nameIDs collects the ids a page will name.
type nameIDs struct{ users, accounts, contacts []string }

func (n *nameIDs) user(id *string)    { n.users = append(n.users, deref(id)) }
func (n *nameIDs) account(id *string) { n.accounts = append(n.accounts, deref(id)) }
func (n *nameIDs) contact(id *string) { n.contacts = append(n.contacts, deref(id)) }

// load reads the named records: at most one query per entity.
func (n *nameIDs) load(ctx context.Context, s *store.Store) (*names, error) {
	out := &names{}
	var err error
	if out.Users, err = byID[model.User](ctx, s, n.users); err != nil {
		return nil, err
	}
	if out.Accounts, err = byID[model.Account](ctx, s, n.accounts); err != nil {
		return nil, err
	}
	if out.Contacts, err = byID[model.Contact](ctx, s, n.contacts); err != nil {
		return nil, err
	}
	return out, nil
}

// User names a user id ("" when unknown).
func (n *names) User(id *string) string {
	if u := n.Users[deref(id)]; u != nil {
		return u.Name
	}
	return ""
}

// Account returns the account of an id, nil when none or hidden.
func (n *names) Account(id *string) *model.Account { return n.Accounts[deref(id)] }

// Contact returns the contact of an id, nil when none or hidden.
func (n *names) Contact(id *string) *model.Contact { return n.Contacts[deref(id)] }

// listQuery is the query of a list page: the search text, the cursor and
// the history of cursors that leads back to the first page.
type listQuery struct {
	Q     string
	After string   // the cursor of this page ("" for the first)
	Back  []string // cursors of the pages before this one, oldest first
	Sort  string   // a key of the page's sort options
	Mine  bool     // only records the user owns
}

// maxBack bounds the pages "Previous" can walk back through; older pages
// are reached from the first one.
const maxBack = 20

// parseListQuery reads q, after, back, sort and mine.
func parseListQuery(v url.Values, sorts map[string]string) listQuery {
	q := listQuery{Q: strings.TrimSpace(v.Get("q")), After: v.Get("after"), Sort: v.Get("sort"), Mine: v.Get("mine") == "1"}
	if len(q.Q) > 200 {
		q.Q = q.Q[:200]
	}
	if _, ok := sorts[q.Sort]; !ok {
		q.Sort = ""
	}
	if b := v.Get("back"); b != "" && q.After != "" {
		q.Back = strings.Split(b, ".")
		if len(q.Back) > maxBack {
			q.Back = q.Back[len(q.Back)-maxBack:]
		}
	}
	return q
}

// url returns the list page's URL with this query at cursor after, and the
// cursors that lead back from it.
func (q listQuery) url(path, after string, back []string) string {
	v := url.Values{}
	if q.Q != "" {
		v.Set("q", q.Q)
	}
	if q.Sort != "" {
		v.Set("sort", q.Sort)
	}
	if q.Mine {
		v.Set("mine", "1")
	}
	if after != "" {
		v.Set("after", after)
		if len(back) > 0 {
			v.Set("back", strings.Join(back, "."))
		}
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// pager holds the links of a list page.
type pager struct {
	First, Prev, Next string // empty when there is no such page
}

// pagerFor builds the links around the current page of q.
func (q listQuery) pagerFor(path, next string) pager {
	p := pager{}
	if q.After != "" {
		p.First = q.url(path, "", nil)
		if n := len(q.Back); n > 0 {
			prev := q.Back[n-1]
			if prev == "-" {
				p.Prev = p.First
			} else {
				p.Prev = q.url(path, prev, q.Back[:n-1])
			}
		} else {
			p.Prev = p.First
		}
	}
	if next != "" {
		back := q.Back
		if q.After != "" {
			back = append(append([]string(nil), back...), q.After)
		} else {
			back = []string{"-"} // the first page
		}
		if len(back) > maxBack {
			back = back[len(back)-maxBack:]
		}
		p.Next = q.url(path, next, back)
	}
	return p
}
