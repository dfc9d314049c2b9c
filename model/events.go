package model

// DomainEvents describes the events that say more than a record's
// created/updated/deleted: the feed row of such a change carries the event
// (Change.Event), and webhook endpoints may subscribe to it besides, or
// instead of, the plain update.
var DomainEvents = map[string]string{
	EventQuoteSent:               "A quote was sent to the customer; data is the quote as sent.",
	EventQuoteAccepted:           "A quote was accepted; data is the accepted quote.",
	EventQuoteRejected:           "A quote was rejected; data is the quote with its rejection reason.",
	EventOpportunityStageChanged: "An open opportunity moved to another stage; data is the opportunity after the move.",
	EventOpportunityWon:          "An opportunity was won; data is the opportunity as closed.",
	EventOpportunityLost:         "An opportunity was lost or disqualified; data is the opportunity with its outcome reason.",
	EventLeadConverted:           "A lead was converted; data is the lead with the account, contact and opportunity it became.",
}

// Sales domain events.
const (
	EventOpportunityStageChanged = "opportunity.stage_changed"
	EventOpportunityWon          = "opportunity.won"
	EventOpportunityLost         = "opportunity.lost"
	EventLeadConverted           = "lead.converted"
)

// DomainEvent names the domain event a write is, judged on its changed
// fields, or "" for a plain write. (Quote actions tag their changes
// themselves.)
func DomainEvent(entity, op string, fields map[string]FieldChange) string {
	if op != OpUpdate {
		return ""
	}
	switch entity {
	case "opportunity":
		if f, ok := fields["outcome"]; ok {
			switch f.New {
			case OutcomeWon:
				return EventOpportunityWon
			case OutcomeLost, OutcomeDisqualified:
				return EventOpportunityLost
			}
		}
		if _, ok := fields["stage"]; ok {
			return EventOpportunityStageChanged
		}
	case "lead":
		if f, ok := fields["status"]; ok && f.New == LeadConverted {
			return EventLeadConverted
		}
	}
	return ""
}
