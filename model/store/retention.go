package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"rapport/model"
)

// Retention says how long each kind of log and history is kept; a zero
// duration keeps it for ever. One pass (ApplyRetention) removes what is
// older, in transactions of at most Batch rows, so other writers never wait
// long.
type Retention struct {
	// Deliveries: webhook delivery attempts and settled (delivered or
	// failed) deliveries. Pending ones stay until they settle.
	Deliveries time.Duration
	// Inbound: inbound webhook messages that were processed.
	Inbound time.Duration
	// RawMail: the raw bytes of ingested mail. The ingest-log entry, its
	// text and HTML bodies, and the requests and entries the mail made stay.
	RawMail time.Duration
	// Quarantine: quarantined mail, whatever its status, with its raw bytes.
	Quarantine time.Duration
	// Feed: change-feed rows. The newest row always stays, and so does
	// every row an active webhook endpoint has not yet turned into
	// deliveries; readers whose cursor falls below the pruned range start
	// afresh (FeedHorizon).
	Feed time.Duration
	// Batch is how many rows one transaction removes (default 1000).
	Batch int
}

// Names of the logs in a RetentionResult.
const (
	RetainDeliveries = "webhook_deliveries"
	RetainAttempts   = "webhook_attempts"
	RetainInbound    = "inbound_messages"
	RetainRawMail    = "raw_mail"
	RetainQuarantine = "mail_quarantines"
	RetainFeed       = "changes"
)

// RetentionResult counts what a pass removed, per log.
type RetentionResult map[string]int64

// defaultRetentionBatch is Retention.Batch's default.
const defaultRetentionBatch = 1000

// ApplyRetention runs one retention pass at now: every log whose retention
// is set loses its entries older than now minus the retention. It stops at
// the first error (what went before stays done) and at ctx's end.
func (s *Store) ApplyRetention(ctx context.Context, r Retention, now time.Time) (RetentionResult, error) {
	if r.Batch <= 0 {
		r.Batch = defaultRetentionBatch
	}
	out := RetentionResult{}
	steps := []struct {
		keep time.Duration
		run  func(ctx context.Context, before time.Time, batch int, out RetentionResult) error
	}{
		{r.Deliveries, s.pruneDeliveries},
		{r.Inbound, s.pruneInbound},
		{r.RawMail, s.pruneRawMail},
		{r.Quarantine, s.pruneQuarantine},
		{r.Feed, s.pruneFeed},
	}
	for _, st := range steps {
		if st.keep <= 0 {
			continue
		}
		if err := st.run(ctx, now.Add(-st.keep), r.Batch, out); err != nil {
			return out, err
		}
	}
	return out, nil
}

// PruneDeliveries deletes delivery attempts made before before, and settled
// deliveries created before it with all their attempts, batch rows per
// transaction; it returns how many rows of each went.
func (s *Store) PruneDeliveries(ctx context.Context, before time.Time, batch int) (RetentionResult, error) {
	out := RetentionResult{}
	return out, s.pruneDeliveries(ctx, before, max(batch, 1), out)
}

func (s *Store) pruneDeliveries(ctx context.Context, before time.Time, batch int, out RetentionResult) error {
	// Endpoint by endpoint, so that the (endpoint_id, created_at) index
	// finds the old deliveries without reading the young ones.
	var endpoints []string
	if err := s.conn(ctx).Table("webhook_endpoints").Order("id").Pluck("id", &endpoints).Error; err != nil {
		return dbErr(err)
	}
	for _, ep := range endpoints {
		for {
			var ids []string
			err := s.conn(ctx).Model(&model.WebhookDelivery{}).
				Where("endpoint_id = ? AND created_at < ? AND status <> ?", ep, before, model.DeliveryPending).
				Order("created_at").Limit(batch).Pluck("id", &ids).Error
			if err != nil {
				return dbErr(err)
			}
			if len(ids) == 0 {
				break
			}
			err = s.WithTx(ctx, func(ctx context.Context) error {
				res := s.conn(ctx).Where("delivery_id IN ?", ids).Delete(&model.WebhookAttempt{})
				if res.Error != nil {
					return dbErr(res.Error)
				}
				out[RetainAttempts] += res.RowsAffected
				// Settled at the read, and still: a replay may have made one pending since.
				res = s.conn(ctx).Where("id IN ? AND status <> ?", ids, model.DeliveryPending).Delete(&model.WebhookDelivery{})
				out[RetainDeliveries] += res.RowsAffected
				return dbErr(res.Error)
			})
			if err != nil {
				return err
			}
			if len(ids) < batch {
				break
			}
		}
	}
	return s.pruneByIDs(ctx, "webhook_attempts", "at < ?", []any{before}, "at", batch, RetainAttempts, out)
}

