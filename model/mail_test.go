package model

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func validMailbox() *Mailbox {
	return &Mailbox{Name: "Support", IMAPHost: "imap.example.com", Username: "support@example.com", Password: "pw", Active: true}
}

func TestMailboxValidation(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(m *Mailbox)
		field string // "" = valid
	}{
		{"defaults", func(*Mailbox) {}, ""},
		{"no name", func(m *Mailbox) { m.Name = " " }, "name"},
		{"bad host", func(m *Mailbox) { m.IMAPHost = "imap example.com" }, "imap_host"},
		{"ip host", func(m *Mailbox) { m.IMAPHost = "192.0.2.7" }, ""},
		{"port", func(m *Mailbox) { m.IMAPPort = 70000 }, "imap_port"},
		{"tls mode", func(m *Mailbox) { m.IMAPTLS = "ssl" }, "imap_tls"},
		{"plain remote", func(m *Mailbox) { m.IMAPTLS = "plain" }, "imap_tls"},
		{"plain localhost", func(m *Mailbox) { m.IMAPTLS, m.IMAPHost = "plain", "LocalHost" }, ""},
		{"plain 127.0.0.2", func(m *Mailbox) { m.IMAPTLS, m.IMAPHost = "plain", "127.0.0.2" }, ""},
		{"plain ::1", func(m *Mailbox) { m.IMAPTLS, m.IMAPHost = "plain", "::1" }, ""},
		{"plain lookalike", func(m *Mailbox) { m.IMAPTLS, m.IMAPHost = "plain", "localhost.example.com" }, "imap_tls"},
		{"no username", func(m *Mailbox) { m.Username = "" }, "username"},
		{"no password", func(m *Mailbox) { m.Password = "" }, "password"},
		{"auth", func(m *Mailbox) { m.Auth = "kerberos" }, "auth"},
		{"gmail", func(m *Mailbox) {
			m.Auth, m.OAuthProvider, m.OAuthClientID, m.OAuthRefreshToken = "XOAUTH2", "gmail", "id", "rt"
		}, ""},
		{"oauth needs refresh token", func(m *Mailbox) { m.Auth, m.OAuthProvider, m.OAuthClientID = "xoauth2", "microsoft", "id" }, "oauth_refresh_token"},
		{"oauth provider", func(m *Mailbox) {
			m.Auth, m.OAuthProvider, m.OAuthClientID, m.OAuthRefreshToken = "oauthbearer", "yahoo", "id", "rt"
		}, "oauth_provider"},
		{"custom needs token url", func(m *Mailbox) {
			m.Auth, m.OAuthProvider, m.OAuthClientID, m.OAuthRefreshToken, m.OAuthScopes = "oauthbearer", "custom", "id", "rt", []string{"mail"}
		}, "oauth_token_url"},
		{"custom http token url", func(m *Mailbox) {
			m.Auth, m.OAuthProvider, m.OAuthClientID, m.OAuthRefreshToken, m.OAuthScopes = "oauthbearer", "custom", "id", "rt", []string{"mail"}
			m.OAuthTokenURL = "http://idp.example.com/token"
		}, "oauth_token_url"},
		{"folder control char", func(m *Mailbox) { m.Folders = []string{"INBOX", "a\nb"} }, "folders[1]"},
		{"move needs folder", func(m *Mailbox) { m.AfterProcessing = "move" }, "move_to"},
		{"move into a read folder", func(m *Mailbox) { m.AfterProcessing, m.MoveTo = "move", "INBOX" }, "move_to"},
		{"move", func(m *Mailbox) { m.AfterProcessing, m.MoveTo = "move", "Done" }, ""},
		{"move_to without move", func(m *Mailbox) { m.MoveTo = "Done" }, "move_to"},
		{"after", func(m *Mailbox) { m.AfterProcessing = "delete" }, "after_processing"},
		{"smtp needs from", func(m *Mailbox) { m.SMTPHost = "smtp.example.com" }, "from_address"},
		{"smtp", func(m *Mailbox) { m.SMTPHost, m.FromAddress = "smtp.example.com", "Support@Example.com" }, ""},
		{"smtp login needs password", func(m *Mailbox) {
			m.SMTPHost, m.FromAddress, m.SMTPUsername = "smtp.example.com", "support@example.com", "support"
		}, "smtp_password"},
		{"smtp plain remote", func(m *Mailbox) {
			m.SMTPHost, m.FromAddress, m.SMTPTLS = "smtp.example.com", "support@example.com", "plain"
		}, "smtp_tls"},
		{"smtp login without host", func(m *Mailbox) { m.SMTPUsername, m.SMTPPassword = "u", "p" }, "smtp_host"},
		{"scheduling needs smtp", func(m *Mailbox) { m.Scheduling = true }, "smtp_host"},
		{"long secret", func(m *Mailbox) { m.Password = strings.Repeat("x", 9000) }, "password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := validMailbox()
			tc.edit(m)
			m.Normalize()
			err := m.Validate()
			var e *Error
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("want valid: %v", err)
			case tc.field != "" && (ErrorCode(err) != EINVALID || !asErr(err, &e) || e.Fields[tc.field] == ""):
				t.Fatalf("want an error on %s: %v", tc.field, err)
			}
		})
	}
}

