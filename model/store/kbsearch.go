package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"rapport/model"
	"rapport/model/migrate"
)

// kbSnippetWords is how many words of the answer a hit's snippet shows.
const kbSnippetWords = 30

// kbMatch is the SQL that finds the articles a compiled query matches, per
// engine: it yields kb_article_text rows aliased d, with a score (lower is
// better on both: bm25 is negative, ts_rank_cd is negated).
//
// The walk newest first is forced on SQLite, whose planner otherwise sorts
// every match (or every article, once a filter is added): the articles are
// the outer loop (CROSS JOIN), read in kb_articles_updated order (INDEXED
// BY) up to the page's last hit, and the unary + stops the planner from
// probing the text's index with every matching document for each article
// (seconds over 50,000 matches), so the matches are read once into a list.
type kbMatch struct {
	docs   string // the index's matching documents, at most ? of them
	from   string // FROM … with the match condition's placeholder
	score  string
	filter string // the match as a filter on articles a joined to their text d
	newest string // articles a joined to their text d, to walk newest first
}

var kbMatches = map[string]kbMatch{
	migrate.SQLite: {docs: "SELECT 1 FROM kb_fts WHERE kb_fts MATCH ? LIMIT ?",
		from:  "kb_fts JOIN kb_article_text d ON d.doc = kb_fts.rowid JOIN kb_articles a ON a.id = d.article_id AND kb_fts MATCH ?",
		score: "bm25(kb_fts)", filter: "+d.doc IN (SELECT rowid FROM kb_fts WHERE kb_fts MATCH ?)",
		newest: "kb_articles a INDEXED BY kb_articles_updated CROSS JOIN kb_article_text d ON d.article_id = a.id"},
	migrate.Postgres: {docs: "SELECT 1 FROM kb_article_text d WHERE d.tsv @@ to_tsquery('simple', ?) LIMIT ?",
		from:  "kb_article_text d JOIN kb_articles a ON a.id = d.article_id AND d.tsv @@ to_tsquery('simple', ?)",
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
	return s.runKBSearch(ctx, kbSearch{query: q, params: p})
}

// kbSearch is a parsed search to run: its query, its filters and limit,
// and conditions on the articles a that the caller adds.
type kbSearch struct {
	query  *model.KBQuery
	params model.KBSearchParams
	where  []kbCond
}

// kbCond is an SQL condition with its arguments.
type kbCond struct {
	sql  string
	args []any
}

// conditions is the search's WHERE on articles a (live ones, its filters,
// the caller's conditions) with its arguments.
func (k *kbSearch) conditions() (string, []any) {
	conds, args := []string{"a.deleted_at IS NULL"}, []any{}
	for _, f := range []struct{ col, value string }{{"a.product_id", k.params.ProductID}, {"a.category", k.params.Category},
		{"a.visibility", k.params.Visibility}, {"a.status", k.params.Status}} {
		if f.value != "" {
			conds, args = append(conds, f.col+" = ?"), append(args, f.value)
		}
	}
	for _, c := range k.where {
		conds, args = append(conds, "("+c.sql+")"), append(args, c.args...)
	}
	return strings.Join(conds, " AND "), args
}

// runKBSearch finds a search's hits and loads them.
func (s *Store) runKBSearch(ctx context.Context, k kbSearch) (*model.KBSearchResult, error) {
	compiled := k.query.FTS5()
	if s.engine == migrate.Postgres {
		compiled = k.query.TSQuery()
	}
	m := kbMatches[s.engine]
	where, whereArgs := k.conditions()
	n, err := s.kbMatchCount(ctx, m, compiled, where, whereArgs)
	if err != nil {
		return nil, err
	}
	res := &model.KBSearchResult{Items: []model.KBHit{}, Ranking: "relevance"}
	query := "SELECT a.id, " + m.score + " AS score FROM " + m.from + " WHERE " + where + " ORDER BY score, a.updated_at DESC, a.id LIMIT ?"
	args := slices.Concat(scoreArgs(s.engine, compiled), []any{compiled}, whereArgs, []any{k.params.Limit})
	if n > model.KBRankLimit {
		// Walk the articles newest first and keep the matching ones: with
		// so many matches, the first page comes quickly.
		res.Ranking = "recency"
		query = "SELECT a.id, 0 FROM " + m.newest + " WHERE " + where + " AND " + m.filter + " ORDER BY a.updated_at DESC, a.id LIMIT ?"
		args = slices.Concat(whereArgs, []any{compiled, k.params.Limit})
	}
	var ids []string
	scores := map[string]float64{}
	err = s.kbRows(ctx, query, args, func(rows *sql.Rows) error {
		var id string
		var score float64
		err := rows.Scan(&id, &score)
		ids, scores[id] = append(ids, id), -score
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, s.kbHits(ctx, res, ids, scores, k.query)
}

// kbMatchCount counts a search's matches, up to one more than
// model.KBRankLimit: the index's matching documents first, which no join
// slows down and which are never fewer than the articles they lead to;
// only when those are too many, the articles that pass the filters.
func (s *Store) kbMatchCount(ctx context.Context, m kbMatch, compiled, where string, args []any) (int64, error) {
	var n int64
	scan := func(rows *sql.Rows) error { return rows.Scan(&n) }
	err := s.kbRows(ctx, "SELECT count(*) FROM ("+m.docs+") AS m", []any{compiled, model.KBRankLimit + 1}, scan)
	if err != nil || n <= model.KBRankLimit {
		return n, err
	}
	err = s.kbRows(ctx, "SELECT count(*) FROM (SELECT 1 FROM "+m.from+" WHERE "+where+" LIMIT ?) AS m",
		slices.Concat([]any{compiled}, args, []any{model.KBRankLimit + 1}), scan)
	return n, err
}

// kbRows runs one of a search's statements and calls scan for each row.
// On PostgreSQL the statement is planned for its actual arguments every
// time (queryFresh): the same SQL finds 20 articles or 50,000 depending on
// the words bound to it, and the generic plan PostgreSQL keeps after five
// runs suits only one kind (a broad query run on the plan for rare words
// reads every match: the counts took six times as long).
func (s *Store) kbRows(ctx context.Context, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := s.queryFresh(ctx, query, args...)
	if err != nil {
		return dbErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return dbErr(err)
		}
	}
	return dbErr(rows.Err())
}

// scoreArgs are the score expression's parameters (the tsquery again on
// PostgreSQL; bm25 takes none).
func scoreArgs(engine, compiled string) []any {
	if engine == migrate.Postgres {
		return []any{compiled}
	}
	return nil
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
