package store

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"

	"rapport/model"
)

// eraseStep is one table's part of an erasure, and of a privacy export
// (which shows the rows an erasure would touch or keep).
//
// A record step finds its candidates by the merge plan's contact
// references (mergePlans: every reference a record type declares) and by
// find, decides per record, and applies. A table step (links, history,
// logs) runs on its own. TestEraseCoversEveryPersonColumn fails when a
// table of the schema has a column that may refer to a contact or hold a
// person's details that no step names in columns and eraseLeftAlone does
// not explain.
type eraseStep struct {
	table  string
	entity string // the record entity of table; "" for a table step
	// columns refer to the person or hold their data.
	columns []string
	// find selects further candidates (by e-mail address, by what an
	// earlier step erased).
	find func(e *erasure) sqlCond
	// decide says what becomes of a candidate: "" when it is not about the
	// person after all (a JSON needle matched something else), and for
	// EraseKept why.
	decide func(e *erasure, rec model.Record) (action, reason string)
	// apply carries the decision out and returns what it did (an unlinked
	// quote that cannot stand without the person is erased instead).
	apply func(ctx context.Context, s *Store, e *erasure, rec model.Record, action string) (string, error)
	// runTable is the whole step of a table step.
	runTable func(ctx context.Context, s *Store, e *erasure) error
}

