package store_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// returnsFixture is the commerce fixture (Acme, widget, gadget, a EUR
// price list) plus Acme's contact Ann, another account with its contact
// Bob, an agent, and two widgets registered to Acme.
type returnsFixture struct {
	commerceFixture
	agent       context.Context
	ann, bob    *model.Contact
	other       *model.Account
	unit, unit2 *model.Registration
}

func newReturns(t *testing.T, s *store.Store) returnsFixture {
	t.Helper()
	f := returnsFixture{commerceFixture: newCommerce(t, s), other: &model.Account{Name: "Globex"}}
	u := newUser(t, s, "service@example.com", model.RoleAgent)
	f.agent = model.WithActor(context.Background(), model.Actor{UserID: u.ID, Name: u.Name, Role: model.RoleAgent})
	if err := store.Create(salesAdmin, s, f.other); err != nil {
		t.Fatal(err)
	}
	f.ann = &model.Contact{FirstName: "Ann", LastName: "Lee", AccountID: &f.account.ID, Emails: []model.Labeled{{Value: "ann@acme.example"}}}
	f.bob = &model.Contact{FirstName: "Bob", LastName: "Roe", AccountID: &f.other.ID, Emails: []model.Labeled{{Value: "bob@globex.example"}}}
	f.unit = &model.Registration{ProductID: f.widget.ID, Serial: "sn 001", AccountID: &f.account.ID, ContactID: &f.ann.ID}
	f.unit2 = &model.Registration{ProductID: f.widget.ID, Serial: "SN-002", AccountID: &f.account.ID}
	for _, err := range []error{store.Create(salesAdmin, s, f.ann), store.Create(salesAdmin, s, f.bob),
		store.Create(salesAdmin, s, f.unit), store.Create(salesAdmin, s, f.unit2)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// request makes a support request from Acme's contact.
func (f returnsFixture) request(t *testing.T, s *store.Store) *model.Request {
	t.Helper()
	r := &model.Request{Subject: "Widget broken", AccountID: &f.account.ID, ContactID: &f.ann.ID}
	if err := store.Create(f.agent, s, r); err != nil {
		t.Fatal(err)
	}
	return r
}

// rma makes a return of the request's unit.
func (f returnsFixture) rma(t *testing.T, s *store.Store, lines ...model.RMALineInput) *model.RMA {
	t.Helper()
	if len(lines) == 0 {
		lines = []model.RMALineInput{{Serial: f.unit.Serial, Reason: "defective", Action: model.RMAActionRepair}}
	}
	r := &model.RMA{RequestID: &f.request(t, s).ID}
	if _, err := s.CreateRMA(f.agent, r, lines); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRegistrationRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newReturns(t, s)
		if f.unit.Serial != "SN001" || f.unit.Status != model.RegistrationActive {
			t.Fatalf("normalised %+v", f.unit)
		}
		// A contact alone brings its account.
		r := &model.Registration{ProductID: f.gadget.ID, Serial: "G-9", ContactID: &f.bob.ID}
		if err := store.Create(f.agent, s, r); err != nil || strOf(r.AccountID) != f.other.ID {
			t.Fatalf("%+v %v", r, err)
		}
		unchanged(t, s, "registrations", model.ECONFLICT, func() error {
			return store.Create(f.agent, s, &model.Registration{ProductID: f.widget.ID, Serial: "sn-002"})
		})
		err := store.Create(f.agent, s, &model.Registration{ProductID: f.widget.ID, Serial: "SN-002"})
		if !strings.Contains(err.Error(), f.unit2.ID) {
			t.Errorf("the conflict names the registration: %v", err)
		}
		// The same serial on another product is another unit.
		if err := store.Create(f.agent, s, &model.Registration{ProductID: f.gadget.ID, Serial: "SN-002"}); err != nil {
			t.Fatal(err)
		}
		unchanged(t, s, "registrations", model.EINVALID, func() error {
			return store.Create(f.agent, s, &model.Registration{ProductID: f.widget.ID, Serial: "X-1", AccountID: &f.account.ID, ContactID: &f.bob.ID})
		})
		unchanged(t, s, "registrations", model.EINVALID, func() error {
			return store.Create(f.agent, s, &model.Registration{ProductID: f.widget.ID, Serial: "bad serial!"})
		})
		// The owner changes only by transfer.
		_, err = store.Update(f.agent, s, f.unit.ID, 0, func(r *model.Registration) error { r.AccountID, r.ContactID = &f.other.ID, nil; return nil })
		if model.ErrorCode(err) != model.EINVALID || !strings.Contains(err.Error(), "transfer") {
			t.Errorf("owner by PATCH: %v", err)
		}
		if _, err := store.Update(f.agent, s, f.unit.ID, 0, func(r *model.Registration) error { r.Notes = "blue casing"; return nil }); err != nil {
			t.Error(err)
		}
	})
}

