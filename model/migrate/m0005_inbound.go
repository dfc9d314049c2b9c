package migrate

// m0005Inbound adds REST hooks (endpoints subscribed through /api/v1/hooks
// by a user, limited to what that user may see) and the inbound side: web
// forms, inbound webhooks and the webhooks they received (idempotency on
// webhook-id).
const m0005Inbound = `
ALTER TABLE webhook_endpoints ADD COLUMN rest_hook BOOLEAN NOT NULL DEFAULT FALSE
;
ALTER TABLE webhook_endpoints ADD COLUMN owner_id VARCHAR(36) NOT NULL DEFAULT ''
;
CREATE INDEX webhook_endpoints_owner ON webhook_endpoints (owner_id) WHERE rest_hook
;
CREATE TABLE web_forms (
	{{meta}},
	key VARCHAR(64) NOT NULL,
	name VARCHAR(200) NOT NULL,
	target VARCHAR(32) NOT NULL,
	mapping {{json}},
	defaults {{json}},
	required {{json}},
	owner_id VARCHAR(36),
	active BOOLEAN NOT NULL DEFAULT TRUE,
	honeypot VARCHAR(64) NOT NULL DEFAULT '',
	redirect_url VARCHAR(2048) NOT NULL DEFAULT '',
	rate_limit INTEGER NOT NULL DEFAULT 20
)
;
CREATE UNIQUE INDEX web_forms_key ON web_forms (key)
;
CREATE TABLE inbound_hooks (
	{{meta}},
	key VARCHAR(64) NOT NULL,
	name VARCHAR(200) NOT NULL,
	target VARCHAR(32) NOT NULL,
	mapping {{json}},
	defaults {{json}},
	required {{json}},
	owner_id VARCHAR(36),
	active BOOLEAN NOT NULL DEFAULT TRUE,
	match_on VARCHAR(32) NOT NULL DEFAULT '',
	secret VARCHAR(200) NOT NULL
)
;
CREATE UNIQUE INDEX inbound_hooks_key ON inbound_hooks (key)
;
CREATE TABLE inbound_messages (
	id VARCHAR(36) PRIMARY KEY,
	hook_id VARCHAR(36) NOT NULL,
	webhook_id VARCHAR(200) NOT NULL,
	received_at {{ts}} NOT NULL,
	payload TEXT NOT NULL,
	status VARCHAR(16) NOT NULL,
	error VARCHAR(1000) NOT NULL DEFAULT '',
	record_id VARCHAR(36) NOT NULL DEFAULT '',
	processed_at {{ts}}
)
;
CREATE UNIQUE INDEX inbound_messages_webhook_id ON inbound_messages (hook_id, webhook_id)
;
CREATE INDEX inbound_messages_received ON inbound_messages (received_at)
`
