package dav_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-vcard"
	"github.com/emersion/go-webdav/carddav"

	"rapport/model"
	"rapport/model/store"
)

const annaCard = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:anna-1\r\nN:Berg;Anna;;;\r\nFN:Anna Berg\r\nORG:Nordwind GmbH\r\n" +
	"EMAIL;TYPE=INTERNET,WORK:anna@nordwind.example\r\nTEL;TYPE=CELL:+49 30 1234567\r\nCATEGORIES:vip,berlin\r\n" +
	"X-PHONETIC-LAST-NAME:Berk\r\nNICKNAME:Annie\r\nEND:VCARD\r\n"

func putCard(g *rig, name, card string, headers ...string) *http.Response {
	return g.do("PUT", "/dav/addressbooks/mia/contacts/"+name, card, append([]string{"Content-Type", "text/vcard; charset=utf-8"}, headers...)...)
}

var etagRE = regexp.MustCompile(`<D:getetag>([^<]+)</D:getetag>`)

func TestContactLifecycle(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		ctx := actorCtx(t, g.s, g.mia)
		resp := putCard(g, "anna.vcf", annaCard, "If-None-Match", "*")
		want(t, resp, http.StatusCreated)
		tag := resp.Header.Get("ETag")
		if tag == "" {
			t.Fatal("no ETag on create")
		}
		page, err := store.List[model.Contact](ctx, g.s, store.ListParams{Q: "anna@nordwind.example"})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("contact not in the CRM: %v %v", page, err)
		}
		c := page.Items[0]
		if c.LastName != "Berg" || c.AccountID == nil || strings.Join(c.Tags, ",") != "berlin,vip" && strings.Join(c.Tags, ",") != "vip,berlin" {
			t.Errorf("mapped contact %+v", c)
		}
		// GET, PROPFIND and REPORT agree on the ETag; unmapped properties survive.
		get := g.do("GET", "/dav/addressbooks/mia/contacts/anna.vcf", "")
		card := want(t, get, http.StatusOK)
		if get.Header.Get("ETag") != tag || !strings.Contains(card, "X-PHONETIC-LAST-NAME:Berk") || !strings.Contains(card, "NICKNAME:Annie") ||
			!strings.Contains(card, "ORG:Nordwind GmbH") {
			t.Errorf("GET etag %q want %q:\n%s", get.Header.Get("ETag"), tag, card)
		}
		body := want(t, g.do("PROPFIND", "/dav/addressbooks/mia/contacts/", propfind("<D:getetag/>"), "Depth", "1"), http.StatusMultiStatus)
		if m := etagRE.FindAllStringSubmatch(body, -1); len(m) != 1 || m[0][1] != escapeQuotes(tag) {
			t.Errorf("PROPFIND etags %v want %s", m, tag)
		}
		objs, err := g.cardClient().MultiGetAddressBook(context.Background(), "/dav/addressbooks/mia/contacts/",
			&carddav.AddressBookMultiGet{Paths: []string{"/dav/addressbooks/mia/contacts/anna.vcf"}, DataRequest: carddav.AddressDataRequest{AllProp: true}})
		if err != nil || len(objs) != 1 || objs[0].ETag != strings.Trim(tag, `"`) || objs[0].Card.PreferredValue(vcard.FieldEmail) != "anna@nordwind.example" {
			t.Fatalf("multiget %+v %v", objs, err)
		}
		// Conditional writes.
		want(t, putCard(g, "anna.vcf", annaCard, "If-Match", `"1-0"`), http.StatusPreconditionFailed)
		want(t, putCard(g, "anna.vcf", annaCard, "If-None-Match", "*"), http.StatusPreconditionFailed)
		edited := strings.Replace(annaCard, "FN:Anna Berg", "FN:Anna Berg-Lind", 1)
		resp = putCard(g, "anna.vcf", edited, "If-Match", tag)
		want(t, resp, http.StatusNoContent)
		if resp.Header.Get("ETag") == tag {
			t.Error("ETag did not change on update")
		}
		hist, err := g.s.History(ctx, "contact", c.ID)
		if err != nil || len(hist) != 2 || hist[1].Fields["display_name"].New != "Anna Berg-Lind" {
			t.Errorf("history %+v %v", hist, err)
		}
		// The same UID under another name is a conflict.
		body = want(t, putCard(g, "other.vcf", annaCard), http.StatusConflict)
		if !strings.Contains(body, "no-uid-conflict") || !strings.Contains(body, "anna.vcf") {
			t.Errorf("uid conflict: %s", body)
		}
		// A CRM edit reaches the card and changes its ETag.
		if _, err := store.Update(ctx, g.s, c.ID, 0, func(c *model.Contact) error { c.Title = "CFO"; return nil }); err != nil {
			t.Fatal(err)
		}
		get = g.do("GET", "/dav/addressbooks/mia/contacts/anna.vcf", "")
		if card := want(t, get, http.StatusOK); !strings.Contains(card, "TITLE:CFO") || !strings.Contains(card, "NICKNAME:Annie") {
			t.Errorf("after CRM edit:\n%s", card)
		}
		want(t, g.do("DELETE", "/dav/addressbooks/mia/contacts/anna.vcf", "", "If-Match", `"999-0"`), http.StatusPreconditionFailed)
		want(t, g.do("DELETE", "/dav/addressbooks/mia/contacts/anna.vcf", ""), http.StatusNoContent)
		if _, err := store.Get[model.Contact](ctx, g.s, c.ID); model.ErrorCode(err) != model.ENOTFOUND {
			t.Errorf("deleted contact still there: %v", err)
		}
		want(t, g.do("GET", "/dav/addressbooks/mia/contacts/anna.vcf", ""), http.StatusNotFound)
	})
}

