package store_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"rapport/model"
	"rapport/model/migrate"
	"rapport/model/store"
	"rapport/model/storetest"
)

// updateFixture writes this build's upgrade fixture (docs/data-care.md:
// run it at each release).
var updateFixture = flag.Bool("update-upgrade-fixture", false, "write testdata/upgrade/v<Latest>.tar.gz from this build's schema")

// TestUpgradeFromPreviousRelease restores each archive under
// testdata/upgrade, written at an earlier release's schema, into an empty
// database of each engine: its rows verify at that schema, the database is
// then migrated to this build's, and the data reads back through the store
// (contacts and accounts, quote lines, the issued invoice, the return,
// answer-book search, attachments and their blobs) and takes new writes.
func TestUpgradeFromPreviousRelease(t *testing.T) {
	if *updateFixture {
		writeUpgradeFixture(t)
	}
	files, err := filepath.Glob("testdata/upgrade/v*.tar.gz")
	if err != nil || len(files) == 0 {
		t.Fatalf("no upgrade fixtures in testdata/upgrade (%v)", err)
	}
	for _, file := range files {
		archive, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, engine := range storetest.Engines() {
			t.Run(filepath.Base(file)+"/"+engine, func(t *testing.T) { upgradeFrom(t, engine, archive) })
		}
	}
}

func upgradeFrom(t *testing.T, engine string, archive []byte) {
	ctx := salesAdmin
	s := emptyStore(t, engine)
	blobs := newMemBlobs()
	rep, err := s.Restore(ctx, bytes.NewReader(archive), store.RestoreOptions{Blobs: blobs})
	if err != nil {
		t.Fatal(err)
	}
	if want := int(migrate.Latest() - rep.Manifest.SchemaVersion); rep.Upgraded != want {
		t.Errorf("%d migrations after loading, want %d", rep.Upgraded, want)
	}
	if err := s.CheckSchema(ctx); err != nil {
		t.Fatal(err)
	}
	rows := map[string]int64{}
	for _, tm := range rep.Manifest.Tables {
		rows[tm.Name] = tm.Rows
	}
	contacts, err := store.List[model.Contact](ctx, s, store.ListParams{Limit: 100})
	if err != nil || int64(len(contacts.Items)) != rows["contacts"] {
		t.Fatalf("%d contacts, want %d (%v)", len(contacts.Items), rows["contacts"], err)
	}
	ann := find(t, s, "ann@acme.example")
	atts, err := s.AttachmentsOf(ctx, "contact", ann.ID)
	if err != nil || len(atts) != 1 || string(blobs.m[atts[0].SHA256]) != "hello, attachment" {
		t.Errorf("Ann's attachments %+v (%v)", atts, err)
	}
	if acme, err := store.List[model.Account](ctx, s, store.ListParams{Q: "Acme", Limit: 5}); err != nil || len(acme.Items) != 1 {
		t.Errorf("Acme: %v %v", acme.Items, err)
	}
	quotes, err := store.List[model.Quote](ctx, s, store.ListParams{Limit: 5})
	if err != nil || len(quotes.Items) != 1 {
		t.Fatalf("quotes %v %v", quotes.Items, err)
	}
	if lines, err := store.Lines[model.Quote](ctx, s, quotes.Items[0].ID); err != nil || len(lines) != 1 || lines[0].Quantity.String() != "2" {
		t.Errorf("quote lines %+v %v", lines, err)
	}
	invoices, err := store.List[model.Invoice](ctx, s, store.ListParams{Limit: 100, Equals: map[string]string{"status": model.InvoicePaid}})
	if err != nil || len(invoices.Items) != 1 || invoices.Items[0].Number == "" {
		t.Errorf("paid invoices %v %v", invoices.Items, err)
	}
	if rmas, err := store.List[model.RMA](ctx, s, store.ListParams{Limit: 5}); err != nil || len(rmas.Items) != 1 {
		t.Errorf("returns %v %v", rmas.Items, err)
	}
	if hits, err := s.SearchKB(kbAdmin, model.KBSearchParams{Q: "invoice", Limit: 20}); err != nil || len(hits.Items) == 0 {
		t.Errorf("answer-book search after the upgrade: %+v %v", hits, err)
	}
	before := lastSeq(t, s)
	if err := store.Create(ctx, s, &model.Contact{FirstName: "New", LastName: "Customer"}); err != nil || lastSeq(t, s) != before+1 {
		t.Errorf("write after the upgrade: %v", err)
	}
}

func find(t *testing.T, s *store.Store, q string) *model.Contact {
	t.Helper()
	page, err := store.List[model.Contact](salesAdmin, s, store.ListParams{Q: q, Limit: 5})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("contacts matching %q: %v %v", q, page.Items, err)
	}
	return page.Items[0]
}

// writeUpgradeFixture backs up the round-trip tests' database, seeded by
// this build, as testdata/upgrade/v<Latest>.tar.gz.
func writeUpgradeFixture(t *testing.T) {
	s := storetest.Open(t, "sqlite")
	blobs := newMemBlobs()
	seedEverything(t, s, blobs)
	var buf bytes.Buffer
	if _, err := s.Backup(context.Background(), &buf, store.BackupOptions{Blobs: blobs, Version: "fixture", Compress: true}); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("testdata/upgrade/v%d.tar.gz", migrate.Latest())
	if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", name)
}
