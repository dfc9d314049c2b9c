package model

import (
	"strings"
	"time"
)

// Contact is a person: a customer's employee, a prospect, a partner.
type Contact struct {
	Meta
	FirstName    string         `gorm:"size:200" json:"first_name"`
	MiddleName   string         `gorm:"size:200" json:"middle_name"`
	LastName     string         `gorm:"size:200" json:"last_name"`
	DisplayName  string         `gorm:"size:400;not null" json:"display_name"`
	Title        string         `gorm:"size:200" json:"title"`
	AccountID    *string        `gorm:"size:36" json:"account_id"`
	OwnerID      *string        `gorm:"size:36" json:"owner_id"`
	Language     string         `gorm:"size:16" json:"language"`
	Birthday     *Date          `gorm:"type:varchar(10)" json:"birthday"`
	Notes        string         `json:"notes"`
	PhotoID      *string        `gorm:"size:36" json:"photo_id"`
	Tags         []string       `gorm:"serializer:json" json:"tags"`
	CustomFields map[string]any `gorm:"serializer:json" json:"custom_fields"`
	Emails       []Labeled      `gorm:"serializer:json" json:"emails"`
	Phones       []Labeled      `gorm:"serializer:json" json:"phones"`
	Addresses    []Address      `gorm:"serializer:json" json:"addresses"`
	URLs         []Labeled      `gorm:"serializer:json" json:"urls"`
	// Unsubscribed says the person wants no marketing: mailing lists and
	// campaigns filled from lists leave them out. vCards do not carry it.
	Unsubscribed   bool       `gorm:"not null" json:"unsubscribed"`
	UnsubscribedAt *time.Time `json:"unsubscribed_at"`
	DAV            DAVLink    `gorm:"embedded;embeddedPrefix:dav_" json:"dav"`
	SortName       string     `gorm:"size:400;not null" json:"-"`
	// MergedIntoID names the contact this one was merged into; only a
	// merged duplicate's tombstone carries it.
	MergedIntoID *string `gorm:"size:36" json:"merged_into_id,omitempty"`
}

// Entity implements Record.
func (*Contact) Entity() string { return "contact" }

// DAVInfo implements DAVSynced.
func (c *Contact) DAVInfo() *DAVLink { return &c.DAV }

// OwnerTeam implements Owned.
func (c *Contact) OwnerTeam() (string, string) { return deref(c.OwnerID), "" }

// KeepServerOwned implements ServerOwned: when a contact unsubscribed is
// the server's to say (Normalize stamps it when the flag is set), and so is
// the survivor of a merge.
func (c *Contact) KeepServerOwned(prev Record) {
	p := prev.(*Contact)
	c.UnsubscribedAt, c.MergedIntoID = p.UnsubscribedAt, p.MergedIntoID
}

// Normalize implements Record. The display name defaults to "First Middle
// Last"; the sort name is the folded "Last First Middle".
func (c *Contact) Normalize() {
	c.FirstName = strings.TrimSpace(c.FirstName)
	c.MiddleName = strings.TrimSpace(c.MiddleName)
	c.LastName = strings.TrimSpace(c.LastName)
	c.Title = strings.TrimSpace(c.Title)
	c.Language = strings.TrimSpace(c.Language)
	c.DisplayName = strings.TrimSpace(c.DisplayName)
	if c.DisplayName == "" {
		c.DisplayName = joinNonEmpty(c.FirstName, c.MiddleName, c.LastName)
	}
	if c.DisplayName == "" && len(c.Emails) > 0 {
		c.DisplayName = strings.TrimSpace(c.Emails[0].Value)
	}
	c.Emails = cleanLabeled(c.Emails, "work")
	for i := range c.Emails {
		c.Emails[i].Value = strings.ToLower(c.Emails[i].Value)
	}
	c.Phones = cleanLabeled(c.Phones, "work")
	normalizePhones(c.Phones)
	c.Addresses = cleanAddresses(c.Addresses)
	c.URLs = cleanLabeled(c.URLs, "work")
	c.Tags = cleanTags(c.Tags)
	c.DAV.normalize()
	switch {
	case !c.Unsubscribed:
		c.UnsubscribedAt = nil
	case c.UnsubscribedAt == nil: // just unsubscribed (an import may bring its own time)
		t := time.Now().UTC().Truncate(time.Microsecond)
		c.UnsubscribedAt = &t
	}
	if c.CustomFields == nil {
		c.CustomFields = map[string]any{}
	}
	for _, p := range []**string{&c.AccountID, &c.OwnerID, &c.PhotoID} {
		emptyToNil(p)
	}
	sort := joinNonEmpty(c.LastName, c.FirstName, c.MiddleName)
	if sort == "" {
		sort = c.DisplayName
	}
	c.SortName = Fold(sort)
}

// Validate implements Record.
func (c *Contact) Validate() error {
	fe := FieldErrors{}
	if c.DisplayName == "" {
		fe.Add("display_name", "a contact needs a name or an e-mail address")
	}
	validateEmails(fe, "emails", c.Emails)
	validatePhones(fe, "phones", c.Phones)
	validateRef(fe, "account_id", c.AccountID)
	validateRef(fe, "owner_id", c.OwnerID)
	validateRef(fe, "photo_id", c.PhotoID)
	for i, u := range c.URLs {
		if !ValidURL(u.Value) {
			fe.Add("urls["+itoa(i)+"]", "not a valid http(s) URL")
		}
	}
	c.DAV.validate(fe)
	validateMergedInto(fe, &c.Meta, c.MergedIntoID)
	if c.Birthday != nil && (c.Birthday.Year() < 1800 || c.Birthday.After(time.Now())) {
		fe.Add("birthday", "must be a real date of birth")
	}
	for i, t := range c.Tags {
		if len(t) > 100 {
			fe.Add("tags["+itoa(i)+"]", "at most 100 bytes")
		}
	}
	return fe.Err()
}

// SearchKeys implements Searchable: name words, e-mails and E.164 phones.
func (c *Contact) SearchKeys() []SearchKey {
	keys := wordKeys(c.FirstName, c.MiddleName, c.LastName, c.DisplayName)
	for _, e := range c.Emails {
		keys = append(keys, SearchKey{KeyEmail, e.Value})
		local, _, _ := strings.Cut(e.Value, "@")
		keys = append(keys, wordKeys(local)...)
	}
	return Dedupe(append(keys, phoneKeys(c.Phones)...))
}

// DuplicateKeys are the values that identify the same person: e-mails and
// normalised phones.
func (c *Contact) DuplicateKeys() []SearchKey {
	keys := make([]SearchKey, 0, len(c.Emails)+len(c.Phones))
	for _, e := range c.Emails {
		keys = append(keys, SearchKey{KeyEmail, e.Value})
	}
	return Dedupe(append(keys, phoneKeys(c.Phones)...))
}

// Dedupe drops repeated values, keeping the first of each.
func Dedupe[T comparable](list []T) []T {
	seen := map[T]bool{}
	out := list[:0]
	for _, v := range list {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}

// Refs implements Referrer.
func (c *Contact) Refs() []Ref {
	return []Ref{{"account_id", "account", c.AccountID}, {"owner_id", "user", c.OwnerID}, {"photo_id", "attachment", c.PhotoID}}
}
