package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// adminCtx is how the tests write: an internal (admin) actor.
var adminCtx = model.WithActor(context.Background(), model.Actor{Name: "test", Internal: true})

// Receiver modes.
const (
	modeOK   int32 = iota // verify, record, 204
	mode500               // answer 500
	modeHang              // never answer (until the client gives up)
	mode410               // answer 410 Gone
)

// hookEvent is one accepted delivery as the receiver saw it.
type hookEvent struct {
	MsgID    string
	Type     string
	RecordID string
	Version  int64
	Data     map[string]any
}

// hookReceiver is a test endpoint on 127.0.0.1 that verifies every request
// with the Standard Webhooks reference library, can be told to fail in
// several ways, and can be closed and reopened on the same port (so that
// connections are refused in between).
type hookReceiver struct {
	t      testing.TB
	verify *standardwebhooks.Webhook
	mode   atomic.Int32

	mu       sync.Mutex
	addr     string
	srv      *http.Server
	accepted []hookEvent
	ids      map[string]string // type/record/version → webhook-id of every request
	requests int
	notify   chan struct{}
}

func newHookReceiver(t testing.TB, key []byte) *hookReceiver {
	wh, err := standardwebhooks.NewWebhook(secretOf(key))
	if err != nil {
		t.Fatal(err)
	}
	r := &hookReceiver{t: t, verify: wh, ids: map[string]string{}, notify: make(chan struct{}, 1)}
	r.listen()
	t.Cleanup(r.close)
	return r
}

func (r *hookReceiver) URL() string { return "http://" + r.addr + "/hook" }

// listen (re)opens the receiver on its address.
func (r *hookReceiver) listen() {
	r.mu.Lock()
	defer r.mu.Unlock()
	addr := r.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var ln net.Listener
	var err error
	for range 50 { // the port may linger briefly after close
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		r.t.Fatalf("receiver listen: %v", err)
	}
	r.addr = ln.Addr().String()
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
}

