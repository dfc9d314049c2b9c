package model

import (
	"strings"
)

// DAVLink is how a CardDAV or CalDAV client knows a contact or activity:
// the UID inside the card or event, the resource name in its collection
// ("3F2A.vcf"), and every property Rapport does not map, kept verbatim so
// that a client never loses what it wrote. Records created in the CRM have
// an empty link: their UID is their id and their name is id plus extension.
// Only the DAV surface writes it; the REST API shows it read-only.
type DAVLink struct {
	UID   string `gorm:"column:uid;size:255" json:"uid,omitempty"`
	Name  string `gorm:"column:name;size:255" json:"name,omitempty"`
	Extra string `gorm:"column:extra" json:"extra,omitempty"`
}

// DAVSynced is implemented by records that DAV clients see (contacts and
// activities).
type DAVSynced interface {
	Record
	DAVInfo() *DAVLink
}

// MaxDAVExtra bounds the preserved, unmapped part of a card or event.
const MaxDAVExtra = 256 << 10

// UIDOr returns the link's UID, or id when the record came from the CRM.
func (l DAVLink) UIDOr(id string) string {
	if l.UID != "" {
		return l.UID
	}
	return id
}

// NameOr returns the resource name, or id+ext when the record came from the CRM.
func (l DAVLink) NameOr(id, ext string) string {
	if l.Name != "" {
		return l.Name
	}
	return id + ext
}

func (l *DAVLink) normalize() {
	l.UID = strings.TrimSpace(l.UID)
	l.Name = strings.TrimSpace(l.Name)
}

func (l *DAVLink) validate(fe FieldErrors) {
	if len(l.UID) > 255 {
		fe.Add("dav.uid", "at most 255 bytes")
	}
	if l.Name != "" && !ValidResourceName(l.Name) {
		fe.Add("dav.name", "not a valid resource name")
	}
	if len(l.Extra) > MaxDAVExtra {
		fe.Add("dav.extra", "the unmapped part of the object is too large")
	}
}

// ValidResourceName reports whether s may name a DAV resource or collection:
// one path segment of printable characters, no "/", not "." or "..".
func ValidResourceName(s string) bool {
	if s == "" || len(s) > 255 || s == "." || s == ".." {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' || r == 0xfffd {
			return false
		}
	}
	return true
}

// Calendar kinds of DAV collections.
const (
	CollectionAddressBook = "addressbook"
	CollectionCalendar    = "calendar"
)

// Built-in collection slugs every user has.
const (
	SlugContacts     = "contacts"
	SlugMine         = "mine"
	SlugAppointments = "appointments"
	SlugTasks        = "tasks"
)

// DAVCollection holds a user's settings for one DAV collection: the built-in
// address books and calendars (created on first use, holding display name,
// colour and dead properties) and the calendars the user makes with
// MKCALENDAR, whose events are appointments shown only there.
type DAVCollection struct {
	Meta
	OwnerID     string            `gorm:"size:36;not null" json:"owner_id"`
	Kind        string            `gorm:"size:16;not null" json:"kind"`
	Slug        string            `gorm:"size:255;not null" json:"slug"`
	Builtin     bool              `gorm:"not null" json:"builtin"`
	Enabled     bool              `gorm:"not null" json:"enabled"`
	DisplayName string            `gorm:"size:255" json:"display_name"`
	Description string            `json:"description"`
	Color       string            `gorm:"size:32" json:"color"`
	Order       int               `gorm:"column:sort_order;not null" json:"order"`
	TimeZone    string            `json:"time_zone"`
	Components  []string          `gorm:"serializer:json" json:"components"`
	Props       map[string]string `gorm:"serializer:json" json:"props"`
}

// TableName names the table.
func (DAVCollection) TableName() string { return "dav_collections" }

// Entity implements Record.
func (*DAVCollection) Entity() string { return "dav_collection" }

// OwnerTeam implements Owned.
func (c *DAVCollection) OwnerTeam() (string, string) { return c.OwnerID, "" }

// Normalize implements Record.
func (c *DAVCollection) Normalize() {
	c.Slug = strings.TrimSpace(c.Slug)
	c.DisplayName = strings.TrimSpace(c.DisplayName)
	if c.Kind == CollectionCalendar && len(c.Components) == 0 {
		c.Components = []string{"VEVENT"}
	}
	if c.Props == nil {
		c.Props = map[string]string{}
	}
}

// Validate implements Record.
func (c *DAVCollection) Validate() error {
	fe := FieldErrors{}
	if !ValidID(c.OwnerID) {
		fe.Add("owner_id", "required")
	}
	if c.Kind != CollectionAddressBook && c.Kind != CollectionCalendar {
		fe.Add("kind", "must be addressbook or calendar")
	}
	if !ValidResourceName(c.Slug) {
		fe.Add("slug", "not a valid collection name")
	}
	for i, comp := range c.Components {
		if comp != "VEVENT" && comp != "VTODO" {
			fe.Add("components["+itoa(i)+"]", "must be VEVENT or VTODO")
		}
	}
	if c.TimeZone != "" && len(c.TimeZone) > 64<<10 {
		fe.Add("time_zone", "too large")
	}
	size := 0
	for k, v := range c.Props {
		size += len(k) + len(v)
	}
	if size > 64<<10 || len(c.Props) > 100 {
		fe.Add("props", "at most 100 dead properties and 64 KiB")
	}
	return fe.Err()
}

// Refs implements Referrer.
func (c *DAVCollection) Refs() []Ref {
	return []Ref{{"owner_id", "user", &c.OwnerID}}
}
