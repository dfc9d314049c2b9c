package store_test

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"rapport/model"
	"rapport/model/migrate"
	"rapport/model/store"
	"rapport/model/storetest"
)

// backup writes s's archive into memory.
func backup(t *testing.T, s *store.Store, blobs store.BlobSource, compress bool) ([]byte, *store.Manifest) {
	t.Helper()
	var buf bytes.Buffer
	m, err := s.Backup(context.Background(), &buf, store.BackupOptions{Blobs: blobs, Version: "test", Compress: compress})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), m
}

// emptyStore opens a never-migrated database on engine.
func emptyStore(tb testing.TB, engine string) *store.Store {
	tb.Helper()
	s, err := store.Open(context.Background(), storetest.EmptyDSN(tb, engine))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// sameTables fails unless two manifests list the same tables with the same
// row counts and hashes.
func sameTables(t *testing.T, what string, a, b []store.TableManifest) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d tables, want %d", what, len(b), len(a))
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Rows != b[i].Rows || a[i].SHA256 != b[i].SHA256 {
			t.Errorf("%s: table %s: %d rows %s, want %s %d rows %s", what, b[i].Name, b[i].Rows, b[i].SHA256, a[i].Name, a[i].Rows, a[i].SHA256)
		}
	}
}

// TestBackupRoundTrip backs up a database holding every kind of record on
// each engine and restores it on each engine (SQLite → SQLite, PostgreSQL
// → PostgreSQL and both ways across): every table verifies, the hashes
// equal the source's whatever the engines, a second backup of the restored
// database is identical, the blobs came along, and the restored database
// keeps working (its feed sequence continues after the restored changes).
func TestBackupRoundTrip(t *testing.T) {
	for _, from := range storetest.Engines() {
		t.Run("from "+from, func(t *testing.T) {
			src := storetest.Open(t, from)
			blobs := newMemBlobs()
			seedEverything(t, src, blobs)
			archive, m := backup(t, src, blobs, from == "postgres")
			var empty []string
			for _, tm := range m.Tables {
				if tm.Rows == 0 {
					empty = append(empty, tm.Name)
				}
			}
			t.Logf("%d tables, %d blobs; tables the seed leaves empty: %v", len(m.Tables), m.Blobs.Count, empty)
			if m.Blobs.Count != 3 || len(m.Blobs.Missing) != 0 || m.SchemaVersion != migrate.Latest() || m.Engine != from {
				t.Fatalf("manifest %+v", m.Blobs)
			}
			for _, to := range storetest.Engines() {
				t.Run("to "+to, func(t *testing.T) { restoreAndCompare(t, to, archive, m, blobs) })
			}
		})
	}
}

func restoreAndCompare(t *testing.T, engine string, archive []byte, m *store.Manifest, blobs *memBlobs) {
	ctx := context.Background()
	dst := emptyStore(t, engine)
	got := newMemBlobs()
	var progressed int
	rep, err := dst.Restore(ctx, bytes.NewReader(archive), store.RestoreOptions{Blobs: got, Progress: func(store.TableCheck) { progressed++ }})
	if err != nil {
		for _, c := range rep.Tables {
			if !c.OK() {
				t.Errorf("%s: %d rows %s, want %d rows %s", c.Name, c.Rows, c.SHA256, c.WantRows, c.WantSHA256)
			}
		}
		t.Fatal(err)
	}
	if progressed != len(m.Tables) || len(rep.Tables) != len(m.Tables) || rep.Blobs != 3 || rep.Upgraded != 0 {
		t.Fatalf("report: %d progress calls, %d tables, %d blobs, %d upgrades", progressed, len(rep.Tables), rep.Blobs, rep.Upgraded)
	}
	for _, c := range rep.Tables {
		if !c.OK() {
			t.Errorf("%s: %+v", c.Name, c)
		}
	}
	if !maps(blobs.m, got.m) {
		t.Errorf("restored blobs differ")
	}
	again, m2 := backup(t, dst, got, false)
	sameTables(t, "backup of the restored database", m.Tables, m2.Tables)
	if m2.Blobs.SHA256 != m.Blobs.SHA256 || len(again) == 0 {
		t.Errorf("blobs %+v, want %+v", m2.Blobs, m.Blobs)
	}
	before := lastSeq(t, dst)
	c := &model.Contact{FirstName: "After", LastName: "Restore"}
	if err := store.Create(salesAdmin, dst, c); err != nil {
		t.Fatal(err)
	}
	if after := lastSeq(t, dst); after != before+1 {
		t.Fatalf("feed after restore: %d, then %d", before, after)
	}
}

