package model

import (
	"bytes"
	"strings"
	"time"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
)

// Answer-book article visibilities: who outside the staff may read it once
// published (the portal issue serves customers and the public).
const (
	KBInternal  = "internal"
	KBCustomers = "customers"
	KBPublic    = "public"
)

// Answer-book article statuses.
const (
	KBDraft     = "draft"
	KBPublished = "published"
)

// KBVisibilities lists the valid visibilities.
var KBVisibilities = []string{KBInternal, KBCustomers, KBPublic}

// KBStatuses lists the valid statuses.
var KBStatuses = []string{KBDraft, KBPublished}

// Limits of an article's parts.
const (
	MaxKBAnswerBytes = 100 << 10
	maxKBTags        = 50
	maxKBRequestIDs  = 500
)

// KBArticle is an answer-book article: a question, its answer in Markdown
// (stored with its sanitised HTML rendering), where it applies, who may read
// it and the requests it solved. Its versions are its change-feed rows.
type KBArticle struct {
	Meta
	Question string `gorm:"size:500;not null" json:"question"`
	Answer   string `gorm:"not null" json:"answer"` // Markdown
	// AnswerHTML is Answer rendered and sanitised on every write: reads far
	// outnumber writes, and the feed snapshot (webhooks) carries it too.
	AnswerHTML  string     `gorm:"column:answer_html;not null" json:"answer_html"`
	ProductID   *string    `gorm:"size:36" json:"product_id"`
	Category    string     `gorm:"size:100;not null" json:"category"`
	Tags        []string   `gorm:"serializer:json" json:"tags"`
	Visibility  string     `gorm:"size:16;not null" json:"visibility"`
	Status      string     `gorm:"size:16;not null" json:"status"`
	PublishedAt *time.Time `json:"published_at"`
	// RequestIDs are the requests the article solved (plain ids: requests
	// live in another part of the desk); kb_article_requests indexes them.
	RequestIDs []string `gorm:"column:request_ids;serializer:json" json:"request_ids"`
	// ViewCount is a counter, bumped without a new version or feed row.
	ViewCount int64 `gorm:"not null" json:"view_count"`
}

// TableName keeps the table name explicit.
func (KBArticle) TableName() string { return "kb_articles" }

// Entity implements Record.
func (*KBArticle) Entity() string { return "kb_article" }

// Refs implements Referrer.
func (k *KBArticle) Refs() []Ref { return []Ref{{"product_id", "product", k.ProductID}} }

// KeepServerOwned implements ServerOwned: the publication time and the view
// counter are the server's.
func (k *KBArticle) KeepServerOwned(prev Record) {
	p := prev.(*KBArticle)
	k.PublishedAt, k.ViewCount = p.PublishedAt, p.ViewCount
}

// Normalize implements Record: it trims, applies defaults and renders the
// answer.
func (k *KBArticle) Normalize() {
	k.Question = strings.TrimSpace(k.Question)
	k.Category = strings.TrimSpace(k.Category)
	k.Visibility = lowerTrim(k.Visibility, KBInternal)
	k.Status = lowerTrim(k.Status, KBDraft)
	emptyToNil(&k.ProductID)
	k.Tags = nonNil(Dedupe(trimAll(k.Tags)))
	k.RequestIDs = nonNil(Dedupe(trimAll(k.RequestIDs)))
	k.AnswerHTML = RenderMarkdown(k.Answer)
}

// Validate implements Record.
func (k *KBArticle) Validate() error {
	fe := FieldErrors{}
	if k.Question == "" {
		fe.Add("question", "required")
	}
	if len(k.Question) > 500 {
		fe.Add("question", "at most 500 bytes")
	}
	if len(k.Answer) > MaxKBAnswerBytes {
		fe.Add("answer", "at most 100 KiB")
	}
	if len(k.Category) > 100 {
		fe.Add("category", "at most 100 bytes")
	}
	if !contains(KBVisibilities, k.Visibility) {
		fe.Add("visibility", "one of "+strings.Join(KBVisibilities, ", "))
	}
	if !contains(KBStatuses, k.Status) {
		fe.Add("status", "one of "+strings.Join(KBStatuses, ", "))
	}
	if len(k.Tags) > maxKBTags {
		fe.Add("tags", "at most 50 tags")
	}
	if len(k.RequestIDs) > maxKBRequestIDs {
		fe.Add("request_ids", "at most 500 requests")
	}
	for i, id := range k.RequestIDs {
		if !ValidID(id) {
			fe.Add("request_ids["+itoa(i)+"]", "not a valid id")
		}
	}
	validateRef(fe, "product_id", k.ProductID)
	return fe.Err()
}

// SearchKeys returns the question's words for the generic q= of the list.
func (k *KBArticle) SearchKeys() []SearchKey { return wordKeys(k.Question) }

