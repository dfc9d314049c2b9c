package store_test

import (
	"context"
	"testing"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

var salesAdmin = model.WithActor(context.Background(), model.System)

// newPipeline stores a pipeline with three stages.
func newPipeline(t *testing.T, s *store.Store, name string) *model.Pipeline {
	t.Helper()
	p := &model.Pipeline{Name: name, Active: true, Stages: []model.Stage{
		{Name: "Qualify", Probability: 10},
		{Name: "Proposal", Probability: 50, ForecastCategory: model.ForecastBestCase, Checklist: []string{"Send the quote"}},
		{Key: "negotiation", Name: "Переговоры", Probability: 80, ForecastCategory: model.ForecastCommit},
	}}
	if err := store.Create(salesAdmin, s, p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOpportunityFollowsItsPipeline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		p := newPipeline(t, s, "New business")
		if p.Stages[0].Key != "qualify" || p.Stages[2].Key != "negotiation" || p.Stages[0].ForecastCategory != model.ForecastPipeline {
			t.Fatalf("stages %+v", p.Stages)
		}
		// No pipeline, no stage: the default pipeline's first stage.
		o := &model.Opportunity{Name: "Big deal", Amount: model.Dec("10000.50"), Currency: "eur"}
		if err := store.Create(salesAdmin, s, o); err != nil {
			t.Fatal(err)
		}
		if o.PipelineID != p.ID || o.Stage != "qualify" || o.Probability != 10 || o.ForecastCategory != model.ForecastPipeline ||
			o.Outcome != model.OutcomeOpen || o.Currency != "EUR" || o.WeightedAmount.String() != "1000.05" || o.StageChangedAt.IsZero() {
			t.Fatalf("%+v", o)
		}
		// A stage move takes the stage's probability and category.
		o, err := store.Update(salesAdmin, s, o.ID, 0, func(o *model.Opportunity) error { o.Stage = "proposal"; return nil })
		if err != nil || o.Probability != 50 || o.ForecastCategory != model.ForecastBestCase || o.WeightedAmount.String() != "5000.25" {
			t.Fatalf("%+v %v", o, err)
		}
		// An override sticks through stage moves.
		fifteen := 15
		o, err = store.Update(salesAdmin, s, o.ID, 0, func(o *model.Opportunity) error {
			o.Stage, o.ProbabilityOverride = "negotiation", &fifteen
			return nil
		})
		if err != nil || o.Probability != 15 || o.ForecastCategory != model.ForecastCommit {
			t.Fatalf("%+v %v", o, err)
		}
		// Won: certain and closed, with a close time.
		o, err = store.Update(salesAdmin, s, o.ID, 0, func(o *model.Opportunity) error { o.Outcome = model.OutcomeWon; return nil })
		if err != nil || o.Probability != 100 || o.ForecastCategory != model.ForecastClosed || o.ClosedAt == nil || !o.WeightedAmount.Equal(o.Amount.Decimal) {
			t.Fatalf("%+v %v", o, err)
		}
		// Reopened: back to the stage's figures.
		o, err = store.Update(salesAdmin, s, o.ID, 0, func(o *model.Opportunity) error {
			o.Outcome, o.ProbabilityOverride = model.OutcomeOpen, nil
			return nil
		})
		if err != nil || o.Probability != 80 || o.ForecastCategory != model.ForecastCommit || o.ClosedAt != nil {
			t.Fatalf("reopened %+v %v", o, err)
		}
		hist, err := s.StageHistory(salesAdmin, o.ID)
		if err != nil || len(hist) != 3 || hist[0].FromStage != "" || hist[0].ToStage != "qualify" || hist[2].FromStage != "proposal" || hist[2].ToStage != "negotiation" {
			t.Fatalf("history %+v %v", hist, err)
		}
	})
}

func TestOpportunityBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		p := newPipeline(t, s, "New business")
		other := newPipeline(t, s, "Renewals")
		other, err := store.Update(salesAdmin, s, other.ID, 0, func(p *model.Pipeline) error {
			p.Stages = append(p.Stages, model.Stage{Key: "renewal-call", Name: "Renewal call"})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		feed, _ := s.LastSeq(salesAdmin)
		hundredOne := 101
		for name, o := range map[string]*model.Opportunity{
			"stage of another pipeline": {Name: "x", PipelineID: p.ID, Stage: "renewal-call", Currency: "EUR"},
			"probability over 100":      {Name: "x", PipelineID: p.ID, Currency: "EUR", ProbabilityOverride: &hundredOne},
			"negative amount":           {Name: "x", PipelineID: p.ID, Currency: "EUR", Amount: model.Dec("-1")},
			"five decimals":             {Name: "x", PipelineID: p.ID, Currency: "EUR", Amount: model.Dec("1.00001")},
			"bad currency":              {Name: "x", PipelineID: p.ID, Currency: "euro"},
			"lost without a reason":     {Name: "x", PipelineID: p.ID, Currency: "EUR", Outcome: model.OutcomeLost},
			"unknown pipeline":          {Name: "x", PipelineID: "01a21ae3-0000-7000-8000-000000000000", Currency: "EUR"},
			"unknown competitor":        {Name: "x", PipelineID: p.ID, Currency: "EUR", CompetitorIDs: []string{"01a21ae3-0000-7000-8000-000000000000"}},
		} {
			if err := store.Create(salesAdmin, s, o); model.ErrorCode(err) != model.EINVALID {
				t.Errorf("%s: %v", name, err)
			}
		}
		if seq, _ := s.LastSeq(salesAdmin); seq != feed {
			t.Errorf("refused deals wrote the feed: %d → %d", feed, seq)
		}
		var n int64
		s.DB().QueryRow("SELECT count(*) FROM opportunity_stage_changes").Scan(&n)
		if n != 0 {
			t.Errorf("%d stage rows from refused deals", n)
		}
		// A stage with deals cannot be dropped from its pipeline.
		o := &model.Opportunity{Name: "Renewal", PipelineID: other.ID, Stage: "renewal-call", Currency: "EUR"}
		if err := store.Create(salesAdmin, s, o); err != nil {
			t.Fatal(err)
		}
		_, err = store.Update(salesAdmin, s, other.ID, 0, func(p *model.Pipeline) error { p.Stages = p.Stages[:3]; return nil })
		if model.ErrorCode(err) != model.ECONFLICT {
			t.Errorf("dropped a used stage: %v", err)
		}
		_, err = store.Update(salesAdmin, s, other.ID, 0, func(p *model.Pipeline) error { p.Stages[1].Name = "Offer"; return nil })
		if err != nil {
			t.Errorf("renaming a stage: %v", err)
		}
	})
}

