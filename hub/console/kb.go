package console

import (
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"rapport/hub/problem"
	"rapport/model"
	"rapport/model/store"
)

// Answer-book page sizes.
const (
	kbHits   = 50 // search hits shown (the API allows up to 100)
	kbLatest = 50 // newest articles shown without a query
)

// kbData is the answer-book search page.
type kbData struct {
	Q, Status, Visibility string
	Statuses              []string
	Visibilities          []string
	Searched              bool
	Hits                  []model.KBHit
	Ranking               string
	Latest                []*model.KBArticle // without a query: the newest articles
	Error                 string             // why the query was refused
	CanWrite              bool
}

// canWriteKB reports whether the signed-in user may write articles: the
// API's policy (model.CanWrite), which the store checks again on the write.
func canWriteKB(r *http.Request) bool {
	return model.CanWrite(model.ActorFrom(r.Context()), "kb_article", "", "")
}

// kb searches the answer book with the API's boolean syntax (words, AND,
// OR, NOT or -, "phrases", prefix*, parentheses) through store.SearchKB,
// which builds the highlighted snippets; without a query it lists the
// newest articles.
func (c *Console) kb(w http.ResponseWriter, r *http.Request) {
	p := c.newPage(r, "kb")
	p.Title = p.T("kb.title")
	v := r.URL.Query()
	d := &kbData{Q: strings.TrimSpace(v.Get("q")), Status: v.Get("status"), Visibility: v.Get("visibility"),
		Statuses: model.KBStatuses, Visibilities: model.KBVisibilities, CanWrite: canWriteKB(r)}
	if !slices.Contains(model.KBStatuses, d.Status) {
		d.Status = ""
	}
	if !slices.Contains(model.KBVisibilities, d.Visibility) {
		d.Visibility = ""
	}
	p.Data, p.Done = d, doneKey(r)
	status := http.StatusOK
	if d.Q != "" {
		d.Searched = true
		res, err := c.cfg.Store.SearchKB(r.Context(), model.KBSearchParams{Q: d.Q, Limit: kbHits, Status: d.Status, Visibility: d.Visibility})
		switch model.ErrorCode(err) {
		case "":
			d.Hits, d.Ranking = res.Items, res.Ranking
		case model.EINVALID:
			status, d.Error = http.StatusUnprocessableEntity, queryProblem(err)
		default:
			c.fail(w, r, err)
			return
		}
	} else {
		eq := map[string]string{}
		if d.Status != "" {
			eq["status"] = d.Status
		}
		if d.Visibility != "" {
			eq["visibility"] = d.Visibility
		}
		pg, err := store.List[model.KBArticle](r.Context(), c.cfg.Store, store.ListParams{Limit: kbLatest, Sort: "-updated_at", Equals: eq})
		if err != nil {
			c.fail(w, r, err)
			return
		}
		d.Latest = pg.Items
	}
	if partialTarget(r, "results") {
		p.Partial = "kb-results"
	}
	c.render(w, r, status, "kb", p)
}

// queryProblem is the parser's message about a search query.
func queryProblem(err error) string {
	var e *model.Error
	if errors.As(err, &e) {
		if m, ok := e.Fields["q"]; ok {
			return m
		}
		for _, m := range e.Fields {
			return m
		}
		return e.Message
	}
	return model.ErrorMessage(err)
}

// kbArticleData is an article's page.
type kbArticleData struct {
	Article  *model.KBArticle
	Answer   template.HTML // the stored, sanitised rendering
	CanWrite bool
}

// kbArticle shows an article as the API's GET /kb/articles/{id} reads it.
func (c *Console) kbArticle(w http.ResponseWriter, r *http.Request) {
	a, err := store.Get[model.KBArticle](r.Context(), c.cfg.Store, mux.Vars(r)["id"])
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := c.newPage(r, "kb")
	p.Title, p.Done = a.Question, doneKey(r)
	p.Data = kbArticleData{Article: a, Answer: sanitised(a.AnswerHTML), CanWrite: canWriteKB(r)}
	c.render(w, r, http.StatusOK, "kb_article", p)
}

// sanitised trusts HTML that model.RenderMarkdown rendered and sanitised
// (bluemonday) on the article's write.
func sanitised(s string) template.HTML { return template.HTML(s) } //nolint:gosec // sanitised by the model

// kbForm is the article editor's form.
type kbForm struct {
	ID, Question, Answer, Category, Tags, Visibility, Status string
	Version                                                  int64
	Visibilities, Statuses                                   []string
	Errors                                                   map[string]string // field → the store's message
	Refused                                                  string
	Preview                                                  template.HTML
	Previewed                                                bool
}

