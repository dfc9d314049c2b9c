package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"rapport/model"
	"rapport/model/store"
)

// Warning tells a client about something it may want to act on; the write
// still happened (e.g. a possible duplicate contact).
type Warning struct {
	Code    string   `json:"code"`
	Message string   `json:"message"`
	IDs     []string `json:"ids,omitempty"`
}

// collection describes one CRUD resource.
type collection[T any, P store.RecordPtr[T]] struct {
	api     *API
	path    string // "/contacts"
	tag     string // OpenAPI tag: "Contacts"
	filters string // documented equality filters
	// warn returns warnings after a create (in the create's transaction).
	warn func(ctx context.Context, rec P) ([]Warning, error)
	// create replaces the default create handler (users need a password).
	create http.HandlerFunc
}

// mount registers list, search, create, get, patch, delete and history.
func (c *collection[T, P]) mount(r *mux.Router) {
	a, p, one := c.api, c.path, c.path+"/{id}"
	schema := schemaName[T]()
	a.handle(r, http.MethodGet, p, c.op("List", "list", schema, opList), c.list)
	a.handle(r, http.MethodPost, p+"/search", c.op("Search", "search", schema, opSearch), c.search)
	create := c.create
	if create == nil {
		create = c.createDefault
	}
	a.handle(r, http.MethodPost, p, c.op("Create", "create", schema, opCreate), create)
	a.handle(r, http.MethodGet, one, c.op("Get", "get", schema, opGet), c.get)
	a.handle(r, http.MethodPatch, one, c.op("Update", "patch", schema, opPatch), c.patch)
	a.handle(r, http.MethodDelete, one, c.op("Delete", "delete", schema, opDelete), c.delete)
	a.handle(r, http.MethodGet, one+"/history", c.op("History", "history", "Change", opHistory), c.history)
}

