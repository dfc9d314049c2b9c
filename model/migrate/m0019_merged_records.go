package migrate

// m0019MergedRecords adds the tombstone pointer of merged duplicates: a
// contact or account merged into another is deleted and names its survivor
// in merged_into_id, so links, DAV names and UIDs that still name it can be
// followed to the record that holds its data now. The indexes are partial:
// only tombstones of merges carry the column.
const m0019MergedRecords = `
ALTER TABLE contacts ADD COLUMN merged_into_id VARCHAR(36)
;
ALTER TABLE accounts ADD COLUMN merged_into_id VARCHAR(36)
;
CREATE INDEX contacts_merged_into ON contacts (merged_into_id) WHERE merged_into_id IS NOT NULL
;
CREATE INDEX accounts_merged_into ON accounts (merged_into_id) WHERE merged_into_id IS NOT NULL
`
