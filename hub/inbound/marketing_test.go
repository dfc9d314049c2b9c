package inbound_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

func leadByEmail(t *testing.T, rg *rig, email string) *model.Lead {
	t.Helper()
	var id string
	if err := rg.row("SELECT record_id FROM search_keys WHERE entity = 'lead' AND kind = ? AND value = ?",
		model.KeyEmail, email).Scan(&id); err != nil {
		t.Fatalf("no lead with %s: %v", email, err)
	}
	l, err := store.Get[model.Lead](rg.admin, rg.s, id)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestWebFormCreatesLead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		rg := newRig(t, s, false)
		camp := &model.Campaign{Name: "Trade show", Type: "trade_show", Currency: "EUR"}
		if err := store.Create(rg.admin, s, camp); err != nil {
			t.Fatal(err)
		}
		f := rg.newForm(func(f *model.WebForm) {
			f.Target = model.TargetLead
			f.Mapping["industry"] = "industry"
			f.Defaults = map[string]string{"source": "web", "campaign_id": camp.ID}
		})
		body := "first=Ada&last=Lovelace&email=ada%40example.com&org=Engines&industry=Computing&interest=demo&message=Call+me"
		if rec := rg.post("/in/forms/"+f.Key, "application/x-www-form-urlencoded", body, "192.0.2.1"); rec.Code != http.StatusSeeOther {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		l := leadByEmail(t, rg, "ada@example.com")
		if l.DisplayName != "Ada Lovelace" || l.Company != "Engines" || l.Industry != "Computing" || l.Source != "web" ||
			l.CampaignID == nil || *l.CampaignID != camp.ID || l.Status != model.LeadNew || l.OwnerID == nil || *l.OwnerID != rg.owner {
			t.Fatalf("lead %+v", l)
		}
		if rg.count("contacts", "") != 0 || rg.count("activity_links", "entity = 'lead' AND record_id = ?", l.ID) != 1 {
			t.Fatal("want a lead with its note and no contact")
		}

		// The same address again: a note on the lead, which stays as it was.
		body = "first=Mallory&last=Lovelace&email=ADA%40example.com&org=Evil&message=Changed"
		if rec := rg.post("/in/forms/"+f.Key, "application/x-www-form-urlencoded", body, "192.0.2.2"); rec.Code != http.StatusSeeOther {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		if again := leadByEmail(t, rg, "ada@example.com"); again.ID != l.ID || again.Version != l.Version || again.Company != "Engines" {
			t.Fatalf("lead changed by a public form: %+v", again)
		}
		if rg.count("leads", "") != 1 || rg.count("activity_links", "entity = 'lead' AND record_id = ?", l.ID) != 2 {
			t.Fatal("want one lead with two notes")
		}

		// A campaign that does not exist: refused, nothing written.
		bad := rg.newForm(func(f *model.WebForm) {
			f.Target = model.TargetLead
			f.Defaults = map[string]string{"campaign_id": model.NewID()}
		})
		before := rg.snapshot()
		leads := rg.count("leads", "")
		if rec := rg.post("/in/forms/"+bad.Key, "application/x-www-form-urlencoded", "email=eve%40example.com", "192.0.2.3"); rec.Code < 400 || rec.Code >= 500 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		rg.unchanged(before, "a form naming an unknown campaign")
		if rg.count("leads", "") != leads {
			t.Fatal("a lead was written")
		}

		// Lead-only fields are refused on a contact form.
		c := &model.WebForm{Name: "X", IntakeRules: model.IntakeRules{Target: model.TargetContact, Mapping: map[string]string{"campaign_id": "c"}}}
		c.Normalize()
		if err := c.Validate(); model.ErrorCode(err) != model.EINVALID {
			t.Fatal(err)
		}
	})
}

func TestInboundHookUpdatesLead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		rg := newRig(t, s, true)
		h := rg.newHook(func(h *model.InboundHook) { h.Target = model.TargetLead })
		if status, _ := rg.send(h, "msg_1", customer("42", "Grace", "grace@example.com"), time.Now(), senderSecret); status != http.StatusAccepted {
			t.Fatal(status)
		}
		rg.eventually("the lead", func() bool { return rg.count("inbound_messages", "status = ?", model.InboundProcessed) == 1 })
		l := leadByEmail(t, rg, "grace@example.com")
		if l.DisplayName != "Grace Hopper" || l.CustomFields["shop_id"] != "42" || strings.Join(l.Tags, ",") != "vip,newsletter" {
			t.Fatalf("%+v", l)
		}
		if status, _ := rg.send(h, "msg_2", customer("42", "Amazing Grace", "GRACE@example.com"), time.Now(), senderSecret); status != http.StatusAccepted {
			t.Fatal(status)
		}
		rg.eventually("the update", func() bool { return rg.count("inbound_messages", "status = ?", model.InboundProcessed) == 2 })
		if n := rg.count("leads", ""); n != 1 {
			t.Fatalf("%d leads, want the one updated", n)
		}
		if l := leadByEmail(t, rg, "grace@example.com"); l.FirstName != "Amazing Grace" || l.DisplayName != "Amazing Grace Hopper" || len(l.Emails) != 1 {
			t.Fatalf("updated %+v", l)
		}

		// A converted lead is history: the next enquiry makes a new lead.
		if _, err := s.ConvertLead(rg.admin, l.ID, store.LeadConversion{}); err != nil {
			t.Fatal(err)
		}
		if status, _ := rg.send(h, "msg_3", customer("42", "Grace", "grace@example.com"), time.Now(), senderSecret); status != http.StatusAccepted {
			t.Fatal(status)
		}
		rg.eventually("the new lead", func() bool { return rg.count("inbound_messages", "status = ?", model.InboundProcessed) == 3 })
		if n := rg.count("leads", ""); n != 2 {
			t.Fatalf("%d leads after conversion", n)
		}
	})
}
