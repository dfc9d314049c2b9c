package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"rapport/model"
	"rapport/model/store"
)

func icsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "ics", Short: "Manage calendar subscription feeds (Outlook, Google, Apple)"}
	cmd.AddCommand(icsCreateCmd(g), icsListCmd(g), icsRevokeCmd(g))
	return cmd
}

func icsCreateCmd(g *globals) *cobra.Command {
	var login, base string
	var tasks bool
	cmd := &cobra.Command{Use: "create", Short: "Create a subscription URL for a user's appointments (prints only the URL)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withUser(cmd, login, func(ctx context.Context, s *store.Store, u *model.User) (string, error) {
				plain, _, err := s.CreateICSFeed(ctx, u.ID, tasks)
				return strings.TrimRight(base, "/") + "/ics/" + plain + ".ics", err
			})
		}}
	f := cmd.Flags()
	f.StringVar(&login, "user", "", "the user's e-mail or username (required)")
	f.BoolVar(&tasks, "tasks", false, "also publish the user's tasks")
	f.StringVar(&base, "base-url", envOr("RAPPORT_BASE_URL", "http://127.0.0.1:8080"), "the hub's public URL (env RAPPORT_BASE_URL)")
	_ = cmd.MarkFlagRequired("user")
	return cmd
}

func icsListCmd(g *globals) *cobra.Command {
	return listCmd(g, "List a user's calendar feeds", "ID\tTASKS\tCREATED\tSTATUS", (*store.Store).ICSFeeds,
		func(f model.ICSFeed) []any {
			return []any{f.ID, f.IncludeTasks, stamp(&f.CreatedAt), status(f.RevokedAt)}
		})
}

// listCmd builds "list" for one kind of a user's credentials: a table with
// header (tab-separated) and one row per item.
func listCmd[T any](g *globals, short, header string, list func(s *store.Store, ctx context.Context, userID string) ([]T, error), row func(T) []any) *cobra.Command {
	var login string
	cmd := &cobra.Command{Use: "list", Short: short, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withUser(cmd, login, func(ctx context.Context, s *store.Store, u *model.User) (string, error) {
				items, err := list(s, ctx, u.ID)
				var b strings.Builder
				tw := tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, header)
				for _, it := range items {
					cells := row(it)
					for i, c := range cells {
						sep := "\t"
						if i == len(cells)-1 {
							sep = "\n"
						}
						fmt.Fprint(tw, c, sep)
					}
				}
				tw.Flush()
				return strings.TrimRight(b.String(), "\n"), err
			})
		}}
	cmd.Flags().StringVar(&login, "user", "", "the user's e-mail or username (required)")
	_ = cmd.MarkFlagRequired("user")
	return cmd
}

// stamp formats a time for tables; nil is "never".
func stamp(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.Format("2006-01-02 15:04")
}

// status says whether a credential is active or revoked.
func status(revoked *time.Time) string {
	if revoked != nil {
		return "revoked"
	}
	return "active"
}

func icsRevokeCmd(g *globals) *cobra.Command {
	return revokeCmd(g, "revoke FEED_ID", "Revoke a calendar feed", (*store.Store).RevokeICSFeed)
}

// revokeCmd builds "revoke ID" for one kind of a user's credentials.
func revokeCmd(g *globals, use, short string, revoke func(s *store.Store, ctx context.Context, userID, id string) error) *cobra.Command {
	var login string
	cmd := &cobra.Command{Use: use, Short: short, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withUser(cmd, login, func(ctx context.Context, s *store.Store, u *model.User) (string, error) {
				return "revoked " + args[0], revoke(s, ctx, u.ID, args[0])
			})
		}}
	cmd.Flags().StringVar(&login, "user", "", "the user's e-mail or username (required)")
	_ = cmd.MarkFlagRequired("user")
	return cmd
}
