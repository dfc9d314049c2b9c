package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"rapport/model"
)

// IngestMail writes one fetched message in one transaction: what it
// becomes (a new request, an entry on the request it answers, suppressed
// addresses for a bounce, or a log entry only), its attachments on the
// request, its ingest-log entry with the decision trace and bodies, and the
// folder's checkpoint (unless in.DeferCheckpoint). It returns the log entry, whose AckDue says whether
// an acknowledgement should answer it.
//
// A message ingested before — the same place in the same folder, the same
// Message-ID or the same raw bytes — writes nothing but the checkpoint and
// returns the first entry with duplicate set; the caller then does none of
// its follow-ups. Run inside the caller's transaction (WithTx), follow-up
// jobs enqueued there commit or roll back with the message.
func (s *Store) IngestMail(ctx context.Context, in *model.MailIngest) (msg *model.MailMessage, duplicate bool, err error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return nil, false, err
	}
	msg, duplicate, err = s.ingestOnce(ctx, in)
	if model.ErrorCode(err) == model.ECONFLICT {
		// Another hub ingested the same message (or suppressed the same
		// address) meanwhile and a unique index refused this write; the
		// second run sees what it committed.
		msg, duplicate, err = s.ingestOnce(ctx, in)
	}
	return msg, duplicate, err
}

func (s *Store) ingestOnce(ctx context.Context, in *model.MailIngest) (msg *model.MailMessage, duplicate bool, err error) {
	err = s.step(ctx, func(ctx context.Context) error {
		prior, err := s.priorMail(ctx, in)
		switch {
		case err != nil:
			return err
		case prior != nil:
			msg, duplicate = prior, true
		default:
			if msg, err = s.ingest(ctx, in); err != nil {
				return err
			}
		}
		if in.DeferCheckpoint {
			return nil
		}
		return s.AdvanceMailCheckpoint(ctx, in.MailboxID, in.Folder, in.UIDValidity, in.UID)
	})
	return msg, duplicate, err
}

// priorMail finds the log entry of a message ingested before: read at the
// same place, or with the same Message-ID or raw bytes.
func (s *Store) priorMail(ctx context.Context, in *model.MailIngest) (*model.MailMessage, error) {
	q := s.conn(ctx).Where("sha256 = ?", in.SHA256)
	if in.MessageID != "" {
		q = q.Or("message_id = ?", in.MessageID)
	}
	if in.UID > 0 {
		q = q.Or("mailbox_id = ? AND folder = ? AND uidvalidity = ? AND uid = ?", in.MailboxID, in.Folder, int64(in.UIDValidity), int64(in.UID))
	}
	var rows []*model.MailMessage
	if err := q.Order("created_at, id").Limit(1).Find(&rows).Error; err != nil || len(rows) == 0 {
		return nil, dbErr(err)
	}
	return rows[0], nil
}

// ingestion is the work of ingesting one new message.
type ingestion struct {
	s     *Store
	in    *model.MailIngest
	mb    *model.Mailbox
	msg   *model.MailMessage
	notes []string // the ingest step of the trace
}

func (g *ingestion) note(format string, args ...any) {
	g.notes = append(g.notes, fmt.Sprintf(format, args...))
}

// ingest writes a message not seen before.
func (s *Store) ingest(ctx context.Context, in *model.MailIngest) (*model.MailMessage, error) {
	mb := &model.Mailbox{}
	// A mailbox deleted while its message was in flight still gets it.
	if err := s.conn(ctx).Where("id = ?", in.MailboxID).Take(mb).Error; err != nil {
		return nil, prefixFields(dbErr(err), "mailbox.")
	}
	if mb.DeletedAt == nil {
		s.inTx(ctx).setLive("mailbox", mb.ID, true) // the log entry and the acknowledgement refer to it
	}
	ctx = model.WithActor(ctx, intakeActor("mailbox", mb.Name))
	g := &ingestion{s: s, in: in, mb: mb, msg: newMailMessage(in)}
	var err error
	switch kind := in.Decision.Kind; kind {
	case model.MailKindMail, model.MailKindAutoReply:
		err = g.converse(ctx)
	case model.MailKindBounce:
		err = g.bounce(ctx)
	default:
		g.msg.Outcome = model.MailOutcomeIgnored
		g.note("logged only (%s)", strings.ReplaceAll(kind, "_", " "))
	}
	if err != nil {
		return nil, err
	}
	g.msg.Decision.Trace = append(g.msg.Decision.Trace, model.MailStep{Name: "ingest", Verdict: "match", Reason: strings.Join(g.notes, "; ")})
	if err := Create(ctx, s, g.msg); err != nil {
		return nil, err
	}
	if err := s.indexMailParts(ctx, g.msg); err != nil {
		return nil, err
	}
	body := &model.MailBody{MailMessageID: g.msg.ID, Text: cleanText(in.Text, 0), HTML: cleanText(in.HTML, 0)}
	return g.msg, dbErr(s.conn(ctx).Create(body).Error)
}

