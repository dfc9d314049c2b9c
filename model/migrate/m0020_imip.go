package migrate

// m0020IMIP adds calendar invitations by mail and reminders by mail.
//
// An outbox mail may carry an iMIP calendar (RFC 6047): its METHOD and the
// iCalendar text. Activities keep, outside the record (no version, no feed
// row: bookkeeping of mail, not business data), the SEQUENCE of the last
// invitation sent (NULL: never invited, so a delete sends no CANCEL; a
// reply older than it is stale), and the remind_at and due_at values a
// reminder and a due notice were mailed for: a reminder goes once per
// value, and moving the time re-arms it without anyone clearing a flag.
// The due-notice index mirrors the existing remind_at one.
const m0020IMIP = `
ALTER TABLE outbound_mails ADD COLUMN calendar_method VARCHAR(16) NOT NULL DEFAULT ''
;
ALTER TABLE outbound_mails ADD COLUMN calendar TEXT NOT NULL DEFAULT ''
;
ALTER TABLE activities ADD COLUMN invitation_sequence INTEGER
;
ALTER TABLE activities ADD COLUMN reminder_sent_for {{ts}}
;
ALTER TABLE activities ADD COLUMN due_notice_sent_for {{ts}}
;
CREATE INDEX activities_due ON activities (due_at) WHERE due_at IS NOT NULL AND kind = 'task'
`
