package console_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
)

// normSpace folds the no-break spaces CLDR puts in Russian numbers.
func normSpace(s string) string {
	return strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(s)
}

// salesPipeline stores a pipeline whose first stage has a checklist.
func (g *rig) salesPipeline(name string, order int) *model.Pipeline {
	g.t.Helper()
	p := &model.Pipeline{Name: name, Active: true, SortOrder: order, Stages: []model.Stage{
		{Name: "Qualify", Probability: 10, Checklist: []string{"Budget confirmed", "Decision maker known"}},
		{Name: "Proposal", Probability: 50}, {Name: "Negotiation", Probability: 80}}}
	g.create(sys, p)
	return p
}

func getDeal(t *testing.T, g *rig, id string) *model.Opportunity {
	t.Helper()
	o, err := store.Get[model.Opportunity](sys, g.s, id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func wantAll(t *testing.T, what, page string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(page, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// TestBoard draws a pipeline's board (columns, cards, counts, sums per
// currency in the user's locale) and moves deals with the card's form —
// the path without JavaScript that a drag also takes —, through the
// store's rules: unknown stages, lost without a reason and stale versions
// are refused with the reason beside the card and nothing changed.
func TestBoard(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		mia := g.user("mia", "Mia Wallace", model.RoleAgent, nil)
		pl := g.salesPipeline("New business", 0)
		other := &model.Pipeline{Name: "Renewals", Active: true, SortOrder: 1, Stages: []model.Stage{{Name: "Due", Probability: 90}}}
		g.create(sys, other)
		acc := &model.Account{Name: "Acme"}
		g.create(sys, acc)
		due := model.Date{Time: time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)}
		big := &model.Opportunity{Name: "Big deal", PipelineID: pl.ID, AccountID: &acc.ID, Amount: model.Dec("1234.5"), Currency: "EUR", NextStepDue: &due}
		usd := &model.Opportunity{Name: "Dollar deal", PipelineID: pl.ID, Amount: model.Dec("1000"), Currency: "USD"}
		third := &model.Opportunity{Name: "Third deal", PipelineID: pl.ID, Stage: "proposal", Amount: model.Dec("200"), Currency: "EUR"}
		won := &model.Opportunity{Name: "Old win", PipelineID: pl.ID, Outcome: model.OutcomeWon, Amount: model.Dec("5"), Currency: "EUR"}
		g.create(g.as(mia), big, usd, third, won)

		b := g.signIn("mia")
		boardPath := "/pipelines/" + pl.ID + "/board"
		page := b.page(boardPath)
		wantAll(t, "board", page, "Pipeline: New business", `data-stage="qualify"`, `data-stage="proposal"`, `data-stage="negotiation"`,
			"Big deal", "Acme", "Mia Wallace", `datetime="2026-12-03">Dec `, "€1,234.50", "€123.45", "€100.00",
			`draggable="true" data-id="`+big.ID+`"`, `action="/opportunities/`+big.ID+`/stage"`, `name="version" value="1"`,
			`<label for="stage-`+big.ID+`">Move to</label>`, `value="outcome:lost"`, `src="/static/board.js?v=`, `aria-current="page">Pipeline`)
		if strings.Contains(page, "Old win") {
			t.Error("the board shows a won deal")
		}
		if n := strings.Count(page, `name="csrf_token"`); n != 4 { // three cards and sign-out
			t.Errorf("%d forms with a token, want 4", n)
		}
		if ru := normSpace(b.with("ru").page(boardPath)); !strings.Contains(ru, "Воронка: New business") || !strings.Contains(ru, "1 234,50 €") {
			t.Errorf("Russian board: %.2000s", ru)
		}

		// The chooser: a list, and a switch that works without JavaScript.
		wantAll(t, "pipelines", b.page("/pipelines"), `href="/pipelines/`+pl.ID+`/board"`, `href="/pipelines/`+other.ID+`/board"`, "Qualify → Proposal → Negotiation")
		if r := b.do("GET", boardPath+"?pipeline="+other.ID+"&mine=1", nil); r.code != http.StatusSeeOther ||
			r.hdr.Get("Location") != "/pipelines/"+other.ID+"/board?mine=1" {
			t.Errorf("chooser: %d %q", r.code, r.hdr.Get("Location"))
		}
		tok := b.csrf(page)
		move := func(id, version, stage, reason string, extra ...string) reply {
			t.Helper()
			f := url.Values{"csrf_token": {tok}, "version": {version}, "stage": {stage}, "reason": {reason}}
			for i := 0; i+1 < len(extra); i += 2 {
				f.Set(extra[i], extra[i+1])
			}
			return b.post("/opportunities/"+id+"/stage", f)
		}
		if r := move(big.ID, "1", "proposal", ""); r.code != http.StatusSeeOther || r.hdr.Get("Location") != boardPath+"?done=moved" {
			t.Fatalf("move: %d %q %.500s", r.code, r.hdr.Get("Location"), r.body)
		}
		o := getDeal(t, g, big.ID)
		if o.Stage != "proposal" || o.Probability != 50 || o.Version != 2 {
			t.Fatalf("after the move: %s %d v%d", o.Stage, o.Probability, o.Version)
		}
		hist, err := g.s.StageHistory(sys, big.ID)
		if err != nil || len(hist) != 2 || hist[1].ToStage != "proposal" || hist[1].ActorID != mia.ID {
			t.Fatalf("stage history: %+v %v", hist, err)
		}
		wantAll(t, "board after the move", b.page(boardPath+"?done=moved"), "The deal is moved.", "€717.25", "€1,434.50") // Proposal: 1234.50×50% + 200×50%

		for _, c := range []struct {
			name, version, stage, reason string
			code                         int
			says                         string
		}{
			{"lost without a reason", "2", "outcome:lost", "", http.StatusUnprocessableEntity, "Say why the deal was lost or disqualified."},
			{"unknown stage", "2", "nowhere", "", http.StatusUnprocessableEntity, "Choose a stage of this pipeline."},
			{"stale version", "1", "negotiation", "", http.StatusPreconditionFailed, "Someone changed it meanwhile"},
			{"no version", "", "negotiation", "", http.StatusUnprocessableEntity, "The form is incomplete"},
		} {
			r := move(big.ID, c.version, c.stage, c.reason)
			if r.code != c.code || !strings.Contains(r.body, c.says) || !strings.Contains(r.body, `<details class="move" open>`) ||
				!strings.Contains(r.body, `aria-describedby="refused-`+big.ID+`"`) {
				t.Errorf("%s: %d %.300s", c.name, r.code, r.body)
			}
			if o := getDeal(t, g, big.ID); o.Version != 2 || o.Stage != "proposal" || !o.IsOpen() {
				t.Errorf("%s changed the deal: %+v", c.name, o)
			}
		}
		// Lost with a reason closes it: it leaves the board.
		if r := move(big.ID, "2", "outcome:lost", "Went with a competitor", "mine", "1"); r.code != http.StatusSeeOther ||
			r.hdr.Get("Location") != boardPath+"?mine=1&done=moved" {
			t.Fatalf("lose: %d %q", r.code, r.hdr.Get("Location"))
		}
		if o := getDeal(t, g, big.ID); o.Outcome != model.OutcomeLost || o.OutcomeReason != "Went with a competitor" || o.ClosedAt == nil {
			t.Fatalf("lost deal: %+v", o)
		}
		if strings.Contains(b.page(boardPath), "Big deal") {
			t.Error("a lost deal is still on the board")
		}

		// An admin sees every deal; "only mine" narrows cards and sums; a
		// column shows its newest 50 cards and counts the rest.
		ada := g.user("ada", "Ada Admin", model.RoleAdmin, nil)
		var many []*model.Opportunity
		for i := range 51 {
			many = append(many, &model.Opportunity{Name: "Ada deal " + strconv.Itoa(i), PipelineID: pl.ID, Stage: "negotiation",
				Amount: model.Dec("10"), Currency: "EUR"})
		}
		if err := store.CreateMany(g.as(ada), g.s, many); err != nil {
			t.Fatal(err)
		}
		a := g.signIn("ada")
		all, mine := a.page(boardPath), a.page(boardPath+"?mine=1")
		wantAll(t, "admin board", all, "Dollar deal", "and 1 more deal", "€510.00", "€408.00")
		wantAll(t, "admin's own board", mine, "and 1 more deal", `name="mine" value="1"`, "€510.00")
		for _, pg := range []string{all, mine} {
			if n := strings.Count(pg, `">Ada deal `); n != 50 {
				t.Errorf("%d of ada's cards shown, want 50", n)
			}
		}
		if strings.Contains(mine, "Dollar deal") || strings.Contains(mine, "$") {
			t.Error("only mine shows another user's deal or sum")
		}
	})
}

// TestOpportunityPage shows a deal's fields, its stage's checklist, its
// stage history and its timeline, and moves it from there.
func TestOpportunityPage(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		mia := g.user("mia", "Mia Wallace", model.RoleAgent, nil)
		pl := g.salesPipeline("New business", 0)
		ct := &model.Contact{FirstName: "Ivan", LastName: "Petrov"}
		g.create(sys, ct)
		o := &model.Opportunity{Name: "Summer stock", PipelineID: pl.ID, ContactID: &ct.ID, Amount: model.Dec("250000"), Currency: "RUB",
			NextStep: "Send the price list"}
		g.create(g.as(mia), o)
		at := time.Now().UTC().Add(-time.Hour)
		g.create(g.as(mia), &model.Activity{Kind: model.KindCall, Subject: "Pricing call", StartAt: &at, OwnerID: &mia.ID,
			Links: []model.Link{{Entity: "opportunity", ID: o.ID}}})
		b := g.signIn("mia")
		page := b.page("/opportunities/" + o.ID)
		wantAll(t, "deal", page, "<h1>Summer stock</h1>", "Checklist: Qualify", "Budget confirmed", "Decision maker known",
			"Send the price list", "Ivan Petrov", "RUB", "Pricing call", `id="timeline"`, "Stage history", "Qualify</td>",
			`href="/opportunities/`+o.ID+`?show=activities#timeline"`)
		r := b.post("/opportunities/"+o.ID+"/stage", url.Values{"csrf_token": {b.csrf(page)}, "version": {"1"}, "stage": {"negotiation"}, "back": {"opportunity"}})
		if r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/opportunities/"+o.ID+"?done=moved" {
			t.Fatalf("move from the deal: %d %q", r.code, r.hdr.Get("Location"))
		}
		page = b.page("/opportunities/" + o.ID)
		wantAll(t, "moved deal", page, "Qualify → Negotiation", "Mia Wallace", "This stage has no checklist.")
		r = b.post("/opportunities/"+o.ID+"/stage", url.Values{"csrf_token": {b.csrf(page)}, "version": {"2"}, "stage": {"outcome:disqualified"}, "back": {"opportunity"}})
		if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Say why the deal was lost or disqualified.") ||
			!strings.Contains(r.body, `aria-describedby="refused"`) {
			t.Errorf("disqualify without a reason: %d", r.code)
		}
	})
}

