package model

import (
	"encoding/json"
	"path"
	"slices"
	"strings"
	"time"
)

// Webhook payload modes.
const (
	PayloadFull = "full" // the record as it was at the change
	PayloadThin = "thin" // {"id", "version"}: receivers fetch the record
)

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed" // the retry schedule ran out, or the endpoint refused for good
)

// EventPing is the type of the test event an endpoint can be sent.
const EventPing = "webhook.ping"

// WebhookEndpoint is an integrator's receiver: where events go, which ones
// and how. Its signing secrets live apart (store.AddWebhookSecret) and its
// progress through the change feed in WebhookState, so that neither shows
// in the feed or the record's history.
type WebhookEndpoint struct {
	Meta
	URL            string            `gorm:"size:2048;not null" json:"url"`
	Description    string            `gorm:"size:500" json:"description"`
	EventTypes     []string          `gorm:"serializer:json" json:"event_types"`
	Headers        map[string]string `gorm:"serializer:json" json:"headers"`
	PayloadMode    string            `gorm:"size:8;not null" json:"payload_mode"`
	Active         bool              `gorm:"not null" json:"active"`
	MaxConcurrency int               `gorm:"not null" json:"max_concurrency"`
	RateLimit      int               `gorm:"not null" json:"rate_limit"` // deliveries per second, 0 = no limit
	// RESTHook marks a subscription made through POST /api/v1/hooks
	// (Zapier style): a 410 answer deletes it instead of disabling it.
	RESTHook bool `gorm:"column:rest_hook;not null" json:"rest_hook"`
	// OwnerID is the user who subscribed through /hooks; the events are
	// limited to the records that user may see. Empty for endpoints an
	// admin made, which receive every event and only admins see.
	OwnerID string `gorm:"size:36;not null" json:"owner_id"`
}

// TableName names the table.
func (WebhookEndpoint) TableName() string { return "webhook_endpoints" }

// Entity implements Record.
func (*WebhookEndpoint) Entity() string { return "webhook_endpoint" }

// OwnerTeam implements Owned: a REST hook belongs to its subscriber.
func (e *WebhookEndpoint) OwnerTeam() (string, string) { return e.OwnerID, "" }

// KeepServerOwned implements ServerOwned: how an endpoint was made and for
// whom cannot be changed.
func (e *WebhookEndpoint) KeepServerOwned(prev Record) {
	p := prev.(*WebhookEndpoint)
	e.RESTHook, e.OwnerID = p.RESTHook, p.OwnerID
}

// Normalize implements Record.
func (e *WebhookEndpoint) Normalize() {
	e.URL = strings.TrimSpace(e.URL)
	e.Description = strings.TrimSpace(e.Description)
	if len(e.EventTypes) == 0 {
		e.EventTypes = []string{"*"}
	}
	for i, t := range e.EventTypes {
		e.EventTypes[i] = strings.ToLower(strings.TrimSpace(t))
	}
	e.EventTypes = Dedupe(e.EventTypes)
	if e.PayloadMode == "" {
		e.PayloadMode = PayloadFull
	}
	if e.MaxConcurrency <= 0 {
		e.MaxConcurrency = 4
	}
	if e.Headers == nil {
		e.Headers = map[string]string{}
	}
}

// Validate implements Record. The URL's reachability rules (no private or
// loopback targets) are checked by the API with the egress settings.
func (e *WebhookEndpoint) Validate() error {
	fe := FieldErrors{}
	if !ValidURL(e.URL) {
		fe.Add("url", "an absolute http(s) URL")
	}
	if e.PayloadMode != PayloadFull && e.PayloadMode != PayloadThin {
		fe.Add("payload_mode", "must be full or thin")
	}
	for i, t := range e.EventTypes {
		if !ValidEventPattern(t) {
			fe.Add("event_types["+itoa(i)+"]", "unknown event type "+t)
		}
	}
	if e.MaxConcurrency > 64 {
		fe.Add("max_concurrency", "at most 64")
	}
	if e.RateLimit < 0 || e.RateLimit > 10000 {
		fe.Add("rate_limit", "between 0 (no limit) and 10000 per second")
	}
	if len(e.Headers) > 32 {
		fe.Add("headers", "at most 32 headers")
	}
	return fe.Err()
}

// WebhookState is an endpoint's progress: the feed seq up to which its
// deliveries exist, and whether it is failing or was disabled.
type WebhookState struct {
	EndpointID     string     `gorm:"primaryKey;size:36" json:"endpoint_id"`
	Cursor         int64      `gorm:"column:cursor_seq;not null" json:"cursor"`
	FailingSince   *time.Time `json:"failing_since"`
	DisabledAt     *time.Time `json:"disabled_at"`
	DisabledReason string     `gorm:"size:500" json:"disabled_reason"`
}

// TableName names the table.
func (WebhookState) TableName() string { return "webhook_states" }

