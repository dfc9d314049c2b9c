package model

import (
	"strings"
	"time"
)

// Lead statuses. A converted lead keeps its data and points at what it
// became.
const (
	LeadNew          = "new"
	LeadQualifying   = "qualifying"
	LeadQualified    = "qualified"
	LeadDisqualified = "disqualified"
	LeadConverted    = "converted"
)

// LeadStatuses lists the statuses a lead may be given (converted is set by
// the conversion only).
var LeadStatuses = []string{LeadNew, LeadQualifying, LeadQualified, LeadDisqualified}

// QualificationAnswer is one answered question of a qualification
// questionnaire, with the points it scores.
type QualificationAnswer struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
	Score    int    `json:"score"`
}

// Lead is a prospect not yet known to be a customer: a person and their
// company, where they came from, and how qualified they are.
type Lead struct {
	Meta
	FirstName     string                `gorm:"size:200" json:"first_name"`
	LastName      string                `gorm:"size:200" json:"last_name"`
	DisplayName   string                `gorm:"size:400;not null" json:"display_name"`
	Title         string                `gorm:"size:200" json:"title"`
	Company       string                `gorm:"size:300" json:"company"`
	Industry      string                `gorm:"size:100" json:"industry"`
	Website       string                `gorm:"size:500" json:"website"`
	Emails        []Labeled             `gorm:"serializer:json" json:"emails"`
	Phones        []Labeled             `gorm:"serializer:json" json:"phones"`
	Addresses     []Address             `gorm:"serializer:json" json:"addresses"`
	Language      string                `gorm:"size:16" json:"language"`
	Status        string                `gorm:"size:16;not null" json:"status"`
	StatusReason  string                `gorm:"size:500" json:"status_reason"`
	CampaignID    *string               `gorm:"size:36" json:"campaign_id"` // source campaign
	Source        string                `gorm:"size:64" json:"source"`      // channel
	Qualification []QualificationAnswer `gorm:"serializer:json" json:"qualification"`
	Score         int                   `gorm:"not null" json:"score"` // sum of the answers' scores
	OwnerID       *string               `gorm:"size:36" json:"owner_id"`
	TeamID        *string               `gorm:"size:36" json:"team_id"`
	TerritoryID   *string               `gorm:"size:36" json:"territory_id"`
	Notes         string                `json:"notes"`
	Tags          []string              `gorm:"serializer:json" json:"tags"`
	CustomFields  map[string]any        `gorm:"serializer:json" json:"custom_fields"`
	ConvertedAt   *time.Time            `json:"converted_at"`
	// What the conversion made (or linked): account, contact, opportunity.
	AccountID     *string `gorm:"size:36" json:"account_id"`
	ContactID     *string `gorm:"size:36" json:"contact_id"`
	OpportunityID *string `gorm:"size:36" json:"opportunity_id"`
	SortName      string  `gorm:"size:400;not null" json:"-"`
}

// Assignment implements Assignable.
func (l *Lead) Assignment() (*string, **string, **string) {
	return l.TerritoryID, &l.OwnerID, &l.TeamID
}

// Entity implements Record.
func (*Lead) Entity() string { return "lead" }

// OwnerTeam implements Owned.
func (l *Lead) OwnerTeam() (string, string) { return deref(l.OwnerID), deref(l.TeamID) }

// DefaultOwner implements DefaultOwned.
func (l *Lead) DefaultOwner(userID, teamID string) {
	setDefault(&l.OwnerID, userID)
	setDefault(&l.TeamID, teamID)
}

// KeepServerOwned implements ServerOwned: only the conversion marks a lead
// converted and says what it became.
func (l *Lead) KeepServerOwned(prev Record) {
	p := prev.(*Lead)
	l.ConvertedAt, l.AccountID, l.ContactID, l.OpportunityID = p.ConvertedAt, p.AccountID, p.ContactID, p.OpportunityID
	if p.Status == LeadConverted || l.Status == LeadConverted {
		l.Status = p.Status
	}
}

// Refs implements Referrer.
func (l *Lead) Refs() []Ref {
	return []Ref{{"campaign_id", "campaign", l.CampaignID}, {"owner_id", "user", l.OwnerID}, {"team_id", "team", l.TeamID},
		{"territory_id", "territory", l.TerritoryID}}
}

// Normalize implements Record.
func (l *Lead) Normalize() {
	for _, p := range []*string{&l.FirstName, &l.LastName, &l.Title, &l.Company, &l.Industry, &l.Website, &l.Language,
		&l.StatusReason, &l.DisplayName} {
		*p = strings.TrimSpace(*p)
	}
	l.Status = strings.ToLower(strings.TrimSpace(l.Status))
	if l.Status == "" {
		l.Status = LeadNew
	}
	l.Source = strings.ToLower(strings.TrimSpace(l.Source))
	if l.DisplayName == "" {
		l.DisplayName = joinNonEmpty(l.FirstName, l.LastName)
	}
	if l.DisplayName == "" {
		l.DisplayName = l.Company
	}
	l.Emails = cleanLabeled(l.Emails, "work")
	for i := range l.Emails {
		l.Emails[i].Value = strings.ToLower(l.Emails[i].Value)
	}
	l.Phones = cleanLabeled(l.Phones, "work")
	normalizePhones(l.Phones)
	l.Addresses = cleanAddresses(l.Addresses)
	for _, p := range []**string{&l.CampaignID, &l.OwnerID, &l.TeamID, &l.TerritoryID} {
		emptyToNil(p)
	}
	l.Score = 0
	for i := range l.Qualification {
		q := &l.Qualification[i]
		q.Question, q.Answer = strings.TrimSpace(q.Question), strings.TrimSpace(q.Answer)
		l.Score += q.Score
	}
	if l.Qualification == nil {
		l.Qualification = []QualificationAnswer{}
	}
	l.Tags = Dedupe(l.Tags)
	if l.Tags == nil {
		l.Tags = []string{}
	}
	if l.CustomFields == nil {
		l.CustomFields = map[string]any{}
	}
	l.SortName = Fold(joinNonEmpty(l.LastName, l.FirstName, l.Company))
}

