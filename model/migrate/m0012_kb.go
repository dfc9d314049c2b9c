package migrate

// m0012KB is the answer book: articles, their votes, daily view counters,
// the requests they solved, and the full-text index of their stemmed text
// (kb_article_text, filled by the store in each write's transaction): FTS5
// over it on SQLite, kept in step by triggers; a GIN-indexed `simple`
// tsvector generated from it on PostgreSQL.
const m0012KB = `
CREATE TABLE kb_articles (
	{{meta}},
	question VARCHAR(500) NOT NULL,
	answer TEXT NOT NULL,
	answer_html TEXT NOT NULL,
	product_id VARCHAR(36),
	category VARCHAR(100) NOT NULL DEFAULT '',
	tags {{json}},
	visibility VARCHAR(16) NOT NULL,
	status VARCHAR(16) NOT NULL,
	published_at {{ts}},
	request_ids {{json}},
	view_count BIGINT NOT NULL DEFAULT 0
)
;
CREATE INDEX kb_articles_updated ON kb_articles (updated_at)
;
CREATE INDEX kb_articles_category ON kb_articles (category)
;
CREATE INDEX kb_articles_product ON kb_articles (product_id)
;
CREATE TABLE kb_article_requests (
	article_id VARCHAR(36) NOT NULL,
	request_id VARCHAR(36) NOT NULL,
	PRIMARY KEY (article_id, request_id)
)
;
CREATE INDEX kb_article_requests_request ON kb_article_requests (request_id)
;
CREATE TABLE kb_votes (
	{{meta}},
	article_id VARCHAR(36) NOT NULL,
	user_id VARCHAR(36) NOT NULL,
	helpful BOOLEAN NOT NULL,
	comment TEXT NOT NULL DEFAULT ''
)
;
CREATE UNIQUE INDEX kb_votes_one ON kb_votes (article_id, user_id)
;
CREATE INDEX kb_votes_updated ON kb_votes (updated_at)
;
CREATE TABLE kb_article_views (
	article_id VARCHAR(36) NOT NULL,
	on_day VARCHAR(10) NOT NULL,
	views BIGINT NOT NULL,
	PRIMARY KEY (article_id, on_day)
)
;
CREATE INDEX kb_article_views_day ON kb_article_views (on_day)
;
--only sqlite
CREATE TABLE kb_article_text (
	doc INTEGER PRIMARY KEY,
	article_id VARCHAR(36) NOT NULL UNIQUE,
	body TEXT NOT NULL
)
;
--only sqlite
CREATE VIRTUAL TABLE kb_fts USING fts5(body, content='kb_article_text', content_rowid='doc', tokenize='unicode61 remove_diacritics 0')
;
--only sqlite
CREATE TRIGGER kb_article_text_ai AFTER INSERT ON kb_article_text BEGIN
	INSERT INTO kb_fts (rowid, body) VALUES (new.doc, new.body);
END
;
--only sqlite
CREATE TRIGGER kb_article_text_ad AFTER DELETE ON kb_article_text BEGIN
	INSERT INTO kb_fts (kb_fts, rowid, body) VALUES ('delete', old.doc, old.body);
END
;
--only sqlite
CREATE TRIGGER kb_article_text_au AFTER UPDATE ON kb_article_text BEGIN
	INSERT INTO kb_fts (kb_fts, rowid, body) VALUES ('delete', old.doc, old.body);
	INSERT INTO kb_fts (rowid, body) VALUES (new.doc, new.body);
END
;
--only postgres
CREATE TABLE kb_article_text (
	doc BIGSERIAL PRIMARY KEY,
	article_id VARCHAR(36) NOT NULL UNIQUE,
	body TEXT NOT NULL,
	tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED
)
;
--only postgres
CREATE INDEX kb_article_text_tsv ON kb_article_text USING GIN (tsv)
`
