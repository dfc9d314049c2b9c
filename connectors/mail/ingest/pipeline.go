package ingest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"rapport/connectors/mail/mailin"
	"rapport/connectors/mail/mailmsg"
	"rapport/model"
	"rapport/model/icalmap"
	"rapport/model/store"
	"rapport/templates/lang"
)

// Blobs is the blob store as the pipeline uses it (cmd adapts
// connectors/blobstore): content-addressed, so putting the same bytes
// twice — a message fetched again after a crash — stores them once.
type Blobs interface {
	// Put streams r into the store and returns the SHA-256 (lower-case hex)
	// and size of what it read. More than maxBytes is an error whose
	// model.ErrorCode is ETOOLARGE; so is an error from r that has that
	// code (the IMAP engine's own limit). Nothing is kept on error.
	Put(ctx context.Context, r io.Reader, filename string, maxBytes int64) (sha string, size int64, err error)
	// Open returns a stored blob's content.
	Open(ctx context.Context, sha string) (io.ReadCloser, error)
}

// Invitations applies an attendee's answer to an invitation we sent (the
// store's ApplyInvitationReply, adapted by cmd). It runs inside the
// transaction that logs the message, whose ingest-log id it is given. A
// *model.Error (an unknown invitation, a stale answer) leaves the message
// logged and the invitation as it was; any other error fails the message,
// which is then offered again.
type Invitations interface {
	ApplyInvitationReply(ctx context.Context, r *icalmap.Reply, mailMessageID string) error
}

// Config is what a Pipeline needs.
type Config struct {
	Store *store.Store
	Blobs Blobs
	// Enqueue queues the delivery of an acknowledgement in the store
	// transaction it is called in (cmd: the send_mail job).
	Enqueue store.Enqueue
	// Tokens recognise and mint our signed Message-IDs: Key derived from
	// the server key (secret.DeriveKey(key, "message-id")). An empty Domain
	// mints acknowledgements on the mailbox's from-address domain.
	Tokens *mailmsg.Tokens
	// MaxBytes refuses larger messages (quarantined as too_large); 0 means
	// mailmsg.DefaultMaxBytes (25 MB).
	MaxBytes int64
	// Limits are the classifier's rate limits (zero fields: defaults).
	Limits store.MailLimits
	// Workers is how many messages of a folder the engine commits at once
	// (0: DefaultWorkers of the store's engine). Handle alone always commits
	// before it returns.
	Workers int
	// Invitations applies iMIP answers; nil logs them only.
	Invitations Invitations
	// Company, Locale and Location are what acknowledgements are rendered
	// with: the "company" of the template, the locale when neither the
	// template nor the contact names one, the time zone of dates.
	Company  lang.Company
	Locale   string
	Location *time.Location
	Logger   *slog.Logger
}

// Pipeline turns fetched messages into requests, entries, bounces, log
// entries or quarantined messages. It is the IMAP engine's mailin.Handler
// and mailin.Checkpoints, safe for the concurrent use of every mailbox's
// supervisor.
type Pipeline struct {
	cfg  Config
	log  *slog.Logger
	acks *acks
	own  ttlCache[struct{}, []string] // our mailboxes' addresses
}

// bodyBytes is how much of a message's text, and of its HTML, the pipeline
// keeps for the store. The store copies the text into the request, the
// timeline entry and the log, and their change-feed rows, so a long body
// costs several times its size in memory and database; a longer one is cut
// here and also kept whole as an attachment (body.txt, body.html), so
// nothing is lost.
const bodyBytes = 512 << 10

// ingestActor is who the pipeline's writes are recorded as.
var ingestActor = model.Actor{Name: "mail ingest", Role: model.RoleAdmin, Internal: true}

