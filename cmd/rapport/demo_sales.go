package main

import (
	"context"
	"fmt"
	"time"

	"rapport/model"
	"rapport/model/store"
)

// seedSales gives the demo a pipeline with open deals in every stage, a
// support queue with requests, products and quotes with lines, and an
// answer: what the console's board, desk, quotes and answer book show.
func seedSales(ctx context.Context, s *store.Store, accounts []*model.Account, contacts []*model.Contact, owners []string) error {
	if err := seedDeals(ctx, s, accounts, contacts, owners); err != nil {
		return err
	}
	if err := seedRequests(ctx, s, contacts, owners); err != nil {
		return err
	}
	if err := seedQuotes(ctx, s, accounts, contacts, owners); err != nil {
		return err
	}
	return store.Create(ctx, s, &model.KBArticle{Question: "How do I correct the address on an invoice?",
		Answer: "Open the invoice, choose **Correct address** and send the corrected copy to the customer.", Category: "Billing",
		Tags: []string{"invoice"}, Visibility: "internal", Status: model.KBPublished})
}

// seedDeals makes a pipeline and twelve open deals across its stages.
func seedDeals(ctx context.Context, s *store.Store, accounts []*model.Account, contacts []*model.Contact, owners []string) error {
	pl := &model.Pipeline{Name: "New business", Active: true, Stages: []model.Stage{{Name: "Qualify", Probability: 10},
		{Name: "Proposal", Probability: 40}, {Name: "Negotiation", Probability: 70}, {Name: "Contract", Probability: 90}}}
	if err := store.Create(ctx, s, pl); err != nil {
		return err
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	deals := make([]*model.Opportunity, 12)
	for i := range deals {
		acc, c := accounts[i%len(accounts)], contacts[i]
		currency := map[string]string{"ru": "RUB", "de": "EUR"}[acc.Language]
		if currency == "" {
			currency = "USD"
		}
		closeDate := &model.Date{Time: today.AddDate(0, 0, 10+i*7)}
		deals[i] = &model.Opportunity{Name: fmt.Sprintf("%s: %s", acc.Name, []string{"licences", "support", "rollout", "training"}[i%4]),
			AccountID: &acc.ID, ContactID: &c.ID, PipelineID: pl.ID, Stage: pl.Stages[i%len(pl.Stages)].Key,
			Amount: model.DecInt(int64(5000 + i*2500)), Currency: currency, CloseDate: closeDate, OwnerID: &owners[i%2],
			NextStep: "Call back", NextStepDue: &model.Date{Time: today.AddDate(0, 0, i%5-2)}}
	}
	return store.CreateMany(ctx, s, deals)
}

// seedRequests makes a support queue and eight requests in it.
func seedRequests(ctx context.Context, s *store.Store, contacts []*model.Contact, owners []string) error {
	q := &model.Queue{Name: "Support", Active: true}
	if err := store.Create(ctx, s, q); err != nil {
		return err
	}
	subjects := []string{"Invoice address is wrong", "Не приходит письмо со счётом", "Cannot sign in to the portal",
		"Доставка задерживается", "Licence key lost", "Вопрос по договору", "Printer driver crashes", "Нужна консультация"}
	reqs := make([]*model.Request, len(subjects))
	for i, subj := range subjects {
		c := contacts[i+3]
		reqs[i] = &model.Request{Subject: subj, Description: subj + ".", ContactID: &c.ID, AccountID: c.AccountID, QueueID: &q.ID,
			Priority: []string{"normal", "high", "low", "urgent"}[i%4], Channel: "mail"}
		if i%3 != 2 {
			reqs[i].AssigneeID = &owners[i%2]
		}
	}
	return store.CreateMany(ctx, s, reqs)
}

// seedQuotes makes three products and a quote with lines for each of
// three accounts.
func seedQuotes(ctx context.Context, s *store.Store, accounts []*model.Account, contacts []*model.Contact, owners []string) error {
	products := []*model.Product{
		{SKU: "LIC-STD", Name: "Rapport licence, standard", Unit: "user", TaxRate: model.Dec("20"), Active: true},
		{SKU: "SUP-Y", Name: "Support, one year", Unit: "year", TaxRate: model.Dec("20"), Active: true},
		{SKU: "TRN-D", Name: "Training day", Unit: "day", TaxRate: model.Dec("20"), Active: true},
	}
	if err := store.CreateMany(ctx, s, products); err != nil {
		return err
	}
	for i, acc := range accounts[:3] {
		currency := map[string]string{"ru": "RUB", "de": "EUR"}[acc.Language]
		if currency == "" {
			currency = "USD"
		}
		var lines []model.LineInput
		for j, p := range products[:i+1] {
			qty, price := model.DecInt(int64(5*(j+1))), model.DecInt(int64(100*(i+1)*(j+2)))
			lines = append(lines, model.LineInput{ProductID: &p.ID, Quantity: &qty, UnitPrice: &price})
		}
		q := &model.Quote{AccountID: &acc.ID, ContactID: &contacts[i].ID, OwnerID: &owners[i%2], Pricing: model.Pricing{Currency: currency}}
		if _, err := s.CreateQuote(ctx, q, lines); err != nil {
			return err
		}
	}
	return nil
}
