package store

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"rapport/model"
	"rapport/model/migrate"
)

// requireAdmin refuses webhook administration to anyone but admins (and
// the hub's own dispatcher, an internal actor).
func requireAdmin(ctx context.Context) error {
	if !model.ActorFrom(ctx).IsAdmin() {
		return model.Errorf(model.EFORBIDDEN, "webhooks are managed by admins")
	}
	return nil
}

// CreateWebhookEndpoint stores an endpoint with its first signing secret;
// it receives the events that happen from now on.
func (s *Store) CreateWebhookEndpoint(ctx context.Context, e *model.WebhookEndpoint, secret string) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		if err := Create(ctx, s, e); err != nil {
			return err
		}
		head, err := s.LastSeq(ctx)
		if err != nil {
			return err
		}
		if err := s.conn(ctx).Create(&model.WebhookState{EndpointID: e.ID, Cursor: head}).Error; err != nil {
			return dbErr(err)
		}
		return s.addWebhookSecret(ctx, e.ID, secret)
	})
}

func (s *Store) addWebhookSecret(ctx context.Context, endpointID, secret string) error {
	sec := &model.WebhookSecret{ID: model.NewID(), EndpointID: endpointID, Secret: secret, CreatedAt: now()}
	return dbErr(s.conn(ctx).Create(sec).Error)
}

// RotateWebhookSecret adds a new signing secret; the current ones stay
// valid for grace, so receivers can switch without losing a delivery.
func (s *Store) RotateWebhookSecret(ctx context.Context, endpointID, secret string, grace time.Duration) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		if _, err := Get[model.WebhookEndpoint](ctx, s, endpointID); err != nil {
			return err
		}
		expires := now().Add(grace)
		err := s.conn(ctx).Model(&model.WebhookSecret{}).
			Where("endpoint_id = ? AND (expires_at IS NULL OR expires_at > ?)", endpointID, expires).Update("expires_at", expires).Error
		if err != nil {
			return dbErr(err)
		}
		if err := s.addWebhookSecret(ctx, endpointID, secret); err != nil {
			return err
		}
		return s.Audit(ctx, model.AuditWebhookSecretRotated, endpointID, "", "", nil)
	})
}

// WebhookSecrets returns an endpoint's valid secrets, newest first.
func (s *Store) WebhookSecrets(ctx context.Context, endpointID string) ([]string, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	var out []string
	err := s.conn(ctx).Model(&model.WebhookSecret{}).Where("endpoint_id = ? AND (expires_at IS NULL OR expires_at > ?)", endpointID, now()).
		Order("created_at DESC").Pluck("secret", &out).Error
	return out, dbErr(err)
}

// ActiveWebhookEndpoints returns the endpoints that receive events.
func (s *Store) ActiveWebhookEndpoints(ctx context.Context) ([]model.WebhookEndpoint, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	var out []model.WebhookEndpoint
	return out, dbErr(s.conn(ctx).Where("active = ? AND deleted_at IS NULL", true).Order("created_at").Find(&out).Error)
}

// WebhookState returns an endpoint's progress.
func (s *Store) WebhookState(ctx context.Context, endpointID string) (*model.WebhookState, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	var st model.WebhookState
	if err := s.conn(ctx).Where("endpoint_id = ?", endpointID).Take(&st).Error; err != nil {
		return nil, dbErr(err)
	}
	return &st, nil
}

