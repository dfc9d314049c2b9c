package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"rapport/model"
	"rapport/model/store"
)

// mailboxTester logs in to a mailbox's IMAP (and SMTP) servers with its
// opened secrets and reports what failed; the mail ingest engine provides it.
type mailboxTester func(ctx context.Context, m *model.Mailbox, secrets store.MailboxSecrets) error

// mailboxCmd manages mailboxes; "test" is offered when a tester is given.
func mailboxCmd(g *globals, test mailboxTester) *cobra.Command {
	cmd := &cobra.Command{Use: "mailbox", Short: "Manage the mailboxes support mail is read from"}
	cmd.AddCommand(mailboxAddCmd(g), mailboxListCmd(g))
	if test != nil {
		cmd.AddCommand(mailboxTestCmd(g, test))
	}
	return cmd
}

// secretNames are the secrets --secrets-stdin takes, as name=value lines.
var secretNames = []string{"password", "smtp_password", "oauth_client_secret", "oauth_refresh_token"}

// readSecrets reads name=value lines (blank lines and # comments skipped)
// into the mailbox's write-only secret fields.
func readSecrets(r io.Reader, m *model.Mailbox) error {
	fields := map[string]*string{}
	for _, s := range m.SecretFields() {
		fields[s.Name] = s.Plaintext
	}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		dst := fields[strings.TrimSpace(name)]
		if !ok || dst == nil {
			return model.Errorf(model.EINVALID, "--secrets-stdin takes lines NAME=VALUE, NAME one of %s", strings.Join(secretNames, ", "))
		}
		*dst = value
	}
	return sc.Err()
}

