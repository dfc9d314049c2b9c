package webhook

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"rapport/model"
)

// DefaultTimeout is the whole-exchange timeout of a delivery (connect, TLS,
// request, response headers and the excerpt), as Standard Webhooks and Svix
// recommend.
const DefaultTimeout = 15 * time.Second

// maxURLLen bounds an endpoint URL; longer ones are refused by CheckURL.
const maxURLLen = 2048

// ClientOptions configures NewClient.
type ClientOptions struct {
	// Allow lists ranges that may be reached although they are refused by
	// default (tests on 127.0.0.1/32, on-premise targets in 10.0.0.0/8).
	Allow []netip.Prefix
	// Timeout bounds a whole exchange; zero means DefaultTimeout.
	Timeout time.Duration
}

// RefusedError is returned (wrapped in *url.Error and *net.OpError) when the
// dialer refuses an address. The refusal happens in the Control hook, after
// the socket is created and before connect, so no packet has been sent.
type RefusedError struct {
	// Addr is the resolved address that was refused.
	Addr netip.Addr
	// Reason names the refused range, e.g. "private network (RFC 1918)".
	Reason string
}

// Error implements the error interface.
func (e *RefusedError) Error() string {
	return fmt.Sprintf("webhook: refusing to connect to %s: %s", e.Addr, e.Reason)
}

type blockedRange struct {
	prefix netip.Prefix
	reason string
}

// blocked is checked in order; the first match gives the reason. IPv4-mapped,
// NAT64 and 6to4 IPv6 addresses are reduced to their IPv4 address first
// (refusedReason), so they are covered by the IPv4 rows.
var blocked = func() []blockedRange {
	rows := []struct{ p, reason string }{
		{"0.0.0.0/8", `"this network" (0.0.0.0/8)`},
		{"10.0.0.0/8", "private network (RFC 1918)"},
		{"100.64.0.0/10", "carrier-grade NAT (100.64.0.0/10)"},
		{"127.0.0.0/8", "loopback"},
		{"169.254.169.254/32", "cloud metadata service"},
		{"169.254.0.0/16", "link-local"},
		{"172.16.0.0/12", "private network (RFC 1918)"},
		{"192.0.0.0/24", "IETF protocol assignments (192.0.0.0/24)"},
		{"192.168.0.0/16", "private network (RFC 1918)"},
		{"198.18.0.0/15", "benchmarking network (198.18.0.0/15)"},
		{"224.0.0.0/4", "multicast"},
		{"255.255.255.255/32", "broadcast"},
		{"240.0.0.0/4", "reserved (240.0.0.0/4)"},
		{"::/128", "unspecified address"},
		{"::1/128", "loopback"},
		{"::/96", "IPv4-compatible IPv6 (deprecated)"},
		{"fd00:ec2::254/128", "cloud metadata service"},
		{"fc00::/7", "unique local address (fc00::/7)"},
		{"fe80::/10", "link-local"},
		{"fec0::/10", "site-local (deprecated)"},
		{"ff00::/8", "multicast"},
	}
	out := make([]blockedRange, len(rows))
	for i, r := range rows {
		out[i] = blockedRange{netip.MustParsePrefix(r.p), r.reason}
	}
	return out
}()

var (
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour   = netip.MustParsePrefix("2002::/16")
)

// embeddedIPv4 returns the IPv4 address that a: IPv4-mapped (::ffff:a.b.c.d),
// NAT64 (64:ff9b::a.b.c.d) or 6to4 (2002:AABB:CCDD::) address leads to,
// because a gateway on the way would forward to that IPv4 address.
func embeddedIPv4(a netip.Addr) (netip.Addr, bool) {
	switch {
	case a.Is4In6():
		return a.Unmap(), true
	case nat64Prefix.Contains(a):
		b := a.As16()
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(a):
		b := a.As16()
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}

// refusedReason says why a is refused, or "" when it may be reached.
func refusedReason(a netip.Addr, allow []netip.Prefix) string {
	a = a.WithZone("")
	if !a.IsValid() {
		return "invalid address"
	}
	for _, p := range allow {
		if p.Contains(a) {
			return ""
		}
	}
	if v4, ok := embeddedIPv4(a); ok {
		for _, p := range allow {
			if p.Contains(v4) {
				return ""
			}
		}
		if r := refusedReason4(v4); r != "" {
			if a.Is4In6() {
				return "IPv4-mapped " + r
			}
			return "IPv6 address embedding IPv4 " + r
		}
		return ""
	}
	return refusedReason4(a)
}

func refusedReason4(a netip.Addr) string {
	for _, b := range blocked {
		if b.prefix.Contains(a) {
			return b.reason
		}
	}
	return ""
}

// controlFunc builds the net.Dialer.Control hook. It runs for every resolved
// address after socket() and before connect(), so a refusal sends nothing,
// and a name that resolves to a public address when the endpoint is created
// and to a private one later (DNS rebinding) is still refused.
func controlFunc(allow []netip.Prefix) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return &RefusedError{Reason: "unparsable address " + strconv.Quote(address)}
		}
		if r := refusedReason(ap.Addr(), allow); r != "" {
			return &RefusedError{Addr: ap.Addr(), Reason: r}
		}
		return nil
	}
}

func newDialer(opt ClientOptions) *net.Dialer {
	return &net.Dialer{
		Timeout:   timeoutOf(opt),
		KeepAlive: 30 * time.Second,
		Control:   controlFunc(opt.Allow),
	}
}

