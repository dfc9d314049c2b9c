package ingest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"rapport/connectors/mail/mailauth"
	"rapport/connectors/mail/mailin"
	"rapport/model"
	"rapport/model/secret"
	"rapport/model/store"
)

// DefaultReload is how often the engine reads the mailboxes table for
// changes when EngineConfig leaves it zero.
const DefaultReload = 5 * time.Second

// EngineConfig is what an Engine needs.
type EngineConfig struct {
	Store    *store.Store
	Box      *secret.Box // opens the mailboxes' sealed secrets
	Pipeline *Pipeline   // every mailbox's handler and checkpoints
	// Reload is how often the mailboxes table is read: a new, changed,
	// deactivated or deleted mailbox takes effect within it (DefaultReload).
	Reload time.Duration
	Logger *slog.Logger
}

// Engine keeps every active mailbox read: a mailin.Manager with one
// supervisor per mailbox, set up from the mailboxes table and changed with
// it, each supervisor's status recorded in the store. Polling the table
// (one small query every few seconds) is simpler and as robust as following
// the change feed: a mailbox's version rises with every change of its
// settings, and the engine's own refresh-token rotation does not raise it.
type Engine struct {
	cfg EngineConfig
	log *slog.Logger
	mgr *mailin.Manager
	ctx context.Context // the engine's life: supervisors and token sources end with it

	mu      sync.Mutex
	running map[string]int64 // mailbox id → the version its supervisor runs
	cancel  context.CancelFunc
	done    chan struct{}
}

// StartEngine starts the engine: it reads the mailboxes at once and then
// every Reload until ctx ends or Close is called.
func StartEngine(ctx context.Context, cfg EngineConfig) (*Engine, error) {
	if cfg.Store == nil || cfg.Pipeline == nil {
		return nil, errors.New("ingest: an engine needs a store and a pipeline")
	}
	cfg.Reload = cmp.Or(cfg.Reload, DefaultReload)
	log := cmp.Or(cfg.Logger, slog.Default())
	ctx, cancel := context.WithCancel(ctx)
	e := &Engine{cfg: cfg, log: log, ctx: ctx, running: map[string]int64{}, cancel: cancel, done: make(chan struct{})}
	h := cfg.Pipeline.concurrent(cmp.Or(cfg.Pipeline.cfg.Workers, DefaultWorkers(cfg.Store.Engine())))
	e.mgr = mailin.NewManager(ctx, mailin.Env{Handler: h, Checkpoints: h, OnStatus: e.onStatus(ctx), Logger: log})
	go e.loop(ctx)
	return e, nil
}

// Close stops every supervisor (they log out) and the reload loop. It may
// be called again.
func (e *Engine) Close() {
	e.cancel()
	<-e.done
	e.mgr.Close()
}

// FetchNow makes a mailbox look for new mail at once (the API's
// MailFetcher). A mailbox activated moments ago is set up first.
func (e *Engine) FetchNow(ctx context.Context, mailboxID string) error {
	err := e.mgr.FetchNow(mailboxID)
	if model.ErrorCode(err) == model.ENOTFOUND {
		if err := e.Reload(ctx); err != nil {
			return err
		}
		err = e.mgr.FetchNow(mailboxID)
	}
	return err
}

// Statuses returns every running supervisor's status.
func (e *Engine) Statuses() []mailin.Status { return e.mgr.Statuses() }

