package console_test

import (
	"fmt"
	"testing"
	"time"

	"rapport/model"
)

// TestNoNPlusOne counts the SQL statements of each page for a small and a
// larger data set: the count must not grow with the rows a page shows.
func TestNoNPlusOne(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		g.pipeline()
		small := g.user("sam", "Sam Small", model.RoleAgent, nil)
		large := g.user("lara", "Lara Large", model.RoleAgent, nil)
		fs, fl := g.timelineFixture(small, 1), g.timelineFixture(large, 8)
		g.homeFixture(small, 1)
		g.homeFixture(large, 12)
		// Contacts and accounts lists: every contact with its own account and
		// owner, 2 rows on the small page against 40.
		for i := range 40 {
			owner := small
			if i%2 == 1 {
				owner = large
			}
			acc := &model.Account{Name: fmt.Sprintf("Firm %02d", i), OwnerID: &owner.ID}
			g.create(sys, acc)
			g.create(sys, &model.Contact{FirstName: "Pat", LastName: fmt.Sprintf("Row%02d", i), AccountID: &acc.ID, OwnerID: &owner.ID})
		}
		bs, bl := g.signIn("sam"), g.signIn("lara")
		pages := []struct{ name, small, large string }{
			{"contacts", "/contacts?q=row00", "/contacts?q=row"},
			{"accounts", "/accounts?q=firm+00", "/accounts?q=firm"},
			{"contact view", "/contacts/" + fs.ct.ID, "/contacts/" + fl.ct.ID},
			{"contact requests", "/contacts/" + fs.ct.ID + "?show=requests", "/contacts/" + fl.ct.ID + "?show=requests"},
			{"account view", "/accounts/" + fs.acc.ID, "/accounts/" + fl.acc.ID},
			{"home", "/", "/"},
			{"profile", "/profile", "/profile"},
		}
		for _, p := range pages {
			bs.page(p.small) // warm up: first renders may prime caches
			bl.page(p.large)
			var smallBody, largeBody string
			n1 := g.count(func() { smallBody = bs.page(p.small) })
			n2 := g.count(func() { largeBody = bl.page(p.large) })
			if n1 != n2 || n1 == 0 {
				t.Errorf("%s: %d statements for %d bytes, %d for %d bytes", p.name, n1, len(smallBody), n2, len(largeBody))
			} else {
				t.Logf("%s: %d statements (%d and %d bytes)", p.name, n1, len(smallBody), len(largeBody))
			}
			if len(largeBody) <= len(smallBody) && p.name != "profile" {
				t.Errorf("%s: the large page (%d bytes) is not larger than the small one (%d)", p.name, len(largeBody), len(smallBody))
			}
		}
	})
}

// homeFixture gives u n of everything the home page shows.
func (g *rig) homeFixture(u *model.User, n int) {
	g.t.Helper()
	ctx := g.as(u)
	now := time.Now().UTC()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	for i := range n {
		acc := &model.Account{Name: fmt.Sprintf("%s client %d", u.Name, i)}
		g.create(sys, acc)
		ct := &model.Contact{FirstName: "Client", LastName: fmt.Sprintf("%d", i), AccountID: &acc.ID}
		g.create(sys, ct)
		start, due := day.Add(time.Duration(8*60+i*20)*time.Minute), day.Add(time.Duration(18*60+i)*time.Minute)
		end := start.Add(15 * time.Minute)
		g.create(ctx,
			&model.Activity{Kind: model.KindAppointment, Subject: fmt.Sprintf("Meeting %d", i), StartAt: &start, EndAt: &end,
				ContactID: &ct.ID, AccountID: &acc.ID, OwnerID: &u.ID},
			&model.Activity{Kind: model.KindTask, Subject: fmt.Sprintf("Task %d", i), DueAt: &due, ContactID: &ct.ID, OwnerID: &u.ID},
			&model.Request{Subject: fmt.Sprintf("Request %d", i), ContactID: &ct.ID, AccountID: &acc.ID, AssigneeID: &u.ID},
			&model.Opportunity{Name: fmt.Sprintf("Deal %d", i), AccountID: &acc.ID, Amount: model.Dec("100"), Currency: []string{"EUR", "USD"}[i%2],
				OwnerID: &u.ID, NextStep: "Follow up", NextStepDue: &model.Date{Time: day.AddDate(0, 0, -1-i)}})
	}
}