func escapeQuotes(s string) string { return strings.ReplaceAll(s, `"`, "&#34;") }

func TestContactSyncCollection(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		ctx := actorCtx(t, g.s, g.mia)
		cc := g.cardClient()
		bg := context.Background()
		const book = "/dav/addressbooks/mia/contacts/"
		first, err := cc.SyncCollection(bg, book, &carddav.SyncQuery{})
		if err != nil {
			t.Fatal(err)
		}
		c := &model.Contact{FirstName: "Lev", LastName: "Orlov", Emails: []model.Labeled{{Value: "lev@example.ru"}}}
		if err := store.Create(ctx, g.s, c); err != nil {
			t.Fatal(err)
		}
		second, err := cc.SyncCollection(bg, book, &carddav.SyncQuery{SyncToken: first.SyncToken})
		if err != nil || len(second.Updated) != 1 || second.Updated[0].Path != book+c.ID+".vcf" || len(second.Deleted) != 0 {
			t.Fatalf("sync after create: %+v %v", second, err)
		}
		// Nothing changed: nothing reported, same token.
		same, err := cc.SyncCollection(bg, book, &carddav.SyncQuery{SyncToken: second.SyncToken})
		if err != nil || len(same.Updated)+len(same.Deleted) != 0 || same.SyncToken != second.SyncToken {
			t.Fatalf("idle sync: %+v %v", same, err)
		}
		if err := store.Delete[model.Contact](ctx, g.s, c.ID, 0); err != nil {
			t.Fatal(err)
		}
		third, err := cc.SyncCollection(bg, book, &carddav.SyncQuery{SyncToken: second.SyncToken})
		if err != nil || len(third.Deleted) != 1 || third.Deleted[0] != book+c.ID+".vcf" {
			t.Fatalf("sync after delete: %+v %v", third, err)
		}
		body := want(t, g.do("REPORT", book, syncReport("http://rapport.invalid/ns/sync/99999999", 0)), http.StatusForbidden)
		if !strings.Contains(body, "valid-sync-token") {
			t.Errorf("bad token: %s", body)
		}
		want(t, g.do("REPORT", book, syncReport("urn:other:1", 0)), http.StatusForbidden)
		// Truncation: three changes, a limit of two → 507 for the collection and a token to continue from.
		for i := range 3 {
			if err := store.Create(ctx, g.s, &model.Contact{FirstName: "N", LastName: string(rune('A' + i))}); err != nil {
				t.Fatal(err)
			}
		}
		body = want(t, g.do("REPORT", book, syncReport(third.SyncToken, 2)), http.StatusMultiStatus)
		if !strings.Contains(body, "507 Insufficient Storage") || strings.Count(body, ".vcf</D:href>") != 2 {
			t.Errorf("truncated sync: %s", body)
		}
	})
}

func syncReport(token string, limit int) string {
	l := ""
	if limit > 0 {
		l = "<D:limit><D:nresults>" + strconv.Itoa(limit) + "</D:nresults></D:limit>"
	}
	return `<?xml version="1.0"?><D:sync-collection xmlns:D="DAV:"><D:sync-token>` + token + `</D:sync-token><D:sync-level>1</D:sync-level>` + l +
		`<D:prop><D:getetag/></D:prop></D:sync-collection>`
}

