package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"rapport/model"
	"rapport/model/store"
)

// duplicateCmds are "contacts" and "accounts", each with merge and
// duplicates: the command line's side of merging duplicate records.
func duplicateCmds(g *globals) []*cobra.Command {
	var out []*cobra.Command
	for _, entity := range model.MergeEntities {
		cmd := &cobra.Command{Use: entity + "s", Short: "Find and merge duplicate " + entity + "s"}
		cmd.AddCommand(mergeRecordsCmd(g, entity), duplicatesCmd(g, entity))
		out = append(out, cmd)
	}
	return out
}

func mergeRecordsCmd(g *globals, entity string) *cobra.Command {
	var fields []string
	cmd := &cobra.Command{Use: "merge SURVIVOR LOSER", Args: cobra.ExactArgs(2),
		Short: "Merge the " + entity + " LOSER into SURVIVOR: every link moves, LOSER becomes a tombstone pointing at SURVIVOR",
		RunE: func(cmd *cobra.Command, args []string) error {
			choices, err := parseFieldChoices(fields)
			if err != nil {
				return err
			}
			return g.withStore(cmd, func(ctx context.Context, s *store.Store) error {
				survivor, moved, err := mergeByEntity(ctx, s, entity, args[0], args[1], store.MergeOptions{Fields: choices})
				if err != nil {
					return err
				}
				return printMerge(cmd.OutOrStdout(), entity, args[1], survivor, moved)
			})
		}}
	cmd.Flags().StringArrayVar(&fields, "field", nil, "whose value a field keeps: FIELD=survivor or FIELD=loser (repeatable; custom_fields.KEY for one custom field)")
	return cmd
}

// parseFieldChoices reads --field FIELD=survivor|loser flags.
func parseFieldChoices(flags []string) (map[string]string, error) {
	out := map[string]string{}
	for _, f := range flags {
		field, choice, ok := strings.Cut(f, "=")
		if !ok || field == "" {
			return nil, model.Errorf(model.EINVALID, "--field %q: write FIELD=survivor or FIELD=loser", f)
		}
		out[strings.TrimSpace(field)] = strings.TrimSpace(choice)
	}
	return out, nil
}

func mergeByEntity(ctx context.Context, s *store.Store, entity, survivor, loser string, opts store.MergeOptions) (model.Record, store.Moved, error) {
	if entity == "account" {
		return s.MergeAccounts(ctx, survivor, loser, opts)
	}
	return s.MergeContacts(ctx, survivor, loser, opts)
}

func printMerge(w io.Writer, entity, loser string, survivor model.Record, moved store.Moved) error {
	var parts []string
	for _, e := range slices.Sorted(maps.Keys(moved)) {
		parts = append(parts, fmt.Sprintf("%s %d", e, moved[e]))
	}
	if len(parts) == 0 {
		parts = []string{"nothing"}
	}
	_, err := fmt.Fprintf(w, "merged %s %s into %s (now version %d); moved: %s\n", entity, loser,
		survivor.RecordMeta().ID, survivor.RecordMeta().Version, strings.Join(parts, ", "))
	return err
}

func duplicatesCmd(g *globals, entity string) *cobra.Command {
	var minScore float64
	var limit int
	cmd := &cobra.Command{Use: "duplicates", Args: cobra.NoArgs,
		Short: "List pairs of " + entity + "s that may be one, surest first: score, the older (survivor) and the newer record, reasons",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withStore(cmd, func(ctx context.Context, s *store.Store) error {
				page, err := s.DuplicatePairs(ctx, entity, store.DuplicateParams{Limit: limit, MinScore: minScore})
				if err != nil {
					return err
				}
				return printDuplicates(cmd.OutOrStdout(), page)
			})
		}}
	cmd.Flags().Float64Var(&minScore, "min-score", store.DefaultDuplicateScore, "leave out pairs scoring below this (0 to 1)")
	cmd.Flags().IntVar(&limit, "limit", 50, "how many pairs to list (at most 500)")
	return cmd
}

func printDuplicates(w io.Writer, page store.DuplicatePage) error {
	for _, p := range page.Items {
		var why []string
		for _, r := range p.Reasons {
			why = append(why, r.Kind)
		}
		fmt.Fprintf(w, "%.3f\t%s\t%s\t%s\t%s\t%s\n", p.Score, p.A.ID, p.A.Name, p.B.ID, p.B.Name, strings.Join(why, ","))
	}
	_, err := fmt.Fprintf(w, "%d of %d pairs\n", len(page.Items), page.Total)
	return err
}