func TestConvertLead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		newPipeline(t, s, "New business")
		camp := &model.Campaign{Name: "Expo 2026", Type: "trade_show", Currency: "EUR", Budget: model.Dec("5000")}
		if err := store.Create(salesAdmin, s, camp); err != nil {
			t.Fatal(err)
		}
		l := &model.Lead{FirstName: "Ada", LastName: "Lovelace", Company: "Analytical Engines", CampaignID: &camp.ID, Source: "Trade show",
			Emails: []model.Labeled{{Value: "Ada@Example.com"}}, Qualification: []model.QualificationAnswer{
				{Question: "Budget?", Answer: "yes", Score: 30}, {Question: "Authority?", Answer: "CTO", Score: 20}}}
		if err := store.Create(salesAdmin, s, l); err != nil {
			t.Fatal(err)
		}
		if l.Score != 50 || l.Status != model.LeadNew || l.DisplayName != "Ada Lovelace" {
			t.Fatalf("%+v", l)
		}
		note := &model.Activity{Kind: model.KindNote, Subject: "Met at the booth", Links: []model.Link{{Entity: "lead", ID: l.ID}}}
		if err := store.Create(salesAdmin, s, note); err != nil {
			t.Fatal(err)
		}
		// The status cannot be set to converted by an edit.
		if got, err := store.Update(salesAdmin, s, l.ID, 0, func(l *model.Lead) error { l.Status = model.LeadConverted; return nil }); err != nil || got.Status != model.LeadNew {
			t.Fatalf("%+v %v", got, err)
		}
		conv, err := s.ConvertLead(salesAdmin, l.ID, store.LeadConversion{
			Opportunity: &model.Opportunity{Amount: model.Dec("1200"), Currency: "EUR"}})
		if err != nil {
			t.Fatal(err)
		}
		if conv.Status != model.LeadConverted || conv.ConvertedAt == nil || conv.AccountID == nil || conv.ContactID == nil || conv.OpportunityID == nil {
			t.Fatalf("%+v", conv)
		}
		o, err := store.Get[model.Opportunity](salesAdmin, s, *conv.OpportunityID)
		if err != nil || o.Name != "Analytical Engines" || *o.CampaignID != camp.ID || o.Source != "trade show" || *o.LeadID != l.ID ||
			*o.AccountID != *conv.AccountID || *o.ContactID != *conv.ContactID {
			t.Fatalf("%+v %v", o, err)
		}
		c, _ := store.Get[model.Contact](salesAdmin, s, *conv.ContactID)
		if c.Emails[0].Value != "ada@example.com" || *c.AccountID != *conv.AccountID {
			t.Errorf("contact %+v", c)
		}
		if a, _ := store.Get[model.Activity](salesAdmin, s, note.ID); a.ContactID == nil || *a.ContactID != c.ID {
			t.Errorf("the lead's note is not on the contact's timeline: %+v", a)
		}
		if _, err := s.ConvertLead(salesAdmin, l.ID, store.LeadConversion{}); model.ErrorCode(err) != model.ECONFLICT {
			t.Errorf("converted twice: %v", err)
		}

		// A bad opportunity undoes the whole conversion.
		l2 := &model.Lead{LastName: "Hopper", Company: "Navy"}
		if err := store.Create(salesAdmin, s, l2); err != nil {
			t.Fatal(err)
		}
		before, _ := s.LastSeq(salesAdmin)
		_, err = s.ConvertLead(salesAdmin, l2.ID, store.LeadConversion{Opportunity: &model.Opportunity{Stage: "nope", Currency: "EUR"}})
		var me *model.Error
		if !asError(err, &me) || me.Fields["opportunity.stage"] == "" {
			t.Fatalf("%v", err)
		}
		if after, _ := s.LastSeq(salesAdmin); after != before {
			t.Errorf("a failed conversion wrote %d changes", after-before)
		}
		if got, _ := store.Get[model.Lead](salesAdmin, s, l2.ID); got.Status != model.LeadNew {
			t.Errorf("lead %+v", got)
		}
	})
}

func TestSalesDomainEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		newPipeline(t, s, "New business")
		o := &model.Opportunity{Name: "Deal", Currency: "EUR"}
		if err := store.Create(salesAdmin, s, o); err != nil {
			t.Fatal(err)
		}
		steps := []func(o *model.Opportunity){
			func(o *model.Opportunity) { o.Stage = "proposal" },
			func(o *model.Opportunity) { o.Amount = model.Dec("5") },
			func(o *model.Opportunity) { o.Outcome = model.OutcomeWon },
			func(o *model.Opportunity) { o.Outcome = model.OutcomeOpen },
			func(o *model.Opportunity) { o.Outcome, o.OutcomeReason = model.OutcomeDisqualified, "no budget" },
		}
		for _, step := range steps {
			if _, err := store.Update(salesAdmin, s, o.ID, 0, func(o *model.Opportunity) error { step(o); return nil }); err != nil {
				t.Fatal(err)
			}
		}
		hist, _ := s.History(salesAdmin, "opportunity", o.ID)
		var got []string
		for _, c := range hist {
			got = append(got, c.Event)
		}
		want := []string{"", model.EventOpportunityStageChanged, "", model.EventOpportunityWon, "", model.EventOpportunityLost}
		if len(got) != len(want) {
			t.Fatalf("%q", got)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("events %q, want %q", got, want)
			}
		}
		l := &model.Lead{LastName: "Lead"}
		if err := store.Create(salesAdmin, s, l); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ConvertLead(salesAdmin, l.ID, store.LeadConversion{}); err != nil {
			t.Fatal(err)
		}
		if hist, _ := s.History(salesAdmin, "lead", l.ID); hist[len(hist)-1].Event != model.EventLeadConverted {
			t.Errorf("%+v", hist[len(hist)-1])
		}
	})
}

