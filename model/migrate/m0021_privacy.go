package migrate

// m0021Privacy adds what privacy erasure and retention need.
//
// feed_horizon holds, in its one row (id 1), the newest change-feed seq that
// retention pruned: every feed row at or below it is gone, so a reader whose
// cursor (a DAV sync token, a /changes since) is below it has missed changes
// and must start afresh. No row means nothing was ever pruned (horizon 0).
// The row is written in the same transaction as the rows it prunes.
//
// An ingested message's raw bytes may now be dropped (retention of raw
// mail, or an erasure) while its log entry stays: its sha256 is emptied and
// the blob collector takes the blob. The uniqueness of sha256 therefore
// holds among the messages that still have one.
const m0021Privacy = `
CREATE TABLE feed_horizon (
	id INTEGER PRIMARY KEY,
	seq BIGINT NOT NULL,
	pruned_before {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL
)
;
DROP INDEX mail_messages_sha256
;
CREATE UNIQUE INDEX mail_messages_sha256 ON mail_messages (sha256) WHERE sha256 <> ''
`