func TestRegistrationTransfer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newReturns(t, s)
		moved, err := s.TransferRegistration(f.agent, f.unit.ID, 0, store.Transfer{ContactID: &f.bob.ID, Note: "sold on"})
		if err != nil || strOf(moved.AccountID) != f.other.ID || strOf(moved.ContactID) != f.bob.ID {
			t.Fatalf("%+v %v", moved, err)
		}
		hist, _ := s.History(f.agent, "registration", f.unit.ID)
		if last := hist[len(hist)-1]; last.Event != model.EventRegistrationTransferred {
			t.Errorf("event %+v", last)
		}
		if _, err := s.TransferRegistration(f.agent, f.unit.ID, 0, store.Transfer{AccountID: &f.account.ID}); err != nil {
			t.Fatal(err)
		}
		for name, in := range map[string]store.Transfer{
			"same owner":      {AccountID: &f.account.ID},
			"nobody":          {Note: "?"},
			"foreign contact": {AccountID: &f.account.ID, ContactID: &f.bob.ID},
			"NUL note":        {AccountID: &f.other.ID, Note: "a\x00b"},
		} {
			t.Log(name)
			unchanged(t, s, "registration_transfers", model.EINVALID, func() error {
				_, err := s.TransferRegistration(f.agent, f.unit.ID, 0, in)
				return err
			})
		}
		if _, err := s.TransferRegistration(f.agent, f.unit.ID, 1, store.Transfer{AccountID: &f.other.ID}); model.ErrorCode(err) != model.EPRECONDITION {
			t.Errorf("stale version: %v", err)
		}
		owners, err := s.RegistrationTransfers(f.agent, f.unit.ID)
		if err != nil || len(owners) != 2 || strOf(owners[0].FromContactID) != f.ann.ID || strOf(owners[0].ToContactID) != f.bob.ID ||
			owners[0].Note != "sold on" || strOf(owners[1].ToAccountID) != f.account.ID || owners[1].ToContactID != nil {
			t.Fatalf("%+v %v", owners, err)
		}
	})
}

