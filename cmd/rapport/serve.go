package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"rapport/connectors/blobstore"
	"rapport/connectors/queue"
	"rapport/connectors/webhook"
	"rapport/hub"
	"rapport/hub/api"
	"rapport/hub/auth"
	"rapport/hub/console"
	"rapport/hub/dav"
	"rapport/hub/ics"
	"rapport/hub/inbound"
	"rapport/hub/outmail"
	"rapport/model"
	"rapport/model/store"
)

type serveOptions struct {
	listen        string
	demo          bool
	maxBody       int64
	metricsToken  string
	secureCookies bool
	trustProxy    bool
	blobs         string
	davPasswords  bool
	publicURL     string
	language      string // the console's default UI language
	webhooks      webhookOptions
	privacy       privacyOptions
	retention     retentionOptions
	docs          docOptions
	mail          mailOptions
	ingest        ingestOptions
	// contractNoticeDays is how many days before its end a contract's
	// contract.expiring event goes out.
	contractNoticeDays int
}

func serveCmd(g *globals) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{Use: "serve", Short: "Run the hub (HTTP API, sign-in, health and metrics)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return serve(cmd, g, o) }}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", envOr("RAPPORT_LISTEN", "127.0.0.1:8080"), "address to listen on (env RAPPORT_LISTEN)")
	f.BoolVar(&o.demo, "demo", false, "seed demo data when the database is empty and print demo credentials")
	f.Int64Var(&o.maxBody, "max-body", 1<<20, "largest JSON request body in bytes (env RAPPORT_MAX_BODY)")
	f.StringVar(&o.metricsToken, "metrics-token", os.Getenv("RAPPORT_METRICS_TOKEN"), "require this bearer token for /metrics (env RAPPORT_METRICS_TOKEN)")
	f.BoolVar(&o.secureCookies, "secure-cookies", os.Getenv("RAPPORT_SECURE_COOKIES") == "true", "mark session cookies Secure (set when served over HTTPS; env RAPPORT_SECURE_COOKIES=true)")
	f.BoolVar(&o.trustProxy, "trust-proxy", os.Getenv("RAPPORT_TRUST_PROXY") == "true", "take client IPs from X-Forwarded-For (env RAPPORT_TRUST_PROXY=true)")
	f.StringVar(&o.blobs, "blobs", os.Getenv("RAPPORT_BLOBS"), "blob store: local (files under <data>/blobs) or db (default: local on SQLite, db on PostgreSQL; env RAPPORT_BLOBS)")
	f.BoolVar(&o.davPasswords, "dav-account-passwords", os.Getenv("RAPPORT_DAV_ACCOUNT_PASSWORDS") == "true", "let CardDAV/CalDAV clients sign in with account passwords, not only app passwords (env RAPPORT_DAV_ACCOUNT_PASSWORDS=true)")
	f.StringVar(&o.publicURL, "public-url", os.Getenv("RAPPORT_PUBLIC_URL"), "the hub's address as outsiders reach it, e.g. https://crm.example.com, for web form and inbound hook URLs (default: the host each request came to; env RAPPORT_PUBLIC_URL)")
	f.StringVar(&o.language, "language", envOr("RAPPORT_LANGUAGE", "en"), "the staff console's language for users who chose none and browsers that ask for neither: en or ru (env RAPPORT_LANGUAGE)")
	o.webhooks.bind(f, true)
	o.privacy.bind(f)
	o.retention.bind(f)
	o.docs.bind(f)
	o.mail.bind(f)
	o.ingest.bind(f)
	f.IntVar(&o.contractNoticeDays, "contract-notice-days", 30,
		"send contract.expiring this many days before a contract ends, 1 to 365 (env RAPPORT_CONTRACT_NOTICE_DAYS)")
	if v := os.Getenv("RAPPORT_MAX_BODY"); v != "" {
		_, _ = fmt.Sscan(v, &o.maxBody)
	}
	if v := os.Getenv("RAPPORT_CONTRACT_NOTICE_DAYS"); v != "" {
		_, _ = fmt.Sscan(v, &o.contractNoticeDays)
	}
	return cmd
}

