package model

import (
	"regexp"

	"github.com/google/uuid"
)

// NewID returns a new UUIDv7 primary key: time-ordered, so inserts stay local
// in B-tree indexes and ids sort roughly by creation time.
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}

var idPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// ValidID reports whether s is a canonical lower-case UUID string.
func ValidID(s string) bool { return idPattern.MatchString(s) }