// FillWebhookDeliveries turns the feed rows after the endpoint's cursor
// (up to limit) into deliveries of the events it subscribes to, and moves
// the cursor, in one transaction: nothing is lost or made twice, and a
// replay of history is a cursor move. It returns how many it made.
func (s *Store) FillWebhookDeliveries(ctx context.Context, ep *model.WebhookEndpoint, limit int) (int, error) {
	made := 0
	err := s.WithTx(ctx, func(ctx context.Context) error {
		var st model.WebhookState
		q := s.conn(ctx).Where("endpoint_id = ?", ep.ID)
		if s.engine == migrate.Postgres {
			q = q.Clauses(forUpdate())
		}
		if err := q.Take(&st).Error; err != nil {
			return dbErr(err)
		}
		head, err := s.LastSeq(ctx)
		if err != nil {
			return err
		}
		var rows []model.Change
		err = s.conn(ctx).Where("seq > ? AND seq <= ?", st.Cursor, head).Order("seq").Limit(limit).Find(&rows).Error
		if err != nil {
			return dbErr(err)
		}
		next := head
		if len(rows) == limit {
			next = rows[len(rows)-1].Seq
		}
		var out []*model.WebhookDelivery
		for i := range rows {
			c := &rows[i]
			if d, ok, err := deliveryFor(ep, c); err != nil {
				return err
			} else if ok {
				out = append(out, d)
			}
		}
		if len(out) > 0 {
			if err := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(out, 200).Error; err != nil {
				return dbErr(err)
			}
		}
		made = len(out)
		return dbErr(s.conn(ctx).Model(&model.WebhookState{}).Where("endpoint_id = ?", ep.ID).Update("cursor_seq", next).Error)
	})
	return made, err
}

// deliveryFor builds the delivery of feed row c to ep, if ep subscribes.
func deliveryFor(ep *model.WebhookEndpoint, c *model.Change) (*model.WebhookDelivery, bool, error) {
	if !model.IsEvent(c) {
		return nil, false, nil
	}
	typ := model.EventType(c)
	matched := false
	for _, p := range ep.EventTypes {
		matched = matched || model.EventMatches(p, typ)
	}
	if !matched {
		return nil, false, nil
	}
	body, err := model.EventPayload(c, ep.PayloadMode)
	if err != nil {
		return nil, false, err
	}
	t := now()
	return &model.WebhookDelivery{ID: model.NewID(), EndpointID: ep.ID, Seq: c.Seq, EventType: typ, Entity: c.Entity,
		RecordID: c.RecordID, Payload: body, Status: model.DeliveryPending, NextAttemptAt: t, CreatedAt: t}, true, nil
}

// EnqueueWebhookPing queues a test event for an endpoint.
func (s *Store) EnqueueWebhookPing(ctx context.Context, endpointID string) (*model.WebhookDelivery, error) {
	ep, err := Get[model.WebhookEndpoint](ctx, s, endpointID)
	if err != nil {
		return nil, err
	}
	t := now()
	ping := &model.Change{Entity: "webhook", RecordID: ep.ID, At: t}
	body, err := model.PingPayload(ping)
	if err != nil {
		return nil, err
	}
	d := &model.WebhookDelivery{ID: model.NewID(), EndpointID: ep.ID, EventType: model.EventPing, Entity: "webhook",
		RecordID: ep.ID, Payload: body, Status: model.DeliveryPending, NextAttemptAt: t, CreatedAt: t}
	return d, dbErr(s.conn(ctx).Create(d).Error)
}

// ClaimWebhookDeliveries leases up to limit due deliveries of an endpoint,
// at most one per record and only the oldest pending one of each, so a
// record's events arrive in feed order and a failing one holds back only
// that record's later events. Several hubs may claim at once. The result is
// in due order.
func (s *Store) ClaimWebhookDeliveries(ctx context.Context, endpointID string, limit int, lease time.Duration) ([]model.WebhookDelivery, error) {
	t := now()
	var out []model.WebhookDelivery
	err := s.conn(ctx).Raw(s.claimSQL(), t.Add(lease), endpointID, t, t, limit).Scan(&out).Error
	if err != nil {
		return nil, dbErr(err)
	}
	// RETURNING gives rows in no particular order.
	slices.SortFunc(out, func(a, b model.WebhookDelivery) int {
		return cmp.Or(a.NextAttemptAt.Compare(b.NextAttemptAt), cmp.Compare(a.Seq, b.Seq))
	})
	return out, nil
}

