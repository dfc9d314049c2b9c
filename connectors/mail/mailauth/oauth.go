package mailauth

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"rapport/model"
)

// OAuth is a refresh-token grant for a mailbox that logs in with XOAUTH2 or
// OAUTHBEARER: the provider's token endpoint (model.OAuthProviders knows
// Gmail's and Microsoft 365's), the client registered with it, and the
// refresh token an administrator obtained once by consenting in a browser.
// A refresh asks for no scopes: the token keeps those consented to.
type OAuth struct {
	TokenURL     string
	ClientID     string
	ClientSecret string
	RefreshToken string

	// OnRefreshToken, when set, receives a new refresh token whenever the
	// provider rotates it (Microsoft does on every refresh), so that it
	// can be stored sealed for the next start.
	OnRefreshToken func(string)
}

// TokenSource returns a source of access tokens that refreshes them when
// they expire. ctx may carry the HTTP client (oauth2.HTTPClient; else one
// with a 30-second timeout, since a refresh happens during a login that
// must not hang) and must outlive the source: pass the manager's context,
// not a request's.
func (o OAuth) TokenSource(ctx context.Context) (oauth2.TokenSource, error) {
	if o.TokenURL == "" || o.ClientID == "" || strings.TrimSpace(o.RefreshToken) == "" {
		return nil, model.Errorf(model.EINVALID, "OAuth2 needs a token URL, a client id and a refresh token")
	}
	if _, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); !ok {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, &http.Client{Timeout: 30 * time.Second})
	}
	conf := &oauth2.Config{
		ClientID: o.ClientID, ClientSecret: o.ClientSecret,
		// Microsoft wants the client in the form; Google takes either.
		Endpoint: oauth2.Endpoint{TokenURL: o.TokenURL, AuthStyle: oauth2.AuthStyleInParams},
	}
	// conf.TokenSource caches the access token until it expires.
	src := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: o.RefreshToken})
	if o.OnRefreshToken != nil {
		src = &rotation{src: src, last: o.RefreshToken, notify: o.OnRefreshToken}
	}
	return src, nil
}

// rotation reports refresh tokens that differ from the last one seen.
type rotation struct {
	src    oauth2.TokenSource
	mu     sync.Mutex
	last   string
	notify func(string)
}

// Token implements oauth2.TokenSource.
func (r *rotation) Token() (*oauth2.Token, error) {
	tok, err := r.src.Token()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	changed := tok.RefreshToken != "" && tok.RefreshToken != r.last
	if changed {
		r.last = tok.RefreshToken
	}
	r.mu.Unlock()
	if changed {
		r.notify(tok.RefreshToken)
	}
	return tok, nil
}
