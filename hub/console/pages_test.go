package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"rapport/hub/auth"
	"rapport/hub/console"
	"rapport/model"
	"rapport/model/store"
)

func TestAnonymousGoesToSignIn(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		b := g.anonymous()
		for path, want := range map[string]string{
			"/":                          "/login",
			"/contacts?q=%D0%B8%D0%B2":   "/login?next=%2Fcontacts%3Fq%3D%25D0%25B8%25D0%25B2",
			"/accounts/" + model.NewID(): "/login?next=%2Faccounts%2F",
			"/profile":                   "/login?next=%2Fprofile",
		} {
			r := b.do("GET", path, nil)
			if r.code != http.StatusFound || !strings.HasPrefix(r.hdr.Get("Location"), want) {
				t.Errorf("anonymous GET %s: %d %q, want 302 %q", path, r.code, r.hdr.Get("Location"), want)
			}
			if r.hdr.Get("Content-Security-Policy") != auth.ContentSecurityPolicy {
				t.Errorf("GET %s: CSP %q", path, r.hdr.Get("Content-Security-Policy"))
			}
		}
		if r := b.do("HEAD", "/", nil); r.code != http.StatusFound {
			t.Errorf("anonymous HEAD /: %d", r.code)
		}
		if r := b.post("/profile", url.Values{"language": {"ru"}}); r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/login" {
			t.Errorf("anonymous POST: %d %q", r.code, r.hdr.Get("Location"))
		}
		// The sign-in page is the console's, with its stylesheet and htmx.
		login := b.page("/login?next=/contacts")
		for _, want := range []string{`<html lang="en">`, `href="/static/console.css?v=`, `src="/static/htmx.min.js?v=`,
			`name="next" value="/contacts"`, `autocomplete="current-password"`, `<main id="main"`} {
			if !strings.Contains(login, want) {
				t.Errorf("login page lacks %s", want)
			}
		}
	})
}

func TestSignInAndOut(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		g.user("mia", "Mia Wallace", model.RoleAgent, nil)
		b := g.anonymous()
		_, form := b.get("/login?next=%2Fcontacts")
		if r := b.post("/login", url.Values{"login": {"mia"}, "password": {"wrong password!"}, "csrf_token": {b.csrf(form)}}); r.code != http.StatusUnauthorized ||
			!strings.Contains(r.body, "Wrong e-mail, username or password.") || !strings.Contains(r.body, `value="mia"`) {
			t.Fatalf("wrong password: %d %s", r.code, r.body)
		}
		_, form = b.get("/login")
		r := b.post("/login", url.Values{"login": {"mia"}, "password": {password}, "csrf_token": {b.csrf(form)}, "next": {"/contacts"}})
		if r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/contacts" {
			t.Fatalf("sign in: %d %q", r.code, r.hdr.Get("Location"))
		}
		home := b.page("/")
		if !strings.Contains(home, "Hello, Mia Wallace") || !strings.Contains(home, `aria-current="page">Home`) {
			t.Fatalf("home: %.3000s", home)
		}
		if r := b.post("/logout", url.Values{"csrf_token": {"forged"}}); r.code != http.StatusForbidden ||
			!strings.Contains(r.body, "Sign-out could not be verified") {
			t.Fatalf("forged sign-out: %d %s", r.code, r.body)
		}
		if r := b.post("/logout", url.Values{"csrf_token": {b.csrf(home)}}); r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/login" {
			t.Fatalf("sign out: %d %q", r.code, r.hdr.Get("Location"))
		}
		if code, _ := b.get("/"); code != http.StatusFound {
			t.Fatalf("home after signing out: %d", code)
		}
	})
}