// Validate implements Record.
func (l *Lead) Validate() error {
	fe := FieldErrors{}
	if l.DisplayName == "" && len(l.Emails) == 0 {
		fe.Add("last_name", "give a name, a company or an e-mail address")
	}
	if l.Status != LeadConverted && !contains(LeadStatuses, l.Status) {
		fe.Add("status", "one of "+strings.Join(LeadStatuses, ", ")+" (convert a lead with POST /leads/{id}/convert)")
	}
	if l.Status == LeadDisqualified && l.StatusReason == "" {
		fe.Add("status_reason", "say why the lead is disqualified")
	}
	if l.Website != "" && !ValidURL(l.Website) {
		fe.Add("website", "an absolute http(s) URL")
	}
	for i, e := range l.Emails {
		if !ValidEmail(e.Value) {
			fe.Add("emails["+itoa(i)+"].value", "not an e-mail address")
		}
	}
	validatePhones(fe, "phones", l.Phones)
	if len(l.Qualification) > 100 {
		fe.Add("qualification", "at most 100 answers")
	}
	for i, q := range l.Qualification {
		if q.Question == "" {
			fe.Add("qualification["+itoa(i)+"].question", "required")
		}
		if q.Score < -1000 || q.Score > 1000 {
			fe.Add("qualification["+itoa(i)+"].score", "from -1000 to 1000")
		}
	}
	for _, f := range []struct {
		name string
		id   *string
	}{{"campaign_id", l.CampaignID}, {"owner_id", l.OwnerID}, {"team_id", l.TeamID}, {"territory_id", l.TerritoryID}} {
		validateRef(fe, f.name, f.id)
	}
	return fe.Err()
}

// SearchKeys returns what q= matches: name and company words, e-mails,
// phones.
func (l *Lead) SearchKeys() []SearchKey {
	keys := wordKeys(joinNonEmpty(l.FirstName, l.LastName, l.DisplayName, l.Company))
	for _, e := range l.Emails {
		keys = append(keys, SearchKey{Kind: KeyEmail, Value: e.Value})
	}
	return append(keys, phoneKeys(l.Phones)...)
}

// Campaign types.
var CampaignTypes = []string{"print_ad", "direct_mail", "trade_show", "email", "web", "partner", "telemarketing",
	"social", "event", "other"}

// Campaign statuses.
var CampaignStatuses = []string{"planned", "active", "completed", "cancelled"}

// Campaign is a marketing action whose leads and deals are counted against
// its cost.
type Campaign struct {
	Meta
	Name            string  `gorm:"size:300;not null" json:"name"`
	Type            string  `gorm:"size:32;not null" json:"type"`
	Status          string  `gorm:"size:16;not null" json:"status"`
	StartDate       *Date   `gorm:"type:varchar(10)" json:"start_date"`
	EndDate         *Date   `gorm:"type:varchar(10)" json:"end_date"`
	Currency        string  `gorm:"size:3;not null" json:"currency"`
	Budget          Decimal `gorm:"not null" json:"budget"`
	ActualCost      Decimal `gorm:"not null" json:"actual_cost"`
	ExpectedRevenue Decimal `gorm:"not null" json:"expected_revenue"`
	Description     string  `json:"description"`
	OwnerID         *string `gorm:"size:36" json:"owner_id"`
}

// Entity implements Record.
func (*Campaign) Entity() string { return "campaign" }

// Refs implements Referrer.
func (c *Campaign) Refs() []Ref { return []Ref{{"owner_id", "user", c.OwnerID}} }

// Normalize implements Record.
func (c *Campaign) Normalize() {
	c.Name = strings.TrimSpace(c.Name)
	c.Type = strings.ToLower(strings.TrimSpace(c.Type))
	if c.Type == "" {
		c.Type = "other"
	}
	c.Status = strings.ToLower(strings.TrimSpace(c.Status))
	if c.Status == "" {
		c.Status = "planned"
	}
	c.Currency = strings.ToUpper(strings.TrimSpace(c.Currency))
	emptyToNil(&c.OwnerID)
}

// Validate implements Record.
func (c *Campaign) Validate() error {
	fe := FieldErrors{}
	if c.Name == "" {
		fe.Add("name", "required")
	}
	if !contains(CampaignTypes, c.Type) {
		fe.Add("type", "one of "+strings.Join(CampaignTypes, ", "))
	}
	if !contains(CampaignStatuses, c.Status) {
		fe.Add("status", "one of "+strings.Join(CampaignStatuses, ", "))
	}
	if !currencyPattern.MatchString(c.Currency) {
		fe.Add("currency", "an ISO 4217 code such as EUR")
	}
	for name, d := range map[string]Decimal{"budget": c.Budget, "actual_cost": c.ActualCost, "expected_revenue": c.ExpectedRevenue} {
		if d.IsNegative() || !d.Fits() {
			fe.Add(name, "zero or more, at most 4 decimal places")
		}
	}
	if c.StartDate != nil && c.EndDate != nil && c.EndDate.Before(c.StartDate.Time) {
		fe.Add("end_date", "before start_date")
	}
	validateRef(fe, "owner_id", c.OwnerID)
	return fe.Err()
}

// SearchKeys returns the folded words q= matches.
func (c *Campaign) SearchKeys() []SearchKey { return wordKeys(c.Name) }
