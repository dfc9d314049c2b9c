package model

import (
	"strings"
	"time"
)

// Campaign member statuses: planned to be reached, reached, answered,
// became business, could not be reached, asked to hear no more.
const (
	MemberPlanned      = "planned"
	MemberSent         = "sent"
	MemberResponded    = "responded"
	MemberConverted    = "converted"
	MemberBounced      = "bounced"
	MemberUnsubscribed = "unsubscribed"
)

// MemberStatuses lists the statuses of a campaign member, in funnel order.
var MemberStatuses = []string{MemberPlanned, MemberSent, MemberResponded, MemberConverted, MemberBounced, MemberUnsubscribed}

// MemberEntities are what a campaign reaches: contacts and leads.
var MemberEntities = []string{"contact", "lead"}

// CampaignMember is a contact or lead a campaign reaches, and how they
// responded. A record is a member of a campaign at most once.
type CampaignMember struct {
	Meta
	CampaignID string `gorm:"size:36;not null" json:"campaign_id"`
	// RecordType is "contact" or "lead" (stored as entity).
	RecordType  string     `gorm:"column:entity;size:16;not null" json:"entity"`
	RecordID    string     `gorm:"size:36;not null" json:"record_id"`
	Status      string     `gorm:"size:16;not null" json:"status"`
	RespondedAt *time.Time `json:"responded_at"`
	Response    string     `json:"response"`
	// ListID is the mailing list the member was added from, if any.
	ListID *string `gorm:"size:36" json:"list_id"`
}

// Entity implements Record.
func (*CampaignMember) Entity() string { return "campaign_member" }

// Refs implements Referrer.
func (m *CampaignMember) Refs() []Ref {
	return []Ref{{"campaign_id", "campaign", &m.CampaignID}, {"record_id", m.RecordType, &m.RecordID},
		{"list_id", "mailing_list", m.ListID}}
}

// KeepServerOwned implements ServerOwned: a membership's campaign and
// record never change (remove the member and add another instead).
func (m *CampaignMember) KeepServerOwned(prev Record) {
	p := prev.(*CampaignMember)
	m.CampaignID, m.RecordType, m.RecordID, m.ListID = p.CampaignID, p.RecordType, p.RecordID, p.ListID
}

// Normalize implements Record.
func (m *CampaignMember) Normalize() {
	m.RecordType = strings.ToLower(strings.TrimSpace(m.RecordType))
	m.RecordID = strings.TrimSpace(m.RecordID)
	m.Status = strings.ToLower(strings.TrimSpace(m.Status))
	if m.Status == "" {
		m.Status = MemberPlanned
	}
	m.Response = strings.TrimSpace(m.Response)
	emptyToNil(&m.ListID)
}

// Validate implements Record.
func (m *CampaignMember) Validate() error {
	fe := FieldErrors{}
	if !ValidID(m.CampaignID) {
		fe.Add("campaign_id", "not a valid id")
	}
	if !contains(MemberEntities, m.RecordType) {
		fe.Add("entity", "one of "+strings.Join(MemberEntities, ", "))
	}
	if !ValidID(m.RecordID) {
		fe.Add("record_id", "not a valid id")
	}
	if !contains(MemberStatuses, m.Status) {
		fe.Add("status", "one of "+strings.Join(MemberStatuses, ", "))
	}
	if len(m.Response) > 10_000 {
		fe.Add("response", "at most 10,000 bytes")
	}
	validateRef(fe, "list_id", m.ListID)
	return fe.Err()
}

// Responded reports whether the status says the member answered.
func (m *CampaignMember) Responded() bool {
	return m.Status == MemberResponded || m.Status == MemberConverted
}

// FromListResult says what adding a mailing list to a campaign did.
type FromListResult struct {
	Added         int `json:"added"`
	AlreadyMember int `json:"already_member"`
}