func TestAddressbookQuery(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		ctx := actorCtx(t, g.s, g.mia)
		for _, c := range []*model.Contact{
			{FirstName: "Ольга", LastName: "Смирнова", Emails: []model.Labeled{{Value: "olga@example.ru"}}},
			{FirstName: "Bob", LastName: "Stone", Emails: []model.Labeled{{Value: "bob@stone.example"}}},
			{FirstName: "Jimbob", LastName: "Ray", Emails: []model.Labeled{{Value: "jimbob@stone.example"}}},
		} {
			if err := store.Create(ctx, g.s, c); err != nil {
				t.Fatal(err)
			}
		}
		q := func(filter string) string {
			return want(t, g.do("REPORT", "/dav/addressbooks/mia/contacts/", `<?xml version="1.0"?><CR:addressbook-query xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav">`+
				`<D:prop><D:getetag/></D:prop>`+filter+`</CR:addressbook-query>`, "Depth", "1"), http.StatusMultiStatus)
		}
		count := func(body string) int { return strings.Count(body, "<D:getetag>") }
		if n := count(q(`<CR:filter/>`)); n != 3 {
			t.Errorf("empty filter: %d", n)
		}
		if n := count(q(`<CR:filter><CR:prop-filter name="EMAIL"><CR:text-match match-type="equals">BOB@stone.example</CR:text-match></CR:prop-filter></CR:filter>`)); n != 1 {
			t.Errorf("equals e-mail: %d", n)
		}
		if n := count(q(`<CR:filter><CR:prop-filter name="EMAIL"><CR:text-match>bob@stone</CR:text-match></CR:prop-filter></CR:filter>`)); n != 2 {
			t.Errorf("contains e-mail: %d", n)
		}
		if n := count(q(`<CR:filter><CR:prop-filter name="EMAIL"><CR:text-match collation="i;octet">BOB@</CR:text-match></CR:prop-filter></CR:filter>`)); n != 0 {
			t.Errorf("octet: %d", n)
		}
		if n := count(q(`<CR:filter><CR:prop-filter name="FN"><CR:text-match match-type="starts-with">ольга</CR:text-match></CR:prop-filter></CR:filter>`)); n != 1 {
			t.Errorf("unicode casemap: %d", n)
		}
		if n := count(q(`<CR:filter><CR:prop-filter name="FN"><CR:text-match negate-condition="yes">bob</CR:text-match></CR:prop-filter></CR:filter>`)); n != 1 {
			t.Errorf("negate: %d", n)
		}
		if n := count(q(`<CR:filter test="allof"><CR:prop-filter name="FN"><CR:text-match>bob</CR:text-match></CR:prop-filter><CR:prop-filter name="EMAIL"><CR:text-match match-type="starts-with">jim</CR:text-match></CR:prop-filter></CR:filter>`)); n != 1 {
			t.Errorf("allof: %d", n)
		}
		if b := q(`<CR:filter/><CR:limit><CR:nresults>1</CR:nresults></CR:limit>`); count(b) != 1 || !strings.Contains(b, "507") {
			t.Errorf("limit: %s", b)
		}
	})
}

func TestBadCards(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		for name, card := range map[string]string{
			"garbage":   "hello",
			"no end":    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:X\r\n",
			"two cards": annaCard + strings.Replace(annaCard, "anna-1", "anna-2", 1),
			"bad photo": "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:p\r\nFN:P\r\nPHOTO;ENCODING=b;TYPE=JPEG:!!!notbase64\r\nEND:VCARD\r\n",
		} {
			resp := putCard(g, "bad.vcf", card)
			if body := read(t, resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "valid-address-data") {
				t.Errorf("%s: %d %s", name, resp.StatusCode, body)
			}
		}
		want(t, g.do("PUT", "/dav/addressbooks/mia/contacts/a.vcf", annaCard, "Content-Type", "application/json"), http.StatusUnsupportedMediaType)
		big := "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:big\r\nFN:Big\r\nPHOTO;ENCODING=b;TYPE=JPEG:" + strings.Repeat("QUFB", 1<<19) + "\r\nEND:VCARD\r\n"
		want(t, putCard(g, "big.vcf", big), http.StatusRequestEntityTooLarge)
		// x-vcard is accepted too.
		want(t, g.do("PUT", "/dav/addressbooks/mia/contacts/x.vcf", annaCard, "Content-Type", "text/x-vcard"), http.StatusCreated)
		var n int64
		if err := g.s.DB().QueryRow("SELECT COUNT(*) FROM contacts").Scan(&n); err != nil || n != 1 {
			t.Errorf("bad cards wrote something: %d %v", n, err)
		}
		deep := `<?xml version="1.0"?>` + strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100)
		want(t, g.do("PROPFIND", "/dav/", deep, "Depth", "0"), http.StatusRequestEntityTooLarge)
		want(t, g.do("PROPFIND", "/dav/", "<D:propfind xmlns:D='DAV:'><D:prop>", "Depth", "0"), http.StatusBadRequest)
		want(t, g.do("PROPFIND", "/dav/", strings.Repeat("x", 2<<20), "Depth", "0"), http.StatusRequestEntityTooLarge)
	})
}

// TestOddPhonesAreKept: a TEL that is no phone number Rapport can normalise
// does not fail the client's card; it is kept and given back.
func TestOddPhonesAreKept(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		card := "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:odd\r\nFN:Front Desk\r\nTEL;TYPE=WORK:ext. 12\r\nTEL:112\r\nTEL;TYPE=CELL:+49 151 23456789\r\nEND:VCARD\r\n"
		want(t, putCard(g, "odd.vcf", card), http.StatusCreated)
		got := want(t, g.do("GET", "/dav/addressbooks/mia/contacts/odd.vcf", ""), http.StatusOK)
		for _, s := range []string{"TEL;TYPE=WORK:ext. 12", "TEL:112", "+49 151 23456789"} {
			if !strings.Contains(got, s) {
				t.Errorf("lost %q:\n%s", s, got)
			}
		}
	})
}
