package store

import (
	"context"
	"time"

	"rapport/model"
)

// IdempotentResponse is the first answer to a POST with an Idempotency-Key.
type IdempotentResponse struct {
	UserID      string            `gorm:"primaryKey;size:36"`
	Key         string            `gorm:"primaryKey;size:200"`
	Method      string            `gorm:"size:8"`
	Path        string            `gorm:"size:500"`
	RequestHash string            `gorm:"size:64"`
	Status      int               `gorm:"not null"`
	Headers     map[string]string `gorm:"serializer:json"`
	Body        []byte
	CreatedAt   time.Time
}

// TableName names the table.
func (IdempotentResponse) TableName() string { return "idempotency_keys" }

// IdempotencyTTL is how long a key's answer is replayed.
const IdempotencyTTL = 24 * time.Hour

// IdempotentReplay returns the stored answer for (user, key), or nil.
func (s *Store) IdempotentReplay(ctx context.Context, userID, key string) (*IdempotentResponse, error) {
	r := &IdempotentResponse{}
	err := s.conn(ctx).Where("user_id = ? AND key = ? AND created_at > ?", userID, key, now().Add(-IdempotencyTTL)).Take(r).Error
	if model.ErrorCode(dbErr(err)) == model.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, dbErr(err)
	}
	return r, nil
}

// SaveIdempotent stores the first answer for a key; a concurrent duplicate
// request that lost the race gets ECONFLICT. Expired keys are replaced.
func (s *Store) SaveIdempotent(ctx context.Context, r *IdempotentResponse) error {
	r.CreatedAt = now()
	return s.WithTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		// Expired answers of this user go (the key is the table's prefix).
		if err := db.Where("user_id = ? AND created_at <= ?", r.UserID, now().Add(-IdempotencyTTL)).
			Delete(&IdempotentResponse{}).Error; err != nil {
			return dbErr(err)
		}
		return dbErr(db.Create(r).Error)
	})
}
