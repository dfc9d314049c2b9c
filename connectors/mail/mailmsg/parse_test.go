package mailmsg

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"rapport/model"
)

// crlf turns a readable test message into wire format.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func mustParse(t *testing.T, raw string, opts Options) *Parsed {
	t.Helper()
	p, err := Parse(strings.NewReader(raw), opts)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return p
}

func TestParseHeaders(t *testing.T) {
	raw := crlf(`From: =?UTF-8?B?0JjQstCw0L0g0J8=?= =?UTF-8?B?0LXRgtGA0L7Qsg==?= <Ivan.Petrov@Example.RU>
Sender: Helpdesk Bot <BOT@example.org>
To: "Doe, Jane" <JANE@example.com>, bob@example.com (Bob B), undisclosed-recipients:;
Cc: team: Ann <ann@example.com>, eve@example.com;
Reply-To: <mailto:replies@example.com>
Return-Path: <>
Subject: =?utf-8?B?0J/RgNC40LLQtdGC?= =?utf-8?Q?_=E4=B8=96?=
 =?utf-8?B?55WM?= and more
Date: Tue, 1 Jul 2025 10:00:00 +0300 (MSK)
Message-ID: <abc@example.ru>
In-Reply-To: <parent@example.com> (comment)
References: <root@example.com>
 <parent@example.com>

Hello.
`)
	p := mustParse(t, raw, Options{})
	if p.From != (Address{"Иван Петров", "ivan.petrov@example.ru"}) {
		t.Errorf("From = %+v", p.From)
	}
	if p.Sender.Email != "bot@example.org" || p.ReplyTo[0].Email != "replies@example.com" || p.ReturnPath != "<>" {
		t.Errorf("Sender %+v, Reply-To %+v, Return-Path %q", p.Sender, p.ReplyTo, p.ReturnPath)
	}
	if len(p.To) != 2 || p.To[0] != (Address{"Doe, Jane", "jane@example.com"}) || p.To[1].Email != "bob@example.com" {
		t.Errorf("To = %+v", p.To)
	}
	if len(p.Cc) != 2 || p.Cc[0].Email != "ann@example.com" || p.Cc[1].Email != "eve@example.com" {
		t.Errorf("Cc = %+v", p.Cc)
	}
	// the character 世 is split across a Q and a B word: joined before decoding
	if p.Subject != "Привет 世界 and more" {
		t.Errorf("Subject = %q", p.Subject)
	}
	if want := time.Date(2025, 7, 1, 7, 0, 0, 0, time.UTC); !p.Date.Equal(want) {
		t.Errorf("Date = %v", p.Date)
	}
	if p.MessageID != "abc@example.ru" || p.InReplyTo[0] != "parent@example.com" || len(p.References) != 2 || p.References[0] != "root@example.com" {
		t.Errorf("ids %q %v %v", p.MessageID, p.InReplyTo, p.References)
	}
	sum := sha256.Sum256([]byte(raw))
	if p.SHA256 != hex.EncodeToString(sum[:]) || p.Size != int64(len(raw)) || p.Text != "Hello.\n" {
		t.Errorf("hash %s size %d text %q", p.SHA256, p.Size, p.Text)
	}
}

func TestParseLegacyHeaderBytes(t *testing.T) {
	// a raw windows-1251 subject is read in the charset the body declares;
	// raw UTF-8 (RFC 6532) stays as it is
	raw := "From: x@example.com\r\nSubject: \xd1\xf7\xb8\xf2 \xb9 5\r\nTo: \xd0\x9e\xd0\xbb\xd1\x8f <olya@example.com>\r\n" +
		"Content-Type: text/plain; charset=windows-1251\r\n\r\n\xcf\xf0\xe8\xe2\xe5\xf2\r\n"
	p := mustParse(t, raw, Options{})
	if p.Subject != "Счёт № 5" || p.To[0].Name != "Оля" || p.Text != "Привет\n" {
		t.Errorf("subject %q, to %+v, text %q", p.Subject, p.To, p.Text)
	}
}