// close stops listening and drops open connections: dials are refused.
func (r *hookReceiver) close() {
	r.mu.Lock()
	srv := r.srv
	r.srv = nil
	r.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

func (r *hookReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if err := r.verify.Verify(body, req.Header); err != nil {
		r.t.Errorf("reference library rejects delivery %s: %v", req.Header.Get("webhook-id"), err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var p struct {
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		r.t.Errorf("payload %s: %v", body, err)
	}
	ev := hookEvent{MsgID: req.Header.Get("webhook-id"), Type: p.Type, Data: p.Data}
	ev.RecordID, _ = p.Data["id"].(string)
	if v, ok := p.Data["version"].(float64); ok {
		ev.Version = int64(v)
	}
	key := fmt.Sprintf("%s/%s/%d", ev.Type, ev.RecordID, ev.Version)
	if ev.Type == EventPingType {
		key = ev.MsgID
	}
	r.mu.Lock()
	r.requests++
	if id, ok := r.ids[key]; ok && id != ev.MsgID {
		r.t.Errorf("event %s arrived with two webhook-ids: %s and %s", key, id, ev.MsgID)
	}
	r.ids[key] = ev.MsgID
	r.mu.Unlock()

	switch r.mode.Load() {
	case mode500:
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	case mode410:
		w.WriteHeader(http.StatusGone)
		return
	case modeHang:
		<-req.Context().Done()
		return
	}
	r.mu.Lock()
	r.accepted = append(r.accepted, ev)
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
	w.WriteHeader(http.StatusNoContent)
}

// EventPingType is model.EventPing, short for the tests.
const EventPingType = model.EventPing

// events returns a copy of the accepted deliveries.
func (r *hookReceiver) events() []hookEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.accepted)
}

// distinct returns how many different webhook-ids were accepted.
func (r *hookReceiver) distinct() int {
	seen := map[string]bool{}
	for _, e := range r.events() {
		seen[e.MsgID] = true
	}
	return len(seen)
}

// waitUntil waits until the receiver has accepted n different messages
// and reports whether it did within timeout.
func (r *hookReceiver) waitUntil(n int, timeout time.Duration) bool {
	deadline := time.After(timeout)
	for r.distinct() < n {
		select {
		case <-r.notify:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			return false
		}
	}
	return true
}

// waitFor waits until the receiver has accepted n different messages.
func (r *hookReceiver) waitFor(t testing.TB, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for r.distinct() < n {
		select {
		case <-r.notify:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			t.Fatalf("receiver has %d of %d events after %s", r.distinct(), n, timeout)
		}
	}
}

// newTestEndpoint stores an active endpoint for url signed with key.
func newTestEndpoint(t testing.TB, s *store.Store, url string, key []byte, mutate func(*model.WebhookEndpoint)) *model.WebhookEndpoint {
	t.Helper()
	ep := &model.WebhookEndpoint{URL: url, Active: true}
	if mutate != nil {
		mutate(ep)
	}
	if err := s.CreateWebhookEndpoint(adminCtx, ep, secretOf(key)); err != nil {
		t.Fatal(err)
	}
	return ep
}

// runDispatcher starts a dispatcher; the returned stop cancels it and
// waits for Run to return (and fails the test if it does not return nil).
func runDispatcher(t testing.TB, cfg DispatcherConfig) (*Dispatcher, func()) {
	t.Helper()
	d := NewDispatcher(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- d.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-errc:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(15 * time.Second):
				t.Errorf("Run did not return after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return d, stop
}

func testConfig(t testing.TB, s *store.Store, timeout time.Duration, schedule string) DispatcherConfig {
	t.Helper()
	sch, err := ParseSchedule(schedule)
	if err != nil {
		t.Fatal(err)
	}
	var out io.Writer = io.Discard
	if tt, ok := t.(interface{ Output() io.Writer }); ok {
		out = tt.Output() // shown with -v or when the test fails
	}
	return DispatcherConfig{Store: s, Client: NewClient(ClientOptions{Allow: loopbackOnly, Timeout: timeout}),
		Schedule: sch, Poll: 20 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(out, nil))}
}

// allAttempts returns every attempt of every delivery of an endpoint.
func allAttempts(t testing.TB, s *store.Store, endpointID string) ([]model.WebhookDelivery, []model.WebhookAttempt) {
	t.Helper()
	ds, err := s.WebhookDeliveries(adminCtx, endpointID, "", time.Time{}, 500)
	if err != nil {
		t.Fatal(err)
	}
	var out []model.WebhookAttempt
	for _, d := range ds {
		at, err := s.WebhookAttempts(adminCtx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, at...)
	}
	return ds, out
}

// TestDispatchSurvivesFaults: while ~50 changes to 5 contacts are written,
// the receiver answers 500, then times out, then refuses connections, then
// recovers; a second dispatcher joins and the first is stopped in the
// middle of the retries. Every event arrives (verified with the reference
// library), none is lost, duplicates carry the same webhook-id, and each
// record's events arrive in feed order.
func TestDispatchSurvivesFaults(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		key := testKey(7)
		rcv := newHookReceiver(t, key)
		rcv.mode.Store(mode500)
		ep := newTestEndpoint(t, s, rcv.URL(), key, func(ep *model.WebhookEndpoint) {
			ep.EventTypes = []string{"contact.*"}
			ep.Headers = map[string]string{"Authorization": "Bearer s3cret", "X-Api-Key": "k3y", "X-Tenant": "acme"}
		})
		cfg := testConfig(t, s, 150*time.Millisecond, "0,20ms,40ms,80ms,160ms,320ms"+strings.Repeat(",300ms", 40))

		var current atomic.Pointer[Dispatcher]
		d1, stop1 := runDispatcher(t, cfg)
		current.Store(d1)

		const contacts, updates = 5, 45
		written := make(chan error, 1)
		go func() {
			ids := make([]string, contacts)
			for i := range contacts {
				c := &model.Contact{FirstName: "Fault", LastName: fmt.Sprint(i)}
				if err := store.Create(adminCtx, s, c); err != nil {
					written <- err
					return
				}
				ids[i] = c.ID
				current.Load().Wake()
			}
			for i := range updates {
				_, err := store.Update(adminCtx, s, ids[i%contacts], 0, func(c *model.Contact) error {
					c.Title = fmt.Sprint("update ", i)
					return nil
				})
				if err != nil {
					written <- err
					return
				}
				current.Load().Wake()
				time.Sleep(15 * time.Millisecond)
			}
			written <- nil
		}()

		// Each fault lasts until the attempt log shows it, so that slow
		// machines see every phase.
		awaitAttempt(t, s, "status = 500")
		rcv.mode.Store(modeHang)
		d2, stop2 := runDispatcher(t, cfg) // a second hub joins
		current.Store(d2)
		awaitAttempt(t, s, "error LIKE '%timeout%'")
		stop1()     // and the first one goes away mid-retries
		rcv.close() // connections refused
		awaitAttempt(t, s, "error LIKE '%refused%'")
		rcv.mode.Store(modeOK)
		rcv.listen()
		if err := <-written; err != nil {
			t.Fatal(err)
		}
		d2.Wake()
		if !rcv.waitUntil(contacts+updates, 10*time.Second) {
			ds, _ := allAttempts(t, s, ep.ID)
			for _, d := range ds {
				if d.Status != model.DeliveryDelivered {
					at, _ := s.WebhookAttempts(adminCtx, d.ID)
					t.Logf("%s %s seq %d: %s after %d attempts, next %s, lease %v", d.RecordID, d.EventType, d.Seq, d.Status, d.Attempts, d.NextAttemptAt, d.LeaseUntil)
					for _, a := range at {
						t.Logf("  #%d %s %d %q", a.Attempt, a.At.Format("15:04:05.000"), a.Status, a.Error)
					}
				}
			}
			t.Fatalf("receiver has %d of %d events", rcv.distinct(), contacts+updates)
		}
		// The receiver has everything; let the last outcomes be written
		// (stopping now would log them as interrupted and send them again).
		waitSettled(t, s, ep.ID, 5*time.Second)
		stop2()

		// Per record: versions 1..10 all arrived, in order; a repeat is the
		// same message (same webhook-id) again.
		byRecord := map[string][]hookEvent{}
		for _, e := range rcv.events() {
			byRecord[e.RecordID] = append(byRecord[e.RecordID], e)
		}
		if len(byRecord) != contacts {
			t.Fatalf("events for %d records, want %d", len(byRecord), contacts)
		}
		dups := 0
		for id, evs := range byRecord {
			var last hookEvent
			seen := map[int64]bool{}
			for i, e := range evs {
				switch {
				case i > 0 && e.Version == last.Version:
					dups++
					if e.MsgID != last.MsgID {
						t.Errorf("record %s version %d arrived twice with different ids", id, e.Version)
					}
				case i > 0 && e.Version < last.Version:
					t.Errorf("record %s: version %d arrived after %d", id, e.Version, last.Version)
				}
				seen[e.Version] = true
				last = e
			}
			for v := int64(1); v <= 1+updates/contacts; v++ {
				if !seen[v] {
					t.Errorf("record %s: version %d never arrived", id, v)
				}
			}
		}

		ds, attempts := allAttempts(t, s, ep.ID)
		if len(ds) != contacts+updates {
			t.Errorf("%d deliveries, want %d", len(ds), contacts+updates)
		}
		for _, d := range ds {
			if d.Status != model.DeliveryDelivered {
				t.Errorf("delivery %s (%s) is %s after %d attempts: %s", d.ID, d.EventType, d.Status, d.Attempts, d.LastError)
			}
		}
		var saw500, sawTimeout, sawRefused bool
		for _, a := range attempts {
			saw500 = saw500 || a.Status == 500
			sawTimeout = sawTimeout || strings.Contains(a.Error, "timeout")
			sawRefused = sawRefused || strings.Contains(a.Error, "refused")
			if a.Status == 204 {
				h := a.RequestHeaders
				if h["Authorization"] != "[redacted]" || h["X-Api-Key"] != "[redacted]" || h["Webhook-Signature"] != "[redacted]" ||
					h["X-Tenant"] != "acme" || h["Webhook-Id"] != a.DeliveryID {
					t.Errorf("logged request headers %v", h)
				}
			}
		}
		if !saw500 || !sawTimeout || !sawRefused {
			t.Errorf("faults seen in the attempt log: 500 %v, timeout %v, refused %v", saw500, sawTimeout, sawRefused)
		}
		t.Logf("%d attempts for %d deliveries, %d requests, %d duplicate arrivals", len(attempts), len(ds), rcv.requests, dups)
	})
}

