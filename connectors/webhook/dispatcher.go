package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"rapport/model"
	"rapport/model/store"
)

// Dispatcher defaults; see DispatcherConfig.
const (
	// DefaultPoll is how often a Dispatcher looks for new changes and due
	// retries when nobody calls Wake.
	DefaultPoll = 500 * time.Millisecond
	// DefaultLease is how long a claimed delivery stays with one dispatcher
	// before another may take it (after a crash).
	DefaultLease = 60 * time.Second
	// DefaultDisableAfter is how long an endpoint may fail without a single
	// success before it is disabled.
	DefaultDisableAfter = 5 * 24 * time.Hour

	// fillLimit bounds the feed rows turned into deliveries per store call.
	fillLimit = 500
	// recordTimeout bounds writing an attempt's outcome, which runs on a
	// context that outlives Run's so that a finished attempt is not lost on
	// shutdown.
	recordTimeout = 10 * time.Second
	// leaseMargin is added to the client timeout to get the shortest lease
	// that outlives an attempt and the write of its outcome.
	leaseMargin = time.Second
)

// dispatcherActor is who the dispatcher acts as in the store: internal, so
// it may read secrets and disable endpoints.
var dispatcherActor = model.Actor{Name: "webhooks", Internal: true}

// DispatcherConfig configures NewDispatcher. Zero values mean the defaults.
type DispatcherConfig struct {
	// Store holds endpoints, deliveries and the change feed.
	Store *store.Store
	// Client sends the requests; it should come from NewClient (SSRF-safe).
	// nil means NewClient(ClientOptions{}).
	Client *http.Client
	// Schedule is the retry schedule; nil means Default.
	Schedule Schedule
	// Poll is the interval between looks at the feed and due retries;
	// Wake makes one at once. Default DefaultPoll.
	Poll time.Duration
	// Lease is how long a claimed delivery is reserved. It is raised to the
	// client timeout plus a second when shorter, so that a slow attempt is
	// never taken over by another dispatcher while it runs. Default
	// DefaultLease.
	Lease time.Duration
	// DisableAfter disables an endpoint that has been failing (no success)
	// for longer. Default DefaultDisableAfter.
	DisableAfter time.Duration
	// Logger receives the dispatcher's logs; nil means slog.Default().
	Logger *slog.Logger
}

// Dispatcher delivers the change feed to the active webhook endpoints: it
// turns feed rows into deliveries (store.FillWebhookDeliveries), claims due
// ones with a lease, sends them signed, logs every attempt and schedules
// retries, and disables endpoints that answer 410 or keep failing.
//
// Everything it knows lives in the database, so a restarted dispatcher
// carries on where the last one stopped, and several (one per hub process
// sharing PostgreSQL) may run at once: claims are leased, and a record's
// next event is claimable only when its previous one is settled, so each
// record's events arrive in feed order. Delivery is at least once: an event
// may arrive twice, always with the same webhook-id.
//
// Every endpoint has its own goroutine, at most its MaxConcurrency attempts
// in flight and its RateLimit, so a slow or dead receiver delays only itself.
type Dispatcher struct {
	store        *store.Store
	deliverer    *Deliverer
	schedule     Schedule
	poll         time.Duration
	lease        time.Duration
	disableAfter time.Duration
	log          *slog.Logger
	wake         chan struct{}
}

// NewDispatcher returns a Dispatcher; call Run to start it.
func NewDispatcher(cfg DispatcherConfig) *Dispatcher {
	d := &Dispatcher{
		store:        cfg.Store,
		deliverer:    NewDeliverer(cfg.Client),
		schedule:     cfg.Schedule,
		poll:         cfg.Poll,
		lease:        cfg.Lease,
		disableAfter: cfg.DisableAfter,
		log:          cfg.Logger,
		wake:         make(chan struct{}, 1),
	}
	if len(d.schedule) == 0 {
		d.schedule = Default
	}
	if d.poll <= 0 {
		d.poll = DefaultPoll
	}
	if d.lease <= 0 {
		d.lease = DefaultLease
	}
	if minLease := d.deliverer.client.Timeout + leaseMargin; d.deliverer.client.Timeout > 0 && d.lease < minLease {
		d.lease = minLease
	}
	if d.disableAfter <= 0 {
		d.disableAfter = DefaultDisableAfter
	}
	if d.log == nil {
		d.log = slog.Default()
	}
	d.log = d.log.With("component", "webhooks")
	return d
}

