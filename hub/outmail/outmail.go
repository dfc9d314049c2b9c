package outmail

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"rapport/hub/merge"
	"rapport/model"
	"rapport/model/store"
)

// Config holds what composing and queueing mail needs.
type Config struct {
	Store *store.Store
	// Merge renders documents and mailing-list mail; without it they are
	// refused with ErrNotConfigured.
	Merge *merge.Service
	// MintMessageID mints our signed Message-ID for a reference ("r-" and a
	// request's id threads answers back to the request) on a domain (the
	// sender's); mailmsg.Tokens through cmd.
	MintMessageID func(ref, domain string) (string, error)
	// Enqueue queues a mail's delivery in the transaction that writes it.
	Enqueue store.Enqueue
	// From is the installation's sender (--mail-from), used when no mailbox
	// is chosen or found; may be empty.
	From model.MailAddress
}

// Composer composes mail and queues it. It keeps no state of its own and
// is safe for concurrent use.
type Composer struct {
	cfg   Config
	store *store.Store
}

// New returns a Composer.
func New(cfg Config) *Composer { return &Composer{cfg: cfg, store: cfg.Store} }

// ErrNotConfigured is returned when the hub lacks what sending needs
// (Message-ID minting, the job queue, or the merge service for documents):
// the API answers 501.
var ErrNotConfigured = errors.New("outmail: sending mail is not configured on this hub")

// maxAttachments bounds the files one mail carries.
const maxAttachments = 20

// ready reports whether mail can be queued at all.
func (c *Composer) ready() error {
	if c.cfg.MintMessageID == nil || c.cfg.Enqueue == nil {
		return ErrNotConfigured
	}
	return nil
}

// identity is who a mail goes out as: a mailbox (whose SMTP settings the
// sender job uses) or the installation's sender.
type identity struct {
	mailboxID *string
	from      model.MailAddress
}

// mailboxFrom is a mailbox's sender address: from_address, else a login
// that is an address.
func mailboxFrom(mb *model.Mailbox) (model.MailAddress, bool) {
	for _, addr := range []string{mb.FromAddress, mb.Username} {
		if model.ValidEmail(addr) {
			return model.MailAddress{Name: mb.FromName, Email: addr}, true
		}
	}
	return model.MailAddress{}, false
}

// mailboxIdentity is the identity of a chosen mailbox.
func (c *Composer) mailboxIdentity(ctx context.Context, field, id string) (identity, error) {
	mb, err := store.Get[model.Mailbox](ctx, c.store, id)
	if model.ErrorCode(err) == model.ENOTFOUND {
		return identity{}, model.FieldErrors{field: "no such mailbox"}.Err()
	}
	if err != nil {
		return identity{}, err
	}
	from, ok := mailboxFrom(mb)
	if !ok {
		return identity{}, model.FieldErrors{field: "the mailbox has no from_address to send with"}.Err()
	}
	return identity{mailboxID: &mb.ID, from: from}, nil
}

// defaultIdentity is the installation's sender, else the first active
// mailbox (by name) that has a sender address.
func (c *Composer) defaultIdentity(ctx context.Context, field string) (identity, error) {
	if c.cfg.From.Email != "" {
		return identity{from: c.cfg.From}, nil
	}
	boxes, err := c.store.ActiveMailboxes(ctx)
	if err != nil {
		return identity{}, err
	}
	for _, mb := range boxes {
		if from, ok := mailboxFrom(mb); ok {
			return identity{mailboxID: &mb.ID, from: from}, nil
		}
	}
	return identity{}, model.FieldErrors{field: "required: this hub has no sender (set --mail-from, or give a mailbox a from_address)"}.Err()
}

// chosenIdentity is the mailbox named by id, or the default sender.
func (c *Composer) chosenIdentity(ctx context.Context, field, id string) (identity, error) {
	if id != "" {
		return c.mailboxIdentity(ctx, field, id)
	}
	return c.defaultIdentity(ctx, field)
}

// mint mints a Message-ID for ref on the domain of the sender's address.
func (c *Composer) mint(ref string, from model.MailAddress) (string, error) {
	_, domain, _ := strings.Cut(from.Email, "@")
	id, err := c.cfg.MintMessageID(ref, domain)
	if err != nil {
		return "", fmt.Errorf("outmail: Message-ID: %w", err)
	}
	return id, nil
}

// checkAttachments checks that ids name at most maxAttachments live
// attachments of the record.
func (c *Composer) checkAttachments(ctx context.Context, entity, recordID string, ids []string) error {
	if len(ids) > maxAttachments {
		return model.FieldErrors{"attachments": fmt.Sprintf("at most %d files", maxAttachments)}.Err()
	}
	fe := model.FieldErrors{}
	for i, id := range ids {
		a, err := store.Get[model.Attachment](ctx, c.store, id)
		switch {
		case model.ErrorCode(err) == model.ENOTFOUND || err == nil && (a.RecordType != entity || a.RecordID != recordID):
			fe.Add(fmt.Sprintf("attachments[%d]", i), "not an attachment of this "+entity)
		case err != nil:
			return err
		}
	}
	return fe.Err()
}

// contactAddress is a contact's first e-mail address, named after them.
func contactAddress(c *model.Contact) (model.MailAddress, bool) {
	for _, e := range c.Emails {
		if model.ValidEmail(e.Value) {
			return model.MailAddress{Name: c.DisplayName, Email: e.Value}, true
		}
	}
	return model.MailAddress{}, false
}

// checkMail reports what is wrong with a composed mail before anything is
// written for it (a merged document, say); QueueMail checks it again.
func checkMail(m *model.OutboundMail) error {
	probe := *m
	probe.Normalize()
	return probe.Validate()
}