// TestDispatchGoneDisables: a 410 answer fails the delivery and disables
// the endpoint, with an audit event for admins.
func TestDispatchGoneDisables(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		key := testKey(8)
		rcv := newHookReceiver(t, key)
		rcv.mode.Store(mode410)
		ep := newTestEndpoint(t, s, rcv.URL(), key, nil)
		d, stop := runDispatcher(t, testConfig(t, s, time.Second, "0,10ms,10ms"))
		if err := store.Create(adminCtx, s, &model.Contact{FirstName: "Gone"}); err != nil {
			t.Fatal(err)
		}
		d.Wake()
		waitDisabled(t, s, ep.ID)
		stop()
		st, err := s.WebhookState(adminCtx, ep.ID)
		if err != nil || st.DisabledAt == nil || st.DisabledReason != "410 Gone" {
			t.Errorf("state %+v %v", st, err)
		}
		ds, _ := allAttempts(t, s, ep.ID)
		if len(ds) != 1 || ds[0].Status != model.DeliveryFailed || ds[0].LastStatus != 410 {
			t.Errorf("deliveries %+v", ds)
		}
		checkDisabledAudit(t, s, ep.ID, "410 Gone")
	})
}

// TestDispatchDisablesLongFailing: an endpoint failing for longer than
// DisableAfter is disabled and audited.
func TestDispatchDisablesLongFailing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		key := testKey(9)
		rcv := newHookReceiver(t, key)
		rcv.mode.Store(mode500)
		ep := newTestEndpoint(t, s, rcv.URL(), key, nil)
		cfg := testConfig(t, s, time.Second, "0,10ms,10ms,10ms,10ms,10ms,10ms,10ms,10ms,10ms,10ms,10ms,10ms,10ms,10ms,10ms,10ms,10ms,10ms,10ms")
		cfg.DisableAfter = 100 * time.Millisecond
		d, stop := runDispatcher(t, cfg)
		if err := store.Create(adminCtx, s, &model.Contact{FirstName: "Failing"}); err != nil {
			t.Fatal(err)
		}
		d.Wake()
		waitDisabled(t, s, ep.ID)
		stop()
		st, err := s.WebhookState(adminCtx, ep.ID)
		if err != nil || !strings.Contains(st.DisabledReason, "failing since") {
			t.Errorf("state %+v %v", st, err)
		}
		checkDisabledAudit(t, s, ep.ID, "failing since")
	})
}

