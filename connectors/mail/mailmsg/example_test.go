package mailmsg_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"rapport/connectors/mail/mailmsg"
)

// The engine parses each fetched message with the blob store as the sink,
// quarantines what cannot be read, and classifies the rest.
func Example() {
	raw := "From: =?koi8-r?B?6dfBzg==?= <Ivan@Example.RU>\r\n" +
		"Subject: Re: [R-000042] Invoice\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPaid, thank you.\r\n" +
		"--b\r\nContent-Type: application/pdf; name=receipt.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"

	// In the engine the sink is the blob store: Put(ctx, r, a.Filename, limit).
	sink := func(a mailmsg.Attachment, r io.Reader) (string, error) {
		h := sha256.New()
		_, err := io.Copy(h, r)
		return hex.EncodeToString(h.Sum(nil))[:12], err
	}
	p, err := mailmsg.Parse(strings.NewReader(raw), mailmsg.Options{Sink: sink})
	if mailmsg.Quarantine(err) {
		fmt.Println("quarantine:", err)
		return
	}
	c := &mailmsg.Classifier{Tokens: &mailmsg.Tokens{Key: []byte("a server key of 32 bytes or so.."), Domain: "rapport.example"}}
	d, err := c.Classify(context.Background(), p)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s <%s>: %q\n", p.From.Name, p.From.Email, p.Text)
	fmt.Println(p.Attachments[0].Filename, p.Attachments[0].Size, p.Attachments[0].Ref)
	fmt.Println(d.Kind, d.Ack, d.Thread.SubjectTags)
	for _, s := range d.Trace {
		fmt.Printf("%s: %s %s\n", s.Name, s.Verdict, s.Reason)
	}
	// Output:
	// Иван <ivan@example.ru>: "Paid, thank you."
	// receipt.pdf 9 e5c62df5dab5
	// mail true [R-000042]
	// dedupe: skip no message lookup
	// auto-reply: pass no sign of automatic mail
	// bounce: pass not a delivery report
	// loop-guard: pass no rate limit
	// threading: match subject tag R-000042 (to check against the sender)
	// acknowledge: match may be acknowledged
}
