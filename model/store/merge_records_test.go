package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// mergeFixture is two duplicate contacts of two accounts, and records of
// many kinds that refer to the loser.
type mergeFixture struct {
	agent             context.Context
	survivor, loser   *model.Contact
	acme, globex      *model.Account
	refs              map[string]model.Record // what → a record that refers to the loser
	campaign, cmBoth  *model.Campaign
	listOne, listBoth *model.MailingList
	unit              *model.Registration
}

func newMergeFixture(t *testing.T, s *store.Store) *mergeFixture {
	t.Helper()
	ctx := salesAdmin
	u := newUser(t, s, "merger@example.com", model.RoleAgent)
	f := &mergeFixture{agent: model.WithActor(context.Background(), model.Actor{UserID: u.ID, Name: u.Name, Role: model.RoleAgent,
		Scopes: []string{model.ScopeRead, model.ScopeWrite}}), refs: map[string]model.Record{},
		acme: &model.Account{Name: "Acme"}, globex: &model.Account{Name: "Globex"}}
	mustCreateRecord(t, s, f.acme)
	mustCreateRecord(t, s, f.globex)
	f.survivor = &model.Contact{FirstName: "Anna", LastName: "Berg", Title: "Buyer", CustomFields: map[string]any{"tier": "gold"},
		Emails: []model.Labeled{{Value: "anna@acme.example"}}, Phones: []model.Labeled{{Value: "+49 30 1234567"}}}
	f.loser = &model.Contact{FirstName: "Anna", LastName: "Berg", Title: "CFO", AccountID: &f.globex.ID, Notes: "Prefers phone.",
		CustomFields: map[string]any{"tier": "silver", "source": "fair"},
		Emails:       []model.Labeled{{Value: "ANNA@acme.example"}, {Value: "a.berg@mail.example"}},
		Phones:       []model.Labeled{{Value: "+49 (30) 123-45-67"}, {Value: "+49 171 7654321"}},
		DAV:          model.DAVLink{UID: "loser-uid", Name: "loser.vcf"}}
	mustCreateRecord(t, s, f.survivor)
	mustCreateRecord(t, s, f.loser)
	L := &f.loser.ID
	addRef(t, s, f, "activity", &model.Activity{Kind: model.KindNote, Subject: "Call notes", ContactID: L})
	addRef(t, s, f, "attendee", &model.Activity{Kind: model.KindAppointment, Subject: "Visit", StartAt: ptr(time.Now().UTC().Truncate(time.Second)),
		Attendees: []model.Attendee{{ContactID: *L}}})
	addRef(t, s, f, "link", &model.Activity{Kind: model.KindNote, Subject: "Linked", Links: []model.Link{{Entity: "contact", ID: *L}}})
	addRef(t, s, f, "attachment", &model.Attachment{RecordType: "contact", RecordID: *L, Filename: "cv.pdf", ContentType: "application/pdf", SHA256: strings.Repeat("a", 64)})
	p := newPipeline(t, s, "Deals")
	addRef(t, s, f, "opportunity", &model.Opportunity{Name: "Deal", PipelineID: p.ID, Currency: "EUR", ContactID: L})
	addRef(t, s, f, "request", &model.Request{Subject: "Broken", ContactID: L})
	addRef(t, s, f, "lead", &model.Lead{FirstName: "Anna", Company: "Globex", ContactID: L})
	addRef(t, s, f, "mail", &model.MailMessage{MailboxID: model.NewID(), SHA256: strings.Repeat("b", 64), Kind: model.MailKindMail,
		Outcome: model.MailOutcomeIgnored, ContactID: L})
	printer := &model.Product{SKU: "PR-1", Name: "Printer", Active: true}
	mustCreateRecord(t, s, printer)
	f.unit = &model.Registration{ProductID: printer.ID, Serial: "PR-1", AccountID: &f.globex.ID, ContactID: L}
	addRef(t, s, f, "registration", f.unit)
	addRef(t, s, f, "contract", &model.Contract{Name: "Support", AccountID: f.globex.ID, ContactID: L, StartDate: day(0), ProductIDs: []string{printer.ID}})
	// Campaigns and lists: once only the loser, once both.
	f.campaign, f.cmBoth = &model.Campaign{Name: "Spring", Currency: "EUR"}, &model.Campaign{Name: "Both", Currency: "EUR"}
	f.listOne, f.listBoth = &model.MailingList{Name: "One"}, &model.MailingList{Name: "Both"}
	mustCreateRecord(t, s, f.campaign)
	mustCreateRecord(t, s, f.cmBoth)
	mustCreateRecord(t, s, f.listOne)
	mustCreateRecord(t, s, f.listBoth)
	for _, m := range []struct {
		c  *model.Campaign
		id string
	}{{f.campaign, *L}, {f.cmBoth, *L}, {f.cmBoth, f.survivor.ID}} {
		if err := s.AddCampaignMembers(ctx, m.c.ID, []*model.CampaignMember{{RecordType: "contact", RecordID: m.id}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range []struct {
		list *model.MailingList
		ids  []string
	}{{f.listOne, []string{*L}}, {f.listBoth, []string{*L, f.survivor.ID}}} {
		if _, err := s.AddListMembers(ctx, l.list.ID, l.ids); err != nil {
			t.Fatal(err)
		}
	}
	// Unsubscribed after joining: lists and campaigns refuse such contacts.
	loser, err := store.Update(ctx, s, *L, 0, func(c *model.Contact) error { c.Unsubscribed = true; return nil })
	if err != nil {
		t.Fatal(err)
	}
	f.loser = loser
	return f
}

// addRef stores rec, which refers to the fixture's loser, as what.
func addRef[T any, P store.RecordPtr[T]](t *testing.T, s *store.Store, f *mergeFixture, what string, rec P) {
	t.Helper()
	mustCreateRecord(t, s, rec)
	f.refs[what] = rec
}

func TestMergeContacts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newMergeFixture(t, s)
		versions := map[string]int64{}
		for what, rec := range f.refs {
			versions[what] = lastChange(t, s, rec.Entity(), rec.RecordMeta().ID).Version
		}
		before := feedSeq(t, s)
		sur, moved, err := s.MergeContacts(f.agent, f.survivor.ID, f.loser.ID, store.MergeOptions{Fields: map[string]string{"title": model.MergeLoser}})
		if err != nil {
			t.Fatal(err)
		}
		// The survivor: explicit choice, filled fields, joined lists.
		if sur.Title != "CFO" || sur.AccountID == nil || *sur.AccountID != f.globex.ID || sur.Notes != "Prefers phone." || !sur.Unsubscribed ||
			len(sur.Emails) != 2 || len(sur.Phones) != 2 || sur.CustomFields["tier"] != "gold" || sur.CustomFields["source"] != "fair" {
			t.Errorf("survivor %+v", sur)
		}
		// Every reference moved, each as a new version with its feed row.
		for what, rec := range f.refs {
			c := lastChange(t, s, rec.Entity(), rec.RecordMeta().ID)
			if c.Version != versions[what]+1 || c.Seq <= before || strings.Contains(string(c.Snapshot), f.loser.ID) ||
				!strings.Contains(string(c.Snapshot), f.survivor.ID) {
				t.Errorf("%s: last change %+v", what, c)
			}
		}
		if moved["activity"] != 3 || moved["campaign_member"] != 2 || moved["mailing_list"] != 2 {
			t.Errorf("moved %v", moved)
		}
		page, err := store.List[model.Activity](salesAdmin, s, store.ListParams{Equals: map[string]string{"linked": "contact:" + f.survivor.ID}})
		if err != nil || len(page.Items) != 2 {
			t.Errorf("timeline of the survivor: %d %v", len(page.Items), err)
		}
		// Campaigns and lists hold the survivor once.
		for _, c := range []*model.Campaign{f.campaign, f.cmBoth} {
			members, err := s.CampaignMembers(salesAdmin, c.ID, store.ListParams{})
			if err != nil || len(members.Items) != 1 || members.Items[0].RecordID != f.survivor.ID {
				t.Errorf("campaign %s members %v %v", c.Name, members.Items, err)
			}
		}
		for _, l := range []*model.MailingList{f.listOne, f.listBoth} {
			if got := listMemberIDs(t, s, l.ID); !slices.Equal(got, []string{f.survivor.ID}) {
				t.Errorf("list %s members %v", l.Name, got)
			}
			if c := lastChange(t, s, "mailing_list", l.ID); c.Fields["members_removed"].Old == nil {
				t.Errorf("list %s change %+v", l.Name, c.Fields)
			}
		}
		// The loser: a tombstone naming the survivor, with the merge event.
		c := lastChange(t, s, "contact", f.loser.ID)
		if c.Op != model.OpDelete || c.Event != model.EventContactMerged || c.Fields["merged_into_id"].New != f.survivor.ID {
			t.Errorf("loser's change %+v", c)
		}
		if _, err := store.Get[model.Contact](salesAdmin, s, f.loser.ID); model.ErrorCode(err) != model.ENOTFOUND {
			t.Errorf("loser still live: %v", err)
		}
		if id, err := s.MergedInto(salesAdmin, "contact", f.loser.ID); err != nil || id != f.survivor.ID {
			t.Errorf("merged into %q %v", id, err)
		}
		if p, _ := store.List[model.Contact](salesAdmin, s, store.ListParams{Q: "a.berg@mail.example"}); len(p.Items) != 1 || p.Items[0].ID != f.survivor.ID {
			t.Errorf("search by the loser's e-mail finds %v", p.Items)
		}
		// A retried merge is a no-op that answers the survivor.
		seq := feedSeq(t, s)
		again, _, err := s.MergeContacts(f.agent, f.survivor.ID, f.loser.ID, store.MergeOptions{})
		if err != nil || again.ID != f.survivor.ID || feedSeq(t, s) != seq {
			t.Errorf("retry: %v", err)
		}
	})
}

