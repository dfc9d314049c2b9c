package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// contractFixture is two customer accounts, two products, a unit of the
// first product registered to each account, and an agent.
type contractFixture struct {
	acme, other      *model.Account
	printer, scanner *model.Product
	acmeUnit, unit2  *model.Registration
	agent            context.Context
	agentID          string
}

func newContractFixture(t *testing.T, s *store.Store) contractFixture {
	t.Helper()
	f := contractFixture{acme: &model.Account{Name: "Acme"}, other: &model.Account{Name: "Globex"},
		printer: &model.Product{SKU: "PR-1", Name: "Printer", Active: true}, scanner: &model.Product{SKU: "SC-1", Name: "Scanner", Active: true}}
	mustCreateRecord(t, s, f.acme)
	mustCreateRecord(t, s, f.other)
	mustCreateRecord(t, s, f.printer)
	mustCreateRecord(t, s, f.scanner)
	f.acmeUnit = &model.Registration{ProductID: f.printer.ID, Serial: "PR-0001", AccountID: &f.acme.ID}
	f.unit2 = &model.Registration{ProductID: f.printer.ID, Serial: "PR-0002", AccountID: &f.other.ID}
	mustCreateRecord(t, s, f.acmeUnit)
	mustCreateRecord(t, s, f.unit2)
	agent := newUser(t, s, "desk@example.com", model.RoleAgent)
	f.agentID = agent.ID
	f.agent = model.WithActor(context.Background(), model.Actor{UserID: agent.ID, Name: agent.Name, Role: model.RoleAgent})
	return f
}

// mustCreateRecord stores rec as the system.
func mustCreateRecord[T any, P store.RecordPtr[T]](t *testing.T, s *store.Store, rec P) {
	t.Helper()
	if err := store.Create(salesAdmin, s, rec); err != nil {
		t.Fatalf("create %T: %v", rec, err)
	}
}

// day is today plus n days (UTC, the tests' installation zone).
func day(n int) model.Date {
	t := time.Now().UTC().AddDate(0, 0, n)
	return model.Date{Time: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}
}

func dayPtr(n int) *model.Date { d := day(n); return &d }

// serviceContract is an active service contract of account for products
// and registrations from day start to day end (nil: open-ended).
func serviceContract(account string, start int, end *model.Date, products, registrations []string) *model.Contract {
	return &model.Contract{Name: "Support", AccountID: account, StartDate: day(start), EndDate: end,
		ProductIDs: products, RegistrationIDs: registrations}
}

func newRequest(t *testing.T, s *store.Store, ctx context.Context, r *model.Request) *model.Request {
	t.Helper()
	if r.Subject == "" {
		r.Subject = "It broke"
	}
	if err := store.Create(ctx, s, r); err != nil {
		t.Fatalf("create request: %v", err)
	}
	return r
}

func wantEntitlement(t *testing.T, s *store.Store, q store.EntitlementQuery, status, contractID, left string) {
	t.Helper()
	res, err := s.Entitlement(salesAdmin, q)
	if err != nil {
		t.Fatal(err)
	}
	gotID, gotLeft := "", ""
	if res.Contract != nil {
		gotID = res.Contract.ID
	}
	if res.UnitsLeft != nil {
		gotLeft = res.UnitsLeft.String()
	}
	if res.Status != status || gotID != contractID || gotLeft != left {
		t.Errorf("entitlement %+v: %s %s left %q, want %s %s left %q", q, res.Status, gotID, gotLeft, status, contractID, left)
	}
}

