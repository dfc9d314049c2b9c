package store

import "rapport/model"

// MergeRecordTypes returns the record types a merge searches.
func MergeRecordTypes() []model.Record { return recordTypes }

// MergePlanColumns maps each table a merge searches to the columns it
// reads there: "column" for an id column, "column:needle" inside JSON.
func (s *Store) MergePlanColumns() (map[string][]string, error) {
	plans, err := s.mergePlans()
	out := map[string][]string{}
	for _, p := range plans {
		for _, c := range p.columns {
			key := c.column
			if c.needle != "" {
				key += ":" + c.needle
			}
			out[p.table] = append(out[p.table], key)
		}
	}
	return out, err
}

// MergeLinkColumns lists the "table.column" link and history columns a
// merge rewrites.
func MergeLinkColumns() []string {
	var out []string
	for _, l := range linkColumns {
		out = append(out, l.table+"."+l.column)
	}
	return out
}

// ForgetDuplicatePasses empties the cache of duplicate suggestion passes,
// so a benchmark times whole passes.
func ForgetDuplicatePasses() { dupCache.Clear() }
