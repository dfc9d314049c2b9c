// Package mailout writes and sends Rapport's outgoing mail: agents' replies,
// acknowledgements, documents, mailing-list mail and calendar invitations
// (iMIP).
//
// Write composes an RFC 5322 message with go-message: UTF-8 text and HTML
// alternatives, attachments and inline images, threading headers
// (Message-ID, In-Reply-To, References), Auto-Submitted on automatic mail,
// one-click List-Unsubscribe (RFC 8058) on bulk mail, and a text/calendar
// part with its METHOD as Outlook and Thunderbird expect. Sender.Send spools
// the message to a temporary file (so a large attachment never sits in
// memory), signs it with DKIM when configured (go-msgauth) and delivers it
// over SMTP with go-smtp: implicit TLS, STARTTLS (required unless the server
// is on a loopback address) and AUTH. Errors say whether retrying can help
// (Permanent), so the job queue stops retrying a 5xx answer.
//
// The package keeps no state: the outbox, retries and the outbound log are
// the store's and the queue's. It may import other connectors/mail packages,
// never hub, cmd or other connectors.
package mailout
