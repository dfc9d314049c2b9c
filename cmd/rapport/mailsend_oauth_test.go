package main

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"rapport/connectors/mail/mailout/smtptest"
	"rapport/hub/outmail"
	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// TestOAuthMailboxSendsWithItsToken: a Gmail or Microsoft 365 mailbox that
// reads with OAuth2 and has no SMTP password sends its replies with an
// access token from its refresh token (one refresh for two mails), and the
// refresh token the provider rotated is kept sealed.
func TestOAuthMailboxSendsWithItsToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newMailRig(t, s, nil)
		var refreshes atomic.Int32
		provider := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if req.FormValue("grant_type") != "refresh_token" || req.FormValue("refresh_token") != "rt-1" || req.FormValue("client_id") != "rapport" {
				http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
				return
			}
			refreshes.Add(1)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"at-1","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-2"}`))
		}))
		t.Cleanup(provider.Close)
		smtp := smtptest.Start(t, smtptest.Options{Username: "support@example.com", Token: "at-1", Mechanisms: []string{"XOAUTH2"}})
		r.jobs.sender.tlsConfig = &tls.Config{RootCAs: smtp.Roots}
		r.jobs.sender.oauthClient = provider.Client()

		mb := &model.Mailbox{Name: "Support", IMAPHost: "imap.example.com", Username: "support@example.com", Auth: model.MailAuthXOAuth2,
			OAuthProvider: "custom", OAuthTokenURL: provider.URL + "/token", OAuthClientID: "rapport", OAuthRefreshToken: "rt-1", OAuthScopes: []string{"https://mail.example.com/"},
			FromAddress: "support@example.com", SMTPHost: smtp.Host, SMTPPort: smtp.Port, SMTPTLS: model.TLSStartTLS,
			SMTPUsername: "support@example.com", Active: true}
		if err := s.CreateMailbox(r.ctx, r.box, mb); err != nil {
			t.Fatal(err)
		}
		msg := r.ingest(mb, 1, model.MailIngest{MessageID: "cust-1@example.org", Subject: "Printer broken",
			From: model.MailAddress{Email: "anna@example.org"}, Text: "It does not print."})
		agent := r.agent()
		for _, text := range []string{"Please restart it.", "Did it help?"} {
			out, err := r.jobs.composer.Reply(agent, *msg.RequestID, outmail.Reply{Text: text})
			if err != nil {
				t.Fatal(err)
			}
			r.wait(out.ID, "sent", sentOK)
		}
		if n := len(smtp.Mails()); n != 2 {
			t.Fatalf("%d mails delivered, want 2", n)
		}
		if n := refreshes.Load(); n != 1 {
			t.Errorf("%d token refreshes for two mails, want 1", n)
		}
		got, err := store.Get[model.Mailbox](r.ctx, s, mb.ID)
		if err != nil {
			t.Fatal(err)
		}
		sec, err := store.OpenMailboxSecrets(r.box, got)
		if err != nil || sec.OAuthRefreshToken != "rt-2" {
			t.Errorf("refresh token after rotation: %q, %v", sec.OAuthRefreshToken, err)
		}
	})
}
