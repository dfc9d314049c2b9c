package store_test

import (
	"errors"
	"fmt"
	"testing"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// BenchmarkOffboard hands a leaver's 1,000 accounts, 1,000 open tasks and
// 200 open requests to an heir, as a dry run (the same work, rolled back,
// so every iteration moves them all).
func BenchmarkOffboard(b *testing.B) {
	eachEngine(b, func(b *testing.B, engine string) {
		s := storetest.Open(b, engine)
		leaver, heir := offbBenchUser(b, s, "leaver@example.com"), offbBenchUser(b, s, "heir@example.com")
		const n = 1000
		accounts, tasks := make([]*model.Account, n), make([]*model.Activity, n)
		for i := range n {
			accounts[i] = &model.Account{Name: fmt.Sprintf("Account %d", i), OwnerID: &leaver.ID}
			tasks[i] = &model.Activity{Kind: model.KindTask, Subject: fmt.Sprintf("Task %d", i), OwnerID: &leaver.ID}
		}
		requests := make([]*model.Request, n/5)
		for i := range requests {
			requests[i] = &model.Request{Subject: fmt.Sprintf("Request %d", i), AssigneeID: &leaver.ID}
		}
		if err := errors.Join(store.CreateMany(salesAdmin, s, accounts), store.CreateMany(salesAdmin, s, tasks),
			store.CreateMany(salesAdmin, s, requests)); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for range b.N {
			rep, err := s.OffboardUser(salesAdmin, leaver.ID, store.OffboardOptions{ReassignTo: heir.ID, DryRun: true})
			if err != nil || rep.Moved != 2*n+n/5 {
				b.Fatalf("%v %+v", err, rep)
			}
		}
		b.ReportMetric(float64(b.N*(2*n+n/5))/b.Elapsed().Seconds(), "records/s")
	})
}

func offbBenchUser(b *testing.B, s *store.Store, email string) *model.User {
	b.Helper()
	u := &model.User{Email: email, Name: email, Role: model.RoleAgent}
	if err := s.CreateUser(salesAdmin, u, ""); err != nil {
		b.Fatal(err)
	}
	return u
}
