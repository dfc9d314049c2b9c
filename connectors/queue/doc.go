// Package queue is Rapport's durable job queue: side effects (mail to send,
// merges, reminders, imports, blob collection) are enqueued inside the store
// transaction that causes them and worked in the background, at least once,
// retried with backoff and jitter, surviving restarts.
//
// It is built on riverqueue/river. On PostgreSQL jobs are inserted on the
// store transaction's *sql.Tx with riverdatabasesql and worked with riverpgxv5
// on a pgx pool opened from the same URL (so its search_path, and River's
// tables, follow the store's schema). On SQLite riversqlite does both: inserts
// on the store transaction's *sql.Tx, and working on a separate
// single-connection *sql.DB on the same WAL file, because River runs several
// services at once and SQLite allows one writer.
//
// It may import model/store; it must not import hub or any other connector
// (cmd injects what a job needs, such as blobstore.Collect, as functions).
package queue