// TestDealPermissions: deals are team-scoped. An agent of another team
// sees no card, gets 404 on the deal's page and for a move, as the API
// answers; a team mate who does not own it sees it but may not move it.
func TestDealPermissions(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		red, blue := g.team("Red"), g.team("Blue")
		rita := g.user("rita", "Rita Red", model.RoleAgent, red)
		g.user("rob", "Rob Red", model.RoleAgent, red)
		g.user("bill", "Bill Blue", model.RoleAgent, blue)
		pl := g.salesPipeline("New business", 0)
		o := &model.Opportunity{Name: "Secret red deal", PipelineID: pl.ID, Amount: model.Dec("100"), Currency: "EUR"}
		g.create(g.as(rita), o)
		boardPath := "/pipelines/" + pl.ID + "/board"
		move := url.Values{"version": {"1"}, "stage": {"proposal"}}

		bill := g.signIn("bill")
		if strings.Contains(bill.page(boardPath), "Secret red deal") {
			t.Error("bill's board shows the red deal")
		}
		if code, _ := bill.get("/opportunities/" + o.ID); code != http.StatusNotFound {
			t.Errorf("bill opens the red deal: %d", code)
		}
		if code, _ := bill.get("/api/v1/opportunities/" + o.ID); code != http.StatusNotFound {
			t.Errorf("the API shows bill the red deal: %d", code)
		}
		move.Set("csrf_token", bill.token())
		if r := bill.post("/opportunities/"+o.ID+"/stage", move); r.code != http.StatusNotFound || strings.Contains(r.body, "Secret red deal") {
			t.Errorf("bill moves the red deal: %d", r.code)
		}
		rob := g.signIn("rob")
		if !strings.Contains(rob.page(boardPath), "Secret red deal") {
			t.Error("rob's board lacks his team's deal")
		}
		move.Set("csrf_token", rob.token())
		if r := rob.post("/opportunities/"+o.ID+"/stage", move); r.code != http.StatusForbidden || !strings.Contains(r.body, "You may not change this record.") {
			t.Errorf("rob moves rita's deal: %d %.300s", r.code, r.body)
		}
		if d := getDeal(t, g, o.ID); d.Version != 1 || d.Stage != "qualify" {
			t.Errorf("the deal changed: %+v", d)
		}
		if code, _ := bill.get("/pipelines/" + model.NewID() + "/board"); code != http.StatusNotFound {
			t.Errorf("unknown pipeline: %d", code)
		}
	})
}

