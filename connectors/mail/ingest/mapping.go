package ingest

import (
	"rapport/connectors/mail/mailmsg"
	"rapport/model"
)

// ingestOf is what the store is told of a parsed, classified message; the
// caller adds where it was read.
func ingestOf(p *mailmsg.Parsed, d *mailmsg.Decision) *model.MailIngest {
	return &model.MailIngest{SHA256: p.SHA256, Size: p.Size,
		MessageID: p.MessageID, InReplyTo: p.InReplyTo, References: p.References,
		From: address(p.From), ReplyTo: addresses(p.ReplyTo), To: addresses(p.To), Cc: addresses(p.Cc),
		Subject: p.Subject, Date: p.Date, Text: p.Text, HTML: p.HTML,
		Parts: parts(p.Attachments), Decision: decision(d)}
}

func address(a mailmsg.Address) model.MailAddress {
	return model.MailAddress{Name: a.Name, Email: a.Email}
}

func addresses(list []mailmsg.Address) []model.MailAddress {
	out := make([]model.MailAddress, 0, len(list))
	for _, a := range list {
		out = append(out, address(a))
	}
	return out
}

// parts are the attachments and inline images, whose Ref the sink made the
// blob's hash.
func parts(list []mailmsg.Attachment) []model.MailPart {
	out := make([]model.MailPart, 0, len(list))
	for _, a := range list {
		out = append(out, model.MailPart{SHA256: a.Ref, Filename: a.Filename, ContentType: a.ContentType, Size: a.Size,
			ContentID: a.ContentID, Inline: a.Inline})
	}
	return out
}

// decision is the classifier's decision as the store keeps it.
func decision(d *mailmsg.Decision) model.MailDecision {
	out := model.MailDecision{Kind: string(d.Kind), Ack: d.Ack, Limited: d.Limited,
		Thread: model.MailThread{Refs: d.Thread.Refs, SubjectTags: d.Thread.SubjectTags}}
	for _, s := range d.Trace {
		out.Trace = append(out.Trace, model.MailStep{Name: s.Name, Verdict: s.Verdict, Reason: s.Reason})
	}
	if b := d.Bounce; b != nil {
		out.Bounce = &model.MailBounce{Format: b.Format, OriginalMessageID: b.OriginalMessageID}
		for _, r := range b.Recipients {
			out.Bounce.Recipients = append(out.Bounce.Recipients, model.MailBounceRecipient{Address: r.Address, Action: r.Action,
				Status: r.Status, Diagnostic: r.Diagnostic, RemoteMTA: r.RemoteMTA, Hard: r.Hard})
		}
	}
	return out
}