// waitSettled waits until an endpoint has no pending deliveries.
// awaitAttempt waits until an attempt matching the SQL condition is logged.
func awaitAttempt(t testing.TB, s *store.Store, cond string) {
	t.Helper()
	awaitRows(t, s, "SELECT COUNT(*) FROM webhook_attempts WHERE "+cond, 1)
}

// awaitRows waits until the counting query gives at least want.
func awaitRows(t testing.TB, s *store.Store, query string, want int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		if err := s.DB().QueryRow(query).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n >= want {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("fewer than %d rows: %s", want, query)
}

func waitSettled(t testing.TB, s *store.Store, endpointID string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ds, err := s.WebhookDeliveries(adminCtx, endpointID, model.DeliveryPending, time.Time{}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d+ deliveries still pending", len(ds))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitDisabled(t testing.TB, s *store.Store, endpointID string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		eps, err := s.ActiveWebhookEndpoints(adminCtx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(eps, func(e model.WebhookEndpoint) bool { return e.ID == endpointID }) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("endpoint still active")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func checkDisabledAudit(t testing.TB, s *store.Store, endpointID, reason string) {
	t.Helper()
	evs, err := s.AuditEvents(adminCtx, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		if e.Action == model.AuditWebhookDisabled && e.TargetID == endpointID {
			n++
			if r, _ := e.Detail["reason"].(string); !strings.Contains(r, reason) {
				t.Errorf("audit reason %q, want %q", r, reason)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d webhook_disabled audit events, want 1", n)
	}
}

// TestDispatchDeadEndpointDoesNotDelayOthers: with one endpoint on a
// closed port and one that never answers (every attempt runs into the
// client timeout), a healthy endpoint still gets its events at once.
func TestDispatchDeadEndpointDoesNotDelayOthers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		key := testKey(10)
		healthy := newHookReceiver(t, key)
		hanging := newHookReceiver(t, key)
		hanging.mode.Store(modeHang)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		deadURL := "http://" + ln.Addr().String() + "/hook"
		ln.Close()

		dead := newTestEndpoint(t, s, deadURL, key, nil)
		hangingEP := newTestEndpoint(t, s, hanging.URL(), key, nil)
		newTestEndpoint(t, s, healthy.URL(), key, nil)
		const timeout = 20 * time.Second
		// Retries of the dead endpoint every 200 ms: a realistic pace, not
		// a storm of writes that would measure SQLite's write lock.
		d, stop := runDispatcher(t, testConfig(t, s, timeout, "0,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms"))

		const n = 20
		start := time.Now()
		for i := range n {
			if err := store.Create(adminCtx, s, &model.Contact{FirstName: "Many", LastName: fmt.Sprint(i)}); err != nil {
				t.Fatal(err)
			}
			d.Wake()
		}
		healthy.waitFor(t, n, 10*time.Second)
		t.Logf("healthy took %s", time.Since(start))
		// The hanging endpoint's first attempt is still waiting for its
		// timeout: the healthy one did not queue behind it.
		if _, hung := allAttempts(t, s, hangingEP.ID); len(hung) != 0 {
			t.Errorf("healthy endpoint finished only after the hanging one timed out (%d attempts)", len(hung))
		}
		awaitRows(t, s, "SELECT COUNT(*) FROM webhook_deliveries WHERE endpoint_id = '"+dead.ID+"'", n)
		awaitAttempt(t, s, "endpoint_id = '"+dead.ID+"' AND error LIKE '%refused%'")
		stop()
		ds, attempts := allAttempts(t, s, dead.ID)
		if len(ds) != n || len(attempts) == 0 {
			t.Fatalf("dead endpoint: %d deliveries, %d attempts", len(ds), len(attempts))
		}
		for _, a := range attempts {
			if !strings.Contains(a.Error, "refused") && !strings.Contains(a.Error, "dispatcher stopped") {
				t.Errorf("dead endpoint attempt: %d %q", a.Status, a.Error)
			}
		}
		if eps, _ := s.ActiveWebhookEndpoints(adminCtx); len(eps) != 3 {
			t.Errorf("%d active endpoints, want 3 (failing is not disabled yet)", len(eps))
		}
	})
}

// TestDispatchThinFilteredPing: thin payloads carry only id and version,
// event-type filters hold back other events, and a ping is delivered.
func TestDispatchThinFilteredPing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		key := testKey(11)
		rcv := newHookReceiver(t, key)
		ep := newTestEndpoint(t, s, rcv.URL(), key, func(ep *model.WebhookEndpoint) {
			ep.EventTypes = []string{"contact.*"}
			ep.PayloadMode = model.PayloadThin
		})
		c := &model.Contact{FirstName: "Thin"}
		if err := store.Create(adminCtx, s, c); err != nil {
			t.Fatal(err)
		}
		if err := store.Create(adminCtx, s, &model.Account{Name: "Filtered out"}); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Update(adminCtx, s, c.ID, 0, func(c *model.Contact) error { c.Title = "CTO"; return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := s.EnqueueWebhookPing(adminCtx, ep.ID); err != nil {
			t.Fatal(err)
		}
		_, stop := runDispatcher(t, testConfig(t, s, time.Second, "0,10ms"))
		rcv.waitFor(t, 3, 5*time.Second)
		stop()
		ds, _ := allAttempts(t, s, ep.ID)
		if len(ds) != 3 {
			t.Errorf("%d deliveries, want 3 (the account is filtered out)", len(ds))
		}
		var types []string
		for _, e := range rcv.events() {
			types = append(types, e.Type)
			switch e.Type {
			case "contact.created", "contact.updated":
				if len(e.Data) != 2 || e.RecordID != c.ID || e.Version < 1 {
					t.Errorf("thin data %v", e.Data)
				}
			case model.EventPing:
				if e.Data["endpoint_id"] != ep.ID {
					t.Errorf("ping data %v", e.Data)
				}
			}
		}
		slices.Sort(types)
		if want := []string{"contact.created", "contact.updated", model.EventPing}; !slices.Equal(types, want) {
			t.Errorf("event types %v, want %v", types, want)
		}
	})
}

