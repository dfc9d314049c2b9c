package store_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// The person's details the erasure must leave nowhere.
const (
	janeMail    = "jane@acme.example"
	janePrivate = "jane.doe@private.example"
	janePhone   = "+49 30 1111111"
	switchboard = "+49 30 9999999" // shared with a colleague: stays
)

// privacyFixture is a person, Jane Doe, with a duplicate merged into her
// and a record of every kind that refers to her, mentions her or carries
// her details, beside unrelated records that must come through untouched.
type privacyFixture struct {
	blobs                           *memBlobs
	acme                            *model.Account
	jane, dup, bob, colleague       *model.Contact
	request                         string
	mail                            *model.MailMessage
	reply, note, meeting            *model.Activity
	opp                             *model.Opportunity
	quote                           *model.Quote
	issued, draft                   *model.Invoice
	lead                            *model.Lead
	photo, file                     *model.Attachment
	list                            *model.MailingList
	endpoint                        *model.WebhookEndpoint
	photoSHA, fileSHA, rawSHA, qSHA string
}

func newPrivacyFixture(t *testing.T, s *store.Store) *privacyFixture {
	t.Helper()
	ctx := salesAdmin
	f := &privacyFixture{blobs: newMemBlobs(), acme: &model.Account{Name: "Acme"}}
	f.endpoint = &model.WebhookEndpoint{URL: "https://hooks.example.com/rapport", Active: true}
	if err := s.CreateWebhookEndpoint(ctx, f.endpoint, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"); err != nil {
		t.Fatal(err)
	}
	mustCreateRecord(t, s, f.acme)
	f.jane = &model.Contact{FirstName: "Jane", LastName: "Doe", AccountID: &f.acme.ID, Notes: "Met at the fair", Tags: []string{"vip"},
		Emails: []model.Labeled{{Value: janeMail}}, Phones: []model.Labeled{{Value: janePhone}, {Type: "switchboard", Value: switchboard}},
		Addresses: []model.Address{{Street: "1 Main Street", City: "Berlin", PostalCode: "10115", Country: "DE"}},
		DAV:       model.DAVLink{UID: "jane-uid", Name: "jane.vcf", Extra: "X-SOCIALPROFILE:https://social.example/jane\r\n"}}
	f.colleague = &model.Contact{FirstName: "Carl", LastName: "Desk", AccountID: &f.acme.ID, Phones: []model.Labeled{{Value: switchboard}}}
	f.bob = &model.Contact{FirstName: "Bob", LastName: "Roe", AccountID: &f.acme.ID, Emails: []model.Labeled{{Value: "bob@acme.example"}},
		Notes: "Ask Jane (" + janeMail + ") before ordering."}
	f.dup = &model.Contact{FirstName: "J.", LastName: "Doe", Emails: []model.Labeled{{Value: janePrivate}}}
	for _, c := range []*model.Contact{f.jane, f.colleague, f.bob, f.dup} {
		mustCreateRecord(t, s, c)
	}
	if _, _, err := s.MergeContacts(ctx, f.jane.ID, f.dup.ID, store.MergeOptions{}); err != nil {
		t.Fatal(err)
	}
	f.photoSHA = f.blobs.add("jpeg of jane")
	f.photo = &model.Attachment{RecordType: "contact", RecordID: f.jane.ID, Filename: "jane.jpg", ContentType: "image/jpeg", Size: 12, SHA256: f.photoSHA}
	mustCreateRecord(t, s, f.photo)
	if _, err := store.Update(ctx, s, f.jane.ID, 0, func(c *model.Contact) error { c.PhotoID = &f.photo.ID; return nil }); err != nil {
		t.Fatal(err)
	}

	// Her mail made a request, with its entry; an agent answered and logged time.
	mf := newMailFixture(t, s)
	in := mf.mail(janeMail, "Printer jam", "My printer jams. Jane Doe, "+janePhone)
	f.rawSHA = f.blobs.add("From: Jane Doe <" + janeMail + ">\r\nSubject: Printer jam\r\n\r\nMy printer jams.\r\n")
	in.SHA256 = f.rawSHA
	f.mail = mf.ingest(in)
	if f.mail.RequestID == nil || f.mail.ContactID == nil || *f.mail.ContactID != f.jane.ID {
		t.Fatalf("the mail made no request of Jane's: %+v", f.mail)
	}
	f.request = *f.mail.RequestID
	f.reply = &model.Activity{Kind: model.KindNote, Subject: "Answered", Description: "Told Jane Doe to clean the rollers",
		Links: []model.Link{{Entity: "request", ID: f.request}}}
	mustCreateRecord(t, s, f.reply)
	f.fileSHA = f.blobs.add("printer log of jane")
	f.file = &model.Attachment{RecordType: "request", RecordID: f.request, Filename: "log.txt", ContentType: "text/plain", Size: 19, SHA256: f.fileSHA}
	mustCreateRecord(t, s, f.file)
	agent := newUser(t, s, "agent@rapport.example", model.RoleAgent)
	mustCreateRecord(t, s, &model.TimeEntry{RequestID: f.request, UserID: agent.ID, Minutes: 30, Day: day(0), Currency: "EUR", Note: "Phoned Jane"})
	f.qSHA = f.blobs.add("unreadable mail from jane")
	mustCreateRecord(t, s, &model.MailQuarantine{MailboxID: mf.mb.ID, Folder: "INBOX", UIDValidity: 7, UID: 99, SHA256: f.qSHA, Size: 25,
		FromAddress: janeMail, Subject: "Photos", Reason: model.QuarantineMalformed, Error: "bad MIME from " + janeMail, Status: model.QuarantineOpen})
	mustCreateRecord(t, s, &model.OutboundMail{To: []model.MailAddress{{Name: "Jane Doe", Email: janeMail}}, From: model.MailAddress{Email: "support@rapport.example"},
		Subject: "Re: Printer jam", Text: "Dear Jane, clean the rollers.", Status: model.OutboundQueued, RequestID: &f.request, ContactID: &f.jane.ID,
		MessageID: "r1@rapport.example"})
	mustCreateRecord(t, s, &model.MailSuppression{Address: janeMail, Reason: model.SuppressUnsubscribe, Since: time.Now().UTC(), Detail: "list-unsubscribe"})

	// The timeline and the company's records.
	f.note = &model.Activity{Kind: model.KindNote, Subject: "Call", Description: "Jane wants a demo", ContactID: &f.jane.ID}
	f.meeting = &model.Activity{Kind: model.KindAppointment, Subject: "Visit with Jane Doe and Bob", StartAt: ptr(time.Now().UTC().Add(48 * time.Hour).Truncate(time.Second)),
		Attendees: []model.Attendee{{ContactID: f.jane.ID}, {ContactID: f.bob.ID}}, AccountID: &f.acme.ID}
	mustCreateRecord(t, s, f.note)
	mustCreateRecord(t, s, f.meeting)
	p := newPipeline(t, s, "Deals")
	f.opp = &model.Opportunity{Name: "Printers for Acme", AccountID: &f.acme.ID, ContactID: &f.jane.ID, PipelineID: p.ID, Currency: "EUR",
		Description: "Jane Doe decides; call " + janePhone}
	mustCreateRecord(t, s, f.opp)
	lines := []model.LineInput{{Description: ptr("Printer"), Quantity: ptr(model.Dec("1")), UnitPrice: ptr(model.Dec("300")), TaxRate: ptr(model.Dec("19"))}}
	f.quote = &model.Quote{ContactID: &f.jane.ID, Notes: "For Jane's home office", Pricing: model.Pricing{Currency: "EUR"}}
	if _, err := s.CreateQuote(ctx, f.quote, lines); err != nil {
		t.Fatal(err)
	}
	f.issued = &model.Invoice{AccountID: f.acme.ID, ContactID: &f.jane.ID, Pricing: model.Pricing{Currency: "EUR"}}
	f.draft = &model.Invoice{AccountID: f.acme.ID, ContactID: &f.jane.ID, Notes: "Attn. Jane Doe", Pricing: model.Pricing{Currency: "EUR"}}
	for _, inv := range []*model.Invoice{f.issued, f.draft} {
		if _, err := s.CreateInvoice(ctx, inv, lines); err != nil {
			t.Fatal(err)
		}
	}
	issued, err := s.IssueInvoice(ctx, f.issued.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.issued = issued

	// Marketing: a lead from her web form, a campaign, a list.
	f.lead = &model.Lead{FirstName: "Jane", LastName: "Doe", Company: "Acme", Emails: []model.Labeled{{Value: janeMail}}}
	mustCreateRecord(t, s, f.lead)
	camp := &model.Campaign{Name: "Spring", Currency: "EUR"}
	mustCreateRecord(t, s, camp)
	err = s.AddCampaignMembers(ctx, camp.ID, []*model.CampaignMember{{RecordType: "contact", RecordID: f.jane.ID}, {RecordType: "lead", RecordID: f.lead.ID}})
	if err != nil {
		t.Fatal(err)
	}
	f.list = &model.MailingList{Name: "Newsletter"}
	mustCreateRecord(t, s, f.list)
	if _, err := s.AddListMembers(ctx, f.list.ID, []string{f.jane.ID, f.bob.ID}); err != nil {
		t.Fatal(err)
	}

	// Logs: webhook deliveries of all of it, an inbound webhook, a stored
	// answer for Idempotency-Key replays, audit events.
	if _, err := s.FillWebhookDeliveries(ctx, f.endpoint, 10000); err != nil {
		t.Fatal(err)
	}
	hook := &model.InboundHook{Name: "Shop", IntakeRules: model.IntakeRules{Target: model.TargetContact, Mapping: map[string]string{"email": "customer.email"}, Active: true}}
	if err := s.CreateInboundHook(ctx, hook, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"); err != nil {
		t.Fatal(err)
	}
	noJob := func(context.Context, string) error { return nil }
	if _, _, err := s.ReceiveInboundWebhook(ctx, hook, "msg-1", []byte(`{"customer":{"email":"`+janeMail+`"}}`), noJob); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(f.jane)
	if err := s.SaveIdempotent(ctx, &store.IdempotentResponse{UserID: agent.ID, Key: "k1", Method: "POST", Path: "/api/v1/contacts", Status: 201, Body: body}); err != nil {
		t.Fatal(err)
	}
	if err := s.Audit(ctx, "contact_viewed", f.jane.ID, "Jane Doe <"+janeMail+">", "", map[string]any{"phone": janePhone}); err != nil {
		t.Fatal(err)
	}
	// Text that does not refer to her but quotes her address: an answer
	// and someone else's mail.
	mustCreateRecord(t, s, &model.KBArticle{Question: "How do I reach the buyer?", Answer: "Write to " + janeMail + ".",
		Status: model.KBPublished, Visibility: model.KBInternal})
	mf.ingest(mf.mail("bob@acme.example", "Order", "Please copy "+janeMail+" on the invoice."))
	jane, err := store.Get[model.Contact](ctx, s, f.jane.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.jane = jane
	return f
}

// item returns the report's item for table and action.
func item(rep *store.EraseReport, table, action string) store.EraseItem {
	var out store.EraseItem
	for _, it := range rep.Items {
		if it.Table == table && it.Action == action {
			out.Table, out.Action = table, action
			out.Count += it.Count
			out.IDs = append(out.IDs, it.IDs...)
			out.Reason += it.Reason
		}
	}
	return out
}

func TestEraseContact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newPrivacyFixture(t, s)
		ctx := salesAdmin

		// A dry run reports and changes nothing.
		seq := feedSeq(t, s)
		dry, err := s.EraseContact(ctx, f.jane.ID, store.EraseOptions{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if !dry.DryRun || dry.Changed < 20 || feedSeq(t, s) != seq {
			t.Fatalf("dry run: %+v, feed %d → %d", dry, seq, feedSeq(t, s))
		}
		if _, err := store.Get[model.Contact](ctx, s, f.jane.ID); err != nil {
			t.Fatalf("a dry run erased: %v", err)
		}

		rep, err := s.EraseContact(ctx, f.jane.ID, store.EraseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.DryRun || !slices.Equal(rep.Keep, model.DefaultPrivacyKeep) || rep.Changed != dry.Changed || rep.Kept != dry.Kept {
			t.Errorf("report %+v, dry run said %+v", rep, dry)
		}
		want := []struct {
			table, action string
			n             int
		}{
			{"contacts", store.EraseErased, 2}, {"contacts", store.EraseKept, 1}, {"contacts", store.EraseScrubbed, 1},
			{"requests", store.EraseAnonymised, 1}, {"activities", store.EraseErased, 3}, {"activities", store.EraseUnlinked, 1},
			{"opportunities", store.EraseUnlinked, 1}, {"quotes", store.EraseErased, 1}, {"invoices", store.EraseKept, 1},
			{"invoices", store.EraseUnlinked, 1}, {"leads", store.EraseErased, 1}, {"campaign_members", store.EraseErased, 2},
			{"mailing_list_members", store.EraseDeleted, 1}, {"mail_messages", store.EraseErased, 1}, {"outbound_mails", store.EraseErased, 1},
			{"mail_quarantines", store.EraseErased, 1}, {"mail_suppressions", store.EraseErased, 1}, {"attachments", store.EraseErased, 2},
			{"time_entries", store.EraseAnonymised, 1}, {"inbound_messages", store.EraseDeleted, 1}, {"idempotency_keys", store.EraseDeleted, 1},
			// Bob's mail quoting her made a request with an entry; the answer quotes her too.
			{"kb_articles", store.EraseScrubbed, 1}, {"requests", store.EraseScrubbed, 1}, {"activities", store.EraseScrubbed, 1},
			{"mail_bodies", store.EraseScrubbed, 1},
		}
		for _, w := range want {
			if got := item(rep, w.table, w.action); got.Count != w.n {
				t.Errorf("%s %s: %d, want %d", w.table, w.action, got.Count, w.n)
			}
		}
		for _, table := range []string{"changes", "webhook_deliveries", "audit_events"} {
			if item(rep, table, store.EraseScrubbed).Count == 0 {
				t.Errorf("nothing scrubbed in %s", table)
			}
		}
		if !strings.Contains(item(rep, "invoices", store.EraseKept).Reason, "tax law") {
			t.Errorf("kept invoice reason %q", item(rep, "invoices", store.EraseKept).Reason)
		}
		for _, sha := range []string{f.photoSHA, f.fileSHA, f.rawSHA, f.qSHA} {
			if !slices.Contains(rep.BlobHashes, sha) {
				t.Errorf("blob %s not released", sha)
			}
			if used, err := s.BlobReferenced(ctx, sha); err != nil || used {
				t.Errorf("blob %s still referenced: %v", sha, err)
			}
		}
		if !slices.ContainsFunc(rep.Review, func(r store.EraseReview) bool { return strings.Contains(r.Why, switchboard) }) {
			t.Errorf("the shared switchboard number is not named for review: %+v", rep.Review)
		}

		// Nothing anywhere still holds her addresses or her own number.
		for _, needle := range []string{janeMail, janePrivate, janePhone, "+493011111"} {
			if where := findText(t, s, needle); len(where) > 0 {
				t.Errorf("%q is still in %v", needle, where)
			}
		}
		// Her name is left only where the kept invoice needs it: her
		// tombstone and its history.
		for _, w := range findText(t, s, "Jane Doe") {
			if !strings.HasPrefix(w, "contacts.") && w != "changes.snapshot" && w != "changes.fields" {
				t.Errorf("her name is still in %s", w)
			}
		}

		// The tombstone: names and postal address for the issued invoice,
		// nothing else; the DAV name stays, the unmapped vCard goes.
		var c model.Contact
		if err := s.DB().QueryRow(rebind(s, "SELECT display_name, emails, phones, notes, tags, dav_uid, dav_name, dav_extra, deleted_at IS NOT NULL FROM contacts WHERE id = ?"), f.jane.ID).
			Scan(&c.DisplayName, jsonCol(&c.Emails), jsonCol(&c.Phones), &c.Notes, jsonCol(&c.Tags), &c.DAV.UID, &c.DAV.Name, &c.DAV.Extra, new(bool)); err != nil {
			t.Fatal(err)
		}
		if c.DisplayName != "Jane Doe" || len(c.Emails)+len(c.Phones)+len(c.Tags) != 0 || c.Notes != "" || c.DAV.UID != "jane-uid" ||
			c.DAV.Name != "jane.vcf" || c.DAV.Extra != "" {
			t.Errorf("tombstone %+v", c)
		}
		last := lastChange(t, s, "contact", f.jane.ID)
		if last.Op != model.OpDelete || last.Event != model.EventContactErased {
			t.Errorf("the contact's last change %+v", last)
		}
		for k, fc := range last.Fields {
			if fc.Old != nil {
				t.Errorf("the erasure's feed row keeps the old %s", k)
			}
		}

		// Records of others stay, without her.
		m, err := store.Get[model.Activity](ctx, s, f.meeting.ID)
		if err != nil || len(m.Attendees) != 1 || m.Attendees[0].ContactID != f.bob.ID || strings.Contains(m.Subject, "Jane Doe") {
			t.Errorf("meeting %+v %v", m, err)
		}
		o, err := store.Get[model.Opportunity](ctx, s, f.opp.ID)
		if err != nil || o.ContactID != nil || o.Description != store.ErasedText+" decides; call "+store.ErasedText {
			t.Errorf("deal %+v %v", o, err)
		}
		if inv, err := store.Get[model.Invoice](ctx, s, f.issued.ID); err != nil || inv.Version != f.issued.Version || deref(inv.ContactID) != f.jane.ID {
			t.Errorf("the issued invoice changed: %+v %v", inv, err)
		}
		if _, err := store.Get[model.Quote](ctx, s, f.quote.ID); model.ErrorCode(err) != model.ENOTFOUND {
			t.Errorf("her own quote stays: %v", err)
		}
		req, err := store.Get[model.Request](ctx, s, f.request)
		if err != nil || req.ContactID != nil || req.Subject != store.ErasedText || req.Description != "" || req.AccountID == nil {
			t.Errorf("request %+v %v", req, err)
		}
		if bob, err := store.Get[model.Contact](ctx, s, f.bob.ID); err != nil || bob.Notes != "Ask Jane ("+store.ErasedText+") before ordering." {
			t.Errorf("bob %+v %v", bob, err)
		}
		if carl, err := store.Get[model.Contact](ctx, s, f.colleague.ID); err != nil || carl.Phones[0].Value != switchboard {
			t.Errorf("the colleague lost the switchboard: %+v %v", carl, err)
		}
		if got := listMemberIDs(t, s, f.list.ID); !slices.Equal(got, []string{f.bob.ID}) {
			t.Errorf("list members %v", got)
		}
		// Her contact's deliveries keep only ids.
		deliveries, err := s.WebhookDeliveries(ctx, f.endpoint.ID, "", time.Time{}, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range deliveries {
			if d.RecordID == f.jane.ID && strings.Contains(string(d.Payload), "first_name") {
				t.Errorf("delivery %s still carries the contact: %s", d.ID, d.Payload)
			}
		}

		// Again, or through the merged duplicate, or by someone else.
		if _, err := s.EraseContact(ctx, f.jane.ID, store.EraseOptions{}); model.ErrorCode(err) != model.EGONE {
			t.Errorf("erasing twice: %v", err)
		}
		if _, err := s.EraseContact(ctx, f.dup.ID, store.EraseOptions{}); model.ErrorCode(err) != model.EGONE || !strings.Contains(err.Error(), "merged into") {
			t.Errorf("erasing the duplicate: %v", err)
		}
		agent := model.WithActor(context.Background(), model.Actor{UserID: f.reply.ID, Role: model.RoleAgent})
		if _, err := s.EraseContact(agent, f.bob.ID, store.EraseOptions{}); model.ErrorCode(err) != model.EFORBIDDEN {
			t.Errorf("an agent erased: %v", err)
		}
		if _, err := s.EraseContact(ctx, model.NewID(), store.EraseOptions{}); model.ErrorCode(err) != model.ENOTFOUND {
			t.Errorf("erasing nobody: %v", err)
		}
	})
}

func TestEraseKeepList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newPrivacyFixture(t, s)
		rep, err := s.EraseContact(salesAdmin, f.jane.ID, store.EraseOptions{Keep: []string{model.KeepSuppressions}})
		if err != nil {
			t.Fatal(err)
		}
		// Nothing keeps the invoice: it loses her, and her tombstone its name.
		if item(rep, "invoices", store.EraseKept).Count != 0 || item(rep, "invoices", store.EraseUnlinked).Count != 2 ||
			item(rep, "contacts", store.EraseKept).Count != 0 || item(rep, "mail_suppressions", store.EraseKept).Count != 1 {
			t.Errorf("report %+v", rep.Items)
		}
		if where := findText(t, s, "Jane Doe"); len(where) > 0 {
			t.Errorf("her name is still in %v", where)
		}
		// Her address stays on the suppression list, and so does that
		// record's history, but nowhere else.
		if where := findText(t, s, janeMail); !slices.Equal(where, []string{"changes.fields", "changes.snapshot", "mail_suppressions.address"}) {
			t.Errorf("her address is in %v, want only the suppression list", where)
		}
		var others int
		if err := s.DB().QueryRow(rebind(s, "SELECT COUNT(*) FROM changes WHERE entity <> 'mail_suppression' AND (instr(snapshot, ?) > 0 OR instr(fields, ?) > 0)"),
			janeMail, janeMail).Scan(&others); err != nil || others != 0 {
			t.Errorf("%d feed rows of other records name her: %v", others, err)
		}
	})
}

func TestPrivacyExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newPrivacyFixture(t, s)
		var buf bytes.Buffer
		sum, err := s.PrivacyExport(salesAdmin, f.jane.ID, &buf, f.blobs, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		files := map[string][]byte{}
		for _, zf := range zr.File {
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			files[zf.Name], _ = io.ReadAll(rc)
			rc.Close()
		}
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(files["person.json"], &doc); err != nil {
			t.Fatalf("person.json: %v\n%s", err, files["person.json"])
		}
		count := func(section string) int {
			var list []json.RawMessage
			if err := json.Unmarshal(doc[section], &list); err != nil {
				t.Fatalf("%s: %v", section, err)
			}
			return len(list)
		}
		// Mentions: Bob's notes, the answer, Bob's request and its entry.
		for section, n := range map[string]int{"merged_duplicates": 1, "requests": 1, "activities": 4, "opportunities": 1, "quotes": 1,
			"invoices": 2, "leads": 1, "campaign_members": 2, "mailing_list_memberships": 1, "mail_messages": 1, "outbound_mails": 1,
			"mail_quarantines": 1, "mail_suppressions": 1, "attachments": 2, "time_entries": 1, "inbound_messages": 1, "mentions": 4} {
			if got := count(section); got != n {
				t.Errorf("%s: %d, want %d", section, got, n)
			}
		}
		if count("contact_history") < 3 || count("webhook_deliveries") < 10 || count("audit_events") < 2 {
			t.Errorf("history %d, deliveries %d, audit %d", count("contact_history"), count("webhook_deliveries"), count("audit_events"))
		}
		if !bytes.Contains(doc["contact"], []byte(janeMail)) || !bytes.Contains(doc["invoices"], []byte(`"lines"`)) ||
			!bytes.Contains(doc["mail_messages"], []byte("My printer jams")) {
			t.Error("person.json lacks the contact, invoice lines or mail bodies")
		}
		for name, content := range map[string]string{
			"files/attachments/" + f.photo.ID + "/jane.jpg": "jpeg of jane", "files/attachments/" + f.file.ID + "/log.txt": "printer log of jane",
			"files/mail/" + f.mail.ID + ".eml": "From: Jane Doe <" + janeMail + ">"} {
			if !strings.HasPrefix(string(files[name]), content) {
				t.Errorf("%s: %q", name, files[name])
			}
		}
		if sum.Files != 4 || sum.Records < 30 || len(sum.Missing) != 0 {
			t.Errorf("summary %+v", sum)
		}
		ev, err := s.AuditEvents(salesAdmin, "", 10)
		if err != nil || !slices.ContainsFunc(ev, func(a model.AuditEvent) bool {
			return a.Action == store.AuditContactExported && a.TargetID == f.jane.ID && a.IP == "192.0.2.1"
		}) {
			t.Errorf("no audit event for the export: %v", err)
		}
		agent := model.WithActor(context.Background(), model.Actor{UserID: f.reply.ID, Role: model.RoleAgent})
		if _, err := s.PrivacyExport(agent, f.jane.ID, io.Discard, f.blobs, ""); model.ErrorCode(err) != model.EFORBIDDEN {
			t.Errorf("an agent exported: %v", err)
		}
	})
}

