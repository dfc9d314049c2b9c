package model

import "context"

// Roles a user can hold.
const (
	RoleAdmin   = "admin"
	RoleManager = "manager"
	RoleAgent   = "agent"
	RolePortal  = "portal"
)

// Roles lists the valid roles.
var Roles = []string{RoleAdmin, RoleManager, RoleAgent, RolePortal}

// Actor is who performs an operation: a user, or the system itself (ID empty,
// Name "system"). Scopes limit what an API token may do.
type Actor struct {
	UserID   string
	Name     string
	Role     string
	TeamID   string
	TeamIDs  []string // teams this user manages (managers) or belongs to
	Scopes   []string
	Internal bool // CLI and background work: bypasses record visibility
}

// System is the actor for work nobody asked for directly (demo seeding, jobs).
var System = Actor{Name: "system", Role: RoleAdmin, Internal: true}

// IsStaff reports whether the actor is an employee (not a portal customer).
func (a Actor) IsStaff() bool { return a.Internal || (a.UserID != "" && a.Role != RolePortal) }

// IsAdmin reports whether the actor may use admin powers: the admin role,
// and, for API tokens, the admin scope (an admin's read/write token acts as
// an ordinary staff member).
func (a Actor) IsAdmin() bool { return a.Internal || (a.Role == RoleAdmin && a.HasScope(ScopeAdmin)) }

// HasScope reports whether the actor's token allows scope. Sessions and
// internal actors carry no scope list and may do everything their role allows.
func (a Actor) HasScope(scope string) bool {
	if a.Scopes == nil {
		return true
	}
	for _, s := range a.Scopes {
		if s == scope || s == ScopeAdmin {
			return true
		}
		if s == ScopeWrite && scope == ScopeRead {
			return true
		}
	}
	return false
}

// Token scopes.
const (
	ScopeRead  = "read"
	ScopeWrite = "write"
	ScopeAdmin = "admin"
)

type actorKey struct{}

// WithActor returns ctx carrying the actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, or System when none was set: code that
// runs outside a request acts as the system.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return System
}
