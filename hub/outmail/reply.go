package outmail

import (
	"cmp"
	"context"
	"regexp"
	"slices"
	"strings"

	"rapport/model"
	"rapport/model/store"
)

// Reply is an agent's answer to a request by mail.
type Reply struct {
	Text string `json:"text"`
	// HTML is an optional HTML version of the text.
	HTML string              `json:"html"`
	Cc   []model.MailAddress `json:"cc"`
	// Attachments are ids of attachments of the request (the customer's
	// files, or files uploaded to the request to send).
	Attachments []string `json:"attachments"`
	// Close closes the request with the answer; Status moves it to another
	// status instead (pending_customer, resolved …).
	Close  bool   `json:"close"`
	Status string `json:"status"`
}

// threadDepth is how many mails each way are read to thread a reply, and
// maxReferences how many Message-IDs References keeps: the first and the
// newest, as RFC 5322 suggests trimming long threads.
const (
	threadDepth   = 100
	maxReferences = 20
)

// Reply queues an agent's answer to a request: from the mailbox of the
// request's queue (else the one its last mail came through, else the
// installation's sender), to the request's contact (else whoever wrote
// last), with "Re: [R-000123] " and the customer's subject, threaded under
// the customer's last mail with our signed Message-ID. The request's clock
// moves as for any reply.
func (c *Composer) Reply(ctx context.Context, requestID string, in Reply) (*model.OutboundMail, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	status, err := replyStatus(in)
	if err != nil {
		return nil, err
	}
	req, err := store.Get[model.Request](ctx, c.store, requestID)
	if err != nil {
		return nil, err
	}
	th, err := c.thread(ctx, req.ID)
	if err != nil {
		return nil, err
	}
	m := &model.OutboundMail{Cc: in.Cc, Subject: replySubject(req, th.last), Text: in.Text, HTML: in.HTML,
		InReplyTo: th.parent(), References: th.references(), Attachments: in.Attachments, RequestID: &req.ID}
	id, err := c.replyIdentity(ctx, req, th.last)
	if err != nil {
		return nil, err
	}
	m.MailboxID, m.From = id.mailboxID, id.from
	if m.To, m.ContactID, err = c.replyRecipient(ctx, req, th.last); err != nil {
		return nil, err
	}
	if err := c.checkAttachments(ctx, "request", req.ID, in.Attachments); err != nil {
		return nil, err
	}
	if m.MessageID, err = c.mint("r-"+req.ID, m.From); err != nil {
		return nil, err
	}
	return m, c.store.QueueReply(ctx, m, status, c.cfg.Enqueue)
}

// replyStatus is the status a reply moves its request to ("" for the
// workflow's own step).
func replyStatus(in Reply) (string, error) {
	fe := model.FieldErrors{}
	if strings.TrimSpace(in.Text) == "" && strings.TrimSpace(in.HTML) == "" {
		fe.Add("text", "required")
	}
	status := in.Status
	if in.Close {
		if status != "" && status != model.RequestClosed {
			fe.Add("status", "give close or status, not both")
		}
		status = model.RequestClosed
	}
	return status, fe.Err()
}

// thread is the mail of a request: its newest person's mail and the
// Message-IDs of everything sent and received on it, oldest first.
type thread struct {
	last *model.MailMessage
	ids  []string
	// lastID is the Message-ID the reply answers (last's).
	lastID string
}

// thread reads the request's mail, received and sent.
func (c *Composer) thread(ctx context.Context, requestID string) (thread, error) {
	p := store.ListParams{Equals: map[string]string{"request_id": requestID}, Sort: "-created_at", Limit: threadDepth}
	in, err := store.List[model.MailMessage](ctx, c.store, p)
	if err != nil {
		return thread{}, err
	}
	out, err := store.List[model.OutboundMail](ctx, c.store, p)
	if err != nil {
		return thread{}, err
	}
	type dated struct {
		at int64
		id string
	}
	var all []dated
	var th thread
	for _, m := range in.Items {
		all = append(all, dated{m.CreatedAt.UnixNano(), m.MessageID})
		if th.last == nil || th.last.Kind != model.MailKindMail && m.Kind == model.MailKindMail {
			th.last = m // newest first: the newest person's mail, else the newest mail
		}
	}
	for _, m := range out.Items {
		if m.Status != model.OutboundSuppressed && m.Status != model.OutboundFailed {
			all = append(all, dated{m.CreatedAt.UnixNano(), m.MessageID})
		}
	}
	slices.SortStableFunc(all, func(a, b dated) int { return cmp.Compare(a.at, b.at) })
	for _, d := range all {
		if d.id != "" && !slices.Contains(th.ids, d.id) {
			th.ids = append(th.ids, d.id)
		}
	}
	if th.last != nil {
		th.lastID = th.last.MessageID
	}
	return th, nil
}

