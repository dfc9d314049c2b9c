package mailout

import (
	"context"
	"crypto"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"golang.org/x/oauth2"

	"rapport/connectors/mail/mailauth"
)

// TLS modes of an SMTP server.
const (
	TLSImplicit = "implicit" // TLS from the first byte (port 465)
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS (port 587)
	TLSPlain    = "plain"    // no TLS: loopback servers only
)

// Server is an SMTP submission server.
type Server struct {
	Host     string
	Port     int
	TLS      string // TLSImplicit, TLSStartTLS or TLSPlain
	Username string // empty: no AUTH
	Password string
	// TokenSource, when set, logs in with an OAuth2 access token instead of
	// Password: OAUTHBEARER where the server offers it, else XOAUTH2 (Gmail,
	// Microsoft 365). It should cache its token (mailauth.OAuth.TokenSource
	// does): every session asks it.
	TokenSource oauth2.TokenSource
	// LocalName is the name given in EHLO; "localhost" when empty.
	LocalName string
	// TLSConfig overrides the default TLS settings (tests: RootCAs).
	TLSConfig *tls.Config
	Timeout   time.Duration // for the whole session; 2 minutes when zero
}

// DKIM is a signing identity: the key whose public half is published at
// Selector._domainkey.Domain.
type DKIM struct {
	Domain   string
	Selector string
	Key      crypto.Signer // *rsa.PrivateKey or ed25519.PrivateKey
}

// Sender delivers messages through one server.
type Sender struct {
	Server Server
	DKIM   *DKIM // nil: no signature
	// SpoolDir holds messages while they are sent; os.TempDir() when empty.
	SpoolDir string
}

// Result says what the server accepted.
type Result struct {
	// Refused are the recipients the server refused for good while it took
	// the mail for the others (5xx to RCPT).
	Refused []string
	// Reply is the server's answer to the message's data ("250 2.0.0 Ok: queued as ...").
	Reply string
}

// Error is a failed delivery.
type Error struct {
	// Permanent is true when retrying cannot help: the server refused the
	// sender, every recipient or the message with a 5xx, or the message
	// could not be written at all.
	Permanent bool
	Err       error
}

func (e *Error) Error() string { return "mailout: " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Permanent reports whether err is a delivery failure not worth retrying.
func Permanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent
}

// Send writes m, signs it when configured, and delivers it.
func (s *Sender) Send(ctx context.Context, m *Message) (*Result, error) {
	spool, err := s.spool(m)
	if err != nil {
		return nil, err
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	return s.deliver(ctx, m.From.Address, m.recipients(), spool)
}

// spool writes the message to a temporary file, with its DKIM signature
// in front when configured, and rewinds it.
func (s *Sender) spool(m *Message) (*os.File, error) {
	f, err := os.CreateTemp(s.SpoolDir, "rapport-mailout-*.eml")
	if err != nil {
		return nil, &Error{Err: fmt.Errorf("spool: %w", err)}
	}
	fail := func(err error) (*os.File, error) {
		f.Close()
		os.Remove(f.Name())
		return nil, &Error{Permanent: true, Err: err}
	}
	var signer *dkim.Signer
	var w io.Writer = f
	if s.DKIM != nil {
		signer, err = dkim.NewSigner(&dkim.SignOptions{Domain: s.DKIM.Domain, Selector: s.DKIM.Selector,
			Signer: s.DKIM.Key, HeaderCanonicalization: dkim.CanonicalizationRelaxed,
			BodyCanonicalization: dkim.CanonicalizationRelaxed})
		if err != nil {
			return fail(fmt.Errorf("dkim: %w", err))
		}
		w = io.MultiWriter(f, signer)
	}
	if err := Write(w, m); err != nil {
		return fail(err)
	}
	if signer != nil {
		if err := signer.Close(); err != nil {
			return fail(fmt.Errorf("dkim: %w", err))
		}
		if f, err = prepend(f, signer.Signature(), s.SpoolDir); err != nil {
			return fail(err)
		}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fail(err)
	}
	return f, nil
}

// prepend returns a new spool file holding head then the content of f,
// removing f.
func prepend(f *os.File, head, dir string) (*os.File, error) {
	defer os.Remove(f.Name())
	defer f.Close()
	out, err := os.CreateTemp(dir, "rapport-mailout-*.eml")
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err == nil {
		if _, err = io.WriteString(out, head); err == nil {
			_, err = io.Copy(out, f)
		}
	}
	if err != nil {
		out.Close()
		os.Remove(out.Name())
		return nil, err
	}
	return out, nil
}

// deliver runs one SMTP session.
func (s *Sender) deliver(ctx context.Context, from string, to []string, body io.Reader) (*Result, error) {
	c, err := s.dial(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if err := s.auth(c); err != nil {
		return nil, err
	}
	if err := c.Mail(from, nil); err != nil {
		return nil, smtpError("MAIL FROM", err)
	}
	res := &Result{}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt, nil); err != nil {
			if !Permanent(smtpError("", err)) {
				return nil, smtpError("RCPT TO "+rcpt, err)
			}
			res.Refused = append(res.Refused, rcpt)
		}
	}
	if len(res.Refused) == len(to) {
		return res, &Error{Permanent: true, Err: fmt.Errorf("the server refused every recipient: %v", res.Refused)}
	}
	if res.Reply, err = sendData(c, body); err != nil {
		return nil, err
	}
	_ = c.Quit()
	return res, nil
}