// pruneByIDs deletes the rows of table matching where, oldest (by order)
// first, batch rows per transaction.
func (s *Store) pruneByIDs(ctx context.Context, table, where string, args []any, order string, batch int, name string, out RetentionResult) error {
	return s.inBatches(ctx, batch, name, out, func(ctx context.Context) *gorm.DB {
		sub := s.conn(ctx).Table(table).Select("id").Where(where, args...).Order(order).Limit(batch)
		return s.conn(ctx).Exec("DELETE FROM "+table+" WHERE id IN (?)", sub)
	})
}

// inBatches runs one statement per transaction until it affects fewer
// than batch rows, counting them under name.
func (s *Store) inBatches(ctx context.Context, batch int, name string, out RetentionResult, stmt func(ctx context.Context) *gorm.DB) error {
	for {
		var n int64
		err := s.WithTx(ctx, func(ctx context.Context) error {
			res := stmt(ctx)
			n = res.RowsAffected
			return dbErr(res.Error)
		})
		if err != nil {
			return err
		}
		out[name] += n
		if n < int64(batch) {
			return nil
		}
	}
}

func (s *Store) pruneInbound(ctx context.Context, before time.Time, batch int, out RetentionResult) error {
	return s.pruneByIDs(ctx, "inbound_messages", "received_at < ? AND status <> ?", []any{before, model.InboundQueued},
		"received_at", batch, RetainInbound, out)
}

// pruneRawMail drops the raw bytes of mail ingested before before: the log
// entry forgets its blob (an empty sha256), which the blob collector then takes.
// This is housekeeping of the entry, like its checkpoint: no new version,
// no feed row. Its Message-ID and mailbox position still keep it from
// being ingested twice.
func (s *Store) pruneRawMail(ctx context.Context, before time.Time, batch int, out RetentionResult) error {
	return s.inBatches(ctx, batch, RetainRawMail, out, func(ctx context.Context) *gorm.DB {
		sub := s.conn(ctx).Model(&model.MailMessage{}).Select("id").Where("created_at < ? AND sha256 <> ''", before).
			Order("created_at").Limit(batch)
		return s.conn(ctx).Exec("UPDATE mail_messages SET sha256 = '' WHERE id IN (?)", sub)
	})
}

