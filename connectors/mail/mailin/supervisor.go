package mailin

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// States of a supervisor, as Status reports them.
const (
	StateStopped    = "stopped"     // not running: not started yet, or its context ended
	StateConnecting = "connecting"  // dialling and logging in
	StateRunning    = "running"     // fetching new mail
	StateIdle       = "idle"        // connected, waiting for mail (IDLE or the poll timer)
	StateError      = "error"       // the last attempt failed; retrying at NextRetry
	StateAuthFailed = "auth_failed" // the server refused the credentials; stopped until restarted
)

// Status is what a supervisor shows about its mailbox.
type Status struct {
	Mailbox     string
	State       string    // one of the State constants
	LastError   string    // the last failure, kept after recovery ("" if none yet)
	LastErrorAt time.Time // zero if none
	LastSuccess time.Time // the last pass that read every folder without error
	NextRetry   time.Time // in StateError: when the next attempt starts
	Idle        bool      // the server offers IDLE and the supervisor uses it (false: polling)
	Handled     uint64    // messages the handler took since the supervisor started
}

// Env is what the engine needs from the rest of Rapport, shared by every
// mailbox.
type Env struct {
	Handler     Handler
	Checkpoints Checkpoints
	OnStatus    func(Status) // optional: called on every change of state, never concurrently for one mailbox
	Logger      *slog.Logger // nil: slog.Default()
}

// Supervisor keeps one mailbox read: it connects, fetches what is new in
// every folder, waits for more with IDLE or by polling, and reconnects
// with jittered exponential backoff. It stops on an authentication failure
// and when its context ends.
type Supervisor struct {
	cfg  Config
	env  Env
	log  *slog.Logger
	wake chan struct{} // FetchNow

	mu     sync.Mutex
	status Status
}

// NewSupervisor validates cfg (see Config.Validate) and returns a
// supervisor for it; Run starts it.
func NewSupervisor(cfg Config, env Env) (*Supervisor, error) {
	cfg.Folders = slices.Clone(cfg.Folders)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if env.Handler == nil || env.Checkpoints == nil {
		return nil, errors.New("mailin: a supervisor needs a handler and checkpoints")
	}
	log := env.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Supervisor{
		cfg:    cfg,
		env:    env,
		log:    log.With("mailbox", cfg.Mailbox),
		wake:   make(chan struct{}, 1),
		status: Status{Mailbox: cfg.Mailbox, State: StateStopped},
	}, nil
}

// Status returns the supervisor's current status.
func (s *Supervisor) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// FetchNow makes the supervisor look for new mail at once: it ends an IDLE
// or poll wait, or the wait before a retry. It never blocks.
func (s *Supervisor) FetchNow() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run reads the mailbox until ctx ends (it then logs out and returns nil)
// or the server refuses the credentials (it returns that error, which
// matches ErrAuth).
func (s *Supervisor) Run(ctx context.Context) error {
	failures := 0
	for {
		s.update(func(st *Status) { st.State, st.NextRetry = StateConnecting, time.Time{} })
		progressed, err := s.session(ctx)
		switch {
		case ctx.Err() != nil:
			s.update(func(st *Status) { st.State = StateStopped })
			return nil
		case errors.Is(err, ErrAuth):
			s.log.Warn("mailin: authentication failed; stopped", "err", err)
			s.fail(StateAuthFailed, err, time.Time{})
			return err
		}
		if progressed {
			failures = 0
		}
		delay := backoff(s.cfg.RetryMin, s.cfg.RetryMax, failures)
		failures++
		s.log.Warn("mailin: reading the mailbox failed; retrying", "err", err, "in", delay)
		s.fail(StateError, err, time.Now().Add(delay))
		if !s.sleep(ctx, delay) {
			s.update(func(st *Status) { st.State = StateStopped })
			return nil
		}
	}
}

// sleep waits d, or less if FetchNow is called; false when ctx ended.
func (s *Supervisor) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	case <-s.wake:
	}
	return true
}

func (s *Supervisor) fail(state string, err error, retry time.Time) {
	s.update(func(st *Status) {
		st.State, st.NextRetry = state, retry
		st.LastError, st.LastErrorAt = err.Error(), time.Now()
	})
}

// update changes the status under the lock and reports a change of state.
func (s *Supervisor) update(f func(*Status)) {
	s.mu.Lock()
	before := s.status
	f(&s.status)
	after := s.status
	s.mu.Unlock()
	if s.env.OnStatus != nil && (before.State != after.State || before.LastErrorAt != after.LastErrorAt) {
		s.env.OnStatus(after)
	}
}

// backoff is the delay before retry number n (from 0): min doubled n
// times, at most max, of which a random half is taken off so that many
// mailboxes of one server do not reconnect in step.
func backoff(minDelay, maxDelay time.Duration, n int) time.Duration {
	d := minDelay
	for range n {
		if d >= maxDelay/2 {
			d = maxDelay
			break
		}
		d *= 2
	}
	d = min(d, maxDelay)
	return d/2 + rand.N(d/2+1)
}