// TestFormsNeedCSRF posts every form of the console without the session's
// token: each is refused and changes nothing.
func TestFormsNeedCSRF(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		u := g.user("mia", "Mia", model.RoleAgent, nil)
		b := g.signIn("mia")
		_, pw, err := g.s.CreateAppPassword(sys, u.ID, "Phone")
		if err != nil {
			t.Fatal(err)
		}
		forms := map[string]url.Values{
			"/profile":               {"language": {"ru"}, "time_zone": {"Europe/Moscow"}},
			"/profile/password":      {"current_password": {password}, "new_password": {"another long password"}, "confirm_password": {"another long password"}},
			"/profile/app-passwords": {"label": {"Laptop"}},
			"/profile/app-passwords/" + pw.ID + "/revoke": {},
		}
		b.refusedWithoutToken(t, forms)
		me, err := store.Get[model.User](sys, g.s, u.ID)
		if err != nil || me.Language != "" || me.TimeZone != "" {
			t.Fatalf("preferences changed: %+v %v", me, err)
		}
		if _, err := g.s.CheckLogin(sys, "mia", password); err != nil {
			t.Fatalf("password changed: %v", err)
		}
		pws, _ := g.s.AppPasswords(sys, u.ID)
		if len(pws) != 1 || pws[0].RevokedAt != nil {
			t.Fatalf("app passwords changed: %+v", pws)
		}
		// The token in the header (htmx) is as good as the field.
		if r := b.post("/profile", url.Values{"language": {"ru"}}, auth.CSRFHeader, b.token()); r.code != http.StatusSeeOther {
			t.Fatalf("with the header: %d %s", r.code, r.body)
		}
	})
}

// TestVisibilityFollowsTheAPI: deals, quotes and orders are team-scoped.
// An agent of another team sees the contact (shared by all staff) but not
// the other team's deal, quote or order on its timeline, exactly as the API
// hides them; a portal user gets no console at all.
func TestVisibilityFollowsTheAPI(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		red, blue := g.team("Red"), g.team("Blue")
		rita := g.user("rita", "Rita Red", model.RoleAgent, red)
		g.user("bill", "Bill Blue", model.RoleAgent, blue)
		g.user("pat", "Pat Portal", model.RolePortal, nil)
		g.pipeline()
		acc := &model.Account{Name: "Acme"}
		g.create(sys, acc)
		ct := &model.Contact{FirstName: "Ivan", LastName: "Petrov", AccountID: &acc.ID}
		g.create(sys, ct)
		asRita := g.as(rita)
		quote := &model.Quote{ContactID: &ct.ID, AccountID: &acc.ID, Pricing: model.Pricing{Currency: "EUR"}}
		order := &model.Order{ContactID: &ct.ID, AccountID: &acc.ID, Pricing: model.Pricing{Currency: "EUR"}}
		g.create(asRita,
			&model.Opportunity{Name: "Secret red deal", ContactID: &ct.ID, AccountID: &acc.ID, Amount: model.Dec("100"), Currency: "EUR"},
			quote, order,
			&model.Activity{Kind: model.KindNote, Subject: "Shared note", ContactID: &ct.ID, AccountID: &acc.ID, OwnerID: &rita.ID})

		for who, sees := range map[string]bool{"rita": true, "bill": false} {
			b := g.signIn(who)
			for _, path := range []string{"/contacts/" + ct.ID, "/accounts/" + acc.ID} {
				page := b.page(path)
				if !strings.Contains(page, "Shared note") {
					t.Errorf("%s on %s: no shared note", who, path)
				}
				// The numbers themselves: "Q-" alone may occur in a random CSRF token.
				for _, hidden := range []string{"Secret red deal", ">" + quote.Number, ">" + order.Number} {
					if strings.Contains(page, hidden) != sees {
						t.Errorf("%s on %s: shows %q = %v, want %v", who, path, hidden, !sees, sees)
					}
				}
			}
			// The API agrees.
			_, body := b.get("/api/v1/opportunities?contact_id=" + ct.ID)
			if strings.Contains(body, "Secret red deal") != sees {
				t.Errorf("API for %s: %s", who, body)
			}
		}
		pat := g.signIn("pat")
		if code, body := pat.get("/"); code != http.StatusForbidden || strings.Contains(body, "Ivan") {
			t.Errorf("portal user on the console: %d", code)
		}
		b := g.signIn("bill")
		if code, _ := b.get("/contacts/" + model.NewID()); code != http.StatusNotFound {
			t.Errorf("unknown contact: %d", code)
		}
		if code, _ := b.get("/contacts/not-an-id"); code != http.StatusNotFound {
			t.Errorf("malformed id: %d", code)
		}
	})
}

