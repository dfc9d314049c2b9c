package console_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rapport/hub/auth"
	"rapport/hub/hubtest"
	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// withToken builds a form post with the browser's CSRF token.
func (b *browser) withToken(kv ...string) url.Values {
	b.g.t.Helper()
	v := url.Values{"csrf_token": {b.token()}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// apiPost posts JSON to the API with the browser's session (and its CSRF
// header, as the API asks of sessions) and answers the status.
func (b *browser) apiPost(path, body string) int {
	b.g.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.g.srv.URL+"/api/v1"+path, strings.NewReader(body))
	if err != nil {
		b.g.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(auth.CSRFHeader, b.token())
	resp, err := b.c.Do(req)
	if err != nil {
		b.g.t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// savedID reads the record id from the redirect of a save.
func (g *rig) savedID(r reply, path string) string {
	g.t.Helper()
	loc := r.hdr.Get("Location")
	m := regexp.MustCompile(`^` + path + `/([0-9a-f-]{36})\?done=record_saved$`).FindStringSubmatch(loc)
	if r.code != http.StatusSeeOther || m == nil {
		g.t.Fatalf("save: %d %q %.3000s", r.code, loc, r.body)
	}
	return m[1]
}

// liveCount returns how many live records of T the system sees.
func liveCount[T any, P store.RecordPtr[T]](g *rig) int {
	g.t.Helper()
	pg, err := store.List[T, P](sys, g.s, store.ListParams{Limit: 1000})
	if err != nil {
		g.t.Fatal(err)
	}
	return len(pg.Items)
}

func getContact(g *rig, id string) *model.Contact {
	g.t.Helper()
	c, err := store.Get[model.Contact](sys, g.s, id)
	if err != nil {
		g.t.Fatal(err)
	}
	return c
}

func TestEditContacts(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		mia := g.user("mia", "Mia Wallace", model.RoleAgent, nil)
		acme := &model.Account{Name: "Acme GmbH"}
		east, west := &model.Account{Name: "Globex East"}, &model.Account{Name: "Globex West"}
		g.create(sys, acme, east, west)
		b := g.signIn("mia")

		page := b.page("/contacts/new")
		for _, want := range []string{`action="/contacts"`, `name="first_name"`, `name="emails_value"`, `<option value="` + mia.ID + `" selected>`} {
			if !strings.Contains(page, want) {
				t.Fatalf("new contact form lacks %q: %.3000s", want, page)
			}
		}
		if p := b.page("/contacts/new?account=" + acme.ID); !strings.Contains(p, `value="Acme GmbH"`) {
			t.Fatal("the account the form was opened from is not linked")
		}
		// Create: the account by its name, e-mail, phone, tags, birthday.
		r := b.post("/contacts", b.withToken("first_name", "Anna", "last_name", "Berg", "title", "Buyer", "account", "acme gmbh",
			"owner_id", mia.ID, "emails_type", "work", "emails_value", "Anna.Berg@Example.com", "phones_type", "mobile",
			"phones_value", "+49 30 1234567", "addr_type", "work", "addr_street", "Hauptstr. 1", "addr_postal_code", "10115",
			"addr_city", "Berlin", "addr_region", "", "addr_country", "DE", "tags", "vip, fair", "birthday", "1980-05-17",
			"language", "de", "notes", "Met at the fair."))
		anna := getContact(g, g.savedID(r, "/contacts"))
		if anna.DisplayName != "Anna Berg" || deref(anna.AccountID) != acme.ID || deref(anna.OwnerID) != mia.ID ||
			anna.Emails[0].Value != "anna.berg@example.com" || anna.Phones[0].E164 != "+49301234567" || len(anna.Tags) != 2 ||
			anna.Birthday == nil || anna.Addresses[0].City != "Berlin" || anna.Notes != "Met at the fair." {
			t.Fatalf("stored %+v", anna)
		}
		if p := b.page(r.hdr.Get("Location")); !strings.Contains(p, "Saved.") || !strings.Contains(p, `href="/contacts/`+anna.ID+`/edit"`) {
			t.Fatal("no confirmation or edit link on the contact")
		}

		// Bad input: 422, the reasons beside the fields, what was typed kept, nothing stored.
		before := liveCount[model.Contact](g)
		r = b.post("/contacts", b.withToken("first_name", "Typed", "emails_type", "work", "emails_value", "not-an-address",
			"phones_type", "work", "phones_value", "12", "birthday", "1980-02-31", "account", "Nowhere Ltd"))
		for _, want := range []string{"This is not an e-mail address.", "This is not a phone number", "Give a real date.",
			"No record has this name", `value="not-an-address"`, `value="Typed"`, `value="Nowhere Ltd"`, "please correct the marked fields"} {
			if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, want) {
				t.Fatalf("bad input: %d, lacks %q: %.4000s", r.code, want, r.body)
			}
		}
		// An ambiguous account name offers the candidates; picking one saves.
		r = b.post("/contacts", b.withToken("first_name", "Boris", "last_name", "Brown", "account", "Globex"))
		if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, `name="account_pick" value="`+east.ID+`"`) ||
			!strings.Contains(r.body, "Several records have this name") {
			t.Fatalf("ambiguous: %d %.3000s", r.code, r.body)
		}
		if n := liveCount[model.Contact](g); n != before {
			t.Fatalf("refused forms stored contacts: %d → %d", before, n)
		}
		boris := getContact(g, g.savedID(b.post("/contacts", b.withToken("first_name", "Boris", "last_name", "Brown", "account", "Globex",
			"account_pick", west.ID)), "/contacts"))
		if deref(boris.AccountID) != west.ID {
			t.Fatalf("picked account %v", boris.AccountID)
		}

		// Edit with the version the form was drawn with.
		edit := b.page("/contacts/" + anna.ID + "/edit")
		for _, want := range []string{`name="version" value="1"`, `value="anna.berg@example.com"`, `value="Acme GmbH"`, `value="1980-05-17"`, `value="vip, fair"`} {
			if !strings.Contains(edit, want) {
				t.Fatalf("edit form lacks %q", want)
			}
		}
		r = b.post("/contacts/"+anna.ID, b.withToken("version", "1", "first_name", "Anna", "last_name", "Berg-Schmidt", "account", "Acme GmbH",
			"account_id", acme.ID, "owner_id", mia.ID, "emails_type", "work", "emails_value", "anna.berg@example.com"))
		if g.savedID(r, "/contacts") != anna.ID {
			t.Fatal("the edit saved elsewhere")
		}
		anna = getContact(g, anna.ID)
		if anna.LastName != "Berg-Schmidt" || anna.DisplayName != "Anna Berg-Schmidt" || anna.Version != 2 || len(anna.Phones) != 0 {
			t.Fatalf("edited %+v", anna)
		}
		// A stale version: 412, what was typed kept, the form now on the
		// current version; nothing written.
		r = b.post("/contacts/"+anna.ID, b.withToken("version", "1", "first_name", "Anna", "last_name", "Stale", "emails_type", "work",
			"emails_value", "anna.berg@example.com"))
		if r.code != http.StatusPreconditionFailed || !strings.Contains(r.body, "Someone else saved this record") ||
			!strings.Contains(r.body, `value="Stale"`) || !strings.Contains(r.body, `name="version" value="2"`) {
			t.Fatalf("stale: %d %.3000s", r.code, r.body)
		}
		r = b.post("/contacts/"+anna.ID, b.withToken("first_name", "No version"))
		if r.code != http.StatusUnprocessableEntity || getContact(g, anna.ID).Version != 2 {
			t.Fatalf("without a version: %d", r.code)
		}
		if code, _ := b.get("/contacts/" + model.NewID() + "/edit"); code != http.StatusNotFound {
			t.Fatalf("edit of nothing: %d", code)
		}

		// The duplicate warning: the same e-mail in other case, nothing
		// stored until the user saves anyway.
		before = liveCount[model.Contact](g)
		r = b.post("/contacts", b.withToken("first_name", "Ann", "last_name", "Berg-Schmidt", "emails_type", "home", "emails_value", "ANNA.BERG@example.com"))
		if r.code != http.StatusOK || !strings.Contains(r.body, "This looks like a record that already exists") ||
			!strings.Contains(r.body, `href="/contacts/`+anna.ID+`">Anna Berg-Schmidt</a>`) || !strings.Contains(r.body, "same e-mail anna.berg@example.com") ||
			!strings.Contains(r.body, `name="seen" value="`+anna.ID+`"`) || !strings.Contains(r.body, "Save anyway") {
			t.Fatalf("duplicate warning: %d %.4000s", r.code, r.body)
		}
		if liveCount[model.Contact](g) != before {
			t.Fatal("a warned create stored the contact")
		}
		ann := g.savedID(b.post("/contacts", b.withToken("first_name", "Ann", "last_name", "Berg-Schmidt", "emails_type", "home",
			"emails_value", "ANNA.BERG@example.com", "seen", anna.ID)), "/contacts")
		// An edit warns when it makes the record look like another, not
		// about what it already looked like.
		r = b.post("/contacts/"+boris.ID, b.withToken("version", "1", "first_name", "Boris", "last_name", "Brown", "account", "Globex West",
			"account_id", west.ID, "phones_type", "work", "phones_value", "+49 30 1234567"))
		if g.savedID(r, "/contacts") != boris.ID {
			t.Fatal("a phone no one else has warned")
		}
		r = b.post("/contacts/"+ann, b.withToken("version", "1", "first_name", "Ann", "last_name", "Berg-Schmidt", "title", "Buyer",
			"emails_type", "home", "emails_value", "anna.berg@example.com"))
		if g.savedID(r, "/contacts") != ann {
			t.Fatal("an edit that kept the known duplicate warned again")
		}
		r = b.post("/contacts/"+ann, b.withToken("version", "2", "first_name", "Ann", "last_name", "Berg-Schmidt", "emails_type", "home",
			"emails_value", "anna.berg@example.com", "phones_type", "work", "phones_value", "+49 (30) 123 4567"))
		if r.code != http.StatusOK || !strings.Contains(r.body, `href="/contacts/`+boris.ID+`">Boris Brown</a>`) ||
			strings.Contains(r.body, `href="/contacts/`+anna.ID+`">`) {
			t.Fatalf("edit to a shared phone: %d %.3000s", r.code, r.body)
		}
		if getContact(g, ann).Version != 2 {
			t.Fatal("a warned edit was written")
		}

		// Russian.
		b.lang = "ru"
		if p := b.page("/contacts/new"); !strings.Contains(p, "Новый контакт") || !strings.Contains(p, "Почтовые адреса") {
			t.Fatal("no Russian editor")
		}
	})
}