func sendData(c *smtp.Client, body io.Reader) (string, error) {
	wc, err := c.Data()
	if err != nil {
		return "", smtpError("DATA", err)
	}
	if _, err := io.Copy(wc, body); err != nil {
		return "", smtpError("DATA", err)
	}
	resp, err := wc.CloseWithResponse()
	if err != nil {
		return "", smtpError("DATA", err)
	}
	return resp.StatusText, nil
}

// dial connects with the context's deadline over the configured TLS mode.
func (s *Sender) dial(ctx context.Context) (*smtp.Client, error) {
	srv := s.Server
	if srv.TLS == TLSPlain && !mailauth.Loopback(srv.Host) {
		return nil, &Error{Permanent: true, Err: fmt.Errorf("plain SMTP is allowed to loopback servers only, not %s", srv.Host)}
	}
	timeout := srv.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addr := net.JoinHostPort(srv.Host, strconv.Itoa(srv.Port))
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, &Error{Err: fmt.Errorf("connect %s: %w", addr, err)}
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	tlsConfig := s.tlsConfig()
	var c *smtp.Client
	switch srv.TLS {
	case TLSImplicit:
		c = smtp.NewClient(tls.Client(conn, tlsConfig))
	case TLSStartTLS:
		c, err = smtp.NewClientStartTLS(conn, tlsConfig)
	case TLSPlain:
		c = smtp.NewClient(conn)
	default:
		err = fmt.Errorf("unknown TLS mode %q", srv.TLS)
	}
	if err != nil {
		conn.Close()
		return nil, &Error{Err: fmt.Errorf("%s: %w", addr, err)}
	}
	if err := c.Hello(cmpOr(srv.LocalName, "localhost")); err != nil {
		c.Close()
		return nil, smtpError("EHLO", err)
	}
	return c, nil
}

func (s *Sender) tlsConfig() *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.Server.TLSConfig != nil {
		cfg = s.Server.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = s.Server.Host
	}
	return cfg
}

// auth logs in when a user name is configured: with the OAuth2 token when
// there is a source, else PLAIN or LOGIN.
func (s *Sender) auth(c *smtp.Client) error {
	if s.Server.Username == "" {
		return nil
	}
	client, err := s.saslClient(c)
	if err != nil {
		return err
	}
	if err := c.Auth(client); err != nil {
		if x, ok := client.(*mailauth.XOAuth2Client); ok && x.Failure() != "" {
			err = fmt.Errorf("%w (%s)", err, x.Failure())
		}
		// OAUTHBEARER's refusal is the server's error report, which the
		// client returns before the server's 5xx.
		if bearerErr := (*sasl.OAuthBearerError)(nil); errors.As(err, &bearerErr) {
			return &Error{Permanent: true, Err: fmt.Errorf("AUTH: %w", err)}
		}
		return smtpError("AUTH", err)
	}
	return nil
}

// saslClient picks the login mechanism among those the server offers.
func (s *Sender) saslClient(c *smtp.Client) (sasl.Client, error) {
	srv := s.Server
	if srv.TokenSource == nil {
		switch {
		case c.SupportsAuth(sasl.Plain):
			return sasl.NewPlainClient("", srv.Username, srv.Password), nil
		case c.SupportsAuth(sasl.Login):
			return sasl.NewLoginClient(srv.Username, srv.Password), nil
		}
		return nil, &Error{Permanent: true, Err: errors.New("the server offers neither AUTH PLAIN nor LOGIN")}
	}
	// A refused refresh is not permanent: an administrator may renew the
	// mailbox's consent before the attempts run out.
	tok, err := srv.TokenSource.Token()
	if err != nil {
		return nil, &Error{Err: fmt.Errorf("refreshing the OAuth2 token: %w", err)}
	}
	switch {
	case c.SupportsAuth(sasl.OAuthBearer):
		return sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: srv.Username, Token: tok.AccessToken,
			Host: srv.Host, Port: srv.Port}), nil
	case c.SupportsAuth("XOAUTH2"):
		return mailauth.NewXOAuth2Client(srv.Username, tok.AccessToken), nil
	}
	return nil, &Error{Permanent: true, Err: errors.New("the server offers neither AUTH OAUTHBEARER nor XOAUTH2")}
}

// smtpError wraps a session error: 5xx answers are permanent, the rest
// (4xx, network) worth a retry.
func smtpError(step string, err error) error {
	var se *smtp.SMTPError
	permanent := errors.As(err, &se) && se.Code >= 500
	if step != "" {
		err = fmt.Errorf("%s: %w", step, err)
	}
	return &Error{Permanent: permanent, Err: err}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
