package main

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"rapport/connectors/webhook"
	"rapport/hub/api"
	"rapport/model"
	"rapport/model/store"
)

// webhookOptions are the outbound webhook settings, as flags and env; serve
// and the webhook commands read them the same way.
type webhookOptions struct {
	allowCIDRs string
	schedule   string
	retention  string
}

// webhookSettings are webhookOptions parsed.
type webhookSettings struct {
	// Allow lists the refused ranges that endpoints may reach anyway.
	Allow []netip.Prefix
	// Schedule is the retry schedule (webhook.Default unless set).
	Schedule webhook.Schedule
	// Checks are the rules the API and the CLI apply to endpoints.
	Checks api.WebhookChecks
	// LogRetention is how long delivery attempts, settled deliveries and
	// inbound messages are kept.
	LogRetention time.Duration
}

// defaultLogRetention keeps the delivery and inbound logs for 30 days.
const defaultLogRetention = 30 * 24 * time.Hour

// stringFlags is what bind needs of a cobra flag set.
type stringFlags interface {
	StringVar(p *string, name, value, usage string)
}

// bind adds --webhook-allow-cidrs and, for serve, --webhook-schedule and
// --webhook-log-retention.
func (o *webhookOptions) bind(f stringFlags, withSchedule bool) {
	f.StringVar(&o.allowCIDRs, "webhook-allow-cidrs", os.Getenv("RAPPORT_WEBHOOK_ALLOW_CIDRS"),
		"comma-separated CIDRs or addresses webhook endpoints may reach although private or loopback, e.g. 10.1.0.0/16 (env RAPPORT_WEBHOOK_ALLOW_CIDRS)")
	if withSchedule {
		f.StringVar(&o.schedule, "webhook-schedule", os.Getenv("RAPPORT_WEBHOOK_SCHEDULE"),
			"webhook retry delays, comma-separated Go durations (default "+webhook.Default.String()+"; env RAPPORT_WEBHOOK_SCHEDULE)")
		f.StringVar(&o.retention, "webhook-log-retention", os.Getenv("RAPPORT_WEBHOOK_LOG_RETENTION"),
			"how long webhook delivery logs and inbound webhooks are kept, a Go duration (default 720h; env RAPPORT_WEBHOOK_LOG_RETENTION)")
	}
}

// parse checks the settings; the one place the allow list is read.
func (o *webhookOptions) parse() (webhookSettings, error) {
	allow, err := webhook.ParseAllowCIDRs(o.allowCIDRs)
	if err != nil {
		return webhookSettings{}, err
	}
	schedule, err := webhook.ParseSchedule(o.schedule)
	if err != nil {
		return webhookSettings{}, err
	}
	retention := defaultLogRetention
	if o.retention != "" {
		if retention, err = time.ParseDuration(o.retention); err != nil || retention < time.Hour {
			return webhookSettings{}, fmt.Errorf("--webhook-log-retention: a duration of at least 1h, such as 720h")
		}
	}
	return webhookSettings{Allow: allow, Schedule: schedule, LogRetention: retention, Checks: api.WebhookChecks{
		CheckURL:     func(u string) error { return webhook.CheckURL(u, allow) },
		CheckHeaders: webhook.CheckHeaders,
		NewSecret:    webhook.NewSecret,
		ParseSecret:  webhook.ParseSecret,
	}}, nil
}

func webhookCmd(g *globals) *cobra.Command {
	o := &webhookOptions{}
	cmd := &cobra.Command{Use: "webhook", Short: "Manage outbound webhook endpoints (signed events for integrators)"}
	o.bind(cmd.PersistentFlags(), false)
	cmd.AddCommand(webhookAddCmd(g, o), webhookListCmd(g), webhookRemoveCmd(g), webhookRotateCmd(g), webhookReplayCmd(g))
	return cmd
}

// withWebhooks runs fn on the store with the parsed webhook settings.
func (g *globals) withWebhooks(cmd *cobra.Command, o *webhookOptions, fn func(ctx context.Context, s *store.Store, w webhookSettings) error) error {
	w, err := o.parse()
	if err != nil {
		return err
	}
	return g.withStore(cmd, func(ctx context.Context, s *store.Store) error { return fn(ctx, s, w) })
}

func webhookAddCmd(g *globals, o *webhookOptions) *cobra.Command {
	ep := &model.WebhookEndpoint{Active: true}
	var events, secret string
	var thin bool
	var headers []string
	cmd := &cobra.Command{Use: "add --url URL", Short: "Add an endpoint and print its id and signing secret (shown only now)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ep.EventTypes = strings.Split(events, ",")
			if thin {
				ep.PayloadMode = model.PayloadThin
			}
			var err error
			if ep.Headers, err = parseHeaderFlags(headers); err != nil {
				return err
			}
			return g.withWebhooks(cmd, o, func(ctx context.Context, s *store.Store, w webhookSettings) error {
				if secret == "" {
					secret = w.Checks.NewSecret()
				} else if _, err := w.Checks.ParseSecret(secret); err != nil {
					return err
				}
				if err := w.Checks.CheckEndpoint(ep, nil); err != nil {
					return err
				}
				if err := s.CreateWebhookEndpoint(ctx, ep, secret); err != nil {
					return err
				}
				_, err := fmt.Fprintf(cmd.OutOrStdout(), "id      %s\nsecret  %s\n", ep.ID, secret)
				return err
			})
		}}
	f := cmd.Flags()
	f.StringVar(&ep.URL, "url", "", "where events are POSTed: an http(s) URL (required)")
	f.StringVar(&events, "events", "*", "comma-separated event types, wildcards allowed: contact.*,account.created")
	f.StringVar(&ep.Description, "description", "", "what the endpoint is for")
	f.BoolVar(&thin, "thin", false, "send only the type, id and version of records, not the whole record")
	f.StringArrayVar(&headers, "header", nil, `a custom header sent with every delivery, "Name: value" (repeatable)`)
	f.StringVar(&secret, "secret", "", "use this whsec_… signing secret instead of a fresh one")
	_ = cmd.MarkFlagRequired("url")
	return cmd
}

