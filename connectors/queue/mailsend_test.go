package queue

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"rapport/model/store"
	"rapport/model/storetest"
)

type sendCall struct {
	id    string
	final bool
}

// TestSendMailRetriesAndCancels runs the real worker: a temporary failure
// is retried (River's backoff: about a second after the first attempt), an
// undeliverable mail is tried once and never again.
func TestSendMailRetriesAndCancels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		migrated(t, s)
		calls := make(chan sendCall, 10)
		var mu sync.Mutex
		tries := map[string]int{}
		workers := river.NewWorkers()
		river.AddWorker(workers, &SendMail{Send: func(_ context.Context, id string, final bool) error {
			mu.Lock()
			tries[id]++
			n := tries[id]
			mu.Unlock()
			calls <- sendCall{id, final}
			switch {
			case id == "refused":
				return fmt.Errorf("550 no such user: %w", ErrUndeliverable)
			case id == "greylisted" && n == 1:
				return errors.New("451 try again later")
			}
			return nil
		}})
		q := newTestQueue(t, Config{Store: s, Workers: workers})
		if err := q.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"refused", "greylisted"} {
			if err := s.WithTx(context.Background(), func(ctx context.Context) error {
				return q.Enqueue(ctx, SendMailArgs{OutboundID: id}, nil)
			}); err != nil {
				t.Fatal(err)
			}
		}
		got := map[string]int{}
		deadline := time.After(15 * time.Second)
		for got["greylisted"] < 2 {
			select {
			case c := <-calls:
				got[c.id]++
				if c.final {
					t.Errorf("%s: attempt marked final, with 20 allowed", c.id)
				}
			case <-deadline:
				t.Fatalf("calls so far %v: the greylisted mail was not retried", got)
			}
		}
		select {
		case c := <-calls:
			t.Fatalf("unexpected further attempt %+v", c)
		case <-time.After(300 * time.Millisecond):
		}
		if got["refused"] != 1 {
			t.Errorf("undeliverable mail tried %d times", got["refused"])
		}
	})
}

func TestSendMailFinalAttempt(t *testing.T) {
	var finals []bool
	w := &SendMail{Send: func(_ context.Context, _ string, final bool) error {
		finals = append(finals, final)
		return errors.New("down")
	}}
	for _, attempt := range []int{19, 20} {
		job := &river.Job[SendMailArgs]{JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: 20}, Args: SendMailArgs{OutboundID: "x"}}
		if err := w.Work(context.Background(), job); err == nil {
			t.Fatal("a failed send reported success")
		}
	}
	if len(finals) != 2 || finals[0] || !finals[1] {
		t.Errorf("final flags %v, want [false true]", finals)
	}
	if got := (SendMailArgs{}).InsertOpts().MaxAttempts; got != 20 {
		t.Errorf("MaxAttempts %d", got)
	}
}
