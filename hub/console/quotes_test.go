package console_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"rapport/connectors/officepdf"
	"rapport/hub/console"
	"rapport/hub/hubtest"
	"rapport/hub/merge"
	"rapport/hub/outmail"
	"rapport/model"
	"rapport/model/store"
	"rapport/templates/builtin"
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

// docsRig is the mail and merge set-up of the quote document tests: the
// blob store the merge service reads templates from and saves documents
// to, and the mail counters.
type docsRig struct {
	blobs *hubtest.MemBlobs
	mail  *mailer
}

// withDocs gives the console the API's merge service (PDF through pdf;
// nil: none) and a mail composer that merges with it.
func (d docsRig) withDocs(pdf merge.PDFConverter) func(*console.Config) {
	return func(cfg *console.Config) {
		cfg.Merge = merge.New(merge.Config{Store: cfg.Store, Blobs: d.blobs, DefaultLocale: "en-GB", PDF: pdf})
		cfg.Mail = outmail.New(outmail.Config{Store: cfg.Store, Merge: cfg.Merge, From: model.MailAddress{Name: "Sales", Email: "sales@example.com"},
			MintMessageID: func(ref, domain string) (string, error) {
				return fmt.Sprintf("%s.%016x.000000000000000000000000@%s", ref, d.mail.n.Add(1), domain), nil
			},
			Enqueue: func(context.Context, string) error { d.mail.enqueued.Add(1); return nil }})
	}
}

// installQuoteTemplates installs the built-in quote templates (Word and
// Writer, English and Russian) and returns their ids by key.
func (g *rig) installQuoteTemplates(blobs *hubtest.MemBlobs) map[string]string {
	g.t.Helper()
	var list []store.BuiltinTemplate
	for _, b := range builtin.All() {
		if b.RecordType != "quote" {
			continue
		}
		info, err := blobs.Put(sys, bytes.NewReader(b.Content), b.Filename, 10<<20)
		if err != nil {
			g.t.Fatal(err)
		}
		list = append(list, store.BuiltinTemplate{Key: b.Key, Name: b.Name, RecordType: b.RecordType, Locale: b.Locale,
			File: store.TemplateFile{Format: b.Format, Filename: b.Filename, ContentType: "application/octet-stream", Size: info.Size, SHA256: info.SHA256}})
	}
	if _, err := g.s.InstallBuiltinTemplates(sys, list); err != nil {
		g.t.Fatal(err)
	}
	pg, err := store.List[model.DocumentTemplate](sys, g.s, store.ListParams{Limit: 100})
	if err != nil {
		g.t.Fatal(err)
	}
	ids := map[string]string{}
	for _, t := range pg.Items {
		ids[t.Builtin] = t.ID
	}
	return ids
}

