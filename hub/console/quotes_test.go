package console_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"rapport/model"
	"rapport/model/store"
)

// quoteFixture is a draft quote of alice's team for an account, and an
// active product.
type quoteFixture struct {
	q       *model.Quote
	product *model.Product
}

func (g *rig) quoteFixture(owner *model.User, team *model.Team, lines int) quoteFixture {
	g.t.Helper()
	acc := &model.Account{Name: "Acme " + owner.Username, OwnerID: &owner.ID}
	g.create(sys, acc)
	pr := &model.Product{SKU: "W-" + owner.Username, Name: "Widget", Unit: "pc", TaxRate: model.Dec("19"), Active: true}
	if err := store.Create(sys, g.s, pr); err != nil {
		g.t.Fatal(err)
	}
	q := &model.Quote{AccountID: &acc.ID, OwnerID: &owner.ID, Pricing: model.Pricing{Currency: "EUR"}}
	if team != nil {
		q.TeamID = &team.ID
	}
	in := make([]model.LineInput, lines)
	for i := range in {
		d, p := fmt.Sprintf("Service %d", i), model.DecInt(int64(10+i))
		in[i] = model.LineInput{Description: &d, UnitPrice: &p}
	}
	if _, err := g.s.CreateQuote(g.as(owner), q, in); err != nil {
		g.t.Fatal(err)
	}
	return quoteFixture{q: q, product: pr}
}

var dataTotal = regexp.MustCompile(`data-total="([^"]+)"`)

// apiQuote is the API's GET /quotes/{id} as the browser's session sees it.
func (b *browser) apiQuote(id string) map[string]any {
	b.g.t.Helper()
	code, body := b.get("/api/v1/quotes/" + id)
	if code != http.StatusOK {
		b.g.t.Fatalf("GET /api/v1/quotes/%s: %d %s", id, code, body)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		b.g.t.Fatal(err)
	}
	return out
}

// pageTotal reads the total a quote page (or its lines) shows.
func (g *rig) pageTotal(body string) model.Decimal {
	g.t.Helper()
	m := dataTotal.FindStringSubmatch(body)
	if m == nil {
		g.t.Fatalf("no total in %s", body)
	}
	d, err := model.ParseDecimal(m[1])
	if err != nil {
		g.t.Fatal(err)
	}
	return d
}

// euro formats d as the English page shows euros (€1,234.50).
func (g *rig) euro(d model.Decimal) string {
	s := d.StringFixed(2)
	whole, frac, _ := strings.Cut(s, ".")
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	return "€" + whole + "." + frac
}

func (g *rig) quoteNow(id string) (*model.Quote, []model.Line) {
	g.t.Helper()
	q, err := store.Get[model.Quote](sys, g.s, id)
	if err != nil {
		g.t.Fatal(err)
	}
	lines, err := store.Lines[model.Quote](sys, g.s, id)
	if err != nil {
		g.t.Fatal(err)
	}
	return q, lines
}

