package store_test

import (
	"context"
	"strings"
	"testing"

	"rapport/model"
	"rapport/model/migrate"
	"rapport/model/store"
	"rapport/model/storetest"
)

func TestMigrateToLatest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		v, err := migrate.Current(ctx, s.Engine(), s.DB())
		if err != nil || v != migrate.Latest() {
			t.Fatalf("version %d, %v; want %d", v, err, migrate.Latest())
		}
		if err := s.CheckSchema(ctx); err != nil {
			t.Fatal(err)
		}
		if n, err := s.Migrate(ctx); err != nil || n != 0 {
			t.Fatalf("second migrate ran %d, %v", n, err)
		}
	})
}

func TestContactLifecycleWritesFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := &model.Contact{FirstName: "Иван", LastName: "Петров", Emails: []model.Labeled{{Value: "Ivan@Example.RU"}}}
		if err := store.Create(ctx, s, c); err != nil {
			t.Fatal(err)
		}
		if c.Version != 1 || c.DisplayName != "Иван Петров" || c.Emails[0].Value != "ivan@example.ru" {
			t.Fatalf("created %+v", c)
		}
		got, err := store.Get[model.Contact](ctx, s, c.ID)
		if err != nil || got.DisplayName != "Иван Петров" {
			t.Fatalf("get %v %v", got, err)
		}
		up, err := store.Update(ctx, s, c.ID, 1, func(c *model.Contact) error { c.Title = "Директор"; return nil })
		if err != nil || up.Version != 2 {
			t.Fatalf("update %v %v", up, err)
		}
		if _, err := store.Update(ctx, s, c.ID, 1, func(c *model.Contact) error { c.Title = "x"; return nil }); model.ErrorCode(err) != model.EPRECONDITION {
			t.Fatalf("stale update: %v", err)
		}
		if err := store.Delete[model.Contact](ctx, s, c.ID, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Get[model.Contact](ctx, s, c.ID); model.ErrorCode(err) != model.ENOTFOUND {
			t.Fatalf("get deleted: %v", err)
		}
		changes, _, err := s.Changes(ctx, 0, 10)
		if err != nil || len(changes) != 3 {
			t.Fatalf("changes %v %v", changes, err)
		}
		if changes[1].Fields["title"].New != "Директор" || changes[2].Op != model.OpDelete || changes[2].Version != 3 {
			t.Fatalf("feed %+v", changes)
		}
		hist, err := s.History(ctx, "contact", c.ID)
		if err != nil || len(hist) != 3 {
			t.Fatalf("history %v %v", hist, err)
		}
	})
}

func TestInvalidReferenceWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		missing := model.NewID()
		err := store.Create(ctx, s, &model.Contact{FirstName: "A", AccountID: &missing})
		var e *model.Error
		if model.ErrorCode(err) != model.EINVALID || !asError(err, &e) || e.Fields["account_id"] == "" {
			t.Fatalf("want invalid account_id, got %v", err)
		}
		if seq, _ := s.LastSeq(ctx); seq != 0 {
			t.Fatalf("feed has %d rows", seq)
		}
	})
}

func TestNestedFailureUndoesOnlyItsWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		err := s.WithTx(ctx, func(ctx context.Context) error {
			if err := store.Create(ctx, s, &model.Contact{FirstName: "Kept"}); err != nil {
				return err
			}
			missing := model.NewID()
			if err := store.Create(ctx, s, &model.Contact{FirstName: "Lost", AccountID: &missing}); err == nil {
				t.Fatal("bad reference accepted")
			}
			return s.WithTx(ctx, func(ctx context.Context) error {
				_ = store.Create(ctx, s, &model.Contact{FirstName: "Inner"})
				return model.Errorf(model.EINVALID, "inner step fails")
			})
		})
		if model.ErrorCode(err) != model.EINVALID {
			t.Fatalf("outer error %v", err)
		}
		p, _ := store.List[model.Contact](ctx, s, store.ListParams{})
		if len(p.Items) != 0 {
			t.Fatalf("outer failure kept %d rows", len(p.Items))
		}
		_ = s.WithTx(ctx, func(ctx context.Context) error {
			_ = store.Create(ctx, s, &model.Contact{FirstName: "Kept"})
			_ = s.WithTx(ctx, func(ctx context.Context) error {
				_ = store.Create(ctx, s, &model.Contact{FirstName: "Inner"})
				return model.Errorf(model.EINVALID, "inner step fails")
			})
			return nil
		})
		p, _ = store.List[model.Contact](ctx, s, store.ListParams{})
		changes, _, _ := s.Changes(ctx, 0, 10)
		if len(p.Items) != 1 || p.Items[0].FirstName != "Kept" || len(changes) != 1 {
			t.Fatalf("kept %d rows and %d changes", len(p.Items), len(changes))
		}
	})
}

// TestDeletedReferencesDoNotBlockUpdates: a record pointing at something
// deleted since stays editable, and a user stays disable-able; a new
// reference is still checked.
func TestDeletedReferencesDoNotBlockUpdates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		team := &model.Team{Name: "Sales"}
		if err := store.Create(ctx, s, team); err != nil {
			t.Fatal(err)
		}
		u := &model.User{Email: "bob@example.com", Name: "Bob", TeamID: &team.ID}
		if err := s.CreateUser(ctx, u, ""); err != nil {
			t.Fatal(err)
		}
		if err := store.Delete[model.Team](ctx, s, team.ID, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Update(ctx, s, u.ID, 0, func(u *model.User) error { u.Disabled = true; return nil }); err != nil {
			t.Fatalf("disable after the team was deleted: %v", err)
		}
		missing := model.NewID()
		if _, err := store.Update(ctx, s, u.ID, 0, func(u *model.User) error { u.TerritoryID = &missing; return nil }); model.ErrorCode(err) != model.EINVALID {
			t.Fatalf("new dangling reference accepted: %v", err)
		}
	})
}

func TestAttachmentServerFieldsAreReadOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := &model.Contact{FirstName: "A"}
		if err := store.Create(ctx, s, c); err != nil {
			t.Fatal(err)
		}
		att := &model.Attachment{RecordType: "contact", RecordID: c.ID, Filename: "a.txt", ContentType: "text/plain", Size: 3, SHA256: strings.Repeat("a", 64)}
		if err := store.Create(ctx, s, att); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := store.Delete[model.Contact](ctx, s, c.ID, 0); err != nil {
				t.Fatal(err)
			}
			if _, err := store.Get[model.Attachment](ctx, s, att.ID); model.ErrorCode(err) != model.ENOTFOUND {
				t.Fatalf("attachment of a deleted contact: %v", err)
			}
		}()
		got, err := store.Update(ctx, s, att.ID, 0, func(a *model.Attachment) error {
			a.Filename, a.SHA256, a.Size, a.ContentType, a.RecordID = "b.txt", strings.Repeat("b", 64), 1, "text/html", model.NewID()
			return nil
		})
		if err != nil || got.Filename != "b.txt" || got.SHA256 != att.SHA256 || got.Size != 3 || got.ContentType != "text/plain" || got.RecordID != c.ID {
			t.Fatalf("%+v %v", got, err)
		}
	})
}
