package console

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"

	"rapport/model"
	"rapport/model/store"
)

// mountEditing registers the pages of editing contacts and accounts (new
// and edit forms with the duplicate warning, merging a likely duplicate)
// and a quote's header, documents and mail. Mount calls it before the
// routes /contacts/{id}, /accounts/{id} and /quotes/{id}/{action}, which
// would otherwise take /contacts/new and the quote's document and mail
// posts.
func (c *Console) mountEditing(rt routes) {
	contactEditor.mount(c, rt)
	accountEditor.mount(c, rt)
	rt.post("/quotes/{id}", c.saveQuoteHeader)
	rt.get("/quotes/{id}/mail", c.quoteMailForm)
	rt.post("/quotes/{id}/mail", c.mailQuote)
	rt.post("/quotes/{id}/document", c.downloadQuote)
}

// Messages of the link fields' own refusals (fieldReason translates them).
const (
	refUnknown   = "no record has this name"
	refAmbiguous = "several records have this name: choose one"
	refSelf      = "a record cannot link itself"
)

// refChoicesMax is how many candidates a name that matches several
// records offers.
const refChoicesMax = 10

// refInput is a link to another record typed as its name: the text, the
// id the form was drawn with, a candidate picked, and the candidates when
// the name matched several. Its form fields are Field, Field_id and
// Field_pick ("account", "account_id", "account_pick").
type refInput struct {
	Field, Text, ID, Pick string
	Choices               []refChoice
}

// refChoice is a candidate of an ambiguous name.
type refChoice struct{ ID, Name string }

// readRef reads a link field from a form.
func readRef(v url.Values, field string) refInput {
	return refInput{Field: field, Text: strings.TrimSpace(v.Get(field)), ID: strings.TrimSpace(v.Get(field + "_id")),
		Pick: strings.TrimSpace(v.Get(field + "_pick"))}
}

// shown is a link as a form shows a stored one.
func shown(field, id, name string) refInput { return refInput{Field: field, ID: id, Text: name} }

// resolveRef decides the record a link names: a candidate picked from the
// list, the record the form was drawn with while its name stands, else
// the one record the search (store.List, the user's visibility) finds by
// the name, an exact name first. A name that finds none or several is
// recorded in fe under errField; the candidates go to in.Choices.
func resolveRef[T any, P store.RecordPtr[T]](ctx context.Context, s *store.Store, in *refInput, nameOf func(P) string,
	errField string, fe model.FieldErrors) error {
	switch {
	case in.Pick != "":
		in.ID = in.Pick
		return nil
	case in.Text == "":
		in.ID = ""
		return nil
	case in.ID != "":
		rec, err := store.Get[T, P](ctx, s, in.ID)
		if err == nil && model.Fold(nameOf(rec)) == model.Fold(in.Text) {
			return nil
		}
		if err != nil && model.ErrorCode(err) != model.ENOTFOUND {
			return err
		}
	}
	in.ID = ""
	pg, err := store.List[T, P](ctx, s, store.ListParams{Q: in.Text, Limit: refChoicesMax, Sort: "name"})
	if err != nil {
		return err
	}
	var exact []P
	for _, rec := range pg.Items {
		if model.Fold(nameOf(rec)) == model.Fold(in.Text) {
			exact = append(exact, rec)
		}
	}
	switch {
	case len(exact) == 1:
		in.ID = exact[0].RecordMeta().ID
	case len(pg.Items) == 1:
		in.ID = pg.Items[0].RecordMeta().ID
	case len(pg.Items) == 0:
		fe.Add(errField, refUnknown)
	default:
		for _, rec := range pg.Items {
			in.Choices = append(in.Choices, refChoice{ID: rec.RecordMeta().ID, Name: nameOf(rec)})
		}
		fe.Add(errField, refAmbiguous)
	}
	return nil
}

// accountName and contactName are the names links show.
func accountName(a *model.Account) string { return a.Name }
func contactName(c *model.Contact) string { return c.DisplayName }

// formDate reads an optional date field (YYYY-MM-DD, as <input
// type=date> sends it) into fe's field.
func formDate(v url.Values, field string, fe model.FieldErrors) *model.Date {
	s := strings.TrimSpace(v.Get(field))
	if s == "" {
		return nil
	}
	d, err := model.ParseDate(s)
	if err != nil {
		fe.Add(field, "a date")
		return nil
	}
	return &d
}

// withFields adds fe's field errors to err (an EINVALID of the store, or
// nil), so a form shows the console's and the store's reasons together.
func withFields(err error, fe model.FieldErrors) error {
	var e *model.Error
	if errors.As(err, &e) && e.Code == model.EINVALID {
		for k, v := range e.Fields {
			fe.Add(k, v)
		}
	} else if err != nil {
		return err
	}
	return fe.Err()
}

// fieldReasons reads a refused write's field errors as forms show them:
// by field ("emails") and by list row ("emails.1"), in the user's
// language.
func fieldReasons(v *view, err error) map[string]string {
	out := map[string]string{}
	var e *model.Error
	if !errors.As(err, &e) {
		return out
	}
	for field, msg := range e.Fields {
		base, rest, _ := strings.Cut(field, "[")
		why := fieldReason(v, base, msg)
		if _, ok := out[base]; !ok {
			out[base] = why
		}
		if row, _, ok := strings.Cut(rest, "]"); ok {
			out[base+"."+row] = why
		}
	}
	return out
}

// fieldReason says in the user's language why field was refused; the
// store's messages are English.
func fieldReason(v *view, field, msg string) string {
	switch msg {
	case refUnknown:
		return v.T("edit.error.unknown")
	case refAmbiguous:
		return v.T("edit.error.ambiguous")
	case refSelf:
		return v.T("edit.error.self")
	case refCustomer:
		return v.T("quotedoc.error.customer")
	}
	switch field {
	case "display_name", "name":
		return v.T("edit.error.name")
	case "emails":
		return v.T("edit.error.email")
	case "phones":
		return v.T("edit.error.phone")
	case "urls", "website":
		return v.T("edit.error.url")
	case "birthday", "valid_until":
		return v.T("edit.error.date")
	case "account_id", "parent_id", "contact_id", "owner_id", "template_id":
		return v.T("edit.error.gone")
	case "tags":
		return v.T("edit.error.tag")
	case "to", "cc":
		return v.T("quotedoc.error.address")
	case "format":
		return v.T("quotedoc.error.format")
	case "version":
		return v.T("refused.version")
	}
	return v.T("refused.other", msg)
}

// formNotice is the notice above a refused form: "check the marked
// fields" when every reason stands beside a field the form shows, else
// the refusal itself (a stale version, a rule, a field the form lacks).
func formNotice(v *view, err error, fields []string) string {
	var e *model.Error
	if errors.As(err, &e) && e.Code == model.EINVALID && len(e.Fields) > 0 {
		all := true
		for f := range e.Fields {
			base, _, _ := strings.Cut(f, "[")
			all = all && slices.Contains(fields, base)
		}
		if all {
			return v.T("edit.refused")
		}
	}
	return refusal(v, err)
}

// staffMembers are the users offered as owners: enabled staff, by name.
func staffMembers(ctx context.Context, s *store.Store) ([]*model.User, error) {
	pg, err := store.List[model.User](ctx, s, store.ListParams{Limit: staffMax, Sort: "name", Filter: model.Filter{All: []model.Condition{
		{Field: "disabled", Op: "eq", Value: false},
		{Field: "role", Op: "in", Value: []any{model.RoleAdmin, model.RoleManager, model.RoleAgent}}}}})
	return pg.Items, err
}