var rowLink = regexp.MustCompile(`<a href="/contacts/([0-9a-f-]{36})">`)

func TestContactsListSearchAndPages(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		g.user("mia", "Mia", model.RoleAgent, nil)
		acc := &model.Account{Name: "Ромашка"}
		g.create(sys, acc)
		names := [][2]string{{"Иван", "Сидоров"}, {"Anna", "Smith"}, {"Boris", "Sidorenko"}, {"Carol", "Jones"},
			{"David", "Brown"}, {"Елена", "Петрова"}, {"Frank", "Miller"}}
		for i, n := range names {
			c := &model.Contact{FirstName: n[0], LastName: n[1], Emails: []model.Labeled{{Type: "work", Value: fmt.Sprintf("p%d@example.com", i)}}}
			if i == 0 {
				c.AccountID = &acc.ID
			}
			g.create(sys, c)
		}
		b := g.signIn("mia")
		page := b.page("/contacts?q=сидор")
		if !strings.Contains(page, "Иван Сидоров") || strings.Contains(page, "Sidorenko") || !strings.Contains(page, "Ромашка") {
			t.Fatalf("search сидор: %.3000s", page)
		}
		// The company's name finds its people; an e-mail address finds its owner.
		if page := b.page("/contacts?q=" + url.QueryEscape("ромаш")); !strings.Contains(page, "Иван Сидоров") {
			t.Errorf("search by company")
		}
		if page := b.page("/contacts?q=p3%40example.com"); !strings.Contains(page, "Carol Jones") || strings.Contains(page, "Anna") {
			t.Errorf("search by e-mail")
		}
		if page := b.page("/contacts?q=zzz"); !strings.Contains(page, "No contacts match “zzz”.") {
			t.Errorf("no match")
		}
		// htmx asks for the results alone, with an announcement for screen readers.
		frag := b.page("/contacts?q=sid", "HX-Request", "true", "HX-Target", "section#results")
		if strings.Contains(frag, "<html") || !strings.HasPrefix(strings.TrimSpace(frag), `<section id="results"`) ||
			!strings.Contains(frag, "Boris Sidorenko") || !strings.Contains(frag, `hx-swap-oob="true"`) {
			t.Fatalf("partial: %.3000s", frag)
		}
		// A history restore gets the whole page.
		if full := b.page("/contacts?q=sid", "HX-Request", "true", "HX-Target", "section#results", "HX-History-Restore-Request", "true"); !strings.Contains(full, "<html") {
			t.Fatalf("history restore got a fragment")
		}
	}, func(c *console.Config) { c.PageSize = 3 })
}

func TestContactsPagination(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		g.user("mia", "Mia", model.RoleAgent, nil)
		for i := range 8 {
			g.create(sys, &model.Contact{FirstName: "Person", LastName: fmt.Sprintf("N%02d", i)})
		}
		b := g.signIn("mia")
		var seen []string
		path := "/contacts"
		var pages []string
		for range 5 {
			page := b.page(path)
			pages = append(pages, path)
			for _, m := range rowLink.FindAllStringSubmatch(page, -1) {
				seen = append(seen, m[1])
			}
			next := nextLink.FindStringSubmatch(page)
			if next == nil {
				break
			}
			path = unescapeAmp(next[1])
		}
		if len(seen) != 8 || len(pages) != 3 {
			t.Fatalf("walked %d rows in %d pages", len(seen), len(pages))
		}
		// "Previous" from the last page leads to the second.
		last := b.page(pages[2])
		prev := regexp.MustCompile(`href="([^"]+)" rel="prev"`).FindStringSubmatch(last)
		if prev == nil {
			t.Fatalf("no previous link: %.3000s", last)
		}
		second := b.page(strings.ReplaceAll(prev[1], "&amp;", "&"))
		if m := rowLink.FindStringSubmatch(second); m == nil || m[1] != seen[3] {
			t.Fatalf("previous page starts with %v, want %s", m, seen[3])
		}
		if code, _ := b.get("/contacts?after=garbage"); code != http.StatusUnprocessableEntity {
			t.Errorf("bad cursor: %d", code)
		}
	}, func(c *console.Config) { c.PageSize = 3 })
}