// deskFixture is a support desk: two queues, a contact with an address,
// requests in them, and an answer-book article.
type deskFixture struct {
	billing, tech                  *model.Queue
	invoice, printer, refund, done *model.Request
	contact                        *model.Contact
}

func (g *rig) desk(mia *model.User) deskFixture {
	g.t.Helper()
	var f deskFixture
	f.billing = &model.Queue{Name: "Billing", Active: true, OrderBy: []string{"priority", "age"}}
	f.tech = &model.Queue{Name: "Tech", Active: true}
	g.create(sys, f.billing, f.tech)
	f.contact = &model.Contact{FirstName: "Ivan", LastName: "Petrov", Emails: []model.Labeled{{Type: "work", Value: "ivan@example.com"}}}
	g.create(sys, f.contact)
	f.invoice = &model.Request{Subject: "Invoice address is wrong", Description: "The invoice shows our old address.", ContactID: &f.contact.ID,
		QueueID: &f.billing.ID, Priority: "high"}
	f.printer = &model.Request{Subject: "Printer broken", QueueID: &f.tech.ID, AssigneeID: &mia.ID, ContactID: &f.contact.ID}
	f.refund = &model.Request{Subject: "Refund please", QueueID: &f.billing.ID, ContactID: &f.contact.ID}
	f.done = &model.Request{Subject: "Solved long ago", QueueID: &f.tech.ID}
	g.create(sys, f.invoice, f.printer, f.refund, f.done)
	if _, err := store.Update(sys, g.s, f.done.ID, 0, func(r *model.Request) error { r.Status = model.RequestResolved; return nil }); err != nil {
		g.t.Fatal(err)
	}
	g.create(sys, &model.KBArticle{Question: "How do I change the address on an invoice?", Answer: "Open the account and edit its billing address.",
		Category: "billing", Status: model.KBPublished})
	return f
}

