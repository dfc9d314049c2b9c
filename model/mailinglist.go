package model

import (
	"strings"
	"time"
)

// Mailing list kinds.
const (
	ListStatic  = "static"  // holds the contacts put on it
	ListDynamic = "dynamic" // holds a filter over contacts, evaluated when read
)

// ListKinds lists the kinds a mailing list may have.
var ListKinds = []string{ListStatic, ListDynamic}

// MailingList is a set of contacts to reach: a static list of contacts
// added one by one, or a dynamic list whose members are the contacts that
// match its filter when it is read. Unsubscribed contacts are never members.
type MailingList struct {
	Meta
	Name        string `gorm:"size:200;not null" json:"name"`
	Description string `json:"description"`
	// Kind is static or dynamic; it cannot change once the list exists.
	Kind string `gorm:"size:16;not null" json:"kind"`
	// Filter selects the contacts of a dynamic list (the filter form of
	// POST /contacts/search); a static list has none.
	Filter   *Filter `gorm:"serializer:json" json:"filter"`
	SortName string  `gorm:"size:200;not null" json:"-"`
}

// Entity implements Record.
func (*MailingList) Entity() string { return "mailing_list" }

// Normalize implements Record.
func (l *MailingList) Normalize() {
	l.Name = strings.TrimSpace(l.Name)
	l.Kind = strings.ToLower(strings.TrimSpace(l.Kind))
	if l.Kind == "" {
		l.Kind = ListStatic
		if l.Filter != nil {
			l.Kind = ListDynamic
		}
	}
	if l.Kind == ListDynamic && l.Filter == nil {
		l.Filter = &Filter{}
	}
	l.SortName = Fold(l.Name)
}

// Validate implements Record. The filter's fields are checked against the
// contact columns by the store.
func (l *MailingList) Validate() error {
	fe := FieldErrors{}
	if l.Name == "" {
		fe.Add("name", "required")
	}
	switch {
	case !contains(ListKinds, l.Kind):
		fe.Add("kind", "one of "+strings.Join(ListKinds, ", "))
	case l.Kind == ListStatic && l.Filter != nil:
		fe.Add("filter", "a static list holds contacts, not a filter; use kind dynamic")
	case l.Kind == ListDynamic:
		if me, ok := l.Filter.Validate().(*Error); ok {
			for field, msg := range me.Fields {
				fe.Add("filter."+field, msg)
			}
		}
		if len(l.Filter.All)+len(l.Filter.Any) > maxFilterConditions {
			fe.Add("filter", "at most 50 conditions")
		}
	}
	return fe.Err()
}

// maxFilterConditions bounds a saved filter: a list is evaluated on every read.
const maxFilterConditions = 50

// SearchKeys returns the folded words q= matches.
func (l *MailingList) SearchKeys() []SearchKey { return wordKeys(l.Name) }

// MailingListMember puts a contact on a static list.
type MailingListMember struct {
	ListID    string    `gorm:"primaryKey;size:36" json:"list_id"`
	ContactID string    `gorm:"primaryKey;size:36" json:"contact_id"`
	AddedAt   time.Time `gorm:"not null" json:"added_at"`
	AddedBy   string    `gorm:"size:36;not null" json:"added_by"`
}

// TableName names the table.
func (MailingListMember) TableName() string { return "mailing_list_members" }