// parseHeaderFlags reads "Name: value" flags.
func parseHeaderFlags(flags []string) (map[string]string, error) {
	out := map[string]string{}
	for _, h := range flags {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			return nil, model.Errorf(model.EINVALID, "--header %q: write Name: value", h)
		}
		out[strings.TrimSpace(name)] = strings.TrimSpace(value)
	}
	return out, nil
}

func webhookListCmd(g *globals) *cobra.Command {
	return &cobra.Command{Use: "list", Short: "List webhook endpoints (never their secrets)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withStore(cmd, func(ctx context.Context, s *store.Store) error {
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tURL\tEVENTS\tPAYLOAD\tSTATUS\tDESCRIPTION")
				return eachPage(ctx, s, store.ListParams{Sort: "created_at"}, func(e *model.WebhookEndpoint) error {
					st, err := s.WebhookState(ctx, e.ID)
					if err != nil {
						return err
					}
					_, err = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.URL, strings.Join(e.EventTypes, ","), e.PayloadMode,
						endpointStatus(e, st), e.Description)
					return err
				}, tw.Flush)
			})
		}}
}

// endpointStatus says whether an endpoint receives events, and if the hub
// turned it off, why.
func endpointStatus(e *model.WebhookEndpoint, st *model.WebhookState) string {
	switch {
	case e.Active && st.FailingSince != nil:
		return "failing since " + stamp(st.FailingSince)
	case e.Active:
		return "active"
	case st.DisabledAt != nil:
		return "disabled " + stamp(st.DisabledAt) + ": " + st.DisabledReason
	}
	return "inactive"
}

func webhookRemoveCmd(g *globals) *cobra.Command {
	return &cobra.Command{Use: "remove ID", Short: "Remove an endpoint; it receives nothing more", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd, func(ctx context.Context, s *store.Store) error {
				if err := store.Delete[model.WebhookEndpoint](ctx, s, args[0], 0); err != nil {
					return err
				}
				_, err := fmt.Fprintln(cmd.OutOrStdout(), "removed", args[0])
				return err
			})
		}}
}

func webhookRotateCmd(g *globals) *cobra.Command {
	var grace time.Duration
	cmd := &cobra.Command{Use: "rotate ID", Short: "Add a new signing secret and print it (only the secret); the old one stays valid for --grace",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if grace < 0 {
				return model.Errorf(model.EINVALID, "--grace must not be negative")
			}
			return g.withStore(cmd, func(ctx context.Context, s *store.Store) error {
				secret := webhook.NewSecret()
				if err := s.RotateWebhookSecret(ctx, args[0], secret, grace); err != nil {
					return err
				}
				_, err := fmt.Fprintln(cmd.OutOrStdout(), secret)
				return err
			})
		}}
	cmd.Flags().DurationVar(&grace, "grace", api.DefaultSecretGrace, "how long the previous secrets stay valid")
	return cmd
}

func webhookReplayCmd(g *globals) *cobra.Command {
	var failed bool
	var since, until string
	cmd := &cobra.Command{Use: "replay ID --failed | --since TIME [--until TIME]", Short: "Send deliveries again (same webhook-id): the failed ones, or those made in a time range",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f := store.ReplayFilter{Failed: failed}
			var err error
			if since != "" {
				if f.Since, err = time.Parse(time.RFC3339, since); err != nil {
					return model.Errorf(model.EINVALID, "--since must be an RFC 3339 time such as 2025-01-31T09:00:00Z")
				}
			}
			if until != "" {
				if f.Until, err = time.Parse(time.RFC3339, until); err != nil || !f.Until.After(f.Since) {
					return model.Errorf(model.EINVALID, "--until must be an RFC 3339 time after --since")
				}
			}
			return g.withStore(cmd, func(ctx context.Context, s *store.Store) error {
				if _, err := store.Get[model.WebhookEndpoint](ctx, s, args[0]); err != nil {
					return err
				}
				n, err := s.ReplayWebhookDeliveries(ctx, args[0], f)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(cmd.OutOrStdout(), "replayed", n)
				return err
			})
		}}
	f := cmd.Flags()
	f.BoolVar(&failed, "failed", false, "every delivery that failed for good")
	f.StringVar(&since, "since", "", "deliveries made at or after this RFC 3339 time")
	f.StringVar(&until, "until", "", "… and before this one (with --since)")
	cmd.MarkFlagsMutuallyExclusive("failed", "since")
	cmd.MarkFlagsMutuallyExclusive("failed", "until")
	cmd.MarkFlagsOneRequired("failed", "since")
	return cmd
}
