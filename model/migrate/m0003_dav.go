package migrate

// m0003DAV adds what CardDAV and CalDAV clients need: each contact's and
// activity's UID, resource name and unmapped properties; activity tags,
// class, organizer, personal calendar and recurrence end (an index for
// calendar-query); contact URLs; and the users' DAV collections (built-in
// settings and MKCALENDAR calendars with their dead properties).
const m0003DAV = `
ALTER TABLE contacts ADD COLUMN urls {{json}}
;
ALTER TABLE contacts ADD COLUMN dav_uid VARCHAR(255) NOT NULL DEFAULT ''
;
ALTER TABLE contacts ADD COLUMN dav_name VARCHAR(255) NOT NULL DEFAULT ''
;
ALTER TABLE contacts ADD COLUMN dav_extra TEXT NOT NULL DEFAULT ''
;
CREATE INDEX contacts_dav_uid ON contacts (dav_uid)
;
CREATE INDEX contacts_dav_name ON contacts (dav_name)
;
ALTER TABLE activities ADD COLUMN tags {{json}}
;
ALTER TABLE activities ADD COLUMN class VARCHAR(16) NOT NULL DEFAULT 'public'
;
ALTER TABLE activities ADD COLUMN calendar_id VARCHAR(36)
;
ALTER TABLE activities ADD COLUMN organizer_email VARCHAR(320) NOT NULL DEFAULT ''
;
ALTER TABLE activities ADD COLUMN organizer_name VARCHAR(200) NOT NULL DEFAULT ''
;
ALTER TABLE activities ADD COLUMN recurrence_end {{ts}}
;
ALTER TABLE activities ADD COLUMN dav_uid VARCHAR(255) NOT NULL DEFAULT ''
;
ALTER TABLE activities ADD COLUMN dav_name VARCHAR(255) NOT NULL DEFAULT ''
;
ALTER TABLE activities ADD COLUMN dav_extra TEXT NOT NULL DEFAULT ''
;
CREATE INDEX activities_dav_uid ON activities (dav_uid)
;
CREATE INDEX activities_dav_name ON activities (dav_name)
;
CREATE INDEX activities_calendar ON activities (calendar_id, start_at) WHERE calendar_id IS NOT NULL
;
CREATE INDEX activities_owner_start ON activities (owner_id, kind, start_at)
;
CREATE TABLE dav_collections (
	{{meta}},
	owner_id VARCHAR(36) NOT NULL,
	kind VARCHAR(16) NOT NULL,
	slug VARCHAR(255) NOT NULL,
	builtin BOOLEAN NOT NULL DEFAULT FALSE,
	enabled BOOLEAN NOT NULL DEFAULT TRUE,
	display_name VARCHAR(255) NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	color VARCHAR(32) NOT NULL DEFAULT '',
	sort_order INTEGER NOT NULL DEFAULT 0,
	time_zone TEXT NOT NULL DEFAULT '',
	components {{json}},
	props {{json}}
)
;
CREATE UNIQUE INDEX dav_collections_slug ON dav_collections (owner_id, kind, slug) WHERE deleted_at IS NULL
;
CREATE INDEX changes_entity_seq ON changes (entity, seq)
`
