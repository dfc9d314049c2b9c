package mailout

import (
	"context"
	"errors"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"rapport/connectors/mail/mailout/smtptest"
)

// failingSource is a token endpoint that refuses the refresh.
type failingSource struct{}

func (failingSource) Token() (*oauth2.Token, error) { return nil, errors.New("invalid_grant") }

// TestSendOAuth logs in with an access token: OAUTHBEARER where offered,
// else XOAUTH2, and says why when the server or the provider refuses.
func TestSendOAuth(t *testing.T) {
	ctx := context.Background()
	oauthSender := func(srv *smtptest.Server, token string) *Sender {
		s := sender(srv, TLSStartTLS)
		s.Server.Password, s.Server.TokenSource = "", oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token})
		return s
	}
	for _, mech := range []string{"OAUTHBEARER", "XOAUTH2"} {
		t.Run(mech, func(t *testing.T) {
			srv := smtptest.Start(t, smtptest.Options{Username: "agent", Token: "ya29.good", Mechanisms: []string{mech}})
			if _, err := oauthSender(srv, "ya29.good").Send(ctx, sample()); err != nil {
				t.Fatal(err)
			}
			if n := len(srv.Mails()); n != 1 {
				t.Fatalf("%d mails delivered", n)
			}
			_, err := oauthSender(srv, "ya29.expired").Send(ctx, sample())
			if !Permanent(err) {
				t.Fatalf("a refused token: err = %v", err)
			}
			if mech == "XOAUTH2" && !strings.Contains(err.Error(), `"status":"401"`) {
				t.Errorf("the server's XOAUTH2 error report is not in %q", err)
			}
		})
	}
	t.Run("both offered: OAUTHBEARER", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.Options{Username: "agent", Token: "tok"})
		if _, err := oauthSender(srv, "tok").Send(ctx, sample()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("server without OAuth2", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.Options{Username: "agent", Password: "secret"})
		_, err := oauthSender(srv, "tok").Send(ctx, sample())
		if !Permanent(err) || !strings.Contains(err.Error(), "neither AUTH OAUTHBEARER nor XOAUTH2") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("refresh refused is worth retrying", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.Options{Username: "agent", Token: "tok"})
		s := oauthSender(srv, "")
		s.Server.TokenSource = failingSource{}
		_, err := s.Send(ctx, sample())
		if err == nil || Permanent(err) || !strings.Contains(err.Error(), "invalid_grant") {
			t.Fatalf("err = %v", err)
		}
	})
}