// Wake makes the dispatcher look for new changes at once instead of at its
// next poll; the hub calls it after a write. It never blocks.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run dispatches until ctx is done and returns nil then. Attempts in flight
// when ctx ends are cancelled and logged as attempts due again at once (the
// receiver may have seen them); claimed deliveries not yet sent wait for
// their lease to expire. Call Run once per Dispatcher.
func (d *Dispatcher) Run(ctx context.Context) error {
	ctx = model.WithActor(ctx, dispatcherActor)
	workers := map[string]*endpointWorker{}
	defer func() {
		for _, w := range workers {
			w.cancel()
		}
		for _, w := range workers {
			<-w.done
		}
	}()
	tick := time.NewTicker(d.poll)
	defer tick.Stop()
	for {
		d.syncWorkers(ctx, workers)
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-d.wake:
		}
	}
}

// syncWorkers starts a worker for every active endpoint, hands running ones
// the endpoint's current settings, stops those of endpoints no longer
// active, and wakes them all.
func (d *Dispatcher) syncWorkers(ctx context.Context, workers map[string]*endpointWorker) {
	eps, err := d.store.ActiveWebhookEndpoints(ctx)
	if err != nil {
		if ctx.Err() == nil {
			d.log.Error("listing webhook endpoints", "err", err)
		}
		return
	}
	active := make(map[string]bool, len(eps))
	for i := range eps {
		ep := &eps[i]
		active[ep.ID] = true
		w := workers[ep.ID]
		if w != nil && w.exited() {
			w.cancel()
			w = nil
		}
		if w == nil {
			w = d.startWorker(ctx, ep)
			workers[ep.ID] = w
		} else {
			w.ep.Store(ep)
		}
		w.nudge()
	}
	for id, w := range workers {
		if !active[id] {
			w.cancel()
			<-w.done
			delete(workers, id)
		}
	}
}

func (d *Dispatcher) startWorker(ctx context.Context, ep *model.WebhookEndpoint) *endpointWorker {
	wctx, cancel := context.WithCancel(ctx)
	w := &endpointWorker{d: d, cancel: cancel, done: make(chan struct{}),
		wake: make(chan struct{}, 1), freed: make(chan struct{}, 1),
		log: d.log.With("endpoint", ep.ID)}
	w.ep.Store(ep)
	go func() {
		defer close(w.done)
		w.run(wctx)
	}()
	return w
}

// endpointWorker delivers one endpoint's events.
type endpointWorker struct {
	d      *Dispatcher
	ep     atomic.Pointer[model.WebhookEndpoint]
	log    *slog.Logger
	cancel context.CancelFunc
	done   chan struct{}
	wake   chan struct{} // poll tick or Wake: fill and claim
	freed  chan struct{} // an attempt finished: claim (its record's next event may be due)

	disabled atomic.Bool // this worker disabled the endpoint; stop claiming

	records chan *outcomeRecord // to recordLoop

	mu        sync.Mutex
	inFlight  int // requests under way
	unsettled int // deliveries claimed whose outcome is not written yet

	nextStart time.Time // rate limit: when the next attempt may start
}

func (w *endpointWorker) exited() bool {
	select {
	case <-w.done:
		return true
	default:
		return false
	}
}

func (w *endpointWorker) nudge() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *endpointWorker) run(ctx context.Context) {
	w.records = make(chan *outcomeRecord)
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		w.recordLoop(context.WithoutCancel(ctx))
	}()
	var sends sync.WaitGroup
	defer func() {
		sends.Wait()
		close(w.records)
		<-recorded
	}()
	fill := true
	for ctx.Err() == nil && !w.disabled.Load() {
		if fill {
			fill = w.fill(ctx)
		}
		claimed := w.claimAndSend(ctx, &sends)
		if claimed > 0 || fill {
			continue
		}
		select {
		case <-ctx.Done():
		case <-w.wake:
			fill = true
		case <-w.freed:
		}
	}
}

