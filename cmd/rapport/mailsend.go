package main

import (
	"cmp"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/spf13/pflag"
	"golang.org/x/oauth2"

	"rapport/connectors/blobstore"
	"rapport/connectors/mail/ingest"
	"rapport/connectors/mail/mailmsg"
	"rapport/connectors/mail/mailout"
	"rapport/connectors/queue"
	"rapport/hub/api"
	"rapport/hub/inbound"
	"rapport/hub/merge"
	"rapport/hub/outmail"
	"rapport/model"
	"rapport/model/secret"
	"rapport/model/store"
)

// messageIDPurpose is the purpose of the key our Message-IDs are signed
// with (secret.DeriveKey); the ingest pipeline verifies with the same.
const messageIDPurpose = "message-id"

// mailOptions are serve's settings for sending mail: the SMTP server for
// mail whose mailbox names none, the hub's own sender, and DKIM.
type mailOptions struct {
	smtpHost, smtpTLS, smtpUser, smtpPasswordFile string
	smtpPort                                      int
	from                                          string
	dkimDomain, dkimSelector, dkimKey             string
}

func (o *mailOptions) bind(f *pflag.FlagSet) {
	port, _ := strconv.Atoi(os.Getenv("RAPPORT_SMTP_PORT"))
	f.StringVar(&o.smtpHost, "smtp-host", os.Getenv("RAPPORT_SMTP_HOST"),
		"SMTP server for mail whose mailbox has no SMTP server of its own, and for mail from --mail-from (env RAPPORT_SMTP_HOST)")
	f.IntVar(&o.smtpPort, "smtp-port", port, "its port; 0 is 587 with starttls, 465 with implicit, 25 with plain (env RAPPORT_SMTP_PORT)")
	f.StringVar(&o.smtpTLS, "smtp-tls", envOr("RAPPORT_SMTP_TLS", model.TLSStartTLS),
		"starttls, implicit, or plain (only to this machine) (env RAPPORT_SMTP_TLS)")
	f.StringVar(&o.smtpUser, "smtp-username", os.Getenv("RAPPORT_SMTP_USERNAME"), "log in with this user; empty: no AUTH (env RAPPORT_SMTP_USERNAME)")
	f.StringVar(&o.smtpPasswordFile, "smtp-password-file", os.Getenv("RAPPORT_SMTP_PASSWORD_FILE"),
		"file holding the SMTP password (env RAPPORT_SMTP_PASSWORD_FILE; or the password itself in RAPPORT_SMTP_PASSWORD)")
	f.StringVar(&o.from, "mail-from", os.Getenv("RAPPORT_MAIL_FROM"),
		`the hub's sender, "Name <address>", for documents and mailings when no mailbox is chosen (env RAPPORT_MAIL_FROM)`)
	f.StringVar(&o.dkimDomain, "dkim-domain", os.Getenv("RAPPORT_DKIM_DOMAIN"),
		"sign outgoing mail with DKIM as this domain (d=), with --dkim-key (env RAPPORT_DKIM_DOMAIN)")
	f.StringVar(&o.dkimSelector, "dkim-selector", envOr("RAPPORT_DKIM_SELECTOR", "rapport"),
		"DKIM selector: the public key is published at SELECTOR._domainkey.DOMAIN (env RAPPORT_DKIM_SELECTOR)")
	f.StringVar(&o.dkimKey, "dkim-key", os.Getenv("RAPPORT_DKIM_KEY"), "PEM file with the DKIM private key, RSA or Ed25519 (env RAPPORT_DKIM_KEY)")
}

// mailSettings are the options, read and checked.
type mailSettings struct {
	fallback *mailout.Server // nil: no --smtp-host
	from     model.MailAddress
	dkim     *mailout.DKIM
}

// settings reads and checks the options.
func (o *mailOptions) settings() (mailSettings, error) {
	var st mailSettings
	if o.from != "" {
		a, err := mail.ParseAddress(o.from)
		if err != nil || !model.ValidEmail(a.Address) {
			return st, fmt.Errorf("--mail-from: %q is not an address (\"Name <name@example.com>\")", o.from)
		}
		st.from = model.MailAddress{Name: a.Name, Email: strings.ToLower(a.Address)}
	}
	var err error
	if st.fallback, err = o.server(); err != nil {
		return st, err
	}
	st.dkim, err = o.dkimSigner()
	return st, err
}