// claimSQL picks and leases due deliveries in one statement, so that a
// claim costs one round trip and, outside a transaction, one commit.
//
// The cost must not grow with the backlog (a dead endpoint may have
// 100,000 pending): the inner SELECT walks the due index in time order and
// stops at limit, checking each candidate with a correlated MIN on the
// record index, which no planner turns into a join over the whole backlog
// (a NOT EXISTS anti-join did, quadratically, on stale statistics).
// 'pending' is a literal so that both engines can use the partial indexes,
// also in generic plans. On PostgreSQL the candidates are locked with SKIP
// LOCKED, so concurrent claimers (other hubs) pass over each other's rows
// instead of waiting; a row leased meanwhile fails the lease test when the
// lock re-checks it. SQLite has one writer at a time.
func (s *Store) claimSQL() string {
	lock := ""
	if s.engine == migrate.Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	return `UPDATE webhook_deliveries SET lease_until = ? WHERE id IN (
		SELECT d.id FROM webhook_deliveries d
		WHERE d.endpoint_id = ? AND d.status = 'pending' AND d.next_attempt_at <= ? AND (d.lease_until IS NULL OR d.lease_until < ?)
			AND (d.seq = 0 OR d.seq <= (SELECT MIN(p.seq) FROM webhook_deliveries p WHERE p.endpoint_id = d.endpoint_id
				AND p.record_id = d.record_id AND p.status = 'pending' AND p.seq > 0))
		ORDER BY d.next_attempt_at LIMIT ?` + lock + `)
	RETURNING *`
}

// ReleaseWebhookDeliveries ends the leases of claimed deliveries that were
// not sent (a dispatcher stopping), so another may send them at once.
func (s *Store) ReleaseWebhookDeliveries(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	return dbErr(s.conn(ctx).Model(&model.WebhookDelivery{}).Where("id IN ? AND status = ?", ids, model.DeliveryPending).
		Update("lease_until", nil).Error)
}

// Attempt outcomes for RecordWebhookAttempt.
const (
	AttemptDelivered = "delivered"
	AttemptRetry     = "retry"
	AttemptFailed    = "failed"
)

// RecordWebhookAttempt logs one try and moves the delivery on: delivered,
// due again at next, or failed for good. The endpoint's failing_since is
// set on its first failure and cleared by a success.
func (s *Store) RecordWebhookAttempt(ctx context.Context, d *model.WebhookDelivery, at *model.WebhookAttempt, outcome string, next time.Time) error {
	return s.RecordWebhookAttempts(ctx, []AttemptOutcome{{Delivery: d, Attempt: at, Outcome: outcome, Next: next}})
}

// AttemptOutcome is one finished attempt for RecordWebhookAttempts.
type AttemptOutcome struct {
	// Delivery is the delivery that was tried.
	Delivery *model.WebhookDelivery
	// Attempt is the log entry; its delivery and endpoint are filled in.
	Attempt *model.WebhookAttempt
	// Outcome is AttemptDelivered, AttemptRetry or AttemptFailed.
	Outcome string
	// Next is when a retry is due.
	Next time.Time
}

// RecordWebhookAttempts writes attempts as RecordWebhookAttempt does, in
// order, all in one transaction of a few statements whatever their number:
// a transaction per attempt would bound a busy endpoint's throughput by the
// database's round trips and commits. It fails as a whole.
func (s *Store) RecordWebhookAttempts(ctx context.Context, outs []AttemptOutcome) error {
	if len(outs) == 0 {
		return nil
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		attempts := make([]*model.WebhookAttempt, len(outs))
		for i, o := range outs {
			o.Attempt.DeliveryID, o.Attempt.EndpointID = o.Delivery.ID, o.Delivery.EndpointID
			attempts[i] = o.Attempt
		}
		if err := s.conn(ctx).CreateInBatches(attempts, s.batchRows(10)).Error; err != nil {
			return dbErr(err)
		}
		rows := s.batchRows(len(settleColumns))
		for start := 0; start < len(outs); start += rows {
			if err := s.settleDeliveries(ctx, outs[start:min(start+rows, len(outs))]); err != nil {
				return err
			}
		}
		var endpoints []string
		for _, o := range outs {
			if !slices.Contains(endpoints, o.Delivery.EndpointID) {
				endpoints = append(endpoints, o.Delivery.EndpointID)
			}
		}
		for _, id := range endpoints {
			if err := s.markFailing(ctx, id, outs); err != nil {
				return err
			}
		}
		return nil
	})
}