func getRequest(t *testing.T, g *rig, id string) *model.Request {
	t.Helper()
	r, err := store.Get[model.Request](sys, g.s, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRequestQueues filters the requests list and takes the next request of
// a queue in the queue's order.
func TestRequestQueues(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		mia := g.user("mia", "Mia Wallace", model.RoleAgent, nil)
		f := g.desk(mia)
		b := g.signIn("mia")
		for path, want := range map[string][]bool{ // invoice, printer, refund, done
			"/requests":                                {true, true, true, false},
			"/requests?queue=" + f.billing.ID:          {true, false, true, false},
			"/requests?mine=1":                         {false, true, false, false},
			"/requests?unassigned=1":                   {true, false, true, false},
			"/requests?status=resolved":                {false, false, false, true},
			"/requests?status=all&queue=" + f.tech.ID:  {false, true, false, true},
			"/requests?status=bogus&queue=not-an-id":   {true, true, true, false},
			"/requests?sort=oldest&status=all&mine=1":  {false, true, false, false},
			"/requests?queue=" + f.tech.ID + "&mine=1": {false, true, false, false},
		} {
			page := b.page(path)
			for i, r := range []*model.Request{f.invoice, f.printer, f.refund, f.done} {
				if got := strings.Contains(page, `href="/requests/`+r.ID+`"`); got != want[i] {
					t.Errorf("%s: %s shown = %v", path, r.Subject, got)
				}
			}
		}
		// htmx swaps the results alone.
		if part := b.page("/requests?queue="+f.billing.ID, "HX-Request", "true", "HX-Target", "section#results"); strings.Contains(part, "<html") ||
			!strings.Contains(part, `id="results"`) || !strings.Contains(part, "2 rows shown") {
			t.Errorf("partial: %.500s", part)
		}
		page := b.page("/requests")
		wantAll(t, "requests", page, "Next from Billing", "Next from Tech", `<label for="queue">Queue</label>`, "R-0000")
		tok := b.csrf(page)
		next := func() reply {
			return b.post("/requests/next", url.Values{"csrf_token": {tok}, "queue": {f.billing.ID}})
		}
		for _, want := range []*model.Request{f.invoice, f.refund} { // high priority first
			r := next()
			if r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/requests/"+want.ID+"?done=taken" {
				t.Fatalf("next: %d %q, want %s", r.code, r.hdr.Get("Location"), want.Subject)
			}
			if got := getRequest(t, g, want.ID); deref(got.AssigneeID) != mia.ID || got.Status != model.RequestOpen {
				t.Errorf("taken request: %+v", got)
			}
		}
		if r := next(); r.code != http.StatusOK || !strings.Contains(r.body, "The queue “Billing” has no unassigned open request.") {
			t.Errorf("empty queue: %d %.300s", r.code, r.body)
		}
		if r := b.post("/requests/next", url.Values{"csrf_token": {tok}, "queue": {model.NewID()}}); r.code != http.StatusNotFound {
			t.Errorf("unknown queue: %d", r.code)
		}
		if ru := b.with("ru").page("/requests"); !strings.Contains(ru, "Следующее из «Tech»") {
			t.Errorf("Russian requests page: %.1000s", ru)
		}
	})
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// TestRequestPage works a request from its page: the chronology, an
// internal note, status/priority/assignee/queue, time, answer-book
// suggestions and a reply by mail through the API's composer; refusals
// keep what was typed and change nothing.
func TestRequestPage(t *testing.T) {
	m := &mailer{}
	eachRig(t, func(t *testing.T, g *rig) {
		before := m.enqueued.Load()
		mia := g.user("mia", "Mia Wallace", model.RoleAgent, nil)
		bill := g.user("bill", "Bill Blue", model.RoleAgent, nil)
		f := g.desk(mia)
		g.create(g.as(bill), &model.TimeEntry{RequestID: f.invoice.ID, Minutes: 40, Note: "Bill's own hours"})
		b := g.signIn("mia")
		path := "/requests/" + f.invoice.ID
		page := b.page(path)
		wantAll(t, "request", page, "Invoice address is wrong", "The invoice shows our old address.", "Request opened",
			"How do I change the <mark>address</mark> on an <mark>invoice</mark>?", "Ivan Petrov", `<label for="reply-text">`, `<label for="note-body">`,
			`<label for="work-status">`, `<label for="minutes">`, "No time booked yet.")
		if strings.Contains(page, "Bill's own hours") {
			t.Error("the page shows another user's time entries (they are the owner's only, as in the API)")
		}
		tok := b.csrf(page)
		post := func(action string, f url.Values) reply {
			t.Helper()
			f.Set("csrf_token", tok)
			return b.post(path+"/"+action, f)
		}
		expect := func(r reply, done string) {
			t.Helper()
			if r.code != http.StatusSeeOther || r.hdr.Get("Location") != path+"?done="+done {
				t.Fatalf("%s: %d %q %.500s", done, r.code, r.hdr.Get("Location"), r.body)
			}
		}
		expect(post("note", url.Values{"body": {"Customer is a VIP"}}), "noted")
		cur := getRequest(t, g, f.invoice.ID)
		expect(post("work", url.Values{"version": {itoa(cur.Version)}, "status": {"open"}, "priority": {"urgent"},
			"assignee_id": {mia.ID}, "queue_id": {f.tech.ID}}), "updated")
		expect(post("time", url.Values{"minutes": {"25"}, "day": {"2026-11-20"}, "billable": {"1"}, "note": {"Checked the address"}}), "logged")
		expect(post("reply", url.Values{"text": {"We have corrected the address."}, "status": {"pending_customer"}}), "replied")
		if got := m.enqueued.Load() - before; got != 1 {
			t.Errorf("%d deliveries enqueued, want 1", got)
		}
		mails, err := store.List[model.OutboundMail](sys, g.s, store.ListParams{Equals: map[string]string{"request_id": f.invoice.ID}})
		if err != nil || len(mails.Items) != 1 || mails.Items[0].To[0].Email != "ivan@example.com" || !strings.Contains(mails.Items[0].Subject, "Invoice address is wrong") {
			t.Fatalf("outbox: %+v %v", mails.Items, err)
		}
		cur = getRequest(t, g, f.invoice.ID)
		if cur.Status != model.RequestPendingCustomer || cur.Priority != "urgent" || deref(cur.QueueID) != f.tech.ID || cur.FirstResponseAt == nil {
			t.Errorf("request after the work: %+v", cur)
		}
		page = b.page(path + "?done=replied")
		wantAll(t, "worked request", page, "Your reply is queued for sending.", "Customer is a VIP", `<li class="private">`,
			"We have corrected the address.", `<li class="mail">`, "Priority: high → urgent", "Queue: Billing → Tech", "Assignee: — → Mia Wallace",
			"25 minutes", "Checked the address", "billable")

		n := len(b.page(path))
		for _, c := range []struct {
			action string
			form   url.Values
			code   int
			says   string
		}{
			{"note", url.Values{"body": {"  "}}, http.StatusUnprocessableEntity, "Write the text first."},
			{"reply", url.Values{"text": {""}}, http.StatusUnprocessableEntity, "Write the text first."},
			{"work", url.Values{"version": {itoa(cur.Version)}, "status": {"new"}}, http.StatusUnprocessableEntity, "cannot go to that status"},
			{"work", url.Values{"version": {"1"}, "status": {"open"}}, http.StatusPreconditionFailed, "Someone changed it meanwhile"},
			{"time", url.Values{"minutes": {"0"}, "day": {"2026-11-20"}, "note": {"kept text"}}, http.StatusUnprocessableEntity, "Give the minutes spent"},
			{"time", url.Values{"minutes": {"x"}, "day": {"2026-11-20"}}, http.StatusUnprocessableEntity, "Give the minutes spent"},
			{"time", url.Values{"minutes": {"5"}, "day": {"soon"}}, http.StatusUnprocessableEntity, "Give the day as a date."},
		} {
			r := post(c.action, c.form)
			if r.code != c.code || !strings.Contains(r.body, c.says) {
				t.Errorf("%s %v: %d %.300s", c.action, c.form, r.code, r.body)
			}
			if c.form.Get("note") != "" && !strings.Contains(r.body, `value="kept text"`) {
				t.Errorf("%s: the typed note is lost", c.action)
			}
		}
		if after := getRequest(t, g, f.invoice.ID); after.Version != cur.Version {
			t.Errorf("a refused write changed the request: v%d → v%d", cur.Version, after.Version)
		}
		if len(b.page(path)) != n {
			t.Error("a refused write changed the page")
		}
		if ru := b.with("ru").page(path); !strings.Contains(ru, "Внутренняя заметка") || !strings.Contains(ru, "Приоритет: высокий → срочно") {
			t.Errorf("Russian request page: %.1500s", ru)
		}
	}, withMail(m))
}

