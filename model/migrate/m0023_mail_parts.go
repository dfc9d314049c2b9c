package migrate

// m0023MailParts indexes the files of ingested mail by content. A
// message's parts (attachments, inline images) live in the blob store and
// are listed in mail_messages.attachments (JSON); a message that became a
// request or an entry also attached them to it, but one only logged (an
// auto-reply, bulk mail, a bounce) had no row the blob collector or a
// backup could see, so its files were collected after a day. Each part now
// has a row here, filled from the JSON for the messages stored before.
const m0023MailParts = `
CREATE TABLE mail_message_parts (
	mail_message_id VARCHAR(36) NOT NULL,
	seq INTEGER NOT NULL,
	sha256 VARCHAR(64) NOT NULL,
	PRIMARY KEY (mail_message_id, seq)
)
;
CREATE INDEX mail_message_parts_sha256 ON mail_message_parts (sha256)
;
--only sqlite
INSERT INTO mail_message_parts (mail_message_id, seq, sha256)
SELECT m.id, j.key, json_extract(j.value, '$.sha256') FROM mail_messages m, json_each(m.attachments) j
WHERE m.attachments LIKE '[%' AND coalesce(json_extract(j.value, '$.sha256'), '') <> ''
;
--only postgres
INSERT INTO mail_message_parts (mail_message_id, seq, sha256)
SELECT m.id, j.ord - 1, j.elem->>'sha256' FROM mail_messages m,
	json_array_elements(m.attachments::json) WITH ORDINALITY AS j(elem, ord)
WHERE m.attachments LIKE '[%' AND coalesce(j.elem->>'sha256', '') <> ''
`
