package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/mux"

	"rapport/hub/problem"
	"rapport/model"
	"rapport/model/store"
)

// editor is what editing contacts and accounts differ in; the pages, the
// save, the duplicate warning and the merge are shared.
type editor[T any, P store.RecordPtr[T]] struct {
	entity, nav string   // "contact", "contacts" (the list's path and navigation item)
	linkField   string   // the link's form field: "account" (a contact's company), "parent"
	fields      []string // the record fields the form shows
	title       func(v *view, f *recordForm) string
	read        func(f *recordForm, v url.Values) // the entity's own fields; unreadable ones to f.parseErrs
	fill        func(f *recordForm, rec P)        // the form of a stored record
	apply       func(f *recordForm, rec P)        // the form's fields onto a record
	linkOf      func(rec P) *string
	probe       func(rec P) dupProbe
	merge       func(s *store.Store, ctx context.Context, survivor, loser string, opts store.MergeOptions) (P, store.Moved, error)
	mergeRows   func(v *view, n *names, sur, los, after P) []mergeRow
}

// mount registers the editor's pages: create (POST /contacts), edit, save,
// and merging a duplicate into a record. GET /contacts/new is drawn by
// the 360° view's handler (see mountEditing).
func (e *editor[T, P]) mount(c *Console, rt routes) {
	base := "/" + e.nav
	save := func(w http.ResponseWriter, r *http.Request) { e.save(c, w, r) }
	rt.get(base+"/new", func(w http.ResponseWriter, r *http.Request) { e.newForm(c, w, r) })
	rt.post(base, save)
	rt.post(base+"/{id}", save)
	rt.get(base+"/{id}/edit", func(w http.ResponseWriter, r *http.Request) { e.edit(c, w, r) })
	rt.get(base+"/{id}/merge", func(w http.ResponseWriter, r *http.Request) { e.confirmMerge(c, w, r) })
	rt.post(base+"/{id}/merge", func(w http.ResponseWriter, r *http.Request) { e.mergeInto(c, w, r) })
}

// newForm opens the editor for a new record, owned by the user; ?account=
// (?parent=) links the account it was opened from.
func (e *editor[T, P]) newForm(c *Console, w http.ResponseWriter, r *http.Request) {
	f := &recordForm{OwnerID: model.ActorFrom(r.Context()).UserID}
	if id := r.URL.Query().Get(e.linkField); id != "" {
		acc, err := store.Get[model.Account](r.Context(), c.cfg.Store, id)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		f.Link = shown(e.linkField, acc.ID, acc.Name)
	}
	e.render(c, w, r, http.StatusOK, f, nil)
}

// edit opens the editor on a record's current version.
func (e *editor[T, P]) edit(c *Console, w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rec, err := store.Get[T, P](ctx, c.cfg.Store, mux.Vars(r)["id"])
	if err != nil {
		c.fail(w, r, err)
		return
	}
	m := rec.RecordMeta()
	f := &recordForm{ID: m.ID, Version: m.Version, Link: refInput{Field: e.linkField}}
	if id := e.linkOf(rec); id != nil {
		acc, err := store.Get[model.Account](ctx, c.cfg.Store, *id)
		if err != nil && model.ErrorCode(err) != model.ENOTFOUND {
			c.fail(w, r, err)
			return
		}
		if err == nil {
			f.Link = shown(e.linkField, acc.ID, acc.Name)
		}
	}
	e.fill(f, rec)
	e.render(c, w, r, http.StatusOK, f, nil)
}

// readForm reads the editor's post.
func (e *editor[T, P]) readForm(r *http.Request) *recordForm {
	_ = r.ParseForm()
	v := r.PostForm
	f := &recordForm{ID: mux.Vars(r)["id"], parseErrs: model.FieldErrors{}, Link: readRef(v, e.linkField),
		OwnerID: strings.TrimSpace(v.Get("owner_id")), Language: strings.TrimSpace(v.Get("language")),
		Phones: readLabeled(v, "phones"), Addresses: readAddresses(v), Seen: splitIDs(v.Get("seen"))}
	if f.ID != "" {
		var err error
		if f.Version, err = formVersion(v.Get("version")); err != nil {
			f.parseErrs.Add("version", "required")
		}
	}
	e.read(f, v)
	return f
}

