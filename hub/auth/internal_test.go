package auth

import (
	"net/http/httptest"
	"testing"
	"time"
)

func TestLocalPath(t *testing.T) {
	checkTable(t, "localPath", localPath, map[string]string{
		"":                       "/",
		"/":                      "/",
		"/api/v1/contacts?q=a":   "/api/v1/contacts?q=a",
		"/a/b#frag":              "/a/b#frag",
		"//evil.example":         "/",
		"///evil.example":        "/",
		"https://evil.example":   "/",
		"javascript:alert(1)":    "/",
		"/\\evil.example":        "/",
		"\\\\evil.example":       "/",
		"/\t/evil.example":       "/",
		"/\n/evil.example":       "/",
		"evil.example":           "/",
		"/%2F%2Fevil.example":    "/%2F%2Fevil.example", // a path on this site
		" /leading-space":        "/",
		"/ok/../still-local?x=1": "/ok/../still-local?x=1",
	})
}

func TestClientIP(t *testing.T) {
	tests := []struct {
		name       string
		trustProxy bool
		remote     string
		xff        []string
		want       string
	}{
		{"remote address", false, "192.0.2.7:5555", nil, "192.0.2.7"},
		{"forwarded header ignored without trust", false, "192.0.2.7:5555", []string{"203.0.113.9"}, "192.0.2.7"},
		{"trusted proxy: rightmost entry", true, "10.0.0.1:80", []string{"198.51.100.1, 203.0.113.9"}, "203.0.113.9"},
		{"trusted proxy: last header", true, "10.0.0.1:80", []string{"198.51.100.1", "203.0.113.9"}, "203.0.113.9"},
		{"trusted proxy: garbage", true, "10.0.0.1:80", []string{"not an ip"}, "10.0.0.1"},
		{"trusted proxy: no header", true, "10.0.0.1:80", nil, "10.0.0.1"},
		{"ipv6 remote", false, "[2001:db8::1]:443", nil, "2001:db8::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			a := &Authenticator{cfg: Config{TrustProxy: tt.trustProxy}}
			if got := a.ClientAddr(r); got != tt.want {
				t.Fatalf("clientIP = %q, want %q", got, tt.want)
			}
			if got := ClientIP(r.WithContext(withClientIP(r.Context(), "198.18.0.1"))); got != "198.18.0.1" {
				t.Fatalf("ClientIP ignored the resolved address: %q", got)
			}
		})
	}
	if got := ClientIP(httptest.NewRequest("GET", "/", nil)); got != "192.0.2.1" {
		t.Fatalf("ClientIP without context = %q", got)
	}
}

func TestLimiterIPKey(t *testing.T) {
	checkTable(t, "RateKey", RateKey, map[string]string{
		"192.0.2.7":             "192.0.2.7",
		"2001:db8:1:2:3:4:5:6":  "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::99": "2001:db8:1:2::/64",
		"weird":                 "weird",
	})
}

func TestMinutes(t *testing.T) {
	checkTable(t, "minutes", minutes, map[time.Duration]string{
		30 * time.Second:   "a minute",
		time.Minute:        "a minute",
		time.Minute + 1:    "2 minutes",
		14*time.Minute + 1: "15 minutes",
		15 * time.Minute:   "15 minutes",
	})
}

// checkTable checks f against a table of inputs and wanted outputs.
func checkTable[In, Out comparable](t *testing.T, name string, f func(In) Out, tests map[In]Out) {
	t.Helper()
	for in, want := range tests {
		if got := f(in); got != want {
			t.Errorf("%s(%#v) = %#v, want %#v", name, in, got, want)
		}
	}
}
