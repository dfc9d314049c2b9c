package store_test

import (
	"context"
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// offbFixture is a leaver with open and closed records of every kind the
// offboarding rules cover, an heir, and the leaver's team and manager.
type offbFixture struct {
	leaver, heir, manager, other *model.User
	team                         *model.Team
	moves                        []offbRow // rows whose user column must become the heir
	stays                        []offbRow // rows that keep the leaver
	token, appPassword, session  string
	ics                          string
	// records the assertions look at more closely
	openRequest, invalidAccount, othersMeeting, pastMeeting, meeting, restHook string
}

// offbRow is one row's user column.
type offbRow struct{ table, column, id string }

func newOffbFixture(t *testing.T, s *store.Store) *offbFixture {
	t.Helper()
	f := &offbFixture{}
	f.manager = newUser(t, s, "boss@example.com", model.RoleManager)
	f.team = &model.Team{Name: "Day shift", ManagerID: &f.manager.ID}
	offbCreate(t, s, f.team)
	f.leaver = &model.User{Email: "leaver@example.com", Name: "Leo Leaver", Role: model.RoleAgent, TeamID: &f.team.ID}
	if err := s.CreateUser(salesAdmin, f.leaver, ""); err != nil {
		t.Fatal(err)
	}
	f.heir = newUser(t, s, "heir@example.com", model.RoleAgent)
	f.other = newUser(t, s, "other@example.com", model.RoleAgent)
	f.credentials(t, s)
	f.sales(t, s)
	f.support(t, s)
	f.calendar(t, s)
	f.setup(t, s)
	return f
}

func offbCreate[T any, P store.RecordPtr[T]](t *testing.T, s *store.Store, rec P) P {
	t.Helper()
	if err := store.Create(salesAdmin, s, rec); err != nil {
		t.Fatalf("create %T: %v", rec, err)
	}
	return rec
}

// move and stay note what should happen to a row's user column.
func (f *offbFixture) move(table, column, id string) {
	f.moves = append(f.moves, offbRow{table, column, id})
}
func (f *offbFixture) stay(table, column, id string) {
	f.stays = append(f.stays, offbRow{table, column, id})
}

func (f *offbFixture) credentials(t *testing.T, s *store.Store) {
	t.Helper()
	var err error
	must := func(e error) {
		t.Helper()
		if e != nil {
			t.Fatal(e)
		}
	}
	f.token, _, err = s.CreateToken(salesAdmin, f.leaver.ID, "ci", []string{"read", "write"}, 0)
	must(err)
	f.appPassword, _, err = s.CreateAppPassword(salesAdmin, f.leaver.ID, "phone")
	must(err)
	f.session, _, err = s.CreateSession(salesAdmin, f.leaver.ID, "127.0.0.1", "test")
	must(err)
	f.ics, _, err = s.CreateICSFeed(salesAdmin, f.leaver.ID, true)
	must(err)
}

// sales: accounts, contacts, leads, deals, quotes, orders, invoices, contracts.
func (f *offbFixture) sales(t *testing.T, s *store.Store) {
	t.Helper()
	me := &f.leaver.ID
	acc := offbCreate(t, s, &model.Account{Name: "Acme", OwnerID: me})
	f.move("accounts", "owner_id", acc.ID)
	bad := offbCreate(t, s, &model.Account{Name: "Broken", OwnerID: me})
	execSQL(t, s, "UPDATE accounts SET name = '' WHERE id = $1", bad.ID) // no longer validates
	f.invalidAccount = bad.ID
	f.stay("accounts", "owner_id", bad.ID)
	f.move("contacts", "owner_id", offbCreate(t, s, &model.Contact{FirstName: "Ann", OwnerID: me}).ID)
	f.move("leads", "owner_id", offbCreate(t, s, &model.Lead{Company: "Leads Ltd", OwnerID: me}).ID)
	f.stay("leads", "owner_id", offbCreate(t, s, &model.Lead{Company: "Spam Ltd", OwnerID: me,
		Status: model.LeadDisqualified, StatusReason: "spam"}).ID)
	p := newPipeline(t, s, "New business")
	f.move("opportunities", "owner_id", offbCreate(t, s, &model.Opportunity{Name: "Open deal", PipelineID: p.ID, Currency: "EUR", OwnerID: me}).ID)
	f.stay("opportunities", "owner_id", offbCreate(t, s, &model.Opportunity{Name: "Won deal", PipelineID: p.ID, Currency: "EUR",
		OwnerID: me, Outcome: model.OutcomeWon}).ID)
	for _, st := range []struct{ table, open, closed string }{
		{"quotes", model.QuoteSent, model.QuoteAccepted}, {"orders", model.OrderConfirmed, model.OrderFulfilled}, {"invoices", model.InvoiceDraft, model.InvoicePaid}} {
		f.move(st.table, "owner_id", f.priced(t, s, st.table, acc.ID, st.open))
		f.stay(st.table, "owner_id", f.priced(t, s, st.table, acc.ID, st.closed))
	}
	n := 0
	product := func() []string { // one per contract: contracts may not overlap on a product
		n++
		return []string{offbCreate(t, s, &model.Product{SKU: "S-" + offbItoa(n), Name: "Support", Unit: "h", Active: true}).ID}
	}
	f.move("contracts", "owner_id", offbCreate(t, s, &model.Contract{Name: "Support", AccountID: acc.ID, StartDate: day(-30),
		ProductIDs: product(), OwnerID: me}).ID)
	f.stay("contracts", "owner_id", offbCreate(t, s, &model.Contract{Name: "Old support", AccountID: acc.ID, StartDate: day(-60),
		EndDate: dayPtr(-1), ProductIDs: product(), OwnerID: me}).ID)
	f.stay("contracts", "owner_id", offbCreate(t, s, &model.Contract{Name: "Cancelled", AccountID: acc.ID, StartDate: day(-60),
		Status: model.ContractCancelled, ProductIDs: product(), OwnerID: me}).ID)
}

// priced stores a quote, order or invoice of the leaver in status.
func (f *offbFixture) priced(t *testing.T, s *store.Store, table, account, status string) string {
	t.Helper()
	pricing := model.Pricing{Currency: "EUR"}
	var id string
	var err error
	switch table {
	case "quotes":
		q := &model.Quote{AccountID: &account, OwnerID: &f.leaver.ID, Pricing: pricing}
		_, err = s.CreateQuote(salesAdmin, q, nil)
		id = q.ID
	case "orders":
		o := &model.Order{AccountID: &account, OwnerID: &f.leaver.ID, Pricing: pricing}
		_, err = s.CreateOrder(salesAdmin, o, nil)
		id = o.ID
	case "invoices":
		inv := &model.Invoice{AccountID: account, OwnerID: &f.leaver.ID, Pricing: pricing}
		_, err = s.CreateInvoice(salesAdmin, inv, nil)
		id = inv.ID
	}
	if err != nil {
		t.Fatalf("%s: %v", table, err)
	}
	execSQL(t, s, "UPDATE "+table+" SET status = $1 WHERE id = $2", status, id) // the workflow is tested elsewhere
	return id
}

// support: requests (assigned, resolved), time booked, a return.
func (f *offbFixture) support(t *testing.T, s *store.Store) {
	t.Helper()
	me := &f.leaver.ID
	open := offbCreate(t, s, &model.Request{Subject: "Broken", AssigneeID: me, Status: model.RequestOpen})
	f.openRequest = open.ID
	f.move("requests", "assignee_id", open.ID)
	done := offbCreate(t, s, &model.Request{Subject: "Fixed", AssigneeID: me})
	if _, err := store.Update(salesAdmin, s, done.ID, 0, func(r *model.Request) error { r.Status = model.RequestResolved; return nil }); err != nil {
		t.Fatal(err)
	}
	f.stay("requests", "assignee_id", done.ID)
	f.stay("time_entries", "owner_id", offbCreate(t, s, &model.TimeEntry{RequestID: open.ID, UserID: f.leaver.ID, Minutes: 30}).ID)
	r := newReturns(t, s).rma(t, s)
	if _, err := store.Update(salesAdmin, s, r.ID, 0, func(r *model.RMA) error { r.OwnerID = me; return nil }); err != nil {
		t.Fatal(err)
	}
	f.move("rmas", "owner_id", r.ID)
}

// calendar: tasks, appointments (one in a personal calendar, organised by
// the leaver), someone else's meetings the leaver attends.
func (f *offbFixture) calendar(t *testing.T, s *store.Store) {
	t.Helper()
	me := &f.leaver.ID
	cal := offbCreate(t, s, &model.DAVCollection{OwnerID: f.leaver.ID, Kind: model.CollectionCalendar, Slug: "work", Enabled: true})
	f.stay("dav_collections", "owner_id", cal.ID)
	soon, past := time.Now().Add(48*time.Hour).UTC(), time.Now().Add(-48*time.Hour).UTC()
	f.move("activities", "owner_id", offbCreate(t, s, &model.Activity{Kind: model.KindTask, Subject: "Call back", OwnerID: me}).ID)
	f.stay("activities", "owner_id", offbCreate(t, s, &model.Activity{Kind: model.KindTask, Subject: "Done", Status: "completed", OwnerID: me}).ID)
	f.stay("activities", "owner_id", offbCreate(t, s, &model.Activity{Kind: model.KindNote, Subject: "Met them", OwnerID: me}).ID)
	meeting := offbCreate(t, s, &model.Activity{Kind: model.KindAppointment, Subject: "Demo", StartAt: &soon, OwnerID: me, CalendarID: &cal.ID,
		OrganizerEmail: f.leaver.Email, Attendees: []model.Attendee{{UserID: f.leaver.ID}, {Email: "guest@example.org"}}})
	f.meeting = meeting.ID
	f.move("activities", "owner_id", meeting.ID)
	f.stay("activities", "owner_id", offbCreate(t, s, &model.Activity{Kind: model.KindAppointment, Subject: "Last week", StartAt: &past, OwnerID: me}).ID)
	f.othersMeeting = offbCreate(t, s, &model.Activity{Kind: model.KindAppointment, Subject: "Their review", StartAt: &soon, OwnerID: &f.other.ID,
		Attendees: []model.Attendee{{UserID: f.other.ID}, {UserID: f.leaver.ID}}}).ID
	f.pastMeeting = offbCreate(t, s, &model.Activity{Kind: model.KindAppointment, Subject: "Their retro", StartAt: &past, OwnerID: &f.other.ID,
		Attendees: []model.Attendee{{UserID: f.leaver.ID}}}).ID
}

// setup: campaigns, territories, intake doors, reports, hooks, a team the
// leaver manages.
func (f *offbFixture) setup(t *testing.T, s *store.Store) {
	t.Helper()
	me := &f.leaver.ID
	f.move("campaigns", "owner_id", offbCreate(t, s, &model.Campaign{Name: "Spring", Type: "email", Currency: "EUR", OwnerID: me}).ID)
	f.stay("campaigns", "owner_id", offbCreate(t, s, &model.Campaign{Name: "Winter", Type: "email", Currency: "EUR", Status: "completed", OwnerID: me}).ID)
	f.move("territories", "owner_id", offbCreate(t, s, &model.Territory{Name: "North", OwnerID: me}).ID)
	form := &model.WebForm{Name: "Contact us", IntakeRules: model.IntakeRules{Active: true, OwnerID: me, Mapping: map[string]string{"email": "email"}}}
	if err := s.CreateWebForm(salesAdmin, form); err != nil {
		t.Fatal(err)
	}
	f.move("web_forms", "owner_id", form.ID)
	in := &model.InboundHook{Name: "Shop", IntakeRules: model.IntakeRules{Active: true, OwnerID: me, Mapping: map[string]string{"email": "data.email"}}}
	if err := s.CreateInboundHook(salesAdmin, in, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"); err != nil {
		t.Fatal(err)
	}
	f.move("inbound_hooks", "owner_id", in.ID)
	f.move("report_definitions", "owner_id", offbCreate(t, s, &model.ReportDefinition{Name: "Mine", Of: "opportunity", GroupBy: []string{"stage"}, OwnerID: f.leaver.ID}).ID)
	hook := &model.WebhookEndpoint{URL: "https://hooks.example.com/zap", EventTypes: []string{"contact.created"}, Active: true, RESTHook: true, OwnerID: f.leaver.ID}
	if err := s.CreateWebhookEndpoint(salesAdmin, hook, "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"); err != nil {
		t.Fatal(err)
	}
	f.restHook = hook.ID
	f.stay("teams", "manager_id", offbCreate(t, s, &model.Team{Name: "Night shift", ManagerID: me}).ID)
}

// offbUserOf reads a row's user column.
func offbUserOf(t *testing.T, s *store.Store, r offbRow) string {
	t.Helper()
	var v string
	if err := s.DB().QueryRow("SELECT COALESCE("+r.column+", '') FROM "+r.table+" WHERE id = $1", r.id).Scan(&v); err != nil {
		t.Fatalf("%v: %v", r, err)
	}
	return v
}

// offbState is what an offboarding may change, to compare before and after.
func offbState(t *testing.T, s *store.Store, f *offbFixture) string {
	t.Helper()
	var b strings.Builder
	for _, r := range append(append([]offbRow{}, f.moves...), f.stays...) {
		b.WriteString(r.table + "/" + r.id + "=" + offbUserOf(t, s, r) + "\n")
	}
	for _, q := range []string{"SELECT COUNT(*) FROM changes", "SELECT COUNT(*) FROM audit_events",
		"SELECT COUNT(*) FROM users WHERE disabled = TRUE", "SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL",
		"SELECT COUNT(*) FROM sessions", "SELECT COUNT(*) FROM webhook_endpoints WHERE deleted_at IS NULL"} {
		var n int
		if err := s.DB().QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		b.WriteString(q + "=" + offbItoa(n) + "\n")
	}
	return b.String()
}

func offbItoa(n int) string { return strconv.Itoa(n) }

func TestOffboardMovesOpenRecordsAndKeepsHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newOffbFixture(t, s)
		before := offbState(t, s, f)
		dry, err := s.OffboardUser(salesAdmin, f.leaver.ID, store.OffboardOptions{ReassignTo: f.heir.ID, DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if after := offbState(t, s, f); after != before || !dry.DryRun {
			t.Fatalf("a dry run wrote:\n%s\nwas:\n%s", after, before)
		}
		if _, _, err := s.TokenAuth(salesAdmin, f.token); err != nil {
			t.Fatalf("a dry run revoked the token: %v", err)
		}
		rep, err := s.OffboardUser(salesAdmin, f.leaver.ID, store.OffboardOptions{ReassignTo: f.heir.ID})
		if err != nil {
			t.Fatal(err)
		}
		dry.DryRun = false
		if a, b := offbJSON(t, dry), offbJSON(t, rep); a != b {
			t.Fatalf("the dry run's report differs:\n%s\n%s", a, b)
		}
		for _, r := range f.moves {
			if got := offbUserOf(t, s, r); got != f.heir.ID {
				t.Errorf("%v: %s, want the heir", r, got)
			}
		}
		for _, r := range f.stays {
			if got := offbUserOf(t, s, r); got != f.leaver.ID {
				t.Errorf("%v: %s, want the leaver", r, got)
			}
		}
		checkOffbReport(t, f, rep)
		checkOffbCredentials(t, s, f, rep)
		checkOffbCalendar(t, s, f)
		checkOffbFeed(t, s, f)
	})
}

