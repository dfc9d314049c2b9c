package ingest

import (
	"context"
	"fmt"
	"regexp"

	"rapport/connectors/mail/mailmsg"
	"rapport/model"
	"rapport/model/icalmap"
)

// stepIMIP is the trace step the pipeline adds for calendar answers.
const stepIMIP = "imip"

// replyMethod finds METHOD:REPLY on a line of its own in a calendar.
var replyMethod = regexp.MustCompile(`(?im)^METHOD:\s*REPLY\s*$`)

// invitationReply reads an attendee's answer to an invitation: a
// text/calendar part with METHOD:REPLY (RFC 6047). Such a message is a
// calendar client answering, not a person writing to the desk, so it
// becomes a report — logged, never a request, never acknowledged — and the
// answer is applied in the message's transaction. A calendar that is no
// REPLY (an invitation sent to us) leaves the message as it was, and so
// does an answer that cannot be read: a person then sees it as mail.
func invitationReply(p *mailmsg.Parsed, in *model.MailIngest) *icalmap.Reply {
	switch in.Decision.Kind {
	case model.MailKindMail, model.MailKindBulk, model.MailKindAutoReply:
	default:
		return nil
	}
	if !replyMethod.MatchString(p.Calendar) {
		return nil
	}
	r, err := icalmap.ParseReply([]byte(p.Calendar))
	if err != nil {
		trace(in, model.MailStep{Name: stepIMIP, Verdict: mailmsg.VerdictPass, Reason: "an invitation answer that cannot be read: " + err.Error()})
		return nil
	}
	in.Decision.Kind, in.Decision.Ack = model.MailKindReport, false
	trace(in, model.MailStep{Name: stepIMIP, Verdict: mailmsg.VerdictMatch,
		Reason: fmt.Sprintf("answer to invitation %s: %s %s", r.UID, r.Email, r.Status)})
	return r
}

func trace(in *model.MailIngest, s model.MailStep) {
	in.Decision.Trace = append(in.Decision.Trace, s)
}

// applyReply hands the answer to Invitations in a savepoint of its own, so
// one that is refused (an invitation we do not know) undoes only itself.
func (p *Pipeline) applyReply(ctx context.Context, r *icalmap.Reply, msg *model.MailMessage) error {
	if p.cfg.Invitations == nil {
		p.log.Info("ingest: invitation answer logged only (no calendar wired)", "mail_message", msg.ID, "uid", r.UID)
		return nil
	}
	err := p.cfg.Store.WithTx(ctx, func(ctx context.Context) error {
		return p.cfg.Invitations.ApplyInvitationReply(ctx, r, msg.ID)
	})
	if refused(err) {
		p.log.Warn("ingest: invitation answer not applied", "mail_message", msg.ID, "uid", r.UID, "from", r.Email, "err", err)
		return nil
	}
	return err
}

// refused reports whether a follow-up of a message failed on the data (a
// coded error other than internal): it is logged and leaves the message
// ingested, since offering the message again would fail the same way.
func refused(err error) bool {
	c := model.ErrorCode(err)
	return c != "" && c != model.EINTERNAL
}
