package auth

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"rapport/hub/problem"
	"rapport/model"
	"rapport/model/store"
)

// SessionCookie names the browser session cookie.
const SessionCookie = "rapport_session"

// CSRFHeader carries a session's CSRF token on unsafe API requests.
const CSRFHeader = "X-CSRF-Token"

// Challenges sent with 401 answers.
const (
	bearerChallenge = `Bearer realm="rapport"`
	basicChallenge  = `Basic realm="Rapport", charset="UTF-8"`
)

// Config for the authenticator.
type Config struct {
	Store         *store.Store
	SecureCookies bool // set the Secure flag on cookies (true behind TLS; cmd decides)
	// TrustProxy takes the client IP from X-Forwarded-For (the rightmost
	// address, the one the proxy appended). Set it only when every request
	// comes through a proxy that sets the header; otherwise clients could
	// pick their own IP and dodge the per-IP limit.
	TrustProxy bool
	// DAVAccountPasswords lets DAV clients sign in with the account password
	// too, not only with app passwords (off by default: a device should get
	// its own revocable password).
	DAVAccountPasswords bool
	Logger              *slog.Logger
	// Rate limits for password and app-password failures, per process
	// (defaults when zero: 5 per account and 20 per IP in 15 minutes).
	MaxFailuresPerAccount, MaxFailuresPerIP int
	FailureWindow                           time.Duration
}

// Authenticator resolves credentials to a model.Actor and serves sign-in.
type Authenticator struct {
	cfg       Config
	byAccount *Limiter
	byIP      *Limiter
	page      LoginRenderer // draws the sign-in page; nil: the built-in form
}

// New returns an authenticator with the defaults applied to cfg.
func New(cfg Config) *Authenticator {
	if cfg.MaxFailuresPerAccount <= 0 {
		cfg.MaxFailuresPerAccount = 5
	}
	if cfg.MaxFailuresPerIP <= 0 {
		cfg.MaxFailuresPerIP = 20
	}
	if cfg.FailureWindow <= 0 {
		cfg.FailureWindow = 15 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Authenticator{cfg: cfg,
		byAccount: NewLimiter(cfg.MaxFailuresPerAccount, cfg.FailureWindow),
		byIP:      NewLimiter(cfg.MaxFailuresPerIP, cfg.FailureWindow)}
}

// Middleware authenticates API requests: "Authorization: Bearer rpt_..."
// (scopes from the token) or the session cookie (no scope list). Session
// requests with an unsafe method must carry the session's CSRF token in
// X-CSRF-Token. Tokens without read scope may not GET or HEAD, and portal
// users are refused on the staff API. Without valid credentials the answer
// is 401 with a Bearer challenge; on success the actor and the client IP are
// in the request context (model.ActorFrom, ClientIP).
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, err := a.apiActor(r)
		if err != nil {
			refuse(w, r, err, bearerChallenge)
			return
		}
		next.ServeHTTP(w, r.WithContext(a.signedIn(r, actor)))
	})
}

// apiActor authenticates r and applies the staff API's admission rules.
func (a *Authenticator) apiActor(r *http.Request) (model.Actor, error) {
	actor, err := a.authenticate(r)
	switch {
	case err != nil:
		return model.Actor{}, err
	case !actor.IsStaff():
		return model.Actor{}, model.Errorf(model.EFORBIDDEN, "the staff API is not open to portal users")
	case readMethod(r.Method) && !actor.HasScope(model.ScopeRead):
		return model.Actor{}, model.Errorf(model.EFORBIDDEN, "this token may not read")
	}
	return actor, nil
}