// mailPart is a row of mail_message_parts: which blob holds a message's
// part, so the blob collector and backups see every part (m0023).
type mailPart struct {
	MailMessageID string `gorm:"column:mail_message_id"`
	Seq           int    `gorm:"column:seq"`
	SHA256        string `gorm:"column:sha256"`
}

// TableName names the table.
func (mailPart) TableName() string { return "mail_message_parts" }

// indexMailParts writes the parts rows of a logged message.
func (s *Store) indexMailParts(ctx context.Context, m *model.MailMessage) error {
	if len(m.Attachments) == 0 {
		return nil
	}
	rows := make([]mailPart, len(m.Attachments))
	for i, part := range m.Attachments {
		rows[i] = mailPart{MailMessageID: m.ID, Seq: i, SHA256: part.SHA256}
	}
	return dbErr(s.conn(ctx).Create(&rows).Error)
}

// newMailMessage is the log entry of a message, its values cut to their
// columns: a long header must not keep a message out.
func newMailMessage(in *model.MailIngest) *model.MailMessage {
	received := in.ReceivedAt
	if received.IsZero() {
		received = now()
	}
	m := &model.MailMessage{Meta: model.Meta{ID: model.NewID()}, MailboxID: in.MailboxID, Folder: cleanText(in.Folder, 255),
		UIDValidity: in.UIDValidity, UID: in.UID, MessageID: cleanText(in.MessageID, 998), SHA256: in.SHA256, Size: in.Size,
		FromAddress: cleanText(in.From.Email, 320), FromName: cleanText(in.From.Name, 200), To: cleanAddresses(in.To),
		Cc: cleanAddresses(in.Cc), Subject: cleanText(in.Subject, 2000), ReceivedAt: received.UTC().Truncate(time.Microsecond),
		Attachments: slices.Clone(in.Parts), Kind: in.Decision.Kind, Decision: in.Decision}
	if a := in.Answerer(); a != in.From.Email {
		m.ReplyTo = cleanText(a, 320)
	}
	if !in.Date.IsZero() {
		d := in.Date.UTC().Truncate(time.Microsecond)
		m.Date = &d
	}
	return m
}

// cleanText makes parsed text storable alike on both engines: valid UTF-8
// without NUL (PostgreSQL refuses it), cut to n characters when n > 0.
func cleanText(s string, n int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	if n > 0 && utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n])
	}
	return s
}

func cleanAddresses(list []model.MailAddress) []model.MailAddress {
	out := make([]model.MailAddress, 0, len(list))
	for _, a := range list {
		out = append(out, model.MailAddress{Name: cleanText(a.Name, 200), Email: cleanText(a.Email, 320)})
	}
	return out
}

// converse files a person's mail or an automatic answer: on the request
// it belongs to, else (a person's mail only) as a new request.
func (g *ingestion) converse(ctx context.Context) error {
	auto := g.in.Decision.Kind == model.MailKindAutoReply
	who, err := g.s.senderOf(ctx, g.in.From.Email)
	if err != nil {
		return err
	}
	req, err := g.findRequest(ctx)
	if err != nil {
		return err
	}
	switch {
	case req != nil && req.Status == model.RequestClosed && auto:
		req = nil
		g.note("request is closed")
	case req != nil && req.Status == model.RequestClosed:
		g.note("request %s is closed: a new request, linked to it", req.Number)
		return g.newRequest(ctx, who, req)
	}
	if req == nil && auto {
		g.msg.Outcome = model.MailOutcomeIgnored
		g.note("an automatic answer to no known request: logged only")
		return nil
	}
	if req == nil {
		return g.newRequest(ctx, who, nil)
	}
	return g.onRequest(ctx, req, who)
}