func timeoutOf(opt ClientOptions) time.Duration {
	if opt.Timeout <= 0 {
		return DefaultTimeout
	}
	return opt.Timeout
}

// NewClient returns an HTTP client for webhook egress. Its dialer refuses,
// at connect time and for the resolved address, unless the address is inside
// one of opt.Allow: loopback, unspecified, RFC 1918, link-local
// (169.254.0.0/16, fe80::/10), CGNAT (100.64.0.0/10), cloud metadata
// (169.254.169.254, fd00:ec2::254), IPv6 ULA (fc00::/7), multicast,
// broadcast, 0.0.0.0/8, 192.0.0.0/24, 198.18.0.0/15, 240.0.0.0/4, and IPv6
// addresses that lead to such an IPv4 address (IPv4-mapped ::ffff:0:0/96,
// NAT64 64:ff9b::/96, 6to4 2002::/16, IPv4-compatible ::/96). The refusal is
// a *RefusedError in the returned error's chain.
//
// Redirects are never followed (the 3xx response is returned), and no proxy
// is used whatever the environment says: a proxy would connect on our behalf
// to addresses the dialer never sees.
func NewClient(opt ClientOptions) *http.Client {
	return newClient(opt, newDialer(opt))
}

// newClient lets tests wrap the dialer's Control hook with a guard.
func newClient(opt ClientOptions, d *net.Dialer) *http.Client {
	tr := &http.Transport{
		Proxy:                  nil,
		DialContext:            d.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           256,
		MaxIdleConnsPerHost:    32,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeoutOf(opt),
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// CheckURL validates an endpoint URL when it is created or changed: http or
// https only, a host, no user info, a valid port, and a literal IP address
// must not be refused (see NewClient) unless allowed. "localhost" and names
// under ".localhost" always mean loopback (RFC 6761) and are treated like
// 127.0.0.1 and ::1. Numeric-looking host names such as "2130706433" or
// "0x7f.1", which some resolvers turn into IPv4 addresses, are refused. Other
// host names are accepted: their addresses are checked at connect time.
// Errors are *model.Error with EINVALID.
func CheckURL(raw string, allow []netip.Prefix) error {
	if raw == "" {
		return model.Errorf(model.EINVALID, "webhook URL is required")
	}
	if len(raw) > maxURLLen {
		return model.Errorf(model.EINVALID, "webhook URL is longer than %d characters", maxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return model.Errorf(model.EINVALID, "webhook URL is not a valid URL")
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	case "":
		return model.Errorf(model.EINVALID, "webhook URL must be absolute (http:// or https://)")
	default:
		return model.Errorf(model.EINVALID, "webhook URL scheme %q is not allowed: use http or https", u.Scheme)
	}
	if u.User != nil {
		return model.Errorf(model.EINVALID, "webhook URL must not contain user info; use a custom header for credentials")
	}
	host := u.Hostname()
	if host == "" || u.Opaque != "" {
		return model.Errorf(model.EINVALID, "webhook URL has no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return model.Errorf(model.EINVALID, "webhook URL port %q is out of range", p)
		}
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if r := refusedReason(a, allow); r != "" {
			return model.Errorf(model.EINVALID, "webhook URL address %s is not allowed: %s", a.WithZone(""), r)
		}
		return nil
	}
	if strings.HasPrefix(u.Host, "[") {
		return model.Errorf(model.EINVALID, "webhook URL has an invalid IPv6 address")
	}
	name := strings.TrimSuffix(strings.ToLower(host), ".")
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		if refusedReason(netip.IPv6Loopback(), allow) != "" && refusedReason(netip.MustParseAddr("127.0.0.1"), allow) != "" {
			return model.Errorf(model.EINVALID, "webhook URL host %q is loopback and not allowed", host)
		}
		return nil
	}
	if numericHost(name) {
		return model.Errorf(model.EINVALID, "webhook URL host %q looks like a numeric address; write the address in standard form", host)
	}
	return nil
}

// numericHost reports whether the last label of name is numeric (decimal or
// 0x hex): no top-level domain is, and inet_aton-style resolvers read such
// names ("2130706433", "0x7f.1", "127.1") as IPv4 addresses.
func numericHost(name string) bool {
	label := name[strings.LastIndexByte(name, '.')+1:]
	if label == "" {
		return false
	}
	if strings.HasPrefix(label, "0x") {
		label = label[2:]
		if label == "" {
			return true
		}
		for _, c := range label {
			if !strings.ContainsRune("0123456789abcdef", c) {
				return false
			}
		}
		return true
	}
	for _, c := range label {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// ParseAllowCIDRs parses the comma-separated --webhook-allow-cidrs setting
// (RAPPORT_WEBHOOK_ALLOW_CIDRS): CIDR prefixes such as "10.1.0.0/16, fd12::/48"
// or bare addresses, which mean that single address. Empty entries are
// ignored; an empty string gives no prefixes. Errors are *model.Error with
// EINVALID naming the bad entry.
func ParseAllowCIDRs(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if strings.Contains(part, "/") {
			p, err := netip.ParsePrefix(part)
			if err != nil {
				return nil, model.Errorf(model.EINVALID, "webhook allow CIDRs: %q is not a CIDR prefix", part)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil || a.Zone() != "" {
			return nil, model.Errorf(model.EINVALID, "webhook allow CIDRs: %q is not a CIDR prefix or address", part)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// refusal returns the *RefusedError in err's chain, if any.
func refusal(err error) (*RefusedError, bool) {
	var re *RefusedError
	ok := errors.As(err, &re)
	return re, ok
}