// TestDispatchAfterCrash: deliveries claimed by a dispatcher that died
// (never recorded) are sent by another once their lease expires.
func TestDispatchAfterCrash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		key := testKey(12)
		rcv := newHookReceiver(t, key)
		ep := newTestEndpoint(t, s, rcv.URL(), key, nil)
		for i := range 3 {
			if err := store.Create(adminCtx, s, &model.Contact{FirstName: "Crash", LastName: fmt.Sprint(i)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.FillWebhookDeliveries(adminCtx, ep, 100); err != nil {
			t.Fatal(err)
		}
		claimed, err := s.ClaimWebhookDeliveries(adminCtx, ep.ID, 10, 300*time.Millisecond)
		if err != nil || len(claimed) != 3 {
			t.Fatalf("claim: %d %v", len(claimed), err)
		}
		start := time.Now()
		_, stop := runDispatcher(t, testConfig(t, s, time.Second, "0,10ms"))
		rcv.waitFor(t, 3, 5*time.Second)
		stop()
		if took := time.Since(start); took < 250*time.Millisecond {
			t.Errorf("leased deliveries sent after %s, before their lease expired", took)
		}
		for _, e := range rcv.events() {
			if !slices.ContainsFunc(claimed, func(d model.WebhookDelivery) bool { return d.ID == e.MsgID }) {
				t.Errorf("unexpected message %s", e.MsgID)
			}
		}
	})
}

