package store_test

import (
	"context"
	"errors"
	"testing"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// TestRefsWithinATransaction: a transaction checks a reference to a record
// it created without asking the database again, but never lets one through
// to a record it deleted, or that a rolled-back step created.
func TestRefsWithinATransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		contactOf := func(ctx context.Context, accountID string) error {
			return store.Create(ctx, s, &model.Contact{FirstName: "Ann", LastName: "Lee", AccountID: &accountID})
		}
		err := s.WithTx(ctx, func(ctx context.Context) error {
			a := &model.Account{Name: "Created here"}
			if err := store.Create(ctx, s, a); err != nil {
				return err
			}
			if err := contactOf(ctx, a.ID); err != nil {
				t.Errorf("a contact of the account the transaction created: %v", err)
			}

			gone := &model.Account{Name: "Deleted here"}
			if err := store.Create(ctx, s, gone); err != nil {
				return err
			}
			if err := store.Delete[model.Account](ctx, s, gone.ID, 0); err != nil {
				return err
			}
			if err := contactOf(ctx, gone.ID); model.ErrorCode(err) != model.EINVALID {
				t.Errorf("a contact of the account deleted in the transaction: %v, want invalid", err)
			}

			undone := &model.Account{Name: "Rolled back"}
			errUndo := errors.New("undo")
			if err := s.WithTx(ctx, func(ctx context.Context) error {
				if err := store.Create(ctx, s, undone); err != nil {
					return err
				}
				return errUndo
			}); !errors.Is(err, errUndo) {
				return err
			}
			if err := contactOf(ctx, undone.ID); model.ErrorCode(err) != model.EINVALID {
				t.Errorf("a contact of the account a rolled-back step created: %v, want invalid", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
