// Package mailauth is what the IMAP (mailin) and SMTP (mailout) sides share
// to log in: OAuth2 access tokens from a refresh token for Gmail and
// Microsoft 365, the XOAUTH2 SASL client that go-sasl lacks (OAUTHBEARER
// comes from go-sasl), and the rule that credentials never travel in clear
// except to this machine.
//
// It may import model only, never hub, cmd or other connectors.
package mailauth