// eraseSteps run in this order: requests and leads first (their entries
// and memberships follow them), the contact after everything that names
// it (it keeps its name when a kept record needs it), then history and logs.
var eraseSteps = []eraseStep{
	{table: "requests", entity: "request", columns: []string{"contact_id"},
		decide: decideRefers(EraseAnonymised), apply: anonymiseRequest},
	{table: "leads", entity: "lead", columns: []string{"contact_id", "emails", "phones", "addresses"},
		find: func(e *erasure) sqlCond { return e.p.jsonEmails("emails", "value") },
		decide: func(e *erasure, rec model.Record) (string, string) {
			l := rec.(*model.Lead)
			if e.p.refersTo(l) || slices.ContainsFunc(l.Emails, func(x model.Labeled) bool { return e.p.hasEmail(x.Value) }) {
				return EraseErased, ""
			}
			return "", ""
		},
		apply: eraseWith("status", "owner_id", "team_id", "territory_id", "campaign_id", "source", "score", "converted_at",
			"account_id", "opportunity_id")},
	{table: "activities", entity: "activity", columns: []string{"contact_id", "attendees", "links", "organizer_email"},
		find: findActivities, decide: decideActivity, apply: applyActivity},
	{table: "mail_messages", entity: "mail_message", columns: []string{"contact_id", "from_address", "from_name", "reply_to", "to", "cc"},
		find: findMail, decide: decideMail, apply: applyMail},
	{table: "outbound_mails", entity: "outbound_mail", columns: []string{"contact_id", "to", "cc", "bcc"},
		find: func(e *erasure) sqlCond {
			return orConds(inCond("request_id", e.requests), e.p.jsonEmails("to", "email"), e.p.jsonEmails("cc", "email"), e.p.jsonEmails("bcc", "email"))
		},
		decide: func(e *erasure, rec model.Record) (string, string) {
			m := rec.(*model.OutboundMail)
			if e.p.refersTo(m) || slices.Contains(e.requests, deref(m.RequestID)) || slices.ContainsFunc(m.Recipients(), e.p.hasEmail) {
				return EraseErased, ""
			}
			return "", ""
		},
		apply: eraseOutbound},
	{table: "mail_quarantines", entity: "mail_quarantine", columns: []string{"from_address"},
		find: func(e *erasure) sqlCond { return inCond("from_address", e.p.emails) },
		decide: func(e *erasure, rec model.Record) (string, string) {
			if e.p.hasEmail(rec.(*model.MailQuarantine).FromAddress) {
				return EraseErased, ""
			}
			return "", ""
		},
		apply: func(ctx context.Context, s *Store, e *erasure, rec model.Record, _ string) (string, error) {
			e.addBlob(rec.(*model.MailQuarantine).SHA256)
			return s.eraseRecord(ctx, e, rec, nil, "mailbox_id", "folder", "uidvalidity", "uid", "size", "reason", "status", "attempts",
				"last_attempt_at", "mail_message_id")
		}},
	{table: "mail_suppressions", entity: "mail_suppression", columns: []string{"address"},
		find: func(e *erasure) sqlCond { return inCond("address", e.p.emails) },
		decide: func(e *erasure, rec model.Record) (string, string) {
			switch {
			case !e.p.hasEmail(rec.(*model.MailSuppression).Address):
				return "", ""
			case e.keeps(model.KeepSuppressions):
				return EraseKept, "keep-list suppressions: the address stays suppressed so that nothing is mailed to it again"
			}
			return EraseErased, ""
		},
		apply: eraseWith("reason", "since")},
	{table: "campaign_members", entity: "campaign_member", columns: []string{"record_id"},
		find: func(e *erasure) sqlCond {
			if len(e.leads) == 0 {
				return sqlCond{}
			}
			return cond("entity = ? AND record_id IN ?", "lead", e.leads)
		},
		decide: func(e *erasure, rec model.Record) (string, string) {
			m := rec.(*model.CampaignMember)
			if e.p.refersTo(m) || (m.RecordType == "lead" && slices.Contains(e.leads, m.RecordID)) {
				return EraseErased, ""
			}
			return "", ""
		},
		apply: eraseWith("campaign_id", "entity", "status", "list_id")},
	businessStep("opportunities", "opportunity", nil),
	businessStep("quotes", "quote", nil),
	businessStep("orders", "order", func(e *erasure, rec model.Record) string {
		if o := rec.(*model.Order); e.keeps(model.KeepOrders) && (o.Status == model.OrderConfirmed || o.Status == model.OrderFulfilled) {
			return "keep-list orders: a confirmed or fulfilled order is a commercial record"
		}
		return ""
	}),
	businessStep("invoices", "invoice", func(e *erasure, rec model.Record) string {
		if i := rec.(*model.Invoice); e.keeps(model.KeepInvoices) && i.Status != model.InvoiceDraft {
			return "keep-list invoices: an issued invoice or credit note is kept as issued (tax law)"
		}
		return ""
	}),
	businessStep("contracts", "contract", func(e *erasure, rec model.Record) string {
		if c := rec.(*model.Contract); e.keeps(model.KeepContracts) && c.Status != model.ContractDraft {
			return "keep-list contracts: a signed service contract is kept"
		}
		return ""
	}),
	businessStep("registrations", "registration", nil),
	businessStep("rmas", "rma", nil),
	{table: "time_entries", entity: "time_entry", columns: []string{"note"},
		find: func(e *erasure) sqlCond { return inCond("request_id", e.requests) },
		decide: func(e *erasure, rec model.Record) (string, string) {
			if t := rec.(*model.TimeEntry); slices.Contains(e.requests, t.RequestID) && t.Note != "" {
				return EraseAnonymised, ""
			}
			return "", ""
		},
		apply: func(ctx context.Context, s *Store, e *erasure, rec model.Record, _ string) (string, error) {
			before, err := model.ToMap(rec)
			if err != nil {
				return "", err
			}
			rec.(*model.TimeEntry).Note = ""
			return EraseAnonymised, s.writeChanged(ctx, e, rec, before, true)
		}},
	{table: "attachments", entity: "attachment", columns: []string{"record_id", "filename"},
		find: func(e *erasure) sqlCond {
			var parts []sqlCond
			for _, entity := range slices.Sorted(maps.Keys(e.erased)) {
				parts = append(parts, cond("record_type = ? AND record_id IN ?", entity, e.erased[entity]))
			}
			return orConds(parts...)
		},
		decide: func(e *erasure, rec model.Record) (string, string) {
			a := rec.(*model.Attachment)
			if (a.RecordType == "contact" && e.p.isPerson(a.RecordID)) || slices.Contains(e.erased[a.RecordType], a.RecordID) {
				return EraseErased, ""
			}
			return "", ""
		},
		apply: func(ctx context.Context, s *Store, e *erasure, rec model.Record, _ string) (string, error) {
			e.addBlob(rec.(*model.Attachment).SHA256)
			return s.eraseRecord(ctx, e, rec, nil, "record_type", "record_id", "content_type", "size")
		}},
	{table: "contacts", columns: []string{"emails", "phones", "addresses"}, runTable: eraseTheContact},
	{table: "mailing_list_members", columns: []string{"contact_id"}, runTable: eraseListMemberships},
	{table: "registration_transfers", columns: []string{"from_contact_id", "to_contact_id"}, runTable: eraseTransfers},
	{table: "rma_status_changes", runTable: scrubRMAHistory},
	{table: "", runTable: scrubMentions},
	{table: "changes", columns: []string{"record_id"}, runTable: scrubFeed},
	{table: "webhook_deliveries", columns: []string{"record_id"}, runTable: scrubDeliveries},
	{table: "inbound_messages", columns: []string{"record_id"}, runTable: eraseInbound},
	{table: "idempotency_keys", runTable: eraseIdempotency},
	{table: "audit_events", runTable: scrubAudit},
	{table: "kb_articles", runTable: reviewAnswers},
}

