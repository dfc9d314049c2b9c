package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"rapport/connectors/blobstore"
	"rapport/connectors/queue"
	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// installation is a database with demo data, an attachment in its blob
// store and River jobs (one scheduled with tags and metadata, one retried
// with errors, one completed), as serve would leave it.
type installation struct {
	dsn, data, blobs string // blobs: the copy command's form (db or local:DIR)
}

func newInstallation(t *testing.T, engine string) installation {
	t.Helper()
	in := installation{dsn: storetest.DSN(t, engine), data: t.TempDir(), blobs: "db"}
	if engine == "sqlite" {
		in.blobs = "local:" + filepath.Join(in.data, "blobs")
	}
	mustRun(t, "", "--db", in.dsn, "--data", in.data, "migrate")
	mustRun(t, "", "--db", in.dsn, "--data", in.data, "demo")
	ctx := model.WithActor(context.Background(), model.System)
	s, blobs := openInstallation(t, in.dsn, in.blobs)
	info, err := blobs.Put(ctx, strings.NewReader("minutes of the meeting"), "minutes.txt", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	page, err := store.List[model.Contact](ctx, s, store.ListParams{Limit: 1})
	if err != nil || len(page.Items) == 0 {
		t.Fatalf("demo contacts: %v", err)
	}
	att := &model.Attachment{RecordType: "contact", RecordID: page.Items[0].ID, Filename: "minutes.txt", Size: info.Size, SHA256: info.SHA256}
	if err := store.Create(ctx, s, att); err != nil {
		t.Fatal(err)
	}
	seedJobs(t, s)
	return in
}

func openInstallation(t *testing.T, dsn, blobs string) (*store.Store, blobstore.Store) {
	t.Helper()
	s, b, err := openEnd(context.Background(), dsn, blobs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, b
}

// enqueue inserts inbound-webhook jobs for messages m<first>, m<first+1> …
// with opts, as a hub would (without working them).
func enqueue(t *testing.T, s *store.Store, first int, opts ...*river.InsertOpts) {
	t.Helper()
	ctx := context.Background()
	workers := river.NewWorkers()
	river.AddWorker(workers, &queue.InboundWebhook{Process: func(context.Context, string) error { return nil }})
	q, err := queue.New(ctx, queue.Config{Store: s, Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Stop(ctx) //nolint:errcheck // never started
	for i, o := range opts {
		err := s.WithTx(ctx, func(ctx context.Context) error {
			return q.Enqueue(ctx, queue.InboundWebhookArgs{MessageID: fmt.Sprint("m", first+i)}, o)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// seedJobs enqueues three jobs and moves two of them on as a worker would.
func seedJobs(t *testing.T, s *store.Store) {
	t.Helper()
	enqueue(t, s, 0, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour), Tags: []string{"later", "urgent"}, Metadata: []byte(`{"b":1,"a":[true,null]}`)},
		&river.InsertOpts{}, &river.InsertOpts{})
	errs, by := `jsonb('[{"at":"2026-01-02T03:04:05.123456Z","attempt":1,"error":"boom"}]')`, `jsonb('["host-1"]')`
	if s.Engine() == "postgres" {
		errs, by = `ARRAY['{"at":"2026-01-02T03:04:05.123456Z","attempt":1,"error":"boom"}'::jsonb]`, `ARRAY['host-1']`
	}
	for _, q := range []string{
		`UPDATE river_job SET state = 'retryable', attempt = 1, errors = ` + errs + `, attempted_by = ` + by + ` WHERE args LIKE '%m1%'`,
		`UPDATE river_job SET state = 'completed', attempt = 1, finalized_at = scheduled_at WHERE args LIKE '%m2%'`,
	} {
		if s.Engine() == "postgres" {
			q = strings.ReplaceAll(q, "args LIKE", "args::text LIKE")
		} else {
			q = strings.ReplaceAll(q, "args LIKE", "json(args) LIKE")
		}
		if res, err := s.DB().Exec(q); err != nil {
			t.Fatal(err)
		} else if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("%s: %d rows", q, n)
		}
	}
}

// manifestOf backs a database up into nothing and returns the manifest.
func manifestOf(t *testing.T, dsn, blobs string) *store.Manifest {
	t.Helper()
	s, b := openInstallation(t, dsn, blobs)
	m, err := s.Backup(context.Background(), io.Discard, store.BackupOptions{Blobs: b})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sameManifest(t *testing.T, want, got *store.Manifest) {
	t.Helper()
	if len(want.Tables) != len(got.Tables) || want.Blobs.SHA256 != got.Blobs.SHA256 || want.Blobs.Count != 1 {
		t.Fatalf("%d tables %+v, want %d tables %+v", len(got.Tables), got.Blobs, len(want.Tables), want.Blobs)
	}
	for i, w := range want.Tables {
		if g := got.Tables[i]; g.Name != w.Name || g.Rows != w.Rows || g.SHA256 != w.SHA256 {
			t.Errorf("%s: %d rows %s, want %d rows %s", g.Name, g.Rows, g.SHA256, w.Rows, w.SHA256)
		}
		if w.Name == "river_job" && w.Rows != 2 {
			t.Errorf("river_job: %d unfinished jobs, want 2", w.Rows)
		}
	}
}

// TestBackupAndRestoreCommands: rapport backup of a live installation and
// rapport restore into an empty database of the same engine print every
// table as verified, and the restored database backs up identically; a
// damaged archive and a database with data are refused with an error.
func TestBackupAndRestoreCommands(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			src := newInstallation(t, engine)
			file := filepath.Join(t.TempDir(), "rapport.tar.gz")
			out := mustRun(t, "", "--db", src.dsn, "--data", src.data, "backup", "-o", file)
			if !strings.Contains(out, "contacts ") || !strings.Contains(out, "blobs ") {
				t.Fatalf("backup output:\n%s", out)
			}
			dst := installation{dsn: storetest.EmptyDSN(t, engine), data: t.TempDir(), blobs: "db"}
			if engine == "sqlite" {
				dst.blobs = "local:" + filepath.Join(dst.data, "blobs")
			}
			out = mustRun(t, "", "--db", dst.dsn, "--data", dst.data, "restore", file)
			if strings.Count(out, " verified\n") != strings.Count(out, "\n")-1 || !strings.Contains(out, "river_job") {
				t.Fatalf("restore output:\n%s", out)
			}
			sameManifest(t, manifestOf(t, src.dsn, src.blobs), manifestOf(t, dst.dsn, dst.blobs))
			restored, _ := openInstallation(t, dst.dsn, dst.blobs)
			enqueue(t, restored, 3, &river.InsertOpts{}) // River's id sequence is past the restored jobs
			if out, err := run(t, "", "--db", dst.dsn, "--data", dst.data, "restore", file); err == nil || !strings.Contains(err.Error(), "not empty") {
				t.Errorf("restore into a database with data: %v\n%s", err, out)
			}
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			cut := filepath.Join(t.TempDir(), "cut.tar.gz")
			if err := os.WriteFile(cut, raw[:len(raw)*2/3], 0o600); err != nil {
				t.Fatal(err)
			}
			if out, err := run(t, "", "--db", storetest.EmptyDSN(t, engine), "--data", t.TempDir(), "restore", cut); err == nil || exitCode(err) == 0 {
				t.Errorf("restore of a cut archive: %v\n%s", err, out)
			}
		})
	}
}

// TestCopyCommand moves a live installation to the other engine (SQLite to
// PostgreSQL and back) with rapport copy: every table verifies and the
// copy's hashes equal the source's.
func TestCopyCommand(t *testing.T) {
	engines := storetest.Engines()
	for _, from := range engines {
		to := engines[len(engines)-1]
		if from == to {
			to = engines[0]
		}
		t.Run(from+" to "+to, func(t *testing.T) {
			src := newInstallation(t, from)
			dst := storetest.EmptyDSN(t, to)
			dstBlobs := "db"
			if to == "sqlite" {
				dstBlobs = "local:" + filepath.Join(t.TempDir(), "blobs")
			}
			out := mustRun(t, "", "copy", "--from", src.dsn, "--from-blobs", src.blobs, "--to", dst, "--to-blobs", dstBlobs)
			if strings.Count(out, " verified\n") != strings.Count(out, "\n")-1 || !strings.Contains(out, "contacts ") {
				t.Fatalf("copy output:\n%s", out)
			}
			sameManifest(t, manifestOf(t, src.dsn, src.blobs), manifestOf(t, dst, dstBlobs))
		})
	}
}