// timelineFixture is a contact and account with one record of every kind
// on their timeline.
type timelineFixture struct {
	acc *model.Account
	ct  *model.Contact
}

func (g *rig) timelineFixture(owner *model.User, n int) timelineFixture {
	g.t.Helper()
	acc := &model.Account{Name: "Globex GmbH", Industry: "Manufacturing", Website: "https://globex.example"}
	g.create(sys, acc)
	ct := &model.Contact{FirstName: "Hans", LastName: "Gruber", Title: "CFO", AccountID: &acc.ID,
		Emails: []model.Labeled{{Type: "work", Value: "hans@globex.example"}}, Tags: []string{"vip"}}
	g.create(sys, ct)
	ctx := g.as(owner)
	at := time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)
	for i := range n {
		when := at.Add(time.Duration(i) * time.Hour)
		g.create(ctx,
			&model.Activity{Kind: model.KindCall, Subject: fmt.Sprintf("Call %d", i), StartAt: &when, ContactID: &ct.ID, AccountID: &acc.ID, OwnerID: &owner.ID},
			&model.Activity{Kind: model.KindEmail, Subject: fmt.Sprintf("Mail %d", i), Status: "received", ContactID: &ct.ID, AccountID: &acc.ID, OwnerID: &owner.ID},
			&model.Activity{Kind: model.KindDocument, Subject: fmt.Sprintf("Letter %d.docx", i), ContactID: &ct.ID, AccountID: &acc.ID, OwnerID: &owner.ID},
			&model.Request{Subject: fmt.Sprintf("Printer %d jams", i), ContactID: &ct.ID, AccountID: &acc.ID, AssigneeID: &owner.ID},
			&model.Opportunity{Name: fmt.Sprintf("Deal %d", i), ContactID: &ct.ID, AccountID: &acc.ID, Amount: model.Dec("1234.5"), Currency: "EUR"},
			&model.Quote{ContactID: &ct.ID, AccountID: &acc.ID, Pricing: model.Pricing{Currency: "EUR"}},
			&model.Order{ContactID: &ct.ID, AccountID: &acc.ID, Pricing: model.Pricing{Currency: "EUR"}})
		att := &model.Attachment{RecordType: "contact", RecordID: ct.ID, Filename: fmt.Sprintf("scan-%d.pdf", i),
			ContentType: "application/pdf", Size: 10, SHA256: strings.Repeat("a", 64)}
		if err := store.Create(ctx, g.s, att); err != nil {
			g.t.Fatal(err)
		}
	}
	return timelineFixture{acc, ct}
}

