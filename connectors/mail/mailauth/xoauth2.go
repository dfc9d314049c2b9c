package mailauth

import (
	"errors"
	"net"
)

// XOAuth2Client is the XOAUTH2 SASL mechanism of Google and Microsoft,
// which go-sasl lacks: one initial response carrying the user and the
// bearer token. On failure the server sends a JSON error as a challenge and
// waits for an empty response before it refuses; the client answers empty
// and keeps the JSON for the error message (Failure).
type XOAuth2Client struct {
	username, token string
	failure         string
}

// NewXOAuth2Client returns the mechanism for username with an access token.
func NewXOAuth2Client(username, token string) *XOAuth2Client {
	return &XOAuth2Client{username: username, token: token}
}

// Start implements sasl.Client.
func (a *XOAuth2Client) Start() (string, []byte, error) {
	return "XOAUTH2", []byte("user=" + a.username + "\x01auth=Bearer " + a.token + "\x01\x01"), nil
}

// Next implements sasl.Client: the only challenge is the error report.
func (a *XOAuth2Client) Next(challenge []byte) ([]byte, error) {
	if a.failure != "" {
		return nil, errors.New("XOAUTH2: unexpected second challenge")
	}
	a.failure = string(challenge)
	return []byte{}, nil
}

// Failure is the server's JSON error report of a refused login ("" if none
// came).
func (a *XOAuth2Client) Failure() string { return a.failure }

// Loopback reports whether host names this machine: "localhost" or a
// loopback IP. Plain connections, which would carry credentials and mail in
// clear, are allowed to such hosts only; other names could resolve anywhere.
func Loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
