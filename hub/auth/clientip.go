package auth

import (
	"context"
	"net"
	"net/http"
	"strings"
)

type clientIPKey struct{}

// ClientIP returns the request's client address. Behind Middleware or
// BasicAppPassword it is the address the Authenticator resolved, which comes
// from X-Forwarded-For only when Config.TrustProxy is set; elsewhere it is
// RemoteAddr's host. ClientIP itself never trusts X-Forwarded-For.
func ClientIP(r *http.Request) string {
	if ip, ok := r.Context().Value(clientIPKey{}).(string); ok {
		return ip
	}
	return remoteHost(r)
}

func withClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

// ClientAddr resolves the client address of any request under the
// configured proxy trust (X-Forwarded-For only with Config.TrustProxy).
func (a *Authenticator) ClientAddr(r *http.Request) string {
	if a.cfg.TrustProxy {
		if ip := lastForwarded(r.Header.Values("X-Forwarded-For")); ip != "" {
			return ip
		}
	}
	return ClientIP(r)
}

// lastForwarded returns the rightmost valid address of X-Forwarded-For: the
// one our proxy appended. The entries to its left come from the client.
func lastForwarded(headers []string) string {
	if len(headers) == 0 {
		return ""
	}
	list := strings.Split(headers[len(headers)-1], ",")
	ip := net.ParseIP(strings.TrimSpace(list[len(list)-1]))
	if ip == nil {
		return ""
	}
	return ip.String()
}

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
