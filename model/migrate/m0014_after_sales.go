package migrate

// m0014AfterSales adds after-sales service: product registrations with
// their owner history, returns (RMA) with lines and status history,
// service contracts (what they cover is kept on the contract: an account
// has a handful, read whole), invoices and credit notes on the shared line
// arithmetic, and billing runs. A billable item is invoiced once: its
// (source_type, source_id) is unique among invoice lines. Requests gain
// their type, registration, contract and entitlement.
const m0014AfterSales = `
CREATE TABLE registrations (
	{{meta}},
	product_id VARCHAR(36) NOT NULL,
	serial VARCHAR(100) NOT NULL,
	purchase_date VARCHAR(10),
	account_id VARCHAR(36),
	contact_id VARCHAR(36),
	order_id VARCHAR(36),
	status VARCHAR(16) NOT NULL,
	notes TEXT NOT NULL DEFAULT '',
	custom_fields {{json}}
)
;
CREATE UNIQUE INDEX registrations_serial ON registrations (product_id, serial) WHERE deleted_at IS NULL
;
CREATE INDEX registrations_serial_any ON registrations (serial)
;
CREATE INDEX registrations_account ON registrations (account_id)
;
CREATE INDEX registrations_contact ON registrations (contact_id)
;
CREATE TABLE registration_transfers (
	id VARCHAR(36) PRIMARY KEY,
	registration_id VARCHAR(36) NOT NULL,
	from_account_id VARCHAR(36),
	from_contact_id VARCHAR(36),
	to_account_id VARCHAR(36),
	to_contact_id VARCHAR(36),
	at {{ts}} NOT NULL,
	actor_id VARCHAR(36),
	note TEXT NOT NULL DEFAULT ''
)
;
CREATE INDEX registration_transfers_registration ON registration_transfers (registration_id, at)
;
CREATE TABLE rmas (
	{{meta}},
	number VARCHAR(32) NOT NULL,
	status VARCHAR(16) NOT NULL,
	account_id VARCHAR(36),
	contact_id VARCHAR(36),
	request_id VARCHAR(36),
	order_id VARCHAR(36),
	service_order_id VARCHAR(36),
	owner_id VARCHAR(36),
	carrier VARCHAR(100) NOT NULL DEFAULT '',
	tracking_number VARCHAR(100) NOT NULL DEFAULT '',
	notes TEXT NOT NULL DEFAULT '',
	reject_reason VARCHAR(1000) NOT NULL DEFAULT '',
	custom_fields {{json}},
	line_count INTEGER NOT NULL DEFAULT 0,
	authorised_at {{ts}},
	received_at {{ts}},
	shipped_at {{ts}},
	closed_at {{ts}}
)
;
CREATE UNIQUE INDEX rmas_number ON rmas (number) WHERE deleted_at IS NULL
;
CREATE INDEX rmas_account ON rmas (account_id)
;
CREATE INDEX rmas_request ON rmas (request_id)
;
CREATE INDEX rmas_order ON rmas (order_id)
;
CREATE INDEX rmas_status ON rmas (status, created_at)
;
CREATE INDEX rmas_created ON rmas (created_at)
;
CREATE TABLE rma_lines (
	id VARCHAR(36) PRIMARY KEY,
	rma_id VARCHAR(36) NOT NULL,
	position INTEGER NOT NULL,
	product_id VARCHAR(36) NOT NULL,
	registration_id VARCHAR(36),
	serial VARCHAR(100) NOT NULL DEFAULT '',
	quantity INTEGER NOT NULL,
	reason VARCHAR(32) NOT NULL,
	reason_text VARCHAR(2000) NOT NULL DEFAULT '',
	action VARCHAR(16) NOT NULL
)
;
CREATE INDEX rma_lines_rma ON rma_lines (rma_id, position)
;
CREATE INDEX rma_lines_product ON rma_lines (product_id)
;
CREATE INDEX rma_lines_registration ON rma_lines (registration_id)
;
CREATE TABLE rma_status_changes (
	id VARCHAR(36) PRIMARY KEY,
	rma_id VARCHAR(36) NOT NULL,
	from_status VARCHAR(16) NOT NULL,
	to_status VARCHAR(16) NOT NULL,
	at {{ts}} NOT NULL,
	actor_id VARCHAR(36),
	note TEXT NOT NULL DEFAULT ''
)
;
CREATE INDEX rma_status_changes_rma ON rma_status_changes (rma_id, at)
;
CREATE TABLE contracts (
	{{meta}},
	number VARCHAR(32) NOT NULL,
	name VARCHAR(200) NOT NULL,
	kind VARCHAR(16) NOT NULL,
	status VARCHAR(16) NOT NULL,
	level VARCHAR(32) NOT NULL DEFAULT '',
	account_id VARCHAR(36) NOT NULL,
	contact_id VARCHAR(36),
	owner_id VARCHAR(36),
	start_date VARCHAR(10) NOT NULL,
	end_date VARCHAR(10),
	product_ids {{json}},
	registration_ids {{json}},
	billing_method VARCHAR(16) NOT NULL,
	billing_period VARCHAR(16) NOT NULL,
	currency VARCHAR(3) NOT NULL,
	tax_rate BIGINT NOT NULL DEFAULT 0,
	request_price BIGINT NOT NULL DEFAULT 0,
	purchase_amount BIGINT NOT NULL DEFAULT 0,
	purchase_percent BIGINT NOT NULL DEFAULT 0,
	hourly_rate BIGINT NOT NULL DEFAULT 0,
	specialist_rates {{json}},
	fixed_fee BIGINT NOT NULL DEFAULT 0,
	prepaid_unit VARCHAR(16) NOT NULL DEFAULT '',
	prepaid_units BIGINT NOT NULL DEFAULT 0,
	notes TEXT NOT NULL DEFAULT '',
	custom_fields {{json}},
	expiry_notice_at {{ts}}
)
;
CREATE UNIQUE INDEX contracts_number ON contracts (number) WHERE deleted_at IS NULL
;
CREATE INDEX contracts_account ON contracts (account_id)
;
CREATE INDEX contracts_end ON contracts (end_date) WHERE deleted_at IS NULL
;
CREATE TABLE invoices (
	{{meta}},
	number VARCHAR(32) NOT NULL DEFAULT '',
	kind VARCHAR(16) NOT NULL,
	status VARCHAR(16) NOT NULL,
	account_id VARCHAR(36) NOT NULL,
	contact_id VARCHAR(36),
	contract_id VARCHAR(36),
	billing_run_id VARCHAR(36),
	credit_of_id VARCHAR(36),
	owner_id VARCHAR(36),
	team_id VARCHAR(36),
	period_start VARCHAR(10),
	period_end VARCHAR(10),
	issue_date VARCHAR(10),
	due_date VARCHAR(10),
	payment_terms_days INTEGER NOT NULL DEFAULT 30,
	payment_ref VARCHAR(100) NOT NULL DEFAULT '',
	notes TEXT NOT NULL DEFAULT '',
	external_ref VARCHAR(100) NOT NULL DEFAULT '',
` + pricingColumns + `	custom_fields {{json}},
	issued_at {{ts}},
	paid_on VARCHAR(10),
	paid_at {{ts}}
)
;
CREATE UNIQUE INDEX invoices_number ON invoices (number) WHERE number <> ''
;
CREATE INDEX invoices_account ON invoices (account_id, issue_date)
;
CREATE INDEX invoices_status ON invoices (status, due_date)
;
CREATE INDEX invoices_run ON invoices (billing_run_id)
;
CREATE INDEX invoices_contract ON invoices (contract_id)
;
CREATE INDEX invoices_credit ON invoices (credit_of_id)
;
CREATE TABLE invoice_lines (` + docLineColumns + `,
	source_type VARCHAR(16) NOT NULL DEFAULT 'manual',
	source_id VARCHAR(80) NOT NULL DEFAULT ''
)
;
CREATE INDEX invoice_lines_doc ON invoice_lines (doc_id, position)
;
CREATE UNIQUE INDEX invoice_lines_source ON invoice_lines (source_id, source_type)
	WHERE source_type IN ('time_entry', 'request', 'order', 'fixed_fee', 'purchase_amount')
;
CREATE INDEX invoice_lines_credit ON invoice_lines (source_id) WHERE source_type = 'credit'
;
CREATE TABLE billing_runs (
	{{meta}},
	period_start VARCHAR(10) NOT NULL,
	period_end VARCHAR(10) NOT NULL,
	status VARCHAR(16) NOT NULL,
	invoice_count INTEGER NOT NULL DEFAULT 0,
	line_count INTEGER NOT NULL DEFAULT 0,
	totals {{json}},
	started_at {{ts}},
	finished_at {{ts}},
	error TEXT NOT NULL DEFAULT ''
)
;
CREATE UNIQUE INDEX billing_runs_period ON billing_runs (period_start, period_end) WHERE deleted_at IS NULL
;
ALTER TABLE requests ADD COLUMN type VARCHAR(16) NOT NULL DEFAULT 'incident'
;
ALTER TABLE requests ADD COLUMN registration_id VARCHAR(36)
;
ALTER TABLE requests ADD COLUMN contract_id VARCHAR(36)
;
ALTER TABLE requests ADD COLUMN entitlement VARCHAR(16) NOT NULL DEFAULT ''
;
CREATE INDEX requests_registration ON requests (registration_id)
;
CREATE INDEX requests_contract ON requests (contract_id, created_at)
;
CREATE INDEX time_entries_day ON time_entries (day) WHERE billable = TRUE AND deleted_at IS NULL
;
CREATE INDEX orders_billable ON orders (status, fulfilled_at) WHERE billable = TRUE AND deleted_at IS NULL
`