func (c *collection[T, P]) list(w http.ResponseWriter, r *http.Request) {
	params, err := listParams(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	c.writePage(w, r, params)
}

func (c *collection[T, P]) search(w http.ResponseWriter, r *http.Request) {
	params, err := listParams(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	body, err := c.api.readBody(w, r)
	if err != nil {
		fail(w, r, err)
		return
	}
	if params.Filter, err = model.ParseFilter(body); err != nil {
		fail(w, r, err)
		return
	}
	c.writePage(w, r, params)
}

func (c *collection[T, P]) writePage(w http.ResponseWriter, r *http.Request, params store.ListParams) {
	page, err := store.List[T, P](r.Context(), c.api.store, params)
	if err != nil {
		fail(w, r, err)
		return
	}
	items := page.Items
	if items == nil {
		items = []P{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": page.NextCursor})
}

func (c *collection[T, P]) createDefault(w http.ResponseWriter, r *http.Request) {
	rec := P(new(T))
	if err := c.api.decodeStrict(w, r, rec); err != nil {
		fail(w, r, err)
		return
	}
	*rec.RecordMeta() = model.Meta{} // server-owned
	if synced, ok := any(rec).(model.DAVSynced); ok {
		*synced.DAVInfo() = model.DAVLink{}
	}
	c.store(w, r, rec, func(ctx context.Context) error { return store.Create(ctx, c.api.store, rec) })
}

// store runs write (which creates rec) and answers 201 with warnings.
func (c *collection[T, P]) store(w http.ResponseWriter, r *http.Request, rec P, write func(ctx context.Context) error) {
	var warnings []Warning
	err := c.api.store.WithTx(r.Context(), func(ctx context.Context) error {
		if err := write(ctx); err != nil {
			return err
		}
		if c.warn == nil {
			return nil
		}
		var err error
		warnings, err = c.warn(ctx, rec)
		return err
	})
	if err != nil {
		fail(w, r, err)
		return
	}
	w.Header().Set("Location", Prefix+c.path+"/"+rec.RecordMeta().ID)
	w.Header().Set("ETag", etag(rec.RecordMeta().Version))
	writeJSON(w, http.StatusCreated, withWarnings(rec, warnings))
}

// withWarnings adds a "warnings" member to the record's JSON when there are any.
func withWarnings(rec any, warnings []Warning) any {
	if len(warnings) == 0 {
		return rec
	}
	m, err := model.ToMap(rec)
	if err != nil {
		return rec
	}
	m["warnings"] = warnings
	return m
}

func (c *collection[T, P]) get(w http.ResponseWriter, r *http.Request) {
	rec, err := store.Get[T, P](r.Context(), c.api.store, mux.Vars(r)["id"])
	if err != nil {
		fail(w, r, err)
		return
	}
	tag := etag(rec.RecordMeta().Version)
	w.Header().Set("ETag", tag)
	if r.Header.Get("If-None-Match") == tag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

func (c *collection[T, P]) patch(w http.ResponseWriter, r *http.Request) {
	version, err := ifMatch(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	body, err := c.api.readBody(w, r)
	if err != nil {
		fail(w, r, err)
		return
	}
	patch, err := parsePatch(body)
	if err != nil {
		fail(w, r, err)
		return
	}
	rec, err := store.Update(r.Context(), c.api.store, mux.Vars(r)["id"], version, func(cur P) error {
		synced, ok := any(cur).(model.DAVSynced)
		var keep model.DAVLink
		if ok {
			keep = *synced.DAVInfo()
		}
		err := applyMergePatch(cur, patch)
		if ok { // only DAV clients write what they sent
			*synced.DAVInfo() = keep
		}
		return err
	})
	if err != nil {
		fail(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(rec.RecordMeta().Version))
	writeJSON(w, http.StatusOK, rec)
}

func (c *collection[T, P]) delete(w http.ResponseWriter, r *http.Request) {
	version, err := ifMatch(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	if err := store.Delete[T, P](r.Context(), c.api.store, mux.Vars(r)["id"], version); err != nil {
		fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (c *collection[T, P]) history(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := mux.Vars(r)["id"]
	if _, err := store.Get[T, P](ctx, c.api.store, id); err != nil {
		fail(w, r, err)
		return
	}
	changes, err := c.api.store.History(ctx, store.EntityOf[T, P](), id)
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": changes})
}

// reservedParams are list parameters that are not equality filters.
var reservedParams = map[string]bool{"limit": true, "cursor": true, "sort": true, "q": true}

func listParams(r *http.Request) (store.ListParams, error) {
	q := r.URL.Query()
	p := store.ListParams{Cursor: q.Get("cursor"), Sort: q.Get("sort"), Q: q.Get("q"), Equals: map[string]string{}}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return p, fieldError("limit", "must be a number from 1 to 500")
		}
		p.Limit = n
	}
	for k, v := range q {
		if !reservedParams[k] {
			p.Equals[k] = v[len(v)-1]
		}
	}
	return p, nil
}

// parsePatch reads an RFC 7396 merge patch, which must be a JSON object.
func parsePatch(body []byte) (map[string]any, error) {
	if !json.Valid(body) {
		return nil, model.Errorf(model.EMALFORMED, "the body is not valid JSON")
	}
	var patch map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&patch); err != nil || patch == nil {
		return nil, model.Errorf(model.EINVALID, "a merge patch must be a JSON object")
	}
	return patch, nil
}

// applyMergePatch merges patch into cur's JSON form and decodes the result
// strictly back into cur. Fields hidden from JSON (password hashes, sort
// keys) keep their values; server-owned fields are restored by the store.
func applyMergePatch[P any](cur P, patch map[string]any) error {
	b, err := json.Marshal(cur)
	if err != nil {
		return err
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return err
	}
	merged, err := json.Marshal(mergePatch(doc, patch))
	if err != nil {
		return err
	}
	fresh := reflect.New(reflect.TypeOf(cur).Elem())
	if err := decodeBytes(merged, fresh.Interface()); err != nil {
		return err
	}
	carryHidden(fresh.Elem(), reflect.ValueOf(cur).Elem())
	reflect.ValueOf(cur).Elem().Set(fresh.Elem())
	return nil
}

// mergePatch implements RFC 7396.
func mergePatch(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
		} else {
			tm[k] = mergePatch(tm[k], v)
		}
	}
	return tm
}

// carryHidden copies fields tagged json:"-" from src to dst.
func carryHidden(dst, src reflect.Value) {
	t := dst.Type()
	for i := 0; i < t.NumField(); i++ {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); tag == "-" {
			dst.Field(i).Set(src.Field(i))
		}
	}
}