// onRequest adds the mail to a request's chronology. A person's mail moves
// the request's clock (a request waiting for the customer, or resolved,
// reopens) and makes its unknown sender a contact; an automatic answer is
// only recorded.
func (g *ingestion) onRequest(ctx context.Context, req *model.Request, who EmailMatch) error {
	g.msg.Outcome, g.msg.RequestID = model.MailOutcomeEvent, &req.ID
	contactID, accountID := nilIfEmpty(who.ContactID), nilIfEmpty(who.AccountID)
	if g.in.Decision.Kind == model.MailKindMail {
		var err error
		if contactID, accountID, err = g.contact(ctx, who); err != nil {
			return err
		}
	}
	if err := g.activity(ctx, req, contactID, accountID); err != nil {
		return err
	}
	if err := g.attach(ctx, req); err != nil {
		return err
	}
	g.msg.ContactID = contactID
	if g.in.Decision.Kind == model.MailKindAutoReply {
		return nil
	}
	_, err := Update(serverWrite(ctx), g.s, req.ID, 0, func(r *model.Request) error {
		return applyEvent(r, RequestEvent{Type: "mail_in"}, true)
	})
	return prefixFields(err, "request.")
}

// newRequest makes a request of the mail in the mailbox's queue, from the
// sender's contact (made when unknown), linked to the closed request it
// answers, if any. An acknowledgement is due when the classifier allowed
// one and the answer address is not suppressed.
func (g *ingestion) newRequest(ctx context.Context, who EmailMatch, closed *model.Request) error {
	contactID, accountID, err := g.contact(ctx, who)
	if err != nil {
		return err
	}
	queue, err := g.queue(ctx)
	if err != nil {
		return err
	}
	r := &model.Request{Subject: subjectOf(g.in.Subject), Description: cleanText(g.in.Text, 0), Channel: "mail",
		QueueID: queue, ContactID: contactID, AccountID: accountID}
	if err := Create(ctx, g.s, r); err != nil {
		return prefixFields(err, "request.")
	}
	g.note("new request %s", r.Number)
	if closed != nil {
		if err := g.s.LinkRequests(ctx, r.ID, closed.ID, "related"); err != nil {
			return err
		}
	}
	g.msg.Outcome, g.msg.RequestID, g.msg.ContactID = model.MailOutcomeRequest, &r.ID, contactID
	if err := g.activity(ctx, r, contactID, accountID); err != nil {
		return err
	}
	if err := g.attach(ctx, r); err != nil {
		return err
	}
	suppressed, err := g.s.Suppressed(ctx, g.in.Answerer())
	g.msg.AckDue = g.in.Decision.Ack && !suppressed
	if g.in.Decision.Ack && suppressed {
		g.note("no acknowledgement: %s is suppressed", g.in.Answerer())
	}
	return err
}

// subjectOf is a request or activity subject for a mail's subject.
func subjectOf(subject string) string {
	if subject = strings.TrimSpace(cleanText(subject, 500)); subject == "" {
		return "(no subject)"
	}
	return subject
}

// queue is the mailbox's queue while it exists.
func (g *ingestion) queue(ctx context.Context) (*string, error) {
	if g.mb.QueueID == nil {
		return nil, nil
	}
	var ids []string
	if err := g.s.conn(ctx).Table("queues").Where("id = ? AND deleted_at IS NULL", *g.mb.QueueID).Pluck("id", &ids).Error; err != nil {
		return nil, dbErr(err)
	}
	if len(ids) == 0 {
		g.note("the mailbox's queue is gone: the request waits in no queue")
		return nil, nil
	}
	g.s.inTx(ctx).setLive("queue", ids[0], true) // the request's reference check need not ask again
	return g.mb.QueueID, nil
}

// activity records the mail on the request's timeline (and the sender's).
func (g *ingestion) activity(ctx context.Context, req *model.Request, contactID, accountID *string) error {
	if contactID == nil {
		contactID, accountID = req.ContactID, req.AccountID
	}
	at := g.msg.ReceivedAt
	tags := []string{"request-mail_in"}
	if g.in.Decision.Kind == model.MailKindAutoReply {
		tags = append(tags, "auto-reply")
	}
	a := &model.Activity{Kind: model.KindEmail, Status: "received", Subject: subjectOf(g.in.Subject), Description: cleanText(g.in.Text, 0),
		Class: "public", StartAt: &at, ContactID: contactID, AccountID: accountID,
		Links: []model.Link{{Entity: "request", ID: req.ID}}, Tags: tags}
	if err := Create(ctx, g.s, a); err != nil {
		return prefixFields(err, "activity.")
	}
	g.msg.ActivityID = &a.ID
	return nil
}