func maps(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !bytes.Equal(b[k], v) {
			return false
		}
	}
	return true
}

// TestBackupIsOneSnapshot writes contacts while a backup runs (after each
// table and from a goroutine throughout): the archive holds none of those
// written between tables and agrees with itself, since every contact in it
// has its feed rows and search keys and every feed row its contact.
func TestBackupIsOneSnapshot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for i := range 20 {
			if err := store.Create(salesAdmin, s, storetest.Contact(i)); err != nil {
				t.Fatal(err)
			}
		}
		var written, duringBackup atomic.Int64
		write := func() {
			if err := store.Create(salesAdmin, s, storetest.Contact(1000+int(written.Add(1)))); err != nil {
				t.Error(err)
			}
		}
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				default:
					write()
				}
			}
		}()
		var buf bytes.Buffer
		m, err := s.Backup(ctx, &buf, store.BackupOptions{Blobs: newMemBlobs(), Progress: func(store.TableManifest) {
			write()
			duringBackup.Add(1)
		}})
		close(stop)
		<-done
		if err != nil {
			t.Fatal(err)
		}
		rows := map[string]int64{}
		for _, tm := range m.Tables {
			rows[tm.Name] = tm.Rows
		}
		if rows["contacts"] < 20 || duringBackup.Load() != int64(len(m.Tables)) {
			t.Fatalf("%d contacts in the archive, %d written between tables", rows["contacts"], duringBackup.Load())
		}
		dst := emptyStore(t, s.Engine())
		if _, err := dst.Restore(ctx, &buf, store.RestoreOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			`SELECT COUNT(*) FROM contacts WHERE id NOT IN (SELECT record_id FROM changes WHERE entity = 'contact' AND op = 'create')`,
			`SELECT COUNT(*) FROM changes WHERE entity = 'contact' AND record_id NOT IN (SELECT id FROM contacts)`,
			`SELECT COUNT(*) FROM contacts WHERE id NOT IN (SELECT record_id FROM search_keys)`,
			`SELECT COUNT(*) FROM search_keys WHERE record_id NOT IN (SELECT id FROM contacts)`,
		} {
			var n int
			if err := dst.DB().QueryRow(q).Scan(&n); err != nil || n != 0 {
				t.Errorf("%s: %d %v", q, n, err)
			}
		}
		var total int64
		if err := s.DB().QueryRow(`SELECT COUNT(*) FROM contacts`).Scan(&total); err != nil || total < rows["contacts"]+duringBackup.Load() {
			t.Errorf("source has %d contacts, archive %d + %d written between tables (%v)", total, rows["contacts"], duringBackup.Load(), err)
		}
	})
}

