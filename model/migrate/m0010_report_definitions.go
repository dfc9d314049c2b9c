package migrate

// m0010ReportDefinitions stores user-defined reports: what they count,
// filter, group and aggregate (never SQL).
const m0010ReportDefinitions = `
CREATE TABLE report_definitions (
	{{meta}},
	name VARCHAR(200) NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	entity VARCHAR(32) NOT NULL,
	filter {{json}},
	period_field VARCHAR(64) NOT NULL DEFAULT '',
	group_by {{json}},
	aggregates {{json}},
	sort {{json}},
	max_rows INTEGER NOT NULL,
	owner_id VARCHAR(36) NOT NULL
)
;
CREATE INDEX report_definitions_owner ON report_definitions (owner_id)
`
