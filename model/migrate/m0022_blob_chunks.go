package migrate

// m0022BlobChunks lets the database blob store (--blobs db) keep a large
// blob in rows of 1 MiB, so that storing or reading it never holds it whole
// in memory: blobs.chunks counts them (0: the content is in blobs.data, as
// before, for blobs up to 1 MiB and every blob stored earlier).
const m0022BlobChunks = `
ALTER TABLE blobs ADD COLUMN chunks INTEGER NOT NULL DEFAULT 0
;
CREATE TABLE blob_chunks (
	sha256 VARCHAR(64) NOT NULL,
	seq INTEGER NOT NULL,
	data {{bytes}} NOT NULL,
	PRIMARY KEY (sha256, seq)
)
`
