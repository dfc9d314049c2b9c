// Package outmail composes the mail the hub sends on people's behalf and
// puts it in the outbox (store.QueueMail): agents' replies on requests,
// threaded into the customer's conversation; quotes, orders and invoices
// with their merged document attached; and mailing-list mail, one mail per
// member rendered from a template, run page by page by a background job
// that can resume where it stopped.
//
// It decides who a mail is from (the request's mailbox, a chosen mailbox,
// the installation's sender), to whom, its subject and threading headers;
// delivery over SMTP is the sender job's (cmd with connectors/mail). It
// imports model, model/store and hub/merge; never connectors (cmd injects
// Message-ID minting and the job queue as functions) and no other hub
// package.
package outmail
