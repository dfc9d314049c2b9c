package model

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Kinds of incoming mail, as the classifier (connectors/mail/mailmsg)
// names them.
const (
	MailKindMail      = "mail"       // a person's mail: a new request or a reply
	MailKindBulk      = "bulk"       // list or bulk mail
	MailKindAutoReply = "auto_reply" // out-of-office and other automatic answers
	MailKindReport    = "report"     // delivery delayed or succeeded, read receipts
	MailKindBounce    = "bounce"     // delivery failed
	MailKindLoop      = "loop"       // our own mail come back, or a mail loop
	MailKindDuplicate = "duplicate"  // ingested before
)

// MailKinds lists the kinds of incoming mail.
var MailKinds = []string{MailKindMail, MailKindBulk, MailKindAutoReply, MailKindReport, MailKindBounce, MailKindLoop, MailKindDuplicate}

// What became of an incoming message.
const (
	MailOutcomeRequest     = "request"     // a new request
	MailOutcomeEvent       = "event"       // an entry on an existing request
	MailOutcomeBounce      = "bounce"      // addresses suppressed, linked to the mail that bounced
	MailOutcomeIgnored     = "ignored"     // logged only (bulk, reports, loops, unthreaded auto-replies)
	MailOutcomeQuarantined = "quarantined" // not ingested: see the quarantine
)

// MailOutcomes lists the outcomes of the ingest log.
var MailOutcomes = []string{MailOutcomeRequest, MailOutcomeEvent, MailOutcomeBounce, MailOutcomeIgnored, MailOutcomeQuarantined}

// MailAddress is one mailbox of a mail header: a display name and a
// lower-case address.
type MailAddress struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email"`
}

// MailPart is an attachment or inline image of a message, stored in the
// blob store under SHA256; AttachmentID names the Attachment record it
// became on a request (none for mail that made no request).
type MailPart struct {
	AttachmentID string `json:"attachment_id,omitempty"`
	SHA256       string `json:"sha256"`
	Filename     string `json:"filename"`
	ContentType  string `json:"content_type"`
	Size         int64  `json:"size"`
	ContentID    string `json:"content_id,omitempty"` // how the HTML refers to it (cid:)
	Inline       bool   `json:"inline,omitempty"`
}

// MailDecision is the classifier's verdict on a message as stored with it
// (the shape of mailmsg.Decision), with the ingest's own step appended to
// the trace.
type MailDecision struct {
	Kind    string      `json:"kind"`
	Ack     bool        `json:"ack"`
	Limited bool        `json:"limited,omitempty"`
	Bounce  *MailBounce `json:"bounce,omitempty"`
	Thread  MailThread  `json:"thread"`
	Trace   []MailStep  `json:"trace"`
}

// MailThread is what ties a message to earlier mail: our references it
// answers ("r-<request id>") and request numbers tagged in its subject.
type MailThread struct {
	Refs        []string `json:"refs,omitempty"`
	SubjectTags []string `json:"subject_tags,omitempty"`
}

// MailStep is one line of a decision's trace.
type MailStep struct {
	Name    string `json:"name"`
	Verdict string `json:"verdict"` // pass, match, skip
	Reason  string `json:"reason,omitempty"`
}

// MailBounce is what a bounce or delivery report says.
type MailBounce struct {
	Format            string                `json:"format"`
	Recipients        []MailBounceRecipient `json:"recipients,omitempty"`
	OriginalMessageID string                `json:"original_message_id,omitempty"`
}

// MailBounceRecipient is one recipient of a delivery report.
type MailBounceRecipient struct {
	Address    string `json:"address"`
	Action     string `json:"action,omitempty"`
	Status     string `json:"status,omitempty"`
	Diagnostic string `json:"diagnostic,omitempty"`
	RemoteMTA  string `json:"remote_mta,omitempty"`
	Hard       bool   `json:"hard,omitempty"` // the address itself failed for good
}

// HardFailures returns the addresses that failed for good.
func (b *MailBounce) HardFailures() []string {
	if b == nil {
		return nil
	}
	var out []string
	for _, r := range b.Recipients {
		if r.Action == "failed" && r.Hard && r.Address != "" {
			out = append(out, strings.ToLower(r.Address))
		}
	}
	return Dedupe(out)
}