func TestParseAttachments(t *testing.T) {
	png := bytes.Repeat([]byte{0x89, 'P', 'N', 'G', 0, 1, 2, 3}, 100)
	raw := crlf(`From: a@example.com
Subject: files
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/related; boundary="rel"

--rel
Content-Type: text/html; charset=utf-8

<p onclick="x()">See <img src="cid:logo@x"><script>alert(1)</script></p>
--rel
Content-Type: image/png
Content-ID: <logo@x>
Content-Transfer-Encoding: base64

` + base64.StdEncoding.EncodeToString(png) + `
--rel--
--outer
Content-Type: application/pdf; name="=?utf-8?B?0KHRh9GR0YIucGRm?="
Content-Disposition: attachment; filename*=utf-8''%D0%A1%D1%87%D1%91%D1%82%20%E2%84%96%201.pdf
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--outer
Content-Type: text/plain; charset=koi8-r; name*0="../../etc/"; name*1="passwd.txt"

plain attachment with a name
--outer--
`)
	stored := map[string][]byte{}
	sink := func(a Attachment, r io.Reader) (string, error) {
		b, err := io.ReadAll(r)
		stored[a.Filename] = b
		return "ref-" + a.Filename, err
	}
	p := mustParse(t, raw, Options{Sink: sink})
	if len(p.Attachments) != 3 {
		t.Fatalf("attachments %+v", p.Attachments)
	}
	img, pdf, txt := p.Attachments[0], p.Attachments[1], p.Attachments[2]
	if img.ContentID != "logo@x" || !img.Inline || img.ContentType != "image/png" || img.Size != int64(len(png)) || !bytes.Equal(stored[img.Filename], png) {
		t.Errorf("inline image %+v", img)
	}
	if pdf.Filename != "Счёт № 1.pdf" || pdf.Inline || string(stored[pdf.Filename]) != "%PDF-1.4\n" || pdf.Ref != "ref-Счёт № 1.pdf" {
		t.Errorf("pdf %+v %q", pdf, stored[pdf.Filename])
	}
	if txt.Filename != "passwd.txt" || string(stored["passwd.txt"]) != "plain attachment with a name" {
		t.Errorf("named text part %+v", txt)
	}
	if strings.Contains(p.HTML, "script") || strings.Contains(p.HTML, "onclick") || !strings.Contains(p.HTML, `src="cid:logo@x"`) {
		t.Errorf("HTML not sanitised as expected: %s", p.HTML)
	}
	if !p.TextFromHTML || p.Text != "See" {
		t.Errorf("text from HTML %q", p.Text)
	}
}

func TestParseDegradesGracefully(t *testing.T) {
	cases := []struct {
		name, raw, text, warning string
	}{
		{"mbox From line and a header line without a blank line after it",
			"From someone@example.com Mon Jan  1 00:00:00 2024\nFrom: a@example.com\nSubject: s\nthis line starts the body\nsecond\n",
			"this line starts the body\nsecond\n", "header ended without a blank line"},
		{"invalid field name dropped",
			"From: a@example.com\nbad field: x\n continued\nSubject: s\n\nbody\n", "body\n", "header line dropped"},
		{"boundary never appears",
			"From: a@example.com\nContent-Type: multipart/mixed; boundary=nope\n\nJust text.\n", "Just text.\n", "never appears"},
		{"multipart without its closing boundary",
			"From: a@example.com\nContent-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\ncut off here", "cut off here", "not closed"},
		{"broken base64",
			"From: a@example.com\nContent-Transfer-Encoding: base64\n\naGVsbG8g d29y\nbGQ=!!!garbage==more\n", "hello world", ""},
		{"unknown charset",
			"From: a@example.com\nContent-Type: text/plain; charset=x-martian\n\ncaf\xe9\n", "café\n", "x-martian"},
		{"unknown transfer encoding",
			"From: a@example.com\nContent-Transfer-Encoding: x-rot13\n\nuryyb\n", "uryyb\n", "x-rot13"},
		{"multipart without boundary",
			"From: a@example.com\nContent-Type: multipart/mixed\n\nplain\n", "plain\n", "without a boundary"},
		{"8-bit text without charset",
			"From: a@example.com\n\nna\xefve\n", "naïve\n", "without a charset"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := mustParse(t, c.raw, Options{})
			if p.Text != c.text {
				t.Errorf("text %q, want %q", p.Text, c.text)
			}
			if c.warning != "" && !strings.Contains(strings.Join(p.Warnings, "|"), c.warning) {
				t.Errorf("warnings %q lack %q", p.Warnings, c.warning)
			}
		})
	}
}

func TestParseDeepNesting(t *testing.T) {
	var b strings.Builder
	b.WriteString("From: a@example.com\r\n")
	for i := range maxDepth + 5 {
		b.WriteString("Content-Type: multipart/mixed; boundary=b" + string(rune('a'+i%26)) + strings.Repeat("x", i) + "\r\n\r\n")
		b.WriteString("--b" + string(rune('a'+i%26)) + strings.Repeat("x", i) + "\r\n")
	}
	b.WriteString("Content-Type: text/plain\r\n\r\ndeep\r\n")
	p := mustParse(t, b.String(), Options{})
	if len(p.Attachments) != 1 || !strings.Contains(strings.Join(p.Warnings, "|"), "nested deeper") {
		t.Errorf("attachments %+v warnings %q", p.Attachments, p.Warnings)
	}
}

func TestParseRefusals(t *testing.T) {
	cases := []struct {
		name, raw, code, reason string
	}{
		{"empty", "", model.EMALFORMED, "no header"},
		{"not a header", "hello world\nthis is a text file\n", model.EMALFORMED, "no header"},
		{"binary", "\x00\x01\x02\xff\xfe", model.EMALFORMED, "no header"},
		{"fields but no mail field", "Note: buy milk\nColor: red\n\nhello", model.EMALFORMED, "no From"},
		{"header too large", "From: a@example.com\nX-Big: " + strings.Repeat("a", maxHeaderBytes) + "\n\nbody", model.EMALFORMED, "header larger"},
		{"too large", "From: a@example.com\n\n" + strings.Repeat("x", 2000), model.ETOOLARGE, "larger than 1000 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(c.raw), Options{MaxBytes: 1000})
			if c.code != model.ETOOLARGE {
				_, err = Parse(strings.NewReader(c.raw), Options{})
			}
			if model.ErrorCode(err) != c.code || !Quarantine(err) || !strings.Contains(err.Error(), c.reason) {
				t.Errorf("err = %v (%s), want %s with %q", err, model.ErrorCode(err), c.code, c.reason)
			}
		})
	}
}