func TestEditAccounts(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		g.user("mia", "Mia Wallace", model.RoleAgent, nil)
		holding := &model.Account{Name: "Acme Holding"}
		g.create(sys, holding)
		b := g.signIn("mia")
		if p := b.page("/accounts"); !strings.Contains(p, `href="/accounts/new"`) {
			t.Fatal("no New account link")
		}
		r := b.post("/accounts", b.withToken("name", "Initech GmbH", "industry", "Software", "website", "https://www.initech.example/",
			"parent", "Acme Holding", "phones_type", "work", "phones_value", "+1 212 555 0100"))
		id := g.savedID(r, "/accounts")
		acc, err := store.Get[model.Account](sys, g.s, id)
		if err != nil || acc.Industry != "Software" || deref(acc.ParentID) != holding.ID || acc.Phones[0].E164 != "+12125550100" {
			t.Fatalf("stored %+v %v", acc, err)
		}
		page := b.page("/accounts/" + id)
		for _, want := range []string{`href="/accounts/` + id + `/edit"`, `href="/contacts/new?account=` + id + `"`, `href="/quotes?account_id=` + id + `"`} {
			if !strings.Contains(page, want) {
				t.Errorf("account view lacks %q", want)
			}
		}
		// 422: a bad web site, an account its own parent; nothing written.
		r = b.post("/accounts/"+id, b.withToken("version", "1", "name", "Initech GmbH", "website", "initech", "parent", "Initech GmbH", "parent_id", id))
		for _, want := range []string{"Give a full web address", "A record cannot be linked to itself.", `value="initech"`} {
			if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, want) {
				t.Fatalf("bad account: %d lacks %q: %.3000s", r.code, want, r.body)
			}
		}
		r = b.post("/accounts/"+id, b.withToken("version", "1", "name", ""))
		if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Give a name") {
			t.Fatalf("no name: %d", r.code)
		}
		if a, _ := store.Get[model.Account](sys, g.s, id); a.Version != 1 {
			t.Fatal("a refused edit wrote")
		}
		// The same company again (the legal form and the www. do not
		// matter): warned, then saved anyway.
		r = b.post("/accounts", b.withToken("name", "INITECH", "website", "http://initech.example"))
		if r.code != http.StatusOK || !strings.Contains(r.body, `href="/accounts/`+id+`">Initech GmbH</a>`) ||
			!strings.Contains(r.body, "same website initech.example") || !strings.Contains(r.body, "similar name") {
			t.Fatalf("duplicate account: %d %.3000s", r.code, r.body)
		}
		g.savedID(b.post("/accounts", b.withToken("name", "INITECH", "website", "http://initech.example", "seen", id)), "/accounts")
		// Stale.
		r = b.post("/accounts/"+id, b.withToken("version", "1", "name", "Initech AG"))
		if g.savedID(r, "/accounts") != id {
			t.Fatal("rename")
		}
		if r = b.post("/accounts/"+id, b.withToken("version", "1", "name", "Initech SE")); r.code != http.StatusPreconditionFailed {
			t.Fatalf("stale account: %d", r.code)
		}
		if a, _ := store.Get[model.Account](sys, g.s, id); a.Name != "Initech AG" {
			t.Fatalf("stale write: %q", a.Name)
		}
	})
}

