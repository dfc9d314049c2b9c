package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"rapport/connectors/blobstore"
	"rapport/connectors/queue"
	"rapport/model/store"
)

// blobsUsage describes the --blobs flag of backup and restore.
const blobsUsage = "blob store: local or db, as serve's --blobs (env RAPPORT_BLOBS)"

// backupCmd writes a consistent snapshot of the database and its blobs to
// one archive while the hub keeps running (docs/data-care.md).
func backupCmd(g *globals) *cobra.Command {
	var out, blobs string
	var gz bool
	cmd := &cobra.Command{Use: "backup -o FILE", Short: "Write a consistent snapshot of every table and blob to one archive (while the hub runs)",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("give the archive's path with -o FILE (- for standard output)")
			}
			s, src, err := g.openWithBlobs(cmd.Context(), blobs)
			if err != nil {
				return err
			}
			defer s.Close()
			compress := gz || strings.HasSuffix(out, ".gz") || strings.HasSuffix(out, ".tgz")
			return writeArchive(cmd, out, func(w, log io.Writer) error { return backupTo(cmd.Context(), s, src, w, log, compress) })
		}}
	cmd.Flags().StringVarP(&out, "output", "o", "", "archive file (.tar, or gzipped with .tar.gz or --gzip); - for standard output")
	cmd.Flags().BoolVar(&gz, "gzip", false, "gzip the archive whatever its name")
	cmd.Flags().StringVar(&blobs, "blobs", os.Getenv("RAPPORT_BLOBS"), blobsUsage)
	return cmd
}

// backupTo writes the archive to w and a line per table, the blobs and the
// schema version to log.
func backupTo(ctx context.Context, s *store.Store, blobs blobstore.Store, w, log io.Writer, compress bool) error {
	m, err := s.Backup(ctx, w, store.BackupOptions{Blobs: blobs, Version: version, Compress: compress,
		Progress: func(t store.TableManifest) {
			fmt.Fprintf(log, "%-30s %10d rows  sha256 %s\n", t.Name, t.Rows, t.SHA256[:16])
		}})
	if err != nil {
		return err
	}
	printBlobs(log, m.Blobs.Count, m.Blobs.Bytes)
	for _, sha := range m.Blobs.Missing {
		fmt.Fprintf(log, "warning: blob %s is referenced but missing from the blob store\n", sha)
	}
	_, err = fmt.Fprintf(log, "schema version %d, %d tables\n", m.SchemaVersion, len(m.Tables))
	return err
}

// writeArchive runs write into path, logging to standard output, or for
// "-" into standard output, logging to standard error. A file is written
// beside its final name and renamed only once complete, so a failed backup
// never leaves a cut archive that looks like a good one.
func writeArchive(cmd *cobra.Command, path string, write func(w, log io.Writer) error) error {
	if path == "-" {
		return write(cmd.OutOrStdout(), cmd.ErrOrStderr())
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".partial-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	err = write(tmp, cmd.OutOrStdout())
	if err == nil {
		err = tmp.Sync()
	}
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// restoreCmd loads an archive into an empty database and verifies it.
func restoreCmd(g *globals) *cobra.Command {
	var blobs string
	cmd := &cobra.Command{Use: "restore FILE", Short: "Load an archive into an empty database (SQLite or PostgreSQL) and verify every table",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var in io.Reader = cmd.InOrStdin()
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				in = f
			}
			s, sink, err := g.openWithBlobs(cmd.Context(), blobs)
			if err != nil {
				return err
			}
			defer s.Close()
			return restoreInto(cmd, s, sink, in)
		}}
	cmd.Flags().StringVar(&blobs, "blobs", os.Getenv("RAPPORT_BLOBS"), blobsUsage)
	return cmd
}

// copyCmd streams a backup of one database straight into a restore into
// another, with no file between: moving from SQLite to PostgreSQL.
func copyCmd() *cobra.Command {
	var from, to, fromBlobs, toBlobs string
	cmd := &cobra.Command{Use: "copy --from DATABASE --to DATABASE", Short: "Copy a live installation into an empty database (e.g. SQLite to PostgreSQL) and verify every table",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			src, srcBlobs, err := openEnd(ctx, from, fromBlobs)
			if err != nil {
				return fmt.Errorf("--from: %w", err)
			}
			defer src.Close()
			dst, dstBlobs, err := openEnd(ctx, to, toBlobs)
			if err != nil {
				return fmt.Errorf("--to: %w", err)
			}
			defer dst.Close()
			return copyStores(cmd, src, srcBlobs, dst, dstBlobs)
		}}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "source database: sqlite:PATH or postgres://…")
	f.StringVar(&to, "to", "", "target database, empty: postgres://… or sqlite:PATH")
	f.StringVar(&fromBlobs, "from-blobs", "", "source blob store: db or local:DIR (default: local:<dir of the SQLite file>/blobs, db on PostgreSQL)")
	f.StringVar(&toBlobs, "to-blobs", "", "target blob store: db or local:DIR (default as for --from-blobs)")
	cmd.MarkFlagRequired("from") //nolint:errcheck // the flag exists
	cmd.MarkFlagRequired("to")   //nolint:errcheck // the flag exists
	return cmd
}