// attach makes the mail's attachments and inline images attachments of
// the request; their content is in the blob store already.
func (g *ingestion) attach(ctx context.Context, req *model.Request) error {
	if len(g.msg.Attachments) == 0 {
		return nil
	}
	atts := make([]*model.Attachment, len(g.msg.Attachments))
	for i, p := range g.msg.Attachments {
		ct := cleanText(strings.ToLower(strings.TrimSpace(p.ContentType)), 200)
		if ct == "" {
			ct = "application/octet-stream"
		}
		atts[i] = &model.Attachment{RecordType: "request", RecordID: req.ID, Filename: partFilename(p.Filename, i),
			ContentType: ct, Size: p.Size, SHA256: p.SHA256}
	}
	if err := CreateMany(ctx, g.s, atts); err != nil {
		return prefixFields(err, "attachments.")
	}
	for i, a := range atts {
		g.msg.Attachments[i].AttachmentID = a.ID
	}
	return nil
}

// partFilename is a part's file name if it can be stored as one, else a
// made-up name with its extension.
func partFilename(name string, i int) string {
	name = cleanText(name, 0)
	if model.CheckFilename(name) == "" {
		return name
	}
	ext := ""
	if dot := strings.LastIndexByte(name, '.'); dot >= 0 && len(name)-dot <= 10 && model.CheckFilename(name[dot:]) == "" {
		ext = name[dot:]
	}
	return fmt.Sprintf("attachment-%d%s", i+1, ext)
}

// senderOf finds the contact (and user) with a sender's address.
func (s *Store) senderOf(ctx context.Context, email string) (EmailMatch, error) {
	if email == "" {
		return EmailMatch{}, nil
	}
	found, err := s.MatchEmails(ctx, []string{email})
	return found[email], err
}

