package store_test

import (
	"context"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

func seedPeople(t *testing.T, s *store.Store) (acme *model.Account) {
	t.Helper()
	ctx := context.Background()
	acme = &model.Account{Name: "ООО Ромашка"}
	if err := store.Create(ctx, s, acme); err != nil {
		t.Fatal(err)
	}
	people := []*model.Contact{
		{FirstName: "Анна", LastName: "Яковлева", Tags: []string{"vip"}},
		{FirstName: "Борис", LastName: "Абрамов", AccountID: &acme.ID},
		{FirstName: "Alice", LastName: "Zimmer", Emails: []model.Labeled{{Value: "alice@example.com"}}},
		{FirstName: "Bob", LastName: "Brown", Phones: []model.Labeled{{Value: "+1 (415) 555-0100"}}, Tags: []string{"vip", "partner"}},
		{FirstName: "Carol", LastName: "adams"},
	}
	if err := store.CreateMany(ctx, s, people); err != nil {
		t.Fatal(err)
	}
	return acme
}

func names(items []*model.Contact) []string {
	var out []string
	for _, c := range items {
		out = append(out, c.LastName)
	}
	return out
}

func TestListSortPageSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedPeople(t, s)
		var got []string
		cursor := ""
		for {
			p, err := store.List[model.Contact](ctx, s, store.ListParams{Limit: 2, Cursor: cursor, Sort: "name"})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, names(p.Items)...)
			if cursor = p.NextCursor; cursor == "" {
				break
			}
		}
		want := []string{"adams", "Brown", "Zimmer", "Абрамов", "Яковлева"}
		if len(got) != len(want) {
			t.Fatalf("got %v", got)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("order %v, want %v", got, want)
			}
		}
		cases := []struct {
			q    string
			want string
		}{
			{"яков", "Яковлева"}, {"ЯКОВЛЕВА анна", "Яковлева"}, {"ALICE@example.com", "Zimmer"},
			{"+14155550100", "Brown"}, {"(415) 555-0100", "Brown"}, {"ромашка", "Абрамов"},
		}
		for _, c := range cases {
			p, err := store.List[model.Contact](ctx, s, store.ListParams{Q: c.q})
			if err != nil || len(p.Items) != 1 || p.Items[0].LastName != c.want {
				t.Errorf("q=%q: %v %v", c.q, names(p.Items), err)
			}
		}
		p, err := store.List[model.Contact](ctx, s, store.ListParams{Equals: map[string]string{"tag": "vip"}, Sort: "-name"})
		if err != nil || len(p.Items) != 2 || p.Items[0].LastName != "Яковлева" {
			t.Fatalf("tag filter %v %v", names(p.Items), err)
		}
		f := model.Filter{Any: []model.Condition{{Field: "last_name", Op: "eq", Value: "Brown"}, {Field: "first_name", Op: "in", Value: []any{"Carol"}}}}
		p, err = store.List[model.Contact](ctx, s, store.ListParams{Filter: f})
		if err != nil || len(p.Items) != 2 {
			t.Fatalf("filter %v %v", names(p.Items), err)
		}
		if _, err := store.List[model.Contact](ctx, s, store.ListParams{Equals: map[string]string{"password": "x"}}); model.ErrorCode(err) != model.EINVALID {
			t.Fatalf("unknown filter: %v", err)
		}
		if _, err := store.List[model.Contact](ctx, s, store.ListParams{Cursor: "!!"}); model.ErrorCode(err) != model.EINVALID {
			t.Fatalf("bad cursor: %v", err)
		}
	})
}

func TestTimelineOfAnyRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		acme := seedPeople(t, s)
		deal := model.NewID() // a record of a later issue (an opportunity)
		start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		acts := []*model.Activity{
			{Kind: model.KindAppointment, Subject: "Kick-off", StartAt: &start, AccountID: &acme.ID, Links: []model.Link{{Entity: "opportunity", ID: deal}}},
			{Kind: model.KindNote, Subject: "Pricing notes", Links: []model.Link{{Entity: "opportunity", ID: deal}}},
			{Kind: model.KindTask, Subject: "Unrelated"},
		}
		if err := store.CreateMany(ctx, s, acts); err != nil {
			t.Fatal(err)
		}
		p, err := store.List[model.Activity](ctx, s, store.ListParams{Equals: map[string]string{"linked": "opportunity:" + deal}, Sort: "-start"})
		if err != nil || len(p.Items) != 2 {
			t.Fatalf("deal timeline %d %v", len(p.Items), err)
		}
		p, _ = store.List[model.Activity](ctx, s, store.ListParams{Equals: map[string]string{"linked": "account:" + acme.ID}})
		if len(p.Items) != 1 || p.Items[0].Subject != "Kick-off" {
			t.Fatalf("account timeline %v", p.Items)
		}
		if err := store.Delete[model.Activity](ctx, s, acts[0].ID, 0); err != nil {
			t.Fatal(err)
		}
		p, _ = store.List[model.Activity](ctx, s, store.ListParams{Equals: map[string]string{"linked": "opportunity:" + deal}})
		if len(p.Items) != 1 {
			t.Fatalf("deleted activity still on the timeline: %d", len(p.Items))
		}
		if _, err := store.List[model.Activity](ctx, s, store.ListParams{Equals: map[string]string{"linked": "nonsense"}}); model.ErrorCode(err) != model.EINVALID {
			t.Fatalf("bad linked: %v", err)
		}
	})
}

func TestSortCursorsOnEveryField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedPeople(t, s)
		for _, sort := range []string{"created_by", "-updated_by", "title,-created_at"} {
			n, cursor := 0, ""
			for {
				p, err := store.List[model.Contact](ctx, s, store.ListParams{Limit: 1, Sort: sort, Cursor: cursor})
				if err != nil {
					t.Fatalf("sort=%s after %d: %v", sort, n, err)
				}
				n += len(p.Items)
				if cursor = p.NextCursor; cursor == "" {
					break
				}
			}
			if n != 5 {
				t.Fatalf("sort=%s reached %d of 5", sort, n)
			}
		}
		if _, err := store.List[model.Contact](ctx, s, store.ListParams{Sort: "birthday"}); model.ErrorCode(err) != model.EINVALID {
			t.Fatalf("sort by a nullable field: %v", err)
		}
	})
}