// errRestoreEnded is what the backup side of a copy sees once the restore
// side has stopped reading.
var errRestoreEnded = errors.New("copy: the restore stopped reading")

// copyStores pipes src's backup into dst's restore. Whichever side fails
// first closes the pipe with its error, so the other stops too (the
// restore then rolls back), and that first error is the one reported.
func copyStores(cmd *cobra.Command, src *store.Store, srcBlobs blobstore.Store, dst *store.Store, dstBlobs blobstore.Store) error {
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := src.Backup(cmd.Context(), pw, store.BackupOptions{Blobs: srcBlobs, Version: version})
		pw.CloseWithError(err)
		done <- err
	}()
	err := restoreInto(cmd, dst, dstBlobs, pr)
	pr.CloseWithError(errRestoreEnded)
	if backupErr := <-done; backupErr != nil && !errors.Is(backupErr, errRestoreEnded) {
		return fmt.Errorf("reading --from: %w", backupErr)
	}
	return err
}

// restoreInto migrates River's schema (its job table receives the
// archive's unfinished jobs), restores r into s and prints each table's
// verification.
func restoreInto(cmd *cobra.Command, s *store.Store, blobs blobstore.Store, r io.Reader) error {
	ctx := cmd.Context()
	if err := queue.Migrate(ctx, s); err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	rep, err := s.Restore(ctx, r, store.RestoreOptions{Blobs: blobSink{blobs}, Progress: func(c store.TableCheck) {
		state := "verified"
		if !c.OK() {
			state = fmt.Sprintf("MISMATCH: %d rows sha256 %s, archive %d rows sha256 %s", c.Rows, c.SHA256[:16], c.WantRows, c.WantSHA256[:16])
		}
		fmt.Fprintf(out, "%-30s %10d rows  %s\n", c.Name, c.Rows, state)
	}})
	if err != nil {
		return err
	}
	printBlobs(out, rep.Blobs, rep.BlobBytes)
	m := rep.Manifest
	_, err = fmt.Fprintf(out, "restored %d tables from a %s backup of %s (schema %d, rapport %s); %d migration(s) after loading\n",
		len(rep.Tables), m.Engine, m.CreatedAt.Format("2006-01-02 15:04:05Z"), m.SchemaVersion, m.RapportVersion, rep.Upgraded)
	return err
}

func printBlobs(w io.Writer, n, size int64) {
	fmt.Fprintf(w, "%-30s %10d files %d bytes  verified\n", "blobs", n, size)
}

// blobSink presents a connectors blob store as the restore's BlobSink.
type blobSink struct{ s blobstore.Store }

func (b blobSink) Put(ctx context.Context, r io.Reader) (string, int64, error) {
	info, err := b.s.Put(ctx, r, "", math.MaxInt64)
	return info.SHA256, info.Size, err
}

// openWithBlobs opens the configured database, unmigrated (backup reads
// any schema; restore migrates to the archive's), and its blob store.
func (g *globals) openWithBlobs(ctx context.Context, blobs string) (*store.Store, blobstore.Store, error) {
	s, err := g.openStore(ctx, false)
	if err != nil {
		return nil, nil, err
	}
	b, err := openBlobs(g, &serveOptions{blobs: blobs}, s)
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return s, b, nil
}

// openEnd opens one side of a copy: a database URL and its blob store,
// "db" or "local:DIR", by default where serve keeps them (beside the
// SQLite file, in the database on PostgreSQL).
func openEnd(ctx context.Context, dsn, blobs string) (*store.Store, blobstore.Store, error) {
	s, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	if blobs == "" {
		blobs = "db"
		if p := s.SQLitePath(); p != "" {
			blobs = "local:" + filepath.Join(filepath.Dir(p), "blobs")
		}
	}
	var b blobstore.Store
	switch dir, local := strings.CutPrefix(blobs, "local:"); {
	case blobs == "db":
		b = blobstore.NewDB(s.DB(), s.Engine())
	case local && dir != "":
		b, err = blobstore.NewLocal(dir)
	default:
		err = fmt.Errorf("blob store must be db or local:DIR, not %q", blobs)
	}
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return s, b, nil
}
