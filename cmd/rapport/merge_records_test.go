package main

import (
	"context"
	"strings"
	"testing"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

func TestContactsMergeCommand(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			g := []string{"--db", dsn, "--data", t.TempDir()}
			cli := func(args ...string) (string, error) { return run(t, "", append(g, args...)...) }
			s, err := store.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ctx := model.WithActor(context.Background(), model.System)
			a := &model.Contact{FirstName: "Иван", LastName: "Петров", Emails: []model.Labeled{{Value: "ivan@example.ru"}}}
			b := &model.Contact{FirstName: "Petrov", LastName: "Ivan", Title: "Director", Emails: []model.Labeled{{Value: "IVAN@example.ru"}}}
			for _, c := range []*model.Contact{a, b} {
				if err := store.Create(ctx, s, c); err != nil {
					t.Fatal(err)
				}
			}
			out, err := cli("contacts", "duplicates")
			if err != nil || !strings.Contains(out, a.ID+"\tИван Петров\t"+b.ID) || !strings.Contains(out, "email") || !strings.Contains(out, "1 of 1 pairs") {
				t.Fatalf("duplicates: %v\n%s", err, out)
			}
			out, err = cli("contacts", "merge", a.ID, b.ID, "--field", "title=loser")
			if err != nil || !strings.Contains(out, "merged contact "+b.ID+" into "+a.ID) {
				t.Fatalf("merge: %v\n%s", err, out)
			}
			if c, err := store.Get[model.Contact](ctx, s, a.ID); err != nil || c.Title != "Director" {
				t.Errorf("survivor %+v %v", c, err)
			}
			for _, bad := range [][]string{
				{"contacts", "merge", a.ID, a.ID},
				{"contacts", "merge", a.ID, b.ID, "--field", "title"},
				{"accounts", "merge", model.NewID(), model.NewID()},
				{"contacts", "duplicates", "--min-score", "7"},
			} {
				if _, err := cli(bad...); err == nil {
					t.Errorf("rapport %v succeeded", bad)
				}
			}
		})
	}
}
