// Package inbound serves /in: the public doors through which the outside
// creates records. Web forms (POST /in/forms/{key}) turn a site visitor's
// submission into a contact with a note on its timeline, behind a honeypot,
// a per-address rate limit and a size limit. Inbound webhooks (POST
// /in/hooks/{key}) take another system's Standard Webhooks deliveries:
// signature and timestamp are verified with the sender's secret, each
// webhook-id is accepted once, and the mapping to a record runs as a job so
// the sender is answered at once. One-click unsubscribe links of bulk mail
// (/in/unsubscribe/{token}, RFC 8058) set a contact's unsubscribe flag.
//
// No door needs a session or token: the key in the URL names the form
// or hook, and an inactive or unknown key is not found.
package inbound

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"rapport/hub/auth"
	"rapport/model/store"
)

// Default limits; see Config.
const (
	DefaultMaxFormBytes = 64 << 10
	DefaultMaxHookBytes = 1 << 20
)

// Config configures a Handler.
type Config struct {
	Store *store.Store
	// Enqueue queues the job that processes a received webhook, in the
	// store transaction carried by ctx. cmd supplies it from the job queue;
	// without it /in/hooks answers 501.
	Enqueue func(ctx context.Context, messageID string) error
	// ClientIP resolves a request's client address (honouring a trusted
	// proxy); nil means the connection's address.
	ClientIP func(*http.Request) string
	// MaxFormBytes and MaxHookBytes bound request bodies (defaults 64 KiB
	// and 1 MiB); larger ones are refused with 413 and change nothing.
	MaxFormBytes, MaxHookBytes int64
	Logger                     *slog.Logger
	// UnsubscribeKey signs one-click unsubscribe links (a key derived for
	// UnsubscribePurpose); without it /in/unsubscribe is not served.
	UnsubscribeKey []byte
}

// Handler serves /in.
type Handler struct {
	cfg Config
	// limiters hold one sliding-window limiter per form rate (submissions
	// per address and hour), keyed "form id|address".
	mu       sync.Mutex
	limiters map[int]*auth.Limiter
}

// New builds a Handler.
func New(cfg Config) *Handler {
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	cfg.MaxFormBytes = cmp.Or(cfg.MaxFormBytes, DefaultMaxFormBytes)
	cfg.MaxHookBytes = cmp.Or(cfg.MaxHookBytes, DefaultMaxHookBytes)
	if cfg.ClientIP == nil {
		cfg.ClientIP = auth.ClientIP
	}
	return &Handler{cfg: cfg, limiters: map[int]*auth.Limiter{}}
}

// Mount adds the /in routes to r.
func (h *Handler) Mount(r *mux.Router) {
	r.HandleFunc("/in/forms/{key}", h.submitForm).Methods(http.MethodPost)
	r.HandleFunc("/in/forms/{key}", h.preflight).Methods(http.MethodOptions)
	r.HandleFunc("/in/hooks/{key}", h.receiveHook).Methods(http.MethodPost)
	h.mountUnsubscribe(r)
}

// limiter returns the limiter for forms that allow perHour submissions
// per address.
func (h *Handler) limiter(perHour int) *auth.Limiter {
	h.mu.Lock()
	defer h.mu.Unlock()
	l, ok := h.limiters[perHour]
	if !ok {
		l = auth.NewLimiter(perHour, time.Hour)
		h.limiters[perHour] = l
	}
	return l
}