// MailMessage is one ingested message in the ingest log: where it was
// read, who sent it, what the classifier decided (with the trace) and
// what became of it. Its bodies are kept beside it (MailBody), its raw
// bytes in the blob store under SHA256 — the dedupe key with MessageID.
type MailMessage struct {
	Meta
	MailboxID   string `gorm:"size:36;not null" json:"mailbox_id"`
	Folder      string `gorm:"size:255;not null" json:"folder"`
	UIDValidity uint32 `gorm:"column:uidvalidity;not null" json:"uidvalidity"`
	UID         uint32 `gorm:"column:uid;not null" json:"uid"`
	MessageID   string `gorm:"size:998;not null" json:"message_id"`
	SHA256      string `gorm:"column:sha256;size:64;not null" json:"sha256"`
	Size        int64  `gorm:"not null" json:"size"`

	FromAddress string        `gorm:"size:320;not null" json:"from_address"`
	FromName    string        `gorm:"size:200;not null" json:"from_name"`
	ReplyTo     string        `gorm:"size:320;not null" json:"reply_to"` // where answers go when not From
	To          []MailAddress `gorm:"serializer:json" json:"to"`
	Cc          []MailAddress `gorm:"serializer:json" json:"cc"`
	Subject     string        `gorm:"size:2000;not null" json:"subject"`
	Date        *time.Time    `json:"date"`                        // the Date header
	ReceivedAt  time.Time     `gorm:"not null" json:"received_at"` // when the mail server received it
	Attachments []MailPart    `gorm:"serializer:json" json:"attachments"`

	Kind     string       `gorm:"size:16;not null" json:"kind"`
	Decision MailDecision `gorm:"serializer:json" json:"decision"`
	Outcome  string       `gorm:"size:16;not null" json:"outcome"`
	// AckDue says an acknowledgement should answer this mail: a person's
	// new request, acknowledgements allowed, sender not suppressed.
	AckDue bool `gorm:"not null" json:"ack_due"`

	RequestID      *string `gorm:"size:36" json:"request_id"`
	ActivityID     *string `gorm:"size:36" json:"activity_id"`
	ContactID      *string `gorm:"size:36" json:"contact_id"`
	OutboundMailID *string `gorm:"size:36" json:"outbound_mail_id"` // the mail a bounce reports on
}

// Entity implements Record.
func (*MailMessage) Entity() string { return "mail_message" }

// TableName names the table.
func (MailMessage) TableName() string { return "mail_messages" }

// Normalize implements Record.
func (m *MailMessage) Normalize() {
	for _, p := range []**string{&m.RequestID, &m.ActivityID, &m.ContactID, &m.OutboundMailID} {
		emptyToNil(p)
	}
	if m.To == nil {
		m.To = []MailAddress{}
	}
	if m.Cc == nil {
		m.Cc = []MailAddress{}
	}
	if m.Attachments == nil {
		m.Attachments = []MailPart{}
	}
}

// Validate implements Record.
func (m *MailMessage) Validate() error {
	fe := FieldErrors{}
	if !ValidID(m.MailboxID) {
		fe.Add("mailbox_id", "required")
	}
	if len(m.SHA256) != 64 {
		fe.Add("sha256", "the raw message's SHA-256 (64 hex digits)")
	}
	oneOf(fe, "kind", m.Kind, MailKinds)
	oneOf(fe, "outcome", m.Outcome, MailOutcomes)
	for _, f := range []struct {
		name string
		id   *string
	}{{"request_id", m.RequestID}, {"activity_id", m.ActivityID}, {"contact_id", m.ContactID}, {"outbound_mail_id", m.OutboundMailID}} {
		validateRef(fe, f.name, f.id)
	}
	return fe.Err()
}

// MailBody is the text and sanitised HTML of an ingested message, kept
// beside its log entry and out of the change feed (a body can be megabytes;
// the feed carries the entry).
type MailBody struct {
	MailMessageID string `gorm:"primaryKey;size:36" json:"mail_message_id"`
	Text          string `gorm:"not null" json:"text"`
	HTML          string `gorm:"column:html;not null" json:"html"`
}

// TableName names the table.
func (MailBody) TableName() string { return "mail_bodies" }