// authenticate resolves a bearer token or else the session cookie.
func (a *Authenticator) authenticate(r *http.Request) (model.Actor, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		return a.bearer(r, h)
	}
	u, sess, err := a.session(r)
	if model.ErrorCode(err) == model.EUNAUTHORIZED {
		return model.Actor{}, model.Errorf(model.EUNAUTHORIZED, "sign in or send an API token")
	}
	if err != nil {
		return model.Actor{}, err
	}
	if !readMethod(r.Method) && r.Method != http.MethodOptions && !sameSecret(r.Header.Get(CSRFHeader), sess.CSRFToken) {
		return model.Actor{}, model.Errorf(model.EFORBIDDEN, "missing or wrong %s for this session", CSRFHeader)
	}
	return a.cfg.Store.ActorFor(r.Context(), u, nil)
}

// bearer resolves an Authorization header holding a bearer token.
func (a *Authenticator) bearer(r *http.Request, header string) (model.Actor, error) {
	scheme, token, _ := strings.Cut(header, " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return model.Actor{}, model.Errorf(model.EUNAUTHORIZED, "use Authorization: Bearer <token>")
	}
	u, tok, err := a.cfg.Store.TokenAuth(r.Context(), token)
	if err != nil {
		return model.Actor{}, err
	}
	return a.cfg.Store.ActorFor(r.Context(), u, tok.ScopeList())
}

// session resolves the session cookie.
func (a *Authenticator) session(r *http.Request) (*model.User, *model.Session, error) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil, model.Errorf(model.EUNAUTHORIZED, "no session")
	}
	return a.cfg.Store.SessionAuth(r.Context(), c.Value)
}

// BasicAppPassword authenticates with HTTP Basic: a username or e-mail and a
// per-device app password (for DAV clients). Failures count toward the same
// per-IP and per-account limits as password sign-in (429 with Retry-After
// when over). Without valid credentials the answer is 401 with a Basic
// challenge; on success the actor, the user (UserFrom) and the client IP
// are in the context.
func (a *Authenticator) BasicAppPassword(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, u, wait, err := a.basicActor(r)
		if err != nil {
			SetRetryAfter(w, wait)
			refuse(w, r, err, basicChallenge)
			return
		}
		ctx := context.WithValue(a.signedIn(r, actor), userKey{}, u)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

type userKey struct{}

// UserFrom returns the user BasicAppPassword signed in, as loaded then.
func UserFrom(ctx context.Context) (*model.User, bool) {
	u, ok := ctx.Value(userKey{}).(*model.User)
	return u, ok
}

func (a *Authenticator) basicActor(r *http.Request) (model.Actor, *model.User, time.Duration, error) {
	login, password, ok := r.BasicAuth()
	if !ok {
		return model.Actor{}, nil, 0, model.Errorf(model.EUNAUTHORIZED, "sign in with your username and an app password")
	}
	u, wait, err := a.checkCredentials(r, login, func() (*model.User, error) {
		u, err := a.cfg.Store.AppPasswordAuth(r.Context(), login, password)
		if a.cfg.DAVAccountPasswords && model.ErrorCode(err) == model.EUNAUTHORIZED {
			return a.cfg.Store.CheckLogin(r.Context(), login, password)
		}
		return u, err
	})
	if err != nil {
		return model.Actor{}, nil, wait, err
	}
	// A device password reads and writes the user's data but never carries
	// admin powers, whatever the user's role.
	actor, err := a.cfg.Store.ActorFor(r.Context(), u, []string{model.ScopeRead, model.ScopeWrite})
	return actor, u, 0, err
}

// refuse writes err as a problem, with challenge on 401 answers.
func refuse(w http.ResponseWriter, r *http.Request, err error, challenge string) {
	if model.ErrorCode(err) == model.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", challenge)
	}
	problem.Write(w, r, err)
}

// signedIn returns r's context carrying actor and the client IP.
func (a *Authenticator) signedIn(r *http.Request, actor model.Actor) context.Context {
	return withClientIP(model.WithActor(r.Context(), actor), a.ClientAddr(r))
}

// readMethod reports whether m only reads (what the read scope allows).
func readMethod(m string) bool { return m == http.MethodGet || m == http.MethodHead }

// sameSecret compares a presented secret with the expected one in constant time.
func sameSecret(got, want string) bool {
	return got != "" && want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