// WebhookSecret is one signing secret of an endpoint; during a rotation
// the old one stays valid until ExpiresAt.
type WebhookSecret struct {
	ID         string     `gorm:"primaryKey;size:36" json:"id"`
	EndpointID string     `gorm:"size:36;not null" json:"endpoint_id"`
	Secret     string     `gorm:"size:200;not null" json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
}

// TableName names the table.
func (WebhookSecret) TableName() string { return "webhook_secrets" }

// WebhookDelivery is one event for one endpoint. Its ID is the
// webhook-id header: the same on every retry and replay.
type WebhookDelivery struct {
	ID            string     `gorm:"primaryKey;size:36" json:"id"`
	EndpointID    string     `gorm:"size:36;not null" json:"endpoint_id"`
	Seq           int64      `gorm:"not null" json:"seq"`
	EventType     string     `gorm:"size:64;not null" json:"event_type"`
	Entity        string     `gorm:"size:32;not null" json:"entity"`
	RecordID      string     `gorm:"size:36;not null" json:"record_id"`
	Payload       RawJSON    `gorm:"type:text;not null" json:"payload"`
	Status        string     `gorm:"size:16;not null" json:"status"`
	Attempts      int        `gorm:"not null" json:"attempts"`
	NextAttemptAt time.Time  `gorm:"not null" json:"next_attempt_at"`
	LeaseUntil    *time.Time `json:"-"`
	LastStatus    int        `gorm:"not null" json:"last_status"`
	LastError     string     `gorm:"size:1000" json:"last_error"`
	CreatedAt     time.Time  `json:"created_at"`
	DeliveredAt   *time.Time `json:"delivered_at"`
}

// TableName names the table.
func (WebhookDelivery) TableName() string { return "webhook_deliveries" }

// WebhookAttempt is one try of a delivery, for the delivery log.
type WebhookAttempt struct {
	ID              int64             `gorm:"primaryKey;autoIncrement" json:"id"`
	DeliveryID      string            `gorm:"size:36;not null" json:"delivery_id"`
	EndpointID      string            `gorm:"size:36;not null" json:"endpoint_id"`
	Attempt         int               `gorm:"not null" json:"attempt"`
	At              time.Time         `gorm:"not null" json:"at"`
	Status          int               `gorm:"not null" json:"status"`
	LatencyMS       int               `gorm:"column:latency_ms;not null" json:"latency_ms"`
	Error           string            `gorm:"size:1000" json:"error"`
	ResponseExcerpt string            `gorm:"size:2000" json:"response_excerpt"`
	RequestHeaders  map[string]string `gorm:"serializer:json" json:"request_headers"`
}

// TableName names the table.
func (WebhookAttempt) TableName() string { return "webhook_attempts" }

// EventOps names feed operations in event types.
var EventOps = map[string]string{OpCreate: "created", OpUpdate: "updated", OpDelete: "deleted"}

// EventEntities lists the entities whose changes are events, in catalogue
// order. Later issues add theirs (and domain events such as
// request.status_changed).
// Endpoints themselves are left out: their headers may hold receivers'
// credentials.
var EventEntities = []string{"account", "contact", "activity", "attachment", "user", "team", "territory",
	"product", "price_list", "quote", "order", "pipeline", "opportunity", "competitor", "lead", "campaign",
	"campaign_member", "mailing_list", "script", "request", "queue", "sla_target", "time_entry", "kb_article",
	"registration", "rma", "contract", "invoice", "billing_run", "mail_message", "mail_quarantine", "outbound_mail"}

// IsEvent reports whether feed row c is an event endpoints may receive.
func IsEvent(c *Change) bool { return slices.Contains(EventEntities, c.Entity) && EventOps[c.Op] != "" }

// EventType names the event a feed row is: "contact.updated".
func EventType(c *Change) string { return c.Entity + "." + EventOps[c.Op] }

// EventTypes lists every event type, sorted: each entity's created,
// updated and deleted, and the domain events.
func EventTypes() []string {
	out := []string{EventPing}
	for _, e := range EventEntities {
		for _, op := range []string{"created", "updated", "deleted"} {
			out = append(out, e+"."+op)
		}
	}
	for e := range DomainEvents {
		out = append(out, e)
	}
	slices.Sort(out)
	return out
}

// ValidEventPattern reports whether p names an event type or matches one
// with wildcards ("*", "contact.*").
func ValidEventPattern(p string) bool {
	for _, t := range EventTypes() {
		if EventMatches(p, t) {
			return true
		}
	}
	return false
}

// EventMatches reports whether event type t matches pattern p.
func EventMatches(p, t string) bool {
	if p == "*" {
		return true
	}
	ok, err := path.Match(p, t)
	return err == nil && ok
}

// EventPayload is the body of a delivery of event typ of feed row c:
// {"type", "timestamp", "data"}, data being the record as it was at the
// change, or only its id and version in thin mode.
func EventPayload(c *Change, typ, mode string) ([]byte, error) {
	data := json.RawMessage(c.Snapshot)
	if mode == PayloadThin || len(data) == 0 {
		thin, err := json.Marshal(map[string]any{"id": c.RecordID, "version": c.Version})
		if err != nil {
			return nil, err
		}
		data = thin
	}
	return json.Marshal(map[string]any{"type": typ, "timestamp": c.At.UTC().Format(time.RFC3339Nano), "data": data})
}

// PingPayload is the body of a test event.
func PingPayload(c *Change) ([]byte, error) {
	return json.Marshal(map[string]any{"type": EventPing, "timestamp": c.At.UTC().Format(time.RFC3339Nano),
		"data": map[string]string{"endpoint_id": c.RecordID}})
}
