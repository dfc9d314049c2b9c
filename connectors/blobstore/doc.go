// Package blobstore keeps the files Rapport holds on to — attachments, raw
// mail, templates and merged documents — content-addressed by their SHA-256
// (64 lower-case hex digits).
//
// Two stores implement the same Store interface: Local, a directory on disk
// and the default for a single hub, and DB, a table in the shared database for
// several hubs on one PostgreSQL (it also runs on SQLite). Content is streamed
// into the store before the transaction that references it commits; Collect
// later removes blobs that nothing references, sparing recent ones so that a
// blob written just before its referencing commit survives.
//
// Errors are model.Error values (ETOOLARGE, ENOTFOUND) so that the HTTP layer
// maps them without knowing this package.
//
// It imports only model from this repository: never hub, model/store or
// another connector.
package blobstore
