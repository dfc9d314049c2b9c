package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"rapport/model"
	"rapport/model/secret"
	"rapport/model/store"
)

// cliActor is who CLI commands act as in the feed and audit log.
var cliActor = model.Actor{Name: "cli", Role: model.RoleAdmin, Internal: true}

// withStore opens the migrated store, runs fn as the CLI actor and closes it.
func (g *globals) withStore(cmd *cobra.Command, fn func(ctx context.Context, s *store.Store) error) error {
	s, err := g.openStore(cmd.Context(), true)
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(model.WithActor(cmd.Context(), cliActor), s)
}

// withUser resolves login (e-mail or username) and runs fn, printing the
// line fn returns.
func (g *globals) withUser(cmd *cobra.Command, login string, fn func(ctx context.Context, s *store.Store, u *model.User) (string, error)) error {
	return g.withStore(cmd, func(ctx context.Context, s *store.Store) error {
		u, err := s.UserByLogin(ctx, login)
		if err != nil {
			return err
		}
		out, err := fn(ctx, s, u)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(cmd.OutOrStdout(), out)
		return err
	})
}

// readPassword reads one line from stdin and checks its strength.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	pw := strings.TrimRight(line, "\r\n")
	if msg := secret.CheckStrength(pw); msg != "" {
		return "", model.Errorf(model.EINVALID, "password: %s", msg)
	}
	return pw, nil
}

func userCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Aliases: []string{"users"}, Short: "Manage users"}
	cmd.AddCommand(userAddCmd(g), userPasswdCmd(g), userListCmd(g), userDisableCmd(g))
	cmd.AddCommand(userOffboardCmd(g))
	return cmd
}

func userAddCmd(g *globals) *cobra.Command {
	u := &model.User{}
	var stdin bool
	cmd := &cobra.Command{Use: "add", Short: "Add a user", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pw := ""
			if stdin {
				var err error
				if pw, err = readPassword(cmd.InOrStdin()); err != nil {
					return err
				}
			}
			return g.withStore(cmd, func(ctx context.Context, s *store.Store) error {
				if err := s.CreateUser(ctx, u, pw); err != nil {
					return err
				}
				_, err := fmt.Fprintf(cmd.OutOrStdout(), "added %s (%s, %s) id %s\n", u.Email, u.Username, u.Role, u.ID)
				return err
			})
		}}
	f := cmd.Flags()
	f.StringVar(&u.Email, "email", "", "e-mail address (required)")
	f.StringVar(&u.Name, "name", "", "full name (required)")
	f.StringVar(&u.Role, "role", model.RoleAgent, "admin, manager, agent or portal")
	f.StringVar(&u.Username, "username", "", "login name (default: from the e-mail)")
	f.StringVar(&u.Language, "language", "", "preferred language, e.g. en or ru")
	f.StringVar(&u.TimeZone, "timezone", "", "IANA time zone")
	f.BoolVar(&stdin, "password-stdin", false, "read the password from standard input")
	_ = cmd.MarkFlagRequired("email")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

// userArg returns --user or the single positional argument.
func userArg(flag string, args []string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if len(args) == 1 {
		return args[0], nil
	}
	return "", model.Errorf(model.EINVALID, "name the user with --user EMAIL (or username)")
}

func userPasswdCmd(g *globals) *cobra.Command {
	var login string
	var stdin bool
	cmd := &cobra.Command{Use: "passwd [--user] EMAIL --password-stdin", Short: "Set a user's password (read from stdin)", Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			who, err := userArg(login, args)
			if err != nil {
				return err
			}
			if !stdin {
				return model.Errorf(model.EINVALID, "pass the new password on standard input with --password-stdin")
			}
			pw, err := readPassword(cmd.InOrStdin())
			if err != nil {
				return err
			}
			return g.withUser(cmd, who, func(ctx context.Context, s *store.Store, u *model.User) (string, error) {
				return "password changed for " + u.Email, s.SetPassword(ctx, u.ID, pw)
			})
		}}
	cmd.Flags().StringVar(&login, "user", "", "the user's e-mail or username")
	cmd.Flags().BoolVar(&stdin, "password-stdin", false, "read the new password from standard input")
	return cmd
}

