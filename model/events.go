package model

import "strings"

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
	EventKBArticlePublished:      "An answer-book article was published (created as, or changed to, published); data is the article.",
	EventRequestStatusChanged:    "A support request changed status; data is the request after the change.",
	EventRequestAssigned:         "A support request was assigned to another agent; data is the request.",
	EventRequestReplied:          "An agent answered a support request (a reply or a mail to the customer); data is the request.",
	EventRequestSLABreached:      "A support request missed its first-response or resolution target; data is the request.",
	EventRMAStatusChanged:        "A return (RMA) changed status; data is the return after the change.",
	EventRegistrationTransferred: "A registered product passed to a new owner; data is the registration with its new owner.",
	EventContractExpiring:        "A service contract ends soon (sent once per contract); data is the contract.",
	EventInvoiceIssued:           "An invoice or credit note was issued with its number; data is the invoice.",
	EventInvoicePaid:             "An invoice was paid; data is the invoice.",
	EventInvoiceOverdue:          "An issued invoice passed its due date unpaid; data is the invoice.",
	EventMailReceived:            "A mail was ingested from a mailbox; data is its ingest-log entry (outcome, request, decision trace), without the bodies.",
	EventMailBounced:             "A bounce was ingested: its hard-failed addresses are suppressed; data is its ingest-log entry with the mail that bounced.",
	EventMailQuarantined:         "A mail could not be ingested and waits in the quarantine; data is the quarantine entry with the reason.",
	EventMailSent:                "An outbox mail was accepted by the SMTP server; data is the outbox entry.",
	EventContactMerged:           "A duplicate contact was merged into another: data is its tombstone, merged_into_id naming the survivor, which now holds its links.",
	EventAccountMerged:           "A duplicate account was merged into another: data is its tombstone, merged_into_id naming the survivor, which now holds its links.",
	EventContactErased:           "A contact was erased for data protection: data is its tombstone with every personal field cleared (name and postal addresses stay only when the installation's keep-list requires them); the records that named the person were erased, anonymised or unlinked in the same transaction.",
}

// Sales domain events.
const (
	EventOpportunityStageChanged = "opportunity.stage_changed"
	EventOpportunityWon          = "opportunity.won"
	EventOpportunityLost         = "opportunity.lost"
	EventLeadConverted           = "lead.converted"
)

// EventKBArticlePublished is the answer book's domain event.
const EventKBArticlePublished = "kb.article_published"

// Support domain events.
const (
	EventRequestStatusChanged = "request.status_changed"
	EventRequestAssigned      = "request.assigned"
	EventRequestReplied       = "request.replied"
	EventRequestSLABreached   = "request.sla_breached"
)

// DomainEvent names the domain event a write is, judged on its changed
// fields, or "" for a plain write. (Quote actions tag their changes
// themselves.)
func DomainEvent(entity, op string, fields map[string]FieldChange) string {
	if e := mailEvent(entity, op, fields); e != "" {
		return e
	}
	if e := mergeEvent(entity, op, fields); e != "" {
		return e
	}
	if entity == "kb_article" && op != OpDelete {
		if f, ok := fields["status"]; ok && f.New == KBPublished {
			return EventKBArticlePublished
		}
	}
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
	case "request":
		return requestEvent(fields)
	case "rma":
		if _, ok := fields["status"]; ok {
			return EventRMAStatusChanged
		}
	case "invoice":
		return invoiceEvents[statusTo(fields)]
	}
	return ""
}

// requestEvent names a request change: a breach first, then an assignment,
// then a status change (one event per change).
func requestEvent(fields map[string]FieldChange) string {
	if f, ok := fields["sla_breached"]; ok && f.New == true {
		return EventRequestSLABreached
	}
	if _, ok := fields["assignee_id"]; ok {
		return EventRequestAssigned
	}
	if _, ok := fields["status"]; ok {
		return EventRequestStatusChanged
	}
	return ""
}

// domainEventEntities names the entity of domain events whose type does not
// start with it.
var domainEventEntities = map[string]string{"kb.article_published": "kb_article",
	EventMailReceived: "mail_message", EventMailBounced: "mail_message", EventMailQuarantined: "mail_quarantine", EventMailSent: "outbound_mail"}

// EventEntity names the entity whose records an event type carries:
// "contact.updated" → contact, "kb.article_published" → kb_article.
func EventEntity(typ string) string {
	if e, ok := domainEventEntities[typ]; ok {
		return e
	}
	entity, _, _ := strings.Cut(typ, ".")
	return entity
}

// invoiceEvents names the event of an invoice entering a status.
var invoiceEvents = map[any]string{InvoiceIssued: EventInvoiceIssued, InvoicePaid: EventInvoicePaid, InvoiceOverdue: EventInvoiceOverdue}

// statusTo is the new status of a change that moved one, else nil.
func statusTo(fields map[string]FieldChange) any {
	if f, ok := fields["status"]; ok {
		return f.New
	}
	return nil
}