func offbJSON(t *testing.T, rep *store.OffboardReport) string {
	t.Helper()
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkOffbReport compares the report's counts with the fixture's.
func checkOffbReport(t *testing.T, f *offbFixture, rep *store.OffboardReport) {
	t.Helper()
	moved, left := map[string]int{}, map[string]int{}
	for _, it := range rep.Items {
		if it.Action == store.OffboardReassigned && it.Count > 0 {
			moved[store.Tables[it.Entity]] += it.Count
		}
		if it.Count > store.OffboardIDCap || len(it.IDs) != it.Count {
			t.Errorf("%s: %d ids for %d", it.Entity, len(it.IDs), it.Count)
		}
		for _, l := range it.Left {
			if it.Field != "attendees[].user_id" {
				left[store.Tables[it.Entity]] += l.Count
			}
			if l.Reason == "" || len(l.IDs) != l.Count {
				t.Errorf("%s left: %+v", it.Entity, l)
			}
		}
	}
	wantMoved, wantLeft := map[string]int{}, map[string]int{}
	for _, r := range f.moves {
		wantMoved[r.table]++
	}
	for _, r := range f.stays {
		wantLeft[r.table]++
	}
	if !reflect.DeepEqual(moved, wantMoved) || !reflect.DeepEqual(left, wantLeft) {
		t.Errorf("moved %v\nwant  %v\nleft %v\nwant %v", moved, wantMoved, left, wantLeft)
	}
	item := offbItem(t, rep, "account", "owner_id")
	if len(item.Left) != 1 || item.Left[0].Reason != "could not move: validation failed (name: required)" || item.Left[0].IDs[0] != f.invalidAccount {
		t.Errorf("the invalid account: %+v", item.Left)
	}
	if it := offbItem(t, rep, "webhook_endpoint", "owner_id"); it.Action != store.OffboardDeleted || it.Count != 1 || it.IDs[0] != f.restHook {
		t.Errorf("REST hooks: %+v", it)
	}
	if rep.Heir != "heir@example.com" || rep.User != "leaver@example.com" || rep.WasDisabled || rep.Moved != len(f.moves)+3 /* attendees twice, the REST hook */ {
		t.Errorf("report: %+v", rep)
	}
}

func offbItem(t *testing.T, rep *store.OffboardReport, entity, field string) store.OffboardItem {
	t.Helper()
	for _, it := range rep.Items {
		if it.Entity == entity && it.Field == field {
			return it
		}
	}
	t.Fatalf("no item for %s.%s", entity, field)
	return store.OffboardItem{}
}

// checkOffbCredentials: the user is disabled and every credential dead.
func checkOffbCredentials(t *testing.T, s *store.Store, f *offbFixture, rep *store.OffboardReport) {
	t.Helper()
	want := store.OffboardCredentials{Sessions: 1, Tokens: 1, AppPasswords: 1, ICSFeeds: 1}
	if rep.Revoked != want {
		t.Errorf("revoked %+v", rep.Revoked)
	}
	if _, _, err := s.TokenAuth(salesAdmin, f.token); model.ErrorCode(err) != model.EUNAUTHORIZED {
		t.Errorf("token: %v", err)
	}
	if _, err := s.AppPasswordAuth(salesAdmin, f.leaver.Email, f.appPassword); model.ErrorCode(err) != model.EUNAUTHORIZED {
		t.Errorf("app password: %v", err)
	}
	if _, _, err := s.SessionAuth(salesAdmin, f.session); model.ErrorCode(err) != model.EUNAUTHORIZED {
		t.Errorf("session: %v", err)
	}
	if _, _, err := s.ICSFeedAuth(salesAdmin, f.ics); err == nil {
		t.Error("the calendar feed still works")
	}
	u, err := store.Get[model.User](salesAdmin, s, f.leaver.ID)
	if err != nil || !u.Disabled {
		t.Fatalf("leaver %+v %v", u, err)
	}
	evs, err := s.AuditEvents(salesAdmin, "", 50)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range evs {
		if e.TargetID == f.leaver.ID {
			actions = append(actions, e.Action)
		}
	}
	if !slices.Contains(actions, store.AuditUserOffboarded) || !slices.Contains(actions, model.AuditUserDisabled) {
		t.Errorf("audit: %v", actions)
	}
}

// checkOffbCalendar: the moved appointment left the personal calendar and
// its organizer; the leaver no longer attends future meetings, past ones
// keep them.
func checkOffbCalendar(t *testing.T, s *store.Store, f *offbFixture) {
	t.Helper()
	a, err := store.Get[model.Activity](salesAdmin, s, f.meeting)
	if err != nil {
		t.Fatal(err)
	}
	if a.CalendarID != nil || a.OrganizerEmail != "" || len(a.Attendees) != 1 || a.Attendees[0].Email != "guest@example.org" {
		t.Errorf("moved meeting: %+v", a)
	}
	for id, want := range map[string]int{f.othersMeeting: 1, f.pastMeeting: 1} {
		a, err := store.Get[model.Activity](salesAdmin, s, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Attendees) != want || (id == f.othersMeeting && a.Attendees[0].UserID != f.other.ID) ||
			(id == f.pastMeeting && a.Attendees[0].UserID != f.leaver.ID) {
			t.Errorf("%s attendees: %+v", a.Subject, a.Attendees)
		}
	}
	entries, err := s.DAVEntries(model.WithActor(context.Background(), model.Actor{UserID: f.heir.ID, Role: model.RoleAgent}),
		store.DAVScope{Slug: model.SlugAppointments, UserID: f.heir.ID})
	if err != nil || len(entries) != 1 || entries[0].ID != f.meeting {
		t.Errorf("the heir's calendar: %+v %v", entries, err)
	}
}

// checkOffbFeed: moves are ordinary versioned updates with the usual
// domain events.
func checkOffbFeed(t *testing.T, s *store.Store, f *offbFixture) {
	t.Helper()
	var event, fields string
	err := s.DB().QueryRow("SELECT COALESCE(event, ''), fields FROM changes WHERE entity = 'request' AND record_id = $1 ORDER BY seq DESC LIMIT 1", f.openRequest).
		Scan(&event, &fields)
	if err != nil {
		t.Fatal(err)
	}
	if event != model.EventRequestAssigned || !strings.Contains(fields, f.heir.ID) {
		t.Errorf("request change: %q %s", event, fields)
	}
	r, err := store.Get[model.Request](salesAdmin, s, f.openRequest)
	if err != nil || r.Version != 2 {
		t.Errorf("request version %d %v", r.Version, err)
	}
	var hooks int
	if err := s.DB().QueryRow("SELECT COUNT(*) FROM changes WHERE entity = 'webhook_endpoint' AND record_id = $1 AND op = 'delete'", f.restHook).Scan(&hooks); err != nil || hooks != 1 {
		t.Errorf("REST hook delete rows: %d %v", hooks, err)
	}
}

func TestOffboardToManager(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		boss := newUser(t, s, "boss@example.com", model.RoleManager)
		team := offbCreate(t, s, &model.Team{Name: "Day shift", ManagerID: &boss.ID})
		bare := offbCreate(t, s, &model.Team{Name: "No boss"})
		leaver := offbMember(t, s, "leaver@example.com", &team.ID)
		acc := offbCreate(t, s, &model.Account{Name: "Acme", OwnerID: &leaver.ID})
		toManager := store.OffboardOptions{ToManager: true}
		for _, u := range []*model.User{newUser(t, s, "loner@example.com", model.RoleAgent), offbMember(t, s, "orphan@example.com", &bare.ID), boss} {
			if u == boss {
				if _, err := store.Update(salesAdmin, s, boss.ID, 0, func(u *model.User) error { u.TeamID = &team.ID; return nil }); err != nil {
					t.Fatal(err)
				}
			}
			_, err := s.OffboardUser(salesAdmin, u.ID, toManager)
			var me *model.Error
			if !asError(err, &me) || me.Code != model.EINVALID || me.Fields["to_manager"] == "" {
				t.Errorf("%s: %v", u.Email, err)
			}
		}
		rep, err := s.OffboardUser(salesAdmin, leaver.ID, toManager)
		if err != nil {
			t.Fatal(err)
		}
		if rep.HeirID != boss.ID || !rep.ToManager || offbUserOf(t, s, offbRow{"accounts", "owner_id", acc.ID}) != boss.ID {
			t.Errorf("report %+v", rep)
		}
	})
}

