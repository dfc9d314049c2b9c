package api

import (
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"rapport/model"
)

// KBVoteRequest is the body of a vote on an answer-book article.
type KBVoteRequest struct {
	Helpful *bool  `json:"helpful"`
	Comment string `json:"comment"`
}

// KBVersionList lists an article's versions, oldest first.
type KBVersionList struct {
	Items []model.KBArticleVersion `json:"items"`
}

// KBViewCount is an article's view counter after a view.
type KBViewCount struct {
	ViewCount int64 `json:"view_count"`
}

// mountKB serves the answer book: articles with their versions, views and
// votes, full-text search, and suggestions for a request.
func (a *API) mountKB(r *mux.Router) {
	// Before the collection's own delete, which would leave the article's
	// search text behind.
	a.handle(r, http.MethodDelete, "/kb/articles/{id}", operation{id: "delete_kb_article", tag: "Answer book", kind: opDelete,
		summary: "Delete an article (and its search index entry)"}, a.deleteKBArticle)
	(&collection[model.KBArticle, *model.KBArticle]{api: a, path: "/kb/articles", tag: "Answer book",
		filters: "product_id category visibility status"}).mount(r)
	a.handle(r, http.MethodGet, "/kb/articles/{id}/versions", operation{id: "list_kb_article_versions", tag: "Answer book",
		summary: "An article's versions, from the change feed", schema: "KBVersionList"}, a.kbVersions)
	a.handle(r, http.MethodPost, "/kb/articles/{id}/view", operation{id: "view_kb_article", tag: "Answer book", kind: opCustom,
		summary: "Count a view of an article (a counter: no new version, no feed row)", schema: "KBViewCount", status: http.StatusOK}, a.kbView)
	a.handle(r, http.MethodGet, "/kb/articles/{id}/votes", operation{id: "list_kb_article_votes", tag: "Answer book",
		summary: "An article's helpful / not helpful votes", schema: "KBVoteSummary"}, a.kbVotes)
	a.handle(r, http.MethodPost, "/kb/articles/{id}/votes", operation{id: "vote_kb_article", tag: "Answer book", kind: opCustom,
		summary: "Vote on an article (again to change your vote)", request: "KBVoteRequest", schema: "KBVote"}, a.kbVote)
	a.handle(r, http.MethodGet, "/kb/search", operation{id: "search_kb", tag: "Answer book", kind: opCustom,
		summary: "Full-text search: words, AND, OR, NOT / -, \"phrases\", prefix*, parentheses; English and Russian word forms",
		schema:  "KBSearchResult", params: []string{"q", "limit", "product_id", "category", "visibility", "status"}}, a.kbSearch)
	a.handle(r, http.MethodGet, "/requests/{id}/kb-suggestions", operation{id: "suggest_kb_articles", tag: "Answer book",
		summary: "Published articles likely to answer a request (from its subject and description words), its product's first",
		schema:  "KBSearchResult", params: []string{"limit"}}, a.kbSuggest)
}

func (a *API) deleteKBArticle(w http.ResponseWriter, r *http.Request) {
	version, err := ifMatch(r)
	if err == nil {
		err = a.store.DeleteKBArticle(r.Context(), mux.Vars(r)["id"], version)
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) kbVersions(w http.ResponseWriter, r *http.Request) {
	items, err := a.store.KBArticleVersions(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, KBVersionList{Items: items})
}

func (a *API) kbView(w http.ResponseWriter, r *http.Request) {
	n, err := a.store.CountKBView(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, KBViewCount{ViewCount: n})
}

func (a *API) kbVotes(w http.ResponseWriter, r *http.Request) {
	sum, err := a.store.KBVotes(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sum)
}

func (a *API) kbVote(w http.ResponseWriter, r *http.Request) {
	var in KBVoteRequest
	if err := a.decodeStrict(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	if in.Helpful == nil {
		fail(w, r, fieldError("helpful", "required: true or false"))
		return
	}
	v, created, err := a.store.VoteKB(r.Context(), mux.Vars(r)["id"], *in.Helpful, in.Comment)
	if err != nil {
		fail(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, v)
}

func (a *API) kbSearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := model.KBSearchParams{Q: q.Get("q"), ProductID: q.Get("product_id"), Category: q.Get("category"),
		Visibility: q.Get("visibility"), Status: q.Get("status")}
	limit, err := limitParam(r, 20, "a number from 1 to 100")
	var res *model.KBSearchResult
	if err == nil {
		p.Limit = limit
		res, err = a.store.SearchKB(r.Context(), p)
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (a *API) kbSuggest(w http.ResponseWriter, r *http.Request) {
	limit, err := limitParam(r, 5, "a number from 1 to 20")
	var res *model.KBSearchResult
	if err == nil {
		res, err = a.store.SuggestKB(r.Context(), mux.Vars(r)["id"], limit)
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// limitParam reads the limit query parameter, def when absent; the store
// checks its range, hint says it when the value is not a number.
func limitParam(r *http.Request, def int, hint string) (int, error) {
	l := r.URL.Query().Get("limit")
	if l == "" {
		return def, nil
	}
	n, err := strconv.Atoi(l)
	if err != nil {
		return 0, fieldError("limit", hint)
	}
	return n, nil
}