// New checks cfg and returns its pipeline.
func New(cfg Config) (*Pipeline, error) {
	if cfg.Store == nil || cfg.Blobs == nil || cfg.Enqueue == nil || cfg.Tokens == nil || len(cfg.Tokens.Key) < 16 {
		return nil, errors.New("ingest: a pipeline needs a store, blobs, an enqueue function and Message-ID tokens with a key")
	}
	cfg.MaxBytes = cmp.Or(cfg.MaxBytes, mailmsg.DefaultMaxBytes)
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	log := cmp.Or(cfg.Logger, slog.Default())
	p := &Pipeline{cfg: cfg, log: log}
	p.acks = &acks{p: p, cache: map[string]*lang.Template{}}
	return p, nil
}

// Checkpoint implements mailin.Checkpoints: how far the store says a folder
// was read.
func (p *Pipeline) Checkpoint(ctx context.Context, mailbox, folder string) (mailin.Checkpoint, error) {
	cp, err := p.cfg.Store.MailCheckpoint(ctx, mailbox, folder)
	return mailin.Checkpoint{UIDValidity: cp.UIDValidity, LastUID: cp.LastUID}, err
}

// Handle implements mailin.Handler. It returns nil once the message is
// accounted for — ingested or quarantined, the checkpoint written in the
// same transaction — and an error when the machinery failed and the same
// message should be offered again.
func (p *Pipeline) Handle(ctx context.Context, m mailin.Message) error {
	ctx = model.WithActor(ctx, ingestActor)
	r, err := p.take(ctx, m, false)
	if err != nil || r == nil {
		return err
	}
	return p.commit(ctx, r)
}

// take stores the raw message and reads it: the part of handling that
// needs the IMAP connection's stream. It returns nil once the message is
// accounted for already (quarantined: too large, or not mail), else what
// commit is to write. deferCheckpoint leaves the checkpoint to the caller.
func (p *Pipeline) take(ctx context.Context, m mailin.Message, deferCheckpoint bool) (*reading, error) {
	at := quarantineAt(m)
	at.DeferCheckpoint = deferCheckpoint
	if m.TooLarge {
		return nil, p.quarantine(ctx, at, tooLargeReason(m))
	}
	// Raw bytes first (DESIGN.md): from here on the message no longer
	// depends on the IMAP connection, and a quarantined one can be retried.
	sha, size, err := p.cfg.Blobs.Put(ctx, m.Body, "message.eml", p.cfg.MaxBytes)
	switch {
	case model.ErrorCode(err) == model.ETOOLARGE:
		return nil, p.quarantine(ctx, at, err)
	case err != nil:
		return nil, fmt.Errorf("ingest: storing the raw message: %w", err)
	}
	r, err := p.read(ctx, sha)
	if mailmsg.Quarantine(err) {
		at.SHA256, at.Size = sha, size
		return nil, p.quarantine(ctx, at, err)
	}
	if err != nil {
		return nil, err
	}
	in := r.in
	in.MailboxID, in.Folder, in.UIDValidity, in.UID, in.ReceivedAt = m.Mailbox, m.Folder, m.UIDValidity, m.UID, m.InternalDate
	in.DeferCheckpoint = deferCheckpoint
	return r, nil
}

// tooLargeReason is the error a TooLarge message's body reports: the
// engine's words for the size and the limit.
func tooLargeReason(m mailin.Message) error {
	if _, err := m.Body.Read(make([]byte, 1)); err != nil {
		return err
	}
	return model.Errorf(model.ETOOLARGE, "the message has %d bytes, over the mailbox's limit", m.Size)
}

// quarantineAt is a quarantine entry for the message's place, not read yet.
func quarantineAt(m mailin.Message) *model.MailQuarantine {
	return &model.MailQuarantine{MailboxID: m.Mailbox, Folder: m.Folder, UIDValidity: m.UIDValidity, UID: m.UID, Size: m.Size}
}

// reading is one message read back from the blob store and classified.
type reading struct {
	in    *model.MailIngest
	reply *icalmap.Reply // an attendee's answer to an invitation, if the message is one
}