// TestRequestPermissions: every employee sees every request (the API's
// policy), so an unknown id is the 404 case; portal users get no console;
// without a mail composer the page offers no reply and a posted one is
// refused with 501, nothing queued.
func TestRequestPermissions(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		mia := g.user("mia", "Mia Wallace", model.RoleAgent, nil)
		g.user("pat", "Pat Portal", model.RolePortal, nil)
		f := g.desk(mia)
		b := g.signIn("mia")
		tok := b.token()
		missing := "/requests/" + model.NewID()
		if code, _ := b.get(missing); code != http.StatusNotFound {
			t.Errorf("unknown request: %d", code)
		}
		for _, action := range []string{"reply", "note", "work", "time"} {
			if r := b.post(missing+"/"+action, url.Values{"csrf_token": {tok}, "text": {"x"}, "body": {"x"}, "version": {"1"}, "minutes": {"5"}, "day": {"2026-11-20"}}); r.code != http.StatusNotFound {
				t.Errorf("%s on an unknown request: %d", action, r.code)
			}
		}
		page := b.page("/requests/" + f.invoice.ID)
		if strings.Contains(page, `action="/requests/`+f.invoice.ID+`/reply"`) || !strings.Contains(page, "Sending mail is not configured on this hub.") {
			t.Error("the page offers a reply without a composer")
		}
		if r := b.post("/requests/"+f.invoice.ID+"/reply", url.Values{"csrf_token": {tok}, "text": {"Hello"}}); r.code != http.StatusNotImplemented ||
			!strings.Contains(r.body, "Sending mail is not configured on this hub.") {
			t.Errorf("reply without a composer: %d", r.code)
		}
		if getRequest(t, g, f.invoice.ID).Version != 1 {
			t.Error("the refused reply changed the request")
		}
		pat := g.signIn("pat")
		for _, p := range []string{"/requests", "/requests/" + f.invoice.ID, "/pipelines"} {
			if code, body := pat.get(p); code != http.StatusForbidden || strings.Contains(body, "Invoice") {
				t.Errorf("portal user on %s: %d", p, code)
			}
		}
	})
}

