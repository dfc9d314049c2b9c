package webhook

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync/atomic"
	"syscall"
	"testing"
)

// loopbackOnly is the allow list of tests whose receivers run on 127.0.0.1.
var loopbackOnly = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}

// guardedDialer returns the real dialer for opt with its Control hook wrapped:
// when the hook under test lets an address through that the test expects to
// be refused, the guard refuses it anyway (so that even a broken hook sends
// no packet to a private range) and fails the test.
func guardedDialer(t testing.TB, opt ClientOptions) *net.Dialer {
	d := newDialer(opt)
	inner := d.Control
	d.Control = func(network, address string, c syscall.RawConn) error {
		if err := inner(network, address, c); err != nil {
			return err
		}
		t.Errorf("Control hook let %s %s through", network, address)
		return errors.New("test guard: refused")
	}
	return d
}

// countingServer is an httptest server on 127.0.0.1 that counts accepted
// connections, to prove that a refused address got none.
type countingServer struct {
	*httptest.Server
	conns atomic.Int64
}

func newCountingServer(t testing.TB, ln net.Listener, h http.Handler) *countingServer {
	cs := &countingServer{}
	srv := httptest.NewUnstartedServer(h)
	if ln != nil {
		srv.Listener.Close()
		srv.Listener = ln
	}
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			cs.conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	cs.Server = srv
	return cs
}
