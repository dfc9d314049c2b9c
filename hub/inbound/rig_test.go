package inbound_test

import (
	"bytes"
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"github.com/riverqueue/river"

	"rapport/connectors/queue"
	"rapport/hub/inbound"
	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// rig is a store, the /in handler on a router and an admin to configure it.
type rig struct {
	t     testing.TB
	s     *store.Store
	h     http.Handler
	admin context.Context
	owner string
	jobs  *queue.Queue
}

// newRig builds the handler; withJobs also runs the real job queue that
// processes inbound webhooks (otherwise their jobs wait in the database).
func newRig(t testing.TB, s *store.Store, withJobs bool) *rig {
	sys := model.WithActor(context.Background(), model.System)
	u := &model.User{Email: "admin@example.com", Name: "Admin", Role: model.RoleAdmin}
	if err := s.CreateUser(sys, u, ""); err != nil {
		t.Fatal(err)
	}
	rg := &rig{t: t, s: s, owner: u.ID,
		admin: model.WithActor(context.Background(), model.Actor{UserID: u.ID, Name: u.Name, Role: model.RoleAdmin})}
	if err := queue.Migrate(sys, s); err != nil {
		t.Fatal(err)
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &queue.InboundWebhook{Process: func(ctx context.Context, id string) error {
		return s.ProcessInboundMessage(model.WithActor(ctx, model.System), id)
	}})
	q, err := queue.New(sys, queue.Config{Store: s, Workers: workers, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rg.jobs = q
	if withJobs {
		if err := q.Start(sys); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Stop(ctx)
	})
	r := mux.NewRouter()
	inbound.New(inbound.Config{Store: s, MaxFormBytes: 4 << 10, MaxHookBytes: 16 << 10,
		Enqueue: func(ctx context.Context, id string) error {
			return q.Enqueue(ctx, queue.InboundWebhookArgs{MessageID: id}, nil)
		},
		ClientIP:       func(r *http.Request) string { return r.Header.Get("X-Test-Client") },
		UnsubscribeKey: unsubscribeKey,
	}).Mount(r)
	rg.h = r
	return rg
}

// unsubscribeKey signs the rig's unsubscribe links.
var unsubscribeKey = []byte("0123456789abcdef0123456789abcdef")

// post sends a request to the handler from client address ip.
func (rg *rig) post(path, contentType, body, ip string, headers ...string) *httptest.ResponseRecorder {
	rg.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewBufferString(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("X-Test-Client", ip)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	rg.h.ServeHTTP(rec, req)
	return rec
}

// count counts the rows of table matching where.
func (rg *rig) count(table, where string, args ...any) int64 {
	rg.t.Helper()
	var n int64
	q := "SELECT count(*) FROM " + table
	if where != "" {
		q += " WHERE " + where
	}
	if err := rg.row(q, args...).Scan(&n); err != nil {
		rg.t.Fatal(err)
	}
	return n
}

// row runs a query written with ? placeholders on either engine.
func (rg *rig) row(query string, args ...any) *sql.Row {
	if rg.s.Engine() == "postgres" {
		for i := 1; strings.Contains(query, "?"); i++ {
			query = strings.Replace(query, "?", "$"+strconv.Itoa(i), 1)
		}
	}
	return rg.s.DB().QueryRow(query, args...)
}

// snapshot counts the rows that a refused request must leave alone.
func (rg *rig) snapshot() [5]int64 {
	return [5]int64{rg.count("contacts", ""), rg.count("activities", ""), rg.count("changes", ""),
		rg.count("inbound_messages", ""), rg.count("river_job", "")}
}

// unchanged fails when a refused request wrote anything.
func (rg *rig) unchanged(before [5]int64, what string) {
	rg.t.Helper()
	if after := rg.snapshot(); after != before {
		rg.t.Errorf("%s wrote: rows (contacts, activities, changes, inbound, jobs) %v → %v", what, before, after)
	}
}

// eventually polls cond for up to ten seconds.
func (rg *rig) eventually(what string, cond func() bool) {
	rg.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			rg.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