func TestMergeFromSuggestions(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		mia := g.user("mia", "Mia Wallace", model.RoleAgent, nil)
		anna := &model.Contact{FirstName: "Anna", LastName: "Berg", Title: "Buyer", Emails: []model.Labeled{{Value: "anna@berg.example"}}}
		dup := &model.Contact{FirstName: "Anna", LastName: "Berg", Title: "Head of purchasing", Emails: []model.Labeled{{Value: "Anna@Berg.example"}},
			Phones: []model.Labeled{{Value: "+49 40 555 0101"}}, Notes: "Second card."}
		other := &model.Contact{FirstName: "Boris", LastName: "Brown"}
		g.create(sys, anna, dup, other)
		call := &model.Activity{Kind: model.KindCall, Subject: "Price call", ContactID: &dup.ID, OwnerID: &mia.ID}
		g.create(g.as(mia), call)
		b := g.signIn("mia")

		if page := b.page("/contacts/" + anna.ID); strings.Contains(page, "same e-mail") || !strings.Contains(page, `hx-get="/contacts/`+anna.ID+`?duplicates=1"`) {
			t.Fatalf("the view looked for duplicates before the panel asked: %.5000s", page)
		}
		page := b.page("/contacts/" + anna.ID + "?duplicates=1")
		merge := `href="/contacts/` + anna.ID + `/merge?loser=` + dup.ID + `"`
		// The panel alone, as htmx loads it into the drawn page.
		if panel := b.page("/contacts/"+anna.ID+"?duplicates=1", "HX-Request", "true", "HX-Target", "section#dups"); strings.Contains(panel, "<html") ||
			!strings.HasPrefix(strings.TrimSpace(panel), `<section id="dups"`) || !strings.Contains(panel, merge) {
			t.Fatalf("the panel alone: %.3000s", panel)
		}
		if !strings.Contains(page, "Possible duplicates") || !strings.Contains(page, merge) || !strings.Contains(page, "same e-mail anna@berg.example") {
			t.Fatalf("no merge suggestion: %.5000s", page)
		}
		if p := b.page("/contacts/" + other.ID + "?duplicates=1"); !strings.Contains(p, "No possible duplicates found.") {
			t.Fatal("Boris has duplicates")
		}
		confirm := b.page("/contacts/" + anna.ID + "/merge?loser=" + dup.ID)
		for _, want := range []string{`name="loser_id" value="` + dup.ID + `"`, `name="fields.title" value="loser"`, "Head of purchasing",
			"49 40 555 0101", "Second card.", "This cannot be undone"} {
			if !strings.Contains(confirm, want) {
				t.Fatalf("confirmation lacks %q: %.5000s", want, confirm)
			}
		}
		if strings.Contains(confirm, `name="fields.first_name"`) {
			t.Fatal("a choice offered for equal values")
		}
		// A choice the model refuses: 422 beside the same confirmation.
		r := b.post("/contacts/"+anna.ID+"/merge", b.withToken("loser_id", dup.ID, "fields.title", "both"))
		if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, `name="loser_id"`) {
			t.Fatalf("bad choice: %d %.3000s", r.code, r.body)
		}
		r = b.post("/contacts/"+anna.ID+"/merge", b.withToken("loser_id", dup.ID, "fields.title", "loser"))
		if r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/contacts/"+anna.ID+"?done=merged" {
			t.Fatalf("merge: %d %v %.2000s", r.code, r.hdr, r.body)
		}
		kept := getContact(g, anna.ID)
		if kept.Title != "Head of purchasing" || len(kept.Phones) != 1 || !strings.Contains(kept.Notes, "Second card.") {
			t.Fatalf("survivor %+v", kept)
		}
		if _, err := store.Get[model.Contact](sys, g.s, dup.ID); model.ErrorCode(err) != model.ENOTFOUND {
			t.Fatalf("the loser lives: %v", err)
		}
		if a, err := store.Get[model.Activity](sys, g.s, call.ID); err != nil || deref(a.ContactID) != anna.ID {
			t.Fatalf("the call did not move: %v", err)
		}
		if p := b.page("/contacts/" + anna.ID + "?done=merged"); !strings.Contains(p, "this one now holds both") {
			t.Fatal("no confirmation after the merge")
		}
		if p := b.page("/contacts/" + anna.ID + "?duplicates=1"); !strings.Contains(p, "No possible duplicates found.") {
			t.Fatal("the survivor still has duplicates")
		}
		// A retried merge succeeds and changes nothing, as the API's does.
		if r = b.post("/contacts/"+anna.ID+"/merge", b.withToken("loser_id", dup.ID)); r.code != http.StatusSeeOther {
			t.Fatalf("retry: %d", r.code)
		}
		// The odd cases answer what the API answers.
		for _, c := range []struct {
			name, survivor, loser string
			want                  int
		}{
			{"into itself", anna.ID, anna.ID, http.StatusUnprocessableEntity},
			{"a loser merged elsewhere", other.ID, dup.ID, http.StatusConflict},
			{"into a merged record", dup.ID, other.ID, http.StatusConflict},
			{"no such loser", anna.ID, model.NewID(), http.StatusNotFound},
		} {
			api := b.apiPost("/contacts/"+c.survivor+"/merge", fmt.Sprintf(`{"loser_id": %q}`, c.loser))
			r := b.post("/contacts/"+c.survivor+"/merge", b.withToken("loser_id", c.loser))
			if r.code != c.want || api != c.want {
				t.Errorf("%s: console %d, API %d, want %d", c.name, r.code, api, c.want)
			}
		}
		if code, _ := b.get("/contacts/" + anna.ID + "/merge?loser=" + anna.ID); code != http.StatusUnprocessableEntity {
			t.Errorf("confirm a merge into itself: %d", code)
		}
		noCSRF := url.Values{"loser_id": {other.ID}}
		if r = b.post("/contacts/"+anna.ID+"/merge", noCSRF); r.code != http.StatusForbidden {
			t.Errorf("without the form token: %d", r.code)
		}

		// Accounts: the same web site and name, merged with their contacts.
		a1, a2 := &model.Account{Name: "Umbrella Corp", Website: "https://umbrella.example"}, &model.Account{Name: "Umbrella", Website: "http://www.umbrella.example/"}
		g.create(sys, a1, a2)
		staff := &model.Contact{FirstName: "Alice", LastName: "Abernathy", AccountID: &a2.ID}
		g.create(sys, staff)
		page = b.page("/accounts/" + a1.ID + "?duplicates=1")
		if !strings.Contains(page, `href="/accounts/`+a1.ID+`/merge?loser=`+a2.ID+`"`) || !strings.Contains(page, "same website umbrella.example") {
			t.Fatalf("no account suggestion: %.5000s", page)
		}
		if c := b.page("/accounts/" + a1.ID + "/merge?loser=" + a2.ID); !strings.Contains(c, `name="fields.name" value="loser"`) {
			t.Fatal("no name choice for accounts")
		}
		if r = b.post("/accounts/"+a1.ID+"/merge", b.withToken("loser_id", a2.ID)); r.code != http.StatusSeeOther {
			t.Fatalf("account merge: %d %.2000s", r.code, r.body)
		}
		if c := getContact(g, staff.ID); deref(c.AccountID) != a1.ID {
			t.Fatal("the contact did not move to the surviving account")
		}
		b.lang = "ru"
		if p := b.page("/contacts/" + other.ID + "/merge?loser=" + staff.ID); !strings.Contains(p, "Объединить") {
			t.Fatal("no Russian confirmation")
		}
	})
}

