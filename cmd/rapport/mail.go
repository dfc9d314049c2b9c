package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"rapport/connectors/blobstore"
	"rapport/connectors/mail/ingest"
	"rapport/connectors/mail/mailmsg"
	"rapport/model"
	"rapport/model/secret"
	"rapport/model/store"
)

// ingestOptions are serve's settings for reading mail.
type ingestOptions struct {
	maxSize string
	workers int
}

func (o *ingestOptions) bind(f *pflag.FlagSet) {
	f.StringVar(&o.maxSize, "mail-max-size", envOr("RAPPORT_MAIL_MAX_SIZE", "25MB"),
		"largest incoming mail, in bytes or with KB, MB or GB; larger ones are quarantined unread (env RAPPORT_MAIL_MAX_SIZE)")
	workers, err := strconv.Atoi(os.Getenv("RAPPORT_MAIL_WORKERS"))
	if err != nil || workers < 0 {
		workers = 0
	}
	f.IntVar(&o.workers, "mail-workers", workers,
		"incoming mails of one folder committed at once, each on a database connection; 0: 4 on PostgreSQL, 1 on SQLite (env RAPPORT_MAIL_WORKERS)")
}

// parseSize reads a size in bytes, or with a KB, MB or GB suffix (powers
// of 1024).
func parseSize(s string) (int64, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	unit := int64(1)
	for suffix, u := range map[string]int64{"KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			s, unit = strings.TrimSpace(n), u
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || n > (1<<40)/unit {
		return 0, fmt.Errorf("%q is not a size such as 26214400, 25MB or 1GB", s)
	}
	return n * unit, nil
}

// mailReading is reading mail as serve wires it: the ingest pipeline, the
// engine that runs a supervisor per active mailbox through it, and the box
// that seals and opens mailbox secrets with the server key.
type mailReading struct {
	box      *secret.Box
	pipeline *ingest.Pipeline
	engine   *ingest.Engine
}

// start builds the pipeline and starts the engine. Acknowledgements go out
// through mail's outbox job and are signed with its Message-ID key, so that
// replies to them thread like replies to agents' mail.
func (o *ingestOptions) start(ctx context.Context, g *globals, s *store.Store, blobs blobstore.Store, mail *mailJobs, docs *docOptions,
	log *slog.Logger) (*mailReading, error) {
	maxSize, err := parseSize(o.maxSize)
	if err != nil {
		return nil, fmt.Errorf("--mail-max-size: %w", err)
	}
	box, err := g.secretBox()
	if err != nil {
		return nil, err
	}
	company, err := docs.company()
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(g.tz)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", g.tz)
	}
	p, err := ingest.New(ingest.Config{Store: s, Blobs: ingestBlobs{blobs}, Enqueue: mail.enqueueMail,
		Tokens: &mailmsg.Tokens{Key: mail.keys.messageID}, MaxBytes: maxSize, Invitations: invitationReplies{s},
		Workers: o.workers, Company: company, Locale: docs.locale, Location: loc, Logger: log})
	if err != nil {
		return nil, err
	}
	e, err := ingest.StartEngine(ctx, ingest.EngineConfig{Store: s, Box: box, Pipeline: p, Logger: log})
	if err != nil {
		return nil, err
	}
	return &mailReading{box: box, pipeline: p, engine: e}, nil
}

// stop logs every mailbox out.
func (r *mailReading) stop() { r.engine.Close() }

// ingestBlobs presents the blob store as the pipeline's Blobs (its
// ErrTooLarge carries the ETOOLARGE code the pipeline looks for).
type ingestBlobs struct{ s blobstore.Store }

func (b ingestBlobs) Put(ctx context.Context, r io.Reader, name string, max int64) (string, int64, error) {
	info, err := b.s.Put(ctx, r, name, max)
	return info.SHA256, info.Size, err
}

func (b ingestBlobs) Open(ctx context.Context, sha string) (io.ReadCloser, error) {
	return b.s.Open(ctx, sha)
}

// testMailbox is `rapport mailbox test`: log in to the mailbox's IMAP
// server with its settings, list the folders, and say which configured
// folder is missing.
func testMailbox(ctx context.Context, m *model.Mailbox, secrets store.MailboxSecrets) error {
	_, err := ingest.TestMailbox(ctx, m, secrets)
	return err
}