// fill turns new feed rows into deliveries and reports whether there may
// be more to turn right away.
func (w *endpointWorker) fill(ctx context.Context) bool {
	s := w.d.store
	ep := w.ep.Load()
	n, err := s.FillWebhookDeliveries(ctx, ep, fillLimit)
	if err != nil {
		if ctx.Err() == nil {
			w.log.Error("filling webhook deliveries", "err", err)
		}
		return false
	}
	if n > 0 {
		return true
	}
	// Nothing made, but a full page of rows this endpoint does not
	// subscribe to may have been skipped: go on while the cursor lags.
	st, err := s.WebhookState(ctx, ep.ID)
	if err != nil {
		return false
	}
	head, err := s.LastSeq(ctx)
	return err == nil && st.Cursor < head
}

// claimAndSend claims as many due deliveries as the endpoint has free
// attempt slots (and its rate limit allows within about a second), starts
// an attempt for each and returns how many it started.
func (w *endpointWorker) claimAndSend(ctx context.Context, sends *sync.WaitGroup) int {
	ep := w.ep.Load()
	free := w.freeSlots(ep)
	if ep.RateLimit > 0 {
		free = min(free, ep.RateLimit)
	}
	if free <= 0 {
		return 0
	}
	s := w.d.store
	// A claim is not cancelled halfway: a commit that went through while
	// the client gave up would leave deliveries leased by nobody until
	// the lease expires. Claims made while stopping are released below.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	ds, err := s.ClaimWebhookDeliveries(cctx, ep.ID, free, w.d.lease)
	cancel()
	if err != nil {
		w.log.Error("claiming webhook deliveries", "err", err)
		return 0
	}
	if len(ds) == 0 {
		return 0
	}
	secrets, err := w.secrets(ctx, ep.ID)
	if err != nil {
		// Not the endpoint's fault: give the claim back rather than
		// failing its deliveries for want of a key.
		w.release(ctx, ds)
		return 0
	}
	started := 0
	for i := range ds {
		if !w.pace(ctx, ep.RateLimit) {
			w.release(ctx, ds[i:]) // stopping: another dispatcher may take them at once
			break
		}
		w.mu.Lock()
		w.inFlight++
		w.unsettled++
		w.mu.Unlock()
		started++
		dl := &ds[i]
		sends.Go(func() {
			defer w.freeSlot(&w.unsettled)
			w.attempt(ctx, ep, secrets, dl)
		})
	}
	return started
}

// freeSlots is how many attempts may start now: at most MaxConcurrency
// requests under way, and at most twice as many deliveries between their
// claim and their written outcome. A request's slot frees as soon as it is
// answered, so the next one need not wait for the outcome's commit (the
// record's next event waits anyway: its head is pending until then), while
// a slow database holds claims back instead of piling up leased deliveries.
func (w *endpointWorker) freeSlots(ep *model.WebhookEndpoint) int {
	limit := max(ep.MaxConcurrency, 1)
	w.mu.Lock()
	defer w.mu.Unlock()
	return min(limit-w.inFlight, 2*limit-w.unsettled)
}

// freeSlot takes one from a slot counter and tells the worker loop.
func (w *endpointWorker) freeSlot(counter *int) {
	w.mu.Lock()
	*counter--
	w.mu.Unlock()
	select {
	case w.freed <- struct{}{}:
	default:
	}
}

// pace waits until the endpoint's rate limit lets the next attempt start;
// it reports false when ctx ended first.
func (w *endpointWorker) pace(ctx context.Context, perSecond int) bool {
	if perSecond <= 0 {
		return ctx.Err() == nil
	}
	now := time.Now()
	start := now
	if w.nextStart.After(now) {
		start = w.nextStart
	}
	w.nextStart = start.Add(time.Second / time.Duration(perSecond))
	if wait := start.Sub(now); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
	return ctx.Err() == nil
}

