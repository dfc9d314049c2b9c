package store_test

import (
	"cmp"
	"context"
	"slices"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// queueRuleLists are all the orders a queue can have: every sequence of
// distinct rules.
var queueRuleLists = [][]string{
	{"priority"}, {"due"}, {"age"},
	{"priority", "due"}, {"priority", "age"}, {"due", "priority"}, {"due", "age"}, {"age", "priority"}, {"age", "due"},
	{"priority", "due", "age"}, {"priority", "age", "due"}, {"due", "priority", "age"}, {"due", "age", "priority"},
	{"age", "priority", "due"}, {"age", "due", "priority"},
}

// TestQueueOrders checks every queue order against the rules written out
// in Go: pages in order, the unassigned view and the next request, over
// requests with tied creation and due times, none due, closed, deleted and
// in another queue.
func TestQueueOrders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		agent := newUser(t, s, "queue-agent@example.com", model.RoleAgent)
		actor := model.WithActor(context.Background(), model.Actor{UserID: agent.ID, Name: agent.Name, Role: model.RoleAgent})
		q := &model.Queue{Name: "Orders", Active: true}
		other := &model.Queue{Name: "Elsewhere", Active: true}
		for _, x := range []*model.Queue{q, other} {
			if err := store.Create(salesAdmin, s, x); err != nil {
				t.Fatal(err)
			}
		}
		ids := seedQueueRequests(t, s, q, other, agent.ID)
		for _, rules := range queueRuleLists {
			if _, err := store.Update(salesAdmin, s, q.ID, 0, func(x *model.Queue) error { x.OrderBy = rules; return nil }); err != nil {
				t.Fatal(err)
			}
			want := queueInOrder(t, s, q.ID, rules, ids)
			if got := queuePages(t, s, q.ID, false); !slices.Equal(got, requestIDs(want, false)) {
				t.Fatalf("%v: got %v, want %v", rules, got, requestIDs(want, false))
			}
			unassigned := requestIDs(want, true)
			if got := queuePages(t, s, q.ID, true); !slices.Equal(got, unassigned) {
				t.Fatalf("%v unassigned: got %v, want %v", rules, got, unassigned)
			}
			next, err := s.NextRequest(actor, q.ID)
			if err != nil || next.ID != unassigned[0] {
				t.Fatalf("%v next: %v %v, want %s", rules, next, err, unassigned[0])
			}
		}
	})
}

// seedQueueRequests stores 40 requests in q and 4 in other, then sets
// their status, creation and due times and assignee directly: creation
// times in 5 tied groups, due times in 4 tied groups or none, a third
// resolved or closed, a quarter assigned, one deleted.
func seedQueueRequests(t *testing.T, s *store.Store, q, other *model.Queue, agentID string) []string {
	base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 44 {
		queueID := &q.ID
		if i >= 40 {
			queueID = &other.ID
		}
		r := &model.Request{Subject: "Order test", Priority: model.RequestPriorities[i%4], QueueID: queueID}
		if err := store.Create(salesAdmin, s, r); err != nil {
			t.Fatal(err)
		}
		var due, assignee any
		if i%3 != 0 {
			due = base.Add(time.Duration((i*7)%4) * time.Hour)
		}
		if i%4 == 0 {
			assignee = agentID
		}
		if _, err := s.DB().Exec("UPDATE requests SET status = $1, created_at = $2, resolution_due = $3, assignee_id = $4 WHERE id = $5",
			model.RequestStatuses[i%6], base.Add(time.Duration(i%5)*time.Minute), due, assignee, r.ID); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	if err := store.Delete[model.Request](salesAdmin, s, ids[3], 0); err != nil {
		t.Fatal(err)
	}
	return ids
}

// queueInOrder reads the requests and returns the queue's open ones in
// the order of rules, then creation time and id.
func queueInOrder(t *testing.T, s *store.Store, queueID string, rules []string, ids []string) []*model.Request {
	var open []*model.Request
	for _, id := range ids {
		r, err := store.Get[model.Request](salesAdmin, s, id)
		if model.ErrorCode(err) == model.ENOTFOUND {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if *r.QueueID == queueID && model.IsOpenRequest(r.Status) {
			open = append(open, r)
		}
	}
	rank := map[string]int{"urgent": 0, "high": 1, "normal": 2, "low": 3}
	due := func(r *model.Request) (bool, time.Time) {
		if r.ResolutionDue == nil {
			return true, time.Time{}
		}
		return false, *r.ResolutionDue
	}
	slices.SortFunc(open, func(a, b *model.Request) int {
		for _, rule := range rules {
			c := 0
			switch rule {
			case "priority":
				c = cmp.Compare(rank[a.Priority], rank[b.Priority])
			case "due":
				an, at := due(a)
				bn, bt := due(b)
				c = cmp.Or(compareBool(an, bn), at.Compare(bt))
			case "age":
				c = a.CreatedAt.Compare(b.CreatedAt)
			}
			if c != 0 {
				return c
			}
		}
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return open
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// requestIDs lists the requests' ids, only the unassigned ones if asked.
func requestIDs(rs []*model.Request, unassigned bool) []string {
	var out []string
	for _, r := range rs {
		if !unassigned || r.AssigneeID == nil {
			out = append(out, r.ID)
		}
	}
	return out
}

// queuePages reads a queue page by page of 7 to the end.
func queuePages(t *testing.T, s *store.Store, queueID string, unassigned bool) []string {
	var out []string
	for offset := 0; ; offset += 7 {
		page, err := s.QueueRequests(salesAdmin, queueID, unassigned, offset, 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			out = append(out, r.ID)
		}
		if len(page) < 7 {
			return out
		}
	}
}
