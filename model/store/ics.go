package store

import (
	"context"
	"time"

	"rapport/model"
	"rapport/model/secret"
)

// ICSTokenPrefix marks calendar feed tokens.
const ICSTokenPrefix = "ics_"

// CreateICSFeed issues a calendar subscription token for userID; the token is
// returned once.
func (s *Store) CreateICSFeed(ctx context.Context, userID string, includeTasks bool) (string, *model.ICSFeed, error) {
	plain := secret.NewToken(ICSTokenPrefix)
	f := &model.ICSFeed{ID: model.NewID(), UserID: userID, Hash: secret.Digest(plain), IncludeTasks: includeTasks, CreatedAt: now()}
	err := s.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.userByID(ctx, userID); err != nil {
			return err
		}
		if err := s.conn(ctx).Create(f).Error; err != nil {
			return dbErr(err)
		}
		return s.Audit(ctx, model.AuditICSFeedCreated, userID, "", "", map[string]any{"feed_id": f.ID})
	})
	return plain, f, err
}

// ICSFeeds lists a user's calendar feeds.
func (s *Store) ICSFeeds(ctx context.Context, userID string) ([]model.ICSFeed, error) {
	var out []model.ICSFeed
	return out, dbErr(s.conn(ctx).Where("user_id = ?", userID).Order("created_at").Find(&out).Error)
}

// RevokeICSFeed revokes one of a user's feeds.
func (s *Store) RevokeICSFeed(ctx context.Context, userID, feedID string) error {
	return s.revokeCredential(ctx, &model.ICSFeed{}, userID, feedID, model.AuditICSFeedRevoked, "feed_id")
}

// ICSFeedAuth resolves a feed token to its active user and feed.
func (s *Store) ICSFeedAuth(ctx context.Context, plain string) (*model.User, *model.ICSFeed, error) {
	f := &model.ICSFeed{}
	if err := s.conn(ctx).Where("hash = ? AND revoked_at IS NULL", secret.Digest(plain)).Take(f).Error; err != nil {
		return nil, nil, notFound()
	}
	u, err := s.activeUser(ctx, f.UserID)
	if err != nil {
		return nil, nil, notFound()
	}
	s.touch(ctx, "ics_feeds", f.ID, f.LastUsedAt)
	return u, f, nil
}

// CalendarActivities returns the live appointments and calls a user owns or
// attends (and, with tasks, the user's tasks), excluding one-off items that
// ended before since; recurring ones are always included.
func (s *Store) CalendarActivities(ctx context.Context, userID string, tasks bool, since time.Time) ([]model.Activity, error) {
	kinds := []string{model.KindAppointment, model.KindCall}
	if tasks {
		kinds = append(kinds, model.KindTask)
	}
	var out []model.Activity
	err := s.conn(ctx).Where("deleted_at IS NULL AND kind IN ? AND (owner_id = ? OR instr(attendees, ?) > 0)", kinds, userID, `"user_id":"`+userID+`"`).
		Where("(recurrence_rule <> '' OR sort_at >= ? OR (kind = ? AND status NOT IN ?))", since, model.KindTask, []string{"completed", "cancelled"}).
		Order("sort_at").Limit(20000).Find(&out).Error
	return out, dbErr(err)
}