// save creates a record (POST /contacts, as the API's POST /contacts) or
// updates one with the version the editor was drawn with (POST
// /contacts/{id}, as the API's PATCH with If-Match), through store.Create
// and store.Update. When the record would look like others that it did
// not look like before (findDuplicates), nothing is written: the editor
// lists them, and saving again saves anyway. A refused write draws the
// editor again with what was typed: 422 with the reasons beside the
// fields, 412 when someone saved meanwhile.
func (e *editor[T, P]) save(c *Console, w http.ResponseWriter, r *http.Request) {
	ctx, s := r.Context(), c.cfg.Store
	var cur P
	if id := mux.Vars(r)["id"]; id != "" {
		var err error
		if cur, err = store.Get[T, P](ctx, s, id); err != nil {
			c.fail(w, r, err) // 404 for a record the user may not see
			return
		}
	}
	f := e.readForm(r)
	rec, err := e.build(ctx, s, f, cur)
	if err == nil {
		var hits []dupHit
		if hits, err = e.newDuplicates(ctx, s, f, rec, cur); err == nil && len(hits) > 0 {
			f.Duplicates, f.Seen = hits, append(f.Seen, hitIDs(hits)...)
			e.render(c, w, r, http.StatusOK, f, nil)
			return
		}
	}
	if err == nil {
		err = e.write(ctx, s, f, rec, cur)
	}
	switch model.ErrorCode(err) {
	case "":
		seeOther(w, r, "/"+e.nav+"/"+f.ID, "record_saved")
	case model.ENOTFOUND, model.EINTERNAL:
		c.fail(w, r, err)
	default:
		e.render(c, w, r, problem.Status(model.ErrorCode(err)), f, err)
	}
}

// build makes the record the form describes, normalised as the store
// will: a new one, or a copy of cur with the form applied. Its error
// holds the form's own reasons (an unreadable date, a name that links no
// account) with the model's.
func (e *editor[T, P]) build(ctx context.Context, s *store.Store, f *recordForm, cur P) (P, error) {
	fe := model.FieldErrors{}
	for k, v := range f.parseErrs {
		fe.Add(k, v)
	}
	if err := resolveRef(ctx, s, &f.Link, accountName, e.linkField+"_id", fe); err != nil {
		return nil, err
	}
	if f.ID != "" && f.Link.ID == f.ID {
		fe.Add(e.linkField+"_id", refSelf)
	}
	rec := P(new(T))
	if cur != nil {
		*rec = *cur
	}
	e.apply(f, rec)
	rec.Normalize()
	return rec, withFields(rec.Validate(), fe)
}

// write stores the record: a create, or an update of cur's fields from the
// form with the form's version.
func (e *editor[T, P]) write(ctx context.Context, s *store.Store, f *recordForm, rec, cur P) error {
	if cur == nil {
		err := store.Create(ctx, s, rec)
		f.ID = rec.RecordMeta().ID
		return err
	}
	_, err := store.Update(ctx, s, f.ID, f.Version, func(x P) error {
		e.apply(f, x)
		return nil
	})
	return err
}

// newDuplicates are the likely duplicates of rec that the user has not
// been shown, and that cur (the stored version) did not already have: an
// edit warns when it makes the record look like another, not about what
// it already looked like.
func (e *editor[T, P]) newDuplicates(ctx context.Context, s *store.Store, f *recordForm, rec, cur P) ([]dupHit, error) {
	p := e.probe(rec)
	var before []string
	if cur != nil {
		was := e.probe(cur)
		if was.sameMatch(p) {
			return nil, nil
		}
		old, err := findDuplicates(ctx, s, was, e.probe)
		if err != nil {
			return nil, err
		}
		before = hitIDs(old)
	}
	hits, err := findDuplicates(ctx, s, p, e.probe)
	if err != nil {
		return nil, err
	}
	return withoutIDs(withoutIDs(hits, before), f.Seen), nil
}

// render draws the editor, with err the refused write's reasons (nil when
// none).
func (e *editor[T, P]) render(c *Console, w http.ResponseWriter, r *http.Request, status int, f *recordForm, err error) {
	ctx := r.Context()
	p := c.newPage(r, e.nav)
	f.Entity, f.Nav, f.Link.Field, f.typeNames = e.entity, e.nav, e.linkField, typeLabels(p.view)
	if err != nil {
		f.Errors, f.Refused = fieldReasons(p.view, err), formNotice(p.view, err, e.fields)
		if model.ErrorCode(err) == model.EPRECONDITION {
			now, gerr := store.Get[T, P](ctx, c.cfg.Store, f.ID)
			if gerr != nil {
				c.fail(w, r, gerr)
				return
			}
			f.Stale, f.Version, f.Refused = true, now.RecordMeta().Version, p.T("edit.stale")
		}
	}
	var serr error
	if f.Staff, serr = staffMembers(ctx, c.cfg.Store); serr != nil {
		c.fail(w, r, serr)
		return
	}
	explainHits(p.view, f.Duplicates)
	p.Title, p.Data = e.title(p.view, f), f
	c.render(w, r, status, "edit_record", p)
}