// TestEditingQueries keeps the editing pages' statements flat: the forms
// and the merge confirmation of a record with few and many values, the
// quotes of an account with 1 against 6 quotes.
func TestEditingQueries(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		sam := g.user("sam", "Sam Small", model.RoleAgent, nil)
		lara := g.user("lara", "Lara Large", model.RoleAgent, nil)
		small, large := g.quoteFixture(sam, nil, 1), g.quoteFixture(lara, nil, 1)
		for range 5 {
			g.create(g.as(sam), &model.Quote{AccountID: large.q.AccountID, OwnerID: &sam.ID, Pricing: model.Pricing{Currency: "EUR"}})
		}
		few := &model.Contact{FirstName: "Few", LastName: "Values", Emails: []model.Labeled{{Value: "few@example.com"}}}
		many := &model.Contact{FirstName: "Many", LastName: "Values", Emails: []model.Labeled{{Value: "many@example.com"}}, Tags: []string{"a", "b", "c"}}
		for i := range 6 {
			many.Addresses = append(many.Addresses, model.Address{City: fmt.Sprintf("City %d", i)})
		}
		g.create(sys, few, many)
		fewDup := &model.Contact{FirstName: "Few", LastName: "Valus", Emails: []model.Labeled{{Value: "few@example.com"}}}
		manyDup := &model.Contact{FirstName: "Many", LastName: "Valus", Emails: []model.Labeled{{Value: "many@example.com"}}}
		g.create(sys, fewDup, manyDup)
		b := g.signIn("sam")
		pages := [][2]string{
			{"/quotes?account_id=" + deref(small.q.AccountID), "/quotes?account_id=" + deref(large.q.AccountID)},
			{"/contacts/" + few.ID + "/edit", "/contacts/" + many.ID + "/edit"},
			{"/contacts/" + few.ID + "/merge?loser=" + fewDup.ID, "/contacts/" + many.ID + "/merge?loser=" + manyDup.ID},
		}
		for _, p := range pages {
			b.page(p[0])
			b.page(p[1])
			n1 := g.count(func() { b.page(p[0]) })
			n2 := g.count(func() { b.page(p[1]) })
			if n1 != n2 || n1 == 0 {
				t.Errorf("%s: %d statements, %s: %d", p[0], n1, p[1], n2)
			}
		}
	})
}

