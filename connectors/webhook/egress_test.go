package webhook

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"rapport/model"
)

func TestRefusedReason(t *testing.T) {
	refused := []string{
		"127.0.0.1", "127.255.255.254", "0.0.0.0", "0.1.2.3", "10.0.0.1", "172.16.0.1",
		"172.31.255.255", "192.168.1.1", "169.254.169.254", "169.254.1.1", "100.64.0.1",
		"100.127.255.255", "192.0.0.8", "198.18.0.1", "198.19.255.255", "224.0.0.1",
		"239.255.255.250", "255.255.255.255", "240.0.0.1",
		"::", "::1", "fe80::1", "fe80::1%eth0", "fc00::1", "fd12:3456::1", "fd00:ec2::254",
		"ff02::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
		"64:ff9b::a00:1", "2002:a00:1::1", "2002:7f00:1::", "::10.0.0.1", "fec0::1",
	}
	for _, s := range refused {
		if r := refusedReason(netip.MustParseAddr(s), nil); r == "" {
			t.Errorf("%s: not refused", s)
		}
	}
	public := []string{
		"1.1.1.1", "8.8.8.8", "93.184.216.34", "100.63.255.255", "100.128.0.0", "172.32.0.1",
		"192.0.1.1", "198.20.0.1", "223.255.255.255", "2606:4700:4700::1111",
		"::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
	}
	for _, s := range public {
		if r := refusedReason(netip.MustParseAddr(s), nil); r != "" {
			t.Errorf("%s: refused (%s)", s, r)
		}
	}
	// Allow lets a refused address through, also in its IPv4-mapped form.
	allow := []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}
	for _, s := range []string{"10.1.2.3", "::ffff:10.1.2.3"} {
		if r := refusedReason(netip.MustParseAddr(s), allow); r != "" {
			t.Errorf("%s with allow 10.1.0.0/16: refused (%s)", s, r)
		}
	}
	if r := refusedReason(netip.MustParseAddr("10.2.0.1"), allow); r == "" {
		t.Error("10.2.0.1 outside the allowed range: not refused")
	}
	if r := refusedReason(netip.MustParseAddr("169.254.169.254"), nil); r != "cloud metadata service" {
		t.Errorf("metadata reason = %q", r)
	}
}

// TestControlRefusesPrivateLiterals dials literal private and link-local
// addresses through the real dialer. The Control hook runs after socket()
// and before connect(), so the refusal is observed without a packet leaving;
// the guard makes sure that stays true even if the hook were broken.
func TestControlRefusesPrivateLiterals(t *testing.T) {
	d := guardedDialer(t, ClientOptions{})
	for _, addr := range []string{
		"10.0.0.1:80", "169.254.169.254:80", "[::ffff:10.0.0.1]:80", "[::ffff:169.254.169.254]:80",
		"192.168.0.1:443", "100.64.0.1:80", "[fd00:ec2::254]:80", "[fe80::1]:80",
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, err := d.DialContext(ctx, "tcp", addr)
		cancel()
		if c != nil {
			c.Close()
		}
		var re *RefusedError
		if !errors.As(err, &re) {
			if strings.HasPrefix(addr, "[f") && err != nil && !strings.Contains(err.Error(), "refusing") {
				// No IPv6 sockets on this machine: the dial failed before the hook.
				t.Logf("%s: %v (IPv6 unavailable?)", addr, err)
				continue
			}
			t.Errorf("%s: err = %v, want *RefusedError", addr, err)
			continue
		}
		t.Logf("%s: %v", addr, re)
	}
	// The hook itself, without a socket, for the mapped form as Go may pass it.
	ctl := newDialer(ClientOptions{}).Control
	for _, a := range []string{"[::ffff:10.0.0.1]:80", "[::ffff:7f00:1]:80", "10.0.0.1:80", "[fe80::1%eth0]:80"} {
		if err := ctl("tcp6", a, nil); err == nil {
			t.Errorf("Control(%s) = nil", a)
		}
	}
	if err := ctl("tcp4", "8.8.8.8:443", nil); err != nil {
		t.Errorf("Control(8.8.8.8) = %v", err)
	}
}

// TestSendRefusesPrivateLiterals goes through Deliverer.Send: the outcome is
// Refused, and the guard proves no connect was attempted.
func TestSendRefusesPrivateLiterals(t *testing.T) {
	opt := ClientOptions{Timeout: 5 * time.Second}
	dl := NewDeliverer(newClient(opt, guardedDialer(t, opt)))
	for _, u := range []string{
		"http://10.0.0.1/hook", "http://169.254.169.254/latest/meta-data/", "http://[::ffff:10.0.0.1]/",
	} {
		res := dl.Send(context.Background(), Request{URL: u, MsgID: "msg_1", Body: []byte(`{}`), Secrets: [][]byte{testKey(1)}})
		if res.Outcome != Refused || !strings.Contains(res.Err, "refusing") {
			t.Errorf("%s: %v %q, want refused", u, res.Outcome, res.Err)
		}
	}
}

