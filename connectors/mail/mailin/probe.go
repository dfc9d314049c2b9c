package mailin

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/emersion/go-imap/v2"
)

// TestResult is what Test found on the server.
type TestResult struct {
	Capabilities []string // as advertised after login
	Folders      []string // every folder the account has, sorted
	Missing      []string // configured folders the server does not have (MoveTo is created on first use)
	Idle         bool     // the supervisor will use IDLE
	Move         bool     // the server moves with UID MOVE (else COPY, STORE, EXPUNGE)
}

// Test connects with cfg, logs in, lists the folders and logs out: the
// check behind `rapport mailbox test`. A refused login matches ErrAuth; a
// bad configuration is a *model.Error (EINVALID).
func Test(ctx context.Context, cfg Config) (*TestResult, error) {
	cfg.Folders = slices.Clone(cfg.Folders)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c, err := dial(ctx, &cfg)
	if err != nil {
		return nil, fmt.Errorf("mailin: %w", err)
	}
	defer c.Close()
	list, err := c.List("", "*", nil).Collect()
	if err != nil {
		return nil, fmt.Errorf("mailin: LIST: %w", err)
	}
	caps := c.Caps()
	res := &TestResult{
		Idle: !cfg.NoIdle && caps.Has(imap.CapIdle),
		Move: caps.Has(imap.CapMove),
	}
	for c := range caps {
		res.Capabilities = append(res.Capabilities, string(c))
	}
	sort.Strings(res.Capabilities)
	for _, l := range list {
		res.Folders = append(res.Folders, l.Mailbox)
	}
	sort.Strings(res.Folders)
	for _, f := range cfg.Folders {
		// INBOX is case-insensitive (RFC 9051 5.1).
		if !slices.Contains(res.Folders, f) && !(strings.EqualFold(f, "INBOX") && slices.Contains(res.Folders, "INBOX")) {
			res.Missing = append(res.Missing, f)
		}
	}
	logout(c)
	return res, nil
}
