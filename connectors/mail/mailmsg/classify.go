package mailmsg

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Kind is what a message is, as far as the ingest engine cares.
type Kind string

// Kinds, from the least to the most specific: a later step may raise the
// kind an earlier one set (an auto-submitted DSN is a bounce), never lower it.
const (
	KindMail      Kind = "mail"       // a person's mail: a new request or a reply
	KindBulk      Kind = "bulk"       // list or bulk mail (Precedence, List-*)
	KindAutoReply Kind = "auto_reply" // out-of-office and other automatic answers
	KindReport    Kind = "report"     // delivery delayed or succeeded, read receipts
	KindBounce    Kind = "bounce"     // delivery failed; Decision.Bounce says to whom
	KindLoop      Kind = "loop"       // our own mail come back, or a mail loop: ignore
	KindDuplicate Kind = "duplicate"  // ingested before: skip
)

var kindRank = map[Kind]int{KindMail: 0, KindBulk: 1, KindAutoReply: 2, KindReport: 3, KindBounce: 4, KindLoop: 5, KindDuplicate: 6}

func maxKind(a, b Kind) Kind {
	if kindRank[b] > kindRank[a] {
		return b
	}
	return a
}

// Step names, in pipeline order, and verdicts of the trace.
const (
	StepDedupe    = "dedupe"
	StepAutoReply = "auto-reply"
	StepBounce    = "bounce"
	StepLoopGuard = "loop-guard"
	StepThreading = "threading"
	StepAck       = "acknowledge"

	VerdictPass  = "pass"  // the step looked and found nothing
	VerdictMatch = "match" // the step found what it looks for; Reason says what
	VerdictSkip  = "skip"  // the step did not run; Reason says why
)

// Step is one line of a decision's trace.
type Step struct {
	Name    string `json:"name"`
	Verdict string `json:"verdict"`
	Reason  string `json:"reason,omitempty"`
}

// Decision is the classifier's answer for one message.
type Decision struct {
	Kind Kind `json:"kind"`
	// Ack allows an acknowledgement: a person's mail, with an address to
	// answer, that asked for no silence and is within the rate limits.
	Ack bool `json:"ack"`
	// Limited is set when the sender or thread went over the engine's rate
	// limit: store the mail, but send nothing automatic in answer.
	Limited bool    `json:"limited,omitempty"`
	Bounce  *Bounce `json:"bounce,omitempty"`
	Thread  Thread  `json:"thread"`
	Trace   []Step  `json:"trace"`
}

// Bounce is what a bounce or delivery report says.
type Bounce struct {
	Format            string      `json:"format"` // "dsn", or the server whose text was read: qmail, postfix, exim, sendmail, text
	Recipients        []Recipient `json:"recipients,omitempty"`
	OriginalMessageID string      `json:"original_message_id,omitempty"`
}

// HardFailures returns the addresses that failed for good: mark them as
// bouncing.
func (b *Bounce) HardFailures() []string {
	var out []string
	for _, r := range b.Recipients {
		if r.Failed() && r.Hard {
			out = append(out, r.Address)
		}
	}
	return out
}

// Thread is what ties a message to earlier mail.
type Thread struct {
	// Refs are the references of our own Message-IDs the message answers
	// (verified HMAC): In-Reply-To first, then References newest first, and
	// for a bounce the mail that bounced. The engine takes the first it knows.
	Refs []string `json:"refs,omitempty"`
	// SubjectTags are request numbers tagged in the subject ("R-000123").
	// Anybody can type one: accept it only from the request's contact or
	// known participants.
	SubjectTags []string `json:"subject_tags,omitempty"`
}

// Deduper is the engine's lookup of messages already ingested.
type Deduper interface {
	// Seen reports whether a message with this Message-ID (may be "") or
	// this SHA-256 of the raw message was ingested before.
	Seen(ctx context.Context, messageID, sha256 string) (bool, error)
}

// RateLimiter is the engine's budget of mail per sender and per thread.
type RateLimiter interface {
	// Allow counts one message from sender (normalised address) on the
	// threads refs (may be empty) and reports whether it is within budget;
	// reason explains a refusal for the trace.
	Allow(ctx context.Context, sender string, refs []string) (ok bool, reason string, err error)
}

// Classifier is the ordered pipeline: dedupe → auto-reply → bounce → loop
// guard → threading → acknowledge. Every field is optional; a step whose
// hook is missing is traced as skipped. A Classifier is safe for concurrent
// use when its hooks are; docs/mail.md describes every step.
type Classifier struct {
	Tokens       *Tokens     // recognises our own Message-IDs
	TagPrefix    string      // subject tag prefix; "R-" when empty
	OwnAddresses []string    // our mailboxes: mail from them is a loop
	Dedupe       Deduper     // the engine's message lookup
	Limits       RateLimiter // the engine's rate limits
}

// maxHops is how many Received fields a message may carry before it is
// taken for a mail loop (RFC 5321 suggests at least 100; real mail has
// fewer than 20, and a loop through Rapport adds a few per round).
const maxHops = 50

