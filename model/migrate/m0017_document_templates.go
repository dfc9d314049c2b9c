package migrate

// m0017DocumentTemplates adds document templates (letters, quotes, invoices,
// mail bodies) and the history of their uploaded files. A built-in template
// is installed once per key; its file, like every revision's, lives in the
// blob store under sha256.
const m0017DocumentTemplates = `
CREATE TABLE document_templates (
	{{meta}},
	name VARCHAR(200) NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	record_type VARCHAR(32) NOT NULL,
	format VARCHAR(8) NOT NULL,
	locale VARCHAR(35) NOT NULL DEFAULT '',
	subject VARCHAR(500) NOT NULL DEFAULT '',
	builtin VARCHAR(64) NOT NULL DEFAULT '',
	revision INTEGER NOT NULL,
	filename VARCHAR(255) NOT NULL,
	content_type VARCHAR(200) NOT NULL,
	size BIGINT NOT NULL,
	sha256 VARCHAR(64) NOT NULL
)
;
CREATE INDEX document_templates_record_type ON document_templates (record_type, name)
;
CREATE UNIQUE INDEX document_templates_builtin ON document_templates (builtin) WHERE builtin <> ''
;
CREATE INDEX document_templates_sha256 ON document_templates (sha256)
;
CREATE TABLE document_template_versions (
	id VARCHAR(36) PRIMARY KEY,
	template_id VARCHAR(36) NOT NULL,
	revision INTEGER NOT NULL,
	filename VARCHAR(255) NOT NULL,
	content_type VARCHAR(200) NOT NULL,
	size BIGINT NOT NULL,
	sha256 VARCHAR(64) NOT NULL,
	note VARCHAR(1000) NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL,
	created_by VARCHAR(36)
)
;
CREATE UNIQUE INDEX document_template_versions_revision ON document_template_versions (template_id, revision)
;
CREATE INDEX document_template_versions_sha256 ON document_template_versions (sha256)
`