func offbMember(t *testing.T, s *store.Store, email string, team *string) *model.User {
	t.Helper()
	u := &model.User{Email: email, Name: email, Role: model.RoleAgent, TeamID: team}
	if err := s.CreateUser(salesAdmin, u, ""); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestOffboardRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		admin := newUser(t, s, "admin@example.com", model.RoleAdmin)
		agent := newUser(t, s, "agent@example.com", model.RoleAgent)
		heir := newUser(t, s, "heir@example.com", model.RoleAgent)
		portal := newUser(t, s, "portal@example.com", model.RolePortal)
		gone := newUser(t, s, "gone@example.com", model.RoleAgent)
		if _, err := store.Update(salesAdmin, s, gone.ID, 0, func(u *model.User) error { u.Disabled = true; return nil }); err != nil {
			t.Fatal(err)
		}
		as := func(u *model.User, scopes ...string) context.Context {
			return model.WithActor(context.Background(), model.Actor{UserID: u.ID, Name: u.Name, Role: u.Role, Scopes: scopes})
		}
		to := func(id string) store.OffboardOptions { return store.OffboardOptions{ReassignTo: id} }
		tests := []struct {
			name string
			ctx  context.Context
			user string
			opt  store.OffboardOptions
			code string
		}{
			{"an agent", as(agent), heir.ID, to(agent.ID), model.EFORBIDDEN},
			{"an admin's write token", as(admin, "read", "write"), agent.ID, to(heir.ID), model.EFORBIDDEN},
			{"neither heir nor manager", salesAdmin, agent.ID, store.OffboardOptions{}, model.EINVALID},
			{"both", salesAdmin, agent.ID, store.OffboardOptions{ReassignTo: heir.ID, ToManager: true}, model.EINVALID},
			{"to themselves", salesAdmin, agent.ID, to(agent.ID), model.EINVALID},
			{"to a disabled user", salesAdmin, agent.ID, to(gone.ID), model.EINVALID},
			{"to a portal user", salesAdmin, agent.ID, to(portal.ID), model.EINVALID},
			{"to nobody", salesAdmin, agent.ID, to(model.NewID()), model.EINVALID},
			{"to a bad id", salesAdmin, agent.ID, to("x\x00"), model.EINVALID},
			{"an unknown user", salesAdmin, model.NewID(), to(heir.ID), model.ENOTFOUND},
			{"oneself", as(admin), admin.ID, to(heir.ID), model.ECONFLICT},
			{"the last admin", salesAdmin, admin.ID, to(heir.ID), model.ECONFLICT},
		}
		before := feedSeq(t, s)
		for _, tt := range tests {
			if _, err := s.OffboardUser(tt.ctx, tt.user, tt.opt); model.ErrorCode(err) != tt.code {
				t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
			}
		}
		if feedSeq(t, s) != before {
			t.Fatal("a refused offboarding wrote")
		}
		second := newUser(t, s, "second@example.com", model.RoleAdmin)
		if _, err := s.OffboardUser(as(second), admin.ID, to(heir.ID)); err != nil {
			t.Fatalf("an admin with another admin left: %v", err)
		}
		// Offboarding a user who was disabled before sweeps credentials made since.
		tok, _, err := s.CreateToken(salesAdmin, gone.ID, "late", nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := s.OffboardUser(as(second), gone.ID, to(heir.ID))
		if err != nil || !rep.WasDisabled || rep.Revoked.Tokens != 1 {
			t.Fatalf("a disabled user: %+v %v", rep, err)
		}
		var live int
		if err := s.DB().QueryRow("SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL AND user_id = $1", gone.ID).Scan(&live); err != nil || live != 0 {
			t.Fatalf("token %s still live: %d %v", tok[:8], live, err)
		}
	})
}