// settleColumns are the values settleDeliveries writes per delivery, with
// their PostgreSQL types.
var settleColumns = []string{"text", "text", "integer", "integer", "text", "timestamptz", "timestamptz"}

// settleDeliveries moves deliveries on after their attempts with one
// UPDATE joined to a VALUES list (one row per delivery: id, status,
// attempts, last status, last error, next attempt, delivered at; NULL
// keeps the current value). Both engines name a VALUES list's columns
// column1, column2 ...; PostgreSQL types untyped parameters there as text,
// hence the casts, which SQLite (dynamically typed) neither needs nor
// understands.
func (s *Store) settleDeliveries(ctx context.Context, outs []AttemptOutcome) error {
	row := make([]string, len(settleColumns))
	for i, typ := range settleColumns {
		row[i] = "?"
		if s.engine == migrate.Postgres {
			row[i] = "?::" + typ
		}
	}
	rowSQL := "(" + strings.Join(row, ", ") + ")"
	values := make([]string, len(outs))
	args := make([]any, 0, len(outs)*len(settleColumns))
	for i, o := range outs {
		values[i] = rowSQL
		at := o.Attempt
		status, next, delivered := model.DeliveryPending, any(nil), any(nil)
		switch o.Outcome {
		case AttemptDelivered:
			status, delivered = model.DeliveryDelivered, at.At
		case AttemptRetry:
			next = o.Next
		default:
			status = model.DeliveryFailed
		}
		args = append(args, o.Delivery.ID, status, at.Attempt, at.Status, truncate(at.Error, 1000), next, delivered)
	}
	err := s.conn(ctx).Exec(`UPDATE webhook_deliveries SET status = v.column2, attempts = v.column3,
		last_status = v.column4, last_error = v.column5,
		next_attempt_at = COALESCE(v.column6, webhook_deliveries.next_attempt_at),
		delivered_at = COALESCE(v.column7, webhook_deliveries.delivered_at), lease_until = NULL
	FROM (VALUES `+strings.Join(values, ", ")+`) AS v WHERE webhook_deliveries.id = v.column1`, args...).Error
	return dbErr(err)
}

// markFailing brings an endpoint's failing_since up to date after its
// outcomes in outs, as if they had been written one by one: a success
// clears it and the first failure after sets it.
func (s *Store) markFailing(ctx context.Context, endpointID string, outs []AttemptOutcome) error {
	var since *time.Time
	succeeded := false
	for _, o := range outs {
		switch {
		case o.Delivery.EndpointID != endpointID:
		case o.Outcome == AttemptDelivered:
			succeeded, since = true, nil
		case since == nil:
			since = &o.Attempt.At
		}
	}
	q := s.conn(ctx).Model(&model.WebhookState{}).Where("endpoint_id = ?", endpointID)
	switch {
	case since == nil:
		// Only a failing endpoint's state row is written: an update that
		// matches no row takes no row lock, so a healthy endpoint's
		// deliveries do not queue on it (on PostgreSQL they did, one
		// commit at a time).
		q = q.Where("failing_since IS NOT NULL").Update("failing_since", nil)
	case succeeded: // failing again after a success in this batch
		q = q.Update("failing_since", *since)
	default:
		q = q.Where("failing_since IS NULL").Update("failing_since", *since)
	}
	return dbErr(q.Error)
}

