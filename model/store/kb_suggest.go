package store

import (
	"context"
	"slices"
	"strings"
	"unicode"

	"rapport/model"
)

// Limits of answer-book suggestions for a request.
const (
	// MaxKBSuggestions is the most suggestions one call returns.
	MaxKBSuggestions = 20
	// maxSuggestTerms caps the words a suggestion query looks for: a long
	// description would otherwise make a query the parser refuses (64
	// terms) and a slow one.
	maxSuggestTerms = 24
	// maxIndexedWordRunes is the longest word the index holds (longer
	// "words" are hashes or base64, left out of the index and of queries).
	maxIndexedWordRunes = 64
)

// kbStopWords are English and Russian words too common to say what a
// request is about, folded as the index folds words (lower case, ё as е).
var kbStopWords = func() map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.Fields(`a about after again all also am an and any are as at be been before being but by
can cannot could dear did do does doing don done for from get gets got had has have having he hello help her here hi his how i if in
into is it its just me more most my no nor not now of off on once only or other our out over please same she should
so some still such than thank thanks that the their them then there these they this those to too try tried under until
up us very was we were what when where which while who why will with would you your
а без бы был была были было в вам вас весь во вот все всё вы где да для до добрый его ее её если есть еще ещё же за здравствуйте
и из или им их к как когда кто ли мне мы на не нет ни но ну о об однако он она они оно от по помогите пожалуйста при с со спасибо
так также там те то тоже только у уже хотя чем что чтобы эта эти это этот я`) {
		out[strings.ReplaceAll(w, "ё", "е")] = true
	}
	return out
}()

// SuggestKB returns the published answer-book articles most likely to
// answer a request, best first: an OR query of the significant words of
// its subject and description (see suggestTerms), ranked as a search ranks
// it, the articles of the request's product before the others. Articles of
// every visibility are suggested (agents see them all); articles already
// linked to the request are not. A request without a significant word
// gets an empty list.
func (s *Store) SuggestKB(ctx context.Context, requestID string, limit int) (*model.KBSearchResult, error) {
	if !model.ActorFrom(ctx).IsStaff() {
		return nil, model.Errorf(model.EFORBIDDEN, "staff only")
	}
	if limit < 1 || limit > MaxKBSuggestions {
		return nil, fieldErr("limit", "from 1 to 20")
	}
	r, err := Get[model.Request](ctx, s, requestID)
	if err != nil {
		return nil, err
	}
	res := &model.KBSearchResult{Items: []model.KBHit{}, Ranking: "relevance"}
	terms := suggestTerms(r.Subject, r.Description)
	if len(terms) == 0 {
		return res, nil
	}
	q, err := model.ParseKBQuery(suggestQuery(terms))
	if err != nil {
		return nil, err
	}
	k := kbSearch{query: q, params: model.KBSearchParams{Limit: limit, Status: model.KBPublished},
		where: []kbCond{{"a.id NOT IN (SELECT article_id FROM kb_article_requests WHERE request_id = ?)", []any{r.ID}}}}
	if r.ProductID == nil {
		return s.runKBSearch(ctx, k)
	}
	return s.suggestProductFirst(ctx, k, *r.ProductID)
}

// suggestProductFirst runs a suggestion search twice: over the product's
// articles, then, for the places left, over the others. The ranking is
// "recency" when either ran by recency.
func (s *Store) suggestProductFirst(ctx context.Context, k kbSearch, productID string) (*model.KBSearchResult, error) {
	own := k
	own.params.ProductID = productID
	res, err := s.runKBSearch(ctx, own)
	if err != nil || len(res.Items) == k.params.Limit {
		return res, err
	}
	others := k
	others.params.Limit -= len(res.Items)
	others.where = append(slices.Clip(k.where), kbCond{"(a.product_id IS NULL OR a.product_id <> ?)", []any{productID}})
	more, err := s.runKBSearch(ctx, others)
	if err != nil {
		return nil, err
	}
	res.Items = append(res.Items, more.Items...)
	if more.Ranking == "recency" {
		res.Ranking = more.Ranking
	}
	return res, nil
}

// suggestTerms returns the significant words of a request, one per stem:
// its subject's in order, then its description's, most frequent first.
// Stop words, numbers, single letters and words too long to index are
// left out, and at most maxSuggestTerms are kept.
func suggestTerms(subject, description string) []string {
	type term struct {
		word  string
		count int
		first int // position of the first occurrence, subject first
	}
	inSubject := len(requestWords(subject))
	byStem := map[string]*term{}
	var terms []*term
	for i, w := range requestWords(subject + "\n" + description) {
		stem := model.KBStem(w)
		if t := byStem[stem]; t != nil {
			t.count++
			continue
		}
		t := &term{word: w, count: 1, first: i}
		byStem[stem] = t
		terms = append(terms, t)
	}
	slices.SortStableFunc(terms, func(a, b *term) int {
		inA, inB := a.first < inSubject, b.first < inSubject
		switch {
		case inA != inB:
			if inA {
				return -1
			}
			return 1
		case inA:
			return a.first - b.first
		}
		return b.count - a.count
	})
	out := make([]string, 0, min(len(terms), maxSuggestTerms))
	for _, t := range terms[:min(len(terms), maxSuggestTerms)] {
		out = append(out, t.word)
	}
	return out
}

// suggestQuery ORs the terms, each quoted so that none is read as an
// operator, as many as the parser's length limit takes.
func suggestQuery(terms []string) string {
	var b strings.Builder
	for _, t := range terms {
		part := `"` + t + `"`
		if b.Len() > 0 {
			part = " OR " + part
		}
		if b.Len()+len(part) > model.MaxKBQueryBytes {
			break
		}
		b.WriteString(part)
	}
	return b.String()
}

// requestWords splits text into folded words (runs of letters and digits,
// as the index splits them) that may say what a request is about.
func requestWords(text string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		w = strings.ReplaceAll(strings.ToLower(w), "ё", "е")
		n := len([]rune(w))
		if n < 2 || n > maxIndexedWordRunes || kbStopWords[w] || strings.IndexFunc(w, unicode.IsLetter) < 0 {
			continue
		}
		out = append(out, w)
	}
	return out
}
