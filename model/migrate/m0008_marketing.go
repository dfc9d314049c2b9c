package migrate

// m0008Marketing adds the marketing side: the contact-level unsubscribe
// flag, mailing lists (static lists keep their contacts in
// mailing_list_members; dynamic ones a saved filter), campaign members with
// their responses, and telemarketing scripts. A campaign member is unique per
// campaign and record among live rows, so a member removed (a tombstone)
// may be added again.
const m0008Marketing = `
ALTER TABLE contacts ADD COLUMN unsubscribed BOOLEAN NOT NULL DEFAULT FALSE
;
ALTER TABLE contacts ADD COLUMN unsubscribed_at {{ts}}
;
CREATE TABLE mailing_lists (
	{{meta}},
	name VARCHAR(200) NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	kind VARCHAR(16) NOT NULL,
	filter {{json}},
	sort_name {{ctext}} NOT NULL
)
;
CREATE TABLE mailing_list_members (
	list_id VARCHAR(36) NOT NULL,
	contact_id VARCHAR(36) NOT NULL,
	added_at {{ts}} NOT NULL,
	added_by VARCHAR(36) NOT NULL DEFAULT '',
	PRIMARY KEY (list_id, contact_id)
)
;
CREATE INDEX mailing_list_members_contact ON mailing_list_members (contact_id)
;
CREATE TABLE campaign_members (
	{{meta}},
	campaign_id VARCHAR(36) NOT NULL,
	entity VARCHAR(16) NOT NULL,
	record_id VARCHAR(36) NOT NULL,
	status VARCHAR(16) NOT NULL,
	responded_at {{ts}},
	response TEXT NOT NULL DEFAULT '',
	list_id VARCHAR(36)
)
;
CREATE UNIQUE INDEX campaign_members_record ON campaign_members (campaign_id, record_id) WHERE deleted_at IS NULL
;
CREATE INDEX campaign_members_status ON campaign_members (campaign_id, status) WHERE deleted_at IS NULL
;
CREATE INDEX campaign_members_of ON campaign_members (record_id)
;
CREATE TABLE scripts (
	{{meta}},
	name VARCHAR(200) NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	questions {{json}},
	sort_name {{ctext}} NOT NULL
)
`
