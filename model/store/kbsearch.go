package store

import (
	"context"

	"gorm.io/gorm"

	"rapport/model"
)

// kbSnippetWords is how many words of the answer a hit's snippet shows.
const kbSnippetWords = 30

// kbMatch is the SQL that finds the articles a compiled query matches, per
// engine: it yields kb_article_text rows aliased d, with a score (lower is
// better on both: bm25 is negative, ts_rank_cd is negated).
type kbMatch struct {
	from   string // FROM … with the match condition's placeholder
	score  string
	filter string // the match as a filter on articles a joined to their text d
	newest string // articles a joined to their text d, to walk newest first
}

var kbMatches = map[string]kbMatch{
	"sqlite": {from: "kb_fts JOIN kb_article_text d ON d.doc = kb_fts.rowid JOIN kb_articles a ON a.id = d.article_id AND kb_fts MATCH ?",
		score: "bm25(kb_fts)", filter: "d.doc IN (SELECT rowid FROM kb_fts WHERE kb_fts MATCH ?)",
		newest: "kb_articles a JOIN kb_article_text d ON d.article_id = a.id"},
	"postgres": {from: "kb_article_text d JOIN kb_articles a ON a.id = d.article_id AND d.tsv @@ to_tsquery('simple', ?)",
		score: "-ts_rank_cd(d.tsv, to_tsquery('simple', ?))", filter: "d.tsv @@ to_tsquery('simple', ?)",
		newest: "kb_articles a JOIN kb_article_text d ON d.article_id = a.id"},
}

// SearchKB runs a full-text search of the answer book: the query is parsed
// once, compiled for the engine and bound as a parameter; hits are ranked by
// relevance, or by recency when more than model.KBRankLimit match.
func (s *Store) SearchKB(ctx context.Context, p model.KBSearchParams) (*model.KBSearchResult, error) {
	if !model.ActorFrom(ctx).IsStaff() {
		return nil, model.Errorf(model.EFORBIDDEN, "staff only")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	q, err := model.ParseKBQuery(p.Q)
	if err != nil {
		return nil, err
	}
	compiled := q.FTS5()
	if s.engine == "postgres" {
		compiled = q.TSQuery()
	}
	m := kbMatches[s.engine]
	base := func() *gorm.DB {
		return kbFilters(s.conn(ctx).Table(m.from, compiled).Where("a.deleted_at IS NULL"), p)
	}
	var n int64
	if err := s.conn(ctx).Table("(?) AS m", base().Select("1").Limit(model.KBRankLimit+1)).Count(&n).Error; err != nil {
		return nil, dbErr(err)
	}
	res := &model.KBSearchResult{Items: []model.KBHit{}, Ranking: "relevance"}
	type ranked struct {
		ID    string
		Score float64
	}
	var rows []ranked
	sel := base().Limit(p.Limit)
	if n > model.KBRankLimit {
		// Walk the articles newest first and keep the matching ones: with
		// so many matches, the first page comes quickly.
		res.Ranking = "recency"
		sel = kbFilters(s.conn(ctx).Table(m.newest), p).
			Where("a.deleted_at IS NULL").Where(m.filter, compiled).Select("a.id AS id, 0 AS score").Order("a.updated_at DESC, a.id").Limit(p.Limit)
	} else {
		sel = sel.Select("a.id AS id, "+m.score+" AS score", scoreArgs(s.engine, compiled)...).Order("score, a.updated_at DESC, a.id")
	}
	if err := sel.Scan(&rows).Error; err != nil {
		return nil, dbErr(err)
	}
	ids := make([]string, len(rows))
	scores := map[string]float64{}
	for i, r := range rows {
		ids[i], scores[r.ID] = r.ID, -r.Score
	}
	return res, s.kbHits(ctx, res, ids, scores, q)
}

// scoreArgs are the score expression's parameters (the tsquery again on
// PostgreSQL; bm25 takes none).
func scoreArgs(engine, compiled string) []any {
	if engine == "postgres" {
		return []any{compiled}
	}
	return nil
}

// kbFilters adds the equality filters of a search.
func kbFilters(q *gorm.DB, p model.KBSearchParams) *gorm.DB {
	for col, v := range map[string]string{"a.product_id": p.ProductID, "a.category": p.Category,
		"a.visibility": p.Visibility, "a.status": p.Status} {
		if v != "" {
			q = q.Where(col+" = ?", v)
		}
	}
	return q
}

// kbHits loads the hit articles in rank order and highlights them.
func (s *Store) kbHits(ctx context.Context, res *model.KBSearchResult, ids []string, scores map[string]float64, q *model.KBQuery) error {
	if len(ids) == 0 {
		return nil
	}
	var arts []model.KBArticle
	if err := s.conn(ctx).Where("id IN ?", ids).Find(&arts).Error; err != nil {
		return dbErr(err)
	}
	byID := map[string]*model.KBArticle{}
	for i := range arts {
		byID[arts[i].ID] = &arts[i]
	}
	for _, id := range ids {
		a := byID[id]
		if a == nil {
			continue
		}
		res.Items = append(res.Items, model.KBHit{ID: a.ID, Question: a.Question, QuestionHTML: model.KBHighlight(a.Question, q, 0),
			Snippet: model.KBHighlight(model.KBPlain(a.Answer), q, kbSnippetWords), Category: a.Category, ProductID: a.ProductID,
			Visibility: a.Visibility, Status: a.Status, PublishedAt: a.PublishedAt, UpdatedAt: a.UpdatedAt, Score: scores[id]})
	}
	return nil
}
