package migrate

// m0009Assignment gives territories the rep and team that new leads, deals
// and accounts in them are assigned to.
const m0009Assignment = `
ALTER TABLE territories ADD COLUMN owner_id VARCHAR(36)
;
ALTER TABLE territories ADD COLUMN team_id VARCHAR(36)
`
