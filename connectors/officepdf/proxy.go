package officepdf

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// blackHole listens on a loopback port and closes every connection as soon
// as it is accepted. It is soffice's proxy (see registry): a request a
// document makes never leaves the machine, and fails at once instead of
// waiting for a timeout. Owning the port means no other local service can
// receive those requests.
type blackHole struct {
	ln net.Listener
}

// newBlackHole starts the listener on an ephemeral loopback port.
func newBlackHole() (*blackHole, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("officepdf: proxy: %w", err)
	}
	go swallow(ln)
	return &blackHole{ln: ln}, nil
}

// swallow accepts and closes connections until ln is closed.
func swallow(ln net.Listener) {
	for {
		c, err := ln.Accept()
		switch {
		case err == nil:
			c.Close()
		case errors.Is(err, net.ErrClosed):
			return
		default: // out of file descriptors or the like: do not spin
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// port is the listener's port.
func (b *blackHole) port() int {
	return b.ln.Addr().(*net.TCPAddr).Port
}

// close stops the listener.
func (b *blackHole) close() error {
	return b.ln.Close()
}