// contactEditor edits contacts: names, job title, company, owner, e-mails,
// phones, web addresses, postal addresses, language, birthday, tags,
// notes and the marketing opt-out (model.Contact as the API accepts it).
var contactEditor = &editor[model.Contact, *model.Contact]{
	entity: "contact", nav: "contacts", linkField: "account",
	fields: []string{"first_name", "middle_name", "last_name", "display_name", "title", "account_id", "owner_id", "emails",
		"phones", "urls", "addresses", "language", "birthday", "tags", "notes", "version"},
	title: func(v *view, f *recordForm) string {
		if f.ID == "" {
			return v.T("edit.contact.new")
		}
		return v.T("edit.contact.title")
	},
	read: func(f *recordForm, v url.Values) {
		f.FirstName, f.MiddleName, f.LastName = v.Get("first_name"), v.Get("middle_name"), v.Get("last_name")
		f.DisplayName, f.Title, f.Notes, f.Tags = v.Get("display_name"), v.Get("title"), v.Get("notes"), v.Get("tags")
		f.Emails, f.URLs, f.Unsubscribed = readLabeled(v, "emails"), readLabeled(v, "urls"), v.Get("unsubscribed") == "1"
		f.Birthday = strings.TrimSpace(v.Get("birthday"))
		f.birthday = formDate(v, "birthday", f.parseErrs)
	},
	fill: func(f *recordForm, c *model.Contact) {
		f.FirstName, f.MiddleName, f.LastName, f.Title = c.FirstName, c.MiddleName, c.LastName, c.Title
		if !derivedName(c) {
			f.DisplayName = c.DisplayName
		}
		f.OwnerID, f.Language, f.Notes, f.Tags, f.Unsubscribed = deref(c.OwnerID), c.Language, c.Notes, strings.Join(c.Tags, ", "), c.Unsubscribed
		f.Emails, f.Phones, f.URLs, f.Addresses = c.Emails, c.Phones, c.URLs, c.Addresses
		if c.Birthday != nil {
			f.Birthday = c.Birthday.Format(model.DateLayout)
		}
	},
	apply: func(f *recordForm, c *model.Contact) {
		c.FirstName, c.MiddleName, c.LastName, c.DisplayName, c.Title = f.FirstName, f.MiddleName, f.LastName, f.DisplayName, f.Title
		c.AccountID, c.OwnerID, c.Language, c.Birthday = optionalID(f.Link.ID), optionalID(f.OwnerID), f.Language, f.birthday
		c.Emails, c.Phones, c.URLs = cloneLabeled(f.Emails), cloneLabeled(f.Phones), cloneLabeled(f.URLs)
		c.Addresses, c.Tags, c.Notes, c.Unsubscribed = append([]model.Address(nil), f.Addresses...), splitTags(f.Tags), f.Notes, f.Unsubscribed
	},
	linkOf:    func(c *model.Contact) *string { return c.AccountID },
	probe:     contactProbe,
	merge:     (*store.Store).MergeContacts,
	mergeRows: contactMergeRows,
}

// accountEditor edits accounts: name, industry, web site, parent account,
// owner, phones, addresses and language.
var accountEditor = &editor[model.Account, *model.Account]{
	entity: "account", nav: "accounts", linkField: "parent",
	fields: []string{"name", "industry", "website", "parent_id", "owner_id", "phones", "addresses", "language", "version"},
	title: func(v *view, f *recordForm) string {
		if f.ID == "" {
			return v.T("edit.account.new")
		}
		return v.T("edit.account.title")
	},
	read: func(f *recordForm, v url.Values) {
		f.Name, f.Industry, f.Website = v.Get("name"), v.Get("industry"), v.Get("website")
	},
	fill: func(f *recordForm, a *model.Account) {
		f.Name, f.Industry, f.Website, f.OwnerID, f.Language = a.Name, a.Industry, a.Website, deref(a.OwnerID), a.Language
		f.Phones, f.Addresses = a.Phones, a.Addresses
	},
	apply: func(f *recordForm, a *model.Account) {
		a.Name, a.Industry, a.Website, a.Language = f.Name, f.Industry, f.Website, f.Language
		a.ParentID, a.OwnerID = optionalID(f.Link.ID), optionalID(f.OwnerID)
		a.Phones, a.Addresses = cloneLabeled(f.Phones), append([]model.Address(nil), f.Addresses...)
	},
	linkOf:    func(a *model.Account) *string { return a.ParentID },
	probe:     accountProbe,
	merge:     (*store.Store).MergeAccounts,
	mergeRows: accountMergeRows,
}

// derivedName reports whether a contact's display name is the one
// Normalize makes (its names, else its first e-mail): the editor leaves it
// empty, so that it follows the names.
func derivedName(c *model.Contact) bool {
	names := strings.Join(strings.Fields(c.FirstName+" "+c.MiddleName+" "+c.LastName), " ")
	return c.DisplayName == names || names == "" && len(c.Emails) > 0 && c.DisplayName == c.Emails[0].Value
}

// cloneLabeled copies a list the model normalises in place.
func cloneLabeled(l []model.Labeled) []model.Labeled { return append([]model.Labeled(nil), l...) }