func TestQuickRegistration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newReturns(t, s)
		// A new serial needs its product.
		unchanged(t, s, "registrations", model.EINVALID, func() error {
			_, _, err := s.QuickRegister(f.agent, store.QuickRegistration{Serial: "NEW-1", Email: "new@example.com"})
			return err
		})
		contacts := tableRows(t, s, "contacts")
		reg, created, err := s.QuickRegister(f.agent, store.QuickRegistration{Serial: "new-1", Email: "New@Example.com", SKU: "G-1",
			FirstName: "Nia", LastName: "Ng", PurchaseDate: &model.Date{Time: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)}})
		if err != nil || !created || reg.ProductID != f.gadget.ID || reg.Serial != "NEW-1" || reg.ContactID == nil || reg.AccountID != nil ||
			tableRows(t, s, "contacts") != contacts+1 {
			t.Fatalf("%+v %v %v", reg, created, err)
		}
		// The e-mail finds the contact, case-insensitively, with its account;
		// a known serial without an owner is claimed.
		claimed, created, err := s.QuickRegister(f.agent, store.QuickRegistration{Serial: "SN-002", Email: "BOB@globex.example"})
		if err == nil {
			t.Fatalf("SN-002 is Acme's: %+v", claimed)
		}
		free := &model.Registration{ProductID: f.gadget.ID, Serial: "FREE-1"}
		if err := store.Create(f.agent, s, free); err != nil {
			t.Fatal(err)
		}
		claimed, created, err = s.QuickRegister(f.agent, store.QuickRegistration{Serial: "free-1", Email: "BOB@globex.example"})
		if err != nil || created || claimed.ID != free.ID || strOf(claimed.ContactID) != f.bob.ID || strOf(claimed.AccountID) != f.other.ID {
			t.Fatalf("claim %+v %v %v", claimed, created, err)
		}
		// Again: it is already Bob's, answered as it is.
		again, _, err := s.QuickRegister(f.agent, store.QuickRegistration{Serial: "FREE-1", Email: "bob@globex.example"})
		if err != nil || again.Version != claimed.Version {
			t.Fatalf("again %+v %v", again, err)
		}
		for name, in := range map[string]store.QuickRegistration{
			"owned by another": {Serial: "FREE-1", Email: "ann@acme.example"},
			"bad e-mail":       {Serial: "FREE-1", Email: "nobody"},
			"unknown sku":      {Serial: "X-2", Email: "x@example.com", SKU: "NOPE"},
			"sku mismatch":     {Serial: "X-2", Email: "x@example.com", ProductID: f.widget.ID, SKU: "G-1"},
			"no serial":        {Email: "x@example.com", SKU: "G-1"},
		} {
			rows, seq := tableRows(t, s, "contacts"), feedSeq(t, s)
			if _, _, err := s.QuickRegister(f.agent, in); err == nil || (name == "owned by another") != (model.ErrorCode(err) == model.ECONFLICT) {
				t.Errorf("%s: %v", name, err)
			}
			if tableRows(t, s, "contacts") != rows || feedSeq(t, s) != seq {
				t.Errorf("%s wrote", name)
			}
		}
	})
}

func TestRMAWorkflow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newReturns(t, s)
		req := f.request(t, s)
		r := &model.RMA{RequestID: &req.ID, Notes: "Customer says it smokes", Number: "RMA-1999-999999", Status: model.RMAClosed}
		lines, err := s.CreateRMA(f.agent, r, []model.RMALineInput{
			{Serial: "sn001", Reason: "defective", ReasonText: "smoke", Action: "Repair"},
			{ProductID: f.gadget.ID, Quantity: 2, Reason: "wrong_item", Action: model.RMAActionRefund}})
		if err != nil {
			t.Fatal(err)
		}
		year := time.Now().Format("2006")
		if !regexp.MustCompile(`^RMA-`+year+`-\d{6}$`).MatchString(r.Number) || r.Status != model.RMARequested || r.LineCount != 2 ||
			strOf(r.AccountID) != f.account.ID || strOf(r.ContactID) != f.ann.ID {
			t.Fatalf("%+v", r)
		}
		if lines[0].ProductID != f.widget.ID || strOf(lines[0].RegistrationID) != f.unit.ID || lines[0].Action != "repair" || lines[1].Position != 2 {
			t.Fatalf("lines %+v", lines)
		}
		second := f.rma(t, s, model.RMALineInput{ProductID: f.gadget.ID, Reason: "other", Action: model.RMAActionRefund})
		if second.Number <= r.Number {
			t.Errorf("numbers %s then %s", r.Number, second.Number)
		}
		move := func(to string, m store.RMAMove) (*model.RMA, error) {
			m.Status = to
			return s.MoveRMA(f.agent, r.ID, 0, m)
		}
		// Nothing ships back before it was received.
		unchanged(t, s, "rma_status_changes", model.ECONFLICT, func() error { _, err := move(model.RMAShippedBack, store.RMAMove{}); return err })
		_, err = move(model.RMAShippedBack, store.RMAMove{})
		if !strings.Contains(err.Error(), "received") {
			t.Errorf("message: %v", err)
		}
		unchanged(t, s, "rma_status_changes", model.EINVALID, func() error {
			_, err := store.Update(f.agent, s, r.ID, 0, func(r *model.RMA) error { r.Status = model.RMAAuthorised; return nil })
			return err
		})
		unchanged(t, s, "rma_status_changes", model.EINVALID, func() error { _, err := move("lost", store.RMAMove{}); return err })
		if _, err := move(model.RMAAuthorised, store.RMAMove{Note: "ok to send"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddRMAWork(f.agent, r.ID, store.RMAWork{Body: "Replaced the fuse", Minutes: 25}); err != nil {
			t.Fatal(err)
		}
		for _, to := range []string{model.RMAReceived, model.RMAInRepair} {
			if _, err := move(to, store.RMAMove{}); err != nil {
				t.Fatal(to, err)
			}
		}
		r, err = move(model.RMAShippedBack, store.RMAMove{Carrier: "DHL", TrackingNumber: "JD0001"})
		if err != nil || r.Carrier != "DHL" || r.AuthorisedAt == nil || r.ReceivedAt == nil || r.ShippedAt == nil || r.ClosedAt != nil {
			t.Fatalf("%+v %v", r, err)
		}
		if r, err = move(model.RMAClosed, store.RMAMove{}); err != nil || r.ClosedAt == nil {
			t.Fatalf("%+v %v", r, err)
		}
		unchanged(t, s, "rma_status_changes", model.ECONFLICT, func() error { _, err := move(model.RMAReceived, store.RMAMove{}); return err })
		hist, err := s.RMAHistory(f.agent, r.ID)
		var steps []string
		for _, h := range hist {
			if h.Type == "work" {
				steps = append(steps, "work:"+h.Activity.Description)
			} else {
				steps = append(steps, h.Change.FromStatus+">"+h.Change.ToStatus)
			}
		}
		want := ">requested requested>authorised work:Replaced the fuse authorised>received received>in_repair in_repair>shipped_back shipped_back>closed"
		if err != nil || strings.Join(steps, " ") != want {
			t.Fatalf("history %v %v\nwant %s", steps, err, want)
		}
		if hist[1].Change.Note != "ok to send" || hist[2].Activity.DurationSeconds != 1500 {
			t.Errorf("%+v %+v", hist[1].Change, hist[2].Activity)
		}
		// The work shows on the request's story too.
		story, _ := s.RequestChronology(f.agent, req.ID)
		if story[len(story)-1].Activity == nil || story[len(story)-1].Activity.Description != "Replaced the fuse" {
			t.Errorf("request story %+v", story[len(story)-1])
		}
		feed, _ := s.History(f.agent, "rma", r.ID)
		events := map[string]int{}
		for _, c := range feed {
			events[c.Op+"/"+c.Event]++
		}
		if events["create/"] != 1 || events["update/"+model.EventRMAStatusChanged] != 5 {
			t.Errorf("events %v", events)
		}
	})
}

