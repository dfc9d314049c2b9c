package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"rapport/connectors/queue"
	"rapport/model"
	"rapport/model/store"
)

// globals are the flags every command takes.
type globals struct {
	db     string
	data   string
	site   string
	tz     string
	region string
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func (g *globals) bind(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.StringVar(&g.db, "db", os.Getenv("RAPPORT_DB"), "database: sqlite:PATH or postgres://… (env RAPPORT_DB; default sqlite:<data>/rapport.db)")
	f.StringVar(&g.data, "data", envOr("RAPPORT_DATA", "./data"), "data directory for the SQLite file and blobs (env RAPPORT_DATA)")
	f.StringVar(&g.site, "site", os.Getenv("RAPPORT_SITE"), "site prefix for human numbers, for multi-site installs (env RAPPORT_SITE)")
	f.StringVar(&g.tz, "timezone", envOr("RAPPORT_TIMEZONE", "UTC"), "installation time zone, IANA name (env RAPPORT_TIMEZONE)")
	f.StringVar(&g.region, "phone-region", envOr("RAPPORT_PHONE_REGION", "US"), "region for phone numbers without a country code (env RAPPORT_PHONE_REGION)")
}

func (g *globals) dsn() string {
	if g.db != "" {
		return g.db
	}
	return "sqlite:" + filepath.Join(g.data, "rapport.db")
}

// openStore opens and (when migrateNow) migrates the database, and applies
// installation settings.
func (g *globals) openStore(ctx context.Context, migrateNow bool) (*store.Store, error) {
	loc, err := time.LoadLocation(g.tz)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", g.tz)
	}
	model.DefaultRegion = g.region
	s, err := store.Open(ctx, g.dsn())
	if err != nil {
		return nil, err
	}
	s.SetInstallation(store.Installation{Site: g.site, Location: loc})
	if migrateNow {
		if err := migrateAll(ctx, s); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// migrateAll runs Rapport's migrations and the job queue's (River's own
// schema), each under its lock; it returns how many of Rapport's ran.
func migrateAll(ctx context.Context, s *store.Store) error {
	if _, err := s.Migrate(ctx); err != nil {
		return err
	}
	return queue.Migrate(ctx, s)
}

// logger writes text to a terminal and JSON otherwise, from level up. It
// also becomes slog's default, so libraries (River, goose) log the same way.
func logger(w io.Writer, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	var l *slog.Logger
	if f, ok := w.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
		l = slog.New(slog.NewTextHandler(w, opts))
	} else {
		l = slog.New(slog.NewJSONHandler(w, opts))
	}
	slog.SetDefault(l)
	return l
}