func TestEntitlementVerdicts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newContractFixture(t, s)
		hours := serviceContract(f.acme.ID, -30, dayPtr(30), []string{f.printer.ID}, nil)
		hours.PrepaidUnit, hours.PrepaidUnits = model.UnitsHours, model.Dec("2")
		perUnit := serviceContract(f.acme.ID, -30, nil, nil, []string{f.acmeUnit.ID})
		perUnit.PrepaidUnit, perUnit.PrepaidUnits = model.UnitsRequests, model.Dec("1")
		ended := serviceContract(f.acme.ID, -100, dayPtr(-10), []string{f.scanner.ID}, nil)
		draft := serviceContract(f.other.ID, -10, nil, []string{f.printer.ID}, nil)
		draft.Status = model.ContractDraft
		for _, c := range []*model.Contract{hours, perUnit, ended, draft} {
			mustCreateRecord(t, s, c)
		}
		if !strings.HasPrefix(hours.Number, "SC-"+time.Now().UTC().Format("2006")+"-0000") {
			t.Errorf("number %q", hours.Number)
		}
		wantEntitlement(t, s, store.EntitlementQuery{AccountID: f.acme.ID, ProductID: f.printer.ID}, model.EntitlementCovered, hours.ID, "2")
		wantEntitlement(t, s, store.EntitlementQuery{AccountID: f.acme.ID, ProductID: f.scanner.ID}, model.EntitlementExpired, ended.ID, "")
		wantEntitlement(t, s, store.EntitlementQuery{AccountID: f.acme.ID, ProductID: f.scanner.ID, Day: day(-20)}, model.EntitlementCovered, ended.ID, "")
		wantEntitlement(t, s, store.EntitlementQuery{AccountID: f.other.ID, ProductID: f.printer.ID}, model.EntitlementNone, "", "")
		wantEntitlement(t, s, store.EntitlementQuery{AccountID: f.acme.ID}, model.EntitlementNone, "", "")

		// The unit's own contract covers the first request about it; its
		// one prepaid request used, the product contract takes the next.
		r1 := newRequest(t, s, f.agent, &model.Request{RegistrationID: &f.acmeUnit.ID})
		if r1.Entitlement != model.EntitlementCovered || *r1.ContractID != perUnit.ID || *r1.AccountID != f.acme.ID || *r1.ProductID != f.printer.ID {
			t.Fatalf("first request %+v", r1)
		}
		r2 := newRequest(t, s, f.agent, &model.Request{RegistrationID: &f.acmeUnit.ID, Type: "upgrade"})
		if r2.Entitlement != model.EntitlementCovered || *r2.ContractID != hours.ID {
			t.Fatalf("second request %s %v, want %s", r2.Entitlement, *r2.ContractID, hours.ID)
		}
		// Two hours booked (billable or not) use the prepaid hours up.
		for _, e := range []*model.TimeEntry{{RequestID: r2.ID, Minutes: 90, Billable: true}, {RequestID: r2.ID, Minutes: 30}} {
			if err := store.Create(f.agent, s, e); err != nil {
				t.Fatal(err)
			}
		}
		wantEntitlement(t, s, store.EntitlementQuery{AccountID: f.acme.ID, ProductID: f.printer.ID}, model.EntitlementExhausted, hours.ID, "0")
		wantEntitlement(t, s, store.EntitlementQuery{RegistrationID: f.acmeUnit.ID}, model.EntitlementExhausted, perUnit.ID, "0")
		r3 := newRequest(t, s, f.agent, &model.Request{RegistrationID: &f.acmeUnit.ID})
		if r3.Entitlement != model.EntitlementExhausted || *r3.ContractID != perUnit.ID {
			t.Fatalf("third request %s", r3.Entitlement)
		}
		used, err := s.ContractUsage(salesAdmin, hours, time.Now())
		if err != nil || used.String() != "2" {
			t.Errorf("hours used %s %v", used, err)
		}
		if used, _ := s.ContractUsage(salesAdmin, hours, day(0).Time); !used.IsZero() {
			t.Errorf("hours used before today %s", used)
		}
		if used, _ := s.ContractUsage(salesAdmin, perUnit, time.Now()); used.String() != "2" {
			t.Errorf("requests used %s", used)
		}
		u, err := s.UsageOf(salesAdmin, hours.ID)
		if err != nil || u.Used.String() != "2" || !u.Left.IsZero() || u.Requests != 1 || u.Hours.String() != "2" || u.PrepaidUnit != model.UnitsHours {
			t.Errorf("usage %+v %v", u, err)
		}
		// An update that does not touch the coverage keeps the verdict; a
		// new product recomputes it.
		r1, err = store.Update(f.agent, s, r1.ID, 0, func(r *model.Request) error { r.Subject = "Paper jam"; r.Entitlement = "covered!"; return nil })
		if err != nil || r1.Entitlement != model.EntitlementCovered {
			t.Fatalf("%v %+v", err, r1)
		}
		other := newRequest(t, s, f.agent, &model.Request{AccountID: &f.acme.ID, ProductID: &f.scanner.ID})
		if other.Entitlement != model.EntitlementExpired || other.ContractID != nil {
			t.Fatalf("scanner request %s %v", other.Entitlement, other.ContractID)
		}
		other, err = store.Update(f.agent, s, other.ID, 0, func(r *model.Request) error { r.ProductID = &f.printer.ID; return nil })
		if err != nil || other.Entitlement != model.EntitlementExhausted || *other.ContractID != hours.ID {
			t.Fatalf("moved to the printer %v %+v", err, other)
		}
	})
}

func TestRequestCoverageBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newContractFixture(t, s)
		c := serviceContract(f.acme.ID, -1, nil, []string{f.printer.ID}, nil)
		mustCreateRecord(t, s, c)
		for name, r := range map[string]*model.Request{
			"another account's unit":     {AccountID: &f.acme.ID, RegistrationID: &f.unit2.ID},
			"a unit of another product":  {ProductID: &f.scanner.ID, RegistrationID: &f.acmeUnit.ID},
			"a contract not covering it": {AccountID: &f.acme.ID, ProductID: &f.scanner.ID, ContractID: &c.ID},
			"another account's contract": {AccountID: &f.other.ID, ProductID: &f.printer.ID, ContractID: &c.ID},
			"an upgrade without a unit":  {AccountID: &f.acme.ID, Type: "upgrade"},
			"an unknown registration":    {RegistrationID: ptr(model.NewID())},
		} {
			r.Subject = name
			if err := store.Create(f.agent, s, r); model.ErrorCode(err) != model.EINVALID {
				t.Errorf("%s: %v", name, err)
			}
		}
		var n int64
		if err := s.DB().QueryRow("SELECT COUNT(*) FROM requests").Scan(&n); err != nil || n != 0 {
			t.Errorf("%d requests written, %v", n, err)
		}
		// A contract the client names is kept when it covers the request.
		r := newRequest(t, s, f.agent, &model.Request{AccountID: &f.acme.ID, ProductID: &f.printer.ID, ContractID: &c.ID})
		if r.Entitlement != model.EntitlementCovered || *r.ContractID != c.ID {
			t.Fatalf("%+v", r)
		}
		_, err := store.Update(f.agent, s, r.ID, 0, func(r *model.Request) error { r.RegistrationID = &f.unit2.ID; return nil })
		if model.ErrorCode(err) != model.EINVALID || !strings.Contains(err.Error(), "another account") {
			t.Errorf("moved to another account's unit: %v", err)
		}
	})
}

func TestContractRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newContractFixture(t, s)
		first := serviceContract(f.acme.ID, -30, dayPtr(30), []string{f.printer.ID}, nil)
		mustCreateRecord(t, s, first)
		later := serviceContract(f.acme.ID, 31, dayPtr(100), []string{f.printer.ID, f.scanner.ID}, nil)
		mustCreateRecord(t, s, later)
		feedBefore := feedLen(t, s)
		overlapping := []*model.Contract{
			serviceContract(f.acme.ID, 20, nil, []string{f.scanner.ID}, nil),                     // overlaps later on the scanner
			serviceContract(f.acme.ID, -60, dayPtr(-30), []string{f.printer.ID}, nil),            // shares first's first day
			serviceContract(f.acme.ID, 0, dayPtr(1), []string{model.NewID(), f.printer.ID}, nil), // within first
		}
		for i, c := range overlapping {
			err := store.Create(salesAdmin, s, c)
			if model.ErrorCode(err) != model.ECONFLICT || !strings.Contains(err.Error(), "contract SC-") {
				t.Errorf("overlap %d: %v", i, err)
			}
		}
		_, err := store.Update(salesAdmin, s, later.ID, 0, func(c *model.Contract) error { c.StartDate = day(30); return nil })
		if model.ErrorCode(err) != model.ECONFLICT || !strings.Contains(err.Error(), first.Number) {
			t.Errorf("moved into first: %v", err)
		}
		if n := feedLen(t, s); n != feedBefore {
			t.Errorf("refused writes left %d changes", n-feedBefore)
		}
		// Another kind, another account, a cancelled one, or after the end: no overlap.
		supply := serviceContract(f.acme.ID, 0, nil, []string{f.printer.ID}, nil)
		supply.Kind = model.ContractSupply
		cancelled := serviceContract(f.acme.ID, 0, nil, []string{f.printer.ID}, nil)
		cancelled.Status = model.ContractCancelled
		for _, c := range []*model.Contract{supply, cancelled, serviceContract(f.other.ID, 0, nil, []string{f.printer.ID}, nil),
			serviceContract(f.acme.ID, 101, nil, []string{f.scanner.ID}, nil)} {
			mustCreateRecord(t, s, c)
		}
		_, err = store.Update(salesAdmin, s, cancelled.ID, 0, func(c *model.Contract) error { c.Status = model.ContractActive; return nil })
		if model.ErrorCode(err) != model.ECONFLICT {
			t.Errorf("reactivated over first: %v", err)
		}

		bad := map[string]func(c *model.Contract){
			"hourly_rate":                   func(c *model.Contract) { c.HourlyRate = model.Dec("-1") },
			"specialist_rates." + f.agentID: func(c *model.Contract) { c.SpecialistRates = map[string]model.Decimal{f.agentID: model.Dec("-90")} },
			"specialist_rates":              func(c *model.Contract) { c.SpecialistRates = map[string]model.Decimal{f.acme.ID: model.Dec("90")} },
			"registration_ids":              func(c *model.Contract) { c.RegistrationIDs = []string{f.acmeUnit.ID} },
			"level":                         func(c *model.Contract) { c.Level = "gold" },
			"fixed_fee":                     func(c *model.Contract) { c.BillingMethod = model.BillFixedFee },
			"prepaid_units":                 func(c *model.Contract) { c.PrepaidUnit = model.UnitsHours },
		}
		for field, spoil := range bad {
			c := serviceContract(f.other.ID, 200, nil, []string{f.scanner.ID}, nil)
			spoil(c)
			err := store.Create(salesAdmin, s, c)
			if model.ErrorCode(err) != model.EINVALID || !strings.Contains(err.Error(), field) {
				t.Errorf("%s: %v", field, err)
			}
		}
		mustCreateRecord(t, s, &model.SLATarget{Priority: "normal", ContractLevel: "silver", FirstResponseMinutes: 30, ResolutionMinutes: 60})
		c := serviceContract(f.other.ID, 200, nil, []string{f.scanner.ID}, nil)
		c.Level = "gold"
		if err := store.Create(salesAdmin, s, c); err == nil || !strings.Contains(err.Error(), "known levels: silver") {
			t.Errorf("unknown level: %v", err)
		}
		c.Level, c.SpecialistRates = "silver", map[string]model.Decimal{f.agentID: model.Dec("95.50")}
		mustCreateRecord(t, s, c)
	})
}

