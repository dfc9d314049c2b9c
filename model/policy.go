package model

// Visibility says who may see and change records of an entity. It is the one
// place the access policy lives; store queries apply it.
type Visibility int

const (
	// AllStaff records are shared by every employee (one customer picture
	// across sales and support); any staff member with write scope may change them.
	AllStaff Visibility = iota
	// OwnerOnly records are seen and changed by their owner and admins.
	OwnerOnly
	// TeamScoped records are seen by their owner, members of their team,
	// managers of that team and admins; changed by the owner, the team's
	// managers and admins.
	TeamScoped
	// AdminOnly records are seen and changed by admins only.
	AdminOnly
)

// Policies maps entity names to their visibility. Later issues register
// owner- or team-scoped entities (opportunities, quotes) here.
var Policies = map[string]Visibility{
	"account":           AllStaff,
	"contact":           AllStaff,
	"activity":          AllStaff,
	"attachment":        AllStaff,
	"team":              AllStaff,
	"territory":         AllStaff,
	"dav_collection":    OwnerOnly,
	"webhook_endpoint":  OwnerOnly, // admins' endpoints have no owner; a REST hook is its subscriber's
	"pipeline":          AllStaff,  // only admins write (see CanWrite)
	"opportunity":       TeamScoped,
	"competitor":        AllStaff,
	"lead":              TeamScoped,
	"campaign":          AllStaff,
	"report_definition": OwnerOnly, // its author's; what it shows follows the runner's visibility
	"campaign_member":   AllStaff,
	"mailing_list":      AllStaff,
	"script":            AllStaff, // only admins write
	"product":           AllStaff, // only admins write
	"price_list":        AllStaff, // only admins write
	"exchange_rate":     AllStaff, // only admins write
	"quote":             TeamScoped,
	"order":             TeamScoped,
	"request":           AllStaff, // every employee sees every request a customer made
	"queue":             AllStaff, // only admins write
	"sla_target":        AllStaff, // only admins write
	"time_entry":        OwnerOnly,
	"web_form":          AdminOnly,
	"inbound_hook":      AdminOnly,
	"user":              AllStaff,                      // staff may look colleagues up; only admins write (see CanWrite)
	"kb_article":        AllStaff, "kb_vote": AllStaff, // the answer book: every employee reads and writes
	// After-sales: service staff, sales and accounts all work on the same
	// customer's returns, units, contracts and invoices.
	"registration": AllStaff,
	"rma":          AllStaff,
	"contract":     AllStaff,
	"invoice":      AllStaff,
	"billing_run":  AllStaff, // only admins start one
	// Letters, quotes and mail bodies are written by the staff who send them.
	"document_template": AllStaff,
	// Mail: mailboxes and suppressions are set up by admins, the ingest
	// log, quarantine and outbox read by every employee (a customer's mail
	// is the desk's); only the server and admins act on the quarantine.
	"mailbox":          AllStaff,
	"mail_message":     AllStaff,
	"mail_quarantine":  AllStaff,
	"outbound_mail":    AllStaff,
	"mail_suppression": AllStaff,
}

// PolicyFor returns the visibility of entity; unknown entities are admin-only
// so that forgetting to register one fails closed.
func PolicyFor(entity string) Visibility {
	if v, ok := Policies[entity]; ok {
		return v
	}
	return AdminOnly
}

// Owned is implemented by records that have an owner and a team.
type Owned interface {
	OwnerTeam() (ownerID, teamID string)
}

// DefaultOwned is implemented by team-scoped records that belong to whoever
// creates them unless an owner is given: DefaultOwner sets the owner and
// team where they are empty.
type DefaultOwned interface {
	DefaultOwner(userID, teamID string)
}

// setDefault points *p at v when *p is empty and v is not.
func setDefault(p **string, v string) {
	if (*p == nil || **p == "") && v != "" {
		*p = &v
	}
}

// CanSee reports whether a may read a record of entity owned by ownerID in teamID.
func CanSee(a Actor, entity, ownerID, teamID string) bool {
	if !a.IsStaff() {
		return false
	}
	if a.IsAdmin() {
		return true
	}
	switch PolicyFor(entity) {
	case AllStaff:
		return true
	case OwnerOnly:
		return ownerID != "" && ownerID == a.UserID
	case TeamScoped:
		return (ownerID != "" && ownerID == a.UserID) || (teamID != "" && contains(a.TeamIDs, teamID))
	default:
		return false
	}
}

// CanWrite reports whether a may create, change or delete such a record.
func CanWrite(a Actor, entity, ownerID, teamID string) bool {
	if !a.HasScope(ScopeWrite) || !CanSee(a, entity, ownerID, teamID) {
		return false
	}
	if adminWritten[entity] {
		return a.IsAdmin()
	}
	if PolicyFor(entity) == TeamScoped && ownerID != a.UserID && !a.IsAdmin() {
		return a.Role == RoleManager && contains(a.TeamIDs, teamID)
	}
	return true
}

// adminWritten are the entities every employee reads but only admins
// change: the organisation and the sales set-up.
var adminWritten = map[string]bool{"user": true, "team": true, "territory": true,
	"pipeline": true, "product": true, "price_list": true, "exchange_rate": true,
	"script": true, "queue": true, "sla_target": true, "billing_run": true,
	"mailbox": true, "mail_message": true, "mail_quarantine": true, "mail_suppression": true}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
