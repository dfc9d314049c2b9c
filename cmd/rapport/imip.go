package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"rapport/connectors/queue"
	"rapport/hub/api"
	"rapport/model"
	"rapport/model/icalmap"
	"rapport/model/store"
)

// reminderInterval is how often due reminders are looked for (and once at
// start): a reminder goes out within a minute of its time.
const reminderInterval = time.Minute

// enableInvitations makes appointments written in the CRM mail iMIP
// invitations through the outbox and the send_mail job (docs/mail.md).
// Call it once the queue exists: the invitations are enqueued on it.
func enableInvitations(s *store.Store, mail *mailJobs, log *slog.Logger) {
	s.SetInvitations(store.InvitationConfig{Mint: mail.mint, Enqueue: mail.enqueueMail, Logger: log})
}

// reminderWorker is the reminder_mail job's worker: reminders go from the
// hub's sender (--mail-from) or a mailbox, with a link to the activity when
// --public-url is set. Having nothing to send with is logged once, not
// retried as a failure: the reminders wait for a sender.
func reminderWorker(s *store.Store, mail *mailJobs, log *slog.Logger) *queue.ReminderMail {
	rm := store.ReminderMail{Mint: mail.mint, Enqueue: mail.enqueueMail, From: mail.settings.from}
	if base := strings.TrimSuffix(mail.publicURL, "/"); base != "" {
		rm.Link = func(id string) string { return base + api.Prefix + "/activities/" + id }
	}
	var warned atomic.Bool
	return &queue.ReminderMail{Mail: func(ctx context.Context, limit int) (int, error) {
		n, err := s.MailReminders(model.WithActor(ctx, model.System), rm, limit)
		if errors.Is(err, store.ErrNoMailSender) {
			if warned.CompareAndSwap(false, true) {
				log.Warn("reminders are not mailed", "err", err)
			}
			return n, nil
		}
		return n, err
	}}
}

// invitationReplies hands attendees' answers from the mail pipeline to the
// store (the pipeline's Invitations).
type invitationReplies struct{ s *store.Store }

// ApplyInvitationReply records the answer; the meeting is not needed.
func (r invitationReplies) ApplyInvitationReply(ctx context.Context, reply *icalmap.Reply, mailMessageID string) error {
	_, err := r.s.ApplyInvitationReply(ctx, reply, mailMessageID)
	return err
}
