package store

import (
	"context"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"rapport/model"
	"rapport/model/migrate"
)

// priorityRank orders priorities urgent first in SQL.
const priorityRank = "CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END"

// queueOrder is the ORDER BY of a queue's rules; age (oldest first) and the
// id break ties, so the order is total and stable.
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
	return strings.Join(append(parts, "created_at", "id"), ", ")
}

// openInQueue is the query of a queue's open requests.
func (s *Store) openInQueue(ctx context.Context, queueID string) *gorm.DB {
	return s.conn(ctx).Model(&model.Request{}).Where("queue_id = ? AND status IN ? AND deleted_at IS NULL", queueID,
		[]string{model.RequestNew, model.RequestOpen, model.RequestPendingCustomer, model.RequestPendingThirdParty})
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
	db := s.openInQueue(ctx, q.ID)
	if unassigned {
		db = db.Where("assignee_id IS NULL")
	}
	var out []model.Request
	return out, dbErr(db.Order(queueOrder(q)).Offset(offset).Limit(clampLimit(limit, 200)).Find(&out).Error)
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
		db := s.openInQueue(ctx, q.ID).Select("id").Where("assignee_id IS NULL").Order(queueOrder(q)).Limit(1)
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

// RequestChronology returns a request's whole story, oldest first: its
// activities and its workflow changes, merged by time.
func (s *Store) RequestChronology(ctx context.Context, id string) ([]ChronologyEntry, error) {
	if _, err := Get[model.Request](ctx, s, id); err != nil {
		return nil, err
	}
	var acts []model.Activity
	err := s.conn(ctx).Where("id IN (SELECT activity_id FROM activity_links WHERE entity = 'request' AND record_id = ?) AND deleted_at IS NULL", id).
		Order("sort_at, id").Find(&acts).Error
	if err != nil {
		return nil, dbErr(err)
	}
	changes, err := s.History(ctx, "request", id)
	if err != nil {
		return nil, err
	}
	return mergeChronology(acts, changes), nil
}

// mergeChronology interleaves activities and workflow changes by time.
func mergeChronology(acts []model.Activity, changes []model.Change) []ChronologyEntry {
	out := make([]ChronologyEntry, 0, len(acts)+len(changes))
	i := 0
	for _, c := range changes {
		fields := map[string]model.FieldChange{}
		for _, f := range chronologyFields {
			if fc, ok := c.Fields[f]; ok && c.Op != model.OpCreate {
				fields[f] = fc
			}
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
	return out
}

const timeLayout = "2006-01-02T15:04:05.999999Z07:00"