// contact is the sender's contact for a new request: the one with the
// address, else a new one linked to the account whose web site has the
// address's domain. Staff writing to the desk, and addresses that cannot
// be a contact's, make none.
func (g *ingestion) contact(ctx context.Context, who EmailMatch) (contactID, accountID *string, err error) {
	from := g.in.From
	switch {
	case who.ContactID != "":
		return &who.ContactID, nilIfEmpty(who.AccountID), nil
	case who.UserID != "":
		g.note("the sender is a user: no contact")
		return nil, nil, nil
	case from.Email == "":
		g.note("no sender address: no contact")
		return nil, nil, nil
	}
	account, err := g.s.accountByMailDomain(ctx, from.Email)
	if err != nil {
		return nil, nil, err
	}
	c := &model.Contact{DisplayName: cleanText(from.Name, 400), Emails: []model.Labeled{{Type: "work", Value: from.Email}}, AccountID: account}
	// A refused contact leaves the message to go on without one: Create
	// undoes its own writes under a savepoint of its own.
	err = Create(g.s.ownSavepoint(ctx), g.s, c)
	if model.ErrorCode(err) == model.EINVALID {
		g.note("the sender could not become a contact (%s)", model.ErrorMessage(err))
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	g.note("new contact %s", from.Email)
	return &c.ID, account, nil
}

// accountByMailDomain finds the oldest account whose web site is on an
// address's domain (www. aside): how a new sender joins their company.
func (s *Store) accountByMailDomain(ctx context.Context, email string) (*string, error) {
	_, domain, ok := strings.Cut(email, "@")
	if !ok || domain == "" {
		return nil, nil
	}
	var rows []model.Account
	// LIKE narrows the candidates; the host is compared exactly below.
	err := s.conn(ctx).Select("id, website").Where("deleted_at IS NULL AND website <> '' AND lower(website) LIKE ?", "%"+domain+"%").
		Order("id").Limit(50).Find(&rows).Error
	if err != nil {
		return nil, dbErr(err)
	}
	for _, a := range rows {
		if websiteHost(a.Website) == domain {
			return &a.ID, nil
		}
	}
	return nil, nil
}

// websiteHost is the lower-case host of a web site URL without "www.".
func websiteHost(site string) string {
	_, rest, ok := strings.Cut(strings.ToLower(site), "://")
	if !ok {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	host, _, _ = strings.Cut(host, ":")
	return strings.TrimPrefix(host, "www.")
}

// findRequest finds the request a mail answers: by our signed Message-ID
// references, by the Message-IDs it answers (our outbox and earlier mail),
// then by a subject tag — that only from the request's contact or known
// participants, since anybody can type one.
func (g *ingestion) findRequest(ctx context.Context) (*model.Request, error) {
	for _, ref := range g.in.Decision.Thread.Refs {
		if id, ok := strings.CutPrefix(ref, "r-"); ok {
			if r, err := g.s.liveRequest(ctx, "id = ?", id); r != nil || err != nil {
				g.note("threaded on %s by our Message-ID", numberOf(r))
				return r, err
			}
		}
	}
	if r, err := g.requestByMessageIDs(ctx); r != nil || err != nil {
		return r, err
	}
	for _, tag := range g.in.Decision.Thread.SubjectTags {
		r, err := g.s.liveRequest(ctx, "number = ?", tag)
		if r == nil || err != nil {
			return nil, err
		}
		ok, err := g.s.participant(ctx, r, g.in.From.Email)
		if err != nil || ok {
			g.note("threaded on %s by its subject tag", r.Number)
			return r, err
		}
		g.note("subject tag %s ignored: the sender is not its contact or a participant", tag)
	}
	return nil, nil
}

func numberOf(r *model.Request) string {
	if r == nil {
		return ""
	}
	return r.Number
}

// liveRequest returns the live request matching where, or nil.
func (s *Store) liveRequest(ctx context.Context, where string, arg string) (*model.Request, error) {
	var rows []*model.Request
	err := s.conn(ctx).Where(where+" AND deleted_at IS NULL", arg).Limit(1).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return nil, dbErr(err)
	}
	return rows[0], nil
}

// requestByMessageIDs finds the request of the newest message the mail
// answers that we know: one we sent, or one we ingested.
func (g *ingestion) requestByMessageIDs(ctx context.Context) (*model.Request, error) {
	ids := slices.Clone(g.in.InReplyTo)
	for i := len(g.in.References) - 1; i >= 0; i-- {
		ids = append(ids, g.in.References[i])
	}
	for i := range ids {
		ids[i] = strings.Trim(strings.TrimSpace(ids[i]), "<>")
	}
	ids = model.Dedupe(slices.DeleteFunc(ids, func(id string) bool { return id == "" }))
	if len(ids) == 0 {
		return nil, nil
	}
	ids = ids[:min(len(ids), 100)]
	var rows []struct{ MessageID, RequestID string }
	err := g.s.conn(ctx).Raw(`SELECT message_id, request_id FROM outbound_mails WHERE message_id IN ? AND request_id IS NOT NULL AND deleted_at IS NULL
		UNION ALL SELECT message_id, request_id FROM mail_messages WHERE message_id IN ? AND request_id IS NOT NULL`, ids, ids).Scan(&rows).Error
	if err != nil {
		return nil, dbErr(err)
	}
	for _, id := range ids {
		for _, row := range rows {
			if row.MessageID != id {
				continue
			}
			if r, err := g.s.liveRequest(ctx, "id = ?", row.RequestID); r != nil || err != nil {
				g.note("threaded on %s by the Message-ID it answers", numberOf(r))
				return r, err
			}
		}
	}
	return nil, nil
}

// participant reports whether an address belongs to a request's
// conversation: its contact's, a sender of mail on it, or a recipient of
// our mail on it.
func (s *Store) participant(ctx context.Context, r *model.Request, email string) (bool, error) {
	if email == "" {
		return false, nil
	}
	var n int64
	q := s.conn(ctx).Raw(`SELECT COUNT(*) FROM (
		SELECT record_id FROM search_keys WHERE entity = 'contact' AND kind = ? AND value = ? AND record_id = ?
		UNION ALL SELECT id FROM mail_messages WHERE request_id = ? AND from_address = ?
		UNION ALL SELECT id FROM outbound_mails WHERE request_id = ? AND deleted_at IS NULL AND (instr("to", ?) > 0 OR instr(cc, ?) > 0)
	) p`, model.KeyEmail, email, deref(r.ContactID), r.ID, email, r.ID, `"email":"`+email+`"`, `"email":"`+email+`"`)
	err := q.Scan(&n).Error
	return n > 0, dbErr(err)
}

// bounce suppresses the addresses that failed for good, links the bounce
// to the mail that bounced (marked bounced) and notes it on that mail's
// request.
func (g *ingestion) bounce(ctx context.Context) error {
	g.msg.Outcome = model.MailOutcomeBounce
	b := g.in.Decision.Bounce
	if b == nil {
		b = &model.MailBounce{}
	}
	var req *model.Request
	var err error
	if b.OriginalMessageID != "" {
		if req, err = g.bounced(ctx, b.OriginalMessageID); err != nil {
			return err
		}
	}
	if req == nil {
		if req, err = g.findRequest(ctx); err != nil {
			return err
		}
	}
	for _, addr := range b.HardFailures() {
		if err := g.suppress(ctx, addr, b); err != nil {
			return err
		}
	}
	if req == nil {
		return nil
	}
	g.msg.RequestID = &req.ID
	return g.bounceNote(ctx, req, b)
}

// bounced marks the outbox mail with the Message-ID as bounced and returns
// its request, if any.
func (g *ingestion) bounced(ctx context.Context, messageID string) (*model.Request, error) {
	var out []*model.OutboundMail
	err := g.s.conn(ctx).Where("message_id = ? AND deleted_at IS NULL", strings.Trim(messageID, "<>")).Limit(1).Find(&out).Error
	if err != nil || len(out) == 0 {
		return nil, dbErr(err)
	}
	ob := out[0]
	g.msg.OutboundMailID = &ob.ID
	g.note("bounce of outbox mail %s", ob.ID)
	t := now()
	if _, err := Update(ctx, g.s, ob.ID, 0, func(o *model.OutboundMail) error { o.BouncedAt = &t; return nil }); err != nil {
		return nil, prefixFields(err, "outbound_mail.")
	}
	if ob.RequestID == nil {
		return nil, nil
	}
	return g.s.liveRequest(ctx, "id = ?", *ob.RequestID)
}

// suppress keeps bulk and automatic mail from an address that bounced for
// good, unless it is suppressed already.
func (g *ingestion) suppress(ctx context.Context, addr string, b *model.MailBounce) error {
	if !model.ValidEmail(addr) {
		g.note("not suppressed, not an address: %q", addr)
		return nil
	}
	if ok, err := g.s.Suppressed(ctx, addr); ok || err != nil {
		return err
	}
	detail := ""
	for _, r := range b.Recipients {
		if strings.EqualFold(r.Address, addr) {
			detail = strings.TrimSpace(r.Status + " " + r.Diagnostic)
		}
	}
	sup := &model.MailSuppression{Address: addr, Reason: model.SuppressBounce, Detail: cleanText(detail, 1000), SourceMessageID: &g.msg.ID}
	if err := Create(ctx, g.s, sup); err != nil {
		return prefixFields(err, "suppression.")
	}
	g.note("suppressed %s", addr)
	return nil
}

// bounceNote tells the desk on the request that mail to the customer did
// not arrive (an internal note: it does not move the request).
func (g *ingestion) bounceNote(ctx context.Context, req *model.Request, b *model.MailBounce) error {
	var failed, lines []string
	for _, r := range b.Recipients {
		if r.Action == "failed" {
			failed = append(failed, r.Address)
		}
		lines = append(lines, strings.TrimSpace(fmt.Sprintf("%s: %s %s %s", r.Address, r.Action, r.Status, r.Diagnostic)))
	}
	subject := "Mail not delivered"
	if len(failed) > 0 {
		subject += " to " + strings.Join(failed, ", ")
	}
	at := g.msg.ReceivedAt
	a := &model.Activity{Kind: model.KindNote, Subject: cleanText(subject, 500), Description: cleanText(strings.Join(lines, "\n"), 0),
		Class: "private", StartAt: &at, ContactID: req.ContactID, AccountID: req.AccountID,
		Links: []model.Link{{Entity: "request", ID: req.ID}}, Tags: []string{"mail-bounce"}}
	if err := Create(ctx, g.s, a); err != nil {
		return prefixFields(err, "activity.")
	}
	g.msg.ActivityID = &a.ID
	g.note("noted on %s", req.Number)
	return nil
}

// Suppressed reports whether bulk and automatic mail to an address is
// suppressed (it bounced for good, unsubscribed or complained).
func (s *Store) Suppressed(ctx context.Context, address string) (bool, error) {
	var ids []string
	err := s.conn(ctx).Model(&model.MailSuppression{}).Where("address = ? AND deleted_at IS NULL", strings.ToLower(address)).
		Limit(1).Pluck("id", &ids).Error
	return len(ids) > 0, dbErr(err)
}

// MailBody returns the text and HTML of an ingested message.
func (s *Store) MailBody(ctx context.Context, messageID string) (*model.MailBody, error) {
	if err := s.CheckRecord(ctx, "mail_message", messageID); err != nil {
		return nil, err
	}
	body := &model.MailBody{MailMessageID: messageID}
	return body, dbErr(s.conn(ctx).Where("mail_message_id = ?", messageID).Limit(1).Find(body).Error)
}