// Quarantine reasons: the error codes of the parse, or an ingest that
// failed on the message's content.
const (
	QuarantineTooLarge  = "too_large"
	QuarantineMalformed = "malformed"
	QuarantineFailed    = "failed"
)

// QuarantineReasons lists why a message may be quarantined.
var QuarantineReasons = []string{QuarantineTooLarge, QuarantineMalformed, QuarantineFailed}

// Quarantine statuses.
const (
	QuarantineOpen      = "open"      // waiting: retry it or discard it
	QuarantineRetried   = "retried"   // retried and refused again; still waiting
	QuarantineResolved  = "resolved"  // a retry ingested it (MailMessageID)
	QuarantineDiscarded = "discarded" // given up by an admin
)

// QuarantineStatuses lists the statuses of a quarantined message.
var QuarantineStatuses = []string{QuarantineOpen, QuarantineRetried, QuarantineResolved, QuarantineDiscarded}

// MailQuarantine is a message that could not be ingested, kept with the
// reason so that nothing is dropped silently: its raw bytes (when they were
// read) stay in the blob store under SHA256 to be retried or downloaded.
type MailQuarantine struct {
	Meta
	MailboxID   string `gorm:"size:36;not null" json:"mailbox_id"`
	Folder      string `gorm:"size:255;not null" json:"folder"`
	UIDValidity uint32 `gorm:"column:uidvalidity;not null" json:"uidvalidity"`
	UID         uint32 `gorm:"column:uid;not null" json:"uid"`
	// SHA256 is "" when the message was refused unread (too large).
	SHA256 string `gorm:"column:sha256;size:64;not null" json:"sha256"`
	Size   int64  `gorm:"not null" json:"size"`
	// What could be read of the header, to recognise the message.
	MessageID   string `gorm:"size:998;not null" json:"message_id"`
	FromAddress string `gorm:"size:320;not null" json:"from_address"`
	Subject     string `gorm:"size:2000;not null" json:"subject"`

	Reason        string     `gorm:"size:16;not null" json:"reason"`
	Error         string     `gorm:"size:2000;not null" json:"error"`
	Status        string     `gorm:"size:16;not null" json:"status"`
	Attempts      int        `gorm:"not null" json:"attempts"` // retries made
	LastAttemptAt *time.Time `json:"last_attempt_at"`
	MailMessageID *string    `gorm:"size:36" json:"mail_message_id"` // what a successful retry made

	// DeferCheckpoint is MailIngest.DeferCheckpoint for a message
	// quarantined on arrival; not stored.
	DeferCheckpoint bool `gorm:"-" json:"-"`
}

// Entity implements Record.
func (*MailQuarantine) Entity() string { return "mail_quarantine" }

// TableName names the table.
func (MailQuarantine) TableName() string { return "mail_quarantines" }

// Normalize implements Record.
func (q *MailQuarantine) Normalize() {
	q.Status = lowerOr(q.Status, QuarantineOpen)
	q.Error = cutText(strings.ToValidUTF8(q.Error, "?"), 2000)
	emptyToNil(&q.MailMessageID)
}

// Validate implements Record.
func (q *MailQuarantine) Validate() error {
	fe := FieldErrors{}
	if !ValidID(q.MailboxID) {
		fe.Add("mailbox_id", "required")
	}
	if q.SHA256 != "" && len(q.SHA256) != 64 {
		fe.Add("sha256", "64 hex digits, or empty when the message was not read")
	}
	oneOf(fe, "reason", q.Reason, QuarantineReasons)
	oneOf(fe, "status", q.Status, QuarantineStatuses)
	validateRef(fe, "mail_message_id", q.MailMessageID)
	return fe.Err()
}

// Pending reports whether the message still waits for a retry or a discard.
func (q *MailQuarantine) Pending() bool {
	return q.Status == QuarantineOpen || q.Status == QuarantineRetried
}

// maxMessageIDBytes bounds a stored Message-ID (RFC 5322 lines stop at
// 998 characters; real ones are far shorter).
const maxMessageIDBytes = 900