// eraseLeftAlone are the columns that may refer to a contact or hold
// someone's details which no step changes, and why. The completeness test
// reads it with the steps' columns.
var eraseLeftAlone = map[string]string{
	"search_keys.record_id":                  "derived: rewritten with every record version, removed with a tombstone",
	"activity_links.record_id":               "derived from the activity, rewritten when the activity changes",
	"accounts.phones":                        "an account is an organisation, not a person",
	"accounts.addresses":                     "an account is an organisation, not a person",
	"users.email":                            "staff users are not contacts (a portal user's account is named for review)",
	"mailboxes.from_address":                 "the installation's own mailboxes",
	"mailboxes.from_name":                    "the installation's own mailboxes",
	"outbound_mails.from":                    "the installation's own sender address",
	"registration_transfers.from_account_id": "an account is an organisation",
	"registration_transfers.to_account_id":   "an account is an organisation",
}

// decideRefers decides action for every candidate that refers to the person.
func decideRefers(action string) func(e *erasure, rec model.Record) (string, string) {
	return func(e *erasure, rec model.Record) (string, string) {
		if e.p.refersTo(rec) {
			return action, ""
		}
		return "", ""
	}
}

// businessStep handles the company's records that name the person as
// their contact (deals, quotes, orders, invoices, contracts, registered
// products, returns): kept when keep says why, else unlinked and scrubbed,
// and erased when they cannot stand without the person (a quote for them
// alone).
func businessStep(table, entity string, keep func(e *erasure, rec model.Record) string) eraseStep {
	return eraseStep{table: table, entity: entity, columns: []string{"contact_id"},
		decide: func(e *erasure, rec model.Record) (string, string) {
			if !e.p.refersTo(rec) {
				return "", ""
			}
			if keep != nil {
				if why := keep(e, rec); why != "" {
					return EraseKept, why
				}
			}
			return EraseUnlinked, ""
		},
		apply: unlinkBusiness}
}

// eraseWith erases a record keeping the fields with the given JSON names.
func eraseWith(keep ...string) func(ctx context.Context, s *Store, e *erasure, rec model.Record, _ string) (string, error) {
	return func(ctx context.Context, s *Store, e *erasure, rec model.Record, _ string) (string, error) {
		return s.eraseRecord(ctx, e, rec, nil, keep...)
	}
}

// run applies the step.
func (st eraseStep) run(ctx context.Context, s *Store, e *erasure) error {
	if st.runTable != nil {
		return st.runTable(ctx, s, e)
	}
	c, err := st.candidates(s, e)
	if err != nil {
		return err
	}
	return s.eachRecord(ctx, st.entity, c, true, func(rec model.Record) error {
		action, reason := st.decide(e, rec)
		id := rec.RecordMeta().ID
		switch action {
		case "":
			return nil
		case EraseKept:
			e.kept[st.entity+":"+id] = reason
			e.note(st.table, EraseKept, id, reason)
			return nil
		}
		did, err := st.apply(ctx, s, e, rec, action)
		if err != nil {
			return fmt.Errorf("store: erasing %s %s: %w", st.entity, id, err)
		}
		if did != "" {
			e.note(st.table, did, id, "")
		}
		return nil
	})
}

// decided records, for an export, what an erasure would do to a record, so
// that later steps find the same records (entries of requests, members of
// leads, attachments of erased records).
func (e *erasure) decided(entity, id, action string) {
	switch {
	case entity == "request":
		e.requests = append(e.requests, id)
		e.erased[entity] = append(e.erased[entity], id)
	case action == EraseErased:
		e.erased[entity] = append(e.erased[entity], id)
		if entity == "lead" {
			e.leads = append(e.leads, id)
		}
	}
}

