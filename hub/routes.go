package hub

import (
	"crypto/subtle"
	"net/http"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"rapport/hub/api"
)

// Handler returns the whole route table wrapped in the shared middleware.
func (s *Server) Handler() http.Handler {
	r := mux.NewRouter()
	r.HandleFunc("/healthz", s.healthz).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/readyz", s.readyz).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/metrics", s.metricsGuard(promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{}))).Methods(http.MethodGet)

	r.HandleFunc(api.Prefix+"/openapi.json", s.cfg.API.ServeOpenAPI).Methods(http.MethodGet)
	v1 := r.PathPrefix(api.Prefix).Subrouter()
	v1.Use(s.cfg.Auth.Middleware, s.cfg.API.Idempotency)
	s.cfg.API.Mount(v1)
	v1.NotFoundHandler = s.cfg.Auth.Middleware(http.HandlerFunc(notFound))
	v1.MethodNotAllowedHandler = http.HandlerFunc(methodNotAllowed)

	if s.cfg.ICS != nil {
		s.cfg.ICS.Mount(r)
	}
	if s.cfg.DAV != nil {
		s.cfg.DAV.Mount(r)
	}
	if s.cfg.Inbound != nil {
		s.cfg.Inbound.Mount(r)
	}
	if s.cfg.Console != nil {
		s.cfg.Console.Mount(r)
	}
	s.cfg.Auth.Routes(r)
	r.NotFoundHandler = http.HandlerFunc(notFound)
	return s.recoverer(s.logRequests(s.metrics.middleware(r)))
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz answers 200 when the database is reachable and its schema current.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.cfg.Store.CheckSchema(r.Context()); err != nil {
		s.cfg.Logger.Warn("not ready", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready: database unreachable or schema not current\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// metricsGuard restricts /metrics to a bearer token when one is configured.
func (s *Server) metricsGuard(next http.Handler) http.Handler {
	if s.cfg.MetricsToken == "" {
		return next
	}
	want := []byte("Bearer " + s.cfg.MetricsToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}
