package migrate

// m0002ICS adds calendar subscription feeds (/ics/{token}.ics): one
// revocable, read-only token per feed, stored as SHA-256.
const m0002ICS = `
CREATE TABLE ics_feeds (
	id VARCHAR(36) PRIMARY KEY,
	user_id VARCHAR(36) NOT NULL,
	hash VARCHAR(64) NOT NULL UNIQUE,
	include_tasks BOOLEAN NOT NULL DEFAULT FALSE,
	created_at {{ts}} NOT NULL,
	last_used_at {{ts}},
	revoked_at {{ts}}
)
;
CREATE INDEX ics_feeds_user ON ics_feeds (user_id)
`
