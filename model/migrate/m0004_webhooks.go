package migrate

// m0004Webhooks adds outbound webhooks: endpoints (versioned records),
// their signing secrets, their progress through the change feed, one
// delivery per (endpoint, event) and the log of attempts.
const m0004Webhooks = `
CREATE TABLE webhook_endpoints (
	{{meta}},
	url VARCHAR(2048) NOT NULL,
	description VARCHAR(500) NOT NULL DEFAULT '',
	event_types {{json}},
	headers {{json}},
	payload_mode VARCHAR(8) NOT NULL,
	active BOOLEAN NOT NULL DEFAULT TRUE,
	max_concurrency INTEGER NOT NULL DEFAULT 4,
	rate_limit INTEGER NOT NULL DEFAULT 0
)
;
CREATE TABLE webhook_states (
	endpoint_id VARCHAR(36) PRIMARY KEY,
	cursor_seq BIGINT NOT NULL,
	failing_since {{ts}},
	disabled_at {{ts}},
	disabled_reason VARCHAR(500) NOT NULL DEFAULT ''
)
;
CREATE TABLE webhook_secrets (
	id VARCHAR(36) PRIMARY KEY,
	endpoint_id VARCHAR(36) NOT NULL,
	secret VARCHAR(200) NOT NULL,
	created_at {{ts}} NOT NULL,
	expires_at {{ts}}
)
;
CREATE INDEX webhook_secrets_endpoint ON webhook_secrets (endpoint_id)
;
CREATE TABLE webhook_deliveries (
	id VARCHAR(36) PRIMARY KEY,
	endpoint_id VARCHAR(36) NOT NULL,
	seq BIGINT NOT NULL,
	event_type VARCHAR(64) NOT NULL,
	entity VARCHAR(32) NOT NULL,
	record_id VARCHAR(36) NOT NULL,
	payload TEXT NOT NULL,
	status VARCHAR(16) NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at {{ts}} NOT NULL,
	lease_until {{ts}},
	last_status INTEGER NOT NULL DEFAULT 0,
	last_error VARCHAR(1000) NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL,
	delivered_at {{ts}}
)
;
CREATE UNIQUE INDEX webhook_deliveries_event ON webhook_deliveries (endpoint_id, seq) WHERE seq > 0
;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (endpoint_id, next_attempt_at) WHERE status = 'pending'
;
CREATE INDEX webhook_deliveries_record ON webhook_deliveries (endpoint_id, record_id, seq) WHERE status = 'pending'
;
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (endpoint_id, created_at)
;
CREATE TABLE webhook_attempts (
	id {{seqpk}},
	delivery_id VARCHAR(36) NOT NULL,
	endpoint_id VARCHAR(36) NOT NULL,
	attempt INTEGER NOT NULL,
	at {{ts}} NOT NULL,
	status INTEGER NOT NULL,
	latency_ms INTEGER NOT NULL,
	error VARCHAR(1000) NOT NULL DEFAULT '',
	response_excerpt VARCHAR(2000) NOT NULL DEFAULT '',
	request_headers {{json}}
)
;
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt)
;
CREATE INDEX webhook_attempts_at ON webhook_attempts (at)
`