// read parses the raw message stored under sha and classifies it. A
// message that is not mail, or too large, is an error for which
// mailmsg.Quarantine holds; anything else failed on the way.
func (p *Pipeline) read(ctx context.Context, sha string) (*reading, error) {
	rc, err := p.cfg.Blobs.Open(ctx, sha)
	if err != nil {
		return nil, fmt.Errorf("ingest: reading the raw message back: %w", err)
	}
	defer rc.Close()
	parsed, err := mailmsg.Parse(rc, mailmsg.Options{MaxBytes: p.cfg.MaxBytes, MaxBodyBytes: bodyBytes, Sink: p.sink(ctx)})
	if err != nil {
		return nil, err
	}
	own, err := p.own.get(struct{}{}, func() ([]string, error) { return p.cfg.Store.MailOwnAddresses(ctx) })
	if err != nil {
		return nil, err
	}
	lookup := p.cfg.Store.MailLookup(p.cfg.Limits)
	c := &mailmsg.Classifier{Tokens: p.cfg.Tokens, OwnAddresses: own, Dedupe: lookup, Limits: lookup}
	d, err := c.Classify(ctx, parsed)
	if err != nil {
		return nil, err
	}
	r := &reading{in: ingestOf(parsed, d)}
	r.reply = invitationReply(parsed, r.in)
	return r, nil
}

// sink stores attachments and inline images in the blob store; their
// hashes are the parts' references.
func (p *Pipeline) sink(ctx context.Context) mailmsg.Sink {
	return func(a mailmsg.Attachment, r io.Reader) (string, error) {
		sha, _, err := p.cfg.Blobs.Put(ctx, r, a.Filename, p.cfg.MaxBytes)
		return sha, err
	}
}

// commit writes the message in one transaction with what follows from it.
// The store refusing the message's content (invalid) quarantines it.
func (p *Pipeline) commit(ctx context.Context, r *reading) error {
	err := p.cfg.Store.WithTx(ctx, func(ctx context.Context) error {
		msg, duplicate, err := p.cfg.Store.IngestMail(ctx, r.in)
		if err != nil || duplicate {
			return err
		}
		if r.reply != nil {
			if err := p.applyReply(ctx, r.reply, msg); err != nil {
				return err
			}
		}
		if msg.AckDue {
			return p.acks.send(ctx, msg, r.in)
		}
		return nil
	})
	if model.ErrorCode(err) != model.EINVALID {
		return err
	}
	in := r.in
	return p.quarantine(ctx, &model.MailQuarantine{MailboxID: in.MailboxID, Folder: in.Folder, UIDValidity: in.UIDValidity,
		UID: in.UID, SHA256: in.SHA256, Size: in.Size, MessageID: in.MessageID, FromAddress: in.From.Email, Subject: in.Subject,
		DeferCheckpoint: in.DeferCheckpoint}, err)
}

// quarantine keeps a message that cannot be ingested, with the reason its
// error gives, and advances the checkpoint past it.
func (p *Pipeline) quarantine(ctx context.Context, q *model.MailQuarantine, cause error) error {
	q.Reason, q.Error = reasonOf(cause), cause.Error()
	out, existing, err := p.cfg.Store.QuarantineMail(ctx, q)
	if err != nil {
		return fmt.Errorf("ingest: quarantining the message: %w", err)
	}
	if !existing {
		p.log.Warn("ingest: message quarantined", "mailbox", q.MailboxID, "folder", q.Folder, "uid", q.UID,
			"reason", q.Reason, "err", q.Error, "quarantine", out.ID)
	}
	return nil
}

// reasonOf is the quarantine reason of an error that refused a message.
func reasonOf(err error) string {
	switch model.ErrorCode(err) {
	case model.ETOOLARGE:
		return model.QuarantineTooLarge
	case model.EMALFORMED:
		return model.QuarantineMalformed
	}
	return model.QuarantineFailed
}

// system is ctx acting as the pipeline, for the writes it makes on its
// own behalf (acknowledgements) whoever asked.
func system(ctx context.Context) context.Context { return model.WithActor(ctx, ingestActor) }
