package migrate

// m0018Mail adds mail: mailboxes (secrets sealed with the server key), their
// engine status and per-folder checkpoints (both outside the change feed),
// the ingest log with its bodies beside it, the quarantine, the outbox and
// suppressed addresses.
//
// The ingest log is unique on where a message was read and on what it is
// (Message-ID, raw SHA-256): two hubs, or a refetch after a crash, cannot
// ingest one message twice. The rate limits count it per sender and per
// request over a sliding window.
const m0018Mail = `
CREATE TABLE mailboxes (
	{{meta}},
	name VARCHAR(200) NOT NULL,
	imap_host VARCHAR(255) NOT NULL,
	imap_port INTEGER NOT NULL,
	imap_tls VARCHAR(16) NOT NULL,
	username VARCHAR(320) NOT NULL,
	auth VARCHAR(16) NOT NULL,
	password_sealed {{bytes}},
	oauth_provider VARCHAR(16) NOT NULL DEFAULT '',
	oauth_client_id VARCHAR(500) NOT NULL DEFAULT '',
	oauth_client_secret_sealed {{bytes}},
	oauth_token_url VARCHAR(2048) NOT NULL DEFAULT '',
	oauth_refresh_token_sealed {{bytes}},
	oauth_scopes {{json}},
	folders {{json}},
	queue_id VARCHAR(36),
	after_processing VARCHAR(8) NOT NULL,
	move_to VARCHAR(255) NOT NULL DEFAULT '',
	from_address VARCHAR(320) NOT NULL DEFAULT '',
	from_name VARCHAR(200) NOT NULL DEFAULT '',
	smtp_host VARCHAR(255) NOT NULL DEFAULT '',
	smtp_port INTEGER NOT NULL DEFAULT 0,
	smtp_tls VARCHAR(16) NOT NULL DEFAULT '',
	smtp_username VARCHAR(320) NOT NULL DEFAULT '',
	smtp_password_sealed {{bytes}},
	scheduling BOOLEAN NOT NULL DEFAULT FALSE,
	active BOOLEAN NOT NULL,
	secrets {{json}},
	secrets_changed_at {{ts}}
)
;
CREATE TABLE mailbox_states (
	mailbox_id VARCHAR(36) PRIMARY KEY,
	state VARCHAR(16) NOT NULL,
	last_error VARCHAR(1000) NOT NULL DEFAULT '',
	last_fetch_at {{ts}},
	last_success_at {{ts}},
	next_retry_at {{ts}},
	idle BOOLEAN NOT NULL DEFAULT FALSE,
	updated_at {{ts}} NOT NULL
)
;
CREATE TABLE mail_checkpoints (
	mailbox_id VARCHAR(36) NOT NULL,
	folder VARCHAR(255) NOT NULL,
	uidvalidity BIGINT NOT NULL,
	last_uid BIGINT NOT NULL,
	updated_at {{ts}} NOT NULL,
	PRIMARY KEY (mailbox_id, folder)
)
;
CREATE TABLE mail_messages (
	{{meta}},
	mailbox_id VARCHAR(36) NOT NULL,
	folder VARCHAR(255) NOT NULL,
	uidvalidity BIGINT NOT NULL,
	uid BIGINT NOT NULL,
	message_id VARCHAR(998) NOT NULL,
	sha256 VARCHAR(64) NOT NULL,
	size BIGINT NOT NULL,
	from_address VARCHAR(320) NOT NULL,
	from_name VARCHAR(200) NOT NULL,
	reply_to VARCHAR(320) NOT NULL,
	"to" {{json}},
	cc {{json}},
	subject VARCHAR(2000) NOT NULL,
	date {{ts}},
	received_at {{ts}} NOT NULL,
	attachments {{json}},
	kind VARCHAR(16) NOT NULL,
	decision {{json}},
	outcome VARCHAR(16) NOT NULL,
	ack_due BOOLEAN NOT NULL,
	request_id VARCHAR(36),
	activity_id VARCHAR(36),
	contact_id VARCHAR(36),
	outbound_mail_id VARCHAR(36)
)
;
CREATE UNIQUE INDEX mail_messages_location ON mail_messages (mailbox_id, folder, uidvalidity, uid) WHERE uid > 0
;
CREATE UNIQUE INDEX mail_messages_message_id ON mail_messages (message_id) WHERE message_id <> ''
;
CREATE UNIQUE INDEX mail_messages_sha256 ON mail_messages (sha256)
;
CREATE INDEX mail_messages_sender ON mail_messages (from_address, created_at)
;
CREATE INDEX mail_messages_request ON mail_messages (request_id, created_at)
;
CREATE INDEX mail_messages_created ON mail_messages (created_at)
;
CREATE TABLE mail_bodies (
	mail_message_id VARCHAR(36) PRIMARY KEY,
	text TEXT NOT NULL,
	html TEXT NOT NULL
)
;
CREATE TABLE mail_quarantines (
	{{meta}},
	mailbox_id VARCHAR(36) NOT NULL,
	folder VARCHAR(255) NOT NULL,
	uidvalidity BIGINT NOT NULL,
	uid BIGINT NOT NULL,
	sha256 VARCHAR(64) NOT NULL,
	size BIGINT NOT NULL,
	message_id VARCHAR(998) NOT NULL,
	from_address VARCHAR(320) NOT NULL,
	subject VARCHAR(2000) NOT NULL,
	reason VARCHAR(16) NOT NULL,
	error VARCHAR(2000) NOT NULL,
	status VARCHAR(16) NOT NULL,
	attempts INTEGER NOT NULL,
	last_attempt_at {{ts}},
	mail_message_id VARCHAR(36)
)
;
CREATE UNIQUE INDEX mail_quarantines_location ON mail_quarantines (mailbox_id, folder, uidvalidity, uid) WHERE uid > 0
;
CREATE INDEX mail_quarantines_status ON mail_quarantines (status, created_at)
;
CREATE INDEX mail_quarantines_sha256 ON mail_quarantines (sha256)
;
CREATE TABLE outbound_mails (
	{{meta}},
	mailbox_id VARCHAR(36),
	"from" {{json}},
	"to" {{json}},
	cc {{json}},
	bcc {{json}},
	subject VARCHAR(2000) NOT NULL,
	text TEXT NOT NULL,
	html TEXT NOT NULL,
	message_id VARCHAR(998) NOT NULL,
	in_reply_to VARCHAR(998) NOT NULL,
	"references" {{json}},
	auto_submitted VARCHAR(32) NOT NULL,
	attachments {{json}},
	request_id VARCHAR(36),
	contact_id VARCHAR(36),
	template_id VARCHAR(36),
	status VARCHAR(16) NOT NULL,
	attempts INTEGER NOT NULL,
	last_error VARCHAR(2000) NOT NULL,
	sent_at {{ts}},
	bounced_at {{ts}}
)
;
CREATE INDEX outbound_mails_message_id ON outbound_mails (message_id)
;
CREATE INDEX outbound_mails_request ON outbound_mails (request_id)
;
CREATE INDEX outbound_mails_status ON outbound_mails (status, created_at)
;
CREATE TABLE mail_suppressions (
	{{meta}},
	address VARCHAR(320) NOT NULL,
	reason VARCHAR(16) NOT NULL,
	since {{ts}} NOT NULL,
	detail VARCHAR(1000) NOT NULL,
	source_message_id VARCHAR(36)
)
;
CREATE UNIQUE INDEX mail_suppressions_address ON mail_suppressions (address) WHERE deleted_at IS NULL
`
