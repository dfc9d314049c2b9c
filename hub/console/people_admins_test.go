package console

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// TestPeopleLastAdmin checks the rule no console form can reach but a
// race: a change that would leave no enabled admin is refused (two admins
// demoting each other at once; the signed-in admin's own role and status
// are refused before).
func TestPeopleLastAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		sys := model.WithActor(context.Background(), model.System)
		admin := func(name string) *model.User {
			u := &model.User{Email: name + "@example.com", Name: name, Role: model.RoleAdmin}
			if err := s.CreateUser(sys, u, ""); err != nil {
				t.Fatal(err)
			}
			return u
		}
		solo := admin("solo")
		c := &Console{cfg: Config{Store: s, Language: "en", Location: time.UTC}}
		v := c.viewFor(httptest.NewRequest("GET", "/", nil), nil)
		// An admin whose own row was demoted after their request began.
		ctx := model.WithActor(context.Background(), model.Actor{UserID: model.NewID(), Role: model.RoleAdmin})
		changes := map[string]func(u *model.User){
			"demote":  func(u *model.User) { u.Role = model.RoleManager },
			"disable": func(u *model.User) { u.Disabled = true },
		}
		check := func(name string, want string) {
			t.Helper()
			u := *solo
			changes[name](&u)
			fe, err := c.checkUser(ctx, v, &u, solo)
			if err != nil || fe["role"] != want {
				t.Errorf("%s: %v %v, want %q", name, fe, err, want)
			}
		}
		for name := range changes {
			check(name, v.T("people.error.last_admin"))
		}
		admin("second")
		for name := range changes {
			check(name, "")
		}
	})
}