func TestContactAndAccountViews(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		mia := g.user("mia", "Mia Wallace", model.RoleAgent, nil)
		g.pipeline()
		f := g.timelineFixture(mia, 2)
		b := g.signIn("mia")
		page := b.page("/contacts/" + f.ct.ID)
		for _, want := range []string{"<h1>Hans Gruber</h1>", "CFO", `href="/accounts/` + f.acc.ID + `">Globex GmbH</a>`,
			`href="mailto:hans@globex.example"`, `class="tag">vip<`, "Call 1", "Mail 0", "Letter 1.docx", "Printer 0 jams",
			"Deal 1", "€1,234.50", "Q-", "O-", "scan-1.pdf", `href="/api/v1/attachments/`, "R-", "Tuesday, March 10, 2026",
			`<span class="kind">Request · R-`, "received", `aria-current="true">All</a>`} {
			if !strings.Contains(page, want) {
				t.Errorf("contact view lacks %q", want)
			}
		}
		// One kind at a time, loaded by htmx into the timeline alone.
		frag := b.page("/contacts/"+f.ct.ID+"?show=requests", "HX-Request", "true", "HX-Target", "section#timeline")
		if strings.Contains(frag, "<html") || !strings.Contains(frag, "Printer 1 jams") || strings.Contains(frag, "Call 1") ||
			!strings.Contains(frag, `aria-current="true">Requests</a>`) {
			t.Fatalf("requests only: %.3000s", frag)
		}
		acc := b.page("/accounts/" + f.acc.ID)
		for _, want := range []string{"<h1>Globex GmbH</h1>", "Manufacturing", `href="https://globex.example"`,
			`<a href="/contacts/` + f.ct.ID + `">Hans Gruber</a>`, "Printer 1 jams", "Deal 0", "Call 0"} {
			if !strings.Contains(acc, want) {
				t.Errorf("account view lacks %q", want)
			}
		}
		if list := b.page("/accounts?q=glob"); !strings.Contains(list, "Globex GmbH") || !strings.Contains(list, "Manufacturing") {
			t.Errorf("accounts search: %.3000s", list)
		}
		if list := b.page("/contacts?account=" + f.acc.ID); !strings.Contains(list, "Hans Gruber") || !strings.Contains(list, "· Globex GmbH") {
			t.Errorf("contacts of the account: %.3000s", list)
		}
	})
}

func TestTimelinePagesThroughOneKind(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		mia := g.user("mia", "Mia", model.RoleAgent, nil)
		ct := &model.Contact{FirstName: "Many", LastName: "Notes"}
		g.create(sys, ct)
		ctx := g.as(mia)
		for i := range 55 {
			g.create(ctx, &model.Activity{Kind: model.KindNote, Subject: fmt.Sprintf("Note №%02d", i), ContactID: &ct.ID, OwnerID: &mia.ID})
		}
		b := g.signIn("mia")
		all := b.page("/contacts/" + ct.ID)
		if !strings.Contains(all, "The newest 30 entries") {
			t.Errorf("all: no cap notice")
		}
		first := b.page("/contacts/" + ct.ID + "?show=activities")
		more := regexp.MustCompile(`<a href="([^"]+)#timeline"[^>]*>Older entries`).FindStringSubmatch(first)
		if more == nil || strings.Count(first, "Note №") != 50 {
			t.Fatalf("first page: %d notes, more %v", strings.Count(first, "Note №"), more)
		}
		second := b.page(strings.ReplaceAll(more[1], "&amp;", "&"))
		if strings.Count(second, "Note №") != 5 || strings.Contains(second, "Older entries") {
			t.Fatalf("second page: %d notes", strings.Count(second, "Note №"))
		}
	})
}