// offbRecords holds one value of every record type, filled so that Refs
// reports every reference it can make (a slice of structs gets an
// element). The list must name every entity of store.Tables.
func offbRecords() []model.Record {
	return []model.Record{&model.User{}, &model.Team{}, &model.Territory{}, &model.Account{}, &model.Contact{}, &model.Activity{},
		&model.Attachment{}, &model.DAVCollection{}, &model.WebhookEndpoint{}, &model.WebForm{}, &model.InboundHook{},
		&model.Pipeline{}, &model.Opportunity{}, &model.Competitor{}, &model.Lead{}, &model.Campaign{}, &model.ReportDefinition{},
		&model.CampaignMember{}, &model.MailingList{}, &model.Script{}, &model.Product{}, &model.PriceList{}, &model.ExchangeRate{},
		&model.Quote{}, &model.Order{}, &model.KBArticle{}, &model.KBVote{}, &model.Request{}, &model.Queue{}, &model.SLATarget{},
		&model.TimeEntry{}, &model.Registration{}, &model.RMA{}, &model.Contract{}, &model.Invoice{}, &model.BillingRun{},
		&model.DocumentTemplate{}, &model.Mailbox{}, &model.MailMessage{}, &model.MailQuarantine{}, &model.OutboundMail{},
		&model.MailSuppression{}}
}