// TestEditingAccessibility runs axe-core (see TestAccessibility) over the
// editing pages, their refused states (reasons beside the fields, the
// candidates of an ambiguous name, the duplicate warning) and the quote's
// document and mail forms.
func TestEditingAccessibility(t *testing.T) {
	d := docsRig{blobs: hubtest.NewMemBlobs(), mail: &mailer{}}
	g := newRig(t, storetest.Open(t, "sqlite"), d.withDocs(nil))
	g.installQuoteTemplates(d.blobs)
	mia := g.user("mia", "Mia Wallace", model.RoleAgent, nil)
	q := g.quoteFixture(mia, nil, 1).q
	anna := &model.Contact{FirstName: "Anna", LastName: "Berg", Title: "Buyer", Emails: []model.Labeled{{Value: "anna@berg.example"}}}
	dup := &model.Contact{FirstName: "Anna", LastName: "Berg", Title: "Head", Emails: []model.Labeled{{Value: "anna@berg.example"}}}
	east, west := &model.Account{Name: "Globex East"}, &model.Account{Name: "Globex West"}
	g.create(sys, anna, dup, east, west)
	c := newChrome(t, 3*time.Minute)
	c.signIn(g.srv.URL, "mia")
	for _, path := range []string{"/contacts/new", "/contacts/" + anna.ID, "/contacts/" + anna.ID + "/edit",
		"/contacts/" + anna.ID + "/merge?loser=" + dup.ID, "/accounts/new", "/accounts/" + east.ID + "/edit",
		"/quotes/" + q.ID, "/quotes/" + q.ID + "/mail"} {
		c.open(g.srv.URL+path, `document.readyState === 'complete'`)
		c.audit(path)
	}
	// Refused: a bad e-mail address and an ambiguous account, then the
	// duplicate warning; a refused quote header with its candidates.
	for _, step := range []struct{ path, fill, form, shows string }{
		{"/contacts/new", `emails-0').value = 'bad'; document.getElementById('account').value = 'Globex'`, "form.card", "account_pick"},
		{"/contacts/new", `emails-0').value = 'anna@berg.example'; document.getElementById('first_name').value = 'Ann'`, "form.card", "dups-h"},
		{"/quotes/" + q.ID, `account').value = 'Globex'`, "#quote-header", "account_pick"},
	} {
		c.open(g.srv.URL+step.path, `document.readyState === 'complete'`)
		c.follow("submit "+step.path, chromedp.Evaluate[chromedp.Void](`document.getElementById('`+step.fill+`;
			document.querySelector('`+step.form+`').requestSubmit()`))
		c.waitFor(step.shows, `document.querySelector('[name=`+step.shows+`], #`+step.shows+`') !== null`)
		c.audit("refused " + step.path)
	}
}
