package mailmsg

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// testMessage builds a small test message from header lines and a body.
func testMessage(headers, body string) string {
	if !strings.Contains(headers, "From:") {
		headers = "From: Customer <customer@example.com>\n" + headers
	}
	return crlf(headers + "\n" + body)
}

func classify(t *testing.T, c *Classifier, raw string) *Decision {
	t.Helper()
	p := mustParse(t, raw, Options{})
	d, err := c.Classify(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func stepOf(d *Decision, name string) Step {
	for _, s := range d.Trace {
		if s.Name == name {
			return s
		}
	}
	return Step{}
}

func TestAutoReplySignals(t *testing.T) {
	cases := []struct {
		headers string
		kind    Kind
		ack     bool
	}{
		{"Subject: Printer broken\n", KindMail, true},
		{"Subject: x\nAuto-Submitted: auto-replied (vacation)\n", KindAutoReply, false},
		{"Subject: x\nAuto-Submitted: no\n", KindMail, true},
		{"Subject: x\nX-Autoreply: yes\n", KindAutoReply, false},
		{"Subject: x\nX-Autorespond: 1\n", KindAutoReply, false},
		{"Subject: x\nX-Auto-Response-Suppress: OOF, AutoReply\n", KindAutoReply, false},
		{"Subject: x\nX-Auto-Response-Suppress: DR, RN\n", KindMail, false},
		{"Subject: x\nPrecedence: bulk\n", KindBulk, false},
		{"Subject: x\nPrecedence: junk\n", KindBulk, false},
		{"Subject: x\nPrecedence: list\n", KindBulk, false},
		{"Subject: x\nPrecedence: first-class\n", KindMail, true},
		{"Subject: x\nList-Id: <users.lists.example>\n", KindBulk, false},
		{"Subject: x\nList-Unsubscribe: <mailto:u@lists.example>\n", KindBulk, false},
		{"Subject: Out of Office: Printer broken\n", KindAutoReply, false},
		{"Subject: Automatic reply: your request\n", KindAutoReply, false},
		{"Subject: [Auto-Reply] Re: hello\n", KindAutoReply, false},
		{"Subject: Abwesenheitsnotiz: Ihre Anfrage\n", KindAutoReply, false},
		{"Subject: =?utf-8?B?0JDQstGC0L7QvtGC0LLQtdGCOiBSZTog0LfQsNC60LDQtw==?=\n", KindAutoReply, false}, // Автоответ: Re: заказ
		{"Subject: =?utf-8?Q?R=C3=A9ponse_automatique_:_demande?=\n", KindAutoReply, false},
		{"Subject: Re: out of office hours support?\n", KindMail, true}, // only a prefix counts
		{"Subject: x\nReturn-Path: <>\n", KindAutoReply, false},
		{"From: Mail Delivery System <MAILER-DAEMON@mx.example>\nSubject: hello\n", KindAutoReply, false},
		{"From: Shop <noreply@shop.example>\nSubject: Your order\n", KindMail, false},
		{"From: nobody\nSubject: no address\n", KindMail, false},
	}
	c := &Classifier{}
	for _, tc := range cases {
		d := classify(t, c, testMessage(tc.headers, "body\n"))
		if d.Kind != tc.kind || d.Ack != tc.ack {
			t.Errorf("%q: kind %s ack %v, want %s %v\n%+v", tc.headers, d.Kind, d.Ack, tc.kind, tc.ack, d.Trace)
		}
	}
}

func TestClassifyThreading(t *testing.T) {
	tk := testTokens()
	ours, _ := tk.Mint("r-0190f5a2-7c1d-7b3e-9a55-1b2c3d4e5f60")
	older, _ := tk.Mint("r-0190f5a2-0000-7b3e-9a55-1b2c3d4e5f60")
	c := &Classifier{Tokens: tk}

	d := classify(t, c, testMessage("Subject: Re: [R-000123] Printer\nIn-Reply-To: <"+ours+">\nReferences: <"+older+"> <x@customer.example> <"+ours+">\n", "thanks\n"))
	if strings.Join(d.Thread.Refs, ",") != "r-0190f5a2-7c1d-7b3e-9a55-1b2c3d4e5f60,r-0190f5a2-0000-7b3e-9a55-1b2c3d4e5f60" {
		t.Errorf("refs %v", d.Thread.Refs)
	}
	if strings.Join(d.Thread.SubjectTags, ",") != "R-000123" || stepOf(d, StepThreading).Verdict != VerdictMatch {
		t.Errorf("thread %+v, trace %+v", d.Thread, d.Trace)
	}

	forged := strings.Replace(ours, "r-0190f5a2-7c1d", "r-0190f5a2-7c1e", 1)
	d = classify(t, c, testMessage("Subject: Re: x\nIn-Reply-To: <"+forged+">\n", "hi\n"))
	if len(d.Thread.Refs) != 0 || stepOf(d, StepThreading).Verdict != VerdictPass {
		t.Errorf("a forged Message-ID threaded: %+v", d.Thread)
	}
}

func TestClassifyBounceLinksToOurMail(t *testing.T) {
	tk := testTokens()
	ours, _ := tk.Mint("r-77")
	raw := testMessage("From: MAILER-DAEMON@mx.example\nSubject: failure notice\nReturn-Path: <>\n",
		"Hi. This is the qmail-send program at mx.example.\n"+
			"I'm afraid I wasn't able to deliver your message to the following addresses.\n"+
			"This is a permanent error; I've given up. Sorry it didn't work out.\n\n"+
			"<gone@example.net>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n"+
			"--- Below this line is a copy of the message.\n\nMessage-ID: <"+ours+">\nSubject: ack\n")
	d := classify(t, &Classifier{Tokens: tk}, raw)
	if d.Kind != KindBounce || strings.Join(d.Bounce.HardFailures(), ",") != "gone@example.net" || strings.Join(d.Thread.Refs, ",") != "r-77" {
		t.Errorf("bounce %+v thread %+v\n%+v", d.Bounce, d.Thread, d.Trace)
	}
}

type fakeDeduper struct{ seen map[string]bool }

func (f fakeDeduper) Seen(_ context.Context, id, sum string) (bool, error) {
	return f.seen[id] || f.seen[sum], nil
}

type budget struct {
	left  int
	err   error
	calls []string
}

func (b *budget) Allow(_ context.Context, sender string, refs []string) (bool, string, error) {
	b.calls = append(b.calls, sender+" "+strings.Join(refs, ","))
	b.left--
	return b.left >= 0, "over 1 a minute", b.err
}

func TestClassifyDedupe(t *testing.T) {
	raw := testMessage("Subject: hi\nMessage-ID: <m1@example.com>\n", "x\n")
	c := &Classifier{Dedupe: fakeDeduper{map[string]bool{"m1@example.com": true}}}
	d := classify(t, c, raw)
	if d.Kind != KindDuplicate || d.Ack || stepOf(d, StepAck).Verdict != VerdictSkip || len(d.Trace) != 6 {
		t.Errorf("duplicate: %+v", d)
	}
	p := mustParse(t, raw, Options{})
	c.Dedupe = fakeDeduper{map[string]bool{p.SHA256: true}}
	if d, _ := c.Classify(context.Background(), p); d.Kind != KindDuplicate {
		t.Errorf("duplicate by content hash: %s", d.Kind)
	}
}

func TestClassifyLoopGuard(t *testing.T) {
	tk := testTokens()
	ours, _ := tk.Mint("r-5")
	c := &Classifier{Tokens: tk, OwnAddresses: []string{"Support@Rapport.example"}}
	cases := []string{
		testMessage("Subject: ack\nMessage-ID: <"+ours+">\n", "x\n"),
		testMessage("From: Support <support@rapport.example>\nSubject: x\n", "x\n"),
		testMessage("Subject: x\nX-Loop: support@rapport.example\n", "x\n"),
		testMessage("Subject: x\n"+strings.Repeat("Received: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\n", maxHops+1), "x\n"),
	}
	for _, raw := range cases {
		d := classify(t, c, raw)
		if d.Kind != KindLoop || d.Ack || stepOf(d, StepThreading).Verdict != VerdictSkip {
			t.Errorf("not a loop: %+v", d.Trace)
		}
	}
}

func TestClassifyRateLimit(t *testing.T) {
	tk := testTokens()
	ours, _ := tk.Mint("r-9")
	b := &budget{left: 1}
	c := &Classifier{Tokens: tk, Limits: b}
	raw := testMessage("Subject: again\nIn-Reply-To: <"+ours+">\n", "x\n")
	if d := classify(t, c, raw); !d.Ack || d.Limited {
		t.Errorf("first mail: %+v", d)
	}
	d := classify(t, c, raw)
	if d.Ack || !d.Limited || d.Kind != KindMail || !strings.Contains(stepOf(d, StepLoopGuard).Reason, "over 1 a minute") {
		t.Errorf("second mail: %+v", d)
	}
	if b.calls[0] != "customer@example.com r-9" {
		t.Errorf("the limiter was asked %q", b.calls)
	}
	b.err = errors.New("database down")
	if _, err := c.Classify(context.Background(), mustParse(t, raw, Options{})); !errors.Is(err, b.err) {
		t.Errorf("a failing hook: %v", err)
	}
}
