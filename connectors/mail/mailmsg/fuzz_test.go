package mailmsg

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzLimit keeps fuzz inputs small enough to run many per second.
const fuzzLimit = 1 << 20

// FuzzParse checks that no input panics Parse or Classify, that every input
// is either parsed or refused with a reason to quarantine, and that what is
// parsed is well formed. The corpus and extra messages are the seeds.
func FuzzParse(f *testing.F) {
	for _, path := range corpusFiles(f) {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("From: a@b.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x--\r\n"))
	f.Add([]byte("Subject: =?utf-8?B?=?= =?x?Q?=ZZ?=\r\nTo: ,;:<>@\r\n\r\n"))
	c := &Classifier{Tokens: testTokens(), OwnAddresses: []string{"support@rapport.example"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(bytes.NewReader(data), Options{MaxBytes: fuzzLimit, MaxBodyBytes: 64 << 10, Sink: hashingSink})
		if err != nil {
			if !Quarantine(err) {
				t.Fatalf("an error that is no reason to quarantine: %v", err)
			}
			return
		}
		checkFuzzParsed(t, p, data)
		d, err := c.Classify(context.Background(), p)
		if err != nil || d.Kind == "" || len(d.Trace) != 6 {
			t.Fatalf("classify: %v %+v", err, d)
		}
	})
}

func checkFuzzParsed(t *testing.T, p *Parsed, data []byte) {
	sum := sha256.Sum256(data)
	if p.Size != int64(len(data)) || p.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("size %d hash %s for %d bytes", p.Size, p.SHA256, len(data))
	}
	texts := []string{p.Subject, p.Text, p.HTML, p.Calendar, p.From.Name, p.MessageID}
	for _, a := range p.Attachments {
		texts = append(texts, a.Filename)
		if a.Filename == "" || strings.ContainsAny(a.Filename, "/\\\x00") || a.Size < 0 {
			t.Fatalf("attachment %+v", a)
		}
	}
	for _, s := range texts {
		if !utf8.ValidString(s) {
			t.Fatalf("not UTF-8: %q", s)
		}
	}
	for _, a := range append(append([]Address{p.From, p.Sender}, p.To...), p.Cc...) {
		if a.Email != "" && (a.Email != strings.ToLower(a.Email) || !strings.Contains(a.Email, "@") || !utf8.ValidString(a.Name)) {
			t.Fatalf("address %+v", a)
		}
	}
	if len(p.Warnings) > maxWarnings {
		t.Fatalf("%d warnings", len(p.Warnings))
	}
}

// FuzzParseDSN checks that the delivery-status and bounce-text readers
// never panic and only report recipients with an address, hard failures
// being failures.
func FuzzParseDSN(f *testing.F) {
	for _, path := range corpusFiles(f) {
		if !strings.Contains(path, "report") && !strings.Contains(path, "bounce") {
			continue
		}
		p, err := parseFile(f, path)
		if err != nil {
			f.Fatal(err)
		}
		if p.Report != nil {
			f.Add(p.Report.Status)
		}
		f.Add(p.Text)
	}
	f.Add("Final-Recipient: rfc822;a@b.example\nAction: failed\nStatus: 5.1.1\n\n\n Final-Recipient:\n")
	f.Fuzz(func(t *testing.T, text string) {
		check := func(rs []Recipient) {
			for _, r := range rs {
				if !strings.Contains(r.Address, "@") || (r.Hard && !r.Failed()) {
					t.Fatalf("recipient %+v", r)
				}
			}
		}
		check(ParseDSN(text).Recipients)
		_, rs := parseBounceText(text)
		check(rs)
	})
}
