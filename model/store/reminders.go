package store

import (
	"context"
	"errors"
	"time"

	"rapport/model"
)

// ReminderMail is what mailing reminders needs from cmd.
type ReminderMail struct {
	// Mint returns a new Message-ID for mail about ref ("a-" and the
	// activity's id) on the sender's domain.
	Mint func(ref, domain string) (string, error)
	// Enqueue queues an outbox mail's delivery in the caller's transaction.
	Enqueue Enqueue
	// From is the hub's own sender (--mail-from): reminders go out from
	// it through the hub's SMTP server. Empty: from the scheduling mailbox,
	// else the oldest active mailbox that can send.
	From model.MailAddress
	// Link returns the address of an activity for people (from the hub's
	// public URL); nil or "": the mail has no link.
	Link func(activityID string) string
}

// ErrNoMailSender is returned by MailReminders when nothing can send
// (no hub sender, no active mailbox with an SMTP server and a From
// address): reminders wait, up to ReminderGrace, until something can.
var ErrNoMailSender = errors.New("store: reminders have no sender: set the hub's --mail-from or give a mailbox an SMTP server and a From address")

// ReminderGrace is how late a reminder may still go out: one due while
// the hub was off for longer is not sent, so an upgrade or a long outage
// does not mail every reminder of the past.
const ReminderGrace = 24 * time.Hour

// reminderKind is one kind of reminder: which time of the activity it
// follows, the column that records the value it was mailed for (so it goes
// once per value, and moving the time re-arms it), which activities get
// it, and its subject.
type reminderKind struct {
	at, sentFor string
	where       string
	subject     func(*mailTexts) string
}

var reminderKinds = []reminderKind{
	{at: "remind_at", sentFor: "reminder_sent_for",
		where:   "activities.status NOT IN ('cancelled', 'completed', 'held', 'not_held')",
		subject: func(t *mailTexts) string { return t.reminder }},
	{at: "due_at", sentFor: "due_notice_sent_for",
		where:   "activities.kind = 'task' AND activities.status NOT IN ('completed', 'cancelled')",
		subject: func(t *mailTexts) string { return t.dueNotice }},
}

// MailReminders mails up to limit reminders that are due — activities
// whose remind_at has passed, open tasks whose due_at has passed — one to
// each activity's owner (when they have an address and are enabled), in the
// owner's language and time zone, and marks each as mailed in the same
// transaction. It returns how many it queued.
func (s *Store) MailReminders(ctx context.Context, rm ReminderMail, limit int) (int, error) {
	sender, err := s.reminderSender(ctx, rm.From)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, k := range reminderKinds {
		if sent >= limit {
			break
		}
		ids, err := s.dueReminders(ctx, k, limit-sent)
		if err != nil {
			return sent, err
		}
		if len(ids) > 0 && sender == nil {
			return sent, ErrNoMailSender
		}
		err = s.WithTx(ctx, func(ctx context.Context) error {
			for _, id := range ids {
				ok, err := s.mailReminder(ctx, rm, k, sender, id)
				if err != nil {
					return err
				}
				if ok {
					sent++
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return sent, nil
}

// dueReminders lists activities of kind k due a reminder, oldest first.
func (s *Store) dueReminders(ctx context.Context, k reminderKind, limit int) ([]string, error) {
	t := now()
	var ids []string
	err := s.conn(ctx).Table("activities").Joins("JOIN users ON users.id = activities.owner_id").
		Where("activities."+k.at+" <= ? AND activities."+k.at+" > ? AND activities.deleted_at IS NULL", t, t.Add(-ReminderGrace)).
		Where("(activities."+k.sentFor+" IS NULL OR activities."+k.sentFor+" <> activities."+k.at+")").
		Where(k.where).
		Where("users.email <> '' AND users.disabled = ? AND users.deleted_at IS NULL", false).
		Order("activities."+k.at+", activities.id").Limit(limit).Pluck("activities.id", &ids).Error
	return ids, dbErr(err)
}

// mailReminder claims one reminder (marks the time it is for as mailed,
// unless a concurrent pass did) and queues its mail to the owner.
func (s *Store) mailReminder(ctx context.Context, rm ReminderMail, k reminderKind, sender *mailSender, id string) (bool, error) {
	res := s.conn(ctx).Exec("UPDATE activities SET "+k.sentFor+" = "+k.at+" WHERE id = ? AND "+k.at+" IS NOT NULL AND ("+
		k.sentFor+" IS NULL OR "+k.sentFor+" <> "+k.at+")", id)
	if res.Error != nil || res.RowsAffected == 0 {
		return false, dbErr(res.Error)
	}
	var a model.Activity
	if err := s.conn(ctx).Where("id = ?", id).Take(&a).Error; err != nil {
		return false, dbErr(err)
	}
	var owner model.User
	if err := s.conn(ctx).Select("id, name, email, language, time_zone").Where("id = ?", deref(a.OwnerID)).Take(&owner).Error; err != nil {
		return false, dbErr(err)
	}
	msgID, err := rm.Mint("a-"+a.ID, domainOf(sender.from.Email))
	if err != nil {
		return false, err
	}
	link := ""
	if rm.Link != nil {
		link = rm.Link(a.ID)
	}
	tx := mailTextsFor(owner.Language)
	m := &model.OutboundMail{MailboxID: sender.mailboxID, From: sender.from,
		To: []model.MailAddress{{Name: owner.Name, Email: owner.Email}}, Subject: cleanText(k.subject(tx)+": "+a.Subject, 500),
		Text: tx.reminderText(&a, zoneOf(s.location(), owner.TimeZone), link), AutoSubmitted: "auto-generated", MessageID: msgID}
	return true, s.QueueMail(ctx, m, rm.Enqueue)
}

// mailSender is who system mail goes out as: a mailbox's identity, or the
// hub's own (no mailbox: the hub's SMTP server delivers it).
type mailSender struct {
	mailboxID *string
	from      model.MailAddress
}

// reminderSender is the hub's sender when set, else the scheduling
// mailbox, else the oldest active mailbox that can send; nil when none can.
func (s *Store) reminderSender(ctx context.Context, hub model.MailAddress) (*mailSender, error) {
	if hub.Email != "" {
		return &mailSender{from: hub}, nil
	}
	var boxes []model.Mailbox
	err := s.conn(ctx).Where("active = ? AND deleted_at IS NULL AND smtp_host <> '' AND from_address <> ''", true).
		Order("scheduling DESC, created_at, id").Limit(1).Find(&boxes).Error
	if err != nil || len(boxes) == 0 {
		return nil, dbErr(err)
	}
	mb := boxes[0]
	return &mailSender{mailboxID: &mb.ID, from: model.MailAddress{Name: mb.FromName, Email: mb.FromAddress}}, nil
}
