package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"rapport/connectors/blobstore"
	"rapport/model"
	"rapport/model/store"
)

// eraseBlobMinAge is how old a blob an erasure released must be to be
// deleted at once: a file put again within it (the same content uploaded
// by someone else, whose transaction may not have committed) is left to the
// periodic collector, which judges it after blobMinAge.
const eraseBlobMinAge = 5 * time.Minute

// privacyOptions are the data-protection settings, as flags and env; serve
// and the erase command read them the same way.
type privacyOptions struct {
	keep string
}

// bind adds --privacy-keep.
func (o *privacyOptions) bind(f stringFlags) {
	f.StringVar(&o.keep, "privacy-keep", os.Getenv("RAPPORT_PRIVACY_KEEP"),
		"what an erasure keeps because the law requires it: comma-separated invoices, orders, contracts, suppressions, or none "+
			"(default invoices; env RAPPORT_PRIVACY_KEEP; docs/data-care.md)")
}

// parse checks the keep-list.
func (o *privacyOptions) parse() ([]string, error) {
	keep, err := model.ParsePrivacyKeep(o.keep)
	if err != nil {
		return nil, fmt.Errorf("--privacy-keep: %w", err)
	}
	return keep, nil
}

// retentionOptions are how long logs and history are kept, as flags and env.
type retentionOptions struct {
	deliveries, rawMail, quarantine, feed string
}

// bind adds the --retain-* flags and --feed-horizon.
func (o *retentionOptions) bind(f stringFlags) {
	f.StringVar(&o.deliveries, "retain-deliveries", os.Getenv("RAPPORT_RETAIN_DELIVERIES"),
		"how long webhook delivery logs and inbound webhook messages are kept, e.g. 90d or 720h (default --webhook-log-retention, 30d; env RAPPORT_RETAIN_DELIVERIES)")
	f.StringVar(&o.rawMail, "retain-raw-mail", os.Getenv("RAPPORT_RETAIN_RAW_MAIL"),
		"how long the raw bytes of ingested mail are kept; requests, entries and bodies stay (default: for ever; env RAPPORT_RETAIN_RAW_MAIL)")
	f.StringVar(&o.quarantine, "retain-quarantine", os.Getenv("RAPPORT_RETAIN_QUARANTINE"),
		"how long quarantined mail is kept, whatever its status (default: for ever; env RAPPORT_RETAIN_QUARANTINE)")
	f.StringVar(&o.feed, "feed-horizon", os.Getenv("RAPPORT_FEED_HORIZON"),
		"how long change-feed rows are kept; older DAV sync tokens then answer 403 and clients resync (default: for ever; env RAPPORT_FEED_HORIZON)")
}

// parse reads the settings; deliveries defaults to the webhook log's
// retention (--webhook-log-retention), the rest to keeping for ever.
func (o *retentionOptions) parse(deliveries time.Duration) (store.Retention, error) {
	r := store.Retention{Deliveries: deliveries}
	for _, f := range []struct {
		flag, value string
		into        *time.Duration
	}{{"retain-deliveries", o.deliveries, &r.Deliveries}, {"retain-raw-mail", o.rawMail, &r.RawMail},
		{"retain-quarantine", o.quarantine, &r.Quarantine}, {"feed-horizon", o.feed, &r.Feed}} {
		if f.value == "" {
			continue
		}
		d, err := parseRetention(f.value)
		if err != nil {
			return store.Retention{}, fmt.Errorf("--%s: %w", f.flag, err)
		}
		*f.into = d
	}
	r.Inbound = r.Deliveries
	return r, nil
}

// parseRetention reads a retention period: days ("90d"), a Go duration
// ("720h") of at least an hour, or "forever" (also "0" and "off") to keep.
func parseRetention(v string) (time.Duration, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	switch v {
	case "0", "off", "forever":
		return 0, nil
	}
	var d time.Duration
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 || n > 100*365 {
			return 0, fmt.Errorf("%q: a number of days from 1, such as 90d", v)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			return 0, fmt.Errorf("%q: days (90d), a duration (720h) or forever", v)
		}
	}
	if d < time.Hour {
		return 0, fmt.Errorf("%q: at least an hour", v)
	}
	return d, nil
}

// withPrivacyCmds adds privacy-export and erase to the "contacts" command.
func withPrivacyCmds(g *globals, cmds []*cobra.Command) []*cobra.Command {
	for _, c := range cmds {
		if c.Name() == "contacts" {
			c.Short = "Find and merge duplicate contacts; export or erase a person's data"
			c.AddCommand(privacyExportCmd(g), eraseCmd(g))
		}
	}
	return cmds
}