// secrets returns the endpoint's valid signing keys; the store keeps them
// newest first, and a rotated-out secret drops off when it expires. An
// endpoint without a valid secret gets none (and its attempts are
// Refused); an error means the keys could not be read.
func (w *endpointWorker) secrets(ctx context.Context, endpointID string) ([][]byte, error) {
	raw, err := w.d.store.WebhookSecrets(ctx, endpointID)
	if err != nil {
		if ctx.Err() == nil {
			w.log.Error("reading webhook secrets", "err", err)
		}
		return nil, err
	}
	keys := make([][]byte, 0, len(raw))
	for _, r := range raw {
		k, err := ParseSecret(r)
		if err != nil {
			w.log.Error("skipping an invalid webhook secret", "err", err)
			continue
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// attempt sends one delivery, frees its request slot as soon as the answer
// is in (see freeSlots) and records the outcome.
func (w *endpointWorker) attempt(ctx context.Context, ep *model.WebhookEndpoint, secrets [][]byte, dl *model.WebhookDelivery) {
	res := w.d.deliverer.Send(ctx, Request{URL: ep.URL, MsgID: dl.ID, Body: dl.Payload, Secrets: secrets, Headers: ep.Headers})
	w.freeSlot(&w.inFlight)
	n := dl.Attempts + 1
	at := &model.WebhookAttempt{
		Attempt:         n,
		At:              res.Timestamp.UTC().Truncate(time.Microsecond),
		Status:          res.Status,
		LatencyMS:       int(res.Latency.Milliseconds()),
		Error:           truncate(res.Err, 900),
		ResponseExcerpt: truncate(res.ResponseExcerpt, 1900),
		RequestHeaders:  RedactHeaders(res.RequestHeaders),
	}
	outcome, next := w.decide(res, n)
	stopping := ctx.Err() != nil && res.Outcome != Delivered
	if stopping {
		// Shutting down is not the receiver's fault: try again at once,
		// whatever the schedule says.
		outcome, next = store.AttemptRetry, time.Now()
		at.Error = truncate("dispatcher stopped during the attempt: "+res.Err, 900)
	}
	// The outcome must be written even when Run's ctx has just ended:
	// otherwise a delivered event would be sent again.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := w.record(dl, at, outcome, next); err != nil {
		w.log.Error("recording a webhook attempt; the delivery is retried when its lease expires",
			"delivery", dl.ID, "err", err)
		return
	}
	log := w.log.With("delivery", dl.ID, "event", dl.EventType, "attempt", n, "status", res.Status)
	switch {
	case stopping:
		return
	case res.Outcome == Delivered:
		log.Debug("webhook delivered", "latency", res.Latency)
		return
	case res.Outcome == Gone:
		log.Warn("webhook endpoint answered 410 Gone; disabling it")
		w.disable(rctx, "410 Gone")
		return
	case res.Outcome == Refused:
		log.Warn("webhook delivery refused; not retried", "err", res.Err)
	case outcome == store.AttemptFailed:
		log.Warn("webhook delivery failed for good: retry schedule exhausted", "err", res.Err)
	default:
		log.Debug("webhook attempt failed; retrying", "err", res.Err, "next", next)
	}
	w.checkFailing(rctx)
}

// outcomeRecord is one attempt's outcome on its way to the store.
type outcomeRecord struct {
	delivery *model.WebhookDelivery
	attempt  *model.WebhookAttempt
	outcome  string
	next     time.Time
	done     chan error
}

// maxRecordBatch bounds how many outcomes are written in one transaction.
const maxRecordBatch = 64

// record hands an attempt's outcome to the endpoint's recorder and waits
// until it is written.
func (w *endpointWorker) record(dl *model.WebhookDelivery, at *model.WebhookAttempt, outcome string, next time.Time) error {
	r := &outcomeRecord{delivery: dl, attempt: at, outcome: outcome, next: next, done: make(chan error, 1)}
	w.records <- r
	return <-r.done
}

// recordLoop writes attempt outcomes. Those that finish while a write is
// under way are written together (store.RecordWebhookAttempts, a few
// statements and one commit for the lot): a commit per attempt would bound
// an endpoint's throughput by the database's commit rate.
func (w *endpointWorker) recordLoop(ctx context.Context) {
	for first := range w.records {
		batch := []*outcomeRecord{first}
	gather:
		for len(batch) < maxRecordBatch {
			select {
			case r, ok := <-w.records:
				if !ok {
					break gather
				}
				batch = append(batch, r)
			default:
				break gather
			}
		}
		w.writeOutcomes(ctx, batch)
	}
}

// writeOutcomes writes a batch of outcomes and tells each attempt how it
// went. When the batch fails as a whole, each is tried on its own, so that
// one bad row fails alone.
func (w *endpointWorker) writeOutcomes(ctx context.Context, batch []*outcomeRecord) {
	s := w.d.store
	rctx, cancel := context.WithTimeout(ctx, recordTimeout)
	defer cancel()
	outs := make([]store.AttemptOutcome, len(batch))
	for i, r := range batch {
		outs[i] = store.AttemptOutcome{Delivery: r.delivery, Attempt: r.attempt, Outcome: r.outcome, Next: r.next}
	}
	err := s.RecordWebhookAttempts(rctx, outs)
	if err == nil || len(batch) == 1 {
		for _, r := range batch {
			r.done <- err
		}
		return
	}
	for i, r := range batch {
		// The failed insert may have given the attempt an id: start afresh.
		r.attempt.ID = 0
		r.done <- s.RecordWebhookAttempts(rctx, outs[i:i+1])
	}
}

// decide maps an attempt's result to the store's outcome and, for a retry,
// when the next attempt is due.
func (w *endpointWorker) decide(res Result, attempt int) (string, time.Time) {
	switch res.Outcome {
	case Delivered:
		return store.AttemptDelivered, time.Time{}
	case Retry:
		delay, ok := w.d.schedule.Backoff(attempt+1, nil)
		if !ok {
			return store.AttemptFailed, time.Time{}
		}
		return store.AttemptRetry, time.Now().Add(max(delay, res.RetryAfter))
	default: // Gone, Refused
		return store.AttemptFailed, time.Time{}
	}
}

// checkFailing disables the endpoint when it has been failing, without a
// single success, for longer than DisableAfter.
func (w *endpointWorker) checkFailing(ctx context.Context) {
	ep := w.ep.Load()
	st, err := w.d.store.WebhookState(ctx, ep.ID)
	if err != nil || st.FailingSince == nil || w.disabled.Load() {
		return
	}
	if since := time.Since(*st.FailingSince); since > w.d.disableAfter {
		reason := fmt.Sprintf("failing since %s, more than %s without a successful delivery",
			st.FailingSince.UTC().Format(time.RFC3339), w.d.disableAfter)
		w.log.Warn("disabling a failing webhook endpoint", "failing_since", *st.FailingSince, "url", ep.URL)
		w.disable(ctx, reason)
	}
}

// disable turns the endpoint off once (store.DisableWebhookEndpoint audits
// it, which is how admins are told) and stops this worker claiming.
func (w *endpointWorker) disable(ctx context.Context, reason string) {
	if !w.disabled.CompareAndSwap(false, true) {
		return
	}
	if err := w.d.store.DisableWebhookEndpoint(ctx, w.ep.Load().ID, reason); err != nil {
		w.log.Error("disabling a webhook endpoint", "reason", reason, "err", err)
		w.disabled.Store(false)
		return
	}
	w.log.Warn("webhook endpoint disabled", "reason", reason)
	// Let the worker loop see the flag now rather than at the next poll.
	w.nudge()
}

// redactedWords mark header names whose values are credentials.
var redactedWords = []string{"authorization", "cookie", "token", "secret", "key", "signature", "password", "auth"}

// RedactHeaders flattens request headers for the delivery log, replacing
// the values of credential-bearing ones (Authorization, Cookie, and any
// name containing token, secret, key, signature, password or auth) with
// "[redacted]".
func RedactHeaders(h http.Header) map[string]string {
	if h == nil {
		return nil
	}
	out := make(map[string]string, len(h))
	for k, vs := range h {
		v := strings.Join(vs, ", ")
		lk := strings.ToLower(k)
		for _, word := range redactedWords {
			if strings.Contains(lk, word) {
				v = "[redacted]"
				break
			}
		}
		out[k] = v
	}
	return out
}

// release hands claimed deliveries that were never sent back at once.
func (w *endpointWorker) release(ctx context.Context, ds []model.WebhookDelivery) {
	ids := make([]string, len(ds))
	for i := range ds {
		ids[i] = ds[i].ID
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := w.d.store.ReleaseWebhookDeliveries(rctx, ids); err != nil {
		w.log.Warn("releasing webhook deliveries; they wait for their lease", "err", err)
	}
}
