package store_test

import (
	"context"
	"strings"
	"testing"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

func TestDisablingUserRevokesEverything(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := &model.User{Email: "Mia@Example.com", Name: "Mia", Role: "agent"}
		if err := s.CreateUser(ctx, u, "a long enough password"); err != nil {
			t.Fatal(err)
		}
		if u.Username != "mia" {
			t.Fatalf("username %q", u.Username)
		}
		if _, err := s.CheckLogin(ctx, "MIA@example.com", "a long enough password"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CheckLogin(ctx, "mia", "wrong password!"); model.ErrorCode(err) != model.EUNAUTHORIZED {
			t.Fatalf("wrong password: %v", err)
		}
		for _, odd := range []string{"mia\x00", "\xff\xfe", strings.Repeat("m", 400)} {
			if _, err := s.CheckLogin(ctx, odd, "x"); model.ErrorCode(err) != model.EUNAUTHORIZED {
				t.Fatalf("login %q: %v", odd, err)
			}
		}
		tok, _, err := s.CreateToken(ctx, u.ID, "ci", []string{"read"}, 0)
		if err != nil {
			t.Fatal(err)
		}
		app, _, err := s.CreateAppPassword(ctx, u.ID, "phone")
		if err != nil {
			t.Fatal(err)
		}
		sid, _, err := s.CreateSession(ctx, u.ID, "127.0.0.1", "test")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.TokenAuth(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AppPasswordAuth(ctx, "mia@example.com", app); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Update(ctx, s, u.ID, 0, func(u *model.User) error { u.Disabled = true; return nil }); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.TokenAuth(ctx, tok); err == nil {
			t.Fatal("token still works")
		}
		if _, err := s.AppPasswordAuth(ctx, "mia", app); err == nil {
			t.Fatal("app password still works")
		}
		if _, _, err := s.SessionAuth(ctx, sid); err == nil {
			t.Fatal("session still works")
		}
		if _, err := s.CheckLogin(ctx, "mia", "a long enough password"); err == nil {
			t.Fatal("password still works")
		}
		evs, err := s.AuditEvents(ctx, "", 50)
		if err != nil || len(evs) < 4 {
			t.Fatalf("audit %v %v", evs, err)
		}
	})
}