// Classify runs the pipeline on a parsed message. Errors come only from the
// engine's hooks.
func (c *Classifier) Classify(ctx context.Context, p *Parsed) (*Decision, error) {
	r := &run{c: c, p: p, d: &Decision{Kind: KindMail}}
	for _, step := range []struct {
		name string
		fn   func(context.Context) (Step, error)
	}{
		{StepDedupe, r.dedupe},
		{StepAutoReply, r.autoReply},
		{StepBounce, r.bounce},
		{StepLoopGuard, r.loopGuard},
		{StepThreading, r.threading},
		{StepAck, r.ack},
	} {
		s := Step{Name: step.name, Verdict: VerdictSkip, Reason: "after " + string(r.d.Kind)}
		if !r.final() {
			var err error
			if s, err = step.fn(ctx); err != nil {
				return nil, fmt.Errorf("mailmsg: classify %s: %w", step.name, err)
			}
			s.Name = step.name
		}
		r.d.Trace = append(r.d.Trace, s)
	}
	return r.d, nil
}

// run is the state of one Classify call.
type run struct {
	c     *Classifier
	p     *Parsed
	d     *Decision
	noAck []string
}

// final reports whether the kind ends the pipeline.
func (r *run) final() bool { return r.d.Kind == KindDuplicate || r.d.Kind == KindLoop }

func pass(reason string) (Step, error)  { return Step{Verdict: VerdictPass, Reason: reason}, nil }
func match(reason string) (Step, error) { return Step{Verdict: VerdictMatch, Reason: reason}, nil }
func skip(reason string) (Step, error)  { return Step{Verdict: VerdictSkip, Reason: reason}, nil }

func (r *run) dedupe(ctx context.Context) (Step, error) {
	if r.c.Dedupe == nil {
		return skip("no message lookup")
	}
	seen, err := r.c.Dedupe.Seen(ctx, r.p.MessageID, r.p.SHA256)
	if err != nil || !seen {
		return Step{Verdict: VerdictPass, Reason: "not seen before"}, err
	}
	r.d.Kind = KindDuplicate
	return match("ingested before (Message-ID or content hash)")
}

func (r *run) autoReply(context.Context) (Step, error) {
	s := autoReply(r.p)
	r.noAck = append(r.noAck, s.noAck...)
	if len(s.reasons) == 0 {
		return pass(strings.Join(append([]string{"no sign of automatic mail"}, s.noAck...), "; "))
	}
	r.d.Kind = maxKind(r.d.Kind, s.kind)
	return match(string(s.kind) + ": " + strings.Join(s.reasons, "; "))
}

func (r *run) bounce(context.Context) (Step, error) {
	b, kind, reason := detectBounce(r.p)
	if b == nil {
		return pass(cmp.Or(reason, "not a delivery report"))
	}
	r.d.Bounce = b
	r.d.Kind = maxKind(r.d.Kind, kind)
	return match(reason)
}

func (r *run) loopGuard(ctx context.Context) (Step, error) {
	p := r.p
	if ref, ok := r.c.Tokens.Verify(p.MessageID); ok {
		r.d.Kind = KindLoop
		return match("our own Message-ID (" + ref + ")")
	}
	for _, a := range []string{p.From.Email, p.Sender.Email} {
		if a != "" && r.own(a) {
			r.d.Kind = KindLoop
			return match("sent from our own address " + a)
		}
	}
	for _, v := range p.Header.Values("X-Loop") {
		if a := normEmail(v); a != "" && r.own(a) {
			r.d.Kind = KindLoop
			return match("X-Loop: " + a)
		}
	}
	if n := len(p.Header.Values("Received")); n > maxHops {
		r.d.Kind = KindLoop
		return match(fmt.Sprintf("%d Received fields", n))
	}
	if r.c.Limits == nil || p.From.Email == "" {
		return pass("no rate limit")
	}
	ok, why, err := r.c.Limits.Allow(ctx, p.From.Email, r.refs())
	if err != nil || ok {
		return Step{Verdict: VerdictPass, Reason: "within the rate limit"}, err
	}
	r.d.Limited = true
	return match("rate limited: " + why)
}

func (r *run) own(addr string) bool {
	return slices.ContainsFunc(r.c.OwnAddresses, func(o string) bool { return strings.EqualFold(strings.TrimSpace(o), addr) })
}

// refs lists our references in In-Reply-To, References (newest first) and
// the bounced mail.
func (r *run) refs() []string {
	if r.d.Thread.Refs != nil || r.c.Tokens == nil {
		return r.d.Thread.Refs
	}
	ids := slices.Clone(r.p.InReplyTo)
	for i := len(r.p.References) - 1; i >= 0; i-- {
		ids = append(ids, r.p.References[i])
	}
	if r.d.Bounce != nil && r.d.Bounce.OriginalMessageID != "" {
		ids = append(ids, r.d.Bounce.OriginalMessageID)
	}
	refs := []string{}
	for _, id := range ids {
		if ref, ok := r.c.Tokens.Verify(id); ok && !slices.Contains(refs, ref) {
			refs = append(refs, ref)
		}
	}
	r.d.Thread.Refs = refs
	return refs
}

const tagPrefixDefault = "R-"