func TestHomePage(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		mia := g.user("mia", "Mia Wallace", model.RoleAgent, nil)
		other := g.user("otto", "Otto", model.RoleAgent, nil)
		g.pipeline()
		acc := &model.Account{Name: "Initech"}
		g.create(sys, acc)
		ct := &model.Contact{FirstName: "Peter", LastName: "Gibbons", AccountID: &acc.ID}
		g.create(sys, ct)
		now := time.Now().UTC()
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		at := func(d time.Duration) *time.Time { t := today.Add(d); return &t }
		ctx := g.as(mia)
		g.create(ctx,
			&model.Activity{Kind: model.KindAppointment, Subject: "Budget review", StartAt: at(10 * time.Hour), EndAt: at(11 * time.Hour),
				ContactID: &ct.ID, OwnerID: &mia.ID, Location: "Room 4"},
			&model.Activity{Kind: model.KindAppointment, Subject: "Daily stand-up", StartAt: at(-72*time.Hour + 9*time.Hour),
				EndAt: at(-72*time.Hour + 9*time.Hour + 15*time.Minute), RecurrenceRule: "FREQ=DAILY", OwnerID: &mia.ID},
			&model.Activity{Kind: model.KindAppointment, Subject: "Yesterday's lunch", StartAt: at(-12 * time.Hour), EndAt: at(-11 * time.Hour), OwnerID: &mia.ID},
			&model.Activity{Kind: model.KindAppointment, Subject: "Company holiday", AllDay: true, StartDate: &model.Date{Time: today}, OwnerID: &mia.ID},
			&model.Activity{Kind: model.KindTask, Subject: "File the TPS report", DueAt: at(17 * time.Hour), OwnerID: &mia.ID, Priority: "high"},
			&model.Activity{Kind: model.KindTask, Subject: "Old chore", DueAt: at(-48 * time.Hour), OwnerID: &mia.ID},
			&model.Activity{Kind: model.KindTask, Subject: "Done chore", DueAt: at(-48 * time.Hour), OwnerID: &mia.ID, Status: "completed"},
			&model.Request{Subject: "Stapler missing", ContactID: &ct.ID, AccountID: &acc.ID, AssigneeID: &mia.ID, Priority: "urgent"},
			&model.Opportunity{Name: "Initech upgrade", AccountID: &acc.ID, Amount: model.Dec("5000"), Currency: "USD",
				NextStep: "Call Bill", NextStepDue: &model.Date{Time: today.AddDate(0, 0, -3)}},
			&model.Opportunity{Name: "Initech renewal", AccountID: &acc.ID, Amount: model.Dec("2000"), Currency: "EUR"})
		g.create(g.as(other), &model.Activity{Kind: model.KindTask, Subject: "Otto's task", DueAt: at(12 * time.Hour), OwnerID: &other.ID},
			&model.Request{Subject: "Otto's request", AssigneeID: &other.ID})
		home := g.signIn("mia").page("/")
		for _, want := range []string{"Budget review", "Room 4", "10:00 AM", "Daily stand-up", "9:00 AM", "Company holiday",
			"File the TPS report", "Old chore", "overdue since", "Stapler missing", "urgent", "Initech upgrade", "Call Bill",
			"$5,000.00", "€2,000.00", "2 open deals", `href="/contacts/` + ct.ID + `">Peter Gibbons</a>`} {
			if !strings.Contains(home, want) {
				t.Errorf("home lacks %q", want)
			}
		}
		for _, not := range []string{"Yesterday's lunch", "Done chore", "Otto's task", "Otto's request"} {
			if strings.Contains(home, not) {
				t.Errorf("home shows %q", not)
			}
		}
	})
}

