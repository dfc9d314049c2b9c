package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

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
	var login string
	cmd := &cobra.Command{Use: "list", Short: "List a user's calendar feeds", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withUser(cmd, login, func(ctx context.Context, s *store.Store, u *model.User) (string, error) {
				feeds, err := s.ICSFeeds(ctx, u.ID)
				var b strings.Builder
				tw := tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tTASKS\tCREATED\tSTATUS")
				for _, f := range feeds {
					status := "active"
					if f.RevokedAt != nil {
						status = "revoked"
					}
					fmt.Fprintf(tw, "%s\t%v\t%s\t%s\n", f.ID, f.IncludeTasks, f.CreatedAt.Format("2006-01-02 15:04"), status)
				}
				tw.Flush()
				return strings.TrimRight(b.String(), "\n"), err
			})
		}}
	cmd.Flags().StringVar(&login, "user", "", "the user's e-mail or username (required)")
	_ = cmd.MarkFlagRequired("user")
	return cmd
}

func icsRevokeCmd(g *globals) *cobra.Command {
	var login string
	cmd := &cobra.Command{Use: "revoke FEED_ID", Short: "Revoke a calendar feed", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withUser(cmd, login, func(ctx context.Context, s *store.Store, u *model.User) (string, error) {
				return "revoked " + args[0], s.RevokeICSFeed(ctx, u.ID, args[0])
			})
		}}
	cmd.Flags().StringVar(&login, "user", "", "the user's e-mail or username (required)")
	_ = cmd.MarkFlagRequired("user")
	return cmd
}
