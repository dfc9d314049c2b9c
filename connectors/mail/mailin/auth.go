package mailin

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
	"golang.org/x/oauth2"

	"rapport/connectors/mail/mailauth"
)

// ErrAuth marks an error as an authentication failure: the server refused
// the credentials, or the OAuth2 provider refused the refresh token.
// Retrying cannot help until somebody changes the mailbox, so a supervisor
// stops on it (StateAuthFailed). Test with errors.Is.
var ErrAuth = errors.New("authentication failed")

// authError wraps err so that errors.Is(err, ErrAuth) holds.
func authError(err error) error {
	return fmt.Errorf("%w: %w", ErrAuth, err)
}

// login authenticates c with the configured method.
func login(c *imapclient.Client, cfg *Config) error {
	method := authMethod(cfg, c.Caps())
	if method == AuthPassword {
		return classifyAuth(passwordLogin(c, cfg))
	}
	tok, err := cfg.TokenSource.Token()
	if err != nil {
		return tokenError(err)
	}
	if method == AuthOAuthBearer {
		return classifyAuth(c.Authenticate(sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{
			Username: cfg.Username, Token: tok.AccessToken, Host: cfg.Host, Port: cfg.Port,
		})))
	}
	x := mailauth.NewXOAuth2Client(cfg.Username, tok.AccessToken)
	err = c.Authenticate(x)
	if err != nil && x.Failure() != "" {
		err = fmt.Errorf("%w (%s)", err, x.Failure())
	}
	return classifyAuth(err)
}

// authMethod resolves an empty Config.Auth against what the server offers.
func authMethod(cfg *Config, caps imap.CapSet) string {
	switch {
	case cfg.Auth != "":
		return cfg.Auth
	case cfg.TokenSource == nil:
		return AuthPassword
	case caps.Has(imap.AuthCap(sasl.OAuthBearer)):
		return AuthOAuthBearer
	default:
		return AuthXOAuth2
	}
}

// passwordLogin uses LOGIN, or AUTHENTICATE PLAIN where the server has
// disabled LOGIN.
func passwordLogin(c *imapclient.Client, cfg *Config) error {
	if c.Caps().Has(imap.CapLoginDisabled) {
		return c.Authenticate(sasl.NewPlainClient("", cfg.Username, cfg.Password))
	}
	return c.Login(cfg.Username, cfg.Password).Wait()
}

// classifyAuth marks the server's refusal (a tagged NO or BAD, or a SASL
// error answer) as ErrAuth. Anything else, such as a dropped connection,
// and the refusals that RFC 5530 calls temporary (the server's password
// backend is down, too many connections), are worth retrying.
func classifyAuth(err error) error {
	var imapErr *imap.Error
	var bearerErr *sasl.OAuthBearerError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &imapErr) && transient[imapErr.Code]:
		return fmt.Errorf("logging in: %w", err)
	case errors.As(err, &imapErr), errors.As(err, &bearerErr):
		return authError(err)
	default:
		return fmt.Errorf("logging in: %w", err)
	}
}

// transient are the response codes of a login refusal that may pass.
var transient = map[imap.ResponseCode]bool{
	imap.ResponseCodeUnavailable: true,
	imap.ResponseCodeServerBug:   true,
	imap.ResponseCodeLimit:       true,
	imap.ResponseCodeInUse:       true,
}

// tokenError marks a refresh the provider refused (400 invalid_grant, 401)
// as ErrAuth; an unreachable provider is retried.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil &&
		(re.Response.StatusCode == http.StatusBadRequest || re.Response.StatusCode == http.StatusUnauthorized) {
		return authError(fmt.Errorf("refreshing the OAuth2 token: %w", err))
	}
	return fmt.Errorf("refreshing the OAuth2 token: %w", err)
}