// pruneQuarantine erases quarantine entries made before before: a live one
// becomes a tombstone without its sender, subject, Message-ID, error and
// raw bytes (a delete in the feed, so webhooks and the console see it
// leave); an old tombstone loses the same in place.
func (s *Store) pruneQuarantine(ctx context.Context, before time.Time, batch int, out RetentionResult) error {
	for {
		var rows []model.MailQuarantine
		err := s.conn(ctx).Where("created_at < ? AND (deleted_at IS NULL OR sha256 <> '' OR from_address <> '')", before).
			Order("created_at").Limit(batch).Find(&rows).Error
		if err != nil || len(rows) == 0 {
			return dbErr(err)
		}
		err = s.WithTx(model.WithActor(ctx, model.System), func(ctx context.Context) error {
			for i := range rows {
				if err := s.forgetQuarantine(ctx, &rows[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		out[RetainQuarantine] += int64(len(rows))
		if len(rows) < batch {
			return nil
		}
	}
}

// forgetQuarantine clears what a quarantine entry says of its message and
// sender and drops its raw bytes; a live entry is deleted with it.
func (s *Store) forgetQuarantine(ctx context.Context, q *model.MailQuarantine) error {
	live := q.DeletedAt == nil
	q.FromAddress, q.Subject, q.MessageID, q.Error, q.SHA256 = "", "", "", "", ""
	if !live {
		return dbErr(s.conn(ctx).Model(q).Select("from_address", "subject", "message_id", "error", "sha256").Updates(q).Error)
	}
	t := now()
	q.DeletedAt = &t
	diff := map[string]model.FieldChange{"deleted_at": {New: t}, "from_address": {}, "subject": {}, "message_id": {}, "error": {}, "sha256": {}}
	return s.writeVersion(ctx, q, q.Version, model.OpDelete, diff)
}

// feedHorizon is the one row of feed_horizon.
type feedHorizon struct {
	ID           int `gorm:"primaryKey"`
	Seq          int64
	PrunedBefore time.Time
	UpdatedAt    time.Time
}

func (feedHorizon) TableName() string { return "feed_horizon" }

// FeedHorizon returns the newest feed seq retention pruned (0 when nothing
// was): a cursor below it has missed changes for good. Readers check it
// after reading their rows, since a prune may commit in between.
func (s *Store) FeedHorizon(ctx context.Context) (int64, error) {
	var rows []feedHorizon
	if err := s.conn(ctx).Where("id = 1").Limit(1).Find(&rows).Error; err != nil || len(rows) == 0 {
		return 0, dbErr(err)
	}
	return rows[0].Seq, nil
}

// belowHorizon returns an EGONE error when since is below the horizon (the
// pull API answers it as 410 Gone).
func (s *Store) belowHorizon(ctx context.Context, since int64) error {
	h, err := s.FeedHorizon(ctx)
	if err != nil || since >= h {
		return err
	}
	return &model.Error{Code: model.EGONE,
		Message: fmt.Sprintf("changes up to seq %d were removed by the feed's retention; read the records afresh and continue with since=%d", h, h),
		Fields:  map[string]string{"since": fmt.Sprintf("below the feed horizon %d", h)}}
}

// PruneFeed removes feed rows written before before (see Retention.Feed)
// and returns how many went.
func (s *Store) PruneFeed(ctx context.Context, before time.Time, batch int) (int64, error) {
	out := RetentionResult{}
	err := s.pruneFeed(ctx, before, max(batch, 1), out)
	return out[RetainFeed], err
}

// pruneFeed moves the horizon forward over rows older than before, batch
// rows per transaction, deleting them with the horizon's update. It never
// passes the newest row (so the head stays known) or the cursor of an
// active webhook endpoint (whose events would otherwise never be made);
// it stops at the first row not old enough, so the pruned range has no gaps.
func (s *Store) pruneFeed(ctx context.Context, before time.Time, batch int, out RetentionResult) error {
	limit, err := s.feedPruneLimit(ctx)
	if err != nil {
		return err
	}
	for {
		h, err := s.FeedHorizon(ctx)
		if err != nil {
			return err
		}
		var rows []struct {
			Seq int64
			At  time.Time
		}
		err = s.conn(ctx).Model(&model.Change{}).Select("seq, at").Where("seq > ? AND seq <= ?", h, limit).
			Order("seq").Limit(batch).Find(&rows).Error
		if err != nil {
			return dbErr(err)
		}
		next := h
		for _, r := range rows {
			if !r.At.Before(before) {
				break
			}
			next = r.Seq
		}
		if next == h {
			return nil
		}
		var n int64
		err = s.WithTx(ctx, func(ctx context.Context) error {
			res := s.conn(ctx).Where("seq > ? AND seq <= ?", h, next).Delete(&model.Change{})
			if res.Error != nil {
				return dbErr(res.Error)
			}
			n = res.RowsAffected
			t := now()
			return dbErr(s.conn(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "id"}},
				DoUpdates: clause.AssignmentColumns([]string{"seq", "pruned_before", "updated_at"})}).
				Create(&feedHorizon{ID: 1, Seq: next, PrunedBefore: before.UTC(), UpdatedAt: t}).Error)
		})
		if err != nil {
			return err
		}
		out[RetainFeed] += n
		if next != rows[len(rows)-1].Seq {
			return nil // stopped at a row still young enough
		}
	}
}

// feedPruneLimit is the highest seq the feed may be pruned to: below the
// newest row and no further than the cursor of any active webhook endpoint.
func (s *Store) feedPruneLimit(ctx context.Context) (int64, error) {
	head, err := s.LastSeq(ctx)
	if err != nil {
		return 0, err
	}
	var cursors []int64
	err = s.conn(ctx).Table("webhook_states AS st").Joins("JOIN webhook_endpoints e ON e.id = st.endpoint_id").
		Where("e.deleted_at IS NULL AND e.active = ? AND st.disabled_at IS NULL", true).Pluck("st.cursor_seq", &cursors).Error
	if err != nil {
		return 0, dbErr(err)
	}
	limit := head - 1
	for _, c := range cursors {
		limit = min(limit, c)
	}
	return limit, nil
}
