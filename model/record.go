package model

import "time"

// Meta is embedded in every stored record: identity, optimistic-locking
// version, audit stamps and the soft-delete tombstone.
type Meta struct {
	ID        string     `gorm:"primaryKey;size:36" json:"id"`
	Version   int64      `gorm:"not null" json:"version"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	CreatedBy string     `gorm:"size:36" json:"created_by,omitempty"`
	UpdatedBy string     `gorm:"size:36" json:"updated_by,omitempty"`
	DeletedAt *time.Time `json:"deleted_at,omitempty"`
}

// RecordMeta returns the embedded metadata; it lets generic store code reach
// the id and version of any record.
func (m *Meta) RecordMeta() *Meta { return m }

// MetaJSONFields are the JSON names the server owns; clients cannot set them.
var MetaJSONFields = []string{"id", "version", "created_at", "updated_at", "created_by", "updated_by", "deleted_at"}

// Record is implemented by every entity the store versions and feeds.
type Record interface {
	RecordMeta() *Meta
	// Entity is the singular entity name used in the change feed and events
	// ("contact", "account" ...).
	Entity() string
	// Normalize trims and canonicalises input and derives stored columns.
	Normalize()
	// Validate reports invalid fields as an EINVALID *Error.
	Validate() error
}

// Ref is a reference from a record's field to another record.
type Ref struct {
	Field  string // JSON name of the referencing field
	Entity string // entity referred to
	ID     *string
}

// Referrer is implemented by records that point at others; the store checks
// that every set reference names a live record.
type Referrer interface {
	Refs() []Ref
}

// ServerOwned is implemented by records with fields only the server sets
// (an attachment's content hash, size and type, and what it is attached to);
// an update puts them back from the stored version.
type ServerOwned interface {
	KeepServerOwned(prev Record)
}
