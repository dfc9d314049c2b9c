package store_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// TestStepTakesOneSavepoint: the creates inside a step take no savepoint of
// their own; a failure fails the step whole and leaves the outer
// transaction usable; a call given its savepoint back recovers alone.
func TestStepTakesOneSavepoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		var savepoints atomic.Int32
		s.ObserveStatements(func(sql string) {
			if strings.HasPrefix(sql, "SAVEPOINT") {
				savepoints.Add(1)
			}
		})
		ctx := context.Background()
		noSuchAccount := "01900000-0000-7000-8000-000000000000"
		var failedAccount, kept model.Account
		var contact model.Contact
		err := s.WithTx(ctx, func(ctx context.Context) error {
			err := s.Step(ctx, func(ctx context.Context) error {
				failedAccount = model.Account{Name: "Undone with its step"}
				if err := store.Create(ctx, s, &failedAccount); err != nil {
					return err
				}
				return store.Create(ctx, s, &model.Contact{FirstName: "Ann", AccountID: &noSuchAccount})
			})
			if model.ErrorCode(err) != model.EINVALID {
				t.Errorf("a step whose create fails: %v, want invalid", err)
			}
			savepoints.Store(0)
			err = s.Step(ctx, func(ctx context.Context) error {
				kept = model.Account{Name: "Kept"}
				if err := store.Create(ctx, s, &kept); err != nil {
					return err
				}
				bad := &model.Contact{FirstName: "Bob", AccountID: &noSuchAccount}
				if err := store.Create(s.OwnSavepoint(ctx), s, bad); model.ErrorCode(err) != model.EINVALID {
					t.Errorf("a refused create with its own savepoint: %v", err)
				}
				contact = model.Contact{FirstName: "Cid", AccountID: &kept.ID}
				return store.Create(ctx, s, &contact)
			})
			if n := savepoints.Load(); n != 2 {
				t.Errorf("%d savepoints for a step of three creates, one of them with its own: want 2", n)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.Get[model.Account](ctx, s, failedAccount.ID); model.ErrorCode(err) != model.ENOTFOUND {
			t.Errorf("the failed step's account: %v, want it undone", err)
		}
		if _, err := store.Get[model.Contact](ctx, s, contact.ID); err != nil {
			t.Errorf("the contact of the step that went through: %v", err)
		}
	})
}