func TestParseTooLargeInsideAnAttachment(t *testing.T) {
	raw := crlf("From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: application/zip\nContent-Transfer-Encoding: base64\n\n") +
		strings.Repeat(strings.Repeat("QUJD", 19)+"\r\n", 100) + "--b--\r\n"
	sinkErr := errors.New("")
	_, err := Parse(strings.NewReader(raw), Options{MaxBytes: 4000, Sink: func(a Attachment, r io.Reader) (string, error) {
		_, sinkErr = io.Copy(io.Discard, r)
		return "", sinkErr
	}})
	if model.ErrorCode(err) != model.ETOOLARGE || sinkErr == nil {
		t.Fatalf("err = %v, the sink saw %v", err, sinkErr)
	}
}

func TestParseFailuresToRetry(t *testing.T) {
	raw := crlf("From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: image/gif\n\nGIF89a\n--b--\n")
	// the connection fails half-way
	_, err := Parse(iotest.TimeoutReader(iotest.HalfReader(strings.NewReader(raw))), Options{})
	if err == nil || Quarantine(err) || !errors.Is(err, iotest.ErrTimeout) {
		t.Errorf("a failing reader: %v", err)
	}
	// the blob store fails
	storeErr := errors.New("disk full")
	_, err = Parse(strings.NewReader(raw), Options{Sink: func(Attachment, io.Reader) (string, error) { return "", storeErr }})
	if !errors.Is(err, storeErr) || Quarantine(err) {
		t.Errorf("a failing sink: %v", err)
	}
	// a sink that stops reading early would store a partial file
	_, err = Parse(strings.NewReader(raw), Options{Sink: func(Attachment, io.Reader) (string, error) { return "x", nil }})
	if err == nil || Quarantine(err) {
		t.Errorf("a sink that read nothing: %v", err)
	}
}

func TestParseBodyLimit(t *testing.T) {
	body := strings.Repeat("Пример текста. ", 100) // 2,800 bytes
	raw := "From: a@example.com\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body
	var kept []byte
	p := mustParse(t, raw, Options{MaxBodyBytes: 1001, Sink: func(a Attachment, r io.Reader) (string, error) {
		var err error
		kept, err = io.ReadAll(r)
		return "whole", err
	}})
	if len(p.Text) > 1001 || !strings.HasPrefix(body, strings.TrimSuffix(p.Text, "\uFFFD")) {
		t.Errorf("text of %d bytes: %q…", len(p.Text), clip(p.Text, 40))
	}
	if len(p.Attachments) != 1 || p.Attachments[0].Filename != "body.txt" || string(kept) != body {
		t.Errorf("the whole body is not kept: %+v, %d bytes", p.Attachments, len(kept))
	}
}

func TestParseEnclosedAndCalendar(t *testing.T) {
	raw := crlf(`From: a@example.com
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: text/plain

see attached
--b
Content-Type: message/rfc822

From: c@example.com
Subject: =?utf-8?Q?Fr=C3=BCher?=
Message-ID: <inner@example.com>

inner body
--b
Content-Type: text/calendar; method=REPLY; charset=utf-8

BEGIN:VCALENDAR
METHOD:REPLY
END:VCALENDAR
--b--
`)
	p := mustParse(t, raw, Options{})
	if len(p.Attachments) != 2 || p.Attachments[0].Filename != "Früher.eml" || p.Attachments[0].MessageID != "inner@example.com" {
		t.Fatalf("attachments %+v", p.Attachments)
	}
	if p.Attachments[1].ContentType != "text/calendar" || !strings.Contains(p.Calendar, "METHOD:REPLY") || p.Text != "see attached" {
		t.Errorf("calendar %q, text %q", p.Calendar, p.Text)
	}
}

func TestHTMLToText(t *testing.T) {
	in := `<html><head><title>T</title><style>p{}</style></head><body>
<h1>Order   status</h1><p>Dear&nbsp;Anna,<br>your order <b>#42</b> ships <a href="https://shop.example/42">today</a>.</p>
<ul><li>Tea</li><li>Cups</li></ul><pre>  keep
   spacing</pre><div>Link: <a href="https://x.example">https://x.example</a></div></body></html>`
	want := "Order status\n\nDear\u00a0Anna,\nyour order #42 ships today <https://shop.example/42>.\n\n- Tea\n- Cups\n\n  keep\n   spacing\n\nLink: https://x.example"
	if got := htmlToText(in); got != want {
		t.Errorf("htmlToText:\n got %q\nwant %q", got, want)
	}
}