func userListCmd(g *globals) *cobra.Command {
	return &cobra.Command{Use: "list", Short: "List users", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withStore(cmd, func(ctx context.Context, s *store.Store) error {
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "EMAIL\tUSERNAME\tNAME\tROLE\tSTATUS")
				return eachPage(ctx, s, store.ListParams{Sort: "email"}, func(u *model.User) error {
					status := "active"
					if u.Disabled {
						status = "disabled"
					}
					_, err := fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Email, u.Username, u.Name, u.Role, status)
					return err
				}, tw.Flush)
			})
		}}
}

// eachPage calls fn for every record of a list, page by page, then done.
func eachPage[T any, P store.RecordPtr[T]](ctx context.Context, s *store.Store, p store.ListParams, fn func(P) error, done func() error) error {
	p.Limit = 2000
	for {
		page, err := store.List[T, P](ctx, s, p)
		if err != nil {
			return err
		}
		for _, rec := range page.Items {
			if err := fn(rec); err != nil {
				return err
			}
		}
		if page.NextCursor == "" {
			return done()
		}
		p.Cursor = page.NextCursor
	}
}

func userDisableCmd(g *globals) *cobra.Command {
	var login string
	cmd := &cobra.Command{Use: "disable [--user] EMAIL", Short: "Disable a user and revoke every session, token and app password",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			who, err := userArg(login, args)
			if err != nil {
				return err
			}
			return g.withUser(cmd, who, func(ctx context.Context, s *store.Store, u *model.User) (string, error) {
				_, err := store.Update(ctx, s, u.ID, 0, func(u *model.User) error { u.Disabled = true; return nil })
				return "disabled " + u.Email, err
			})
		}}
	cmd.Flags().StringVar(&login, "user", "", "the user's e-mail or username")
	return cmd
}

func tokenCmd(g *globals) *cobra.Command {
	var login, scopes, name string
	var expires time.Duration
	create := &cobra.Command{Use: "create", Short: "Create an API token and print it (only the token)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sc, err := model.ParseScopes(scopes)
			if err != nil {
				return err
			}
			return g.withUser(cmd, login, func(ctx context.Context, s *store.Store, u *model.User) (string, error) {
				plain, _, err := s.CreateToken(ctx, u.ID, name, sc, expires)
				return plain, err
			})
		}}
	f := create.Flags()
	f.StringVar(&login, "user", "", "the user's e-mail or username (required)")
	f.StringVar(&scopes, "scope", "read,write", "comma-separated scopes: read, write, admin")
	f.DurationVar(&expires, "expires", 0, "lifetime such as 720h (default: no expiry)")
	f.StringVar(&name, "name", "cli", "a label for the token")
	_ = create.MarkFlagRequired("user")
	cmd := &cobra.Command{Use: "token", Short: "Manage API tokens"}
	cmd.AddCommand(create)
	return cmd
}

func appPasswordCmd(g *globals) *cobra.Command {
	var login, label string
	create := &cobra.Command{Use: "create", Short: "Create a per-device app password for DAV clients and print it", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withUser(cmd, login, func(ctx context.Context, s *store.Store, u *model.User) (string, error) {
				plain, _, err := s.CreateAppPassword(ctx, u.ID, label)
				return plain, err
			})
		}}
	create.Flags().StringVar(&login, "user", "", "the user's e-mail or username (required)")
	create.Flags().StringVar(&label, "label", "", "the device, e.g. \"Anna's iPhone\" (required)")
	_ = create.MarkFlagRequired("user")
	_ = create.MarkFlagRequired("label")
	cmd := &cobra.Command{Use: "apppassword", Short: "Manage DAV app passwords"}
	cmd.AddCommand(create, appPasswordListCmd(g),
		revokeCmd(g, "revoke ID", "Revoke one device's app password", (*store.Store).RevokeAppPassword))
	return cmd
}

func appPasswordListCmd(g *globals) *cobra.Command {
	return listCmd(g, "List a user's app passwords (never the secrets)", "ID\tLABEL\tCREATED\tLAST USED\tSTATUS", (*store.Store).AppPasswords,
		func(p model.AppPassword) []any {
			return []any{p.ID, p.Label, stamp(&p.CreatedAt), stamp(p.LastUsedAt), status(p.RevokedAt)}
		})
}