func TestRedactHeaders(t *testing.T) {
	h := http.Header{}
	for k, v := range map[string]string{
		"Authorization": "Bearer x", "Cookie": "s=1", "X-Api-Key": "k", "X-Auth-Token": "t", "X-Client-Secret": "s",
		"Webhook-Signature": "v1,abc", "Webhook-Id": "msg_1", "X-Tenant": "acme", "Content-Type": "application/json",
	} {
		h.Set(k, v)
	}
	got := RedactHeaders(h)
	for _, k := range []string{"Authorization", "Cookie", "X-Api-Key", "X-Auth-Token", "X-Client-Secret", "Webhook-Signature"} {
		if got[k] != "[redacted]" {
			t.Errorf("%s = %q, want redacted", k, got[k])
		}
	}
	if got["Webhook-Id"] != "msg_1" || got["X-Tenant"] != "acme" || got["Content-Type"] != "application/json" {
		t.Errorf("kept headers %v", got)
	}
	if RedactHeaders(nil) != nil {
		t.Error("nil headers")
	}
}

func TestDecide(t *testing.T) {
	sch, _ := ParseSchedule("0,1s,2s")
	w := &endpointWorker{d: &Dispatcher{schedule: sch}}
	cases := []struct {
		res     Result
		attempt int
		want    string
		min     time.Duration
	}{
		{Result{Outcome: Delivered}, 1, store.AttemptDelivered, 0},
		{Result{Outcome: Retry}, 1, store.AttemptRetry, 800 * time.Millisecond},
		{Result{Outcome: Retry, RetryAfter: time.Hour}, 1, store.AttemptRetry, time.Hour},
		{Result{Outcome: Retry}, 3, store.AttemptFailed, 0},
		{Result{Outcome: Gone}, 1, store.AttemptFailed, 0},
		{Result{Outcome: Refused}, 1, store.AttemptFailed, 0},
	}
	for _, c := range cases {
		got, next := w.decide(c.res, c.attempt)
		if got != c.want {
			t.Errorf("%v attempt %d: %s, want %s", c.res.Outcome, c.attempt, got, c.want)
		}
		if c.want == store.AttemptRetry && time.Until(next) < c.min-50*time.Millisecond {
			t.Errorf("%v attempt %d: next in %s, want at least %s", c.res.Outcome, c.attempt, time.Until(next), c.min)
		}
	}
}