// cutBytes cuts s to at most n bytes, on a character boundary.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// cutText cuts s to at most n characters.
func cutText(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// Outbox statuses.
const (
	OutboundQueued     = "queued"     // waiting for the sender job
	OutboundSending    = "sending"    // an attempt is under way
	OutboundSent       = "sent"       // the SMTP server took it
	OutboundFailed     = "failed"     // refused for good, or out of attempts
	OutboundSuppressed = "suppressed" // not sent: every recipient is suppressed
)

// CalendarMethods lists the iTIP methods an outgoing mail's calendar may
// have.
var CalendarMethods = []string{"REQUEST", "CANCEL", "REPLY"}

// OutboundStatuses lists the statuses of outgoing mail.
var OutboundStatuses = []string{OutboundQueued, OutboundSending, OutboundSent, OutboundFailed, OutboundSuppressed}

// OutboundMail is one mail in the outbox: what Rapport sends (agents'
// replies, acknowledgements, invitations, documents), how the attempts went,
// and whether it bounced afterwards.
type OutboundMail struct {
	Meta
	MailboxID *string       `gorm:"size:36" json:"mailbox_id"` // the identity it goes out under
	From      MailAddress   `gorm:"serializer:json" json:"from"`
	To        []MailAddress `gorm:"serializer:json" json:"to"`
	Cc        []MailAddress `gorm:"serializer:json" json:"cc"`
	Bcc       []MailAddress `gorm:"serializer:json" json:"bcc"`
	Subject   string        `gorm:"size:2000;not null" json:"subject"`
	Text      string        `gorm:"not null" json:"text"`
	HTML      string        `gorm:"column:html;not null" json:"html"`
	// MessageID is ours (signed, see mailmsg.Tokens); InReplyTo and
	// References thread it.
	MessageID  string   `gorm:"size:998;not null" json:"message_id"`
	InReplyTo  string   `gorm:"size:998;not null" json:"in_reply_to"`
	References []string `gorm:"serializer:json" json:"references"`
	// AutoSubmitted is the RFC 3834 value of automatic mail
	// ("auto-replied", "auto-generated"); "" for a person's.
	AutoSubmitted string   `gorm:"size:32;not null" json:"auto_submitted"`
	Attachments   []string `gorm:"serializer:json" json:"attachments"` // attachment ids
	RequestID     *string  `gorm:"size:36" json:"request_id"`
	ContactID     *string  `gorm:"size:36" json:"contact_id"`
	TemplateID    *string  `gorm:"size:36" json:"template_id"`
	// CalendarMethod and Calendar make the mail an iMIP message (RFC 6047):
	// the iCalendar text, whose METHOD is CalendarMethod, goes out as a
	// text/calendar alternative and as invite.ics.
	CalendarMethod string `gorm:"size:16;not null" json:"calendar_method"`
	Calendar       string `gorm:"not null" json:"calendar"`

	Status    string     `gorm:"size:16;not null" json:"status"`
	Attempts  int        `gorm:"not null" json:"attempts"`
	LastError string     `gorm:"size:2000;not null" json:"last_error"`
	SentAt    *time.Time `json:"sent_at"`
	BouncedAt *time.Time `json:"bounced_at"` // a bounce reported it undelivered
}

// Entity implements Record.
func (*OutboundMail) Entity() string { return "outbound_mail" }

// TableName names the table.
func (OutboundMail) TableName() string { return "outbound_mails" }

// Refs implements Referrer.
func (o *OutboundMail) Refs() []Ref {
	return []Ref{{"mailbox_id", "mailbox", o.MailboxID}, {"request_id", "request", o.RequestID},
		{"contact_id", "contact", o.ContactID}, {"template_id", "document_template", o.TemplateID}}
}

// Normalize implements Record.
func (o *OutboundMail) Normalize() {
	o.Status = lowerOr(o.Status, OutboundQueued)
	o.From = normAddress(o.From)
	for _, list := range []*[]MailAddress{&o.To, &o.Cc, &o.Bcc} {
		out := []MailAddress{}
		for _, a := range *list {
			out = append(out, normAddress(a))
		}
		*list = out
	}
	o.Subject = strings.TrimSpace(o.Subject)
	o.AutoSubmitted = strings.ToLower(strings.TrimSpace(o.AutoSubmitted))
	o.CalendarMethod = strings.ToUpper(strings.TrimSpace(o.CalendarMethod))
	if o.References == nil {
		o.References = []string{}
	}
	if o.Attachments == nil {
		o.Attachments = []string{}
	}
	o.LastError = cutText(strings.ToValidUTF8(o.LastError, "?"), 2000)
	for _, p := range []**string{&o.MailboxID, &o.RequestID, &o.ContactID, &o.TemplateID} {
		emptyToNil(p)
	}
}

func normAddress(a MailAddress) MailAddress {
	return MailAddress{Name: strings.TrimSpace(a.Name), Email: strings.ToLower(strings.TrimSpace(a.Email))}
}

// maxRecipients bounds the recipients of one outgoing mail.
const maxRecipients = 100

// Validate implements Record.
func (o *OutboundMail) Validate() error {
	fe := FieldErrors{}
	if !ValidEmail(o.From.Email) {
		fe.Add("from.email", "a valid e-mail address")
	}
	n := 0
	for name, list := range map[string][]MailAddress{"to": o.To, "cc": o.Cc, "bcc": o.Bcc} {
		n += len(list)
		for i, a := range list {
			if !ValidEmail(a.Email) {
				fe.Add(name+"["+itoa(i)+"].email", "not a valid e-mail address")
			}
		}
	}
	if len(o.To) == 0 {
		fe.Add("to", "at least one recipient")
	}
	if n > maxRecipients {
		fe.Add("to", "at most 100 recipients in all")
	}
	if o.Subject == "" {
		fe.Add("subject", "required")
	}
	if o.AutoSubmitted != "" && o.AutoSubmitted != "auto-replied" && o.AutoSubmitted != "auto-generated" {
		fe.Add("auto_submitted", `"", auto-replied or auto-generated`)
	}
	oneOf(fe, "status", o.Status, OutboundStatuses)
	if (o.CalendarMethod == "") != (o.Calendar == "") || (o.CalendarMethod != "" && !contains(CalendarMethods, o.CalendarMethod)) {
		fe.Add("calendar_method", "REQUEST, CANCEL or REPLY, together with the calendar (or neither)")
	}
	for i, id := range o.Attachments {
		if !ValidID(id) {
			fe.Add("attachments["+itoa(i)+"]", "not a valid attachment id")
		}
	}
	for _, f := range []struct {
		name string
		id   *string
	}{{"mailbox_id", o.MailboxID}, {"request_id", o.RequestID}, {"contact_id", o.ContactID}, {"template_id", o.TemplateID}} {
		validateRef(fe, f.name, f.id)
	}
	return fe.Err()
}

// Recipients lists every address the mail goes to.
func (o *OutboundMail) Recipients() []string {
	var out []string
	for _, list := range [][]MailAddress{o.To, o.Cc, o.Bcc} {
		for _, a := range list {
			out = append(out, a.Email)
		}
	}
	return out
}

// Suppression reasons.
const (
	SuppressBounce      = "bounce"      // hard bounce: the address does not exist
	SuppressUnsubscribe = "unsubscribe" // the person asked for no bulk mail
	SuppressComplaint   = "complaint"   // marked as spam
)

// SuppressionReasons lists why an address may be suppressed.
var SuppressionReasons = []string{SuppressBounce, SuppressUnsubscribe, SuppressComplaint}

// MailSuppression keeps bulk and automatic mail from an address: it
// bounced for good, unsubscribed or complained. Agents' replies still go.
type MailSuppression struct {
	Meta
	Address string    `gorm:"size:320;not null" json:"address"`
	Reason  string    `gorm:"size:16;not null" json:"reason"`
	Since   time.Time `gorm:"not null" json:"since"`
	Detail  string    `gorm:"size:1000;not null" json:"detail"` // the bounce's status and diagnostic
	// SourceMessageID is the ingested message (a bounce) that caused it.
	SourceMessageID *string `gorm:"size:36" json:"source_message_id"`
}

// Entity implements Record.
func (*MailSuppression) Entity() string { return "mail_suppression" }

// TableName names the table.
func (MailSuppression) TableName() string { return "mail_suppressions" }

// Normalize implements Record.
func (s *MailSuppression) Normalize() {
	s.Address = strings.ToLower(strings.TrimSpace(s.Address))
	s.Reason = strings.ToLower(strings.TrimSpace(s.Reason))
	s.Detail = cutText(strings.TrimSpace(strings.ToValidUTF8(s.Detail, "?")), 1000)
	emptyToNil(&s.SourceMessageID)
	if s.Since.IsZero() {
		s.Since = time.Now().UTC().Truncate(time.Microsecond)
	}
}

// Validate implements Record.
func (s *MailSuppression) Validate() error {
	fe := FieldErrors{}
	if !ValidEmail(s.Address) {
		fe.Add("address", "a valid e-mail address")
	}
	oneOf(fe, "reason", s.Reason, SuppressionReasons)
	validateRef(fe, "source_message_id", s.SourceMessageID)
	return fe.Err()
}

// MailIngest is what the ingest pipeline knows of one message when it
// hands it to the store: where it was read, its raw blob, the parsed
// header and bodies, the attachments already in the blob store, and the
// classifier's decision.
type MailIngest struct {
	MailboxID   string
	Folder      string
	UIDValidity uint32
	UID         uint32 // 0 for a message not read from IMAP
	SHA256      string // of the raw message, its blob's address
	Size        int64
	ReceivedAt  time.Time // the server's internal date; zero: now

	MessageID  string
	InReplyTo  []string
	References []string
	From       MailAddress
	ReplyTo    []MailAddress
	To, Cc     []MailAddress
	Subject    string
	Date       time.Time
	Text       string
	HTML       string // sanitised
	Parts      []MailPart

	Decision MailDecision

	// DeferCheckpoint leaves the folder's checkpoint alone: the caller
	// commits messages concurrently and advances it itself once every
	// message before this one is in too.
	DeferCheckpoint bool
}

// Normalize trims the header values and lower-cases the addresses.
func (in *MailIngest) Normalize() {
	in.Folder = strings.TrimSpace(in.Folder)
	// Indexed: PostgreSQL's B-tree entries stop near 2,700 bytes.
	in.MessageID = cutBytes(strings.Trim(strings.TrimSpace(in.MessageID), "<>"), maxMessageIDBytes)
	in.SHA256 = strings.ToLower(in.SHA256)
	in.From = normAddress(in.From)
	for _, list := range []*[]MailAddress{&in.ReplyTo, &in.To, &in.Cc} {
		for i := range *list {
			(*list)[i] = normAddress((*list)[i])
		}
	}
	in.Subject = strings.TrimSpace(in.Subject)
	in.Decision.Kind = lowerOr(in.Decision.Kind, MailKindMail)
}

// Validate checks what the store relies on; the rest is taken as parsed.
func (in *MailIngest) Validate() error {
	fe := FieldErrors{}
	if !ValidID(in.MailboxID) {
		fe.Add("mailbox_id", "required")
	}
	if len(in.SHA256) != 64 {
		fe.Add("sha256", "the raw message's SHA-256")
	}
	if in.UID > 0 && (in.Folder == "" || in.UIDValidity == 0) {
		fe.Add("folder", "a message read from IMAP names its folder and UIDVALIDITY")
	}
	oneOf(fe, "kind", in.Decision.Kind, MailKinds)
	for i, p := range in.Parts {
		if len(p.SHA256) != 64 {
			fe.Add("parts["+itoa(i)+"].sha256", "the attachment's blob")
		}
	}
	return fe.Err()
}

// Answerer is the address an answer to the message goes to: the first
// Reply-To, else From.
func (in *MailIngest) Answerer() string {
	for _, a := range in.ReplyTo {
		if ValidEmail(a.Email) {
			return a.Email
		}
	}
	return in.From.Email
}

// Mail domain events.
const (
	EventMailReceived    = "mail.received"
	EventMailBounced     = "mail.bounced"
	EventMailQuarantined = "mail.quarantined"
	EventMailSent        = "mail.sent"
)

// mailEvent names the domain event of a write to a mail entity: a logged
// message is mail.received (mail.bounced for a bounce), a quarantined one
// mail.quarantined, an outbox mail that reaches sent mail.sent.
func mailEvent(entity, op string, fields map[string]FieldChange) string {
	switch {
	case op == OpDelete:
	case entity == "mail_message" && op == OpCreate:
		if fields["outcome"].New == MailOutcomeBounce {
			return EventMailBounced
		}
		return EventMailReceived
	case entity == "mail_quarantine" && op == OpCreate:
		return EventMailQuarantined
	case entity == "outbound_mail" && fields["status"].New == OutboundSent:
		return EventMailSent
	}
	return ""
}