func TestRMARejectAndLines(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newReturns(t, s)
		r := f.rma(t, s)
		// Lines change while requested or authorised.
		r, lines, err := s.ReplaceRMALines(f.agent, r.ID, r.Version, []model.RMALineInput{
			{Serial: "SN-002", Reason: "damaged_in_transit", Action: model.RMAActionReplace},
			{Serial: "SN001", Reason: "defective", Action: model.RMAActionRepair}})
		if err != nil || r.LineCount != 2 || len(lines) != 2 || strOf(lines[0].RegistrationID) != f.unit2.ID {
			t.Fatalf("%+v %+v %v", r, lines, err)
		}
		if got, _ := s.RMALines(f.agent, r.ID); len(got) != 2 || got[1].Serial != "SN001" {
			t.Fatalf("%+v", got)
		}
		unchanged(t, s, "rma_lines", model.EINVALID, func() error {
			_, _, err := s.ReplaceRMALines(f.agent, r.ID, 0, nil)
			return err
		})
		unchanged(t, s, "rma_status_changes", model.EINVALID, func() error {
			_, err := s.MoveRMA(f.agent, r.ID, 0, store.RMAMove{Status: model.RMARejected})
			return err
		})
		r, err = s.MoveRMA(f.agent, r.ID, 0, store.RMAMove{Status: model.RMARejected, RejectReason: "out of warranty, dropped"})
		if err != nil || r.RejectReason != "out of warranty, dropped" || r.ClosedAt == nil {
			t.Fatalf("%+v %v", r, err)
		}
		unchanged(t, s, "rma_lines", model.ECONFLICT, func() error {
			_, _, err := s.ReplaceRMALines(f.agent, r.ID, 0, []model.RMALineInput{{Serial: "SN-002", Reason: "other", Action: model.RMAActionRefund}})
			return err
		})
		// The rejected return frees its units for a new one, and may be deleted.
		f.rma(t, s)
		if err := s.DeleteRMA(f.agent, r.ID, 0); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRMABadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newReturns(t, s)
		req := f.request(t, s)
		globex := &model.Registration{ProductID: f.widget.ID, Serial: "GX-1", AccountID: &f.other.ID}
		if err := store.Create(f.agent, s, globex); err != nil {
			t.Fatal(err)
		}
		open := f.rma(t, s) // SN001 is on an open return
		line := func(serial string) []model.RMALineInput {
			return []model.RMALineInput{{Serial: serial, Reason: "defective", Action: model.RMAActionRepair}}
		}
		bad := "00000000-0000-4000-8000-000000000000"
		for name, c := range map[string]struct {
			rma   model.RMA
			lines []model.RMALineInput
			code  string
			want  string
		}{
			"unknown serial":    {model.RMA{RequestID: &req.ID}, line("NOPE-1"), model.EINVALID, "no registered unit with serial NOPE-1"},
			"another account":   {model.RMA{RequestID: &req.ID}, line("GX-1"), model.EINVALID, "registered to another account"},
			"unknown request":   {model.RMA{RequestID: &bad}, line("SN-002"), model.EINVALID, "no request with id"},
			"no source":         {model.RMA{}, line("SN-002"), model.EINVALID, "request_id"},
			"no lines":          {model.RMA{RequestID: &req.ID}, nil, model.EINVALID, "at least one line"},
			"unit on a return":  {model.RMA{RequestID: &req.ID}, line("SN001"), model.ECONFLICT, open.Number},
			"twice on a return": {model.RMA{RequestID: &req.ID}, append(line("SN-002"), line("sn-002")...), model.EINVALID, "on line 1 already"},
			"other product": {model.RMA{RequestID: &req.ID}, []model.RMALineInput{{Serial: "SN-002", ProductID: f.gadget.ID, Reason: "other", Action: "refund"}},
				model.EINVALID, "registered as product"},
			"unknown product": {model.RMA{RequestID: &req.ID}, []model.RMALineInput{{ProductID: bad, Reason: "other", Action: "refund"}}, model.EINVALID, "no product"},
			"bad reason":      {model.RMA{RequestID: &req.ID}, []model.RMALineInput{{ProductID: f.gadget.ID, Reason: "bored", Action: "refund"}}, model.EINVALID, "reason"},
			"serial, two":     {model.RMA{RequestID: &req.ID}, []model.RMALineInput{{Serial: "SN-002", Quantity: 2, Reason: "other", Action: "refund"}}, model.EINVALID, "quantity"},
		} {
			rmas, lines, steps, seq := tableRows(t, s, "rmas"), tableRows(t, s, "rma_lines"), tableRows(t, s, "rma_status_changes"), feedSeq(t, s)
			r := c.rma
			_, err := s.CreateRMA(f.agent, &r, c.lines)
			if model.ErrorCode(err) != c.code || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: %v", name, err)
			}
			if tableRows(t, s, "rmas") != rmas || tableRows(t, s, "rma_lines") != lines || tableRows(t, s, "rma_status_changes") != steps || feedSeq(t, s) != seq {
				t.Errorf("%s wrote", name)
			}
		}
	})
}

func TestRMAFromOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newReturns(t, s)
		o := &model.Order{AccountID: &f.account.ID, Pricing: model.Pricing{Currency: "EUR", PriceListID: &f.eurPrice.ID}}
		if _, err := s.CreateOrder(f.agent, o, []model.LineInput{{ProductID: &f.gadget.ID, Quantity: ptr(model.Dec("3"))}}); err != nil {
			t.Fatal(err)
		}
		gadgets := func(n int) []model.RMALineInput {
			return []model.RMALineInput{{ProductID: f.gadget.ID, Quantity: n, Reason: "no_longer_needed", Action: model.RMAActionRefund}}
		}
		first := &model.RMA{OrderID: &o.ID}
		if _, err := s.CreateRMA(f.agent, first, gadgets(2)); err != nil || strOf(first.AccountID) != f.account.ID {
			t.Fatalf("%+v %v", first, err)
		}
		unchanged(t, s, "rmas", model.EINVALID, func() error { _, err := s.CreateRMA(f.agent, &model.RMA{OrderID: &o.ID}, gadgets(2)); return err })
		_, err := s.CreateRMA(f.agent, &model.RMA{OrderID: &o.ID}, gadgets(2))
		if !strings.Contains(err.Error(), "4 returned in all, but the order has only 3") {
			t.Errorf("message %v", err)
		}
		unchanged(t, s, "rmas", model.EINVALID, func() error {
			_, err := s.CreateRMA(f.agent, &model.RMA{OrderID: &o.ID}, []model.RMALineInput{{ProductID: f.widget.ID, Reason: "other", Action: "refund"}})
			return err
		})
		// A rejected return takes nothing back.
		if _, err := s.MoveRMA(f.agent, first.ID, 0, store.RMAMove{Status: model.RMARejected, RejectReason: "not ours"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateRMA(f.agent, &model.RMA{OrderID: &o.ID}, gadgets(3)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestServiceOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newReturns(t, s)
		// SN001 is under a service contract; SN-002 is not.
		contract := &model.Contract{Name: "Care", AccountID: f.account.ID, StartDate: model.Date{Time: time.Now().AddDate(0, -1, 0)},
			RegistrationIDs: []string{f.unit.ID}}
		if err := store.Create(salesAdmin, s, contract); err != nil {
			t.Fatal(err)
		}
		authorised := func(lines ...model.RMALineInput) *model.RMA {
			r := f.rma(t, s, lines...)
			if _, err := s.MoveRMA(f.agent, r.ID, 0, store.RMAMove{Status: model.RMAAuthorised}); err != nil {
				t.Fatal(err)
			}
			return r
		}
		repair := func(serial string) model.RMALineInput {
			return model.RMALineInput{Serial: serial, Reason: "defective", Action: model.RMAActionRepair}
		}
		requested := f.rma(t, s, repair("SN-002"))
		pl := store.ServiceOrderRequest{PriceListID: f.eurPrice.ID}
		unchanged(t, s, "orders", model.ECONFLICT, func() error { _, err := s.CreateServiceOrder(f.agent, requested.ID, 0, pl); return err })
		if err := s.DeleteRMA(f.agent, requested.ID, 0); err != nil {
			t.Fatal(err)
		}

		covered := authorised(repair("SN001"))
		unchanged(t, s, "orders", model.EINVALID, func() error {
			_, err := s.CreateServiceOrder(f.agent, covered.ID, 0, store.ServiceOrderRequest{})
			return err
		})
		o, err := s.CreateServiceOrder(f.agent, covered.ID, 0, pl)
		if err != nil || o.Kind != model.OrderKindRepair || o.Billable || o.ExternalRef != covered.Number || !o.NetTotal.IsZero() ||
			!strings.Contains(o.Notes, contract.Number) {
			t.Fatalf("covered %+v %v", o, err)
		}
		if r, _ := store.Get[model.RMA](f.agent, s, covered.ID); strOf(r.ServiceOrderID) != o.ID {
			t.Errorf("rma %+v", r)
		}
		unchanged(t, s, "orders", model.ECONFLICT, func() error { _, err := s.CreateServiceOrder(f.agent, covered.ID, 0, pl); return err })

		mixed := authorised(model.RMALineInput{Serial: "SN-002", Reason: "damaged_in_transit", Action: model.RMAActionReplace},
			model.RMALineInput{ProductID: f.gadget.ID, Reason: "wrong_item", Action: model.RMAActionRefund})
		o, err = s.CreateServiceOrder(f.agent, mixed.ID, 0, pl)
		lines, _ := store.Lines[model.Order](f.agent, s, o.ID)
		if err != nil || o.Kind != model.OrderKindReplacement || !o.Billable || len(lines) != 1 || o.NetTotal.String() != "100" {
			t.Fatalf("billable %+v %+v %v", o, lines, err)
		}
		refunds := authorised(model.RMALineInput{ProductID: f.gadget.ID, Reason: "wrong_item", Action: model.RMAActionRefund})
		unchanged(t, s, "orders", model.EINVALID, func() error { _, err := s.CreateServiceOrder(f.agent, refunds.ID, 0, pl); return err })
	})
}

// strOf is *p, or "" for nil.
func strOf(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