func mailboxAddCmd(g *globals) *cobra.Command {
	m := &model.Mailbox{Active: true}
	var queue string
	var stdin, inactive bool
	cmd := &cobra.Command{Use: "add", Short: "Add a mailbox; its secrets come on standard input (--secrets-stdin)", Args: cobra.NoArgs,
		Example: `  printf 'password=%s\n' "$IMAP_PASSWORD" | rapport mailbox add --name Support --imap-host imap.example.com \
    --username support@example.com --queue Support --from support@example.com --smtp-host smtp.example.com --secrets-stdin`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if stdin {
				if err := readSecrets(cmd.InOrStdin(), m); err != nil {
					return err
				}
			}
			m.Active = !inactive
			box, err := g.secretBox()
			if err != nil {
				return err
			}
			return g.withStore(cmd, func(ctx context.Context, s *store.Store) error {
				if m.QueueID, err = queueID(ctx, s, queue); err != nil {
					return err
				}
				if err := s.CreateMailbox(ctx, box, m); err != nil {
					return err
				}
				_, err := fmt.Fprintf(cmd.OutOrStdout(), "added mailbox %s (%s@%s) id %s\n", m.Name, m.Username, m.IMAPHost, m.ID)
				return err
			})
		}}
	f := cmd.Flags()
	f.StringVar(&m.Name, "name", "", "the mailbox's name (required)")
	f.StringVar(&m.IMAPHost, "imap-host", "", "IMAP server (required)")
	f.IntVar(&m.IMAPPort, "imap-port", 0, "IMAP port (default 993 with implicit TLS, else 143)")
	f.StringVar(&m.IMAPTLS, "imap-tls", model.TLSImplicit, "implicit, starttls, or plain (loopback servers only)")
	f.StringVar(&m.Username, "username", "", "IMAP login (required)")
	f.StringVar(&m.Auth, "auth", model.MailAuthPassword, "password, xoauth2 or oauthbearer")
	f.StringVar(&m.OAuthProvider, "oauth-provider", "", "gmail, microsoft or custom (with OAuth2)")
	f.StringVar(&m.OAuthClientID, "oauth-client-id", "", "the OAuth2 client id")
	f.StringVar(&m.OAuthTokenURL, "oauth-token-url", "", "the token endpoint (default: the provider's)")
	f.StringSliceVar(&m.OAuthScopes, "oauth-scopes", nil, "OAuth2 scopes (default: the provider's)")
	f.StringSliceVar(&m.Folders, "folders", nil, "folders to read, the first watched with IDLE (default INBOX)")
	f.StringVar(&queue, "queue", "", "the queue new requests go to (name or id)")
	f.StringVar(&m.AfterProcessing, "after", model.MailAfterLeave, "after a message is stored: leave, flag or move")
	f.StringVar(&m.MoveTo, "move-to", "", "the folder for --after move")
	f.StringVar(&m.FromAddress, "from", "", "the address replies go out from")
	f.StringVar(&m.FromName, "from-name", "", "the name replies go out under")
	f.StringVar(&m.SMTPHost, "smtp-host", "", "SMTP server for replies")
	f.IntVar(&m.SMTPPort, "smtp-port", 0, "SMTP port (default 465 with implicit TLS, else 587)")
	f.StringVar(&m.SMTPTLS, "smtp-tls", "", "implicit, starttls (default) or plain (loopback only)")
	f.StringVar(&m.SMTPUsername, "smtp-username", "", "SMTP login (none: no AUTH)")
	f.BoolVar(&m.Scheduling, "scheduling", false, "the address that organises calendar invitations")
	f.BoolVar(&inactive, "inactive", false, "add it switched off")
	f.BoolVar(&stdin, "secrets-stdin", false, "read secrets from standard input as NAME=VALUE lines: "+strings.Join(secretNames, ", "))
	for _, name := range []string{"name", "imap-host", "username"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

// queueID resolves --queue: a queue's id, or the name of a live queue.
func queueID(ctx context.Context, s *store.Store, queue string) (*string, error) {
	if queue == "" {
		return nil, nil
	}
	if model.ValidID(queue) {
		return &queue, nil
	}
	page, err := store.List[model.Queue](ctx, s, store.ListParams{Equals: map[string]string{"name": queue}, Limit: 2})
	switch {
	case err != nil:
		return nil, err
	case len(page.Items) != 1:
		return nil, model.Errorf(model.EINVALID, "--queue: %d queues are named %q; give its id", len(page.Items), queue)
	}
	return &page.Items[0].ID, nil
}

func mailboxListCmd(g *globals) *cobra.Command {
	return &cobra.Command{Use: "list", Short: "List mailboxes with their state", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withStore(cmd, func(ctx context.Context, s *store.Store) error {
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tNAME\tIMAP\tFOLDERS\tACTIVE\tSTATE\tLAST ERROR")
				return eachPage(ctx, s, store.ListParams{Sort: "name"}, func(m *model.Mailbox) error {
					st, err := s.MailboxStatus(ctx, m.ID)
					if err != nil {
						return err
					}
					_, err = fmt.Fprintf(tw, "%s\t%s\t%s@%s:%d (%s, %s)\t%s\t%t\t%s\t%s\n", m.ID, m.Name, m.Username, m.IMAPHost, m.IMAPPort,
						m.IMAPTLS, m.Auth, strings.Join(m.Folders, ","), m.Active, st.State, st.LastError)
					return err
				}, tw.Flush)
			})
		}}
}

func mailboxTestCmd(g *globals, test mailboxTester) *cobra.Command {
	return &cobra.Command{Use: "test ID", Short: "Log in to a mailbox's servers with its settings and say what fails", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			box, err := g.secretBox()
			if err != nil {
				return err
			}
			return g.withStore(cmd, func(ctx context.Context, s *store.Store) error {
				m, err := store.Get[model.Mailbox](ctx, s, args[0])
				if err != nil {
					return err
				}
				secrets, err := store.OpenMailboxSecrets(box, m)
				if err == nil {
					err = test(ctx, m, secrets)
				}
				if err != nil {
					return fmt.Errorf("mailbox %s: %w", m.Name, err)
				}
				_, err = fmt.Fprintf(cmd.OutOrStdout(), "mailbox %s: ok\n", m.Name)
				return err
			})
		}}
}
