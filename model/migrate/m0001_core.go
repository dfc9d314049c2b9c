package migrate

// m0001Core creates the foundation: users and access, teams, territories,
// accounts, contacts, activities, attachments, search keys, the change feed,
// numbering, idempotency keys and the audit log. PostgreSQL gets an instr()
// like SQLite's so substring filters read the same on both engines.
const m0001Core = `
CREATE TABLE teams (
	{{meta}},
	name VARCHAR(200) NOT NULL,
	manager_id VARCHAR(36)
)
;
CREATE TABLE territories (
	{{meta}},
	name VARCHAR(200) NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	parent_id VARCHAR(36)
)
;
CREATE TABLE users (
	{{meta}},
	email VARCHAR(320) NOT NULL,
	username VARCHAR(64) NOT NULL,
	name VARCHAR(200) NOT NULL,
	role VARCHAR(16) NOT NULL,
	team_id VARCHAR(36),
	territory_id VARCHAR(36),
	language VARCHAR(16) NOT NULL DEFAULT '',
	time_zone VARCHAR(64) NOT NULL DEFAULT '',
	disabled BOOLEAN NOT NULL DEFAULT FALSE,
	password_hash VARCHAR(200) NOT NULL DEFAULT ''
)
;
CREATE UNIQUE INDEX users_email ON users (email) WHERE deleted_at IS NULL
;
CREATE UNIQUE INDEX users_username ON users (username) WHERE deleted_at IS NULL
;
CREATE TABLE accounts (
	{{meta}},
	name VARCHAR(300) NOT NULL,
	industry VARCHAR(100) NOT NULL DEFAULT '',
	phones {{json}},
	website VARCHAR(500) NOT NULL DEFAULT '',
	addresses {{json}},
	parent_id VARCHAR(36),
	owner_id VARCHAR(36),
	team_id VARCHAR(36),
	territory_id VARCHAR(36),
	language VARCHAR(16) NOT NULL DEFAULT '',
	custom_fields {{json}},
	sort_name {{ctext}} NOT NULL
)
;
CREATE INDEX accounts_sort ON accounts (sort_name, id) WHERE deleted_at IS NULL
;
CREATE INDEX accounts_updated ON accounts (updated_at, id)
;
CREATE TABLE contacts (
	{{meta}},
	first_name VARCHAR(200) NOT NULL DEFAULT '',
	middle_name VARCHAR(200) NOT NULL DEFAULT '',
	last_name VARCHAR(200) NOT NULL DEFAULT '',
	display_name VARCHAR(400) NOT NULL,
	title VARCHAR(200) NOT NULL DEFAULT '',
	account_id VARCHAR(36),
	owner_id VARCHAR(36),
	language VARCHAR(16) NOT NULL DEFAULT '',
	birthday VARCHAR(10),
	notes TEXT NOT NULL DEFAULT '',
	photo_id VARCHAR(36),
	tags {{json}},
	custom_fields {{json}},
	emails {{json}},
	phones {{json}},
	addresses {{json}},
	sort_name {{ctext}} NOT NULL
)
;
CREATE INDEX contacts_sort ON contacts (sort_name, id) WHERE deleted_at IS NULL
;
CREATE INDEX contacts_account ON contacts (account_id)
;
CREATE INDEX contacts_owner ON contacts (owner_id)
;
CREATE INDEX contacts_updated ON contacts (updated_at, id)
;
CREATE TABLE activities (
	{{meta}},
	kind VARCHAR(16) NOT NULL,
	subject VARCHAR(500) NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	start_at {{ts}},
	end_at {{ts}},
	time_zone VARCHAR(64) NOT NULL DEFAULT '',
	all_day BOOLEAN NOT NULL DEFAULT FALSE,
	start_date VARCHAR(10),
	end_date VARCHAR(10),
	due_at {{ts}},
	remind_at {{ts}},
	status VARCHAR(32) NOT NULL,
	priority VARCHAR(16) NOT NULL,
	percent_complete INTEGER NOT NULL DEFAULT 0,
	completed_at {{ts}},
	location VARCHAR(500) NOT NULL DEFAULT '',
	recurrence_rule VARCHAR(500) NOT NULL DEFAULT '',
	duration_seconds INTEGER NOT NULL DEFAULT 0,
	owner_id VARCHAR(36),
	account_id VARCHAR(36),
	contact_id VARCHAR(36),
	attendees {{json}},
	links {{json}},
	sort_at {{ts}} NOT NULL
)
;
CREATE INDEX activities_sort ON activities (sort_at, id) WHERE deleted_at IS NULL
;
CREATE INDEX activities_owner ON activities (owner_id, kind)
;
CREATE INDEX activities_remind ON activities (remind_at) WHERE remind_at IS NOT NULL
;
CREATE TABLE activity_links (
	activity_id VARCHAR(36) NOT NULL,
	entity VARCHAR(32) NOT NULL,
	record_id VARCHAR(36) NOT NULL,
	PRIMARY KEY (entity, record_id, activity_id)
)
;
CREATE INDEX activity_links_activity ON activity_links (activity_id)
;
CREATE TABLE attachments (
	{{meta}},
	record_type VARCHAR(32) NOT NULL,
	record_id VARCHAR(36) NOT NULL,
	filename VARCHAR(255) NOT NULL,
	content_type VARCHAR(200) NOT NULL,
	size BIGINT NOT NULL,
	sha256 VARCHAR(64) NOT NULL
)
;
CREATE INDEX attachments_record ON attachments (record_type, record_id)
;
CREATE INDEX attachments_sha ON attachments (sha256)
;
CREATE TABLE search_keys (
	entity VARCHAR(32) NOT NULL,
	record_id VARCHAR(36) NOT NULL,
	kind VARCHAR(1) NOT NULL,
	value {{ctext}} NOT NULL,
	PRIMARY KEY (entity, kind, value, record_id)
)
;
CREATE INDEX search_keys_record ON search_keys (record_id)
;
CREATE TABLE changes (
	seq {{seqpk}},
	entity VARCHAR(32) NOT NULL,
	record_id VARCHAR(36) NOT NULL,
	op VARCHAR(8) NOT NULL,
	version BIGINT NOT NULL,
	actor_id VARCHAR(36),
	actor VARCHAR(200) NOT NULL DEFAULT '',
	at {{ts}} NOT NULL,
	fields {{json}},
	snapshot TEXT
)
;
CREATE INDEX changes_record ON changes (entity, record_id, seq)
;
CREATE TABLE api_tokens (
	id VARCHAR(36) PRIMARY KEY,
	user_id VARCHAR(36) NOT NULL,
	name VARCHAR(200) NOT NULL DEFAULT '',
	hash VARCHAR(64) NOT NULL UNIQUE,
	prefix VARCHAR(16) NOT NULL,
	scopes VARCHAR(100) NOT NULL,
	created_at {{ts}} NOT NULL,
	expires_at {{ts}},
	last_used_at {{ts}},
	revoked_at {{ts}}
)
;
CREATE INDEX api_tokens_user ON api_tokens (user_id)
;
CREATE TABLE app_passwords (
	id VARCHAR(36) PRIMARY KEY,
	user_id VARCHAR(36) NOT NULL,
	label VARCHAR(200) NOT NULL,
	hash VARCHAR(64) NOT NULL UNIQUE,
	created_at {{ts}} NOT NULL,
	last_used_at {{ts}},
	revoked_at {{ts}}
)
;
CREATE INDEX app_passwords_user ON app_passwords (user_id)
;
CREATE TABLE sessions (
	id VARCHAR(64) PRIMARY KEY,
	user_id VARCHAR(36) NOT NULL,
	csrf_token VARCHAR(64) NOT NULL,
	created_at {{ts}} NOT NULL,
	expires_at {{ts}} NOT NULL,
	ip VARCHAR(64) NOT NULL DEFAULT '',
	user_agent VARCHAR(300) NOT NULL DEFAULT ''
)
;
CREATE INDEX sessions_user ON sessions (user_id)
;
CREATE TABLE audit_events (
	id VARCHAR(36) PRIMARY KEY,
	at {{ts}} NOT NULL,
	action VARCHAR(64) NOT NULL,
	actor_id VARCHAR(36),
	actor VARCHAR(200) NOT NULL DEFAULT '',
	target_id VARCHAR(36),
	target VARCHAR(320) NOT NULL DEFAULT '',
	ip VARCHAR(64) NOT NULL DEFAULT '',
	detail {{json}}
)
;
CREATE INDEX audit_events_at ON audit_events (at, id)
;
CREATE TABLE number_sequences (
	kind VARCHAR(32) NOT NULL,
	period VARCHAR(8) NOT NULL,
	next_value BIGINT NOT NULL,
	PRIMARY KEY (kind, period)
)
;
CREATE TABLE idempotency_keys (
	user_id VARCHAR(36) NOT NULL,
	key VARCHAR(200) NOT NULL,
	method VARCHAR(8) NOT NULL,
	path VARCHAR(500) NOT NULL,
	request_hash VARCHAR(64) NOT NULL,
	status INTEGER NOT NULL,
	headers {{json}},
	body {{bytes}},
	created_at {{ts}} NOT NULL,
	PRIMARY KEY (user_id, key)
)
;
CREATE TABLE settings (
	key VARCHAR(100) PRIMARY KEY,
	value TEXT NOT NULL
)
;
--only postgres
CREATE FUNCTION instr(haystack TEXT, needle TEXT) RETURNS INTEGER
	AS 'SELECT strpos(haystack, needle)' LANGUAGE SQL IMMUTABLE
;
CREATE TABLE blobs (
	sha256 VARCHAR(64) PRIMARY KEY,
	size BIGINT NOT NULL,
	data {{bytes}} NOT NULL,
	created_at {{ts}} NOT NULL
)
`