func lastChange(t *testing.T, s *store.Store, entity, id string) model.Change {
	t.Helper()
	hist, err := s.History(salesAdmin, entity, id)
	if err != nil || len(hist) == 0 {
		t.Fatalf("history of %s %s: %v", entity, id, err)
	}
	return hist[len(hist)-1]
}

// listMemberIDs reads a static list's member rows (the store's listing
// leaves unsubscribed contacts out, and the survivor inherited that).
func listMemberIDs(t *testing.T, s *store.Store, listID string) []string {
	t.Helper()
	rows, err := s.DB().Query("SELECT contact_id FROM mailing_list_members WHERE list_id = $1", listID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

func TestMergeRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a, b, c, gone := storetest.Contact(1), storetest.Contact(2), storetest.Contact(3), storetest.Contact(4)
		for _, r := range []*model.Contact{a, b, c, gone} {
			mustCreateRecord(t, s, r)
		}
		if err := store.Delete[model.Contact](salesAdmin, s, gone.ID, 0); err != nil {
			t.Fatal(err)
		}
		reader := model.WithActor(context.Background(), model.Actor{UserID: model.NewID(), Role: model.RoleAgent, Scopes: []string{model.ScopeRead}})
		for _, tc := range []struct {
			name, survivor, loser, code string
			ctx                         context.Context
			opts                        store.MergeOptions
		}{
			{"itself", a.ID, a.ID, model.EINVALID, salesAdmin, store.MergeOptions{}},
			{"into a deleted contact", gone.ID, a.ID, model.ENOTFOUND, salesAdmin, store.MergeOptions{}},
			{"a deleted contact", a.ID, gone.ID, model.ENOTFOUND, salesAdmin, store.MergeOptions{}},
			{"unknown id", a.ID, model.NewID(), model.ENOTFOUND, salesAdmin, store.MergeOptions{}},
			{"read-only token", a.ID, b.ID, model.EFORBIDDEN, reader, store.MergeOptions{}},
			{"bad choice", a.ID, b.ID, model.EINVALID, salesAdmin, store.MergeOptions{Fields: map[string]string{"emails": "mine"}}},
			{"unknown field", a.ID, b.ID, model.EINVALID, salesAdmin, store.MergeOptions{Fields: map[string]string{"shoe_size": "loser"}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				unchanged(t, s, "contacts", tc.code, func() error {
					_, _, err := s.MergeContacts(tc.ctx, tc.survivor, tc.loser, tc.opts)
					return err
				})
			})
		}
		// Chains: a into b, then b into c; a resolves to c, and b is no
		// longer a survivor to merge into.
		if _, _, err := s.MergeContacts(salesAdmin, b.ID, a.ID, store.MergeOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.MergeContacts(salesAdmin, c.ID, b.ID, store.MergeOptions{}); err != nil {
			t.Fatal(err)
		}
		if id, err := s.MergedInto(salesAdmin, "contact", a.ID); err != nil || id != c.ID {
			t.Errorf("a resolves to %q (%v), want c", id, err)
		}
		if _, err := s.MergedInto(salesAdmin, "contact", gone.ID); model.ErrorCode(err) != model.ENOTFOUND {
			t.Errorf("a plain tombstone resolves: %v", err)
		}
		_, _, err := s.MergeContacts(salesAdmin, b.ID, gone.ID, store.MergeOptions{})
		if model.ErrorCode(err) != model.ECONFLICT || !strings.Contains(err.Error(), c.ID) {
			t.Errorf("merge into a merged contact: %v", err)
		}
		seq := feedSeq(t, s)
		if _, _, err = s.MergeContacts(salesAdmin, c.ID, a.ID, store.MergeOptions{}); err != nil || feedSeq(t, s) != seq {
			t.Errorf("merging again what a chain merged already: %v", err)
		}
		if _, _, err = s.MergeContacts(salesAdmin, a.ID, c.ID, store.MergeOptions{}); model.ErrorCode(err) != model.ECONFLICT {
			t.Errorf("merging into a contact merged via a chain: %v", err)
		}
		if got := storeContact(t, s, c.ID); len(got.Emails) != 3 {
			t.Errorf("chain survivor's e-mails %v", got.Emails)
		}
	})
}

