package store_test

import (
	"context"
	"testing"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

var sysCtx = model.WithActor(context.Background(), model.System)

// TestLastAdminKept checks that no update or delete, from any door,
// demotes, disables or removes the last enabled admin, and that an update
// may once another exists.
func TestLastAdminKept(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		solo := &model.User{Email: "solo@example.com", Name: "Solo", Role: model.RoleAdmin}
		if err := s.CreateUser(sysCtx, solo, ""); err != nil {
			t.Fatal(err)
		}
		for name, change := range map[string]func(u *model.User){
			"demote":  func(u *model.User) { u.Role = model.RoleManager },
			"disable": func(u *model.User) { u.Disabled = true },
		} {
			_, err := store.Update(sysCtx, s, solo.ID, 0, func(u *model.User) error { change(u); return nil })
			if model.ErrorCode(err) != model.ECONFLICT {
				t.Errorf("%s the last admin: %v, want refused", name, err)
			}
		}
		if err := store.Delete[model.User](sysCtx, s, solo.ID, 0); model.ErrorCode(err) != model.ECONFLICT {
			t.Errorf("delete the last admin: %v, want refused", err)
		}
		if got, _ := store.Get[model.User](sysCtx, s, solo.ID); got.Role != model.RoleAdmin || got.Disabled {
			t.Fatalf("the last admin changed: %+v", got)
		}
		second := &model.User{Email: "second@example.com", Name: "Second", Role: model.RoleAdmin}
		if err := s.CreateUser(sysCtx, second, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Update(sysCtx, s, solo.ID, 0, func(u *model.User) error { u.Role = model.RoleManager; return nil }); err != nil {
			t.Errorf("demote with another admin: %v", err)
		}
	})
}

// TestTerritoryLoopsRefused checks that a territory cannot be put under
// itself or under one of its descendants.
func TestTerritoryLoopsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		europe := &model.Territory{Name: "Europe"}
		mustCreateRecord(t, s, europe)
		france := &model.Territory{Name: "France", ParentID: &europe.ID}
		mustCreateRecord(t, s, france)
		paris := &model.Territory{Name: "Paris", ParentID: &france.ID}
		mustCreateRecord(t, s, paris)
		for name, parent := range map[string]string{"itself": europe.ID, "its child": france.ID, "its grandchild": paris.ID} {
			_, err := store.Update(sysCtx, s, europe.ID, 0, func(t *model.Territory) error { t.ParentID = &parent; return nil })
			if model.ErrorCode(err) != model.EINVALID {
				t.Errorf("Europe under %s: %v, want refused", name, err)
			}
		}
		if _, err := store.Update(sysCtx, s, paris.ID, 0, func(t *model.Territory) error { t.ParentID = &europe.ID; return nil }); err != nil {
			t.Errorf("Paris straight under Europe: %v", err)
		}
	})
}
