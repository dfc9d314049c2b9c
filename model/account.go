package model

import "strings"

// Account is a customer organisation.
type Account struct {
	Meta
	Name         string         `gorm:"size:300;not null" json:"name"`
	Industry     string         `gorm:"size:100" json:"industry"`
	Phones       []Labeled      `gorm:"serializer:json" json:"phones"`
	Website      string         `gorm:"size:500" json:"website"`
	Addresses    []Address      `gorm:"serializer:json" json:"addresses"`
	ParentID     *string        `gorm:"size:36" json:"parent_id"`
	OwnerID      *string        `gorm:"size:36" json:"owner_id"`
	TeamID       *string        `gorm:"size:36" json:"team_id"`
	TerritoryID  *string        `gorm:"size:36" json:"territory_id"`
	Language     string         `gorm:"size:16" json:"language"`
	CustomFields map[string]any `gorm:"serializer:json" json:"custom_fields"`
	SortName     string         `gorm:"size:300;not null" json:"-"`
	// MergedIntoID names the account this one was merged into; only a
	// merged duplicate's tombstone carries it.
	MergedIntoID *string `gorm:"size:36" json:"merged_into_id,omitempty"`
}

// Assignment implements Assignable.
func (a *Account) Assignment() (*string, **string, **string) {
	return a.TerritoryID, &a.OwnerID, &a.TeamID
}

// Entity implements Record.
func (*Account) Entity() string { return "account" }

// OwnerTeam implements Owned.
func (a *Account) OwnerTeam() (string, string) { return deref(a.OwnerID), deref(a.TeamID) }

// KeepServerOwned implements ServerOwned: the survivor of a merge is the
// server's to say.
func (a *Account) KeepServerOwned(prev Record) { a.MergedIntoID = prev.(*Account).MergedIntoID }

// Normalize implements Record.
func (a *Account) Normalize() {
	a.Name = strings.TrimSpace(a.Name)
	a.Industry = strings.TrimSpace(a.Industry)
	a.Website = strings.TrimSpace(a.Website)
	a.Language = strings.TrimSpace(a.Language)
	a.Phones = cleanLabeled(a.Phones, "work")
	normalizePhones(a.Phones)
	a.Addresses = cleanAddresses(a.Addresses)
	if a.CustomFields == nil {
		a.CustomFields = map[string]any{}
	}
	for _, p := range []**string{&a.ParentID, &a.OwnerID, &a.TeamID, &a.TerritoryID} {
		emptyToNil(p)
	}
	a.SortName = Fold(a.Name)
}

// Validate implements Record.
func (a *Account) Validate() error {
	fe := FieldErrors{}
	if a.Name == "" {
		fe.Add("name", "required")
	}
	if a.Website != "" && !ValidURL(a.Website) {
		fe.Add("website", "must be an absolute http or https URL")
	}
	validatePhones(fe, "phones", a.Phones)
	validateRef(fe, "parent_id", a.ParentID)
	validateRef(fe, "owner_id", a.OwnerID)
	validateRef(fe, "team_id", a.TeamID)
	validateRef(fe, "territory_id", a.TerritoryID)
	if a.ParentID != nil && *a.ParentID == a.ID {
		fe.Add("parent_id", "an account cannot be its own parent")
	}
	validateMergedInto(fe, &a.Meta, a.MergedIntoID)
	return fe.Err()
}

// SearchKeys returns the folded words and values that q= matches.
func (a *Account) SearchKeys() []SearchKey {
	return append(wordKeys(a.Name), phoneKeys(a.Phones)...)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// Refs implements Referrer.
func (a *Account) Refs() []Ref {
	return []Ref{{"parent_id", "account", a.ParentID}, {"owner_id", "user", a.OwnerID},
		{"team_id", "team", a.TeamID}, {"territory_id", "territory", a.TerritoryID}}
}