func (r *run) threading(context.Context) (Step, error) {
	prefix := r.c.TagPrefix
	if prefix == "" {
		prefix = tagPrefixDefault
	}
	refs := r.refs()
	r.d.Thread.SubjectTags = SubjectTags(r.p.Subject, prefix)
	var found []string
	if len(refs) > 0 {
		found = append(found, "answers our mail about "+strings.Join(refs, ", "))
	}
	if tags := r.d.Thread.SubjectTags; len(tags) > 0 {
		found = append(found, "subject tag "+strings.Join(tags, ", ")+" (to check against the sender)")
	}
	if len(found) == 0 {
		if r.c.Tokens == nil {
			return pass("no Message-ID key; no subject tag")
		}
		return pass("new thread")
	}
	return match(strings.Join(found, "; "))
}

func (r *run) ack(context.Context) (Step, error) {
	why := slices.Clone(r.noAck)
	switch {
	case r.d.Kind != KindMail:
		why = append([]string{"not a person's mail (" + string(r.d.Kind) + ")"}, why...)
	case r.d.Limited:
		why = append(why, "rate limited")
	case r.p.From.Email == "":
		why = append(why, "no sender address")
	}
	if len(why) > 0 {
		return pass("no acknowledgement: " + strings.Join(why, "; "))
	}
	r.d.Ack = true
	return match("may be acknowledged")
}

// bounceSubject matches the subjects of bounces from servers that send no DSN.
var bounceSubject = regexp.MustCompile(`(?i)undeliver|undelivered mail|returned mail|return(ed)? to sender|` +
	`delivery (status notification|failure|failed|has failed|problem|error)|mail delivery (failed|failure|system|subsystem)|` +
	`failure notice|non[- ]?delivery|could not be delivered|mail system error|` +
	`недоставленное|не доставлен|unzustellbar|nicht zustellbar|non remis|échec de la remise|non recapitabile|onbestelbaar`)

// detectBounce finds a bounce or delivery report: a multipart/report with
// a DSN or MDN, or a bounce written for people by a server that sends none.
// It returns the kind it implies and the reason for the trace.
func detectBounce(p *Parsed) (*Bounce, Kind, string) {
	if rep := p.Report; rep != nil {
		switch {
		case rep.Type == "delivery-status" || rep.Type == "global-delivery-status" || (rep.Type == "" && rep.Status != ""):
			b := &Bounce{Format: "dsn", Recipients: ParseDSN(rep.Status).Recipients}
			if len(b.Recipients) == 0 {
				b.Format, b.Recipients = parseBounceText(p.Text)
			}
			return finishBounce(p, b, "delivery status report")
		case rep.Type == "disposition-notification":
			b := &Bounce{Format: "mdn", OriginalMessageID: originalMessageID(p)}
			for _, g := range fieldGroups(rep.Status) {
				if ids := msgIDs(g["original-message-id"]); len(ids) > 0 && b.OriginalMessageID == "" {
					b.OriginalMessageID = ids[0]
				}
			}
			return b, KindReport, "read receipt (RFC 8098)"
		}
	}
	daemon, subject := isDaemon(p.From) || isDaemon(p.Sender), bounceSubject.MatchString(p.Subject)
	auto := p.ReturnPath == "<>" || headerWord(p.Header.Get("Auto-Submitted")) != ""
	if !daemon && !(subject && auto) {
		return nil, "", ""
	}
	b := &Bounce{}
	b.Format, b.Recipients = parseBounceText(p.Text)
	if len(b.Recipients) == 0 && !subject {
		return nil, "", "mail from a mail server, but no bounce"
	}
	return finishBounce(p, b, "bounce text")
}

// finishBounce sets the original Message-ID and the kind: a bounce when a
// recipient failed or nothing readable says otherwise, a report when every
// recipient was only delayed or delivered.
func finishBounce(p *Parsed, b *Bounce, what string) (*Bounce, Kind, string) {
	b.OriginalMessageID = originalMessageID(p)
	if b.Format == "" {
		b.Format = "unknown"
	}
	var failed, other []string
	for _, r := range b.Recipients {
		s := r.Address + " " + r.Action
		if r.Status != "" {
			s += " " + r.Status
		}
		if r.Failed() {
			if r.Hard {
				s += " (hard)"
			} else {
				s += " (soft)"
			}
			failed = append(failed, s)
		} else {
			other = append(other, s)
		}
	}
	reason := what + " (" + b.Format + ")"
	switch {
	case len(failed) > 0:
		return b, KindBounce, reason + ": " + strings.Join(append(failed, other...), ", ")
	case len(other) > 0:
		return b, KindReport, reason + ", no failure: " + strings.Join(other, ", ")
	}
	return b, KindBounce, reason + " without readable recipients"
}

// originalMessageID finds the Message-ID of the mail a report is about: the
// enclosed message, an attached message, or one quoted in the text.
func originalMessageID(p *Parsed) string {
	if p.Report != nil && p.Report.OriginalMessageID != "" {
		return p.Report.OriginalMessageID
	}
	for _, a := range p.Attachments {
		if a.MessageID != "" {
			return a.MessageID
		}
	}
	return messageIDInText(p.Text)
}
