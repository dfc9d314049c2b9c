package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"rapport/model"
	"rapport/model/migrate"
)

// priorityRank orders priorities urgent first in SQL.
const priorityRank = "CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END"

// queueOrder is the ORDER BY of a queue's rules; age (oldest first) and the
// id break ties, so the order is total and stable. Its expressions are
// those of the queue-order indexes (m0016), which serve it.
func queueOrder(q *model.Queue) string {
	var parts []string
	for _, rule := range q.OrderBy {
		switch rule {
		case "priority":
			parts = append(parts, priorityRank)
		case "due":
			parts = append(parts, "CASE WHEN resolution_due IS NULL THEN 1 ELSE 0 END", "resolution_due")
		case "age":
			parts = append(parts, "created_at")
		}
	}
	return strings.Join(model.Dedupe(append(parts, "created_at", "id")), ", ")
}

// openInQueueSQL selects a queue's open requests. The statuses are
// literals, in the order the queue-order indexes' WHERE lists them, so
// both planners see the indexes apply to every prepared or generic plan.
var openInQueueSQL = "queue_id = ? AND deleted_at IS NULL AND status IN ('" + strings.Join([]string{model.RequestNew, model.RequestOpen,
	model.RequestPendingCustomer, model.RequestPendingThirdParty}, "', '") + "')"

// queueIndex names the queue-order index (m0016) that serves the longest
// start of a queue's order; the rules after that start only break its
// ties.
func queueIndex(q *model.Queue) string {
	rules := append(slices.Clone(q.OrderBy), "age")
	switch {
	case rules[0] == "priority" && rules[1] == "due":
		return "requests_queue_priority_due"
	case rules[0] == "priority":
		return "requests_queue_priority_age"
	case rules[0] == "due":
		return "requests_queue_due"
	}
	return "requests_queue_age"
}

// queueQuery is the query of a queue's open requests (only the unassigned
// ones if asked) in the queue's order, read from the queue-order index
// that serves it. SQLite is told which one: its planner prices sorting the
// ties of an order an index serves only in part like sorting the whole
// queue, and would read and sort all of the queue's open requests instead.
// PostgreSQL's finds the index itself (with an incremental sort of ties).
func (s *Store) queueQuery(ctx context.Context, q *model.Queue, unassigned bool) *gorm.DB {
	table := "requests"
	if s.engine == migrate.SQLite {
		table += " INDEXED BY " + queueIndex(q)
	}
	db := s.conn(ctx).Table(table).Where(openInQueueSQL, q.ID)
	if unassigned {
		db = db.Where("assignee_id IS NULL")
	}
	return db.Order(queueOrder(q))
}

// QueueRequests returns a page of a queue's open requests in the queue's
// order (offset paging: queues are worked from the top).
func (s *Store) QueueRequests(ctx context.Context, queueID string, unassigned bool, offset, limit int) ([]model.Request, error) {
	q, err := Get[model.Queue](ctx, s, queueID)
	if err != nil {
		return nil, err
	}
	if offset < 0 || offset > 10_000 {
		return nil, fieldErr("offset", "from 0 to 10000")
	}
	var out []model.Request
	return out, dbErr(s.queueQuery(ctx, q, unassigned).Offset(offset).Limit(clampLimit(limit, 200)).Find(&out).Error)
}

// NextRequest gives the caller the first unassigned open request of a
// queue, assigned to them (and opened if new), in one transaction: two
// agents asking at once get different requests. It is not found when the
// queue has nothing waiting.
func (s *Store) NextRequest(ctx context.Context, queueID string) (*model.Request, error) {
	a := model.ActorFrom(ctx)
	if a.UserID == "" {
		return nil, model.Errorf(model.EFORBIDDEN, "only a signed-in agent takes the next request")
	}
	var out *model.Request
	err := s.WithTx(ctx, func(ctx context.Context) error {
		q, err := Get[model.Queue](ctx, s, queueID)
		if err != nil {
			return err
		}
		var id string
		db := s.queueQuery(ctx, q, true).Select("id").Limit(1)
		if s.engine == migrate.Postgres {
			db = db.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		}
		if err := db.Scan(&id).Error; err != nil {
			return dbErr(err)
		}
		if id == "" {
			return model.Errorf(model.ENOTFOUND, "queue %s has no unassigned open request", q.Name)
		}
		out, err = Update(ctx, s, id, 0, func(r *model.Request) error {
			r.AssigneeID = &a.UserID
			if r.TeamID == nil && a.TeamID != "" {
				r.TeamID = &a.TeamID
			}
			if r.Status == model.RequestNew {
				r.Status = model.RequestOpen
			}
			return nil
		})
		return err
	})
	return out, err
}

