package console

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"rapport/hub/problem"
	"rapport/model"
	"rapport/model/store"
)

// mergeRow is a field of the merge confirmation: this record's value, the
// other's, and what this one holds after the merge (model.MergeFields'
// rules). Choice offers to keep the other's value instead (the API's
// "fields": {"title": "loser"}); KeepOther is that choice as posted.
type mergeRow struct {
	Field, Label, Survivor, Loser, After string
	Choice, KeepOther                    bool
}

// mergeData is the merge confirmation page.
type mergeData struct {
	Nav                     string
	SurvivorID, LoserID     string
	SurvivorName, LoserName string
	Rows                    []mergeRow
	Refused                 string
}

// confirmMerge shows what merging ?loser= into the record keeps (GET
// /contacts/{id}/merge?loser=…): each field of both and of the survivor
// after the merge, with a choice where both have different values.
func (e *editor[T, P]) confirmMerge(c *Console, w http.ResponseWriter, r *http.Request) {
	e.renderMerge(c, w, r, mux.Vars(r)["id"], r.URL.Query().Get("loser"), nil, nil)
}

// mergeInto merges the posted loser_id into the record through the
// store's merge (the API's POST /contacts/{id}/merge: write access to
// both, links moved, the loser a tombstone naming the survivor), with the
// fields chosen, then opens the survivor. A refused merge draws the
// confirmation again with the reason and the API's status.
func (e *editor[T, P]) mergeInto(c *Console, w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	id, loser := mux.Vars(r)["id"], strings.TrimSpace(r.PostForm.Get("loser_id"))
	choices := map[string]string{}
	for k, v := range r.PostForm {
		if field, ok := strings.CutPrefix(k, "fields."); ok && len(v) > 0 {
			choices[field] = v[0]
		}
	}
	_, _, err := e.merge(c.cfg.Store, r.Context(), id, loser, store.MergeOptions{Fields: choices})
	switch model.ErrorCode(err) {
	case "":
		seeOther(w, r, "/"+e.nav+"/"+id, "merged")
	case model.ENOTFOUND, model.EINTERNAL:
		c.fail(w, r, err)
	default:
		e.renderMerge(c, w, r, id, loser, choices, err)
	}
}

// renderMerge draws the confirmation of merging loserID into survivorID,
// with refused the reason the merge failed (nil when none). When the pair
// cannot be shown (one is gone, or they are one), the error page says why:
// the refusal's status, else 404 or 422.
func (e *editor[T, P]) renderMerge(c *Console, w http.ResponseWriter, r *http.Request, survivorID, loserID string,
	choices map[string]string, refused error) {
	ctx, s := r.Context(), c.cfg.Store
	sur, err := store.Get[T, P](ctx, s, survivorID)
	var los P
	if err == nil {
		los, err = store.Get[T, P](ctx, s, loserID)
	}
	if err == nil && survivorID == loserID {
		err = model.Errorf(model.EINVALID, "a %s cannot be merged into itself", e.entity)
	}
	if err != nil {
		if refused != nil {
			err = refused
		}
		c.fail(w, r, err)
		return
	}
	after := P(new(T))
	*after = *sur
	if merr := model.MergeFields(after, los, choices); merr != nil {
		// A choice the model refuses (checked before anything is folded):
		// the defaults are shown beside the reason.
		if err := model.MergeFields(after, los, nil); err != nil {
			c.fail(w, r, err)
			return
		}
		if refused == nil {
			refused = merr
		}
	}
	ids := &nameIDs{}
	for _, rec := range []P{sur, los, after} {
		owner, _ := any(rec).(model.Owned).OwnerTeam()
		ids.user(&owner)
		ids.account(e.linkOf(rec))
	}
	n, err := ids.load(ctx, s)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := c.newPage(r, e.nav)
	d := &mergeData{Nav: e.nav, SurvivorID: survivorID, LoserID: loserID, SurvivorName: e.probe(sur).label, LoserName: e.probe(los).label}
	for _, row := range e.mergeRows(p.view, n, sur, los, after) {
		if row.Survivor != "" || row.Loser != "" {
			row.KeepOther = row.Choice && choices[row.Field] == model.MergeLoser
			d.Rows = append(d.Rows, row)
		}
	}
	status := http.StatusOK
	if refused != nil {
		d.Refused, status = refusal(p.view, refused), problem.Status(model.ErrorCode(refused))
	}
	p.Title, p.Data = p.T("merge.title", d.LoserName, d.SurvivorName), d
	c.render(w, r, status, "merge_confirm", p)
}

// scalarRow is a one-value field: a choice when both records have one and
// they differ.
func scalarRow(label, field, s, l, after string) mergeRow {
	return mergeRow{Field: field, Label: label, Survivor: s, Loser: l, After: after, Choice: s != "" && l != "" && s != l}
}

