package webhook

import (
	"net/netip"
	"testing"
	"time"
)

// FuzzCheckURL: endpoint URLs are untrusted; CheckURL must never panic and
// must never accept a literal address that the dialer would refuse.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{"https://example.com/x", "http://[::ffff:10.0.0.1]/", "http://0x7f.1/",
		"http://[fe80::1%25eth0]:80/", "http://localhost./", "ftp://a", "http://a:99999/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if CheckURL(s, nil) != nil {
			return
		}
		if err := checkSendURL(s); err != nil {
			t.Fatalf("CheckURL accepts %q but Send refuses it: %v", s, err)
		}
	})
}

// FuzzParsers: secrets, allow lists, schedules and Retry-After come from
// users or receivers; their parsers must never panic.
func FuzzParsers(f *testing.F) {
	for _, s := range []string{"whsec_AAAA", "10.0.0.0/8,::1", "0,5s", "Fri, 02 Jan 2026 03:05:05 GMT", "7"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if k, err := ParseSecret(s); err == nil && (len(k) < MinSecretBytes || len(k) > MaxSecretBytes) {
			t.Fatalf("secret of %d bytes accepted", len(k))
		}
		if ps, err := ParseAllowCIDRs(s); err == nil {
			for _, p := range ps {
				if !p.IsValid() || p != p.Masked() {
					t.Fatalf("prefix %v", p)
				}
			}
		}
		_, _ = ParseSchedule(s)
		if d := parseRetryAfter(s, time.Unix(1700000000, 0)); d < 0 || d > MaxRetryAfter {
			t.Fatalf("Retry-After %v", d)
		}
		if a, err := netip.ParseAddr(s); err == nil {
			_ = refusedReason(a, nil)
		}
	})
}