// candidates is the condition selecting the step's candidates: the merge
// plan's contact references and find.
func (st eraseStep) candidates(s *Store, e *erasure) (sqlCond, error) {
	plan, err := s.planOf(st.entity)
	if err != nil {
		return sqlCond{}, err
	}
	sql, args := e.p.contactCond(plan)
	c := cond(sql, args...)
	if st.find != nil {
		c = orConds(c, st.find(e))
	}
	return c, nil
}

// jsonEmails selects rows whose JSON list column holds one of the person's
// addresses under key.
func (p *person) jsonEmails(column, key string) sqlCond {
	var parts []sqlCond
	for _, addr := range p.emails {
		parts = append(parts, cond("instr(lower("+quoteIdent(column)+"), ?) > 0", `"`+key+`":"`+addr+`"`))
	}
	return orConds(parts...)
}

// eraseRecord erases rec: every field but keep (JSON names) is cleared,
// adjust (if set) runs, and a live record becomes a tombstone with a
// delete in the feed whose changed fields carry no old values; a tombstone
// is rewritten in place. Its older feed rows lose the cleared values later
// (scrubFeed), and its attachments go with the attachments step.
func (s *Store) eraseRecord(ctx context.Context, e *erasure, rec model.Record, adjust func(), keep ...string) (string, error) {
	before, err := model.ToMap(rec)
	if err != nil {
		return "", err
	}
	zeroExcept(rec, keep...)
	if adjust != nil {
		adjust()
	}
	if err := s.writeErased(ctx, e, rec, before); err != nil {
		return "", err
	}
	return EraseErased, nil
}

// writeErased writes rec, whose personal fields are cleared, as erased.
func (s *Store) writeErased(ctx context.Context, e *erasure, rec model.Record, before map[string]any) error {
	m := rec.RecordMeta()
	live := m.DeletedAt == nil
	if live {
		t := now()
		m.DeletedAt = &t
	}
	after, err := model.ToMap(rec)
	if err != nil {
		return err
	}
	e.touched = append(e.touched, touched{entity: rec.Entity(), id: m.ID, cleared: clearedValues(before, after)})
	e.decided(rec.Entity(), m.ID, EraseErased)
	if !live {
		return s.rewriteInPlace(ctx, rec)
	}
	return s.writeVersion(ctx, rec, m.Version, model.OpDelete, maskedDiff(before, after))
}

// writeChanged writes rec after a privacy change: a new version of a live
// record (its feed row without old values), in place for a tombstone.
// With clear, its older feed rows lose the changed values (anonymised);
// without, they are only scrubbed of the person's details (unlinked).
func (s *Store) writeChanged(ctx context.Context, e *erasure, rec model.Record, before map[string]any, clear bool) error {
	after, err := model.ToMap(rec)
	if err != nil {
		return err
	}
	diff := maskedDiff(before, after)
	if len(diff) == 0 {
		return nil
	}
	t := touched{entity: rec.Entity(), id: rec.RecordMeta().ID}
	if clear {
		t.cleared = clearedValues(before, after)
	}
	e.touched = append(e.touched, t)
	if rec.RecordMeta().DeletedAt != nil {
		return s.rewriteInPlace(ctx, rec)
	}
	if rec.Entity() == "kb_article" {
		// Its search text is derived from its text: the rule rewrites it
		// (the record is its own previous state: nothing else changes).
		if err := kbArticleRule(ctx, s, rec, rec); err != nil {
			return err
		}
	}
	return s.writeVersion(ctx, rec, rec.RecordMeta().Version, model.OpUpdate, diff)
}

// clearedValues maps the fields a privacy write changed to their new values.
func clearedValues(before, after map[string]any) map[string]any {
	out := map[string]any{}
	for k := range model.Diff(before, after) {
		if k != "deleted_at" {
			out[k] = after[k]
		}
	}
	return out
}

// clearPersonRefs drops rec's references to the person.
func clearPersonRefs(p *person, rec model.Record) {
	t := reflect.TypeOf(rec).Elem()
	v := reflect.ValueOf(rec).Elem()
	for _, r := range model.MergeRefs(rec) {
		if r.ID == nil || r.Entity != "contact" || !p.isPerson(*r.ID) {
			continue
		}
		if f, ok := fieldByJSON(t, r.Field); ok {
			v.FieldByIndex(f.Index).SetZero()
		} else {
			*r.ID = ""
		}
	}
}