// findText lists the "table.column"s where some row holds needle, across
// the whole schema (blob contents aside).
func findText(t *testing.T, s *store.Store, needle string) []string {
	t.Helper()
	var out []string
	for _, tc := range schemaColumns(t, s) {
		table, column := tc[0], tc[1]
		if table == "blobs" || table == "sqlite_sequence" || strings.HasPrefix(table, "kb_fts") || strings.HasPrefix(table, "river_") {
			continue
		}
		q := `SELECT COUNT(*) FROM "` + table + `" WHERE instr(CAST("` + column + `" AS TEXT), ?) > 0`
		if s.Engine() == "postgres" {
			q = `SELECT COUNT(*) FROM "` + table + `" WHERE strpos(CAST("` + column + `" AS TEXT), $1) > 0`
		}
		var n int
		if err := s.DB().QueryRow(q, needle).Scan(&n); err != nil {
			t.Fatalf("%s.%s: %v", table, column, err)
		}
		if n > 0 {
			out = append(out, table+"."+column)
		}
	}
	slices.Sort(out)
	return out
}

// jsonCol scans a JSON text column into v.
func jsonCol(v any) any { return &jsonScanner{v} }

type jsonScanner struct{ v any }

func (j *jsonScanner) Scan(src any) error {
	var b []byte
	switch x := src.(type) {
	case string:
		b = []byte(x)
	case []byte:
		b = x
	case nil:
		return nil
	}
	return json.Unmarshal(b, j.v)
}
