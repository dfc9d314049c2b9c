package model

import (
	"strings"
	"time"
)

// Opportunity outcomes. An open deal is "undecided" in reports.
const (
	OutcomeOpen         = "open"
	OutcomeWon          = "won"
	OutcomeLost         = "lost"
	OutcomeDisqualified = "disqualified"
)

// Outcomes lists the valid outcomes.
var Outcomes = []string{OutcomeOpen, OutcomeWon, OutcomeLost, OutcomeDisqualified}

// Opportunity is a deal in a pipeline: what may be sold to an account, for
// how much, when, and how likely.
type Opportunity struct {
	Meta
	Name        string  `gorm:"size:300;not null" json:"name"`
	Description string  `json:"description"`
	AccountID   *string `gorm:"size:36" json:"account_id"`
	ContactID   *string `gorm:"size:36" json:"contact_id"`
	PipelineID  string  `gorm:"size:36;not null" json:"pipeline_id"`
	Stage       string  `gorm:"size:64;not null" json:"stage"` // a stage key of the pipeline
	Amount      Decimal `gorm:"not null" json:"amount"`
	Currency    string  `gorm:"size:3;not null" json:"currency"`
	CloseDate   *Date   `gorm:"type:varchar(10)" json:"close_date"` // expected, or actual once closed
	// Probability (0–100) follows the stage's default unless
	// ProbabilityOverride is set; won deals are 100, lost ones 0.
	Probability         int    `gorm:"not null" json:"probability"`
	ProbabilityOverride *int   `json:"probability_override"`
	ForecastCategory    string `gorm:"size:16;not null" json:"forecast_category"`
	Outcome             string `gorm:"size:16;not null" json:"outcome"`
	OutcomeReason       string `gorm:"size:500" json:"outcome_reason"`
	// LostToID is the competitor that won a lost deal.
	LostToID       *string        `gorm:"size:36" json:"lost_to_id"`
	CompetitorIDs  []string       `gorm:"serializer:json" json:"competitor_ids"`
	ClosedAt       *time.Time     `json:"closed_at"`
	StageChangedAt time.Time      `gorm:"not null" json:"stage_changed_at"`
	NextStep       string         `gorm:"size:500" json:"next_step"`
	NextStepDue    *Date          `gorm:"type:varchar(10)" json:"next_step_due"`
	OwnerID        *string        `gorm:"size:36" json:"owner_id"`
	TeamID         *string        `gorm:"size:36" json:"team_id"`
	TerritoryID    *string        `gorm:"size:36" json:"territory_id"`
	CampaignID     *string        `gorm:"size:36" json:"campaign_id"` // source campaign
	Source         string         `gorm:"size:64" json:"source"`      // channel: web, referral, trade show …
	LeadID         *string        `gorm:"size:36" json:"lead_id"`     // the lead it was converted from
	Tags           []string       `gorm:"serializer:json" json:"tags"`
	CustomFields   map[string]any `gorm:"serializer:json" json:"custom_fields"`
	// WeightedAmount is Amount × Probability / 100, kept for reports.
	WeightedAmount Decimal `gorm:"not null" json:"weighted_amount"`
}

// TableName names the table.
func (Opportunity) TableName() string { return "opportunities" }

// Assignment implements Assignable.
func (o *Opportunity) Assignment() (*string, **string, **string) {
	return o.TerritoryID, &o.OwnerID, &o.TeamID
}

// Entity implements Record.
func (*Opportunity) Entity() string { return "opportunity" }

// OwnerTeam implements Owned.
func (o *Opportunity) OwnerTeam() (string, string) { return deref(o.OwnerID), deref(o.TeamID) }

// DefaultOwner implements DefaultOwned.
func (o *Opportunity) DefaultOwner(userID, teamID string) {
	setDefault(&o.OwnerID, userID)
	setDefault(&o.TeamID, teamID)
}

// KeepServerOwned implements ServerOwned: when a deal closed and when it
// last changed stage are the server's to say.
func (o *Opportunity) KeepServerOwned(prev Record) {
	p := prev.(*Opportunity)
	o.ClosedAt, o.StageChangedAt = p.ClosedAt, p.StageChangedAt
}

// Refs implements Referrer.
func (o *Opportunity) Refs() []Ref {
	refs := []Ref{{"account_id", "account", o.AccountID}, {"contact_id", "contact", o.ContactID},
		{"pipeline_id", "pipeline", &o.PipelineID}, {"owner_id", "user", o.OwnerID}, {"team_id", "team", o.TeamID},
		{"territory_id", "territory", o.TerritoryID}, {"lost_to_id", "competitor", o.LostToID},
		{"campaign_id", "campaign", o.CampaignID}, {"lead_id", "lead", o.LeadID}}
	for i := range o.CompetitorIDs {
		refs = append(refs, Ref{"competitor_ids[" + itoa(i) + "]", "competitor", &o.CompetitorIDs[i]})
	}
	return refs
}

