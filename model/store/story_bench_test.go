package store_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"rapport/model"
	"rapport/model/store"
)

var workedSeeded sync.Map // engine → request id

// workedEvents are the events of a worked request, in turn: the customer
// writes, an agent notes, replies and asks, calls, the customer answers.
var workedEvents = []store.RequestEvent{
	{Type: "mail_in"},
	{Type: "note"},
	{Type: "reply", Status: model.RequestPendingCustomer},
	{Type: "mail_in"},
	{Type: "call", DurationSeconds: 300},
}

// workedRequest makes, beside the seeded desk, a request worked through
// the store as agents do: 500 events added with AddRequestEvent (each also
// a change of the request, with its snapshot in the feed) with bodies of a
// few hundred characters, and a status move every fifth event.
func workedRequest(b *testing.B, s *store.Store, engine string) string {
	if id, ok := workedSeeded.Load(engine); ok {
		return id.(string)
	}
	r := &model.Request{Subject: "Worked", Description: strings.Repeat("The gateway drops the tunnel. ", 10),
		Tags: []string{"vpn", "gateway"}, CustomFields: map[string]any{"site": "Berlin"}}
	if err := store.Create(salesAdmin, s, r); err != nil {
		b.Fatal(err)
	}
	for i := range 500 {
		ev := workedEvents[i%len(workedEvents)]
		ev.Body = fmt.Sprintf("Event %d. ", i) + strings.Repeat("We looked at the logs and restarted the service. ", 8)
		if _, err := s.AddRequestEvent(salesAdmin, r.ID, ev); err != nil {
			b.Fatal(err)
		}
	}
	analyze(b, s, engine, "changes", "activities", "activity_links")
	workedSeeded.Store(engine, r.ID)
	return r.ID
}

// BenchmarkRequestStoryWorked: the chronology of a request with 500 events
// added through the store (so 500 changes of the request too), among the
// desk's 500,000 requests and 2,000,000 events; target < 20 ms.
func BenchmarkRequestStoryWorked(b *testing.B) {
	eachEngine(b, func(b *testing.B, engine string) {
		s, _ := seededDesk(b, engine)
		id := workedRequest(b, s, engine)
		timed(b, func() error {
			story, err := s.RequestChronology(salesAdmin, id)
			if err == nil && len(story) < 600 {
				err = fmt.Errorf("%d entries", len(story))
			}
			return err
		})
	})
}
