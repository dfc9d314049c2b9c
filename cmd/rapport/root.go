package main

import (
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"rapport/connectors/queue"
	"rapport/model/migrate"
)

func newRoot() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:           "rapport",
		Short:         "Rapport — the CRM that lives in your tools",
		SilenceUsage:  true,
		SilenceErrors: true,
		// One-shot commands log warnings only; serve logs requests too.
		PersistentPreRun: func(cmd *cobra.Command, _ []string) { logger(cmd.ErrOrStderr(), slog.LevelWarn) },
	}
	g.bind(root)
	root.AddCommand(serveCmd(g), migrateCmd(g), userCmd(g), tokenCmd(g), appPasswordCmd(g),
		importCmd(g), exportCmd(g), icsCmd(g), webhookCmd(g), demoCmd(g), versionCmd())
	root.AddCommand(templateCmd(g))
	root.AddCommand(mergeCmd(g))
	root.AddCommand(mailboxCmd(g, testMailbox))
	root.AddCommand(backupCmd(g))
	root.AddCommand(restoreCmd(g))
	root.AddCommand(copyCmd())
	root.AddCommand(withPrivacyCmds(g, duplicateCmds(g))...)
	root.AddCommand(retentionCmd(g))
	return root
}

func versionCmd() *cobra.Command {
	return &cobra.Command{Use: "version", Short: "Print the version", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "rapport", version)
			return err
		}}
}

func migrateCmd(g *globals) *cobra.Command {
	return &cobra.Command{Use: "migrate", Short: "Migrate the database schema to the latest version", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := g.openStore(cmd.Context(), false)
			if err != nil {
				return err
			}
			defer s.Close()
			n, err := s.Migrate(cmd.Context())
			if err != nil {
				return err
			}
			if err := queue.Migrate(cmd.Context(), s); err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "applied %d migration(s); schema at version %d\n", n, migrate.Latest())
			return err
		}}
}
