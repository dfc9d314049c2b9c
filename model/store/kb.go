package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"

	"rapport/model"
)

func init() { writeRules["kb_article"] = kbArticleRule }

// kbText is a row of kb_article_text: an article's stemmed tokens, which
// FTS5 (SQLite) or a generated tsvector (PostgreSQL) index.
type kbText struct {
	Doc       int64 `gorm:"primaryKey"`
	ArticleID string
	Body      string
}

func (kbText) TableName() string { return "kb_article_text" }

// kbArticleRequest is a row of kb_article_requests: an article solved a request.
type kbArticleRequest struct {
	ArticleID string
	RequestID string
}

func (kbArticleRequest) TableName() string { return "kb_article_requests" }

// kbArticleRule stamps the publication time, and rewrites the article's
// search text and request links in the write's transaction.
func kbArticleRule(ctx context.Context, s *Store, rec, prev model.Record) error {
	k := rec.(*model.KBArticle)
	wasPublished := prev != nil && prev.(*model.KBArticle).Status == model.KBPublished
	switch {
	case k.Status != model.KBPublished:
		k.PublishedAt = nil
	case !wasPublished:
		t := now()
		k.PublishedAt = &t
	}
	db := s.conn(ctx)
	text := kbText{ArticleID: k.ID, Body: model.KBIndexText(k)}
	err := db.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "article_id"}}, DoUpdates: clause.AssignmentColumns([]string{"body"})}).
		Omit("doc").Create(&text).Error
	if err != nil {
		return dbErr(err)
	}
	if prev != nil {
		if err := db.Where("article_id = ?", k.ID).Delete(&kbArticleRequest{}).Error; err != nil {
			return dbErr(err)
		}
	}
	if len(k.RequestIDs) == 0 {
		return nil
	}
	links := make([]kbArticleRequest, len(k.RequestIDs))
	for i, id := range k.RequestIDs {
		links[i] = kbArticleRequest{k.ID, id}
	}
	return dbErr(db.CreateInBatches(links, s.batchRows(2)).Error)
}

// DeleteKBArticle tombstones an article and drops its search text and
// request links, in one transaction with its delete change.
func (s *Store) DeleteKBArticle(ctx context.Context, id string, ifVersion int64) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		if err := Delete[model.KBArticle](ctx, s, id, ifVersion); err != nil {
			return err
		}
		db := s.conn(ctx)
		if err := db.Where("article_id = ?", id).Delete(&kbText{}).Error; err != nil {
			return dbErr(err)
		}
		return dbErr(db.Where("article_id = ?", id).Delete(&kbArticleRequest{}).Error)
	})
}

// KBArticleVersions lists an article's versions from the change feed,
// oldest first.
func (s *Store) KBArticleVersions(ctx context.Context, id string) ([]model.KBArticleVersion, error) {
	if _, err := Get[model.KBArticle](ctx, s, id); err != nil {
		return nil, err
	}
	changes, err := s.History(ctx, "kb_article", id)
	if err != nil {
		return nil, err
	}
	out := make([]model.KBArticleVersion, len(changes))
	for i, c := range changes {
		out[i] = model.KBArticleVersion{Version: c.Version, Op: c.Op, Event: c.Event, At: c.At, ActorID: c.ActorID,
			Actor: c.Actor, Article: c.Snapshot}
	}
	return out, nil
}

// CountKBView counts one view of an article: its counter and the day's
// counter rise, without a new version or a feed row (a view is not a
// change of the article). It returns the new count.
func (s *Store) CountKBView(ctx context.Context, id string) (int64, error) {
	var count int64
	err := s.WithTx(ctx, func(ctx context.Context) error {
		if _, err := Get[model.KBArticle](ctx, s, id); err != nil {
			return err
		}
		db := s.conn(ctx)
		if err := db.Raw("UPDATE kb_articles SET view_count = view_count + 1 WHERE id = ? RETURNING view_count", id).Scan(&count).Error; err != nil {
			return dbErr(err)
		}
		day := time.Now().UTC().Format(model.DateLayout)
		err := db.Exec(`INSERT INTO kb_article_views (article_id, on_day, views) VALUES (?, ?, 1)
			ON CONFLICT (article_id, on_day) DO UPDATE SET views = kb_article_views.views + 1`, id, day).Error
		return dbErr(err)
	})
	return count, err
}

// VoteKB records the signed-in user's vote on an article: a new vote, or a
// change of their earlier one (created says which).
func (s *Store) VoteKB(ctx context.Context, articleID string, helpful bool, comment string) (vote *model.KBVote, created bool, err error) {
	err = s.WithTx(ctx, func(ctx context.Context) error {
		if _, err := Get[model.KBArticle](ctx, s, articleID); err != nil {
			return err
		}
		me := model.ActorFrom(ctx).UserID
		var ids []string
		if err := s.conn(ctx).Model(&model.KBVote{}).Where("article_id = ? AND user_id = ? AND deleted_at IS NULL", articleID, me).
			Pluck("id", &ids).Error; err != nil {
			return dbErr(err)
		}
		if len(ids) == 0 {
			vote, created = &model.KBVote{ArticleID: articleID, UserID: me, Helpful: helpful, Comment: comment}, true
			return Create(ctx, s, vote)
		}
		vote, err = Update(ctx, s, ids[0], 0, func(v *model.KBVote) error {
			v.Helpful, v.Comment = helpful, comment
			return nil
		})
		return err
	})
	return vote, created, err
}

// KBVotes counts and lists an article's votes.
func (s *Store) KBVotes(ctx context.Context, articleID string) (*model.KBVoteSummary, error) {
	if _, err := Get[model.KBArticle](ctx, s, articleID); err != nil {
		return nil, err
	}
	out := &model.KBVoteSummary{Items: []model.KBVote{}}
	err := s.conn(ctx).Where("article_id = ? AND deleted_at IS NULL", articleID).Order("updated_at DESC, id").Find(&out.Items).Error
	for _, v := range out.Items {
		if v.Helpful {
			out.Helpful++
		} else {
			out.NotHelpful++
		}
	}
	return out, dbErr(err)
}
