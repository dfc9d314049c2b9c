package mailin

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	_ "github.com/emersion/go-message/charset" // decodes non-UTF-8 words in LIST and ENVELOPE answers
)

const (
	// idleRefresh ends and restarts IDLE before the 29 minutes after
	// which RFC 9051 lets a server drop an idle client (go-imap's own
	// restart comes at 28).
	idleRefresh = 25 * time.Minute
	// logoutGrace is how long a clean LOGOUT may take once the context
	// ended, before the connection is simply closed.
	logoutGrace = 3 * time.Second
)

// conn is one logged-in connection and what its server sent unasked.
type conn struct {
	*imapclient.Client
	exists chan struct{} // a new EXISTS count arrived
}

// dial connects and logs in, honouring the TLS mode, the dial timeout and
// ctx.
func dial(ctx context.Context, cfg *Config) (*conn, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
	defer cancel()
	d := net.Dialer{}
	raw, err := d.DialContext(ctx, "tcp", cfg.address())
	if err != nil {
		return nil, err
	}
	// go-imap's reads have their own timeouts only after the greeting;
	// the dial timeout covers the greeting and the TLS handshake too.
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()

	c := &conn{exists: make(chan struct{}, 1)}
	opts := &imapclient.Options{
		TLSConfig: tlsConfig(cfg),
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					c.signal()
				}
			},
		},
	}
	switch cfg.TLS {
	case TLSImplicit:
		tc := tls.Client(raw, opts.TLSConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, fmt.Errorf("TLS: %w", err)
		}
		c.Client = imapclient.New(tc, opts)
	case TLSStartTLS:
		if c.Client, err = imapclient.NewStartTLS(raw, opts); err != nil {
			return nil, fmt.Errorf("STARTTLS: %w", err)
		}
	default:
		c.Client = imapclient.New(raw, opts)
	}
	if err := c.WaitGreeting(); err != nil {
		c.Close()
		return nil, err
	}
	if err := login(c.Client, cfg); err != nil {
		c.Close()
		return nil, err
	}
	if ctx.Err() != nil {
		c.Close()
		return nil, fmt.Errorf("connecting: %w", ctx.Err())
	}
	return c, nil
}

func tlsConfig(cfg *Config) *tls.Config {
	tc := &tls.Config{}
	if cfg.TLSConfig != nil {
		tc = cfg.TLSConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = cfg.Host
	}
	if tc.MinVersion == 0 {
		tc.MinVersion = tls.VersionTLS12
	}
	return tc
}

func (c *conn) signal() {
	select {
	case c.exists <- struct{}{}:
	default:
	}
}

// drain forgets EXISTS signals that the coming pass will see anyway.
func (c *conn) drain() {
	select {
	case <-c.exists:
	default:
	}
}

// session runs one connection: connect, then read every folder and wait
// for more, until an error or the end of ctx. progressed tells whether at
// least one pass succeeded, which resets the backoff.
func (s *Supervisor) session(ctx context.Context) (progressed bool, err error) {
	c, err := dial(ctx, &s.cfg)
	if err != nil {
		return false, err
	}
	// When ctx ends mid-command, the handler sees it and returns; a command
	// still streaming is cut after a grace period.
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(logoutGrace, func() { c.Close() }) })
	defer stop()
	defer func() {
		if ctx.Err() != nil {
			logout(c)
		}
		c.Close()
	}()
	idle := !s.cfg.NoIdle && c.Caps().Has(imap.CapIdle)
	s.update(func(st *Status) { st.Idle = idle })
	for {
		c.drain()
		s.update(func(st *Status) { st.State = StateRunning })
		if err := s.pass(ctx, c); err != nil {
			return progressed, err
		}
		progressed = true
		s.update(func(st *Status) { st.LastSuccess = time.Now() })
		if err := s.wait(ctx, c, idle); err != nil {
			return progressed, err
		}
		if ctx.Err() != nil {
			return progressed, nil
		}
	}
}

// wait returns when there may be new mail: an EXISTS (during IDLE or
// after the pass), FetchNow, the poll timer, or ctx's end.
func (s *Supervisor) wait(ctx context.Context, c *conn, idle bool) error {
	d := s.cfg.PollInterval
	if idle && len(s.cfg.Folders) == 1 {
		d = idleRefresh
	}
	t := time.NewTimer(d)
	defer t.Stop()
	var cmd *imapclient.IdleCommand
	if idle {
		var err error
		if cmd, err = c.Idle(); err != nil {
			return fmt.Errorf("IDLE: %w", err)
		}
	}
	// Only now: a test (or a person) seeing "idle" can count on IDLE
	// having begun.
	s.update(func(st *Status) { st.State = StateIdle })
	var lost error
	select {
	case <-ctx.Done():
	case <-s.wake:
	case <-c.exists:
	case <-t.C:
	case <-c.Closed():
		lost = errors.New("the server closed the connection")
	}
	if lost != nil || cmd == nil {
		return lost
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("ending IDLE: %w", err)
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("IDLE: %w", err)
	}
	return nil
}

// logout says goodbye politely, without waiting long for the answer.
func logout(c *conn) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = c.Logout().Wait()
	}()
	select {
	case <-done:
	case <-time.After(logoutGrace):
	}
}