func TestProfile(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		mia := g.user("mia", "Mia", model.RoleAgent, nil)
		b := g.signIn("mia")
		other := g.signIn("mia") // a second browser of the same user
		page := b.page("/profile")
		for _, want := range []string{`action="/profile/app-passwords"`, g.srv.URL + "/dav/", "<code>mia</code>", "No app passwords yet."} {
			if !strings.Contains(page, want) {
				t.Errorf("profile lacks %q", want)
			}
		}
		tok := b.csrf(page)
		// Preferences: a bad zone is refused beside its field, a good one kept.
		r := b.post("/profile", url.Values{"csrf_token": {tok}, "language": {"ru"}, "time_zone": {"Mars/Olympus"}})
		if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="zone-error"`) || !strings.Contains(r.body, `value="Mars/Olympus"`) {
			t.Fatalf("bad zone: %d", r.code)
		}
		r = b.post("/profile", url.Values{"csrf_token": {tok}, "language": {"ru"}, "time_zone": {"Asia/Tokyo"}})
		if r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/profile?done=preferences" {
			t.Fatalf("save preferences: %d %q", r.code, r.hdr.Get("Location"))
		}
		page = b.page("/profile?done=preferences")
		if !strings.Contains(page, `<html lang="ru">`) || !strings.Contains(page, "Язык и часовой пояс сохранены.") ||
			!strings.Contains(page, "Время: Asia/Tokyo") {
			t.Fatalf("after saving: %.3000s", page)
		}
		changes, err := g.s.History(sys, "user", mia.ID)
		if err != nil || len(changes) == 0 || changes[len(changes)-1].ActorID != mia.ID {
			t.Fatalf("history: %+v %v", changes, err)
		}
		// App passwords: shown once, listed, revoked.
		r = b.post("/profile/app-passwords", url.Values{"csrf_token": {tok}, "label": {"Mia's iPhone"}})
		secret := regexp.MustCompile(`<span class="secret"[^>]*>([a-z0-9-]+)</span>`).FindStringSubmatch(r.body)
		if r.code != http.StatusOK || secret == nil || r.hdr.Get("Cache-Control") != "no-store" {
			t.Fatalf("create app password: %d %s", r.code, r.body)
		}
		if _, err := g.s.AppPasswordAuth(sys, "mia", secret[1]); err != nil {
			t.Fatalf("the new app password does not work: %v", err)
		}
		if strings.Contains(b.page("/profile"), secret[1]) {
			t.Fatal("the app password is shown again")
		}
		if r := b.post("/profile/app-passwords", url.Values{"csrf_token": {tok}, "label": {" "}}); r.code != http.StatusUnprocessableEntity {
			t.Errorf("empty label: %d", r.code)
		}
		pws, _ := g.s.AppPasswords(sys, mia.ID)
		if r := b.post("/profile/app-passwords/"+pws[0].ID+"/revoke", url.Values{"csrf_token": {tok}}); r.code != http.StatusSeeOther {
			t.Fatalf("revoke: %d", r.code)
		}
		if _, err := g.s.AppPasswordAuth(sys, "mia", secret[1]); err == nil {
			t.Fatal("a revoked app password still works")
		}
		if r := b.post("/profile/app-passwords/"+pws[0].ID+"/revoke", url.Values{"csrf_token": {tok}}); r.code != http.StatusNotFound {
			t.Errorf("revoke twice: %d", r.code)
		}
		// Password: wrong current, mismatch, weak, then a change that keeps
		// this browser signed in and ends the other session.
		for name, c := range map[string]struct {
			form url.Values
			code int
			msg  string
		}{
			"wrong current": {url.Values{"current_password": {"nope nope nope"}, "new_password": {"brand new password"}, "confirm_password": {"brand new password"}}, 401, "Текущий пароль указан неверно."},
			"mismatch":      {url.Values{"current_password": {password}, "new_password": {"brand new password"}, "confirm_password": {"brand new passwort"}}, 422, "Новые пароли не совпадают."},
			"weak":          {url.Values{"current_password": {password}, "new_password": {"short"}, "confirm_password": {"short"}}, 422, "не менее 12 символов"},
		} {
			c.form.Set("csrf_token", tok)
			if r := b.post("/profile/password", c.form); r.code != c.code || !strings.Contains(r.body, c.msg) {
				t.Errorf("%s: %d", name, r.code)
			}
		}
		r = b.post("/profile/password", url.Values{"csrf_token": {tok}, "current_password": {password},
			"new_password": {"brand new password"}, "confirm_password": {"brand new password"}})
		if r.code != http.StatusSeeOther {
			t.Fatalf("change password: %d %s", r.code, r.body)
		}
		if page := b.page("/profile?done=password"); !strings.Contains(page, "Пароль изменён.") {
			t.Errorf("after the change: no confirmation")
		}
		if code, _ := other.get("/"); code != http.StatusFound {
			t.Errorf("the other session survived the new password: %d", code)
		}
		if _, err := g.s.CheckLogin(sys, "mia", "brand new password"); err != nil {
			t.Errorf("new password: %v", err)
		}
	})
}

func TestLanguageAndZone(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		en := g.user("eve", "Eve", model.RoleAgent, nil)
		if _, err := store.Update[model.User](sys, g.s, en.ID, 0, func(u *model.User) error {
			u.Language, u.TimeZone = "en-GB", "Europe/London"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		g.user("ivan", "Иван", model.RoleAgent, nil)
		anon := g.anonymous()
		for accept, want := range map[string]string{"ru-RU,ru;q=0.9": "Вход в Rapport", "de-DE,de;q=0.9": "Sign in to Rapport",
			"de, ru;q=0.5": "Вход в Rapport", "": "Sign in to Rapport"} {
			anon.lang = accept
			if page := anon.page("/login"); !strings.Contains(page, want) {
				t.Errorf("Accept-Language %q: want %q", accept, want)
			}
		}
		// The user's own language wins over the browser's, with its region's formats.
		eve := g.signIn("eve")
		eve.lang = "ru"
		ct := &model.Contact{FirstName: "Zed", Birthday: &model.Date{Time: time.Date(1980, 11, 26, 0, 0, 0, 0, time.UTC)}}
		g.create(sys, ct)
		if page := eve.page("/contacts/" + ct.ID); !strings.Contains(page, "Birthday") || !strings.Contains(page, "26 Nov 1980") ||
			!strings.Contains(page, "Times in Europe/London") {
			t.Errorf("en-GB user: %.2000s", page)
		}
		ivan := g.signIn("ivan")
		ivan.lang = "ru-RU"
		if page := ivan.page("/contacts/" + ct.ID); !strings.Contains(page, "День рождения") || !strings.Contains(page, "26 ноя 1980") {
			t.Errorf("Russian browser: %.2000s", page)
		}
	}, func(c *console.Config) { c.Language = "en" })
	storeDefault := func(c *console.Config) { c.Language = "ru" }
	eachRig(t, func(t *testing.T, g *rig) {
		b := g.anonymous()
		b.lang = "de"
		if page := b.page("/login"); !strings.Contains(page, "Вход в Rapport") {
			t.Errorf("installation default ru: %.3000s", page)
		}
	}, storeDefault)
}

func TestStaticAssets(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		b := g.anonymous()
		login := b.page("/login")
		css := regexp.MustCompile(`href="(/static/console.css\?v=[0-9a-f]+)"`).FindStringSubmatch(login)
		if css == nil {
			t.Fatal("no stylesheet link")
		}
		r := b.do("GET", css[1], nil)
		if r.code != 200 || r.hdr.Get("Content-Type") != "text/css; charset=utf-8" || r.hdr.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Fatalf("css: %d %v", r.code, r.hdr)
		}
		if r := b.do("GET", "/static/console.css?v=old", nil); r.hdr.Get("Cache-Control") != "public, max-age=300" {
			t.Errorf("stale digest cached for a year")
		}
		if r := b.do("GET", "/static/htmx.LICENSE.txt", nil); r.code != 200 || !strings.Contains(r.body, "Zero-Clause BSD") {
			t.Errorf("htmx licence: %d", r.code)
		}
		if r := b.do("GET", "/static/nope.js", nil); r.code != 404 {
			t.Errorf("unknown asset: %d", r.code)
		}
		js := b.do("GET", "/static/htmx.min.js", nil)
		if js.code != 200 || !strings.Contains(js.body, `version="`+console.HTMXVersion+`"`) {
			t.Fatalf("htmx %s not served", console.HTMXVersion)
		}
	})
}

// refusedWithoutToken posts every form without the session's CSRF token
// and with a wrong one: each must be refused with 403.
func (b *browser) refusedWithoutToken(t *testing.T, forms map[string]url.Values) {
	t.Helper()
	for path, form := range forms {
		for name, token := range map[string]string{"no token": "", "wrong token": "x" + b.token()} {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			if token != "" {
				f.Set("csrf_token", token)
			}
			if r := b.post(path, f); r.code != http.StatusForbidden || !strings.Contains(r.body, "Not allowed") {
				t.Errorf("POST %s with %s: %d", path, name, r.code)
			}
		}
	}
}