func TestQuotePages(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		sales, other := g.team("Sales"), g.team("Other")
		alice := g.user("alice", "Alice Owner", model.RoleAgent, sales)
		g.user("sam", "Sam Mate", model.RoleAgent, sales)
		g.user("bob", "Bob Elsewhere", model.RoleAgent, other)
		f := g.quoteFixture(alice, sales, 0)
		id := f.q.ID
		b := g.signIn("alice")
		tok := b.token()

		list := b.page("/quotes")
		if !strings.Contains(list, `href="/quotes/`+id+`"`) || !strings.Contains(list, f.q.Number) {
			t.Fatalf("the list lacks the quote: %s", list)
		}
		if l := b.page("/quotes?q=" + url.QueryEscape(f.q.Number)); !strings.Contains(l, `href="/quotes/`+id+`"`) {
			t.Fatal("the number search lost the quote")
		}
		if l := b.page("/quotes?q=Q-1999-0001"); strings.Contains(l, `href="/quotes/`+id+`"`) {
			t.Fatal("another number found the quote")
		}
		if l := b.page("/quotes?status=sent"); strings.Contains(l, `href="/quotes/`+id+`"`) {
			t.Fatal("the status filter kept a draft")
		}
		if l := b.page("/quotes?mine=1&status=draft"); !strings.Contains(l, `href="/quotes/`+id+`"`) {
			t.Fatal("mine + draft lost the quote")
		}
		att := &model.Attachment{RecordType: "quote", RecordID: id, Filename: "Q-offer.pdf", ContentType: "application/pdf", Size: 10, SHA256: strings.Repeat("a", 64)}
		if err := store.Create(g.as(alice), g.s, att); err != nil {
			t.Fatal(err)
		}
		page := b.page("/quotes/" + id)
		if !strings.Contains(page, `href="/api/v1/attachments/`+att.ID+`/content">Q-offer.pdf`) {
			t.Fatalf("the quote's documents are missing: %s", page)
		}
		if !strings.Contains(page, `<option value="`+f.product.ID+`"`) || !strings.Contains(page, "Add line") {
			t.Fatalf("no line editor with the product picker: %s", page)
		}

		// Add a line without JavaScript: 303 back to the quote.
		form := func(version int64, kv ...string) url.Values {
			v := url.Values{"csrf_token": {tok}, "version": {fmt.Sprint(version)}}
			for i := 0; i+1 < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
		r := b.post("/quotes/"+id+"/lines", form(f.q.Version, "description", "Consulting", "quantity", "3", "unit_price", "100", "discount_percent", "10", "tax_rate", "20"))
		if r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/quotes/"+id+"?done=quote_saved" {
			t.Fatalf("add: %d %v %s", r.code, r.hdr, r.body)
		}
		q, lines := g.quoteNow(id)
		if len(lines) != 1 || !q.Total.Equal(model.Dec("324").Decimal) { // 3×100 −10 % = 270, +20 % tax
			t.Fatalf("after add: %d lines, total %s", len(lines), q.Total)
		}
		// Add a product's line with htmx: the lines and totals come back alone.
		r = b.post("/quotes/"+id+"/lines", form(q.Version, "product_id", f.product.ID, "quantity", "2", "unit_price", "50"),
			"HX-Request", "true", "HX-Target", "section#quote-lines")
		if r.code != http.StatusOK || strings.Contains(r.body, "<html") || !strings.Contains(r.body, `id="quote-lines"`) || !strings.Contains(r.body, "Widget") {
			t.Fatalf("htmx add: %d %s", r.code, r.body)
		}
		q, lines = g.quoteNow(id)
		if len(lines) != 2 || lines[1].TaxRate.String() != "19" || !g.pageTotal(r.body).Equal(q.Total.Decimal) {
			t.Fatalf("after the product line: %+v, page total %s, stored %s", lines, g.pageTotal(r.body), q.Total)
		}
		// Change a line: the total the page shows is the API's.
		r = b.post("/quotes/"+id+"/lines", form(q.Version, "line", lines[0].ID, "quantity", "5", "discount_percent", "0"))
		if r.code != http.StatusSeeOther {
			t.Fatalf("change: %d %s", r.code, r.body)
		}
		page = b.page("/quotes/" + id)
		api := b.apiQuote(id)
		q, _ = g.quoteNow(id)
		for k, shown := range map[string]model.Decimal{"total": g.pageTotal(page), "net_total": q.NetTotal, "tax_total": q.TaxTotal, "subtotal": q.Subtotal} {
			want, err := model.ParseDecimal(fmt.Sprint(api[k]))
			if err != nil {
				t.Fatal(err)
			}
			if !shown.Equal(want.Decimal) || !strings.Contains(page, ">"+g.euro(want)+"<") {
				t.Fatalf("%s: the page shows %s, the API %s", k, shown, want)
			}
		}
		if !g.pageTotal(page).Equal(model.Dec("719").Decimal) { // 500 × 1.2 + 100 × 1.19
			t.Fatalf("total %s", g.pageTotal(page))
		}

		// A stale version: 412 with the reason, nothing written.
		q, lines = g.quoteNow(id)
		r = b.post("/quotes/"+id+"/lines", form(q.Version-1, "line", lines[0].ID, "quantity", "9"))
		if r.code != http.StatusPreconditionFailed || !strings.Contains(r.body, "Someone changed it meanwhile") {
			t.Fatalf("stale: %d %s", r.code, r.body)
		}
		// With htmx the refusal comes back in the swapped lines (htmx swaps 2xx only).
		r = b.post("/quotes/"+id+"/lines", form(q.Version-1, "line", lines[0].ID, "quantity", "9"), "HX-Request", "true", "HX-Target", "section#quote-lines")
		if r.code != http.StatusOK || strings.Contains(r.body, "<html") || !strings.Contains(r.body, "Someone changed it meanwhile") {
			t.Fatalf("stale with htmx: %d %s", r.code, r.body)
		}
		// Bad input: 422 with the field's reason and what was typed kept.
		r = b.post("/quotes/"+id+"/lines", form(q.Version, "description", "Typed text", "quantity", "-1"))
		if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Give the quantity as a number") || !strings.Contains(r.body, `value="Typed text"`) {
			t.Fatalf("bad quantity: %d %s", r.code, r.body)
		}
		r = b.post("/quotes/"+id+"/lines", form(q.Version, "product_id", f.product.ID))
		if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Give the price as a number") {
			t.Fatalf("a product without a price: %d %s", r.code, r.body)
		}
		if q2, l2 := g.quoteNow(id); q2.Version != q.Version || len(l2) != 2 {
			t.Fatal("a refused edit wrote")
		}
		// Remove a line.
		r = b.post("/quotes/"+id+"/lines", form(q.Version, "line", lines[1].ID, "remove", "1", "quantity", "x"))
		if _, l := g.quoteNow(id); r.code != http.StatusSeeOther || len(l) != 1 {
			t.Fatalf("remove: %d, %d lines", r.code, len(l))
		}

		// Without the CSRF token: refused, nothing changed.
		q, _ = g.quoteNow(id)
		bad := form(q.Version, "description", "x", "unit_price", "1")
		bad.Del("csrf_token")
		if r = b.post("/quotes/"+id+"/lines", bad); r.code != http.StatusForbidden {
			t.Fatalf("no CSRF: %d", r.code)
		}

		// Permissions are the API's: another team's agent gets 404 for the
		// page and any form; a team mate sees it but may not change it.
		bob := g.signIn("bob")
		if code, _ := bob.get("/quotes/" + id); code != http.StatusNotFound {
			t.Fatalf("bob sees the quote: %d", code)
		}
		if l := bob.page("/quotes"); strings.Contains(l, id) {
			t.Fatal("bob's list shows the quote")
		}
		if r := bob.post("/quotes/"+id+"/lines", url.Values{"csrf_token": {bob.token()}, "version": {fmt.Sprint(q.Version)}, "description": {"x"}, "unit_price": {"1"}}); r.code != http.StatusNotFound {
			t.Fatalf("bob edits: %d", r.code)
		}
		sam := g.signIn("sam")
		if p := sam.page("/quotes/" + id); strings.Contains(p, "Add line") || strings.Contains(p, "/send\"") {
			t.Fatal("a team mate who does not own the quote gets the editor")
		}
		if r := sam.post("/quotes/"+id+"/lines", url.Values{"csrf_token": {sam.token()}, "version": {fmt.Sprint(q.Version)}, "description": {"x"}, "unit_price": {"1"}}); r.code != http.StatusForbidden {
			t.Fatalf("sam edits: %d %s", r.code, r.body)
		}

		// Status actions: send, then the lines are locked; revise makes
		// revision 2, listed on both pages.
		r = b.post("/quotes/"+id+"/send", form(q.Version))
		if r.code != http.StatusSeeOther {
			t.Fatalf("send: %d %s", r.code, r.body)
		}
		q, _ = g.quoteNow(id)
		if q.Status != model.QuoteSent {
			t.Fatalf("status %s", q.Status)
		}
		if r = b.post("/quotes/"+id+"/lines", form(q.Version, "description", "late", "unit_price", "1")); r.code != http.StatusConflict {
			t.Fatalf("edit a sent quote: %d", r.code)
		}
		if r = b.post("/quotes/"+id+"/reject", form(q.Version)); r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Say why the customer rejected") {
			t.Fatalf("reject without reason: %d %s", r.code, r.body)
		}
		if r = b.post("/quotes/"+id+"/frobnicate", form(q.Version)); r.code != http.StatusNotFound {
			t.Fatalf("unknown action: %d", r.code)
		}
		r = b.post("/quotes/"+id+"/revise", form(q.Version))
		loc := r.hdr.Get("Location")
		if r.code != http.StatusSeeOther || !strings.HasPrefix(loc, "/quotes/") || strings.HasPrefix(loc, "/quotes/"+id) {
			t.Fatalf("revise: %d %s", r.code, loc)
		}
		next := b.page(loc)
		if !strings.Contains(next, `href="/quotes/`+id+`"`) || !strings.Contains(next, "revision 2") || !strings.Contains(next, "Add line") {
			t.Fatalf("the new revision: %s", next)
		}
		// Russian.
		b.lang = "ru"
		if p := b.page(loc); !strings.Contains(p, "Позиции") {
			t.Fatal("no Russian")
		}
	})
}
