package model

import (
	"regexp"
	"strings"
)

// User is an employee or a portal customer who signs in.
type User struct {
	Meta
	Email        string  `gorm:"size:320;not null" json:"email"`
	Username     string  `gorm:"size:64;not null" json:"username"`
	Name         string  `gorm:"size:200;not null" json:"name"`
	Role         string  `gorm:"size:16;not null" json:"role"`
	TeamID       *string `gorm:"size:36" json:"team_id"`
	TerritoryID  *string `gorm:"size:36" json:"territory_id"`
	Language     string  `gorm:"size:16" json:"language"`
	TimeZone     string  `gorm:"size:64" json:"time_zone"`
	Disabled     bool    `gorm:"not null" json:"disabled"`
	PasswordHash string  `gorm:"size:200" json:"-"`
}

// Entity implements Record.
func (*User) Entity() string { return "user" }

var usernamePattern = regexp.MustCompile(`^[a-z0-9._-]{1,64}$`)

// UsernameFromEmail derives a default username from the e-mail's local part.
func UsernameFromEmail(email string) string {
	local, _, _ := strings.Cut(strings.ToLower(email), "@")
	var b strings.Builder
	for _, r := range local {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '.' || r == '_' || r == '-' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "user"
	}
	return b.String()
}

// Normalize implements Record.
func (u *User) Normalize() {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	u.Username = strings.TrimSpace(u.Username)
	if u.Username == "" {
		u.Username = UsernameFromEmail(u.Email)
	}
	u.Name = strings.TrimSpace(u.Name)
	u.Role = strings.ToLower(strings.TrimSpace(u.Role))
	if u.Role == "" {
		u.Role = RoleAgent
	}
	emptyToNil(&u.TeamID)
	emptyToNil(&u.TerritoryID)
}

// Validate implements Record.
func (u *User) Validate() error {
	fe := FieldErrors{}
	if !ValidEmail(u.Email) {
		fe.Add("email", "not a valid e-mail address")
	}
	if !usernamePattern.MatchString(u.Username) {
		fe.Add("username", "use 1-64 characters from a-z 0-9 . _ -")
	}
	if u.Name == "" {
		fe.Add("name", "required")
	}
	if !contains(Roles, u.Role) {
		fe.Add("role", "must be one of admin, manager, agent, portal")
	}
	if u.TimeZone != "" && !ValidTimeZone(u.TimeZone) {
		fe.Add("time_zone", "unknown IANA time zone")
	}
	validateRef(fe, "team_id", u.TeamID)
	validateRef(fe, "territory_id", u.TerritoryID)
	return fe.Err()
}

// Team is a group of users; managers of a team see its team-scoped records.
type Team struct {
	Meta
	Name      string  `gorm:"size:200;not null" json:"name"`
	ManagerID *string `gorm:"size:36" json:"manager_id"`
}

// Entity implements Record.
func (*Team) Entity() string { return "team" }

// Normalize implements Record.
func (t *Team) Normalize() { t.Name = strings.TrimSpace(t.Name); emptyToNil(&t.ManagerID) }

// Validate implements Record.
func (t *Team) Validate() error {
	fe := FieldErrors{}
	if t.Name == "" {
		fe.Add("name", "required")
	}
	validateRef(fe, "manager_id", t.ManagerID)
	return fe.Err()
}

// Territory is a sales area (region, country, industry segment). New
// leads, deals and accounts in it go to its rep and team (assignment).
type Territory struct {
	Meta
	Name        string  `gorm:"size:200;not null" json:"name"`
	Description string  `json:"description"`
	ParentID    *string `gorm:"size:36" json:"parent_id"`
	OwnerID     *string `gorm:"size:36" json:"owner_id"` // the rep new records here are assigned to
	TeamID      *string `gorm:"size:36" json:"team_id"`  // the team they are assigned to
}

// Entity implements Record.
func (*Territory) Entity() string { return "territory" }

// Normalize implements Record.
func (t *Territory) Normalize() {
	t.Name = strings.TrimSpace(t.Name)
	emptyToNil(&t.ParentID)
	emptyToNil(&t.OwnerID)
	emptyToNil(&t.TeamID)
}

// Validate implements Record.
func (t *Territory) Validate() error {
	fe := FieldErrors{}
	if t.Name == "" {
		fe.Add("name", "required")
	}
	validateRef(fe, "parent_id", t.ParentID)
	validateRef(fe, "owner_id", t.OwnerID)
	validateRef(fe, "team_id", t.TeamID)
	return fe.Err()
}

// Refs implements Referrer.
func (u *User) Refs() []Ref {
	return []Ref{{"team_id", "team", u.TeamID}, {"territory_id", "territory", u.TerritoryID}}
}

// Refs implements Referrer.
func (t *Team) Refs() []Ref { return []Ref{{"manager_id", "user", t.ManagerID}} }

// Refs implements Referrer.
func (t *Territory) Refs() []Ref {
	return []Ref{{"parent_id", "territory", t.ParentID}, {"owner_id", "user", t.OwnerID}, {"team_id", "team", t.TeamID}}
}

// Assignable is implemented by records that territory assignment routes
// to a rep and team: it returns the record's territory and where its owner
// and team are kept.
type Assignable interface {
	Assignment() (territoryID *string, ownerID, teamID **string)
}

// SearchKeys implements Searchable: name words, e-mail and username.
func (u *User) SearchKeys() []SearchKey {
	return Dedupe(append(wordKeys(u.Name, u.Username), SearchKey{KeyEmail, u.Email}))
}
