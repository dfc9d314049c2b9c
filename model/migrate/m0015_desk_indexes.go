package migrate

// m0015DeskIndexes adds the indexes the support reports read over half a
// million requests, two million events and their time entries.
//
// SQLite has no hash aggregate: it groups by sorting unless an index hands
// it the rows in the group key's order, so each report that groups the
// requests created in a period by a column gets a covering index led by
// that column, then created_at (a short period skip-scans the few keys)
// and every other column it reads, deleted_at included (without it SQLite
// does not treat a partial index as covering). PostgreSQL aggregates those
// with a parallel hash over the table and needs none of them.
//
// Both engines: calls by kind and time with what the call report sums;
// requests_id_product lets the time-by-product report map a request to
// its product from the index alone; activity_links_activity gains the
// entity so "is this activity linked to a request" is answered by the
// index.
const m0015DeskIndexes = `
--only sqlite
CREATE INDEX requests_report_priority ON requests (priority, created_at, first_response_at, first_response_due, resolved_at, resolution_due, deleted_at) WHERE deleted_at IS NULL
;
--only sqlite
CREATE INDEX requests_report_queue ON requests (queue_id, created_at, sla_breached, deleted_at) WHERE deleted_at IS NULL
;
--only sqlite
CREATE INDEX requests_report_account ON requests (account_id, created_at, status, deleted_at) WHERE deleted_at IS NULL
;
--only sqlite
CREATE INDEX requests_report_tags ON requests (tags, created_at, deleted_at) WHERE deleted_at IS NULL
;
--only sqlite
CREATE INDEX time_entries_request_day ON time_entries (request_id, day, minutes, owner_id, deleted_at) WHERE deleted_at IS NULL
;
CREATE INDEX requests_id_product ON requests (id, product_id)
;
CREATE INDEX activities_calls ON activities (kind, sort_at, created_by, duration_seconds, id, deleted_at) WHERE deleted_at IS NULL
;
DROP INDEX activity_links_activity
;
CREATE INDEX activity_links_activity ON activity_links (activity_id, entity)
`