// TestRestoreRefusesBadArchives feeds restore a cut, altered, too new or
// foreign archive, and a database that is not empty: each fails with a
// clear error and leaves the database empty, which a good restore into the
// same database afterwards proves.
func TestRestoreRefusesBadArchives(t *testing.T) {
	storetest.Each(t, func(t *testing.T, src *store.Store) {
		ctx := context.Background()
		blobs := newMemBlobs()
		sha := blobs.add("hello, attachment")
		for i := range 30 {
			if err := store.Create(salesAdmin, src, storetest.Contact(i)); err != nil {
				t.Fatal(err)
			}
		}
		c := storetest.Contact(99)
		if err := store.Create(salesAdmin, src, c); err != nil {
			t.Fatal(err)
		}
		if err := store.Create(salesAdmin, src, &model.Attachment{RecordType: "contact", RecordID: c.ID, Filename: "a.txt", Size: 17, SHA256: sha}); err != nil {
			t.Fatal(err)
		}
		good, _ := backup(t, src, blobs, false)
		manifestAt := bytes.Index(good, []byte("manifest.json"))
		cases := []struct {
			name, want string
			archive    []byte
		}{
			{"truncated", "not a valid Rapport backup", good[:len(good)/2]},
			{"cut before the manifest", "ends before manifest.json", good[:manifestAt-(manifestAt%512)]},
			{"row altered", "table changes: the archive holds 32 rows hashing to", bytes.Replace(good, []byte("person7@example.com"), []byte("person7@example.org"), 1)},
			{"blob altered", "blob " + sha[:12], bytes.Replace(good, []byte("hello, attachment"), []byte("HELLO, attachment"), 1)},
			{"newer schema", fmt.Sprintf("schema version %d, newer than this build knows", migrate.Latest()+1), rewriteHeader(t, good, func(m map[string]any) {
				m["schema_version"] = migrate.Latest() + 1
			})},
			{"other format", `format "zip"`, rewriteHeader(t, good, func(m map[string]any) { m["format"] = "zip" })},
			{"not a tar", "not a valid Rapport backup", []byte(strings.Repeat("this is not an archive\n", 40))},
			{"broken gzip", "not a valid Rapport backup: gzip", []byte{0x1f, 0x8b, 1, 2, 3}},
			{"empty", "ends before header.json", nil},
		}
		dst := emptyStore(t, src.Engine())
		for _, tc := range cases {
			_, err := dst.Restore(ctx, bytes.NewReader(tc.archive), store.RestoreOptions{Blobs: newMemBlobs()})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
			}
		}
		rep, err := dst.Restore(ctx, bytes.NewReader(good), store.RestoreOptions{Blobs: newMemBlobs()})
		if err != nil {
			t.Fatalf("good archive after the bad ones: %v", err)
		}
		_, err = dst.Restore(ctx, bytes.NewReader(good), store.RestoreOptions{Blobs: newMemBlobs()})
		if model.ErrorCode(err) != model.ECONFLICT || !strings.Contains(err.Error(), "not empty") {
			t.Errorf("into a database with data: %v", err)
		}
		if n := len(rep.Tables); n == 0 {
			t.Fatal("no tables")
		}
	})
}

// rewriteHeader returns archive with header.json changed by edit.
func rewriteHeader(t *testing.T, archive []byte, edit func(map[string]any)) []byte {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(archive))
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		if h.Name == "header.json" {
			var m map[string]any
			if err := json.Unmarshal(data, &m); err != nil {
				t.Fatal(err)
			}
			edit(m)
			data, _ = json.Marshal(m)
			h.Size = int64(len(data))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
	}
	tw.Close()
	return out.Bytes()
}

// TestRestoreRefusesNewerDatabase: a database already past the archive's
// schema cannot take it (restore migrates up, never down).
func TestRestoreRefusesNewerDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		archive := rewriteHeader(t, mustBackup(t, s), func(m map[string]any) { m["schema_version"] = 3 })
		_, err := s.Restore(context.Background(), bytes.NewReader(archive), store.RestoreOptions{})
		if model.ErrorCode(err) != model.ECONFLICT || !strings.Contains(err.Error(), "newer than the archive's 3") {
			t.Fatalf("%v", err)
		}
	})
}

func mustBackup(t *testing.T, s *store.Store) []byte {
	t.Helper()
	b, _ := backup(t, s, newMemBlobs(), false)
	return b
}

// TestBackupListsMissingBlobs: a row pointing at a blob the blob store lost
// still backs up, with the blob listed as missing.
func TestBackupListsMissingBlobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := storetest.Contact(1)
		if err := store.Create(salesAdmin, s, c); err != nil {
			t.Fatal(err)
		}
		lost := strings.Repeat("ab", 32)
		if err := store.Create(salesAdmin, s, &model.Attachment{RecordType: "contact", RecordID: c.ID, Filename: "gone.txt", Size: 1, SHA256: lost}); err != nil {
			t.Fatal(err)
		}
		_, m := backup(t, s, newMemBlobs(), false)
		if m.Blobs.Count != 0 || !slices.Equal(m.Blobs.Missing, []string{lost}) {
			t.Fatalf("%+v", m.Blobs)
		}
	})
}
