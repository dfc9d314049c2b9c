package migrate

// m0016QueueOrder adds the indexes that hand a queue page its open
// requests already in the queue's order, so a page of 50 reads about 50
// index entries and rows however many requests wait in the queue (without
// them both engines fetch every open request of the queue and sort it).
//
// A queue orders by its rules (priority, due, age) and then created_at
// and id; there is one index per way an order can start: priority then
// due, priority then age, due, age. When a later rule is not in the index
// (priority after age, say), it only breaks ties of the index's order,
// which PostgreSQL's incremental sort and SQLite's partial sort handle
// group by group. Each index holds only open, not deleted requests (its
// WHERE is spelled exactly as the store's queue query spells it, literal
// statuses, so the planners can prove it applies) and ends with
// assignee_id, so "unassigned" pages and the next-request pick skip
// assigned requests in the index without reading their rows. The
// expressions are the store's: the priority rank (urgent first) and "no
// resolution due date last".
const m0016QueueOrder = `
CREATE INDEX requests_queue_priority_due ON requests (queue_id, (CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END),
	(CASE WHEN resolution_due IS NULL THEN 1 ELSE 0 END), resolution_due, created_at, id, assignee_id)
	WHERE deleted_at IS NULL AND status IN ('new', 'open', 'pending_customer', 'pending_third_party')
;
CREATE INDEX requests_queue_priority_age ON requests (queue_id, (CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END),
	created_at, id, assignee_id)
	WHERE deleted_at IS NULL AND status IN ('new', 'open', 'pending_customer', 'pending_third_party')
;
CREATE INDEX requests_queue_due ON requests (queue_id, (CASE WHEN resolution_due IS NULL THEN 1 ELSE 0 END), resolution_due, created_at, id, assignee_id)
	WHERE deleted_at IS NULL AND status IN ('new', 'open', 'pending_customer', 'pending_third_party')
;
CREATE INDEX requests_queue_age ON requests (queue_id, created_at, id, assignee_id)
	WHERE deleted_at IS NULL AND status IN ('new', 'open', 'pending_customer', 'pending_third_party')
`