// BenchmarkDispatch measures deliveries per second end to end: b.N
// changes are written first (untimed), then the clock runs from starting
// a dispatcher until a local receiver has acknowledged every event. The
// write path pays nothing for webhooks: it only appends to the change
// feed, which it does anyway; deliveries are made from the feed by the
// dispatcher (FillWebhookDeliveries), off the write path.
func BenchmarkDispatch(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			b.StopTimer()
			s := storetest.Open(b, engine)
			var got atomic.Int64
			done := make(chan struct{}, 1)
			var want atomic.Int64
			srv := newBenchServer(b, func() {
				if got.Add(1) == want.Load() {
					done <- struct{}{}
				}
			})
			ep := newTestEndpoint(b, s, srv, testKey(13), func(ep *model.WebhookEndpoint) { ep.MaxConcurrency = 32 })
			batch := make([]*model.Contact, 0, 1000)
			for i := range b.N {
				batch = append(batch, storetest.Contact(i))
				if len(batch) == cap(batch) || i == b.N-1 {
					if err := store.CreateMany(adminCtx, s, batch); err != nil {
						b.Fatal(err)
					}
					batch = batch[:0]
				}
			}
			if engine == "postgres" {
				if _, err := s.DB().Exec("ANALYZE"); err != nil {
					b.Fatal(err)
				}
			}
			want.Store(int64(b.N))
			cfg := testConfig(b, s, 5*time.Second, "0,10ms,10ms,10ms,10ms")
			b.StartTimer()
			_, stop := runDispatcher(b, cfg)
			select {
			case <-done:
			case <-time.After(5 * time.Minute):
				b.Fatalf("receiver has %d of %d", got.Load(), b.N)
			}
			b.StopTimer()
			stop()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
			if err := s.DisableWebhookEndpoint(adminCtx, ep.ID, "benchmark over"); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// newBenchServer is a receiver on 127.0.0.1 that reads the body, answers
// 204 and calls hit once per distinct webhook-id.
func newBenchServer(b testing.TB, hit func()) string {
	var mu sync.Mutex
	seen := map[string]bool{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		id := r.Header.Get("webhook-id")
		mu.Lock()
		first := !seen[id]
		seen[id] = true
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		if first {
			hit()
		}
	})}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			b.Error(err)
		}
	}()
	b.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/hook"
}
