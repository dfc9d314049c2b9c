// Package mailin is the IMAP side of the mail ingest engine: it keeps each
// configured mailbox read and hands every new message, streamed, to a
// Handler that stores it.
//
// A Supervisor runs one mailbox. It connects (implicit TLS, STARTTLS, or
// plain to a loopback server only), logs in with a password or an OAuth2
// access token (XOAUTH2, written here because go-sasl lacks it, or
// OAUTHBEARER), and for every configured folder SELECTs it, asks
// Checkpoints how far it was read (UIDVALIDITY and last UID), and fetches
// the UIDs above that in order with BODY.PEEK[], so that \Seen is never
// set and never relied on. Each body streams from the connection to
// Handler.Handle; messages over the size limit are handed over TooLarge
// without being fetched. The handler's transaction writes the checkpoint;
// the supervisor only reads it again, so a crash anywhere refetches at most
// what was not committed, and the store's dedupe absorbs the rest. After
// the handler took a message the supervisor moves or flags it when so
// configured. Then it waits with IDLE where the server offers it, polling
// otherwise; reconnects with jittered exponential backoff; and stops with
// StateAuthFailed when the server refuses the credentials. Manager runs one
// supervisor per mailbox; Test checks a configuration for the CLI.
//
// The package knows nothing of the store: Handler and Checkpoints are its
// only ties to the rest of Rapport. It may import model and other
// connectors/mail packages, never hub, cmd or other connectors. Its name
// avoids go-imap's packages.
package mailin
