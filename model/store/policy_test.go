package store_test

import (
	"context"
	"testing"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// TestVisibilityAcrossBoundaries checks the policy table as the store
// applies it in queries: shared entities for all staff, a team-scoped entity
// (accounts made team-scoped for the test), portal users and admin-only writes.
func TestVisibilityAcrossBoundaries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		sys := model.WithActor(context.Background(), model.System)
		t1, t2 := &model.Team{Name: "East"}, &model.Team{Name: "West"}
		if err := store.CreateMany(sys, s, []*model.Team{t1, t2}); err != nil {
			t.Fatal(err)
		}
		mk := func(email, role string, team *model.Team) model.Actor {
			u := &model.User{Email: email, Name: email, Role: role, TeamID: &team.ID}
			if err := s.CreateUser(sys, u, ""); err != nil {
				t.Fatal(err)
			}
			a, err := s.ActorFor(sys, u, nil)
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		east, west := mk("east@x.com", "agent", t1), mk("west@x.com", "agent", t2)
		portal := mk("customer@x.com", "portal", t1)
		as := func(a model.Actor) context.Context { return model.WithActor(context.Background(), a) }

		c := &model.Contact{FirstName: "Shared"}
		if err := store.Create(as(east), s, c); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Update(as(west), s, c.ID, 0, func(c *model.Contact) error { c.Title = "x"; return nil }); err != nil {
			t.Fatalf("contacts are shared by all staff: %v", err)
		}
		if _, err := store.List[model.Contact](as(portal), s, store.ListParams{}); model.ErrorCode(err) != model.EFORBIDDEN {
			t.Fatalf("portal user listed staff contacts: %v", err)
		}
		if err := store.Create(as(east), s, &model.Team{Name: "Mine"}); model.ErrorCode(err) != model.EFORBIDDEN {
			t.Fatalf("agent created a team: %v", err)
		}

		model.Policies["account"] = model.TeamScoped
		defer func() { model.Policies["account"] = model.AllStaff }()
		a := &model.Account{Name: "East deal", OwnerID: &east.UserID, TeamID: &t1.ID}
		if err := store.Create(as(east), s, a); err != nil {
			t.Fatal(err)
		}
		if p, _ := store.List[model.Account](as(west), s, store.ListParams{}); len(p.Items) != 0 {
			t.Fatalf("west sees east's team record: %d", len(p.Items))
		}
		if _, err := store.Get[model.Account](as(west), s, a.ID); model.ErrorCode(err) != model.ENOTFOUND {
			t.Fatalf("west got east's record: %v", err)
		}
		if err := store.Delete[model.Account](as(west), s, a.ID, 0); model.ErrorCode(err) != model.ENOTFOUND {
			t.Fatalf("west deleted east's record: %v", err)
		}
		if p, _ := store.List[model.Account](as(east), s, store.ListParams{}); len(p.Items) != 1 {
			t.Fatal("east cannot see its own record")
		}
		seen := func(a model.Actor) (n int, last int64) {
			changes, last, err := s.Changes(as(a), 0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range changes {
				if c.Entity == "account" {
					n++
				}
			}
			return n, last
		}
		if n, last := seen(west); n != 0 || last == 0 {
			t.Fatalf("west reads east's team record in the feed: %d changes, cursor %d", n, last)
		}
		if n, _ := seen(east); n != 1 {
			t.Fatalf("east sees %d of its own changes", n)
		}
	})
}
