package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
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
		// Payloads are made from snapshots; decoding each row's changed
		// fields as well took most of a fill's CPU time.
		err = s.conn(ctx).Omit("fields").Where("seq > ? AND seq <= ?", st.Cursor, head).Order("seq").Limit(limit).Find(&rows).Error
		if err != nil {
			return dbErr(err)
		}
		next := head
		if len(rows) == limit {
			next = rows[len(rows)-1].Seq
		}
		viewer, err := s.subscriberView(ctx, ep)
		if err != nil {
			return err
		}
		out, err := deliveriesFor(ep, rows, viewer)
		if err != nil {
			return err
		}
		if len(out) > 0 {
			if err := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(out, 200).Error; err != nil {
				return dbErr(err)
			}
		}
		if len(out) > 0 && st.FailingSince != nil {
			// New events of records whose head waits for a retry wait
			// with it (see alignWithHeads).
			if err := s.alignWithHeads(ctx, ep.ID, false, "d.seq > ? AND d.seq <= ?", st.Cursor, next); err != nil {
				return err
			}
		}
		made = len(out)
		return dbErr(s.conn(ctx).Model(&model.WebhookState{}).Where("endpoint_id = ?", ep.ID).Update("cursor_seq", next).Error)
	})
	return made, err
}

// deliveriesFor builds the deliveries of feed rows to ep, of the events it
// subscribes to: each row's created/updated/deleted event and its domain
// event (opportunity.won …) when it has one, in that order. A REST hook
// (an endpoint with an owner) gets only the records its owner may see.
func deliveriesFor(ep *model.WebhookEndpoint, rows []model.Change, viewer *model.Actor) ([]*model.WebhookDelivery, error) {
	var out []*model.WebhookDelivery
	for i := range rows {
		c := &rows[i]
		if !model.IsEvent(c) || (viewer != nil && !changeVisible(*viewer, c)) {
			continue
		}
		for _, typ := range eventTypesOf(c) {
			if d, ok, err := deliveryFor(ep, c, typ); err != nil {
				return nil, err
			} else if ok {
				out = append(out, d)
			}
		}
	}
	return out, nil
}

// eventTypesOf lists the events a feed row is.
func eventTypesOf(c *model.Change) []string {
	typ := model.EventType(c)
	if c.Event == "" || c.Event == typ {
		return []string{typ}
	}
	return []string{typ, c.Event}
}

// deliveryFor builds the delivery of event typ of feed row c to ep, if ep
// subscribes to it.
func deliveryFor(ep *model.WebhookEndpoint, c *model.Change, typ string) (*model.WebhookDelivery, bool, error) {
	matched := false
	for _, p := range ep.EventTypes {
		matched = matched || model.EventMatches(p, typ)
	}
	if !matched {
		return nil, false, nil
	}
	body, err := model.EventPayload(c, typ, ep.PayloadMode)
	if err != nil {
		return nil, false, err
	}
	t := now()
	return &model.WebhookDelivery{ID: model.NewID(), EndpointID: ep.ID, Seq: c.Seq, EventType: typ, Entity: c.Entity,
		RecordID: c.RecordID, Payload: body, Status: model.DeliveryPending, NextAttemptAt: t, CreatedAt: t}, true, nil
}