// pdfPool starts LibreOffice converters for the test, as cmd wires them
// (connectors/officepdf); .ci/test-deps.sh installs LibreOffice.
func pdfPool(t *testing.T) *officepdf.Pool {
	t.Helper()
	p, err := officepdf.New(officepdf.Config{WorkDir: filepath.Join(t.TempDir(), "work"), Size: 1})
	if err != nil {
		t.Fatalf("%v: run .ci/test-deps.sh (apt-get install libreoffice-writer-nogui)", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// withContact links a contact with an e-mail address to the quote.
func (g *rig) withContact(f quoteFixture, owner *model.User) *model.Contact {
	g.t.Helper()
	ct := &model.Contact{FirstName: "Anna", LastName: "Berg", AccountID: f.q.AccountID, Emails: []model.Labeled{{Value: "anna@example.com"}}}
	g.create(sys, ct)
	if _, err := store.UpdatePriced(g.as(owner), g.s, f.q.ID, 0, func(q *model.Quote) error { q.ContactID = &ct.ID; return nil }); err != nil {
		g.t.Fatal(err)
	}
	return ct
}

func TestQuoteDocuments(t *testing.T) {
	d := docsRig{blobs: hubtest.NewMemBlobs(), mail: &mailer{}}
	pool := pdfPool(t)
	eachRig(t, func(t *testing.T, g *rig) {
		ids := g.installQuoteTemplates(d.blobs)
		sales := g.team("Sales")
		alice := g.user("alice", "Alice Owner", model.RoleAgent, sales)
		g.user("sam", "Sam Mate", model.RoleAgent, sales)
		f := g.quoteFixture(alice, sales, 2)
		id := f.q.ID
		g.withContact(f, alice)
		b := g.signIn("alice")
		page := b.page("/quotes/" + id)
		for _, want := range []string{`action="/quotes/` + id + `/document"`, `<option value="` + ids["quote-en"] + `" selected>`,
			"Download PDF", `href="/quotes/` + id + `/mail"`} {
			if !strings.Contains(page, want) {
				t.Fatalf("the quote page lacks %q: %.5000s", want, page)
			}
		}
		// The template's own format: a Word file, saved on the quote.
		r := b.post("/quotes/"+id+"/document", b.withToken("template_id", ids["quote-en"], "format", ""))
		if r.code != http.StatusOK || r.hdr.Get("Content-Type") != merge.ContentTypes["docx"] ||
			!strings.HasPrefix(r.hdr.Get("Content-Disposition"), "attachment;") {
			t.Fatalf("docx: %d %v %.500s", r.code, r.hdr, r.body)
		}
		zr, err := zip.NewReader(strings.NewReader(r.body), int64(len(r.body)))
		if err != nil {
			t.Fatalf("not a zip: %v", err)
		}
		var doc string
		for _, zf := range zr.File {
			if zf.Name == "word/document.xml" {
				rc, _ := zf.Open()
				b, _ := io.ReadAll(rc)
				doc = string(b)
			}
		}
		if !strings.Contains(doc, f.q.Number) || !strings.Contains(doc, "Service 1") {
			t.Fatalf("word/document.xml lacks the quote: %.2000s", doc)
		}
		// PDF through LibreOffice.
		r = b.post("/quotes/"+id+"/document", b.withToken("template_id", ids["quote-en"], "format", "pdf"))
		if r.code != http.StatusOK || r.hdr.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(r.body, "%PDF-") {
			t.Fatalf("pdf: %d %v %.300q", r.code, r.hdr, r.body)
		}
		files, err := g.s.AttachmentsOf(sys, "quote", id)
		if err != nil || len(files) != 2 {
			t.Fatalf("saved documents: %d %v", len(files), err)
		}
		// A format the template cannot make: 422 beside the documents.
		r = b.post("/quotes/"+id+"/document", b.withToken("template_id", ids["quote-en"], "format", "odt"))
		if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="quote-document"`) || !strings.Contains(r.body, `class="notice bad"`) {
			t.Fatalf("odt from docx: %d %.3000s", r.code, r.body)
		}

		// Mail: the form names the contact it goes to by default.
		form := b.page("/quotes/" + id + "/mail")
		if !strings.Contains(form, "anna@example.com") || !strings.Contains(form, "Sending this draft marks it as sent.") {
			t.Fatalf("mail form: %.4000s", form)
		}
		outbox := func() []*model.OutboundMail {
			pg, err := store.List[model.OutboundMail](sys, g.s, store.ListParams{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			return pg.Items
		}
		r = b.post("/quotes/"+id+"/mail", b.withToken("to", "not an address", "subject", "Typed subject", "template_id", ids["quote-en"]))
		if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Give e-mail addresses") || !strings.Contains(r.body, `value="Typed subject"`) || len(outbox()) != 0 {
			t.Fatalf("bad address: %d %.3000s", r.code, r.body)
		}
		// A team mate who may not change the draft may not send it either
		// (sending marks it sent): no link, 403, nothing queued.
		sam := g.signIn("sam")
		if p := sam.page("/quotes/" + id); strings.Contains(p, `/mail"`) || !strings.Contains(p, "Download PDF") {
			t.Fatal("the team mate's page")
		}
		if r := sam.post("/quotes/"+id+"/mail", sam.withToken("template_id", ids["quote-en"])); r.code != http.StatusForbidden || len(outbox()) != 0 {
			t.Fatalf("sam mails: %d", r.code)
		}
		before := d.mail.enqueued.Load()
		r = b.post("/quotes/"+id+"/mail", b.withToken("cc", "Boris <boris@example.com>", "template_id", ids["quote-en"], "format", "docx", "text", "Here it is."))
		if r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/quotes/"+id+"?done=quote_mailed" {
			t.Fatalf("mail: %d %v %.3000s", r.code, r.hdr, r.body)
		}
		sent := outbox()
		if len(sent) != 1 || len(sent[0].Attachments) != 1 || sent[0].To[0].Email != "anna@example.com" || sent[0].Cc[0].Email != "boris@example.com" ||
			sent[0].Text != "Here it is." || d.mail.enqueued.Load() != before+1 {
			t.Fatalf("outbox %+v", sent)
		}
		if q, _ := g.quoteNow(id); q.Status != model.QuoteSent {
			t.Fatalf("a mailed draft is %s", q.Status)
		}
		if p := b.page("/quotes/" + id + "?done=quote_mailed"); !strings.Contains(p, "queued to be sent") {
			t.Fatal("no confirmation")
		}
		b.lang = "ru"
		if p := b.page("/quotes/" + id + "/mail"); !strings.Contains(p, "Отправка предложения") {
			t.Fatal("no Russian mail form")
		}
	}, d.withDocs(pool))
}

// TestQuoteDocumentsUnconfigured: without a merge service or mail, no
// document forms, and their routes answer 404.
func TestQuoteDocumentsUnconfigured(t *testing.T) {
	d := docsRig{blobs: hubtest.NewMemBlobs(), mail: &mailer{}}
	eachRig(t, func(t *testing.T, g *rig) {
		alice := g.user("alice", "Alice Owner", model.RoleAgent, nil)
		id := g.quoteFixture(alice, nil, 1).q.ID
		g.installQuoteTemplates(d.blobs)
		b := g.signIn("alice")
		if p := b.page("/quotes/" + id); strings.Contains(p, "Download PDF") || strings.Contains(p, "/mail\"") {
			t.Fatal("document forms without a merge service")
		}
		if r := b.post("/quotes/"+id+"/document", b.withToken("template_id", model.NewID())); r.code != http.StatusNotFound {
			t.Fatalf("document: %d", r.code)
		}
		if code, _ := b.get("/quotes/" + id + "/mail"); code != http.StatusNotFound {
			t.Fatalf("mail form: %d", code)
		}
	})
}

// TestQuoteDocumentsWithoutPDF: with merging but no LibreOffice, PDF is
// 501 with the reason, as the API answers.
func TestQuoteDocumentsWithoutPDF(t *testing.T) {
	d := docsRig{blobs: hubtest.NewMemBlobs(), mail: &mailer{}}
	eachRig(t, func(t *testing.T, g *rig) {
		alice := g.user("alice", "Alice Owner", model.RoleAgent, nil)
		id := g.quoteFixture(alice, nil, 1).q.ID
		b := g.signIn("alice")
		if p := b.page("/quotes/" + id); !strings.Contains(p, "no Word or Writer templates for quotes") {
			t.Fatal("no hint without templates")
		}
		ids := g.installQuoteTemplates(d.blobs)
		r := b.post("/quotes/"+id+"/document", b.withToken("template_id", ids["quote-en"], "format", "pdf"))
		if r.code != http.StatusNotImplemented || !strings.Contains(r.body, "LibreOffice is not installed") {
			t.Fatalf("pdf without LibreOffice: %d %.3000s", r.code, r.body)
		}
	}, d.withDocs(nil))
}

func TestQuoteHeader(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		sales, other := g.team("Sales"), g.team("Other")
		alice := g.user("alice", "Alice Owner", model.RoleAgent, sales)
		g.user("sam", "Sam Mate", model.RoleAgent, sales)
		g.user("bob", "Bob Elsewhere", model.RoleAgent, other)
		f := g.quoteFixture(alice, sales, 1)
		id, acme := f.q.ID, deref(f.q.AccountID)
		initech, initechUK := &model.Account{Name: "Initech"}, &model.Account{Name: "Initech UK"}
		g.create(sys, initech, initechUK)
		peter := &model.Contact{FirstName: "Peter", LastName: "Gibbons", AccountID: &initech.ID}
		g.create(sys, peter)
		b := g.signIn("alice")
		if p := b.page("/quotes/" + id); !strings.Contains(p, `id="quote-header"`) || !strings.Contains(p, `value="Acme alice"`) {
			t.Fatalf("no header form: %.4000s", p)
		}
		header := func(version int64, kv ...string) url.Values {
			return b.withToken(append([]string{"version", fmt.Sprint(version)}, kv...)...)
		}
		// A name several accounts have: the candidates to choose from.
		r := b.post("/quotes/"+id, header(f.q.Version, "account", "Init", "notes", "Typed"))
		if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, `<option value="`+initechUK.ID+`">Initech UK</option>`) ||
			!strings.Contains(r.body, `value="Init"`) || !strings.Contains(r.body, "Several records have this name") {
			t.Fatalf("ambiguous account: %d %.4000s", r.code, r.body)
		}
		r = b.post("/quotes/"+id, header(f.q.Version, "account", "Init", "account_pick", initech.ID, "contact", "peter gibbons",
			"valid_until", "2026-12-31", "notes", "Net 30 days."))
		if r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/quotes/"+id+"?done=quote_header" {
			t.Fatalf("header: %d %.3000s", r.code, r.body)
		}
		q, _ := g.quoteNow(id)
		if deref(q.AccountID) != initech.ID || deref(q.ContactID) != peter.ID || q.ValidUntil.Format(model.DateLayout) != "2026-12-31" || q.Notes != "Net 30 days." {
			t.Fatalf("stored %+v", q)
		}
		// Stale: 412 with what was typed; bad input: 422; nothing written.
		r = b.post("/quotes/"+id, header(q.Version-1, "account", "Initech", "notes", "Typed notes"))
		if r.code != http.StatusPreconditionFailed || !strings.Contains(r.body, "Typed notes") || !strings.Contains(r.body, "Someone changed it meanwhile") {
			t.Fatalf("stale header: %d %.3000s", r.code, r.body)
		}
		r = b.post("/quotes/"+id, header(q.Version, "account", "Initech", "valid_until", "2026-02-30"))
		if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Give a real date.") {
			t.Fatalf("bad date: %d", r.code)
		}
		r = b.post("/quotes/"+id, header(q.Version, "account", "", "contact", ""))
		if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "A quote is for an account or a contact") {
			t.Fatalf("for nobody: %d %.3000s", r.code, r.body)
		}
		if q2, _ := g.quoteNow(id); q2.Version != q.Version {
			t.Fatal("a refused header wrote")
		}
		// Permissions are the API's PATCH's: a team mate 403, another team 404.
		if r := g.signIn("sam").post("/quotes/"+id, url.Values{}); r.code != http.StatusForbidden {
			t.Fatalf("sam without token: %d", r.code)
		}
		sam := g.signIn("sam")
		if r := sam.post("/quotes/"+id, sam.withToken("version", fmt.Sprint(q.Version), "account", "Initech", "notes", "Sam's")); r.code != http.StatusForbidden {
			t.Fatalf("sam: %d", r.code)
		}
		bob := g.signIn("bob")
		if r := bob.post("/quotes/"+id, bob.withToken("version", fmt.Sprint(q.Version), "notes", "Bob's")); r.code != http.StatusNotFound {
			t.Fatalf("bob: %d", r.code)
		}
		// Once sent, only the notes change.
		if r = b.post("/quotes/"+id+"/send", b.withToken("version", fmt.Sprint(q.Version))); r.code != http.StatusSeeOther {
			t.Fatalf("send: %d", r.code)
		}
		q, _ = g.quoteNow(id)
		if p := b.page("/quotes/" + id); !strings.Contains(p, "only its notes change") || strings.Contains(p, `name="valid_until"`) {
			t.Fatal("the header of a sent quote")
		}
		if r = b.post("/quotes/"+id, header(q.Version, "notes", "Signed copy expected.")); r.code != http.StatusSeeOther {
			t.Fatalf("notes of a sent quote: %d %.2000s", r.code, r.body)
		}
		if q2, _ := g.quoteNow(id); q2.Notes != "Signed copy expected." || deref(q2.AccountID) != initech.ID {
			t.Fatalf("sent quote %+v", q2)
		}

		// The list narrowed to an account, by its name.
		list := b.page("/quotes?account_id=" + initech.ID)
		if !strings.Contains(list, `href="/quotes/`+id+`"`) || !strings.Contains(list, "· Initech</span>") || !strings.Contains(list, `name="account_id" value="`+initech.ID+`"`) {
			t.Fatalf("initech's quotes: %.3000s", list)
		}
		if l := b.page("/quotes?account_id=" + acme); strings.Contains(l, `href="/quotes/`+id+`"`) {
			t.Fatal("acme's list shows initech's quote")
		}
		if code, _ := b.get("/quotes?account_id=" + model.NewID()); code != http.StatusNotFound {
			t.Fatalf("an unknown account: %d", code)
		}
	})
}