// anonymiseRequest keeps a request of the person for the desk's figures
// (queue, times, SLA, rating, contract use) without them: no contact, no
// subject, description, feedback comment, tags or custom fields. Its
// entries, mail and attachments are erased by the later steps.
func anonymiseRequest(ctx context.Context, s *Store, e *erasure, rec model.Record, _ string) (string, error) {
	r := rec.(*model.Request)
	before, err := model.ToMap(r)
	if err != nil {
		return "", err
	}
	r.ContactID, r.Subject, r.Description, r.FeedbackComment = nil, ErasedText, "", ""
	r.Tags, r.CustomFields = []string{}, map[string]any{}
	if _, err := e.p.scrubRecord(r); err != nil {
		return "", err
	}
	e.decided("request", r.ID, EraseAnonymised)
	return EraseAnonymised, s.writeChanged(ctx, e, r, before, true)
}

// unlinkBusiness drops the person from a company record and scrubs their
// details from its text; a record that no longer validates without them
// (a quote or order for them alone) is erased: a tombstone without its
// notes, custom fields and references.
func unlinkBusiness(ctx context.Context, s *Store, e *erasure, rec model.Record, _ string) (string, error) {
	before, err := model.ToMap(rec)
	if err != nil {
		return "", err
	}
	clearPersonRefs(e.p, rec)
	if _, err := e.p.scrubRecord(rec); err != nil {
		return "", err
	}
	if rec.RecordMeta().DeletedAt == nil && rec.Validate() != nil {
		clearJSON(rec, "notes", "description", "custom_fields", "tags", "external_ref", "reject_reason", "next_step", "outcome_reason")
		return EraseErased, s.writeErased(ctx, e, rec, before)
	}
	return EraseUnlinked, s.writeChanged(ctx, e, rec, before, false)
}

// findActivities selects activities beyond the plan's contact references:
// entries of the person's requests and notes on their leads, invitations
// they organised, meetings they attend by address.
func findActivities(e *erasure) sqlCond {
	var parts []sqlCond
	for _, id := range slices.Concat(e.requests, e.leads) {
		parts = append(parts, cond("instr(links, ?) > 0", `"id":"`+id+`"`))
	}
	parts = append(parts, inCond("organizer_email", e.p.emails), e.p.jsonEmails("attendees", "email"))
	return orConds(parts...)
}

// decideActivity erases what is about the person (their contact's
// activities, entries of their requests, notes on their leads) and
// unlinks the rest that names them (a meeting they attended with others).
func decideActivity(e *erasure, rec model.Record) (string, string) {
	a := rec.(*model.Activity)
	if a.ContactID != nil && e.p.isPerson(*a.ContactID) {
		return EraseErased, ""
	}
	for _, l := range a.Links {
		if (l.Entity == "request" && slices.Contains(e.requests, l.ID)) || (l.Entity == "lead" && slices.Contains(e.leads, l.ID)) {
			return EraseErased, ""
		}
	}
	if e.p.refersTo(a) || e.p.hasEmail(a.OrganizerEmail) || slices.ContainsFunc(a.Attendees, func(at model.Attendee) bool { return e.p.hasEmail(at.Email) }) {
		return EraseUnlinked, ""
	}
	return "", ""
}

// applyActivity erases an activity (its owner, kind, status, calendar,
// DAV name and staff attendees stay, so calendars see it go) or takes the
// person out of it: attendee, link, organizer and their details in its
// text.
func applyActivity(ctx context.Context, s *Store, e *erasure, rec model.Record, action string) (string, error) {
	a := rec.(*model.Activity)
	staff := make([]model.Attendee, 0, len(a.Attendees))
	for _, at := range a.Attendees {
		if at.UserID != "" {
			staff = append(staff, at)
		}
	}
	if action == EraseErased {
		return s.eraseRecord(ctx, e, a, func() { a.Attendees, a.DAV.Extra = staff, "" }, "kind", "status", "owner_id", "calendar_id", "class", "dav")
	}
	before, err := model.ToMap(a)
	if err != nil {
		return "", err
	}
	kept := make([]model.Attendee, 0, len(a.Attendees)) // new arrays: the old version keeps its own
	for _, at := range a.Attendees {
		if !e.p.isPerson(at.ContactID) && !e.p.hasEmail(at.Email) {
			kept = append(kept, at)
		}
	}
	links := make([]model.Link, 0, len(a.Links))
	for _, l := range a.Links {
		if l.Entity != "contact" || !e.p.isPerson(l.ID) {
			links = append(links, l)
		}
	}
	a.Attendees, a.Links = kept, links
	if e.p.hasEmail(a.OrganizerEmail) {
		a.OrganizerEmail, a.OrganizerName = "", ""
	}
	if _, err := e.p.scrubRecord(a); err != nil {
		return "", err
	}
	return EraseUnlinked, s.writeChanged(ctx, e, a, before, false)
}