// server is the fallback SMTP server, nil without --smtp-host.
func (o *mailOptions) server() (*mailout.Server, error) {
	if o.smtpHost == "" {
		return nil, nil
	}
	ports := map[string]int{model.TLSStartTLS: 587, model.TLSImplicit: 465, model.TLSPlain: 25}
	if _, ok := ports[o.smtpTLS]; !ok {
		return nil, fmt.Errorf("--smtp-tls must be starttls, implicit or plain, not %q", o.smtpTLS)
	}
	srv := &mailout.Server{Host: o.smtpHost, Port: o.smtpPort, TLS: o.smtpTLS, Username: o.smtpUser,
		Password: os.Getenv("RAPPORT_SMTP_PASSWORD")}
	if srv.Port == 0 {
		srv.Port = ports[o.smtpTLS]
	}
	if o.smtpPasswordFile != "" {
		data, err := os.ReadFile(o.smtpPasswordFile)
		if err != nil {
			return nil, fmt.Errorf("--smtp-password-file: %w", err)
		}
		srv.Password = strings.TrimRight(string(data), "\r\n")
	}
	return srv, nil
}

// dkimSigner reads the DKIM key, nil without --dkim-domain.
func (o *mailOptions) dkimSigner() (*mailout.DKIM, error) {
	if o.dkimDomain == "" && o.dkimKey == "" {
		return nil, nil
	}
	if o.dkimDomain == "" || o.dkimKey == "" || o.dkimSelector == "" {
		return nil, errors.New("DKIM signing needs --dkim-domain, --dkim-selector and --dkim-key together")
	}
	data, err := os.ReadFile(o.dkimKey)
	if err != nil {
		return nil, fmt.Errorf("--dkim-key: %w", err)
	}
	key, err := parseDKIMKey(data)
	if err != nil {
		return nil, fmt.Errorf("--dkim-key %s: %w", o.dkimKey, err)
	}
	return &mailout.DKIM{Domain: strings.ToLower(o.dkimDomain), Selector: o.dkimSelector, Key: key}, nil
}

// parseDKIMKey reads a PEM private key: PKCS#8 (RSA or Ed25519, what
// openssl genpkey writes) or PKCS#1 RSA. RSA keys below 1024 bits are
// refused: verifiers ignore their signatures.
func parseDKIMKey(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("a %s block is not a private key", block.Type)
	}
	if err != nil {
		return nil, err
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 1024 {
			return nil, fmt.Errorf("an RSA key of %d bits is too short (use 2048)", k.N.BitLen())
		}
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	}
	return nil, fmt.Errorf("DKIM signs with RSA or Ed25519, not %T", key)
}

// mailKeys are the keys sending derives from the server key: the
// Message-ID signing key and the unsubscribe link key.
type mailKeys struct {
	messageID, unsubscribe []byte
}

// sendKeys reads the server key (RAPPORT_SECRET_KEY or the data
// directory's key file) and derives the sending keys from it.
func (g *globals) sendKeys() (mailKeys, error) {
	key, err := serverKey(os.Getenv(secretKeyEnv), filepath.Join(g.data, secretKeyFile))
	if err != nil {
		return mailKeys{}, err
	}
	return mailKeys{messageID: secret.DeriveKey(key, messageIDPurpose),
		unsubscribe: secret.DeriveKey(key, inbound.UnsubscribePurpose)}, nil
}

// mailJobs is sending mail as serve wires it: the send_mail job's sender,
// the mailing job, and what the API needs to queue mail (it implements
// api.Mailings).
type mailJobs struct {
	sender   *mailSender
	composer *outmail.Composer
	keys     mailKeys
	settings mailSettings
	// publicURL makes unsubscribe links; without it there are no mailings.
	publicURL string
	// queue is set by startQueue once it exists, before it starts working.
	queue *queue.Queue
}

// jobs builds sending mail for serve: settings, keys, sender, composer.
func (o *mailOptions) jobs(g *globals, s *store.Store, blobs blobstore.Store, docs *merge.Service, publicURL string, log *slog.Logger) (*mailJobs, error) {
	st, err := o.settings()
	if err != nil {
		return nil, err
	}
	keys, err := g.sendKeys()
	if err != nil {
		return nil, err
	}
	box, err := g.secretBox()
	if err != nil {
		return nil, err
	}
	if st.dkim != nil {
		name, value := dkimRecord(st.dkim)
		log.Info("DKIM signing on: publish the public key as a DNS TXT record", "name", name, "value", value)
	}
	return newMailJobs(s, blobs, box, keys, st, docs, publicURL, log), nil
}

