package mailout

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"io"
	"net/mail"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"

	"rapport/connectors/mail/mailmsg"
	"rapport/connectors/mail/mailout/smtptest"
)

func sample() *Message {
	return &Message{
		From:          mail.Address{Name: "Служба поддержки", Address: "support@example.com"},
		To:            []mail.Address{{Name: "Анна Петрова", Address: "anna@example.org"}},
		Cc:            []mail.Address{{Address: "boss@example.org"}},
		Bcc:           []mail.Address{{Address: "archive@example.com"}},
		Subject:       "Re: [R-000123] Принтер не печатает",
		MessageID:     "r-abc.0123456789abcdef.000000000000000000000000@example.com",
		InReplyTo:     "orig@example.org",
		References:    []string{"first@example.org", "orig@example.org"},
		AutoSubmitted: AutoReplied,
		Text:          "Здравствуйте, Анна!\n\nМы получили ваше обращение.",
		HTML:          "<p>Здравствуйте, <b>Анна</b>!</p>",
		Attachments: []Attachment{{Filename: "счёт.pdf", ContentType: "application/pdf",
			Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("%PDF-1.4 test")), nil }}},
	}
}

func TestWriteParsesBack(t *testing.T) {
	m := sample()
	m.Unsubscribe = "https://crm.example.com/u/tok"
	var buf bytes.Buffer
	if err := Write(&buf, m); err != nil {
		t.Fatal(err)
	}
	p, err := mailmsg.Parse(bytes.NewReader(buf.Bytes()), mailmsg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != m.Subject || p.MessageID != m.MessageID || p.From.Name != "Служба поддержки" {
		t.Errorf("header: %q %q %+v", p.Subject, p.MessageID, p.From)
	}
	if len(p.InReplyTo) != 1 || p.InReplyTo[0] != "orig@example.org" || strings.Join(p.References, " ") != "first@example.org orig@example.org" {
		t.Errorf("threading: %v %v", p.InReplyTo, p.References)
	}
	if !strings.Contains(p.Text, "Мы получили") || !strings.Contains(p.HTML, "Анна") {
		t.Errorf("bodies: %q %q", p.Text, p.HTML)
	}
	if len(p.Attachments) != 1 || p.Attachments[0].Filename != "счёт.pdf" {
		t.Errorf("attachments: %+v", p.Attachments)
	}
	for field, want := range map[string]string{"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All",
		"List-Unsubscribe": "<https://crm.example.com/u/tok>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"} {
		if got := p.Header.Get(field); got != want {
			t.Errorf("%s = %q, want %q", field, got, want)
		}
	}
	if strings.Contains(buf.String(), "archive@example.com") {
		t.Error("Bcc leaked into the message")
	}
}

func TestWriteCalendar(t *testing.T) {
	m := sample()
	m.HTML, m.Attachments = "", nil
	m.Calendar = &Calendar{Method: "REQUEST", Data: []byte("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n")}
	var buf bytes.Buffer
	if err := Write(&buf, m); err != nil {
		t.Fatal(err)
	}
	raw := buf.String()
	if !strings.Contains(raw, "text/calendar; charset=utf-8; method=REQUEST") && !strings.Contains(raw, `method=REQUEST`) {
		t.Errorf("no text/calendar part with its method:\n%s", raw)
	}
	p, err := mailmsg.Parse(strings.NewReader(raw), mailmsg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Calendar, "METHOD:REQUEST") {
		t.Errorf("calendar part not found: %q", p.Calendar)
	}
}

func TestWriteRefusesBadMessages(t *testing.T) {
	for name, mutate := range map[string]func(*Message){
		"no from":          func(m *Message) { m.From = mail.Address{} },
		"no recipient":     func(m *Message) { m.To, m.Cc, m.Bcc = nil, nil, nil },
		"no message-id":    func(m *Message) { m.MessageID = "" },
		"bracketed id":     func(m *Message) { m.MessageID = "<x@y>" },
		"header injection": func(m *Message) { m.Subject = "hi\r\nBcc: evil@example.net" },
		"no body":          func(m *Message) { m.Text, m.HTML = "", "" },
	} {
		m := sample()
		mutate(m)
		if err := Write(io.Discard, m); err == nil {
			t.Errorf("%s: written", name)
		}
	}
}

func sender(s *smtptest.Server, mode string) *Sender {
	return &Sender{Server: Server{Host: s.Host, Port: s.Port, TLS: mode, Username: "agent", Password: "secret",
		TLSConfig: &tls.Config{RootCAs: s.Roots}}}
}

func TestSendStartTLSAndImplicit(t *testing.T) {
	for _, mode := range []string{TLSStartTLS, TLSImplicit} {
		t.Run(mode, func(t *testing.T) {
			srv := smtptest.Start(t, smtptest.Options{Implicit: mode == TLSImplicit, Username: "agent", Password: "secret"})
			res, err := sender(srv, mode).Send(context.Background(), sample())
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Refused) != 0 {
				t.Errorf("refused: %v", res.Refused)
			}
			mails := srv.Mails()
			if len(mails) != 1 || mails[0].From != "support@example.com" || len(mails[0].To) != 3 {
				t.Fatalf("captured: %+v", mails)
			}
			if !bytes.Contains(mails[0].Data, []byte("Message-Id: <r-abc.")) {
				t.Errorf("message not delivered whole:\n%s", mails[0].Data)
			}
		})
	}
}

func TestSendErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("bad credentials are permanent", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.Options{Username: "agent", Password: "other"})
		_, err := sender(srv, TLSStartTLS).Send(ctx, sample())
		if err == nil || !Permanent(err) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("some recipients refused", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.Options{Username: "agent", Password: "secret", Rcpt: func(to string) error {
			if to == "boss@example.org" {
				return smtptest.ErrUnknownUser
			}
			return nil
		}})
		res, err := sender(srv, TLSStartTLS).Send(ctx, sample())
		if err != nil || len(res.Refused) != 1 || res.Refused[0] != "boss@example.org" {
			t.Fatalf("res %+v err %v", res, err)
		}
		if got := srv.Mails(); len(got) != 1 || len(got[0].To) != 2 {
			t.Errorf("captured %+v", got)
		}
	})
	t.Run("every recipient refused is permanent", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.Options{Rcpt: func(string) error { return smtptest.ErrUnknownUser }})
		s := sender(srv, TLSStartTLS)
		s.Server.Username = ""
		_, err := s.Send(ctx, sample())
		if !Permanent(err) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("try later is temporary", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.Options{Rcpt: func(string) error { return smtptest.ErrTryLater }})
		s := sender(srv, TLSStartTLS)
		s.Server.Username = ""
		_, err := s.Send(ctx, sample())
		if err == nil || Permanent(err) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("unreachable is temporary", func(t *testing.T) {
		s := &Sender{Server: Server{Host: "127.0.0.1", Port: 1, TLS: TLSStartTLS}}
		_, err := s.Send(ctx, sample())
		if err == nil || Permanent(err) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("plain only to loopback", func(t *testing.T) {
		s := &Sender{Server: Server{Host: "192.0.2.1", Port: 25, TLS: TLSPlain}}
		_, err := s.Send(ctx, sample())
		if !Permanent(err) || !strings.Contains(err.Error(), "loopback") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.Options{})
		s := &Sender{Server: Server{Host: srv.Host, Port: srv.Port, TLS: TLSStartTLS}}
		if _, err := s.Send(ctx, sample()); err == nil {
			t.Fatal("sent over a certificate nobody trusts")
		}
	})
}

func TestSendDKIM(t *testing.T) {
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	srv := smtptest.Start(t, smtptest.Options{Username: "agent", Password: "secret"})
	s := sender(srv, TLSStartTLS)
	s.DKIM = &DKIM{Domain: "example.com", Selector: "rapport", Key: key}
	if _, err := s.Send(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	data := srv.Mails()[0].Data
	record := "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)
	verifs, err := dkim.VerifyWithOptions(bytes.NewReader(data), &dkim.VerifyOptions{LookupTXT: func(domain string) ([]string, error) {
		if domain != "rapport._domainkey.example.com" {
			t.Errorf("looked up %q", domain)
		}
		return []string{record}, nil
	}})
	if err != nil || len(verifs) != 1 || verifs[0].Err != nil {
		t.Fatalf("verification: %v %+v", err, verifs)
	}
}