// refRow is a link: names shown, ids compared.
func refRow(label, field string, name func(*string) string, s, l, after *string) mergeRow {
	row := scalarRow(label, field, deref(s), deref(l), deref(after))
	row.Survivor, row.Loser, row.After = name(s), name(l), name(after)
	return row
}

// listRow is a list the merge joins (e-mails, phones, tags): no choice.
func listRow(label string, s, l, after []string) mergeRow {
	return mergeRow{Label: label, Survivor: strings.Join(s, ", "), Loser: strings.Join(l, ", "), After: strings.Join(after, ", ")}
}

// values are the values of labelled items.
func values(list []model.Labeled) []string {
	out := make([]string, len(list))
	for i, l := range list {
		out[i] = l.Value
	}
	return out
}

// addressLines are addresses written on one line each.
func addressLines(list []model.Address) []string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = addrLine(a)
	}
	return out
}

// accountNamer and ownerNamer name links from the page's names.
func accountNamer(n *names) func(*string) string {
	return func(id *string) string {
		if a := n.Account(id); a != nil {
			return a.Name
		}
		return ""
	}
}

func ownerNamer(n *names) func(*string) string { return n.User }

// sharedFields are the fields contacts and accounts both have, as their
// merge rows show them.
type sharedFields struct {
	owner     *string
	phones    []model.Labeled
	addresses []model.Address
	language  string
}

// sharedRows are the rows of the fields contacts and accounts share.
func sharedRows(v *view, n *names, s, l, a sharedFields) []mergeRow {
	return []mergeRow{
		refRow(v.T("edit.field.owner"), "owner_id", ownerNamer(n), s.owner, l.owner, a.owner),
		listRow(v.T("edit.field.phones"), values(s.phones), values(l.phones), values(a.phones)),
		listRow(v.T("edit.field.addresses"), addressLines(s.addresses), addressLines(l.addresses), addressLines(a.addresses)),
		scalarRow(v.T("edit.field.language"), "language", s.language, l.language, a.language),
	}
}

// contactMergeRows are the fields of two contacts and of the survivor
// after their merge.
func contactMergeRows(v *view, n *names, s, l, a *model.Contact) []mergeRow {
	shared := func(c *model.Contact) sharedFields { return sharedFields{c.OwnerID, c.Phones, c.Addresses, c.Language} }
	rows := []mergeRow{
		scalarRow(v.T("edit.field.display_name"), "display_name", s.DisplayName, l.DisplayName, a.DisplayName),
		scalarRow(v.T("edit.field.first_name"), "first_name", s.FirstName, l.FirstName, a.FirstName),
		scalarRow(v.T("edit.field.middle_name"), "middle_name", s.MiddleName, l.MiddleName, a.MiddleName),
		scalarRow(v.T("edit.field.last_name"), "last_name", s.LastName, l.LastName, a.LastName),
		scalarRow(v.T("edit.field.title"), "title", s.Title, l.Title, a.Title),
		refRow(v.T("edit.field.account"), "account_id", accountNamer(n), s.AccountID, l.AccountID, a.AccountID),
		listRow(v.T("edit.field.emails"), values(s.Emails), values(l.Emails), values(a.Emails)),
	}
	return append(append(rows, sharedRows(v, n, shared(s), shared(l), shared(a))...),
		listRow(v.T("edit.field.urls"), values(s.URLs), values(l.URLs), values(a.URLs)),
		scalarRow(v.T("edit.field.birthday"), "birthday", v.Date(s.Birthday), v.Date(l.Birthday), v.Date(a.Birthday)),
		listRow(v.T("edit.field.tags"), s.Tags, l.Tags, a.Tags),
		mergeRow{Label: v.T("edit.field.notes"), Survivor: s.Notes, Loser: l.Notes, After: a.Notes})
}

// accountMergeRows are the fields of two accounts and of the survivor
// after their merge.
func accountMergeRows(v *view, n *names, s, l, a *model.Account) []mergeRow {
	shared := func(x *model.Account) sharedFields { return sharedFields{x.OwnerID, x.Phones, x.Addresses, x.Language} }
	rows := []mergeRow{
		scalarRow(v.T("edit.field.name"), "name", s.Name, l.Name, a.Name),
		scalarRow(v.T("edit.field.industry"), "industry", s.Industry, l.Industry, a.Industry),
		scalarRow(v.T("edit.field.website"), "website", s.Website, l.Website, a.Website),
		refRow(v.T("edit.field.parent"), "parent_id", accountNamer(n), s.ParentID, l.ParentID, a.ParentID),
	}
	return append(rows, sharedRows(v, n, shared(s), shared(l), shared(a))...)
}