// newMailJobs wires the sender, the composer and the mailing job together.
func newMailJobs(s *store.Store, blobs blobstore.Store, box *secret.Box, keys mailKeys, st mailSettings, docs *merge.Service,
	publicURL string, log *slog.Logger) *mailJobs {
	j := &mailJobs{keys: keys, settings: st, publicURL: publicURL}
	j.sender = &mailSender{store: s, blobs: blobs, box: box, settings: st, unsubscribe: j.unsubscribeURL, log: log}
	j.composer = outmail.New(outmail.Config{Store: s, Merge: docs, MintMessageID: j.mint, Enqueue: j.enqueueMail, From: st.from})
	return j
}

// dkimRecord is the DNS TXT record that publishes a DKIM key: its name
// and value (RFC 6376; k=ed25519 carries the raw key, RFC 8463).
func dkimRecord(d *mailout.DKIM) (name, value string) {
	name = d.Selector + "._domainkey." + d.Domain
	switch pub := d.Key.Public().(type) {
	case ed25519.PublicKey:
		return name, "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)
	default:
		der, _ := x509.MarshalPKIXPublicKey(pub) // an RSA key parseDKIMKey accepted always marshals
		return name, "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)
	}
}

// register adds the mail workers.
func (j *mailJobs) register(workers *river.Workers) {
	river.AddWorker(workers, &queue.SendMail{Send: j.sender.Send})
	river.AddWorker(workers, &queue.Mailing{Run: j.runMailing})
}

// mint mints our signed Message-ID for ref on domain (the sender's).
func (j *mailJobs) mint(ref, domain string) (string, error) {
	t := mailmsg.Tokens{Key: j.keys.messageID, Domain: cmp.Or(domain, "localhost")}
	return t.Mint(ref)
}

// enqueueMail queues an outbox mail's delivery in the transaction in ctx.
func (j *mailJobs) enqueueMail(ctx context.Context, id string) error {
	return j.queue.Enqueue(ctx, queue.SendMailArgs{OutboundID: id}, nil)
}

// unsubscribeURL is a contact's one-click unsubscribe link, "" without
// --public-url.
func (j *mailJobs) unsubscribeURL(contactID string) string {
	if j.publicURL == "" {
		return ""
	}
	return inbound.UnsubscribeURL(j.publicURL, j.keys.unsubscribe, contactID)
}

// mailings is the API's Mailings: nil without --public-url, since bulk
// mail must carry an unsubscribe link.
func (j *mailJobs) mailings() api.Mailings {
	if j.publicURL == "" {
		return nil
	}
	return j
}

// Start enqueues a mailing (api.Mailings).
func (j *mailJobs) Start(ctx context.Context, m outmail.Mailing) (int64, error) {
	return j.queue.EnqueueMailing(ctx, queue.MailingArgs(m))
}

// Status reports a mailing from its job (api.Mailings).
func (j *mailJobs) Status(ctx context.Context, id int64) (*outmail.MailingStatus, error) {
	job, err := j.queue.Mailing(ctx, id)
	if errors.Is(err, queue.ErrNoMailing) {
		return nil, model.Errorf(model.ENOTFOUND, "no mailing %d (finished mailings are kept for a day)", id)
	}
	if err != nil {
		return nil, err
	}
	st := &outmail.MailingStatus{ID: job.ID, Mailing: outmail.Mailing(job.Args), State: mailingState(job.State),
		Attempts: job.Attempt, CreatedAt: job.CreatedAt, FinishedAt: job.FinalizedAt, LastError: job.LastError}
	if len(job.Progress) > 0 {
		if err := json.Unmarshal(job.Progress, &st.Progress); err != nil {
			return nil, fmt.Errorf("mailing %d: progress: %w", id, err)
		}
	}
	return st, nil
}

// mailingState names a mailing job's River state.
func mailingState(s rivertype.JobState) string {
	switch s {
	case rivertype.JobStateRunning:
		return outmail.MailingRunning
	case rivertype.JobStateRetryable:
		return outmail.MailingRetrying
	case rivertype.JobStateCompleted:
		return outmail.MailingDone
	case rivertype.JobStateCancelled, rivertype.JobStateDiscarded:
		return outmail.MailingFailed
	}
	return outmail.MailingQueued
}