// KBVote is one employee's helpful / not helpful verdict on an article, with
// an optional comment; one per user and article, changed by voting again.
type KBVote struct {
	Meta
	ArticleID string `gorm:"size:36;not null" json:"article_id"`
	UserID    string `gorm:"size:36;not null" json:"user_id"`
	Helpful   bool   `gorm:"not null" json:"helpful"`
	Comment   string `gorm:"not null" json:"comment"`
}

// TableName keeps the table name explicit.
func (KBVote) TableName() string { return "kb_votes" }

// Entity implements Record.
func (*KBVote) Entity() string { return "kb_vote" }

// Refs implements Referrer.
func (v *KBVote) Refs() []Ref {
	return []Ref{{"article_id", "kb_article", &v.ArticleID}, {"user_id", "user", &v.UserID}}
}

// KeepServerOwned implements ServerOwned: a vote stays its voter's, on its
// article.
func (v *KBVote) KeepServerOwned(prev Record) {
	p := prev.(*KBVote)
	v.ArticleID, v.UserID = p.ArticleID, p.UserID
}

// Normalize implements Record.
func (v *KBVote) Normalize() { v.Comment = strings.TrimSpace(v.Comment) }

// Validate implements Record.
func (v *KBVote) Validate() error {
	fe := FieldErrors{}
	if len(v.Comment) > 2000 {
		fe.Add("comment", "at most 2000 bytes")
	}
	validateRef(fe, "article_id", &v.ArticleID)
	if v.ArticleID == "" {
		fe.Add("article_id", "required")
	}
	return fe.Err()
}

var (
	markdown = goldmark.New()
	// ugc allows what user-written Markdown needs (links get rel=nofollow)
	// and drops scripts, styles and event handlers.
	ugc = bluemonday.UGCPolicy()
)

// RenderMarkdown renders Markdown to HTML safe to embed in a page: goldmark
// drops raw HTML, and bluemonday's UGC policy sanitises what remains.
func RenderMarkdown(md string) string {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(md), &buf); err != nil {
		return ugc.Sanitize(md)
	}
	return ugc.Sanitize(buf.String())
}

func lowerTrim(s, def string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return def
	}
	return s
}

func trimAll(list []string) []string {
	out := make([]string, 0, len(list))
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

// KBArticleVersion is one version of an article, read from the change feed:
// who made it, when, and the article as it then was.
type KBArticleVersion struct {
	Version int64     `json:"version"`
	Op      string    `json:"op"`
	Event   string    `json:"event,omitempty"`
	At      time.Time `json:"at"`
	ActorID string    `json:"actor_id,omitempty"`
	Actor   string    `json:"actor"`
	Article RawJSON   `json:"article"`
}

// KBVoteSummary counts an article's votes and lists them, newest first.
type KBVoteSummary struct {
	Helpful    int64    `json:"helpful"`
	NotHelpful int64    `json:"not_helpful"`
	Items      []KBVote `json:"items"`
}

// KBSearchParams are the query and filters of an answer-book search.
type KBSearchParams struct {
	Q          string
	Limit      int
	ProductID  string
	Category   string
	Visibility string
	Status     string
}

// Validate checks the filters and limit (the query is checked by parsing it).
func (p *KBSearchParams) Validate() error {
	fe := FieldErrors{}
	if p.Limit < 1 || p.Limit > 100 {
		fe.Add("limit", "from 1 to 100")
	}
	if p.Visibility != "" && !contains(KBVisibilities, p.Visibility) {
		fe.Add("visibility", "one of "+strings.Join(KBVisibilities, ", "))
	}
	if p.Status != "" && !contains(KBStatuses, p.Status) {
		fe.Add("status", "one of "+strings.Join(KBStatuses, ", "))
	}
	if p.ProductID != "" && !ValidID(p.ProductID) {
		fe.Add("product_id", "not a valid id")
	}
	return fe.Err()
}

// KBHit is one search result: the article's headline fields, its score and
// highlighted text (HTML-escaped, matches in <mark>).
type KBHit struct {
	ID           string     `json:"id"`
	Question     string     `json:"question"`
	QuestionHTML string     `json:"question_html"`
	Snippet      string     `json:"snippet"`
	Category     string     `json:"category"`
	ProductID    *string    `json:"product_id"`
	Visibility   string     `json:"visibility"`
	Status       string     `json:"status"`
	PublishedAt  *time.Time `json:"published_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	Score        float64    `json:"score"`
}

// KBSearchResult is a page of hits. Ranking is "relevance" (FTS5 bm25 or
// ts_rank_cd), or "recency" when more than KBRankLimit articles match.
type KBSearchResult struct {
	Items   []KBHit `json:"items"`
	Ranking string  `json:"ranking"`
}

// KBRankLimit is the match count above which hits are ordered by recency:
// ranking every match of a very broad query would cost too much.
const KBRankLimit = 5000
