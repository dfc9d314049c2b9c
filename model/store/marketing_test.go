package store_test

import (
	"context"
	"testing"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// newContact stores a contact with an e-mail address.
func newContact(t *testing.T, s *store.Store, first, last, email string) *model.Contact {
	t.Helper()
	c := &model.Contact{FirstName: first, LastName: last, Emails: []model.Labeled{{Value: email}}}
	if err := store.Create(salesAdmin, s, c); err != nil {
		t.Fatal(err)
	}
	return c
}

// unchanged runs fn, which must fail with code, and checks that the table
// and the change feed did not move.
func unchanged(t *testing.T, s *store.Store, table, code string, fn func() error) {
	t.Helper()
	rows, seq := tableRows(t, s, table), feedSeq(t, s)
	err := fn()
	if model.ErrorCode(err) != code {
		t.Fatalf("error %v, want %s", err, code)
	}
	if tableRows(t, s, table) != rows || feedSeq(t, s) != seq {
		t.Fatalf("%s or the feed changed after a refused write", table)
	}
}

func tableRows(t *testing.T, s *store.Store, table string) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func feedSeq(t *testing.T, s *store.Store) int64 {
	t.Helper()
	seq, err := s.LastSeq(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

func memberNames(t *testing.T, s *store.Store, listID string) []string {
	t.Helper()
	page, err := s.MailingListMembers(salesAdmin, listID, store.ListParams{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range page.Items {
		out = append(out, c.LastName)
	}
	return out
}

func TestMailingLists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ada := newContact(t, s, "Ada", "Lovelace", "ada@example.com")
		bob := newContact(t, s, "Bob", "Baker", "bob@example.com")
		cy := newContact(t, s, "Cy", "Young", "cy@example.net")

		static := &model.MailingList{Name: "Newsletter"}
		if err := store.Create(salesAdmin, s, static); err != nil || static.Kind != model.ListStatic {
			t.Fatalf("%+v %v", static, err)
		}
		added, err := s.AddListMembers(salesAdmin, static.ID, []string{cy.ID, ada.ID, ada.ID})
		if err != nil || len(added) != 2 {
			t.Fatalf("%v %v", added, err)
		}
		// Adding again is a no-op: a list is a set.
		seq := feedSeq(t, s)
		if added, err := s.AddListMembers(salesAdmin, static.ID, []string{ada.ID}); err != nil || len(added) != 0 || feedSeq(t, s) != seq {
			t.Fatalf("again: %v %v", added, err)
		}
		if got := memberNames(t, s, static.ID); len(got) != 2 || got[0] != "Lovelace" || got[1] != "Young" {
			t.Fatalf("static members %v", got)
		}

		dynamic := &model.MailingList{Name: "Example.com people", Kind: model.ListDynamic,
			Filter: &model.Filter{All: []model.Condition{{Field: "display_name", Op: "contains", Value: "a"}}}}
		if err := store.Create(salesAdmin, s, dynamic); err != nil {
			t.Fatal(err)
		}
		if got := memberNames(t, s, dynamic.ID); len(got) != 2 || got[0] != "Baker" || got[1] != "Lovelace" {
			t.Fatalf("dynamic members %v", got)
		}

		// Unsubscribed contacts leave both kinds of list at once.
		c, err := s.SetUnsubscribed(salesAdmin, ada.ID, true)
		if err != nil || !c.Unsubscribed || c.UnsubscribedAt == nil {
			t.Fatalf("%+v %v", c, err)
		}
		if got := memberNames(t, s, static.ID); len(got) != 1 || got[0] != "Young" {
			t.Fatalf("static after unsubscribe %v", got)
		}
		if got := memberNames(t, s, dynamic.ID); len(got) != 1 || got[0] != "Baker" {
			t.Fatalf("dynamic after unsubscribe %v", got)
		}
		hist, err := s.History(salesAdmin, "contact", ada.ID)
		if err != nil || len(hist) != 2 || hist[1].Fields["unsubscribed"].New != true {
			t.Fatalf("history %+v %v", hist, err)
		}

		// Bad input: nothing written.
		unchanged(t, s, "mailing_list_members", model.EINVALID, func() error {
			_, err := s.AddListMembers(salesAdmin, static.ID, []string{bob.ID, ada.ID}) // ada unsubscribed
			return err
		})
		unchanged(t, s, "mailing_list_members", model.EINVALID, func() error {
			_, err := s.AddListMembers(salesAdmin, static.ID, []string{bob.ID, model.NewID()})
			return err
		})
		unchanged(t, s, "mailing_list_members", model.ECONFLICT, func() error {
			_, err := s.AddListMembers(salesAdmin, dynamic.ID, []string{bob.ID})
			return err
		})
		for _, f := range []model.Filter{
			{All: []model.Condition{{Field: "nope", Op: "eq", Value: "x"}}},
			{All: []model.Condition{{Field: "display_name; DROP TABLE contacts", Op: "eq", Value: "x"}}},
			{Any: []model.Condition{{Field: "display_name", Op: "eq) OR (1=1", Value: "x"}}},
			{All: []model.Condition{{Field: "unsubscribed", Op: "eq", Value: "maybe"}}},
			{All: []model.Condition{{Field: "emails", Op: "contains", Value: "x"}}},
		} {
			unchanged(t, s, "mailing_lists", model.EINVALID, func() error {
				return store.Create(salesAdmin, s, &model.MailingList{Name: "Bad", Kind: model.ListDynamic, Filter: &f})
			})
		}
		unchanged(t, s, "mailing_lists", model.EINVALID, func() error {
			_, err := store.Update(salesAdmin, s, dynamic.ID, 0, func(l *model.MailingList) error { l.Kind = model.ListStatic; l.Filter = nil; return nil })
			return err
		})

		// Paging with a keyset cursor.
		for i := range 5 {
			c := storetest.Contact(i)
			if err := store.Create(salesAdmin, s, c); err != nil {
				t.Fatal(err)
			}
		}
		all := &model.MailingList{Name: "Everyone", Kind: model.ListDynamic}
		if err := store.Create(salesAdmin, s, all); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		p := store.ListParams{Limit: 2}
		for {
			page, err := s.MailingListMembers(salesAdmin, all.ID, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page.Items {
				if seen[c.ID] {
					t.Fatalf("%s twice", c.ID)
				}
				seen[c.ID] = true
			}
			if p.Cursor = page.NextCursor; p.Cursor == "" {
				break
			}
		}
		if len(seen) != 7 { // 3 + 5 - ada
			t.Fatalf("paged %d members", len(seen))
		}
	})
}

func TestCampaignMembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		camp := &model.Campaign{Name: "Spring mailing", Type: "email", Currency: "EUR"}
		if err := store.Create(salesAdmin, s, camp); err != nil {
			t.Fatal(err)
		}
		ada := newContact(t, s, "Ada", "Lovelace", "ada@example.com")
		bob := newContact(t, s, "Bob", "Baker", "bob@example.com")
		cy := newContact(t, s, "Cy", "Young", "cy@example.com")
		lead := &model.Lead{FirstName: "Lee", Company: "Leads Ltd"}
		if err := store.Create(salesAdmin, s, lead); err != nil {
			t.Fatal(err)
		}
		ms := []*model.CampaignMember{{RecordType: "contact", RecordID: ada.ID}, {RecordType: "Lead", RecordID: lead.ID, Status: "sent"}}
		if err := s.AddCampaignMembers(salesAdmin, camp.ID, ms); err != nil {
			t.Fatal(err)
		}
		if ms[0].Status != model.MemberPlanned || ms[1].RecordType != "lead" || ms[0].CampaignID != camp.ID {
			t.Fatalf("%+v %+v", ms[0], ms[1])
		}

		// Twice, unknown, unsubscribed, a duplicate in one call: a conflict or
		// invalid, and nothing written.
		if _, err := s.SetUnsubscribed(salesAdmin, cy.ID, true); err != nil {
			t.Fatal(err)
		}
		for code, batch := range map[string][]*model.CampaignMember{
			model.ECONFLICT: {{RecordType: "contact", RecordID: bob.ID}, {RecordType: "contact", RecordID: ada.ID}},
			model.EINVALID:  {{RecordType: "contact", RecordID: bob.ID}, {RecordType: "contact", RecordID: cy.ID}},
		} {
			unchanged(t, s, "campaign_members", code, func() error { return s.AddCampaignMembers(salesAdmin, camp.ID, batch) })
		}
		for _, batch := range [][]*model.CampaignMember{
			{{RecordType: "lead", RecordID: model.NewID()}},
			{{RecordType: "account", RecordID: bob.ID}},
			{{RecordType: "contact", RecordID: bob.ID, Status: "delighted"}},
		} {
			unchanged(t, s, "campaign_members", model.EINVALID, func() error { return s.AddCampaignMembers(salesAdmin, camp.ID, batch) })
		}
		unchanged(t, s, "campaign_members", model.ECONFLICT, func() error {
			return s.AddCampaignMembers(salesAdmin, camp.ID, []*model.CampaignMember{{RecordType: "contact", RecordID: bob.ID}, {RecordType: "contact", RecordID: bob.ID}})
		})

		// Responses: stamped when they come; an unsubscribe reaches the contact.
		m, err := s.UpdateCampaignMember(salesAdmin, camp.ID, ms[1].ID, 0, func(m *model.CampaignMember) error {
			m.Status, m.Response, m.RecordID = model.MemberResponded, "Call me in May", bob.ID
			return nil
		})
		if err != nil || m.RespondedAt == nil || m.RecordID != lead.ID {
			t.Fatalf("%+v %v", m, err)
		}
		if _, err := s.UpdateCampaignMember(salesAdmin, camp.ID, ms[0].ID, 0, func(m *model.CampaignMember) error {
			m.Status = model.MemberUnsubscribed
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if c, err := store.Get[model.Contact](salesAdmin, s, ada.ID); err != nil || !c.Unsubscribed {
			t.Fatalf("%+v %v", c, err)
		}

		// From a list: subscribed contacts that are not members yet.
		list := &model.MailingList{Name: "All", Kind: model.ListDynamic}
		if err := store.Create(salesAdmin, s, list); err != nil {
			t.Fatal(err)
		}
		res, err := s.AddCampaignMembersFromList(salesAdmin, camp.ID, list.ID)
		if err != nil || res.Added != 1 || res.AlreadyMember != 0 { // bob; ada and cy unsubscribed
			t.Fatalf("%+v %v", res, err)
		}
		res, err = s.AddCampaignMembersFromList(salesAdmin, camp.ID, list.ID)
		if err != nil || res.Added != 0 || res.AlreadyMember != 1 {
			t.Fatalf("again %+v %v", res, err)
		}
		sum, err := s.CampaignMemberSummary(salesAdmin, camp.ID)
		if err != nil || sum["total"] != 3 || sum["planned"] != 1 || sum["responded"] != 1 || sum["unsubscribed"] != 1 || sum["bounced"] != 0 {
			t.Fatalf("%v %v", sum, err)
		}

		// Another campaign's member is not found under this one.
		other := &model.Campaign{Name: "Other", Currency: "EUR"}
		if err := store.Create(salesAdmin, s, other); err != nil {
			t.Fatal(err)
		}
		if err := s.RemoveCampaignMember(salesAdmin, other.ID, ms[0].ID, 0); model.ErrorCode(err) != model.ENOTFOUND {
			t.Fatal(err)
		}
		if err := s.RemoveCampaignMember(salesAdmin, camp.ID, ms[0].ID, 0); err != nil {
			t.Fatal(err)
		}
		page, err := s.CampaignMembers(salesAdmin, camp.ID, store.ListParams{Equals: map[string]string{"status": "responded"}})
		if err != nil || len(page.Items) != 1 || page.Items[0].Response != "Call me in May" {
			t.Fatalf("%+v %v", page, err)
		}
	})
}