// runMailing works one attempt of a mailing job from its saved progress. A
// mailing whose list, template, sender or user is gone or refused cannot
// succeed later: it is cancelled rather than retried.
func (j *mailJobs) runMailing(ctx context.Context, job queue.MailingJob) error {
	var p outmail.Progress
	if len(job.Progress) > 0 {
		if err := json.Unmarshal(job.Progress, &p); err != nil {
			return river.JobCancel(fmt.Errorf("its saved progress does not read: %w", err))
		}
	}
	save := func(ctx context.Context, p outmail.Progress) error {
		return j.queue.SaveMailingProgress(ctx, job.ID, p)
	}
	_, err := j.composer.RunMailing(ctx, job.ID, outmail.Mailing(job.Args), p, save)
	if slices.Contains([]string{model.ENOTFOUND, model.EINVALID, model.EFORBIDDEN}, model.ErrorCode(err)) ||
		errors.Is(err, outmail.ErrNotConfigured) {
		return river.JobCancel(err)
	}
	return err
}

// mailSender delivers outbox mail over SMTP: the send_mail job's Send.
type mailSender struct {
	store *store.Store
	blobs blobstore.Store
	// box opens mailboxes' SMTP passwords.
	box      *secret.Box
	settings mailSettings
	// unsubscribe makes the one-click unsubscribe link of mailing mail.
	unsubscribe func(contactID string) string
	// tlsConfig overrides the TLS settings of every server (tests).
	tlsConfig *tls.Config
	// oauthClient, when set, is the HTTP client of OAuth2 token refreshes
	// (tests: one trusting their token endpoint).
	oauthClient *http.Client
	log         *slog.Logger

	mu     sync.Mutex
	tokens map[string]mailboxTokens // OAuth2 mailboxes' token sources, by mailbox id
}

// mailboxTokens is an OAuth2 mailbox's token source, kept while the
// mailbox's settings stay at version, so that an access token serves every
// mail until it expires.
type mailboxTokens struct {
	version int64
	src     oauth2.TokenSource
}

// Send makes one delivery attempt of an outbox mail and records it: sent,
// failed for good (a 5xx, or the last attempt), or back in the queue. A
// mail that is no longer waiting (sent by an earlier run of the job) is
// left alone.
func (d *mailSender) Send(ctx context.Context, id string, final bool) error {
	ctx = model.WithActor(ctx, model.System)
	m, err := d.store.StartMailAttempt(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotSendable):
		return nil
	case model.ErrorCode(err) == model.ENOTFOUND:
		return fmt.Errorf("%w: %w", queue.ErrUndeliverable, err)
	case err != nil:
		return err
	}
	res, sendErr := d.deliver(ctx, m)
	var refused []string
	if res != nil {
		refused = res.Refused
	}
	permanent := mailout.Permanent(sendErr)
	// Recorded even when the job's time ran out: the attempt happened.
	if _, err := d.store.FinishMailAttempt(context.WithoutCancel(ctx), id, sendErr, refused, final || permanent); err != nil {
		return errors.Join(err, sendErr)
	}
	d.logAttempt(m, res, sendErr)
	if permanent {
		return fmt.Errorf("%w: %w", queue.ErrUndeliverable, sendErr)
	}
	return sendErr
}

func (d *mailSender) logAttempt(m *model.OutboundMail, res *mailout.Result, err error) {
	if d.log == nil {
		return
	}
	if err != nil {
		d.log.Warn("mail not sent", "outbound_mail", m.ID, "attempt", m.Attempts, "permanent", mailout.Permanent(err), "err", err)
		return
	}
	d.log.Info("mail sent", "outbound_mail", m.ID, "message_id", m.MessageID, "reply", res.Reply, "refused", res.Refused)
}

// deliver writes and sends one mail under its identity.
func (d *mailSender) deliver(ctx context.Context, m *model.OutboundMail) (*mailout.Result, error) {
	srv, err := d.server(ctx, m)
	if err != nil {
		return nil, err
	}
	msg, err := d.message(ctx, m)
	if err != nil {
		return nil, err
	}
	return (&mailout.Sender{Server: srv, DKIM: d.settings.dkim}).Send(ctx, msg)
}

