package store_test

import (
	"context"
	"fmt"
	"testing"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// TestImportContacts imports a batch large enough for the bulk (COPY) path,
// with duplicates against the database and inside the file, a bad row and
// companies, under each duplicate mode.
func TestImportContacts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		existing := storetest.Contact(0)
		existing.Title = ""
		if err := store.Create(ctx, s, existing); err != nil {
			t.Fatal(err)
		}
		rows := func() []store.ImportRow {
			var out []store.ImportRow
			for i := 0; i < 600; i++ {
				c := storetest.Contact(i)
				c.Title = "Imported"
				out = append(out, store.ImportRow{Line: i + 2, Contact: c, Company: fmt.Sprintf("Company %d", i%3)})
			}
			twin := storetest.Contact(5) // the same person twice in one file
			twin.Tags = []string{"twin"}
			out = append(out, store.ImportRow{Line: 700, Contact: twin},
				store.ImportRow{Line: 701, Err: model.Errorf(model.EINVALID, "broken card")})
			return out
		}
		res, err := s.ImportContacts(ctx, rows(), store.OnDuplicateSkip)
		if err != nil || res.Created != 599 || res.Skipped != 2 || res.Failed != 1 || res.Errors[0].Line != 701 {
			t.Fatalf("skip: %+v %v", res, err)
		}
		p, err := store.List[model.Contact](ctx, s, store.ListParams{Q: storetest.Phone(321)})
		if err != nil || len(p.Items) != 1 || p.Items[0].AccountID == nil {
			t.Fatalf("imported contact not searchable or without account: %v %v", p.Items, err)
		}
		accounts, _ := store.List[model.Account](ctx, s, store.ListParams{})
		if len(accounts.Items) != 3 {
			t.Fatalf("%d accounts for 3 companies", len(accounts.Items))
		}
		seq, _ := s.LastSeq(ctx)
		changes, _, _ := s.Changes(ctx, seq-1, 10)
		if len(changes) != 1 || changes[0].Snapshot == nil || changes[0].Fields["display_name"].New == nil {
			t.Fatalf("bulk feed rows: %+v", changes)
		}
		res, err = s.ImportContacts(ctx, rows(), store.OnDuplicateUpdate)
		if err != nil || res.Updated != 601 || res.Created != 0 {
			t.Fatalf("update: %+v %v", res, err)
		}
		got, _ := store.Get[model.Contact](ctx, s, existing.ID)
		if got.Title != "Imported" {
			t.Fatalf("update mode did not fill the empty title: %+v", got)
		}
		if _, err := s.ImportContacts(ctx, nil, "merge"); model.ErrorCode(err) != model.EINVALID {
			t.Fatalf("bad mode: %v", err)
		}
	})
}