// TestDeskFormsNeedCSRF posts every new form without the session's token:
// each is refused and changes nothing.
func TestDeskFormsNeedCSRF(t *testing.T) {
	m := &mailer{}
	eachRig(t, func(t *testing.T, g *rig) {
		mia := g.user("mia", "Mia", model.RoleAgent, nil)
		f := g.desk(mia)
		pl := g.salesPipeline("New business", 0)
		o := &model.Opportunity{Name: "Deal", PipelineID: pl.ID, Amount: model.Dec("1"), Currency: "EUR"}
		g.create(g.as(mia), o)
		b := g.signIn("mia")
		rq := "/requests/" + f.invoice.ID
		forms := map[string]url.Values{
			"/opportunities/" + o.ID + "/stage": {"version": {"1"}, "stage": {"proposal"}},
			"/requests/next":                    {"queue": {f.billing.ID}},
			rq + "/reply":                       {"text": {"Hi"}},
			rq + "/note":                        {"body": {"Hi"}},
			rq + "/work":                        {"version": {"1"}, "priority": {"urgent"}},
			rq + "/time":                        {"minutes": {"5"}, "day": {"2026-11-20"}},
		}
		b.refusedWithoutToken(t, forms)
		if getDeal(t, g, o.ID).Version != 1 || getRequest(t, g, f.invoice.ID).Version != 1 || m.enqueued.Load() != 0 {
			t.Error("a form without its token changed something")
		}
		if te, _ := store.List[model.TimeEntry](sys, g.s, store.ListParams{}); len(te.Items) != 0 {
			t.Error("a time entry was booked without the token")
		}
	}, withMail(m))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// with is the same session asking for another language.
func (b *browser) with(lang string) *browser {
	c := *b
	c.lang = lang
	return &c
}
