package merge_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"rapport/hub/merge"
	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// mailing adds two contacts of Acme to the fixture (Boris, and Carol, who
// unsubscribes after being put on the list) and a static list of all three.
func (f *fixture) mailing() (list *model.MailingList, carol *model.Contact) {
	boris := &model.Contact{FirstName: "Boris", LastName: "Brown", AccountID: &f.account.ID}
	carol = &model.Contact{FirstName: "Carol", LastName: "Clark", AccountID: &f.account.ID}
	must(f.t, store.Create(f.ctx, f.s, boris))
	must(f.t, store.Create(f.ctx, f.s, carol))
	list = &model.MailingList{Name: "Newsletter"}
	must(f.t, store.Create(f.ctx, f.s, list))
	_, err := f.s.AddListMembers(f.ctx, list.ID, []string{f.contact.ID, boris.ID, carol.ID})
	must(f.t, err)
	_, err = f.s.SetUnsubscribed(f.ctx, carol.ID, true)
	must(f.t, err)
	return list, carol
}

func (f *fixture) bulk(req merge.BulkRequest) (*merge.Bulk, []byte) {
	f.t.Helper()
	b, err := f.svc.PrepareBulk(f.ctx, req)
	must(f.t, err)
	var out bytes.Buffer
	must(f.t, b.Write(f.ctx, &out))
	return b, out.Bytes()
}

func TestBulkMailingList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, 1)
		list, _ := f.mailing()
		letter := f.template("letter.docx", "contact", "", docx(t, "Dear {contact.first_name} of {account.name},", "{company.logo_id | image}"))
		b, combined := f.bulk(merge.BulkRequest{TemplateID: letter, MailingListID: list.ID})
		if b.Filename != "letter.docx" || b.ContentType != merge.ContentTypes["docx"] {
			t.Errorf("combined: %q %s", b.Filename, b.ContentType)
		}
		got := text(t, combined)
		if !strings.Contains(got, "Dear Анна of Acme GmbH,") || !strings.Contains(got, "Dear Boris of Acme GmbH,") || strings.Contains(got, "Carol") {
			t.Errorf("combined letters: %s", got)
		}
		b, zipped := f.bulk(merge.BulkRequest{TemplateID: letter, MailingListID: list.ID, Output: merge.OutputZip})
		docs := entries(t, zipped)
		if b.Filename != "letter.zip" || b.ContentType != "application/zip" || len(docs) != 2 {
			t.Fatalf("zip %q %s: %d documents", b.Filename, b.ContentType, len(docs))
		}
		// Names follow the list's order (by name); each has the logo.
		for name, want := range map[string]string{"00001 Boris Brown.docx": "Dear Boris", "00002 Анна Smith.docx": "Dear Анна"} {
			if doc, ok := docs[name]; !ok || !strings.Contains(text(t, doc), want) || entries(t, doc)["word/media/rapport-image-1.png"] == nil {
				t.Errorf("%s missing or wrong among %d", name, len(docs))
			}
		}
	})
}

// TestBulkSources: a filter leaves out contacts who unsubscribed; ids
// keep their order across pages.
func TestBulkSources(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, 1)
		f.mailing()
		names := f.template("names.txt", "contact", "", []byte("{contact.first_name}"))
		filter := &model.Filter{All: []model.Condition{{Field: "account_id", Op: "eq", Value: f.account.ID}}}
		_, zipped := f.bulk(merge.BulkRequest{TemplateID: names, Filter: filter, Output: merge.OutputZip})
		if docs := entries(t, zipped); len(docs) != 2 || string(docs["00001 Boris Brown.txt"]) != "Boris" {
			t.Errorf("filtered: %v", docs)
		}
		storetest.SeedContacts(t, s, 450)
		page, err := store.List[model.Contact](f.ctx, s, store.ListParams{Limit: 500,
			Filter: model.Filter{All: []model.Condition{{Field: "account_id", Op: "eq", Value: nil}}}})
		must(t, err)
		var ids []string
		for i := len(page.Items) - 1; i >= 0; i-- {
			ids = append(ids, page.Items[i].ID)
		}
		_, zipped = f.bulk(merge.BulkRequest{TemplateID: names, IDs: ids, Output: merge.OutputZip})
		docs := entries(t, zipped)
		if len(docs) != len(ids) || len(ids) != 450 {
			t.Fatalf("%d documents of %d ids", len(docs), len(ids))
		}
		last := page.Items[0]
		if got := string(docs["00450 "+last.DisplayName+".txt"]); got != last.FirstName {
			t.Errorf("the last document: %q", got)
		}
	})
}