// ChronologyEntry is one entry of a request's story: an activity linked
// to it (reply, note, mail, call, appointment …) or a change of its
// status, priority, queue or assignee.
type ChronologyEntry struct {
	At       string            `json:"at"`
	Type     string            `json:"type"` // activity, change
	Activity *model.Activity   `json:"activity,omitempty"`
	Change   *ChronologyChange `json:"change,omitempty"`
}

// ChronologyChange is who changed which workflow fields of a request.
type ChronologyChange struct {
	Actor  string                       `json:"actor"`
	Fields map[string]model.FieldChange `json:"fields"`
}

// chronologyFields are the request fields whose changes show in its story.
var chronologyFields = []string{"status", "priority", "queue_id", "assignee_id", "team_id", "sla_breached"}

// chronologyKeys are chronologyFields as encoding/json writes them as keys
// of a change's fields.
var chronologyKeys = func() []string {
	out := make([]string, len(chronologyFields))
	for i, f := range chronologyFields {
		out[i] = `"` + f + `":`
	}
	return out
}()

// storyChange is what a request's story reads of one of its change rows:
// not the snapshot (the whole request again, for every change), and the
// fields still encoded: most changes of a worked request only move its
// clock (last_activity_at) and need no decoding.
type storyChange struct {
	Op     string
	Actor  string
	At     time.Time
	Fields string
}

// workflow decodes the change's workflow fields; it skips the decoding
// when none of their keys occurs in the text.
func (c *storyChange) workflow() (map[string]model.FieldChange, error) {
	out := map[string]model.FieldChange{}
	if c.Op == model.OpCreate || !slices.ContainsFunc(chronologyKeys, func(k string) bool { return strings.Contains(c.Fields, k) }) {
		return out, nil
	}
	var all map[string]model.FieldChange
	if err := json.Unmarshal([]byte(c.Fields), &all); err != nil {
		return nil, fmt.Errorf("store: change fields: %w", err)
	}
	for _, f := range chronologyFields {
		if fc, ok := all[f]; ok {
			out[f] = fc
		}
	}
	return out, nil
}

// RequestChronology returns a request's whole story, oldest first: its
// activities and its workflow changes, merged by time.
func (s *Store) RequestChronology(ctx context.Context, id string) ([]ChronologyEntry, error) {
	if _, err := Get[model.Request](ctx, s, id); err != nil {
		return nil, err
	}
	var acts []model.Activity
	var changes []storyChange
	err := s.readBoth(ctx, func(db *gorm.DB) error {
		return db.Where("id IN (SELECT activity_id FROM activity_links WHERE entity = 'request' AND record_id = ?) AND deleted_at IS NULL", id).
			Order("sort_at, id").Find(&acts).Error
	}, func(db *gorm.DB) error {
		return db.Table("changes").Select("op, actor, at, fields").Where("entity = 'request' AND record_id = ?", id).
			Order("seq").Find(&changes).Error
	})
	if err != nil {
		return nil, dbErr(err)
	}
	return mergeChronology(acts, changes)
}

// readBoth runs two reads at the same time, each on a pooled connection of
// its own; inside a transaction, one after the other on its connection.
func (s *Store) readBoth(ctx context.Context, first, second func(db *gorm.DB) error) error {
	if s.inTx(ctx) != nil {
		if err := first(s.conn(ctx)); err != nil {
			return err
		}
		return second(s.conn(ctx))
	}
	done := make(chan error, 1)
	go func() { done <- second(s.conn(ctx)) }()
	err := first(s.conn(ctx))
	return errors.Join(err, <-done)
}

// mergeChronology interleaves activities and workflow changes by time.
func mergeChronology(acts []model.Activity, changes []storyChange) ([]ChronologyEntry, error) {
	out := make([]ChronologyEntry, 0, len(acts)+len(changes))
	i := 0
	for _, c := range changes {
		fields, err := c.workflow()
		if err != nil {
			return nil, err
		}
		for ; i < len(acts) && !acts[i].SortAt.After(c.At); i++ {
			out = append(out, ChronologyEntry{At: acts[i].SortAt.UTC().Format(timeLayout), Type: "activity", Activity: &acts[i]})
		}
		if c.Op == model.OpCreate || len(fields) > 0 {
			out = append(out, ChronologyEntry{At: c.At.UTC().Format(timeLayout), Type: "change", Change: &ChronologyChange{Actor: c.Actor, Fields: fields}})
		}
	}
	for ; i < len(acts); i++ {
		out = append(out, ChronologyEntry{At: acts[i].SortAt.UTC().Format(timeLayout), Type: "activity", Activity: &acts[i]})
	}
	return out, nil
}

const timeLayout = "2006-01-02T15:04:05.999999Z07:00"