func feedLen(t *testing.T, s *store.Store) int {
	t.Helper()
	changes, _, err := s.Changes(salesAdmin, 0, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	return len(changes)
}

func TestSLAByContractLevel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newContractFixture(t, s)
		for _, st := range []*model.SLATarget{
			{Priority: "normal", FirstResponseMinutes: 60, ResolutionMinutes: 480},
			{Priority: "high", FirstResponseMinutes: 30, ResolutionMinutes: 240},
			{Priority: "normal", ContractLevel: "gold", FirstResponseMinutes: 15, ResolutionMinutes: 120},
		} {
			mustCreateRecord(t, s, st)
		}
		gold := serviceContract(f.acme.ID, -1, nil, []string{f.printer.ID}, nil)
		gold.Level = "gold"
		mustCreateRecord(t, s, gold)
		due := func(r *model.Request) time.Duration { return r.FirstResponseDue.Sub(r.CreatedAt) }
		covered := newRequest(t, s, f.agent, &model.Request{AccountID: &f.acme.ID, ProductID: &f.printer.ID})
		uncovered := newRequest(t, s, f.agent, &model.Request{AccountID: &f.acme.ID, ProductID: &f.scanner.ID})
		if due(covered) != 15*time.Minute || covered.ResolutionDue.Sub(covered.CreatedAt) != 2*time.Hour || due(uncovered) != time.Hour {
			t.Fatalf("gold %v, default %v", due(covered), due(uncovered))
		}
		// No gold target for high: the default level's applies.
		covered, err := store.Update(f.agent, s, covered.ID, 0, func(r *model.Request) error { r.Priority = "high"; return nil })
		if err != nil || due(covered) != 30*time.Minute {
			t.Fatalf("high %v %v", err, covered)
		}
		// Coming under the gold contract moves the clock too.
		uncovered, err = store.Update(f.agent, s, uncovered.ID, 0, func(r *model.Request) error { r.ProductID = &f.printer.ID; return nil })
		if err != nil || due(uncovered) != 15*time.Minute {
			t.Fatalf("moved under gold %v %v", err, uncovered)
		}
	})
}

func TestContractExpiringOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newContractFixture(t, s)
		soon := serviceContract(f.acme.ID, -300, dayPtr(10), []string{f.printer.ID}, nil)
		today := serviceContract(f.other.ID, -300, dayPtr(0), []string{f.printer.ID}, nil)
		far := serviceContract(f.acme.ID, -300, dayPtr(60), []string{f.scanner.ID}, nil)
		ended := serviceContract(f.other.ID, -300, dayPtr(-1), []string{f.scanner.ID}, nil)
		cancelled := serviceContract(f.acme.ID, -300, dayPtr(5), []string{f.printer.ID}, nil)
		cancelled.Status = model.ContractCancelled
		for _, c := range []*model.Contract{soon, today, far, ended, cancelled} {
			mustCreateRecord(t, s, c)
		}
		n, err := s.NoticeExpiringContracts(salesAdmin, 30, 1)
		if err != nil || n != 1 {
			t.Fatalf("first batch %d %v", n, err)
		}
		if n, err = s.NoticeExpiringContracts(salesAdmin, 30, 100); err != nil || n != 1 {
			t.Fatalf("second batch %d %v", n, err)
		}
		if n, err = s.NoticeExpiringContracts(salesAdmin, 30, 100); err != nil || n != 0 {
			t.Fatalf("again %d %v", n, err)
		}
		for _, c := range []*model.Contract{soon, today} {
			hist, err := s.History(salesAdmin, "contract", c.ID)
			if err != nil || len(hist) != 2 || hist[1].Event != model.EventContractExpiring {
				t.Fatalf("history of %s: %+v %v", c.Number, hist, err)
			}
			got, _ := store.Get[model.Contract](salesAdmin, s, c.ID)
			if got.ExpiryNoticeAt == nil {
				t.Errorf("%s not stamped", c.Number)
			}
		}
		// A client cannot clear the notice; a new end date can.
		soon, err = store.Update(salesAdmin, s, soon.ID, 0, func(c *model.Contract) error { c.ExpiryNoticeAt = nil; return nil })
		if err != nil || soon.ExpiryNoticeAt == nil {
			t.Fatalf("%v %+v", err, soon)
		}
		if _, err = store.Update(salesAdmin, s, soon.ID, 0, func(c *model.Contract) error { c.EndDate = dayPtr(20); return nil }); err != nil {
			t.Fatal(err)
		}
		if n, err = s.NoticeExpiringContracts(salesAdmin, 30, 100); err != nil || n != 1 {
			t.Fatalf("after the extension %d %v", n, err)
		}
	})
}