// TestBulkQuotes merges quotes into one Writer document, and into PDF.
func TestBulkQuotes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, 3)
		second := f.newQuote(2)
		letter := f.template("letter-ru.odt", "quote", "", file(t, "letter-ru.odt"))
		_, combined := f.bulk(merge.BulkRequest{TemplateID: letter, IDs: []string{second.ID, f.quote.ID}})
		got := text(t, combined)
		if i, j := strings.Index(got, second.Number), strings.Index(got, f.quote.Number); i < 0 || j < i {
			t.Errorf("quotes out of order: %s", got)
		}
		f.svc = merge.New(merge.Config{Store: s, Blobs: f.blobs, PDF: fakePDF{t}})
		b, pdf := f.bulk(merge.BulkRequest{TemplateID: letter, IDs: []string{second.ID, f.quote.ID}, Format: "pdf"})
		if !bytes.HasPrefix(pdf, []byte("%PDF odt ")) || b.Filename != "letter-ru.pdf" {
			t.Errorf("combined PDF %q %q", pdf, b.Filename)
		}
		_, zipped := f.bulk(merge.BulkRequest{TemplateID: letter, IDs: []string{second.ID, f.quote.ID}, Format: "pdf", Output: merge.OutputZip})
		if docs := entries(t, zipped); len(docs) != 2 || !bytes.HasPrefix(docs["00001 "+second.Number+".pdf"], []byte("%PDF odt")) {
			t.Errorf("zip of PDFs: %d", len(docs))
		}
	})
}

func TestBulkErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, 1)
		list, carol := f.mailing()
		empty := &model.MailingList{Name: "Empty"}
		must(t, store.Create(f.ctx, s, empty))
		letter := f.template("letter.docx", "contact", "", docx(t, "{contact.first_name}"))
		mail := f.template("mail.html", "contact", "", []byte("<p>{contact.first_name}</p>"))
		quote := f.template("q.txt", "quote", "", []byte("{quote.number}"))
		bad := &model.Filter{All: []model.Condition{{Field: "nope", Op: "eq", Value: "x"}}}
		for _, c := range []struct {
			req  merge.BulkRequest
			code string
			msg  string
		}{
			{merge.BulkRequest{TemplateID: letter, MailingListID: empty.ID}, model.EINVALID, "there are no records to merge"},
			{merge.BulkRequest{TemplateID: letter, MailingListID: f.contact.ID}, model.ENOTFOUND, ""},
			{merge.BulkRequest{TemplateID: letter, MailingListID: list.ID, IDs: []string{f.contact.ID}}, model.EINVALID, "one of mailing_list_id, filter and ids"},
			{merge.BulkRequest{TemplateID: letter}, model.EINVALID, "one of mailing_list_id, filter and ids"},
			{merge.BulkRequest{TemplateID: mail, MailingListID: list.ID}, model.EINVALID, "use zip"},
			{merge.BulkRequest{TemplateID: letter, MailingListID: list.ID, Output: "tar"}, model.EINVALID, "combined or zip"},
			{merge.BulkRequest{TemplateID: quote, MailingListID: list.ID, Output: "zip"}, model.EINVALID, "a mailing list holds contacts"},
			{merge.BulkRequest{TemplateID: letter, IDs: []string{f.contact.ID, f.quote.ID}}, model.EINVALID, "no contact " + f.quote.ID},
			{merge.BulkRequest{TemplateID: letter, IDs: []string{}}, model.EINVALID, "give 1 to 10000 ids"},
			{merge.BulkRequest{TemplateID: letter, Filter: bad}, model.EINVALID, "unknown field"},
		} {
			_, err := f.svc.PrepareBulk(f.ctx, c.req)
			if model.ErrorCode(err) != c.code || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("%+v: %v", c.req, err)
			}
		}
		// Explicit ids are merged even for a contact who unsubscribed.
		if _, err := f.svc.PrepareBulk(f.ctx, merge.BulkRequest{TemplateID: letter, IDs: []string{carol.ID}}); err != nil {
			t.Errorf("explicit id: %v", err)
		}
		if _, err := f.svc.PrepareBulk(f.ctx, merge.BulkRequest{TemplateID: letter, MailingListID: list.ID, Format: "pdf"}); !errors.Is(err, merge.ErrNoPDF) {
			t.Errorf("PDF without LibreOffice: %v", err)
		}
	})
}
