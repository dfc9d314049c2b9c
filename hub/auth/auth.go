package auth

import (
	"crypto/subtle"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"rapport/hub/problem"
	"rapport/model"
	"rapport/model/store"
)

// SessionCookie names the browser session cookie.
const SessionCookie = "rapport_session"

// Config configures the authenticator.
type Config struct {
	Store         *store.Store
	SecureCookies bool // set the Secure flag on cookies (behind TLS)
	TrustProxy    bool // take the client IP from X-Forwarded-For
	Logger        *slog.Logger
	// Failed sign-ins allowed per account and per IP within FailureWindow
	// (defaults 5, 20 and 15 minutes).
	MaxFailuresPerAccount, MaxFailuresPerIP int
	FailureWindow                           time.Duration
}

// Authenticator resolves credentials to a model.Actor and serves sign-in.
type Authenticator struct {
	cfg       Config
	store     *store.Store
	byAccount *Limiter
	byIP      *Limiter
}

// New returns an authenticator with defaults applied.
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
	return &Authenticator{cfg: cfg, store: cfg.Store,
		byAccount: NewLimiter(cfg.MaxFailuresPerAccount, cfg.FailureWindow),
		byIP:      NewLimiter(cfg.MaxFailuresPerIP, cfg.FailureWindow)}
}

// Middleware authenticates API requests with a bearer token or the session
// cookie. Session requests with unsafe methods must carry the session's CSRF
// token in X-CSRF-Token. Portal users are refused on the staff API.
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, err := a.authenticate(r)
		if err != nil {
			if model.ErrorCode(err) == model.EUNAUTHORIZED {
				w.Header().Set("WWW-Authenticate", `Bearer realm="rapport"`)
			}
			problem.Write(w, r, err)
			return
		}
		if !actor.IsStaff() {
			problem.Errorf(w, r, model.EFORBIDDEN, "the staff API is not open to portal users")
			return
		}
		if safeMethod(r.Method) && !actor.HasScope(model.ScopeRead) {
			problem.Errorf(w, r, model.EFORBIDDEN, "this token may not read")
			return
		}
		next.ServeHTTP(w, r.WithContext(model.WithActor(r.Context(), actor)))
	})
}

// authenticate resolves a bearer token or a session cookie.
func (a *Authenticator) authenticate(r *http.Request) (model.Actor, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			return model.Actor{}, model.Errorf(model.EUNAUTHORIZED, "use Authorization: Bearer <token>")
		}
		u, tok, err := a.store.TokenAuth(ctx, strings.TrimSpace(token))
		if err != nil {
			return model.Actor{}, err
		}
		return a.store.ActorFor(ctx, u, tok.ScopeList())
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return model.Actor{}, model.Errorf(model.EUNAUTHORIZED, "sign in or send an API token")
	}
	u, sess, err := a.store.SessionAuth(ctx, c.Value)
	if err != nil {
		return model.Actor{}, err
	}
	if !safeMethod(r.Method) && !sameSecret(r.Header.Get("X-CSRF-Token"), sess.CSRFToken) {
		return model.Actor{}, model.Errorf(model.EFORBIDDEN, "missing or wrong X-CSRF-Token for this session")
	}
	return a.store.ActorFor(ctx, u, nil)
}

// BasicAppPassword authenticates with HTTP Basic: a username or e-mail and a
// per-device app password (DAV clients). Failures count toward the same
// per-IP and per-account limits as password sign-in.
func (a *Authenticator) BasicAppPassword(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		login, pass, ok := r.BasicAuth()
		ip := ClientIP(r, a.cfg.TrustProxy)
		if wait, limited := a.limited(ip, login); limited {
			a.tooMany(w, r, wait)
			return
		}
		if ok {
			if u, err := a.store.AppPasswordAuth(r.Context(), login, pass); err == nil {
				actor, err := a.store.ActorFor(r.Context(), u, nil)
				if err == nil {
					a.byAccount.Reset(accountKey(login))
					next.ServeHTTP(w, r.WithContext(model.WithActor(r.Context(), actor)))
					return
				}
			}
			a.failed(ip, login)
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="Rapport", charset="UTF-8"`)
		problem.Errorf(w, r, model.EUNAUTHORIZED, "sign in with your username and an app password")
	})
}

// limited reports whether ip or the account is over its failure limit.
func (a *Authenticator) limited(ip, login string) (time.Duration, bool) {
	if blocked, wait := a.byIP.Blocked(ip); blocked {
		return wait, true
	}
	if login != "" {
		if blocked, wait := a.byAccount.Blocked(accountKey(login)); blocked {
			return wait, true
		}
	}
	return 0, false
}

func (a *Authenticator) failed(ip, login string) {
	a.byIP.Fail(ip)
	if login != "" {
		a.byAccount.Fail(accountKey(login))
	}
}

func (a *Authenticator) tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
	problem.Errorf(w, r, model.ERATELIMIT, "too many failed sign-ins; try again later")
}

func accountKey(login string) string { return strings.ToLower(strings.TrimSpace(login)) }

// ClientIP returns the client's address: RemoteAddr's host, or the first
// X-Forwarded-For entry when the hub runs behind a trusted proxy.
func ClientIP(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			first, _, _ := strings.Cut(xff, ",")
			if ip := net.ParseIP(strings.TrimSpace(first)); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func sameSecret(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