// TestAcceptedQuoteUpdatesOpportunity: accepting a quote makes its net
// total the deal's amount; a quote cannot name a deal that does not exist.
func TestAcceptedQuoteUpdatesOpportunity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		newPipeline(t, s, "New business")
		f := newCommerce(t, s)
		o := &model.Opportunity{Name: "Deal", Amount: model.Dec("1"), Currency: "USD"}
		if err := store.Create(salesAdmin, s, o); err != nil {
			t.Fatal(err)
		}
		q := f.quote()
		q.OpportunityID = &o.ID
		if _, err := s.CreateQuote(salesAdmin, q, []model.LineInput{{ProductID: &f.gadget.ID}}); err != nil {
			t.Fatal(err)
		}
		for _, a := range []string{model.ActionSend, model.ActionAccept} {
			if _, err := s.QuoteAction(salesAdmin, q.ID, 0, a, ""); err != nil {
				t.Fatal(err)
			}
		}
		q, _ = store.Get[model.Quote](salesAdmin, s, q.ID)
		got, _ := store.Get[model.Opportunity](salesAdmin, s, o.ID)
		if !got.Amount.Equal(q.NetTotal.Decimal) || got.Currency != q.Currency || got.Version != 2 {
			t.Fatalf("deal %s %s v%d, quote net %s %s", got.Amount, got.Currency, got.Version, q.NetTotal, q.Currency)
		}
		bad := f.quote()
		missing := "01a21ae3-0000-7000-8000-000000000000"
		bad.OpportunityID = &missing
		if _, err := s.CreateQuote(salesAdmin, bad, nil); model.ErrorCode(err) != model.EINVALID {
			t.Errorf("a quote for no deal: %v", err)
		}
	})
}

// TestTerritoryAssignment: new deals, leads and accounts in a territory go
// to its rep and team unless made for someone else; a deal takes its
// account's territory.
func TestTerritoryAssignment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		newPipeline(t, s, "New business")
		team := &model.Team{Name: "North"}
		if err := store.Create(salesAdmin, s, team); err != nil {
			t.Fatal(err)
		}
		rep := newUser(t, s, "north.rep@example.com", model.RoleAgent)
		other := newUser(t, s, "other.rep@example.com", model.RoleAgent)
		north := &model.Territory{Name: "North", OwnerID: &rep.ID, TeamID: &team.ID}
		if err := store.Create(salesAdmin, s, north); err != nil {
			t.Fatal(err)
		}
		acct := &model.Account{Name: "Fjord AS", TerritoryID: &north.ID}
		if err := store.Create(salesAdmin, s, acct); err != nil {
			t.Fatal(err)
		}
		if *acct.OwnerID != rep.ID || *acct.TeamID != team.ID {
			t.Errorf("account %+v", acct)
		}
		// A deal on the account: its territory, rep and team.
		o := &model.Opportunity{Name: "Fjord deal", AccountID: &acct.ID, Currency: "EUR"}
		if err := store.Create(salesAdmin, s, o); err != nil {
			t.Fatal(err)
		}
		if o.TerritoryID == nil || *o.TerritoryID != north.ID || *o.OwnerID != rep.ID || *o.TeamID != team.ID {
			t.Errorf("deal %+v", o)
		}
		// A lead a rep creates in the territory goes to the territory's rep.
		otherCtx := model.WithActor(context.Background(), model.Actor{UserID: other.ID, Name: other.Name, Role: model.RoleAgent})
		l := &model.Lead{LastName: "Nordmann", TerritoryID: &north.ID}
		if err := store.Create(otherCtx, s, l); err != nil {
			t.Fatal(err)
		}
		if *l.OwnerID != rep.ID {
			t.Errorf("lead owner %v", *l.OwnerID)
		}
		// Made for someone else on purpose: left alone.
		mine := &model.Opportunity{Name: "Kept", TerritoryID: &north.ID, OwnerID: &other.ID, Currency: "EUR"}
		if err := store.Create(salesAdmin, s, mine); err != nil {
			t.Fatal(err)
		}
		if *mine.OwnerID != other.ID {
			t.Errorf("explicit owner replaced: %v", *mine.OwnerID)
		}
	})
}
