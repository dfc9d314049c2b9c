package store

import "context"

// SetSearchWalk sets the match counts between which a PostgreSQL search
// walks the sort index, and returns a func restoring the defaults.
func SetSearchWalk(min, max int) (restore func()) {
	oldMin, oldMax := searchWalkMin, searchWalkMax
	searchWalkMin, searchWalkMax = min, max
	return func() { searchWalkMin, searchWalkMax = oldMin, oldMax }
}

// SearchWalks reports whether q= on entity would walk the sort index.
func SearchWalks(ctx context.Context, s *Store, entity, q string) (bool, error) {
	_, walk, err := s.applySearch(ctx, s.conn(ctx), entity, q)
	return walk, err
}