// DisableWebhookEndpoint turns an endpoint off (a 410 answer, or failing
// for days), records why, and audits it so admins are told.
func (s *Store) DisableWebhookEndpoint(ctx context.Context, endpointID, reason string) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		if _, err := Update(ctx, s, endpointID, 0, func(e *model.WebhookEndpoint) error { e.Active = false; return nil }); err != nil {
			return err
		}
		err := s.conn(ctx).Model(&model.WebhookState{}).Where("endpoint_id = ?", endpointID).
			Updates(map[string]any{"disabled_at": now(), "disabled_reason": truncate(reason, 500)}).Error
		if err != nil {
			return dbErr(err)
		}
		return s.Audit(ctx, model.AuditWebhookDisabled, endpointID, "", "", map[string]any{"reason": reason})
	})
}

// WebhookDeliveries lists an endpoint's deliveries, newest first,
// optionally of one status, created before before (zero: any).
func (s *Store) WebhookDeliveries(ctx context.Context, endpointID, status string, before time.Time, limit int) ([]model.WebhookDelivery, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	q := s.conn(ctx).Where("endpoint_id = ?", endpointID)
	if status != "" {
		q = q.Where("status = ?", status)
	}
	if !before.IsZero() {
		q = q.Where("created_at < ?", before)
	}
	var out []model.WebhookDelivery
	return out, dbErr(q.Order("created_at DESC, id DESC").Limit(clampLimit(limit, 500)).Find(&out).Error)
}

// WebhookAttempts returns a delivery's attempts, oldest first.
func (s *Store) WebhookAttempts(ctx context.Context, deliveryID string) ([]model.WebhookAttempt, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	var out []model.WebhookAttempt
	return out, dbErr(s.conn(ctx).Where("delivery_id = ?", deliveryID).Order("attempt, id").Find(&out).Error)
}

// ReplayFilter picks deliveries to send again: one delivery, every failed
// one, or those created in a time range.
type ReplayFilter struct {
	DeliveryID   string
	Failed       bool
	Since, Until time.Time
}

// ReplayWebhookDeliveries makes the chosen deliveries due now with a fresh
// retry schedule; they keep their webhook-id. It returns how many.
func (s *Store) ReplayWebhookDeliveries(ctx context.Context, endpointID string, f ReplayFilter) (int64, error) {
	if err := requireAdmin(ctx); err != nil {
		return 0, err
	}
	q := s.conn(ctx).Model(&model.WebhookDelivery{}).Where("endpoint_id = ?", endpointID)
	switch {
	case f.DeliveryID != "":
		q = q.Where("id = ?", f.DeliveryID)
	case f.Failed:
		q = q.Where("status = ?", model.DeliveryFailed)
	case !f.Since.IsZero():
		q = q.Where("created_at >= ?", f.Since)
		if !f.Until.IsZero() {
			q = q.Where("created_at < ?", f.Until)
		}
	default:
		return 0, model.Errorf(model.EINVALID, "say which deliveries: one id, failed ones, or a time range")
	}
	res := q.Updates(map[string]any{"status": model.DeliveryPending, "attempts": 0, "next_attempt_at": now(), "lease_until": nil})
	return res.RowsAffected, dbErr(res.Error)
}

// PurgeWebhookLog deletes attempts and settled deliveries older than before
// (the delivery log's retention).
func (s *Store) PurgeWebhookLog(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.WithTx(ctx, func(ctx context.Context) error {
		res := s.conn(ctx).Where("at < ?", before).Delete(&model.WebhookAttempt{})
		if res.Error != nil {
			return dbErr(res.Error)
		}
		n = res.RowsAffected
		res = s.conn(ctx).Where("created_at < ? AND status <> ?", before, model.DeliveryPending).Delete(&model.WebhookDelivery{})
		n += res.RowsAffected
		return dbErr(res.Error)
	})
	return n, err
}
