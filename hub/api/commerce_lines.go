package api

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"rapport/model"
	"rapport/model/store"
)

// LinesReplace is the body of PUT …/lines: the document's new lines, in order.
type LinesReplace struct {
	Lines []model.LineInput `json:"lines"`
}

// mountLines serves …/{id}/lines. Every write recalculates the document's
// totals and stores them with its next version (If-Match takes the
// document's ETag, and each answer carries the new one).
func (p *pricedResource[T, P]) mountLines(r *mux.Router) {
	a, tag := p.c.api, p.c.tag
	lines, one := p.c.path+"/{id}/lines", p.c.path+"/{id}/lines/{line_id}"
	noun := strings.TrimSuffix(strings.TrimPrefix(p.c.path, "/"), "s")
	op := func(id, summary, request, schema string, status int) operation {
		return operation{id: id + "_" + noun + "_lines", tag: tag, kind: opCustom, summary: summary, request: request, schema: schema, status: status}
	}
	a.handle(r, http.MethodGet, lines, op("list", "Every line in order", "", "LinePage", 0), p.listLines)
	a.handle(r, http.MethodPost, lines, op("add", "Add a line (price from the price list, tax from the product unless given)", "LineInput", "Line", http.StatusCreated), p.addLine)
	a.handle(r, http.MethodPut, lines, op("replace", "Replace every line at once", "LinesReplace", "LinePage", 0), p.replaceLines)
	a.handle(r, http.MethodPost, lines+"/batch", op("batch", "Set quantity, discount or tax on many lines at once (all or nothing)", "LineBatch", "LinePage", 0), p.batchLines)
	a.handle(r, http.MethodGet, one, op("get", "One line", "", "Line", 0), p.getLine)
	a.handle(r, http.MethodPatch, one, op("patch", "Change a line (fields left out stay)", "LineInput", "Line", 0), p.patchLine)
	a.handle(r, http.MethodDelete, one, op("delete", "Remove a line", "", "", http.StatusNoContent), p.deleteLine)
}

func (p *pricedResource[T, P]) listLines(w http.ResponseWriter, r *http.Request) {
	lines, err := store.Lines[T, P](r.Context(), p.c.api.store, mux.Vars(r)["id"])
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, LinePage{Items: lines})
}

func (p *pricedResource[T, P]) getLine(w http.ResponseWriter, r *http.Request) {
	lines, err := store.Lines[T, P](r.Context(), p.c.api.store, mux.Vars(r)["id"])
	if err != nil {
		fail(w, r, err)
		return
	}
	if l := findLine(lines, mux.Vars(r)["line_id"]); l != nil {
		writeJSON(w, http.StatusOK, l)
		return
	}
	fail(w, r, model.Errorf(model.ENOTFOUND, "no such line"))
}

func findLine(lines []model.Line, id string) *model.Line {
	for i := range lines {
		if lines[i].ID == id {
			return &lines[i]
		}
	}
	return nil
}

func (p *pricedResource[T, P]) addLine(w http.ResponseWriter, r *http.Request) {
	var in model.LineInput
	if err := p.c.api.decodeStrict(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	p.editLines(w, r, store.LineEdit{Add: []model.LineInput{in}}, func(doc P, lines []model.Line) (int, any) {
		added := &lines[len(lines)-1]
		w.Header().Set("Location", Prefix+p.c.path+"/"+doc.RecordMeta().ID+"/lines/"+added.ID)
		return http.StatusCreated, added
	})
}

func (p *pricedResource[T, P]) patchLine(w http.ResponseWriter, r *http.Request) {
	var in model.LineInput
	if err := p.c.api.decodeStrict(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	id := mux.Vars(r)["line_id"]
	p.editLines(w, r, store.LineEdit{Change: map[string]model.LineInput{id: in}}, func(_ P, lines []model.Line) (int, any) {
		return http.StatusOK, findLine(lines, id)
	})
}

func (p *pricedResource[T, P]) deleteLine(w http.ResponseWriter, r *http.Request) {
	p.editLines(w, r, store.LineEdit{Remove: []string{mux.Vars(r)["line_id"]}}, func(P, []model.Line) (int, any) {
		return http.StatusNoContent, nil
	})
}

func (p *pricedResource[T, P]) replaceLines(w http.ResponseWriter, r *http.Request) {
	var in LinesReplace
	if err := p.c.api.decodeStrict(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	p.editLines(w, r, store.LineEdit{Replace: true, Add: in.Lines}, allLines[P])
}

func (p *pricedResource[T, P]) batchLines(w http.ResponseWriter, r *http.Request) {
	var in model.LineBatch
	if err := p.c.api.decodeStrict(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	if err := in.Check(); err != nil {
		fail(w, r, err)
		return
	}
	p.editLines(w, r, store.BatchEdit(in), allLines[P])
}

func allLines[P any](_ P, lines []model.Line) (int, any) {
	return http.StatusOK, LinePage{Items: lines}
}

// editLines applies edit under the document's If-Match and answers with
// what answer picks from the result, with the document's new ETag.
func (p *pricedResource[T, P]) editLines(w http.ResponseWriter, r *http.Request, edit store.LineEdit, answer func(P, []model.Line) (int, any)) {
	version, err := ifMatch(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	doc, lines, err := store.EditLines[T, P](r.Context(), p.c.api.store, mux.Vars(r)["id"], version, edit)
	if err != nil {
		fail(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(doc.RecordMeta().Version))
	status, body := answer(doc, lines)
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	writeJSON(w, status, body)
}
