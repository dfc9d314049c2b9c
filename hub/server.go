package hub

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"rapport/hub/api"
	"rapport/hub/auth"
	"rapport/hub/console"
	"rapport/hub/dav"
	"rapport/hub/ics"
	"rapport/hub/inbound"
	"rapport/model/store"
)

// Config wires the server's parts.
type Config struct {
	Store *store.Store
	API   *api.API
	Auth  *auth.Authenticator
	ICS   *ics.Handler // calendar subscriptions; nil serves none
	DAV   *dav.Handler // CardDAV and CalDAV; nil serves none
	// Inbound serves /in (web forms and inbound webhooks); nil serves none.
	Inbound *inbound.Handler
	// Console serves the staff web console at / (and /static); nil serves
	// only the sign-in pages.
	Console *console.Console
	Logger  *slog.Logger
	// Registry receives the server's metrics; /metrics serves it.
	Registry *prometheus.Registry
	// MetricsToken, when set, must be sent as a bearer token to read /metrics.
	MetricsToken string
}

// Server is the HTTP front of the hub.
type Server struct {
	cfg     Config
	metrics *httpMetrics
}

// New builds a server.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	return &Server{cfg: cfg, metrics: newHTTPMetrics(cfg.Registry)}
}

// HTTPServer returns a configured *http.Server with conservative timeouts.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // uploads
		WriteTimeout:      5 * time.Minute, // exports
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
	}
}