func storeContact(t *testing.T, s *store.Store, id string) *model.Contact {
	t.Helper()
	c, err := store.Get[model.Contact](salesAdmin, s, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMergeAccounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		holding := &model.Account{Name: "Holding"}
		mustCreateRecord(t, s, holding)
		loser := &model.Account{Name: "Nordwind", ParentID: &holding.ID, Website: "https://nordwind.example",
			Phones: []model.Labeled{{Value: "+49 30 1111111"}}}
		mustCreateRecord(t, s, loser)
		survivor := &model.Account{Name: "Nordwind GmbH", ParentID: &loser.ID, Phones: []model.Labeled{{Value: "+49 (30) 111-11-11"}}}
		mustCreateRecord(t, s, survivor)
		child := &model.Account{Name: "Nordwind Süd", ParentID: &loser.ID}
		mustCreateRecord(t, s, child)
		staff := &model.Contact{FirstName: "Ole", AccountID: &loser.ID}
		mustCreateRecord(t, s, staff)
		printer := &model.Product{SKU: "PR-9", Name: "Printer", Active: true}
		mustCreateRecord(t, s, printer)
		unit := &model.Registration{ProductID: printer.ID, Serial: "X1", AccountID: &holding.ID}
		mustCreateRecord(t, s, unit)
		if _, err := s.TransferRegistration(salesAdmin, unit.ID, 0, store.Transfer{AccountID: &loser.ID}); err != nil {
			t.Fatal(err)
		}
		sur, moved, err := s.MergeAccounts(salesAdmin, survivor.ID, loser.ID, store.MergeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// The survivor was the loser's child: it takes the loser's parent.
		if sur.ParentID == nil || *sur.ParentID != holding.ID || sur.Website == "" || len(sur.Phones) != 1 || sur.Name != "Nordwind GmbH" {
			t.Errorf("survivor %+v", sur)
		}
		if moved["account"] != 1 || moved["contact"] != 1 || moved["registration"] != 1 {
			t.Errorf("moved %v", moved)
		}
		var got model.Account
		if err := s.DB().QueryRow("SELECT parent_id FROM accounts WHERE id = $1", child.ID).Scan(&got.ParentID); err != nil || *got.ParentID != survivor.ID {
			t.Errorf("child's parent %v %v", got.ParentID, err)
		}
		if c := storeContact(t, s, staff.ID); *c.AccountID != survivor.ID {
			t.Errorf("contact's account %v", *c.AccountID)
		}
		hist, err := s.RegistrationTransfers(salesAdmin, unit.ID)
		if err != nil || len(hist) != 1 || *hist[0].ToAccountID != survivor.ID {
			t.Errorf("transfer history %+v %v", hist, err)
		}
		if c := lastChange(t, s, "account", loser.ID); c.Event != model.EventAccountMerged {
			t.Errorf("loser's change %+v", c)
		}
	})
}
