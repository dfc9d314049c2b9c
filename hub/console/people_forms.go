package console

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"rapport/hub/problem"
	"rapport/model"
	"rapport/model/store"
)

// formState is what a refused administration form shows: a message beside
// each field that failed and a general reason above the form.
type formState struct {
	Errors  map[string]string
	Refused string
}

// fieldRefusal says in the user's language what the store refuses in a
// field of the administration forms (the store's own messages are
// English); false for a field the forms do not have.
func fieldRefusal(v *view, field string) (string, bool) {
	switch field {
	case "next_value":
		return v.T("people.error.next_value"), true
	case "name":
		return v.T("people.error.name"), true
	case "email":
		return v.T("people.error.email"), true
	case "username":
		return v.T("people.error.username"), true
	case "role":
		return v.T("people.error.role"), true
	case "team_id":
		return v.T("people.error.team"), true
	case "territory_id":
		return v.T("people.error.territory"), true
	case "time_zone":
		return v.T("profile.error.zone"), true
	case "manager_id", "owner_id":
		return v.T("people.error.user"), true
	case "parent_id":
		return v.T("people.error.parent"), true
	}
	return "", false
}

// ownRefusal is a refusal of the console's own rules (a duplicate e-mail,
// a weak password, a territory under itself): invalid fields whose
// messages are already in the user's language.
type ownRefusal struct{ err *model.Error }

func (o ownRefusal) Error() string { return o.err.Error() }

// Unwrap gives the coded error, so model.ErrorCode reads EINVALID.
func (o ownRefusal) Unwrap() error { return o.err }

// refuseFields returns fe as the console's own refusal, nil when empty.
func refuseFields(fe model.FieldErrors) error {
	if len(fe) == 0 {
		return nil
	}
	return ownRefusal{&model.Error{Code: model.EINVALID, Message: "validation failed", Fields: fe}}
}

// refuse records why a write failed, in the user's language: field errors
// beside their fields, the rest above the form. It returns the HTTP status
// the API answers for err.
func (f *formState) refuse(v *view, err error) int {
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	var own ownRefusal
	if errors.As(err, &own) {
		for field, msg := range own.err.Fields {
			f.Errors[field] = msg
		}
		return http.StatusUnprocessableEntity
	}
	if model.ErrorCode(err) == model.EINVALID {
		if !storeFields(v, err, f.Errors) {
			f.Refused = refusal(v, err)
		}
		return http.StatusUnprocessableEntity
	}
	switch model.ErrorCode(err) {
	case model.ECONFLICT:
		f.Refused = v.T("people.error.taken")
	case model.EPRECONDITION:
		f.Refused = v.T("people.error.changed")
	default:
		f.Refused = refusal(v, err)
	}
	return problem.Status(model.ErrorCode(err))
}

// storeFields puts the store's field refusals in err beside the form's
// fields, in the user's language, and reports whether it placed them all
// (false too when err has none).
func storeFields(v *view, err error, into map[string]string) bool {
	var e *model.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return false
	}
	placed := true
	for field := range e.Fields {
		if msg, ok := fieldRefusal(v, field); ok {
			into[field] = msg
		} else {
			placed = false
		}
	}
	return placed
}

// adminRecord loads the record of the page's {id} for an admin, after
// answering 403 to anyone else and 404 for no such record; ok reports
// whether the page may go on.
func adminRecord[T any, P store.RecordPtr[T]](c *Console, w http.ResponseWriter, r *http.Request) (P, bool) {
	if !c.requireAdmin(w, r) {
		return nil, false
	}
	rec, err := store.Get[T, P](r.Context(), c.cfg.Store, mux.Vars(r)["id"])
	if err != nil {
		c.fail(w, r, err)
		return nil, false
	}
	return rec, true
}

// answerWrite ends the post of an administration form: done when the
// write worked, the error page for a missing record or a failure, else
// again with the refusal's status and messages.
func (c *Console) answerWrite(w http.ResponseWriter, r *http.Request, v *view, err error, done func(), again func(status int, st formState)) {
	switch {
	case err == nil:
		done()
	case !refusable(err):
		c.fail(w, r, err)
	default:
		st := formState{}
		again(st.refuse(v, err), st)
	}
}

// refusable reports whether err is a refusal the form shows, rather than a
// missing record or a failure the error page answers.
func refusable(err error) bool {
	code := model.ErrorCode(err)
	return code != model.ENOTFOUND && code != model.EINTERNAL
}

// adminWrite saves an administration form onto a record of T: a new
// record through create when id is empty (the API's POST), else record id
// with the version the form was drawn with (the API's PATCH with
// If-Match). apply copies the form onto the record, inside the write's
// transaction for a change. It returns the record as it was before (nil
// for a new one), the version a form drawn again carries — the current
// one after a 412, so that saving again is a deliberate choice — and the
// write's error.
func adminWrite[T any, P store.RecordPtr[T]](ctx context.Context, s *store.Store, r *http.Request, id string,
	create, apply func(ctx context.Context, rec P) error) (P, int64, error) {
	var cur P
	if id == "" {
		rec := P(new(T))
		err := apply(ctx, rec)
		if err == nil {
			err = create(ctx, rec)
		}
		return cur, 0, err
	}
	cur, err := store.Get[T, P](ctx, s, id)
	if err != nil {
		return cur, 0, err
	}
	version, err := formVersion(r.PostFormValue("version"))
	if err != nil {
		return cur, cur.RecordMeta().Version, err
	}
	err = s.WithTx(ctx, func(ctx context.Context) error {
		_, err := store.Update(ctx, s, id, version, func(rec P) error { return apply(ctx, rec) })
		return err
	})
	if model.ErrorCode(err) == model.EPRECONDITION {
		version = cur.RecordMeta().Version
	}
	return cur, version, err
}

// formText reads a trimmed form field.
func formText(r *http.Request, name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