// privacyExportCmd is "rapport contacts privacy-export ID -o FILE".
func privacyExportCmd(g *globals) *cobra.Command {
	var out, blobs string
	cmd := &cobra.Command{Use: "privacy-export ID -o FILE", Args: cobra.ExactArgs(1),
		Short: "Write everything held about a person to one zip (person.json and their files); the export is audited",
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("give the archive's path with -o FILE (- for standard output)")
			}
			return g.withBlobs(cmd, blobs, func(ctx context.Context, s *store.Store, b blobstore.Store) error {
				return writeArchive(cmd, out, func(w, log io.Writer) error {
					sum, err := s.PrivacyExport(ctx, args[0], w, b, "")
					if err != nil {
						return err
					}
					for _, m := range sum.Missing {
						fmt.Fprintf(log, "warning: %s is missing from the blob store\n", m)
					}
					_, err = fmt.Fprintf(log, "exported contact %s: %d records, %d files (%d bytes)\n", sum.ContactID, sum.Records, sum.Files, sum.Bytes)
					return err
				})
			})
		}}
	cmd.Flags().StringVarP(&out, "output", "o", "", "zip file to write (readable by its owner only); - for standard output")
	bindBlobs(cmd.Flags().StringVar, &blobs)
	return cmd
}

// eraseCmd is "rapport contacts erase ID [--dry-run]".
func eraseCmd(g *globals) *cobra.Command {
	var o privacyOptions
	var blobs string
	var dry, asJSON bool
	cmd := &cobra.Command{Use: "erase ID [--dry-run]", Args: cobra.ExactArgs(1),
		Short: "Erase a person across records, history and logs, keeping what the keep-list requires; prints what happened per table",
		RunE: func(cmd *cobra.Command, args []string) error {
			keep, err := o.parse()
			if err != nil {
				return err
			}
			return g.withBlobs(cmd, blobs, func(ctx context.Context, s *store.Store, b blobstore.Store) error {
				rep, err := s.EraseContact(ctx, args[0], store.EraseOptions{Keep: keep, DryRun: dry})
				if err != nil {
					return err
				}
				if !dry {
					rep.BlobsDeleted, err = collectErased(ctx, s, b, rep.BlobHashes)
					if err != nil {
						fmt.Fprintf(cmd.ErrOrStderr(), "warning: the erasure stands; collecting its files: %v\n", err)
					}
				}
				if asJSON {
					enc := json.NewEncoder(cmd.OutOrStdout())
					enc.SetIndent("", "  ")
					return enc.Encode(rep)
				}
				return printEraseReport(cmd.OutOrStdout(), rep)
			})
		}}
	o.bind(cmd.Flags())
	cmd.Flags().BoolVar(&dry, "dry-run", false, "report what would happen and change nothing")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	bindBlobs(cmd.Flags().StringVar, &blobs)
	return cmd
}

// collectErased deletes the blobs an erasure released that no row refers to.
func collectErased(ctx context.Context, s *store.Store, b blobstore.Store, shas []string) (int, error) {
	return blobstore.CollectNow(ctx, b, shas, func(sha string) (bool, error) { return s.BlobReferenced(ctx, sha) }, eraseBlobMinAge)
}

// printEraseReport writes the report as a table, one line per table and action.
func printEraseReport(w io.Writer, rep *store.EraseReport) error {
	if rep.DryRun {
		fmt.Fprintln(w, "dry run: nothing was changed")
	}
	fmt.Fprintf(w, "erasing contact %s (keep-list: %s)\n", rep.ContactID, strings.Join(append([]string{}, rep.Keep...), ","))
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tACTION\tCOUNT\tWHY")
	for _, it := range rep.Items {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", it.Table, it.Action, it.Count, it.Reason)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range rep.Review {
		fmt.Fprintf(w, "review: %s %s: %s\n", r.Table, r.ID, r.Why)
	}
	_, err := fmt.Fprintf(w, "changed %d, kept %d; %d files released, %d deleted now\n", rep.Changed, rep.Kept, rep.Blobs, rep.BlobsDeleted)
	return err
}

// retentionCmd is "rapport retention run": one retention pass now, as the
// hub's hourly job does it.
func retentionCmd(g *globals) *cobra.Command {
	var o retentionOptions
	var logRetention string
	cmd := &cobra.Command{Use: "retention", Short: "Apply the retention settings (delivery logs, raw mail, quarantine, feed horizon)"}
	run := &cobra.Command{Use: "run", Args: cobra.NoArgs,
		Short: "Remove now what is older than its retention, in small transactions, and print what went",
		RunE: func(cmd *cobra.Command, _ []string) error {
			w, err := (&webhookOptions{retention: logRetention}).parse()
			if err != nil {
				return err
			}
			r, err := o.parse(w.LogRetention)
			if err != nil {
				return err
			}
			return g.withStore(cmd, func(ctx context.Context, s *store.Store) error {
				res, err := s.ApplyRetention(ctx, r, time.Now())
				for _, name := range []string{store.RetainDeliveries, store.RetainAttempts, store.RetainInbound, store.RetainRawMail,
					store.RetainQuarantine, store.RetainFeed} {
					fmt.Fprintf(cmd.OutOrStdout(), "%-20s %d\n", name, res[name])
				}
				return err
			})
		}}
	o.bind(cmd.PersistentFlags())
	cmd.PersistentFlags().StringVar(&logRetention, "webhook-log-retention", os.Getenv("RAPPORT_WEBHOOK_LOG_RETENTION"),
		"the older name of --retain-deliveries (default 720h; env RAPPORT_WEBHOOK_LOG_RETENTION)")
	cmd.AddCommand(run)
	return cmd
}
