package store

import "context"

// Step runs fn as Store.step does.
func (s *Store) Step(ctx context.Context, fn func(ctx context.Context) error) error {
	return s.step(ctx, fn)
}

// OwnSavepoint is Store.ownSavepoint.
func (s *Store) OwnSavepoint(ctx context.Context) context.Context { return s.ownSavepoint(ctx) }