// findMail selects ingested mail from the person's addresses, on their
// requests, or copied to them.
func findMail(e *erasure) sqlCond {
	return orConds(inCond("from_address", e.p.emails), inCond("reply_to", e.p.emails), inCond("request_id", e.requests),
		e.p.jsonEmails("to", "email"), e.p.jsonEmails("cc", "email"))
}

// decideMail erases the person's mail (from them, linked to them, on their
// requests) and takes them off the recipients of others' mail.
func decideMail(e *erasure, rec model.Record) (string, string) {
	m := rec.(*model.MailMessage)
	switch {
	case e.p.refersTo(m) || e.p.hasEmail(m.FromAddress) || e.p.hasEmail(m.ReplyTo) || slices.Contains(e.requests, deref(m.RequestID)):
		return EraseErased, ""
	case slices.ContainsFunc(slices.Concat(m.To, m.Cc), func(a model.MailAddress) bool { return e.p.hasEmail(a.Email) }):
		return EraseUnlinked, ""
	}
	return "", ""
}

// applyMail erases an ingested message — its addresses, subject,
// Message-ID, decision trace, bodies and raw bytes; where it was read stays,
// so it is not ingested again — or takes the person off its recipients and
// scrubs their details from its subject and bodies.
func applyMail(ctx context.Context, s *Store, e *erasure, rec model.Record, action string) (string, error) {
	m := rec.(*model.MailMessage)
	if action == EraseErased {
		e.addBlob(m.SHA256)
		for _, part := range m.Attachments {
			e.addBlob(part.SHA256)
		}
		if err := s.conn(ctx).Where("mail_message_id = ?", m.ID).Delete(&model.MailBody{}).Error; err != nil {
			return "", dbErr(err)
		}
		if err := s.conn(ctx).Where("mail_message_id = ?", m.ID).Delete(&mailPart{}).Error; err != nil {
			return "", dbErr(err)
		}
		return s.eraseRecord(ctx, e, m, nil, "mailbox_id", "folder", "uidvalidity", "uid", "size", "kind", "outcome", "received_at")
	}
	before, err := model.ToMap(m)
	if err != nil {
		return "", err
	}
	others := func(list []model.MailAddress) []model.MailAddress {
		return slices.DeleteFunc(slices.Clone(list), func(a model.MailAddress) bool { return e.p.hasEmail(a.Email) })
	}
	m.To, m.Cc = others(m.To), others(m.Cc)
	if _, err := e.p.scrubRecord(m); err != nil {
		return "", err
	}
	var body model.MailBody
	err = s.conn(ctx).Where("mail_message_id = ?", m.ID).Limit(1).Find(&body).Error
	if err != nil {
		return "", dbErr(err)
	}
	if body.MailMessageID != "" && (e.p.mentions(body.Text) || e.p.mentions(body.HTML)) {
		err = s.conn(ctx).Model(&body).Where("mail_message_id = ?", m.ID).
			Updates(map[string]any{"text": e.p.scrubText(body.Text), "html": e.p.scrubText(body.HTML)}).Error
		if err != nil {
			return "", dbErr(err)
		}
	}
	return EraseUnlinked, s.writeChanged(ctx, e, m, before, false)
}

// eraseOutbound erases an outbox mail to the person: addresses, subject,
// bodies, calendar and threading go; one still waiting is failed, so it
// is never sent.
func eraseOutbound(ctx context.Context, s *Store, e *erasure, rec model.Record, _ string) (string, error) {
	m := rec.(*model.OutboundMail)
	return s.eraseRecord(ctx, e, m, func() {
		if m.Status == model.OutboundQueued || m.Status == model.OutboundSending {
			m.Status, m.LastError = model.OutboundFailed, "erased for data protection before it was sent"
		}
	}, "mailbox_id", "status", "attempts", "auto_submitted", "template_id", "sent_at", "bounced_at")
}