// kbNew opens the editor for a new article.
func (c *Console) kbNew(w http.ResponseWriter, r *http.Request) {
	if !canWriteKB(r) {
		c.fail(w, r, model.Errorf(model.EFORBIDDEN, "you may not write articles"))
		return
	}
	c.renderKBEditor(w, r, http.StatusOK, &kbForm{Visibility: model.KBInternal, Status: model.KBDraft})
}

// kbEdit opens the editor on an article's current version.
func (c *Console) kbEdit(w http.ResponseWriter, r *http.Request) {
	a, err := store.Get[model.KBArticle](r.Context(), c.cfg.Store, mux.Vars(r)["id"])
	if err == nil && !canWriteKB(r) {
		err = model.Errorf(model.EFORBIDDEN, "you may not write articles")
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.renderKBEditor(w, r, http.StatusOK, &kbForm{ID: a.ID, Version: a.Version, Question: a.Question, Answer: a.Answer,
		Category: a.Category, Tags: strings.Join(a.Tags, ", "), Visibility: a.Visibility, Status: a.Status})
}

// renderKBEditor draws the editor with f.
func (c *Console) renderKBEditor(w http.ResponseWriter, r *http.Request, status int, f *kbForm) {
	p := c.newPage(r, "kb")
	if f.ID == "" {
		p.Title = p.T("kb.new")
	} else {
		p.Title = p.T("kb.edit.title", f.Question)
	}
	f.Visibilities, f.Statuses = model.KBVisibilities, model.KBStatuses
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	p.Data = f
	if partialTarget(r, "preview") {
		p.Partial = "kb-preview"
	}
	c.render(w, r, status, "kb_edit", p)
}

// saveKBArticle previews the form's answer (the Preview button, or an htmx
// request for #preview: nothing is written), or creates the article
// (POST /kb/articles, as the API's POST /kb/articles) or updates it with
// the version the editor was opened on (POST /kb/articles/{id}, as the
// API's PATCH with If-Match). A refused write draws the editor again with
// what was typed.
func (c *Console) saveKBArticle(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f := &kbForm{ID: mux.Vars(r)["id"], Question: r.PostFormValue("question"), Answer: r.PostFormValue("answer"),
		Category: r.PostFormValue("category"), Tags: r.PostFormValue("tags"),
		Visibility: r.PostFormValue("visibility"), Status: r.PostFormValue("status")}
	if r.PostFormValue("preview") != "" || partialTarget(r, "preview") {
		if len(f.Answer) > model.MaxKBAnswerBytes {
			f.Errors = map[string]string{"answer": "at most 100 KiB"}
		} else {
			f.Preview, f.Previewed = sanitised(model.RenderMarkdown(f.Answer)), true
		}
		if f.ID != "" {
			f.Version, _ = strconv.ParseInt(r.PostFormValue("version"), 10, 64)
		}
		c.renderKBEditor(w, r, http.StatusOK, f)
		return
	}
	tags := splitTags(f.Tags)
	var err error
	switch {
	case !canWriteKB(r):
		err = model.Errorf(model.EFORBIDDEN, "you may not write articles")
	case f.ID == "":
		a := &model.KBArticle{Question: f.Question, Answer: f.Answer, Category: f.Category, Tags: tags,
			Visibility: f.Visibility, Status: f.Status}
		if err = store.Create(ctx, c.cfg.Store, a); err == nil {
			seeOther(w, r, "/kb/articles/"+a.ID, "saved")
			return
		}
	default:
		if f.Version, err = formVersion(r.PostFormValue("version")); err != nil {
			break
		}
		_, err = store.Update(ctx, c.cfg.Store, f.ID, f.Version, func(a *model.KBArticle) error {
			a.Question, a.Answer, a.Category, a.Tags, a.Visibility, a.Status = f.Question, f.Answer, f.Category, tags, f.Visibility, f.Status
			return nil
		})
		if err == nil {
			seeOther(w, r, "/kb/articles/"+f.ID, "saved")
			return
		}
	}
	code := model.ErrorCode(err)
	if code == model.ENOTFOUND || code == model.EINTERNAL {
		c.fail(w, r, err)
		return
	}
	p := c.newPage(r, "kb")
	f.Refused = refusal(p.view, err)
	var e *model.Error
	if errors.As(err, &e) {
		f.Errors = e.Fields
	}
	c.renderKBEditor(w, r, problem.Status(code), f)
}

// splitTags reads the comma-separated tags field.
func splitTags(s string) []string {
	var out []string
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}