func asErr(err error, e **Error) bool {
	var ok bool
	*e, ok = err.(*Error)
	return ok
}

func TestMailboxDefaultsAndSecrets(t *testing.T) {
	m := validMailbox()
	m.SMTPHost, m.FromAddress, m.SMTPUsername, m.SMTPPassword = "smtp.example.com", "support@example.com", "support", "s"
	m.Normalize()
	if m.IMAPPort != 993 || m.IMAPTLS != TLSImplicit || m.Auth != MailAuthPassword || m.SMTPPort != 587 || m.SMTPTLS != TLSStartTLS ||
		!slices.Equal(m.Folders, []string{"INBOX"}) || m.AfterProcessing != MailAfterLeave {
		t.Fatalf("defaults: %+v", m)
	}
	if !slices.Equal(m.Secrets, []string{"password", "smtp_password"}) {
		t.Fatalf("secrets %v", m.Secrets)
	}
	b, _ := json.Marshal(m)
	m.Password, m.SMTPPassword, m.PasswordSealed = "", "", []byte{1, 2}
	b2, _ := json.Marshal(m)
	if !strings.Contains(string(b), `"password":"pw"`) || strings.Contains(string(b2), "password\":") || strings.Contains(string(b2), "sealed") {
		t.Fatalf("the password is write-only: %s / %s", b, b2)
	}

	// Moving to OAuth2 drops the password; the provider fills endpoint and scopes.
	m.Auth, m.OAuthProvider, m.OAuthClientID, m.OAuthRefreshTokenSealed = "xoauth2", "microsoft", "app", []byte{3}
	m.SMTPUsername = ""
	m.Normalize()
	if m.PasswordSealed != nil || m.SMTPPasswordSealed != nil || !slices.Equal(m.Secrets, []string{"oauth_refresh_token"}) ||
		!strings.Contains(m.OAuthTokenURL, "login.microsoftonline.com") || len(m.OAuthScopes) != 3 {
		t.Fatalf("oauth: %+v", m)
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	m.Auth = "password"
	m.Normalize()
	if m.OAuthRefreshTokenSealed != nil || m.OAuthProvider != "" || len(m.Secrets) != 0 {
		t.Fatalf("back to password: %+v", m)
	}
}

func TestMailEvents(t *testing.T) {
	f := func(k string, v any) map[string]FieldChange { return map[string]FieldChange{k: {New: v}} }
	for _, tc := range []struct {
		entity, op string
		fields     map[string]FieldChange
		want       string
	}{
		{"mail_message", OpCreate, f("outcome", "request"), EventMailReceived},
		{"mail_message", OpCreate, f("outcome", "bounce"), EventMailBounced},
		{"mail_message", OpUpdate, f("outcome", "bounce"), ""},
		{"mail_quarantine", OpCreate, f("status", "open"), EventMailQuarantined},
		{"mail_quarantine", OpUpdate, f("status", "resolved"), ""},
		{"outbound_mail", OpUpdate, f("status", "sent"), EventMailSent},
		{"outbound_mail", OpCreate, f("status", "sent"), EventMailSent},
		{"outbound_mail", OpUpdate, f("status", "failed"), ""},
		{"outbound_mail", OpDelete, f("status", "sent"), ""},
	} {
		if got := DomainEvent(tc.entity, tc.op, tc.fields); got != tc.want {
			t.Errorf("%s %s %v: %q, want %q", tc.entity, tc.op, tc.fields, got, tc.want)
		}
	}
	for _, typ := range []string{EventMailReceived, EventMailBounced, EventMailQuarantined, EventMailSent} {
		if !slices.Contains(EventTypes(), typ) || !ValidEventPattern(typ) || Policies[EventEntity(typ)] != AllStaff {
			t.Errorf("%s: not in the catalogue or on a known entity (%s)", typ, EventEntity(typ))
		}
	}
}

func TestMailBounceHardFailures(t *testing.T) {
	b := &MailBounce{Recipients: []MailBounceRecipient{
		{Address: "Gone@Example.com", Action: "failed", Status: "5.1.1", Hard: true},
		{Address: "full@example.com", Action: "failed", Status: "5.2.2"},
		{Address: "late@example.com", Action: "delayed", Status: "4.4.1"},
		{Address: "gone@example.com", Action: "failed", Hard: true},
	}}
	if got := b.HardFailures(); !slices.Equal(got, []string{"gone@example.com"}) {
		t.Fatalf("%v", got)
	}
	if (*MailBounce)(nil).HardFailures() != nil {
		t.Fatal("nil bounce")
	}
}

func TestOutboundMailValidation(t *testing.T) {
	o := &OutboundMail{From: MailAddress{Email: "Support@Example.com"}, To: []MailAddress{{Name: " Ann ", Email: "ANN@example.com"}}, Subject: "Re: x"}
	o.Normalize()
	if err := o.Validate(); err != nil || o.Status != OutboundQueued || o.To[0] != (MailAddress{"Ann", "ann@example.com"}) {
		t.Fatalf("%+v %v", o, err)
	}
	o.To, o.AutoSubmitted, o.Status = nil, "yes", "lost"
	o.Normalize()
	var e *Error
	if err := o.Validate(); !asErr(err, &e) || e.Fields["to"] == "" || e.Fields["auto_submitted"] == "" || e.Fields["status"] == "" {
		t.Fatalf("%v", err)
	}
}

func TestMailIngestValidation(t *testing.T) {
	in := &MailIngest{MailboxID: NewID(), SHA256: strings.Repeat("A", 64), MessageID: " <x@y> ",
		From: MailAddress{Email: " Ann@Example.COM "}, ReplyTo: []MailAddress{{Email: "bad"}, {Email: "Desk@Example.com"}}}
	in.Normalize()
	if err := in.Validate(); err != nil || in.MessageID != "x@y" || in.Decision.Kind != MailKindMail || in.Answerer() != "desk@example.com" {
		t.Fatalf("%+v %v", in, err)
	}
	in.MessageID = strings.Repeat("й", 1000) + "@x"
	in.Normalize()
	if len(in.MessageID) != 900 || !strings.HasSuffix(in.MessageID, "й") {
		t.Fatalf("long Message-ID kept %d bytes", len(in.MessageID))
	}
	in.UID, in.Decision.Kind = 5, "spam"
	var e *Error
	if err := in.Validate(); !asErr(err, &e) || e.Fields["folder"] == "" || e.Fields["kind"] == "" {
		t.Fatalf("%v", err)
	}
}
