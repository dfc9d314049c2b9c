// Package ingest is the mail ingest pipeline: what becomes of every message
// the IMAP engine (connectors/mail/mailin) fetches, and the engine's ties
// to the store.
//
// Pipeline is the engine's Handler and Checkpoints. For each message it
// streams the raw bytes into the blob store first, reads them back from
// there with mailmsg.Parse (attachments and inline images go to the blob
// store through the Sink), classifies them (mailmsg.Classifier with the
// store's dedupe and rate limits, our own addresses and the Message-ID key),
// and then writes everything in one store transaction: store.IngestMail (a
// request, an entry on one, a bounce or a log entry, and the folder's
// checkpoint), the attendee's answer when the message carries an iMIP
// REPLY, and the acknowledgement of a new request — rendered from the
// installed request-ack template in the contact's language and queued with
// store.QueueMail, so the delivery job commits with the message. A message
// that cannot be ingested (too large, not mail, refused by the store) is
// quarantined with its reason, which also advances the checkpoint: nothing
// is dropped silently. A failure of the machinery (blob store, database,
// job queue) is returned instead, and the engine offers the same message
// again: the blob store is content-addressed and the store deduplicates, so
// a crash anywhere loses nothing and duplicates nothing. RetryQuarantine
// runs a quarantined message through again from its stored raw bytes.
//
// Engine runs a mailin.Manager with one supervisor per active mailbox,
// follows changes to the mailboxes table, and records each supervisor's
// status; TestMailbox is the login check behind `rapport mailbox test`.
//
// The package may import model packages, model/store, templates/lang and
// templates/locale, and the connectors/mail packages; never hub, cmd or
// another connector: the blob store comes in through Blobs, the job queue
// through store.Enqueue and the invitation answers through Invitations.
package ingest
