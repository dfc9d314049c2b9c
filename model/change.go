package model

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"
)

// Change operations.
const (
	OpCreate = "create"
	OpUpdate = "update"
	OpDelete = "delete"
)

// FieldChange is one field's value before and after a change.
type FieldChange struct {
	Old any `json:"old"`
	New any `json:"new"`
}

// Change is one row of the change feed: every write appends one in the same
// transaction. Snapshot is the record as it was right after the change (what
// webhooks send); Fields holds old and new values of what changed.
type Change struct {
	Seq      int64                  `gorm:"primaryKey;autoIncrement" json:"seq"`
	Entity   string                 `gorm:"size:32;not null" json:"entity"`
	RecordID string                 `gorm:"size:36;not null" json:"record_id"`
	Op       string                 `gorm:"size:8;not null" json:"op"`
	Version  int64                  `gorm:"not null" json:"version"`
	ActorID  string                 `gorm:"size:36" json:"actor_id,omitempty"`
	Actor    string                 `gorm:"size:200" json:"actor"`
	At       time.Time              `gorm:"not null" json:"at"`
	Fields   map[string]FieldChange `gorm:"serializer:json" json:"fields"`
	Snapshot RawJSON                `gorm:"type:text" json:"snapshot"`
	// Event names the domain event the change is, beyond its op
	// ("quote.accepted"); empty for plain writes.
	Event string `gorm:"size:64" json:"event,omitempty"`
}

// TableName keeps the feed table's name explicit.
func (Change) TableName() string { return "changes" }

// Diff compares two JSON objects field by field and returns what changed.
// Server-owned bookkeeping (version, updated_at, updated_by) is left out.
func Diff(before, after map[string]any) map[string]FieldChange {
	skip := map[string]bool{"version": true, "updated_at": true, "updated_by": true}
	out := map[string]FieldChange{}
	for k, nv := range after {
		if skip[k] {
			continue
		}
		ov, had := before[k]
		if !had || !jsonEqual(ov, nv) {
			out[k] = FieldChange{Old: ov, New: nv}
		}
	}
	for k, ov := range before {
		if _, has := after[k]; !has && !skip[k] {
			out[k] = FieldChange{Old: ov, New: nil}
		}
	}
	return out
}

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// ToMap renders v as a generic JSON object.
func ToMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	return m, json.Unmarshal(b, &m)
}

// RawJSON is JSON stored verbatim in a text column.
type RawJSON []byte

// MarshalJSON writes the stored JSON as is ("null" when empty).
func (r RawJSON) MarshalJSON() ([]byte, error) {
	if len(r) == 0 {
		return []byte("null"), nil
	}
	return r, nil
}

// UnmarshalJSON keeps a copy of the input.
func (r *RawJSON) UnmarshalJSON(b []byte) error {
	*r = append((*r)[:0], b...)
	return nil
}

// Value stores the JSON as text.
func (r RawJSON) Value() (driver.Value, error) {
	if len(r) == 0 {
		return nil, nil
	}
	return string(r), nil
}

// Scan reads JSON stored as text or bytes.
func (r *RawJSON) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*r = nil
	case string:
		*r = RawJSON(x)
	case []byte:
		*r = append(RawJSON(nil), x...)
	default:
		return fmt.Errorf("model: cannot scan %T into RawJSON", v)
	}
	return nil
}
