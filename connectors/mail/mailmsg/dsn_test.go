package mailmsg

import (
	"testing"
)

func TestParseDSN(t *testing.T) {
	d := ParseDSN(`Reporting-MTA: dns; mx.example.net
Original-Envelope-Id: env-1
Arrival-Date: Mon, 1 Jan 2024 00:00:00 +0000

Final-Recipient: rfc822; <Gone@Example.org>
Action: failed
Status: 5.1.1 (user unknown)
Remote-MTA: dns; mx.example.org
Diagnostic-Code: smtp; 550 5.1.1 <gone@example.org>:
    Recipient address rejected

Original-Recipient: rfc822;full@example.org
Action: Failed
Diagnostic-Code: smtp; 552 5.2.2 Mailbox full

Final-Recipient: rfc822; later@example.org
Action: delayed
Status: 4.4.1

Final-Recipient: rfc822; ok@example.org
Action: delivered
Status: 2.0.0

Final-Recipient: rfc822; nostatus@example.org
Diagnostic-Code: smtp; 550 no such user

Final-Recipient: x400; not-an-address
Action: failed
`)
	if d.ReportingMTA != "mx.example.net" || d.OriginalEnvelopeID != "env-1" {
		t.Errorf("per-message fields %+v", d)
	}
	want := []Recipient{
		{Address: "gone@example.org", Action: "failed", Status: "5.1.1", Diagnostic: "550 5.1.1 <gone@example.org>: Recipient address rejected", RemoteMTA: "mx.example.org", Hard: true},
		{Address: "full@example.org", Action: "failed", Status: "5.2.2", Diagnostic: "552 5.2.2 Mailbox full"},
		{Address: "later@example.org", Action: "delayed", Status: "4.4.1"},
		{Address: "ok@example.org", Action: "delivered", Status: "2.0.0"},
		{Address: "nostatus@example.org", Action: "failed", Diagnostic: "550 no such user", Hard: true},
	}
	if len(d.Recipients) != len(want) {
		t.Fatalf("recipients %+v", d.Recipients)
	}
	for i, r := range d.Recipients {
		if r != want[i] {
			t.Errorf("recipient %d:\n got %+v\nwant %+v", i, r, want[i])
		}
	}
}

func TestHardOrSoft(t *testing.T) {
	cases := []struct {
		action, status, diag string
		hard                 bool
	}{
		{"failed", "5.1.1", "", true},
		{"failed", "5.1.10", "", true},
		{"failed", "5.2.1", "mailbox disabled", true},
		{"failed", "5.2.2", "", false},
		{"failed", "5.3.0", "Unknown E-Mail Address", true},
		{"failed", "5.3.4", "message too big", false},
		{"failed", "5.4.4", "", true},
		{"failed", "5.7.1", "", false},
		{"failed", "5.0.0", "550 user unknown", true},
		{"failed", "5.0.0", "552 over quota", false},
		{"failed", "5.1.1", "blocked by policy", false},
		{"failed", "4.4.7", "", false},
		{"failed", "", "", true},
		{"delayed", "4.2.2", "", false},
		{"delivered", "2.0.0", "", false},
	}
	for _, c := range cases {
		r := judge(Recipient{Action: c.action, Status: c.status, Diagnostic: c.diag})
		if r.Hard != c.hard {
			t.Errorf("%s %s %q: hard %v, want %v", c.action, c.status, c.diag, r.Hard, c.hard)
		}
	}
}

func TestParseBounceTextUnknown(t *testing.T) {
	if f, r := parseBounceText("Thanks for your mail, we will answer soon.\nsomeone@example.com"); f != "" || r != nil {
		t.Errorf("a plain mail read as a bounce: %s %+v", f, r)
	}
}