// parent is the Message-ID a reply answers.
func (th thread) parent() string { return th.lastID }

// references is the thread for References: its Message-IDs in order with
// the answered one last (the parent's own References are not stored; this
// is what they add up to), trimmed to the first and the newest.
func (th thread) references() []string {
	ids := slices.DeleteFunc(slices.Clone(th.ids), func(id string) bool { return id == th.lastID })
	if th.lastID != "" {
		ids = append(ids, th.lastID)
	}
	if len(ids) > maxReferences {
		ids = append(ids[:1], ids[len(ids)-maxReferences+1:]...)
	}
	return ids
}

// replyIdentity is the mailbox of the request's queue, else the one its
// last mail came through, else the installation's sender.
func (c *Composer) replyIdentity(ctx context.Context, req *model.Request, last *model.MailMessage) (identity, error) {
	if req.QueueID != nil {
		boxes, err := c.store.ActiveMailboxes(ctx)
		if err != nil {
			return identity{}, err
		}
		for _, mb := range boxes {
			if from, ok := mailboxFrom(mb); ok && mb.QueueID != nil && *mb.QueueID == *req.QueueID {
				return identity{mailboxID: &mb.ID, from: from}, nil
			}
		}
	}
	if last != nil {
		if id, err := c.mailboxIdentity(ctx, "mailbox", last.MailboxID); err == nil {
			return id, nil
		}
	}
	return c.defaultIdentity(ctx, "from")
}

// replyRecipient is the request's contact, else whoever wrote last
// (Reply-To, else From).
func (c *Composer) replyRecipient(ctx context.Context, req *model.Request, last *model.MailMessage) ([]model.MailAddress, *string, error) {
	if req.ContactID != nil {
		ct, err := store.Get[model.Contact](ctx, c.store, *req.ContactID)
		if err != nil && model.ErrorCode(err) != model.ENOTFOUND {
			return nil, nil, err
		}
		if err == nil {
			if to, ok := contactAddress(ct); ok {
				return []model.MailAddress{to}, &ct.ID, nil
			}
		}
	}
	if last != nil {
		to := model.MailAddress{Name: last.FromName, Email: last.FromAddress}
		if last.ReplyTo != "" {
			to = model.MailAddress{Email: last.ReplyTo}
		}
		if model.ValidEmail(to.Email) {
			return []model.MailAddress{to}, last.ContactID, nil
		}
	}
	return nil, nil, model.Errorf(model.EINVALID, "the request has neither a contact with an e-mail address nor mail to answer")
}

// replyPrefixes are the answer and forward markers mail clients put in
// front of subjects, in the languages the desk meets most.
var replyPrefixes = regexp.MustCompile(`(?i)^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|antw|odp|rif|enc|ответ|отв|пересл)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*)+`)

// replySubject is "Re: [R-000123] " and the customer's subject (their
// last mail's, else the request's) without its own answer markers and tag.
func replySubject(req *model.Request, last *model.MailMessage) string {
	subject := req.Subject
	if last != nil && strings.TrimSpace(last.Subject) != "" {
		subject = last.Subject
	}
	tag := regexp.MustCompile(`(?i)\[\s*` + regexp.QuoteMeta(req.Number) + `\s*\]`)
	for {
		next := strings.TrimSpace(replyPrefixes.ReplaceAllString(tag.ReplaceAllString(subject, ""), ""))
		if next == subject {
			break
		}
		subject = next
	}
	return strings.Join(strings.Fields("Re: ["+req.Number+"] "+subject), " ")
}
