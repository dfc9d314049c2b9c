package store

import (
	"context"
	"errors"
	"slices"

	"rapport/model"
)

// Enqueue asks the job queue, inside the caller's transaction, to deliver
// an outbox mail (cmd supplies it from connectors/queue).
type Enqueue func(ctx context.Context, outboundID string) error

// QueueMail puts a mail in the outbox and, in the same transaction, records
// it on the timeline (an e-mail activity linked to its request and contact,
// "draft" until the server takes it) and enqueues its delivery. The caller
// has minted its Message-ID. Automatic mail (AutoSubmitted set) skips
// suppressed addresses — bounced, unsubscribed, complained; when none is
// left the mail is kept as suppressed and not sent. Agents' own mail goes
// to whoever they address.
func (s *Store) QueueMail(ctx context.Context, m *model.OutboundMail, enqueue Enqueue) error {
	return s.step(ctx, func(ctx context.Context) error {
		m.Status = model.OutboundQueued
		if m.AutoSubmitted != "" {
			if err := s.dropSuppressed(ctx, m); err != nil {
				return err
			}
		}
		if err := Create(ctx, s, m); err != nil {
			return err
		}
		if m.Status == model.OutboundSuppressed {
			return nil
		}
		if err := s.recordOutbound(ctx, m); err != nil {
			return err
		}
		return enqueue(ctx, m.ID)
	})
}

// dropSuppressed removes suppressed recipients; with nobody left the mail
// is marked suppressed.
func (s *Store) dropSuppressed(ctx context.Context, m *model.OutboundMail) error {
	var suppressed []string
	if err := s.conn(ctx).Model(&model.MailSuppression{}).Where("address IN ? AND deleted_at IS NULL", m.Recipients()).
		Pluck("address", &suppressed).Error; err != nil {
		return dbErr(err)
	}
	keep := func(list []model.MailAddress) []model.MailAddress {
		return slices.DeleteFunc(list, func(a model.MailAddress) bool { return slices.Contains(suppressed, a.Email) })
	}
	m.To, m.Cc, m.Bcc = keep(m.To), keep(m.Cc), keep(m.Bcc)
	if len(m.To)+len(m.Cc)+len(m.Bcc) == 0 || len(m.To) == 0 && len(suppressed) > 0 {
		m.Status = model.OutboundSuppressed
		m.LastError = "every recipient is suppressed"
		if len(m.To) == 0 {
			m.To = []model.MailAddress{{Email: suppressed[0]}} // keep it valid: to whom it was meant
		}
	}
	return nil
}

// recordOutbound writes the mail's e-mail activity on the timeline of its
// request and contact.
func (s *Store) recordOutbound(ctx context.Context, m *model.OutboundMail) error {
	at := now()
	links := []model.Link{{Entity: "outbound_mail", ID: m.ID}}
	var accountID *string
	if m.RequestID != nil {
		links = append(links, model.Link{Entity: "request", ID: *m.RequestID})
	}
	if m.ContactID != nil {
		var c model.Contact
		if err := s.conn(ctx).Select("account_id").Where("id = ?", *m.ContactID).Take(&c).Error; err != nil {
			return prefixFields(dbErr(err), "contact_id.")
		}
		accountID = c.AccountID
	}
	var tags []string
	if m.AutoSubmitted != "" {
		tags = []string{"automatic"}
	}
	a := &model.Activity{Kind: model.KindEmail, Status: "draft", Subject: cleanText(m.Subject, 500), Description: m.Text,
		Class: "public", StartAt: &at, ContactID: m.ContactID, AccountID: accountID, Links: links, Tags: tags}
	if uid := model.ActorFrom(ctx).UserID; uid != "" {
		a.OwnerID = &uid
	}
	if err := Create(ctx, s, a); err != nil {
		return prefixFields(err, "activity.")
	}
	return nil
}

// ErrNotSendable is returned by StartMailAttempt for a mail that is no
// longer waiting to be sent (sent already, failed for good, suppressed):
// the job has nothing to do.
var ErrNotSendable = errors.New("store: the mail is not waiting to be sent")

// StartMailAttempt marks an outbox mail as being sent and counts the
// attempt. A mail sent already (a job run twice) gives ErrNotSendable.
func (s *Store) StartMailAttempt(ctx context.Context, id string) (*model.OutboundMail, error) {
	var out *model.OutboundMail
	err := s.WithTx(ctx, func(ctx context.Context) error {
		var err error
		out, err = Update(ctx, s, id, 0, func(m *model.OutboundMail) error {
			if m.Status != model.OutboundQueued && m.Status != model.OutboundSending {
				return ErrNotSendable
			}
			m.Status = model.OutboundSending
			m.Attempts++
			return nil
		})
		return err
	})
	return out, err
}

// FinishMailAttempt records how an attempt went: sent (the activity becomes
// "sent", mail.sent goes out), failed for good (permanent, or the last
// attempt), or back in the queue with the error for the next try. refused
// lists recipients the server refused while it took the mail for others.
func (s *Store) FinishMailAttempt(ctx context.Context, id string, sendErr error, refused []string, giveUp bool) (*model.OutboundMail, error) {
	var out *model.OutboundMail
	err := s.WithTx(ctx, func(ctx context.Context) error {
		var err error
		out, err = Update(ctx, s, id, 0, func(m *model.OutboundMail) error {
			switch {
			case sendErr == nil:
				t := now()
				m.Status, m.SentAt, m.LastError = model.OutboundSent, &t, ""
				if len(refused) > 0 {
					m.LastError = "refused by the server: " + joinMax(refused, 10)
				}
			case giveUp:
				m.Status, m.LastError = model.OutboundFailed, sendErr.Error()
			default:
				m.Status, m.LastError = model.OutboundQueued, sendErr.Error()
			}
			return nil
		})
		if err != nil || out.Status != model.OutboundSent {
			return err
		}
		return s.markActivitySent(ctx, out)
	})
	return out, err
}

// markActivitySent turns the mail's timeline entry from draft to sent.
func (s *Store) markActivitySent(ctx context.Context, m *model.OutboundMail) error {
	var ids []string
	err := s.conn(ctx).Table("activity_links").Where("entity = ? AND record_id = ?", "outbound_mail", m.ID).Pluck("activity_id", &ids).Error
	if err != nil {
		return dbErr(err)
	}
	for _, id := range ids {
		if _, err := Update(ctx, s, id, 0, func(a *model.Activity) error {
			a.Status = "sent"
			a.StartAt = m.SentAt
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// joinMax joins at most n values with ", ".
func joinMax(list []string, n int) string {
	out := ""
	for i, v := range list {
		if i == n {
			return out + ", …"
		}
		if i > 0 {
			out += ", "
		}
		out += v
	}
	return out
}