// Normalize implements Record.
func (o *Opportunity) Normalize() {
	o.Name = strings.TrimSpace(o.Name)
	o.Description = strings.TrimSpace(o.Description)
	o.Stage = strings.ToLower(strings.TrimSpace(o.Stage))
	o.Currency = strings.ToUpper(strings.TrimSpace(o.Currency))
	o.Outcome = strings.ToLower(strings.TrimSpace(o.Outcome))
	if o.Outcome == "" {
		o.Outcome = OutcomeOpen
	}
	o.OutcomeReason = strings.TrimSpace(o.OutcomeReason)
	o.NextStep = strings.TrimSpace(o.NextStep)
	o.Source = strings.ToLower(strings.TrimSpace(o.Source))
	o.ForecastCategory = strings.ToLower(strings.TrimSpace(o.ForecastCategory))
	for _, p := range []**string{&o.AccountID, &o.ContactID, &o.OwnerID, &o.TeamID, &o.TerritoryID, &o.LostToID, &o.CampaignID, &o.LeadID} {
		emptyToNil(p)
	}
	o.CompetitorIDs = Dedupe(o.CompetitorIDs)
	if o.CompetitorIDs == nil {
		o.CompetitorIDs = []string{}
	}
	o.Tags = Dedupe(o.Tags)
	if o.Tags == nil {
		o.Tags = []string{}
	}
	if o.CustomFields == nil {
		o.CustomFields = map[string]any{}
	}
	o.applyOutcome()
	o.WeightedAmount = Decimal{o.Amount.Mul(DecInt(int64(o.Probability)).Decimal).Div(DecInt(100).Decimal).Round(DecimalPlaces)}
}

// applyOutcome fixes what a closed deal implies: won is certain and
// closed, lost or disqualified is out of the forecast.
func (o *Opportunity) applyOutcome() {
	switch o.Outcome {
	case OutcomeWon:
		o.Probability, o.ForecastCategory = 100, ForecastClosed
	case OutcomeLost, OutcomeDisqualified:
		o.Probability, o.ForecastCategory = 0, ForecastOmitted
	default:
		if o.ProbabilityOverride != nil {
			o.Probability = *o.ProbabilityOverride
		}
	}
	if o.Outcome != OutcomeLost {
		o.LostToID = nil
	}
}

// Validate implements Record.
func (o *Opportunity) Validate() error {
	fe := FieldErrors{}
	if o.Name == "" {
		fe.Add("name", "required")
	}
	validateRef(fe, "pipeline_id", &o.PipelineID) // the store puts the deal in a pipeline and a stage
	if o.Amount.IsNegative() || !o.Amount.Fits() {
		fe.Add("amount", "zero or more, at most 4 decimal places")
	}
	if !currencyPattern.MatchString(o.Currency) {
		fe.Add("currency", "an ISO 4217 code such as EUR")
	}
	if p := o.ProbabilityOverride; p != nil && (*p < 0 || *p > 100) {
		fe.Add("probability_override", "from 0 to 100")
	}
	if o.Probability < 0 || o.Probability > 100 {
		fe.Add("probability", "from 0 to 100")
	}
	if !contains(Outcomes, o.Outcome) {
		fe.Add("outcome", "one of "+strings.Join(Outcomes, ", "))
	}
	if (o.Outcome == OutcomeLost || o.Outcome == OutcomeDisqualified) && o.OutcomeReason == "" {
		fe.Add("outcome_reason", "say why the deal was "+o.Outcome)
	}
	if o.ForecastCategory != "" && !contains(ForecastCategories, o.ForecastCategory) {
		fe.Add("forecast_category", "one of "+strings.Join(ForecastCategories, ", "))
	}
	if len(o.CompetitorIDs) > 50 {
		fe.Add("competitor_ids", "at most 50")
	}
	for _, f := range []struct {
		name string
		id   *string
	}{{"account_id", o.AccountID}, {"contact_id", o.ContactID}, {"owner_id", o.OwnerID}, {"team_id", o.TeamID},
		{"territory_id", o.TerritoryID}, {"lost_to_id", o.LostToID}, {"campaign_id", o.CampaignID}, {"lead_id", o.LeadID}} {
		validateRef(fe, f.name, f.id)
	}
	return fe.Err()
}

// IsOpen reports whether the deal is still undecided.
func (o *Opportunity) IsOpen() bool { return o.Outcome == OutcomeOpen }

// StageChange is one entry of an opportunity's stage history: it entered
// ToStage at At (FromStage is "" for the first stage). Reports measure the
// funnel and the time spent per stage from these rows.
type StageChange struct {
	ID            int64     `gorm:"primaryKey;autoIncrement" json:"id"`
	OpportunityID string    `gorm:"size:36;not null" json:"opportunity_id"`
	PipelineID    string    `gorm:"size:36;not null" json:"pipeline_id"`
	FromStage     string    `gorm:"size:64;not null" json:"from_stage"`
	ToStage       string    `gorm:"size:64;not null" json:"to_stage"`
	At            time.Time `gorm:"not null" json:"at"`
	ActorID       string    `gorm:"size:36" json:"actor_id"`
}

// TableName names the table.
func (StageChange) TableName() string { return "opportunity_stage_changes" }

// Competitor is another vendor met in deals.
type Competitor struct {
	Meta
	Name       string `gorm:"size:200;not null" json:"name"`
	Website    string `gorm:"size:500" json:"website"`
	Strengths  string `json:"strengths"`
	Weaknesses string `json:"weaknesses"`
	Notes      string `json:"notes"`
}

// Entity implements Record.
func (*Competitor) Entity() string { return "competitor" }

// Normalize implements Record.
func (c *Competitor) Normalize() {
	c.Name = strings.TrimSpace(c.Name)
	c.Website = strings.TrimSpace(c.Website)
}

// Validate implements Record.
func (c *Competitor) Validate() error {
	fe := FieldErrors{}
	if c.Name == "" {
		fe.Add("name", "required")
	}
	if c.Website != "" && !ValidURL(c.Website) {
		fe.Add("website", "an absolute http(s) URL")
	}
	return fe.Err()
}

// SearchKeys returns the folded words q= matches.
func (c *Competitor) SearchKeys() []SearchKey { return wordKeys(c.Name) }
