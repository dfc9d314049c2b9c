package store

import (
	"encoding/base64"
	"strings"
	"time"

	"gorm.io/gorm"

	"rapport/model"
)

// LogCursor is a place in a log listed newest first (delivery log, inbound
// messages): the time and id of the last entry a page showed. Entries made
// in the same instant are told apart by id, so paging neither skips nor
// repeats any.
type LogCursor struct {
	At time.Time
	ID string
}

// String encodes the cursor for next_cursor; "" for the zero cursor.
func (c LogCursor) String() string {
	if c.ID == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(c.At.UTC().Format(time.RFC3339Nano) + "|" + c.ID))
}

// ParseLogCursor decodes a next_cursor; "" is the start.
func ParseLogCursor(s string) (LogCursor, error) {
	if s == "" {
		return LogCursor{}, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	at, id, ok := strings.Cut(string(raw), "|")
	var t time.Time
	if err == nil && ok {
		t, err = time.Parse(time.RFC3339Nano, at)
	}
	if err != nil || !ok || id == "" {
		return LogCursor{}, model.Errorf(model.EINVALID, "cursor: pass next_cursor from the previous page unchanged")
	}
	return LogCursor{At: t, ID: id}, nil
}

// after restricts q, ordered by (column DESC, id DESC), to the entries
// after the cursor.
func (c LogCursor) after(q *gorm.DB, column string) *gorm.DB {
	if c.ID == "" {
		return q
	}
	return q.Where("("+column+" < ? OR ("+column+" = ? AND id < ?))", c.At, c.At, c.ID)
}

// nextLogCursor is the cursor after a full page whose last entry is (at,
// id), or the zero cursor when the page was not full (the end).
func nextLogCursor(n, limit int, at time.Time, id string) LogCursor {
	if n < limit {
		return LogCursor{}
	}
	return LogCursor{At: at, ID: id}
}
