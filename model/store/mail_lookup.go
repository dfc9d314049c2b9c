package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"rapport/model"
)

// MailLimits are the ingest's rate limits: how many messages one sender,
// and one request, may have ingested within the sliding Window before
// further mail is kept but answered by nothing automatic. They are counted
// by ingest time, so a first fetch of a full mailbox does not set off a
// storm of acknowledgements either.
type MailLimits struct {
	PerSender  int
	PerRequest int
	Window     time.Duration
}

// DefaultMailLimits are generous for people and tight for autoresponders
// caught in a loop.
var DefaultMailLimits = MailLimits{PerSender: 20, PerRequest: 40, Window: time.Hour}

// MailLookup answers the classifier's questions from the ingest log: it is
// the engine's mailmsg.Deduper and mailmsg.RateLimiter.
type MailLookup struct {
	s      *Store
	limits MailLimits
}

// MailLookup returns the lookup with limits (zero fields take the defaults).
func (s *Store) MailLookup(limits MailLimits) *MailLookup {
	if limits.PerSender <= 0 {
		limits.PerSender = DefaultMailLimits.PerSender
	}
	if limits.PerRequest <= 0 {
		limits.PerRequest = DefaultMailLimits.PerRequest
	}
	if limits.Window <= 0 {
		limits.Window = DefaultMailLimits.Window
	}
	return &MailLookup{s: s, limits: limits}
}

// Seen reports whether a message with this Message-ID (may be "") or this
// SHA-256 of the raw message was ingested before.
func (l *MailLookup) Seen(ctx context.Context, messageID, sha256 string) (bool, error) {
	q := l.s.conn(ctx).Model(&model.MailMessage{}).Where("sha256 = ?", strings.ToLower(sha256))
	if messageID = strings.Trim(strings.TrimSpace(messageID), "<>"); messageID != "" {
		q = q.Or("message_id = ?", messageID)
	}
	var ids []string
	err := q.Limit(1).Pluck("id", &ids).Error
	return len(ids) > 0, dbErr(err)
}

// Allow reports whether one more message from sender, on the requests
// that refs name ("r-<request id>"), stays within the limits; the
// message itself is not logged yet, so the count is of those before it.
func (l *MailLookup) Allow(ctx context.Context, sender string, refs []string) (bool, string, error) {
	since := now().Add(-l.limits.Window)
	n, err := l.count(ctx, "from_address = ?", strings.ToLower(sender), since)
	if err != nil || n >= int64(l.limits.PerSender) {
		return false, fmt.Sprintf("%d messages from %s in the last %s", n, sender, l.limits.Window), err
	}
	for _, ref := range refs {
		id, ok := strings.CutPrefix(ref, "r-")
		if !ok || !model.ValidID(id) {
			continue
		}
		if n, err = l.count(ctx, "request_id = ?", id, since); err != nil || n >= int64(l.limits.PerRequest) {
			return false, fmt.Sprintf("%d messages on one request in the last %s", n, l.limits.Window), err
		}
	}
	return true, "", nil
}

func (l *MailLookup) count(ctx context.Context, where, arg string, since time.Time) (int64, error) {
	var n int64
	err := l.s.conn(ctx).Model(&model.MailMessage{}).Where(where+" AND created_at > ?", arg, since).Count(&n).Error
	return n, dbErr(err)
}
