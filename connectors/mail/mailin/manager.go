package mailin

import (
	"context"
	"sort"
	"sync"

	"rapport/model"
)

// Manager runs one Supervisor per active mailbox and lets the hub add,
// replace, restart and remove them while it runs.
type Manager struct {
	ctx context.Context
	env Env

	mu   sync.Mutex
	runs map[string]*run
}

// run is one supervisor and its goroutine.
type run struct {
	sup    *Supervisor
	cancel context.CancelFunc
	done   chan struct{}
}

// NewManager returns a manager whose supervisors run until ctx ends or
// Close is called, all sharing env.
func NewManager(ctx context.Context, env Env) *Manager {
	return &Manager{ctx: ctx, env: env, runs: map[string]*run{}}
}

// Set starts a supervisor for cfg.Mailbox, replacing (and first stopping)
// one that runs with an older configuration. A bad configuration is a
// *model.Error (EINVALID) and leaves a running supervisor alone.
func (m *Manager) Set(cfg Config) error {
	sup, err := NewSupervisor(cfg, m.env)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if old := m.runs[cfg.Mailbox]; old != nil {
		old.stop()
	}
	ctx, cancel := context.WithCancel(m.ctx)
	r := &run{sup: sup, cancel: cancel, done: make(chan struct{})}
	m.runs[cfg.Mailbox] = r
	go func() {
		defer close(r.done)
		_ = sup.Run(ctx) // its outcome is in its Status
	}()
	return nil
}

// Remove stops a mailbox's supervisor (logging out) and forgets it.
func (m *Manager) Remove(mailbox string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r := m.runs[mailbox]; r != nil {
		r.stop()
		delete(m.runs, mailbox)
	}
}

// Restart starts a mailbox's supervisor again with the same configuration,
// for instance after it stopped on an authentication failure.
func (m *Manager) Restart(mailbox string) error {
	r, err := m.get(mailbox)
	if err != nil {
		return err
	}
	return m.Set(r.sup.cfg)
}

// FetchNow makes a mailbox look for new mail at once; a supervisor that
// stopped on an authentication failure is started again to try.
func (m *Manager) FetchNow(mailbox string) error {
	r, err := m.get(mailbox)
	if err != nil {
		return err
	}
	if r.sup.Status().State == StateAuthFailed {
		return m.Restart(mailbox)
	}
	r.sup.FetchNow()
	return nil
}

// Status returns a mailbox's status; ENOTFOUND when no supervisor runs it.
func (m *Manager) Status(mailbox string) (Status, error) {
	r, err := m.get(mailbox)
	if err != nil {
		return Status{}, err
	}
	return r.sup.Status(), nil
}

// Statuses returns the status of every mailbox, by mailbox id.
func (m *Manager) Statuses() []Status {
	m.mu.Lock()
	out := make([]Status, 0, len(m.runs))
	for _, r := range m.runs {
		out = append(out, r.sup.Status())
	}
	m.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Mailbox < out[j].Mailbox })
	return out
}

// Close stops every supervisor and waits for them (they log out in
// parallel).
func (m *Manager) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.runs {
		r.cancel()
	}
	for id, r := range m.runs {
		<-r.done
		delete(m.runs, id)
	}
}

func (m *Manager) get(mailbox string) (*run, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r := m.runs[mailbox]; r != nil {
		return r, nil
	}
	return nil, &model.Error{Code: model.ENOTFOUND, Message: "no supervisor runs mailbox " + mailbox}
}

// stop cancels the supervisor and waits until it has logged out.
func (r *run) stop() {
	r.cancel()
	<-r.done
}
