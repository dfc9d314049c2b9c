package auth

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"rapport/model"
)

// maxLoginKey bounds the bytes of an unknown login kept as a limiter key
// (e-mail addresses are at most 320), so long junk cannot bloat memory.
const maxLoginKey = 320

// checkCredentials runs check under the failure limits. It refuses without
// checking when the client IP or the account is at its limit (ERATELIMIT and
// how long to wait); a failed check counts against both, and a successful one
// withdraws the IP's attempt and clears the account's failures.
func (a *Authenticator) checkCredentials(r *http.Request, login string, check func() (*model.User, error)) (*model.User, time.Duration, error) {
	ipKey := RateKey(a.ClientAddr(r))
	if ok, wait := a.byIP.Acquire(ipKey); !ok {
		return nil, wait, tooMany()
	}
	accountKey := a.accountKey(r.Context(), login)
	if ok, wait := a.byAccount.Acquire(accountKey); !ok {
		a.byIP.Release(ipKey)
		return nil, wait, tooMany()
	}
	u, err := check()
	switch {
	case err == nil:
		a.byIP.Release(ipKey)
		a.byAccount.Reset(accountKey)
	case model.ErrorCode(err) != model.EUNAUTHORIZED: // our fault, not a guess
		a.byIP.Release(ipKey)
		a.byAccount.Release(accountKey)
	}
	return u, 0, err
}

func tooMany() error {
	return model.Errorf(model.ERATELIMIT, "too many failed sign-ins; try again later")
}

// accountKey names the account a login refers to, so that its e-mail and its
// username share one limit; unknown logins count under their own text.
func (a *Authenticator) accountKey(ctx context.Context, login string) string {
	if u, err := a.cfg.Store.UserByLogin(ctx, login); err == nil {
		return "user:" + u.ID
	}
	login = strings.ToLower(strings.TrimSpace(login))
	if len(login) > maxLoginKey {
		login = login[:maxLoginKey]
	}
	return "login:" + login
}

// RateKey is the per-address limiter key: the address itself for IPv4, its /64
// for IPv6, since one host commonly holds a whole /64.
func RateKey(ip string) string {
	parsed := net.ParseIP(ip)
	if parsed == nil || parsed.To4() != nil {
		return ip
	}
	return parsed.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// SetRetryAfter sets Retry-After to wait rounded up to whole seconds.
func SetRetryAfter(w http.ResponseWriter, wait time.Duration) {
	if wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
	}
}