func serve(cmd *cobra.Command, g *globals, o *serveOptions) error {
	ctx := cmd.Context()
	log := logger(cmd.ErrOrStderr(), slog.LevelInfo)
	hooks, err := o.webhooks.parse()
	if err != nil {
		return err
	}
	keep, err := o.privacy.parse()
	if err != nil {
		return err
	}
	retention, err := o.retention.parse(hooks.LogRetention)
	if err != nil {
		return err
	}
	if o.contractNoticeDays < 1 || o.contractNoticeDays > 365 {
		return fmt.Errorf("--contract-notice-days: from 1 to 365, not %d", o.contractNoticeDays)
	}
	if o.publicURL != "" && !model.ValidURL(o.publicURL) {
		return fmt.Errorf("--public-url must be an absolute http(s) URL, not %q", o.publicURL)
	}
	s, err := g.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer s.Close()
	blobs, err := openBlobs(g, o, s)
	if err != nil {
		return err
	}
	// The built-in letters, quotes and mail bodies: installed once, updated
	// while nobody has customised them (store.InstallBuiltinTemplates).
	if _, err := installBuiltins(model.WithActor(ctx, cliActor), s, blobs); err != nil {
		return err
	}
	docs, stopPDF, err := o.docs.service(g, s, blobs, optionalPDF, log)
	if err != nil {
		return err
	}
	defer stopPDF()
	if o.demo {
		if err := seedAndPrint(ctx, s, g, cmd.OutOrStdout(), o.listen); err != nil {
			return err
		}
	}
	mail, err := o.mail.jobs(g, s, blobs, docs, o.publicURL, log)
	if err != nil {
		return err
	}
	jobs, err := startQueue(ctx, s, blobs, retention, o.contractNoticeDays, mail, log)
	if err != nil {
		return err
	}
	defer stopQueue(jobs, log)
	reading, err := o.ingest.start(ctx, g, s, blobs, mail, &o.docs, log)
	if err != nil {
		return err
	}
	defer reading.stop()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(s.DB(), "rapport"), queueDepthGauge(jobs))
	authn := auth.New(auth.Config{Store: s, SecureCookies: o.secureCookies, TrustProxy: o.trustProxy, Logger: log,
		DAVAccountPasswords: o.davPasswords})
	zone, _ := time.LoadLocation(g.tz) // openStore checked it
	cons, err := console.New(console.Config{Store: s, Auth: authn, Language: o.language, Location: zone,
		PublicURL: o.publicURL, Logger: log, Merge: docs, MailFetcher: reading.engine, MailRetrier: reading.pipeline,
		Mail: outmail.New(outmail.Config{Store: s, Merge: docs,
			MintMessageID: mail.mint, Enqueue: mail.enqueueMail, From: mail.settings.from})})
	if err != nil {
		return err
	}
	srv := hub.New(hub.Config{
		Store: s, Logger: log, Registry: reg, MetricsToken: o.metricsToken,
		API: api.New(api.Config{Store: s, Blobs: blobAdapter{blobs}, MaxBodyBytes: o.maxBody, Webhooks: hooks.Checks,
			PublicURL: o.publicURL, Merge: docs, MintMessageID: mail.mint, EnqueueMail: mail.enqueueMail,
			MailFrom: mail.settings.from, Mailings: mail.mailings(),
			SecretBox: reading.box, MailFetcher: reading.engine, MailRetrier: reading.pipeline,
			Privacy: api.Privacy{Keep: keep, CollectBlobs: func(ctx context.Context, shas []string) (int, error) {
				return collectErased(ctx, s, blobs, shas)
			}}}),
		Auth: authn,
		ICS:  &ics.Handler{Store: s, Logger: log},
		DAV:  dav.New(dav.Config{Store: s, Blobs: blobAdapter{blobs}, Auth: authn.BasicAppPassword, Logger: log}),
		Inbound: inbound.New(inbound.Config{Store: s, Enqueue: enqueueInbound(jobs), ClientIP: authn.ClientAddr,
			MaxHookBytes: o.maxBody, Logger: log, UnsubscribeKey: mail.keys.unsubscribe}),
		Console: cons,
	})
	dispatcher := webhook.NewDispatcher(webhook.DispatcherConfig{Store: s, Schedule: hooks.Schedule, Logger: log,
		Client: webhook.NewClient(webhook.ClientOptions{Allow: hooks.Allow})})
	dispatchCtx, stopDispatch := context.WithCancel(ctx)
	dispatched := make(chan struct{})
	go func() {
		defer close(dispatched)
		if err := dispatcher.Run(dispatchCtx); err != nil {
			log.Error("webhook dispatcher stopped", "err", err)
		}
	}()
	defer func() { stopDispatch(); <-dispatched }()
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	log.Info("rapport serving", "url", "http://"+ln.Addr().String(), "engine", s.Engine(), "version", version)
	httpSrv := srv.HTTPServer(ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func stopQueue(q *queue.Queue, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := q.Stop(ctx); err != nil {
		log.Warn("job queue stop", "err", err)
	}
}

func openBlobs(g *globals, o *serveOptions, s *store.Store) (blobstore.Store, error) {
	kind := o.blobs
	if kind == "" {
		kind = map[string]string{"sqlite": "local", "postgres": "db"}[s.Engine()]
	}
	switch kind {
	case "local":
		return blobstore.NewLocal(filepath.Join(g.data, "blobs"))
	case "db":
		return blobstore.NewDB(s.DB(), s.Engine()), nil
	}
	return nil, fmt.Errorf("--blobs must be local or db, not %q", kind)
}

// blobAdapter presents a connectors blob store as the API's Blobs.
type blobAdapter struct{ s blobstore.Store }

func (b blobAdapter) Put(ctx context.Context, r io.Reader, name string, max int64) (api.BlobInfo, error) {
	info, err := b.s.Put(ctx, r, name, max)
	return api.BlobInfo(info), err
}

func (b blobAdapter) Open(ctx context.Context, sha string) (io.ReadCloser, error) {
	return b.s.Open(ctx, sha)
}

// baseURL turns a listen address into the URL people open.
func baseURL(listen string) string {
	host := listen
	if strings.HasPrefix(host, ":") {
		host = "127.0.0.1" + host
	}
	return "http://" + host
}