// offbFill sets every string of v to "x", every *string to a pointer to "x",
// and gives every slice of structs one filled element.
func offbFill(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.Type().Elem().Kind() == reflect.String {
			x := "x"
			v.Set(reflect.ValueOf(&x))
		} else if !v.IsNil() {
			offbFill(v.Elem())
		}
	case reflect.String:
		v.SetString("x")
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				offbFill(v.Field(i))
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Struct {
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
			offbFill(v.Index(0))
		}
	}
}

var offbRefIndex = regexp.MustCompile(`\[\d+\]`)

// TestOffboardRulesCoverEveryUserReference fails when a record type's
// reference to a user (through Refs), or a user-like column of any table,
// has neither an offboarding rule nor a listed reason to be left alone.
func TestOffboardRulesCoverEveryUserReference(t *testing.T) {
	rules := store.OffboardRuleColumns()
	entities := map[string]bool{}
	refs := map[string]bool{}
	for _, rec := range offbRecords() {
		entities[rec.Entity()] = true
		offbFill(reflect.ValueOf(rec).Elem())
		referrer, ok := rec.(model.Referrer)
		if !ok {
			continue
		}
		for _, r := range referrer.Refs() {
			if r.Entity == "user" {
				refs[rec.Entity()+"."+offbRefIndex.ReplaceAllString(r.Field, "[]")] = true
			}
		}
	}
	for entity := range store.Tables {
		if !entities[entity] {
			t.Errorf("entity %s is missing from offbRecords: add its type", entity)
		}
	}
	for ref := range refs {
		if _, ok := rules[ref]; !ok {
			t.Errorf("%s refers to a user but has no offboarding rule (model/store/offboard_rules.go)", ref)
		}
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) { checkOffbColumns(t, s, rules) })
}