// TestLoopbackRefusedWithoutConnection runs a receiver on loopback and shows
// that, without an allow list, 127.0.0.1, [::1] and localhost never reach it:
// it accepts no connection. With the allow list the same URL is delivered.
func TestLoopbackRefusedWithoutConnection(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	v4 := newCountingServer(t, nil, ok)
	_, port, _ := net.SplitHostPort(v4.Listener.Addr().String())

	var v6 *countingServer
	if ln, err := net.Listen("tcp6", "[::1]:"+port); err == nil {
		v6 = newCountingServer(t, ln, ok)
	} else if ln, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		v6 = newCountingServer(t, ln, ok)
	} else {
		t.Logf("no IPv6 loopback: %v", err)
	}

	urls := []string{v4.URL, "http://localhost:" + port + "/"}
	if v6 != nil {
		urls = append(urls, "http://"+v6.Listener.Addr().String()+"/")
	}
	closed := NewDeliverer(NewClient(ClientOptions{Timeout: 5 * time.Second}))
	for _, u := range urls {
		res := closed.Send(context.Background(), Request{URL: u, MsgID: "msg_1", Body: []byte(`{}`), Secrets: [][]byte{testKey(1)}})
		if res.Outcome != Refused {
			t.Errorf("%s: outcome %v (%s), want refused", u, res.Outcome, res.Err)
		}
		if res.Status != 0 {
			t.Errorf("%s: status %d", u, res.Status)
		}
	}
	if n := v4.conns.Load(); n != 0 {
		t.Errorf("IPv4 loopback receiver accepted %d connections while refused", n)
	}
	if v6 != nil && v6.conns.Load() != 0 {
		t.Errorf("IPv6 loopback receiver accepted %d connections while refused", v6.conns.Load())
	}

	open := NewDeliverer(NewClient(ClientOptions{Allow: loopbackOnly, Timeout: 5 * time.Second}))
	for _, u := range []string{v4.URL, "http://localhost:" + port + "/"} {
		res := open.Send(context.Background(), Request{URL: u, MsgID: "msg_1", Body: []byte(`{}`), Secrets: [][]byte{testKey(1)}})
		if res.Outcome != Delivered {
			t.Errorf("%s allowed: outcome %v (%s), want delivered", u, res.Outcome, res.Err)
		}
	}
	if v4.conns.Load() == 0 {
		t.Error("allowed delivery made no connection")
	}
}

func TestNewClient(t *testing.T) {
	c := NewClient(ClientOptions{})
	if c.Timeout != DefaultTimeout {
		t.Errorf("timeout %v", c.Timeout)
	}
	tr := c.Transport.(*http.Transport)
	if tr.Proxy != nil {
		t.Error("transport uses a proxy")
	}
	if err := c.CheckRedirect(nil, nil); !errors.Is(err, http.ErrUseLastResponse) {
		t.Errorf("CheckRedirect = %v", err)
	}
	if c := NewClient(ClientOptions{Timeout: time.Second}); c.Timeout != time.Second {
		t.Errorf("timeout %v", c.Timeout)
	}
}

func TestCheckURL(t *testing.T) {
	good := []string{
		"https://example.com/hook", "http://example.com:8080/x?token=1", "HTTPS://Example.COM",
		"https://8.8.8.8/", "https://[2606:4700:4700::1111]/", "https://a.example.com./",
		"https://hooks.example.io:443/path#frag", "https://example.123abc/",
	}
	for _, u := range good {
		if err := CheckURL(u, nil); err != nil {
			t.Errorf("CheckURL(%q) = %v", u, err)
		}
	}
	bad := []string{
		"", "ftp://example.com/", "file:///etc/passwd", "gopher://example.com", "example.com/hook",
		"//example.com/hook", "http://", "http:///path", "https:example.com", "http://user:pw@example.com/",
		"http://user@example.com/", "http://127.0.0.1/", "http://127.0.0.1:8080/", "http://10.0.0.1/",
		"http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://[::ffff:10.0.0.1]/",
		"http://[::ffff:127.0.0.1]:80/", "http://[fd00:ec2::254]/", "http://[fe80::1%25eth0]/",
		"http://0.0.0.0/", "http://192.168.0.1/", "http://100.64.0.1/", "http://localhost/",
		"http://LOCALHOST./", "http://api.localhost/", "http://2130706433/", "http://0x7f.1/",
		"http://127.1/", "http://example.com:0/", "http://example.com:65536/", "http://[::1/",
		"http://exa mple.com/", "http://example.com/\n", "https://" + strings.Repeat("a", 3000) + ".com/",
	}
	for _, u := range bad {
		err := CheckURL(u, nil)
		var me *model.Error
		if !errors.As(err, &me) || me.Code != model.EINVALID {
			t.Errorf("CheckURL(%q) = %v, want EINVALID", u, err)
			continue
		}
	}
	// Allowed ranges pass, localhost too when loopback is allowed.
	for _, u := range []string{"http://127.0.0.1:8080/", "http://localhost:8080/"} {
		if err := CheckURL(u, loopbackOnly); err != nil {
			t.Errorf("CheckURL(%q, loopback allowed) = %v", u, err)
		}
	}
	if err := CheckURL("http://10.0.0.1/", loopbackOnly); err == nil {
		t.Error("10.0.0.1 passes with only loopback allowed")
	}
	err := CheckURL("http://169.254.169.254/", nil)
	if !strings.Contains(err.Error(), "cloud metadata") {
		t.Errorf("message %q", err)
	}
}

func TestParseAllowCIDRs(t *testing.T) {
	got, err := ParseAllowCIDRs(" 127.0.0.1/32, 10.1.2.3/16 ,,fd12::/48, ::1, 192.168.1.7")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"127.0.0.1/32", "10.1.0.0/16", "fd12::/48", "::1/128", "192.168.1.7/32"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("[%d] = %s, want %s", i, got[i], want[i])
		}
	}
	if got, err := ParseAllowCIDRs(""); err != nil || len(got) != 0 {
		t.Errorf("empty: %v %v", got, err)
	}
	for _, s := range []string{"10.0.0.0/33", "banana", "10.0.0.0/8,nope", "fe80::1%eth0", "10.0.0/8"} {
		_, err := ParseAllowCIDRs(s)
		if model.ErrorCode(err) != model.EINVALID {
			t.Errorf("ParseAllowCIDRs(%q) = %v", s, err)
		}
	}
}
