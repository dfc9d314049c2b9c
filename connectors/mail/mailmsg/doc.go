// Package mailmsg reads one incoming mail and decides what it is: the
// library the mail ingest engine calls for every message it fetches, and the
// place where the Message-IDs of the mail Rapport sends are minted and
// recognised again.
//
// Parse streams a raw RFC 5322 message once, under a size limit, into a
// Parsed value: decoded headers (addresses normalised, RFC 2047 words and
// legacy charsets such as KOI8-R, windows-1251 or ISO-2022-JP read through
// go-message's charset tables), the text body, the HTML body sanitised by
// bluemonday with a text version derived from it when there is no text part,
// and the attachments and inline images, whose content goes to a Sink (the
// blob store) without being buffered whole. The SHA-256 of the raw bytes is
// the dedupe key. Broken MIME degrades rather than fails: what a human would
// still read is kept and each repair is listed in Parsed.Warnings. What
// cannot be read as mail at all is a *model.Error (EMALFORMED, or ETOOLARGE
// past the limit) whose message is the reason the caller quarantines with.
//
// Classifier runs the ordered pipeline — dedupe, auto-reply, bounce, loop
// guard, threading, acknowledgement — and returns a Decision with the trace
// of every step. Lookups that need the database (dedupe, rate limits) are
// interfaces the engine provides. Tokens mints and verifies our HMAC-signed
// Message-IDs.
//
// The package has no database, network or globals of its own (importing it
// sets go-message's charset tables). It imports model only; it must not
// import hub, model/store or another connector outside connectors/mail.
//
// Its name avoids go-message's packages "message" and "mail".
package mailmsg
