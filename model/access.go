package model

import (
	"strings"
	"time"
)

// APIToken is a bearer credential for the REST API. Only its SHA-256 is
// stored; the token itself is shown once.
type APIToken struct {
	ID         string     `gorm:"primaryKey;size:36" json:"id"`
	UserID     string     `gorm:"size:36;not null" json:"user_id"`
	Name       string     `gorm:"size:200" json:"name"`
	Hash       string     `gorm:"size:64;not null" json:"-"`
	Prefix     string     `gorm:"size:16;not null" json:"prefix"`
	Scopes     string     `gorm:"size:100;not null" json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// ScopeList returns the token's scopes.
func (t *APIToken) ScopeList() []string { return strings.Split(t.Scopes, ",") }

// ParseScopes validates a comma-separated scope list.
func ParseScopes(s string) ([]string, error) {
	var out []string
	for _, sc := range strings.Split(s, ",") {
		sc = strings.TrimSpace(sc)
		switch sc {
		case ScopeRead, ScopeWrite, ScopeAdmin:
			out = append(out, sc)
		case "":
		default:
			return nil, Errorf(EINVALID, "unknown scope %q (use read, write, admin)", sc)
		}
	}
	if len(out) == 0 {
		return nil, Errorf(EINVALID, "at least one scope is needed")
	}
	return out, nil
}

// AppPassword is a per-device password for DAV clients; stored as SHA-256.
type AppPassword struct {
	ID         string     `gorm:"primaryKey;size:36" json:"id"`
	UserID     string     `gorm:"size:36;not null" json:"user_id"`
	Label      string     `gorm:"size:200;not null" json:"label"`
	Hash       string     `gorm:"size:64;not null" json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// Session is a browser sign-in. ID holds the SHA-256 of the cookie value.
type Session struct {
	ID        string `gorm:"primaryKey;size:64"`
	UserID    string `gorm:"size:36;not null"`
	CSRFToken string `gorm:"column:csrf_token;size:64;not null"`
	CreatedAt time.Time
	ExpiresAt time.Time
	IP        string `gorm:"column:ip;size:64"`
	UserAgent string `gorm:"size:300"`
}

// Audit actions.
const (
	AuditLogin             = "login"
	AuditLoginFailed       = "login_failed"
	AuditLogout            = "logout"
	AuditTokenCreated      = "token_created"
	AuditTokenRevoked      = "token_revoked"
	AuditAppPasswordAdded  = "app_password_created"
	AuditAppPasswordRevoke = "app_password_revoked"
	AuditRoleChanged       = "role_changed"
	AuditPasswordChanged   = "password_changed"
	AuditUserDisabled      = "user_disabled"
	AuditUserCreated       = "user_created"
)

// AuditEvent is one security-relevant event.
type AuditEvent struct {
	ID       string         `gorm:"primaryKey;size:36" json:"id"`
	At       time.Time      `json:"at"`
	Action   string         `gorm:"size:64;not null" json:"action"`
	ActorID  string         `gorm:"size:36" json:"actor_id,omitempty"`
	Actor    string         `gorm:"size:200" json:"actor"`
	TargetID string         `gorm:"size:36" json:"target_id,omitempty"`
	Target   string         `gorm:"size:320" json:"target"`
	IP       string         `gorm:"column:ip;size:64" json:"ip"`
	Detail   map[string]any `gorm:"serializer:json" json:"detail,omitempty"`
}

// ICSFeed is a read-only calendar subscription (/ics/{token}.ics) for
// Outlook, Google or Apple Calendar. Only the token's SHA-256 is stored.
type ICSFeed struct {
	ID           string     `gorm:"primaryKey;size:36" json:"id"`
	UserID       string     `gorm:"size:36;not null" json:"user_id"`
	Hash         string     `gorm:"size:64;not null" json:"-"`
	IncludeTasks bool       `gorm:"not null" json:"include_tasks"`
	CreatedAt    time.Time  `json:"created_at"`
	LastUsedAt   *time.Time `json:"last_used_at"`
	RevokedAt    *time.Time `json:"revoked_at"`
}

// Audit actions of calendar feeds.
const (
	AuditICSFeedCreated = "ics_feed_created"
	AuditICSFeedRevoked = "ics_feed_revoked"
	// Webhook endpoints: a secret rotated, an endpoint turned off by the hub.
	AuditWebhookSecretRotated = "webhook_secret_rotated"
	AuditWebhookDisabled      = "webhook_disabled"
	AuditInboundSecretSet     = "inbound_hook_secret_set"
)