// server is the SMTP server a mail goes out through: its mailbox's, else
// the hub's (--smtp-host). Missing settings are worth retrying: an admin
// may set them before the attempts run out.
func (d *mailSender) server(ctx context.Context, m *model.OutboundMail) (mailout.Server, error) {
	if m.MailboxID != nil {
		mb, err := store.Get[model.Mailbox](ctx, d.store, *m.MailboxID)
		if err != nil && model.ErrorCode(err) != model.ENOTFOUND {
			return mailout.Server{}, err
		}
		if err == nil && mb.SMTPHost != "" {
			return d.mailboxServer(mb)
		}
	}
	if d.settings.fallback == nil {
		return mailout.Server{}, &mailout.Error{Err: errors.New("no SMTP server: the mail's mailbox has no smtp_host and the hub no --smtp-host")}
	}
	srv := *d.settings.fallback
	srv.TLSConfig = d.tlsConfig
	return srv, nil
}

// mailboxServer is a mailbox's SMTP identity with its password opened.
func (d *mailSender) mailboxServer(mb *model.Mailbox) (mailout.Server, error) {
	srv := mailout.Server{Host: mb.SMTPHost, Port: mb.SMTPPort, TLS: mb.SMTPTLS, Username: mb.SMTPUsername, TLSConfig: d.tlsConfig}
	if mb.SMTPUsername == "" {
		return srv, nil
	}
	sec, err := store.OpenMailboxSecrets(d.box, mb)
	if err != nil {
		return srv, &mailout.Error{Err: err}
	}
	switch {
	case sec.SMTPPassword != "":
		srv.Password = sec.SMTPPassword
	case mb.OAuth():
		if srv.TokenSource, err = d.tokenSource(mb, sec); err != nil {
			return srv, &mailout.Error{Err: err}
		}
	default:
		return srv, &mailout.Error{Err: fmt.Errorf("mailbox %s has no smtp_password", mb.Name)}
	}
	return srv, nil
}

// tokenSource is an OAuth2 mailbox's access tokens for SMTP: its kept
// source, or a new one when its settings changed. Refresh tokens the
// provider rotates are sealed into the mailbox as the IMAP engine does.
func (d *mailSender) tokenSource(mb *model.Mailbox, sec store.MailboxSecrets) (oauth2.TokenSource, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if t, ok := d.tokens[mb.ID]; ok && t.version == mb.Version {
		return t.src, nil
	}
	// The source outlives the delivery that made it.
	ctx := model.WithActor(context.Background(), model.System)
	if d.oauthClient != nil {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, d.oauthClient)
	}
	id := mb.ID
	src, err := ingest.TokenSource(ctx, mb, sec, func(token string) {
		if err := d.store.SetMailboxRefreshToken(ctx, d.box, id, token); err != nil {
			d.log.Error("keeping the rotated refresh token", "mailbox", id, "err", err)
		}
	})
	if err != nil {
		return nil, err
	}
	if d.tokens == nil {
		d.tokens = map[string]mailboxTokens{}
	}
	d.tokens[mb.ID] = mailboxTokens{version: mb.Version, src: src}
	return src, nil
}

// message is the mail as mailout writes it, its attachments read from the
// blob store while it is written.
func (d *mailSender) message(ctx context.Context, m *model.OutboundMail) (*mailout.Message, error) {
	msg := &mailout.Message{From: address(m.From), To: addresses(m.To), Cc: addresses(m.Cc), Bcc: addresses(m.Bcc),
		Subject: m.Subject, MessageID: m.MessageID, InReplyTo: m.InReplyTo, References: m.References,
		AutoSubmitted: m.AutoSubmitted, Text: m.Text, HTML: m.HTML}
	if m.CalendarMethod != "" {
		msg.Calendar = &mailout.Calendar{Method: m.CalendarMethod, Data: []byte(m.Calendar)}
	}
	if outmail.IsBulk(m) {
		msg.Unsubscribe = d.unsubscribe(*m.ContactID)
	}
	for _, id := range m.Attachments {
		a, err := store.Get[model.Attachment](ctx, d.store, id)
		if model.ErrorCode(err) == model.ENOTFOUND {
			return nil, &mailout.Error{Permanent: true, Err: fmt.Errorf("attachment %s was deleted", id)}
		}
		if err != nil {
			return nil, err
		}
		sha := a.SHA256
		msg.Attachments = append(msg.Attachments, mailout.Attachment{Filename: a.Filename, ContentType: a.ContentType,
			Open: func() (io.ReadCloser, error) { return d.blobs.Open(ctx, sha) }})
	}
	return msg, nil
}

func address(a model.MailAddress) mail.Address { return mail.Address{Name: a.Name, Address: a.Email} }

func addresses(list []model.MailAddress) []mail.Address {
	out := make([]mail.Address, len(list))
	for i, a := range list {
		out[i] = address(a)
	}
	return out
}