// offbIgnored are the user-like columns offboarding leaves alone, and why.
var offbIgnored = map[string]string{
	"*.created_by": "history: who made the record", "*.updated_by": "history: who changed it last",
	"api_tokens.user_id": "a credential: revoked when the user is disabled", "app_passwords.user_id": "a credential: revoked when disabled",
	"sessions.user_id": "a credential: deleted when disabled", "ics_feeds.user_id": "a credential: revoked when disabled",
	"idempotency_keys.user_id":           "the replay cache of the user's own requests; it expires",
	"audit_events.actor_id":              "history: the audit log",
	"changes.actor_id":                   "history: the change feed",
	"opportunity_stage_changes.actor_id": "history: who moved the deal",
	"rma_status_changes.actor_id":        "history: who moved the return",
	"registration_transfers.actor_id":    "history: who recorded the transfer",
	"mailing_list_members.added_by":      "history: who added the member",
	"quotes.superseded_by":               "a quote, not a user",
	"report_definitions.group_by":        "not a user",
	"queues.order_by":                    "not a user",
}

// offbUserColumn matches column names that may hold a user id.
var offbUserColumn = regexp.MustCompile(`(^|_)(owner|assignee|user|manager|actor|author|agent|approver|reviewer)_id$|_by$`)

// checkOffbColumns finds every user-like column of the schema and wants a
// rule or a reason for each, and every rule's column in the schema.
func checkOffbColumns(t *testing.T, s *store.Store, rules map[string]string) {
	covered, stale := map[string]bool{}, map[string]bool{}
	for _, col := range rules {
		covered[col], stale[col] = true, true
	}
	q := `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'`
	if s.Engine() == "postgres" {
		q = `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`
	}
	rows, err := s.DB().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var missing []string
	n := 0
	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			t.Fatal(err)
		}
		delete(stale, table+"."+column)
		if strings.HasPrefix(table, "river_") || !offbUserColumn.MatchString(column) {
			continue
		}
		n++
		key := table + "." + column
		if !covered[key] && offbIgnored[key] == "" && offbIgnored["*."+column] == "" {
			missing = append(missing, key)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Strings(missing)
	if len(missing) > 0 || n < 20 {
		t.Errorf("user-like columns with no offboarding rule nor reason (of %d): %v", n, missing)
	}
	if len(stale) > 0 {
		t.Errorf("offboarding rules on columns the schema does not have: %v", stale)
	}
}