// subscriberView is what a REST hook's owner may see now: nil for an
// endpoint an admin made (everything); an actor without rights when the
// owner is gone or disabled (nothing).
func (s *Store) subscriberView(ctx context.Context, ep *model.WebhookEndpoint) (*model.Actor, error) {
	if ep.OwnerID == "" {
		return nil, nil
	}
	var u model.User
	err := s.conn(ctx).Where("id = ? AND deleted_at IS NULL AND disabled = ?", ep.OwnerID, false).Take(&u).Error
	if err != nil {
		if model.ErrorCode(dbErr(err)) == model.ENOTFOUND {
			return &model.Actor{}, nil
		}
		return nil, dbErr(err)
	}
	a, err := s.ActorFor(ctx, &u, nil)
	return &a, err
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
	rows, err := s.queryFresh(ctx, s.claimSQL(), t.Add(lease), endpointID, t, t, limit)
	if err != nil {
		return nil, dbErr(err)
	}
	defer rows.Close()
	var out []model.WebhookDelivery
	for rows.Next() {
		var d model.WebhookDelivery
		if err := s.conn(ctx).ScanRows(rows, &d); err != nil {
			return nil, dbErr(err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
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
// 100,000 pending), whatever the statistics say: the inner SELECT walks
// the due index in time order and stops at limit; each candidate must be
// its record's head (see headSQL), and events waiting for a head are kept
// out of the due range (see alignWithHeads). 'pending' is a literal so
// that both engines can use the partial indexes.
//
// On PostgreSQL the candidates are locked with SKIP LOCKED, so concurrent
// claimers (other hubs) pass over each other's rows instead of waiting; a
// row leased meanwhile fails the lease test when the lock re-checks it.
// SQLite has one writer at a time.
func (s *Store) claimSQL() string {
	lock := ""
	if s.engine == migrate.Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	return `UPDATE webhook_deliveries SET lease_until = ? WHERE id IN (
		SELECT d.id FROM webhook_deliveries d
		WHERE d.endpoint_id = ? AND d.status = 'pending' AND d.next_attempt_at <= ? AND (d.lease_until IS NULL OR d.lease_until < ?)
			AND (d.seq = 0 OR d.id = ` + s.headSQL("id", "d") + `)
		ORDER BY d.next_attempt_at LIMIT ?` + lock + `)
	RETURNING *`
}

// headSQL selects column col of the head of row's record: its first
// pending event, from the record index. A record's events go out one at a
// time from the head, and claims look up one head per candidate, so the
// look-up must use that index whatever the statistics say.
//
// PostgreSQL gets a row comparison, (endpoint, record, seq) >= (endpoint,
// record, 1), with an ORDER BY that matches the record index column for
// column: no other index can serve it (given plain equalities, PostgreSQL
// without column statistics scanned the endpoint's whole due index per
// look-up). SQLite, whose planner has no statistics and prefers the index
// with the most equalities, gets equalities: given the row comparison it
// used only its first column once the endpoint was known, walking the
// endpoint's whole backlog per look-up.
func (s *Store) headSQL(col, row string) string {
	match := `(h.endpoint_id, h.record_id, h.seq) >= (` + row + `.endpoint_id, ` + row + `.record_id, 1)`
	if s.engine == migrate.SQLite {
		match = `h.endpoint_id = ` + row + `.endpoint_id AND h.record_id = ` + row + `.record_id AND h.seq > 0`
	}
	return `(SELECT h.` + col + ` FROM webhook_deliveries h WHERE ` + match + ` AND h.status = 'pending'
		ORDER BY h.endpoint_id, h.record_id, h.seq LIMIT 1)`
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
			if err := s.holdRetried(ctx, id, outs); err != nil {
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
	return dbErr(s.execFresh(ctx, `UPDATE webhook_deliveries SET status = v.column2, attempts = v.column3,
		last_status = v.column4, last_error = v.column5,
		next_attempt_at = COALESCE(v.column6, webhook_deliveries.next_attempt_at),
		delivered_at = COALESCE(v.column7, webhook_deliveries.delivered_at), lease_until = NULL
	FROM (VALUES `+strings.Join(values, ", ")+`) AS v WHERE webhook_deliveries.id = v.column1`, args...))
}

// holdRetried makes the later pending events of the endpoint's records
// whose delivery in outs is to be retried wait for that retry.
func (s *Store) holdRetried(ctx context.Context, endpointID string, outs []AttemptOutcome) error {
	var records []any
	for _, o := range outs {
		d := o.Delivery
		if d.EndpointID == endpointID && o.Outcome == AttemptRetry && d.Seq > 0 && !slices.Contains(records, any(d.RecordID)) {
			records = append(records, d.RecordID)
		}
	}
	if len(records) == 0 {
		return nil
	}
	in := strings.TrimSuffix(strings.Repeat("?, ", len(records)), ", ")
	return s.alignWithHeads(ctx, endpointID, false, "d.record_id IN ("+in+")", records...)
}

// alignWithHeads gives the pending deliveries of an endpoint that match
// cond (on d) and wait for an earlier event of their record the head's due
// time when it is later (hold) or, with release, whenever it differs.
//
// They could not be sent before the head anyway, but due and waiting they
// would be walked over, each with a look-up of its head, by every claim: a
// dead endpoint's backlog is mostly such events (their heads retrying
// later), and claims that walk 100,000 of them hold up the database (on
// SQLite, its one writer) for everyone. So a head's retry holds its
// record's later events, and so does a failing endpoint's fill for new
// ones. When a head is sent its held events are due already (their time
// was its time); a replay, which makes heads due early, releases them.
// Claims still check the head, so none of this matters for order: it only
// keeps waiting events out of the due range.
func (s *Store) alignWithHeads(ctx context.Context, endpointID string, release bool, cond string, args ...any) error {
	differs := "d.next_attempt_at < " + s.headSQL("next_attempt_at", "d")
	if release {
		differs = "d.next_attempt_at <> " + s.headSQL("next_attempt_at", "d")
	}
	return dbErr(s.execFresh(ctx, `UPDATE webhook_deliveries SET next_attempt_at = `+s.headSQL("next_attempt_at", "webhook_deliveries")+`
		WHERE id IN (SELECT d.id FROM webhook_deliveries d
			WHERE d.endpoint_id = ? AND d.status = 'pending' AND d.seq > 0 AND `+cond+` AND `+differs+`)`,
		append([]any{endpointID}, args...)...))
}

// queryFresh and execFresh run statements whose good plan depends on their
// actual parameters: the dispatcher's claims (how many deliveries there
// are) and answer-book searches (how common the words are). On PostgreSQL they are
// planned for their actual parameters at every execution (pgx's
// cached-describe mode runs them as the unnamed statement, still in one
// round trip): after five runs of a prepared statement PostgreSQL may keep
// a generic plan for the connection's life, and one made while the table
// was nearly empty looked up each claim candidate's record by walking the
// whole due index, which cost seconds per claim behind a large backlog.
func (s *Store) queryFresh(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	db := s.conn(ctx)
	if s.engine != migrate.Postgres {
		return db.Raw(query, args...).Rows()
	}
	return db.Statement.ConnPool.QueryContext(ctx, dollarParams(query), append([]any{pgx.QueryExecModeCacheDescribe}, args...)...)
}

func (s *Store) execFresh(ctx context.Context, query string, args ...any) error {
	db := s.conn(ctx)
	if s.engine != migrate.Postgres {
		return db.Exec(query, args...).Error
	}
	_, err := db.Statement.ConnPool.ExecContext(ctx, dollarParams(query), append([]any{pgx.QueryExecModeCacheDescribe}, args...)...)
	return err
}

// dollarParams numbers a statement's ? placeholders $1, $2 ... as
// PostgreSQL wants them (GORM does this for the statements it builds). The
// statements given to it have no ? in literals.
func dollarParams(query string) string {
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
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
// for days), records why, and audits it so admins are told. A REST hook
// answering 410 is deleted: its receiver unsubscribed. Disabling a disabled
// endpoint does nothing.
func (s *Store) DisableWebhookEndpoint(ctx context.Context, endpointID, reason string) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		// Under the row lock: when two dispatcher passes (or two hubs) decide
		// together, the second finds it disabled and writes nothing.
		errDisabled := errors.New("already disabled")
		ep, err := Update(ctx, s, endpointID, 0, func(e *model.WebhookEndpoint) error {
			if !e.Active {
				return errDisabled
			}
			e.Active = false
			return nil
		})
		if errors.Is(err, errDisabled) {
			return nil
		}
		if err != nil {
			return err
		}
		if ep.RESTHook && strings.HasPrefix(reason, "410") {
			// A REST hook's receiver unsubscribes itself with 410.
			reason = "unsubscribed by its receiver (410 Gone)"
			if err := Delete[model.WebhookEndpoint](ctx, s, endpointID, 0); err != nil {
				return err
			}
		}
		err = s.conn(ctx).Model(&model.WebhookState{}).Where("endpoint_id = ?", endpointID).
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
	out, _, err := s.WebhookDeliveryPage(ctx, endpointID, status, before, LogCursor{}, limit)
	return out, err
}

// WebhookDeliveryPage returns a page of an endpoint's deliveries, newest
// first, optionally of one status and created before before, after the
// cursor; and the next page's cursor (zero at the end). Deliveries made in
// the same instant are told apart by id, so pages neither skip nor repeat.
func (s *Store) WebhookDeliveryPage(ctx context.Context, endpointID, status string, before time.Time, after LogCursor, limit int) ([]model.WebhookDelivery, LogCursor, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, LogCursor{}, err
	}
	limit = clampLimit(limit, 500)
	q := after.after(s.conn(ctx).Where("endpoint_id = ?", endpointID), "created_at")
	if status != "" {
		q = q.Where("status = ?", status)
	}
	if !before.IsZero() {
		q = q.Where("created_at < ?", before)
	}
	var out []model.WebhookDelivery
	if err := q.Order("created_at DESC, id DESC").Limit(limit).Find(&out).Error; err != nil || len(out) == 0 {
		return out, LogCursor{}, dbErr(err)
	}
	last := out[len(out)-1]
	return out, nextLogCursor(len(out), limit, last.CreatedAt, last.ID), nil
}

// WebhookDelivery returns one delivery of an endpoint.
func (s *Store) WebhookDelivery(ctx context.Context, endpointID, id string) (*model.WebhookDelivery, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	var d model.WebhookDelivery
	return &d, dbErr(s.conn(ctx).Where("endpoint_id = ? AND id = ?", endpointID, id).Take(&d).Error)
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
	scope, args, err := replayScope(f)
	if err != nil {
		return 0, err
	}
	t := now()
	var n int64
	err = s.WithTx(ctx, func(ctx context.Context) error {
		res := s.conn(ctx).Model(&model.WebhookDelivery{}).Where("endpoint_id = ?", endpointID).Where(scope, args...).
			Updates(map[string]any{"status": model.DeliveryPending, "attempts": 0, "next_attempt_at": t, "lease_until": nil})
		if n = res.RowsAffected; res.Error != nil || n == 0 {
			return dbErr(res.Error)
		}
		// A replayed delivery may now be its record's head, due before
		// the events held for the old head: release them.
		return s.alignWithHeads(ctx, endpointID, true, `d.record_id IN (SELECT r.record_id FROM webhook_deliveries r
			WHERE r.endpoint_id = d.endpoint_id AND r.status = 'pending' AND r.attempts = 0 AND r.next_attempt_at = ?)`, t)
	})
	return n, err
}

// replayScope turns a ReplayFilter into a condition on deliveries.
func replayScope(f ReplayFilter) (string, []any, error) {
	switch {
	case f.DeliveryID != "":
		return "id = ?", []any{f.DeliveryID}, nil
	case f.Failed:
		return "status = ?", []any{model.DeliveryFailed}, nil
	case !f.Since.IsZero() && !f.Until.IsZero():
		return "created_at >= ? AND created_at < ?", []any{f.Since, f.Until}, nil
	case !f.Since.IsZero():
		return "created_at >= ?", []any{f.Since}, nil
	}
	return "", nil, model.Errorf(model.EINVALID, "say which deliveries: one id, failed ones, or a time range")
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
