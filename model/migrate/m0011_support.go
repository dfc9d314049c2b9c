package migrate

// m0011Support adds the support desk: requests (tickets) with their
// service-level clock, queues, SLA targets per priority, time entries and
// links between requests. A request's chronology is its activities
// (activity_links) and its change history, so no events table is needed.
// The indexes serve queue pages (open requests of a queue in its order)
// over half a million requests.
const m0011Support = `
CREATE TABLE requests (
	{{meta}},
	number VARCHAR(32) NOT NULL,
	subject VARCHAR(500) NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	account_id VARCHAR(36),
	contact_id VARCHAR(36),
	product_id VARCHAR(36),
	channel VARCHAR(16) NOT NULL,
	status VARCHAR(24) NOT NULL,
	priority VARCHAR(16) NOT NULL,
	queue_id VARCHAR(36),
	assignee_id VARCHAR(36),
	team_id VARCHAR(36),
	tags {{json}},
	custom_fields {{json}},
	first_response_due {{ts}},
	resolution_due {{ts}},
	first_response_at {{ts}},
	resolved_at {{ts}},
	closed_at {{ts}},
	sla_breached BOOLEAN NOT NULL DEFAULT FALSE,
	reopen_count INTEGER NOT NULL DEFAULT 0,
	last_activity_at {{ts}} NOT NULL,
	rating INTEGER NOT NULL DEFAULT 0,
	feedback_comment TEXT NOT NULL DEFAULT '',
	feedback_at {{ts}}
)
;
CREATE UNIQUE INDEX requests_number ON requests (number)
;
CREATE INDEX requests_queue ON requests (queue_id, status, created_at) WHERE deleted_at IS NULL
;
CREATE INDEX requests_assignee ON requests (assignee_id, status)
;
CREATE INDEX requests_account ON requests (account_id, created_at)
;
CREATE INDEX requests_contact ON requests (contact_id, created_at)
;
CREATE INDEX requests_due ON requests (resolution_due) WHERE sla_breached = FALSE AND resolved_at IS NULL AND deleted_at IS NULL
;
CREATE INDEX requests_created ON requests (created_at)
;
CREATE TABLE queues (
	{{meta}},
	name VARCHAR(200) NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	order_by {{json}},
	team_id VARCHAR(36),
	active BOOLEAN NOT NULL DEFAULT TRUE
)
;
CREATE TABLE sla_targets (
	{{meta}},
	priority VARCHAR(16) NOT NULL,
	contract_level VARCHAR(32) NOT NULL DEFAULT '',
	first_response_minutes INTEGER NOT NULL,
	resolution_minutes INTEGER NOT NULL
)
;
CREATE UNIQUE INDEX sla_targets_level ON sla_targets (priority, contract_level) WHERE deleted_at IS NULL
;
CREATE TABLE time_entries (
	{{meta}},
	request_id VARCHAR(36) NOT NULL,
	owner_id VARCHAR(36) NOT NULL,
	minutes INTEGER NOT NULL,
	billable BOOLEAN NOT NULL DEFAULT FALSE,
	rate BIGINT NOT NULL DEFAULT 0,
	currency VARCHAR(3) NOT NULL,
	day VARCHAR(10) NOT NULL,
	note VARCHAR(1000) NOT NULL DEFAULT ''
)
;
CREATE INDEX time_entries_request ON time_entries (request_id)
;
CREATE INDEX time_entries_owner ON time_entries (owner_id, day)
;
CREATE TABLE request_links (
	request_id VARCHAR(36) NOT NULL,
	other_id VARCHAR(36) NOT NULL,
	kind VARCHAR(16) NOT NULL,
	created_at {{ts}} NOT NULL,
	created_by VARCHAR(36),
	PRIMARY KEY (request_id, other_id)
)
;
CREATE INDEX request_links_other ON request_links (other_id)
`