func (e *Engine) loop(ctx context.Context) {
	defer close(e.done)
	t := time.NewTicker(e.cfg.Reload)
	defer t.Stop()
	for {
		if err := e.Reload(ctx); err != nil && ctx.Err() == nil {
			e.log.Error("ingest: reading the mailboxes", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Reload brings the supervisors in line with the active mailboxes: new and
// changed ones (re)started, deactivated and deleted ones stopped.
func (e *Engine) Reload(ctx context.Context) error {
	ctx = system(ctx)
	list, err := e.cfg.Store.ActiveMailboxes(ctx)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	active := map[string]bool{}
	for _, m := range list {
		active[m.ID] = true
		if v, ok := e.running[m.ID]; ok && v == m.Version {
			continue
		}
		e.running[m.ID] = m.Version
		if err := e.set(m); err != nil {
			// Retrying cannot help: the settings or secrets must change,
			// which raises the version and brings the mailbox back here.
			e.mgr.Remove(m.ID)
			e.log.Warn("ingest: mailbox not started", "mailbox", m.ID, "name", m.Name, "err", err)
			e.record(ctx, model.MailboxStatus{MailboxID: m.ID, State: model.MailboxError, LastError: err.Error()})
		}
	}
	for id := range e.running {
		if !active[id] {
			e.mgr.Remove(id)
			delete(e.running, id)
		}
	}
	return nil
}

// set (re)starts a mailbox's supervisor with its current settings.
func (e *Engine) set(m *model.Mailbox) error {
	secrets, err := store.OpenMailboxSecrets(e.cfg.Box, m)
	if err != nil {
		return err
	}
	ctx, id, box, s, log := system(e.ctx), m.ID, e.cfg.Box, e.cfg.Store, e.log
	cfg, err := MailboxConfig(ctx, m, secrets, func(token string) {
		// The provider rotated the refresh token: the old one may stop
		// working, so keep the new one sealed for the next start.
		if err := s.SetMailboxRefreshToken(ctx, box, id, token); err != nil {
			log.Error("ingest: keeping the rotated refresh token", "mailbox", id, "err", err)
		}
	})
	if err != nil {
		return err
	}
	cfg.MaxSize = e.cfg.Pipeline.cfg.MaxBytes
	return e.mgr.Set(cfg)
}

// onStatus records every change of a supervisor's state in the store.
func (e *Engine) onStatus(ctx context.Context) func(mailin.Status) {
	ctx = context.WithoutCancel(ctx) // "stopped" is written after shutdown began
	return func(st mailin.Status) {
		rec := model.MailboxStatus{MailboxID: st.Mailbox, State: st.State, LastError: st.LastError, Idle: st.Idle,
			NextRetryAt: timeOrNil(st.NextRetry), LastSuccessAt: timeOrNil(st.LastSuccess)}
		if st.State == mailin.StateRunning {
			now := time.Now()
			rec.LastFetchAt = &now
		}
		e.record(ctx, rec)
	}
}

// record writes a mailbox's status, within a few seconds.
func (e *Engine) record(ctx context.Context, st model.MailboxStatus) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := e.cfg.Store.SetMailboxStatus(ctx, st); err != nil {
		e.log.Warn("ingest: recording a mailbox's status", "mailbox", st.MailboxID, "err", err)
	}
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// MailboxConfig is the IMAP engine's configuration of a mailbox, with its
// opened secrets. An OAuth2 mailbox gets a token source living as long as
// ctx, which hands rotated refresh tokens to onRefresh (may be nil).
func MailboxConfig(ctx context.Context, m *model.Mailbox, secrets store.MailboxSecrets, onRefresh func(string)) (mailin.Config, error) {
	cfg := mailin.Config{Mailbox: m.ID, Host: m.IMAPHost, Port: m.IMAPPort, TLS: m.IMAPTLS, Username: m.Username, Auth: m.Auth,
		Folders: m.Folders, After: m.AfterProcessing, MoveTo: m.MoveTo}
	if !m.OAuth() {
		cfg.Password = secrets.Password
		return cfg, nil
	}
	ts, err := TokenSource(ctx, m, secrets, onRefresh)
	cfg.TokenSource = ts
	return cfg, err
}

// TokenSource is an OAuth2 mailbox's source of access tokens, for IMAP and
// for its SMTP identity: it refreshes them with the mailbox's refresh token,
// lives as long as ctx, and hands rotated refresh tokens to onRefresh (may
// be nil).
func TokenSource(ctx context.Context, m *model.Mailbox, secrets store.MailboxSecrets, onRefresh func(string)) (oauth2.TokenSource, error) {
	return mailauth.OAuth{TokenURL: m.OAuthTokenURL, ClientID: m.OAuthClientID, ClientSecret: secrets.OAuthClientSecret,
		RefreshToken: secrets.OAuthRefreshToken, OnRefreshToken: onRefresh}.TokenSource(ctx)
}

// TestMailbox logs in to a mailbox's IMAP server with its settings, lists
// the folders and logs out: `rapport mailbox test`. Configured folders the
// server lacks are an error naming them.
func TestMailbox(ctx context.Context, m *model.Mailbox, secrets store.MailboxSecrets) (*mailin.TestResult, error) {
	cfg, err := MailboxConfig(ctx, m, secrets, nil)
	if err != nil {
		return nil, err
	}
	res, err := mailin.Test(ctx, cfg)
	if err == nil && len(res.Missing) > 0 {
		err = model.Errorf(model.ENOTFOUND, "the server has no folder %s (it has: %s)", strings.Join(res.Missing, ", "), strings.Join(res.Folders, ", "))
	}
	if err != nil {
		return res, fmt.Errorf("IMAP %s@%s:%d: %w", m.Username, m.IMAPHost, m.IMAPPort, err)
	}
	return res, nil
}
