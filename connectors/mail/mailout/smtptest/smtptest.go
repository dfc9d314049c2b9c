// Package smtptest runs an in-process SMTP server (go-smtp) that captures
// what is sent, for tests of code that sends mail: STARTTLS or implicit TLS
// with a throw-away certificate, optional AUTH PLAIN or OAuth2 (XOAUTH2,
// OAUTHBEARER), and answers chosen per recipient.
package smtptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mail is one captured message.
type Mail struct {
	From string
	To   []string
	Data []byte
}

// Options shape the server.
type Options struct {
	// Implicit serves TLS from the first byte; otherwise STARTTLS is
	// offered (and required before AUTH).
	Implicit bool
	// Username and Password enable AUTH PLAIN and require it.
	Username, Password string
	// Token, with Username, enables AUTH XOAUTH2 and OAUTHBEARER instead,
	// requiring this bearer token.
	Token string
	// Mechanisms, when set, are the AUTH mechanisms offered (a subset of
	// the above).
	Mechanisms []string
	// Rcpt answers each RCPT TO; nil accepts everybody. Return an
	// *smtp.SMTPError to choose the code.
	Rcpt func(to string) error
}

// Server is a running capture server.
type Server struct {
	Host  string
	Port  int
	Roots *x509.CertPool // trusts the server's certificate

	opts Options
	mu   sync.Mutex
	mail []Mail
}

// Start runs a server on a loopback port until the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	cert, roots := selfSigned(t)
	s := &Server{opts: opts, Roots: roots}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	var l net.Listener
	var err error
	if opts.Implicit {
		l, err = tls.Listen("tcp", "127.0.0.1:0", srv.TLSConfig)
	} else {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().(*net.TCPAddr)
	s.Host, s.Port = "127.0.0.1", addr.Port
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// Mails returns what has been delivered so far.
func (s *Server) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mail...)
}

// session is one SMTP session.
type session struct {
	s      *Server
	authed bool
	cur    Mail
}

func (x *session) AuthMechanisms() []string {
	o := x.s.opts
	switch {
	case o.Username == "":
		return nil
	case o.Mechanisms != nil:
		return o.Mechanisms
	case o.Token != "":
		return []string{sasl.OAuthBearer, xoauth2}
	}
	return []string{sasl.Plain}
}

// xoauth2 is Google's and Microsoft's mechanism, which go-sasl lacks.
const xoauth2 = "XOAUTH2"

// errBadCredentials is the answer to a refused login.
var errBadCredentials = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}

func (x *session) Auth(mech string) (sasl.Server, error) {
	check := func(user, secret, want string) error {
		if user != x.s.opts.Username || secret != want {
			return errBadCredentials
		}
		x.authed = true
		return nil
	}
	switch mech {
	case sasl.OAuthBearer:
		return sasl.NewOAuthBearerServer(func(o sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			if check(o.Username, o.Token, x.s.opts.Token) != nil {
				return &sasl.OAuthBearerError{Status: "invalid_token", Schemes: "bearer"}
			}
			return nil
		}), nil
	case xoauth2:
		return &xoauth2Server{check: func(user, token string) error { return check(user, token, x.s.opts.Token) }}, nil
	}
	return sasl.NewPlainServer(func(_, user, pass string) error { return check(user, pass, x.s.opts.Password) }), nil
}

// xoauth2Server checks "user=U\x01auth=Bearer T\x01\x01". A refused token
// gets Google's JSON error as a challenge, then 535 once the client
// answers it (empty).
type xoauth2Server struct {
	check   func(user, token string) error
	refused bool
}

// Next implements sasl.Server.
func (a *xoauth2Server) Next(response []byte) ([]byte, bool, error) {
	switch {
	case a.refused:
		return nil, true, errBadCredentials
	case response == nil:
		return []byte{}, false, nil // no initial response: ask for it
	}
	var user, token string
	for _, field := range strings.Split(string(response), "\x01") {
		if v, ok := strings.CutPrefix(field, "user="); ok {
			user = v
		} else if v, ok := strings.CutPrefix(field, "auth=Bearer "); ok {
			token = v
		}
	}
	if a.check(user, token) != nil {
		a.refused = true
		return []byte(`{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`), false, nil
	}
	return nil, true, nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if x.s.opts.Username != "" && !x.authed {
		return smtp.ErrAuthRequired
	}
	x.cur = Mail{From: from}
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if x.s.opts.Rcpt != nil {
		if err := x.s.opts.Rcpt(to); err != nil {
			return err
		}
	}
	x.cur.To = append(x.cur.To, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.cur.Data = b
	x.s.mu.Lock()
	x.s.mail = append(x.s.mail, x.cur)
	x.s.mu.Unlock()
	return nil
}

func (x *session) Reset()        { x.cur = Mail{} }
func (x *session) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and localhost.
func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// ErrUnknownUser is a permanent "no such user" answer for Options.Rcpt.
var ErrUnknownUser = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}

// ErrTryLater is a temporary answer for Options.Rcpt.
var ErrTryLater = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
