package migrate

// m0007Sales adds the sales side: pipelines with their stages, opportunities
// (amounts as BIGINT of 1/10,000 units) and their stage history,
// competitors, leads and campaigns. The indexes serve the pipeline and
// forecast reports over a million opportunities: pipeline_by_stage and the
// forecast read only the covering indexes opportunities_pipeline and
// opportunities_close (every column they need is in them, the owner and
// team of the visibility filter included, and deleted_at, without which
// SQLite does not treat a partial index as covering). No index leads with team or
// territory: SQLite would skip-scan such a low-cardinality column and then
// visit the table for every deal.
const m0007Sales = `
CREATE TABLE pipelines (
	{{meta}},
	name VARCHAR(200) NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	stages {{json}},
	active BOOLEAN NOT NULL DEFAULT TRUE,
	sort_order INTEGER NOT NULL DEFAULT 0
)
;
CREATE TABLE campaigns (
	{{meta}},
	name VARCHAR(300) NOT NULL,
	type VARCHAR(32) NOT NULL,
	status VARCHAR(16) NOT NULL,
	start_date VARCHAR(10),
	end_date VARCHAR(10),
	currency VARCHAR(3) NOT NULL,
	budget BIGINT NOT NULL DEFAULT 0,
	actual_cost BIGINT NOT NULL DEFAULT 0,
	expected_revenue BIGINT NOT NULL DEFAULT 0,
	description TEXT NOT NULL DEFAULT '',
	owner_id VARCHAR(36)
)
;
CREATE TABLE competitors (
	{{meta}},
	name VARCHAR(200) NOT NULL,
	website VARCHAR(500) NOT NULL DEFAULT '',
	strengths TEXT NOT NULL DEFAULT '',
	weaknesses TEXT NOT NULL DEFAULT '',
	notes TEXT NOT NULL DEFAULT ''
)
;
CREATE TABLE leads (
	{{meta}},
	first_name VARCHAR(200) NOT NULL DEFAULT '',
	last_name VARCHAR(200) NOT NULL DEFAULT '',
	display_name VARCHAR(400) NOT NULL,
	title VARCHAR(200) NOT NULL DEFAULT '',
	company VARCHAR(300) NOT NULL DEFAULT '',
	industry VARCHAR(100) NOT NULL DEFAULT '',
	website VARCHAR(500) NOT NULL DEFAULT '',
	emails {{json}},
	phones {{json}},
	addresses {{json}},
	language VARCHAR(16) NOT NULL DEFAULT '',
	status VARCHAR(16) NOT NULL,
	status_reason VARCHAR(500) NOT NULL DEFAULT '',
	campaign_id VARCHAR(36),
	source VARCHAR(64) NOT NULL DEFAULT '',
	qualification {{json}},
	score INTEGER NOT NULL DEFAULT 0,
	owner_id VARCHAR(36),
	team_id VARCHAR(36),
	territory_id VARCHAR(36),
	notes TEXT NOT NULL DEFAULT '',
	tags {{json}},
	custom_fields {{json}},
	converted_at {{ts}},
	account_id VARCHAR(36),
	contact_id VARCHAR(36),
	opportunity_id VARCHAR(36),
	sort_name VARCHAR(400) NOT NULL
)
;
CREATE INDEX leads_status ON leads (status, created_at)
;
CREATE INDEX leads_campaign ON leads (campaign_id) WHERE campaign_id IS NOT NULL
;
CREATE INDEX leads_owner ON leads (owner_id)
;
CREATE TABLE opportunities (
	{{meta}},
	name VARCHAR(300) NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	account_id VARCHAR(36),
	contact_id VARCHAR(36),
	pipeline_id VARCHAR(36) NOT NULL,
	stage VARCHAR(64) NOT NULL,
	amount BIGINT NOT NULL DEFAULT 0,
	currency VARCHAR(3) NOT NULL,
	close_date VARCHAR(10),
	probability INTEGER NOT NULL,
	probability_override INTEGER,
	forecast_category VARCHAR(16) NOT NULL,
	outcome VARCHAR(16) NOT NULL,
	outcome_reason VARCHAR(500) NOT NULL DEFAULT '',
	lost_to_id VARCHAR(36),
	competitor_ids {{json}},
	closed_at {{ts}},
	stage_changed_at {{ts}} NOT NULL,
	next_step VARCHAR(500) NOT NULL DEFAULT '',
	next_step_due VARCHAR(10),
	owner_id VARCHAR(36),
	team_id VARCHAR(36),
	territory_id VARCHAR(36),
	campaign_id VARCHAR(36),
	source VARCHAR(64) NOT NULL DEFAULT '',
	lead_id VARCHAR(36),
	tags {{json}},
	custom_fields {{json}},
	weighted_amount BIGINT NOT NULL DEFAULT 0
)
;
CREATE INDEX opportunities_pipeline ON opportunities (pipeline_id, outcome, stage, currency, amount, weighted_amount, owner_id, team_id, deleted_at) WHERE deleted_at IS NULL
;
CREATE INDEX opportunities_close ON opportunities (close_date, outcome, forecast_category, currency, owner_id, team_id, territory_id, amount, weighted_amount, deleted_at) WHERE deleted_at IS NULL
;
CREATE INDEX opportunities_owner ON opportunities (owner_id)
;
CREATE INDEX opportunities_account ON opportunities (account_id)
;
CREATE INDEX opportunities_campaign ON opportunities (campaign_id) WHERE campaign_id IS NOT NULL
;
CREATE INDEX opportunities_next_step ON opportunities (next_step_due) WHERE outcome = 'open' AND deleted_at IS NULL
;
CREATE TABLE opportunity_stage_changes (
	id {{seqpk}},
	opportunity_id VARCHAR(36) NOT NULL,
	pipeline_id VARCHAR(36) NOT NULL,
	from_stage VARCHAR(64) NOT NULL,
	to_stage VARCHAR(64) NOT NULL,
	at {{ts}} NOT NULL,
	actor_id VARCHAR(36) NOT NULL DEFAULT ''
)
;
CREATE INDEX opportunity_stage_changes_opp ON opportunity_stage_changes (opportunity_id, at)
;
CREATE INDEX opportunity_stage_changes_pipeline ON opportunity_stage_changes (pipeline_id, to_stage)
`
