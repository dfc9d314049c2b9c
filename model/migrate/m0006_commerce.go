package migrate

// m0006Commerce adds the commerce half of the sales issue: products, price
// lists with their entries (a child table keyed by list and product, so a
// 10,000-product list prices one line with one primary-key read), dated
// exchange rates, quotes and orders with their lines (child tables ordered
// by position: a 500-line document rewrites only the lines that change, and
// its feed snapshot stays the header and totals), and the optional domain
// event name on change-feed rows. Money columns are BIGINT of 1/10,000
// (model.Decimal).
const m0006Commerce = `
ALTER TABLE changes ADD COLUMN event VARCHAR(64)
;
CREATE TABLE products (
	{{meta}},
	sku VARCHAR(64) NOT NULL,
	name VARCHAR(300) NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	unit VARCHAR(32) NOT NULL DEFAULT '',
	tax_rate BIGINT NOT NULL DEFAULT 0,
	active BOOLEAN NOT NULL DEFAULT TRUE
)
;
CREATE UNIQUE INDEX products_sku ON products (sku) WHERE deleted_at IS NULL
;
CREATE INDEX products_updated ON products (updated_at, id)
;
CREATE TABLE price_lists (
	{{meta}},
	name VARCHAR(200) NOT NULL,
	currency VARCHAR(3) NOT NULL,
	valid_from VARCHAR(10),
	valid_to VARCHAR(10),
	prices_include_tax BOOLEAN NOT NULL DEFAULT FALSE,
	active BOOLEAN NOT NULL DEFAULT TRUE
)
;
CREATE TABLE price_list_entries (
	price_list_id VARCHAR(36) NOT NULL,
	product_id VARCHAR(36) NOT NULL,
	unit_price BIGINT NOT NULL,
	updated_at {{ts}} NOT NULL,
	PRIMARY KEY (price_list_id, product_id)
)
;
CREATE INDEX price_list_entries_product ON price_list_entries (product_id)
;
CREATE TABLE exchange_rates (
	{{meta}},
	currency VARCHAR(3) NOT NULL,
	rate BIGINT NOT NULL,
	valid_from VARCHAR(10) NOT NULL
)
;
CREATE UNIQUE INDEX exchange_rates_day ON exchange_rates (currency, valid_from) WHERE deleted_at IS NULL
;
CREATE TABLE quotes (
	{{meta}},
	number VARCHAR(32) NOT NULL,
	revision INTEGER NOT NULL,
	status VARCHAR(16) NOT NULL,
	account_id VARCHAR(36),
	contact_id VARCHAR(36),
	opportunity_id VARCHAR(36),
	owner_id VARCHAR(36),
	team_id VARCHAR(36),
	valid_until VARCHAR(10),
	notes TEXT NOT NULL DEFAULT '',
` + pricingColumns + `	reject_reason VARCHAR(1000) NOT NULL DEFAULT '',
	sent_at {{ts}},
	decided_at {{ts}},
	previous_id VARCHAR(36),
	superseded_by VARCHAR(36),
	order_id VARCHAR(36)
)
;
CREATE UNIQUE INDEX quotes_number ON quotes (number, revision) WHERE deleted_at IS NULL
;
CREATE INDEX quotes_account ON quotes (account_id)
;
CREATE INDEX quotes_opportunity ON quotes (opportunity_id)
;
CREATE INDEX quotes_owner ON quotes (owner_id, status)
;
CREATE INDEX quotes_updated ON quotes (updated_at, id)
;
CREATE TABLE quote_lines (` + docLineColumns + `)
;
CREATE INDEX quote_lines_doc ON quote_lines (doc_id, position)
;
CREATE INDEX quote_lines_product ON quote_lines (product_id)
;
CREATE TABLE orders (
	{{meta}},
	number VARCHAR(32) NOT NULL,
	kind VARCHAR(32) NOT NULL,
	status VARCHAR(16) NOT NULL,
	account_id VARCHAR(36),
	contact_id VARCHAR(36),
	opportunity_id VARCHAR(36),
	quote_id VARCHAR(36),
	owner_id VARCHAR(36),
	team_id VARCHAR(36),
	order_date VARCHAR(10),
	billable BOOLEAN NOT NULL DEFAULT TRUE,
	external_ref VARCHAR(100) NOT NULL DEFAULT '',
	notes TEXT NOT NULL DEFAULT '',
` + pricingColumns + `	custom_fields {{json}},
	confirmed_at {{ts}},
	fulfilled_at {{ts}},
	cancelled_at {{ts}}
)
;
CREATE UNIQUE INDEX orders_number ON orders (number) WHERE deleted_at IS NULL
;
CREATE UNIQUE INDEX orders_quote ON orders (quote_id) WHERE deleted_at IS NULL AND quote_id IS NOT NULL
;
CREATE INDEX orders_account ON orders (account_id)
;
CREATE INDEX orders_owner ON orders (owner_id, status)
;
CREATE INDEX orders_updated ON orders (updated_at, id)
;
CREATE TABLE order_lines (` + docLineColumns + `)
;
CREATE INDEX order_lines_doc ON order_lines (doc_id, position)
;
CREATE INDEX order_lines_product ON order_lines (product_id)
`

// pricingColumns are model.Pricing's columns: a priced document's currency,
// price source, rounding and totals.
const pricingColumns = `	currency VARCHAR(3) NOT NULL,
	price_list_id VARCHAR(36),
	prices_include_tax BOOLEAN NOT NULL DEFAULT FALSE,
	rounding VARCHAR(8) NOT NULL,
	subtotal BIGINT NOT NULL DEFAULT 0,
	discount_total BIGINT NOT NULL DEFAULT 0,
	net_total BIGINT NOT NULL DEFAULT 0,
	tax_total BIGINT NOT NULL DEFAULT 0,
	total BIGINT NOT NULL DEFAULT 0,
	line_count INTEGER NOT NULL DEFAULT 0,
`

// docLineColumns are model.Line's columns, shared by quote and order lines.
const docLineColumns = `
	id VARCHAR(36) PRIMARY KEY,
	doc_id VARCHAR(36) NOT NULL,
	position INTEGER NOT NULL,
	product_id VARCHAR(36),
	description VARCHAR(2000) NOT NULL,
	unit VARCHAR(32) NOT NULL DEFAULT '',
	quantity BIGINT NOT NULL,
	unit_price BIGINT NOT NULL,
	discount_pct BIGINT NOT NULL,
	tax_rate BIGINT NOT NULL,
	list_amount BIGINT NOT NULL,
	discount_amount BIGINT NOT NULL,
	net_amount BIGINT NOT NULL,
	tax_amount BIGINT NOT NULL,
	gross_amount BIGINT NOT NULL
`
