package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"rapport/model/store"
)

// userOffboardCmd is "rapport user offboard LOGIN --to LOGIN | --to-manager".
func userOffboardCmd(g *globals) *cobra.Command {
	var to string
	var opt store.OffboardOptions
	var asJSON bool
	cmd := &cobra.Command{Use: "offboard LOGIN (--to LOGIN | --to-manager) [--dry-run]",
		Short: "Disable a user (every credential dies) and hand their open records to a colleague or their team's manager",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd, func(ctx context.Context, s *store.Store) error {
				rep, err := offboard(ctx, s, args[0], to, opt)
				if err != nil {
					return err
				}
				if asJSON {
					enc := json.NewEncoder(cmd.OutOrStdout())
					enc.SetIndent("", "  ")
					return enc.Encode(rep)
				}
				return printOffboardReport(cmd.OutOrStdout(), rep)
			})
		}}
	f := cmd.Flags()
	f.StringVar(&to, "to", "", "the e-mail or username of who takes over")
	f.BoolVar(&opt.ToManager, "to-manager", false, "hand over to the manager of the user's team")
	f.BoolVar(&opt.DryRun, "dry-run", false, "report what would happen and change nothing")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.MarkFlagsMutuallyExclusive("to", "to-manager")
	cmd.MarkFlagsOneRequired("to", "to-manager")
	return cmd
}

// offboard resolves the logins and offboards the user.
func offboard(ctx context.Context, s *store.Store, login, to string, opt store.OffboardOptions) (*store.OffboardReport, error) {
	u, err := s.UserByLogin(ctx, login)
	if err != nil {
		return nil, fmt.Errorf("user %s: %w", login, err)
	}
	if to != "" {
		heir, err := s.UserByLogin(ctx, to)
		if err != nil {
			return nil, fmt.Errorf("--to %s: %w", to, err)
		}
		opt.ReassignTo = heir.ID
	}
	return s.OffboardUser(ctx, u.ID, opt)
}

// printOffboardReport writes the report as a table, one line per rule.
func printOffboardReport(w io.Writer, rep *store.OffboardReport) error {
	if rep.DryRun {
		fmt.Fprintln(w, "dry run: nothing was changed")
	}
	via := ""
	if rep.ToManager {
		via = " (team manager)"
	}
	fmt.Fprintf(w, "offboarding %s: records to %s%s\n", rep.User, rep.Heir, via)
	r := rep.Revoked
	fmt.Fprintf(w, "revoked: %d sessions, %d API tokens, %d app passwords, %d calendar feeds\n", r.Sessions, r.Tokens, r.AppPasswords, r.ICSFeeds)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ENTITY\tFIELD\tACTION\tCOUNT\tLEFT")
	for _, it := range rep.Items {
		if it.Count == 0 && len(it.Left) == 0 {
			continue
		}
		var left []string
		for _, l := range it.Left {
			left = append(left, fmt.Sprintf("%d: %s", l.Count, l.Reason))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", it.Entity, it.Field, it.Action, it.Count, strings.Join(left, "; "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "moved %d, left %d\n", rep.Moved, rep.Left)
	return err
}
