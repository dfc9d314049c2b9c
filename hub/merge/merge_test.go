package merge_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"rapport/hub/merge"
	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
	"rapport/templates/lang"
	"rapport/templates/office"
)

func TestMergeQuoteDOCX(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, 12)
		id := f.template("quote-en.docx", "quote", "", file(t, "quote-en.docx"))
		doc, err := f.svc.Merge(f.ctx, merge.Request{TemplateID: id, RecordID: f.quote.ID})
		must(t, err)
		if doc.Format != "docx" || doc.ContentType != merge.ContentTypes["docx"] || doc.Filename != "quote-en "+f.quote.Number+".docx" {
			t.Errorf("document %s %s %q", doc.Format, doc.ContentType, doc.Filename)
		}
		got := text(t, doc.Body)
		// The account's language (de-DE) formats money and dates.
		for _, want := range []string{"Acme GmbH", "Анна", "Item 1 ", "Item 12 ", "31 Dezember 2026", "Olga Petrova", " €"} {
			if !strings.Contains(got, want) {
				t.Errorf("the quote lacks %q:\n%s", want, got)
			}
		}
		parts := entries(t, doc.Body)
		for _, pic := range []string{"word/media/rapport-image-1.png", "word/media/rapport-image-2.png"} {
			if _, ok := parts[pic]; !ok {
				t.Errorf("no %s (the photo and the logo)", pic)
			}
		}
		if doc.Attachment != nil {
			t.Error("saved without being asked")
		}
	})
}

// TestMergeRelations checks the data a document gets: the lines with their
// products, the related records two levels down, and the globals.
func TestMergeRelations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, 3)
		tmpl := `{#each quote.lines as line}{line.product.sku} {/each}|{quote.contact.account.name}|{contact.account.name}|` +
			`{quote.owner.name}|{user.email}|{company.name}|{count quote.lines}|{quote.contact.photo_id}`
		id := f.template("check.txt", "quote", "en-US", []byte(tmpl))
		doc, err := f.svc.Merge(f.ctx, merge.Request{TemplateID: id, RecordID: f.quote.ID, RecordType: "quote"})
		must(t, err)
		want := "W-1 W-1 W-1 |Acme GmbH|Acme GmbH|Olga Petrova|olga@example.com|Rapport Ltd|3|" + *f.contactPhoto()
		if got := string(doc.Body); got != want {
			t.Errorf("got  %q\nwant %q", got, want)
		}
		if doc.ContentType != "text/plain; charset=utf-8" || !strings.HasSuffix(doc.Filename, ".txt") {
			t.Errorf("text document %s %q", doc.ContentType, doc.Filename)
		}
	})
}

func (f *fixture) contactPhoto() *string {
	c, err := store.Get[model.Contact](f.ctx, f.s, f.contact.ID)
	must(f.t, err)
	return c.PhotoID
}

// TestMergeLocale checks the locale's order: the template's, the
// contact's, the account's language, the installation's default.
func TestMergeLocale(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, 1)
		plain := &model.Account{Name: "Plain"}
		must(t, store.Create(f.ctx, s, plain))
		contact := func(lang string, account *model.Account) string {
			c := &model.Contact{FirstName: "X", Language: lang, AccountID: &account.ID}
			must(t, store.Create(f.ctx, s, c))
			return c.ID
		}
		any := f.template("date.txt", "contact", "", []byte(`{today | date}`))
		russian := f.template("date-ru.txt", "contact", "ru-RU", []byte(`{today | date}`))
		for _, c := range []struct{ tmpl, contact, want string }{
			{russian, contact("de-DE", f.account), "20 ноября 2026 г."},
			{any, contact("ru", f.account), "20 ноября 2026 г."},
			{any, contact("", f.account), "20. November 2026"},
			{any, contact("", plain), "20 November 2026"},
			{any, contact("xx-unknown", plain), "20 November 2026"},
		} {
			doc, err := f.svc.Merge(f.ctx, merge.Request{TemplateID: c.tmpl, RecordID: c.contact})
			must(t, err)
			if string(doc.Body) != c.want {
				t.Errorf("%q, want %q", doc.Body, c.want)
			}
		}
	})
}

// TestMergeSave stores the document as an attachment of the quote with a
// document activity, in one transaction with their two feed rows.
func TestMergeSave(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, 2)
		id := f.template("letter-ru.odt", "quote", "", file(t, "letter-ru.odt"))
		seq := lastSeq(t, s)
		doc, err := f.svc.Merge(f.ctx, merge.Request{TemplateID: id, RecordID: f.quote.ID, Save: true})
		must(t, err)
		if got := lastSeq(t, s); got != seq+2 {
			t.Errorf("%d feed rows, want 2", got-seq)
		}
		att, err := store.Get[model.Attachment](f.ctx, s, doc.Attachment.ID)
		must(t, err)
		if att.RecordType != "quote" || att.RecordID != f.quote.ID || att.Filename != doc.Filename ||
			att.ContentType != merge.ContentTypes["odt"] || att.Size != int64(len(doc.Body)) {
			t.Errorf("attachment %+v", att)
		}
		rc, err := f.blobs.Open(f.ctx, att.SHA256)
		must(t, err)
		stored, _ := io.ReadAll(rc)
		if !bytes.Equal(stored, doc.Body) {
			t.Error("the stored file is not the document")
		}
		for _, linked := range []string{"quote:" + f.quote.ID, "contact:" + f.contact.ID, "account:" + f.account.ID} {
			page, err := store.List[model.Activity](f.ctx, s, store.ListParams{Equals: map[string]string{"linked": linked}})
			must(t, err)
			if len(page.Items) != 1 || page.Items[0].ID != doc.Activity.ID {
				t.Fatalf("timeline of %s: %d activities", linked, len(page.Items))
			}
			act := page.Items[0]
			if act.Kind != model.KindDocument || *act.OwnerID != f.olga.ID || !strings.Contains(act.Subject, "letter-ru") ||
				!hasLink(act.Links, "attachment", att.ID) {
				t.Errorf("activity %+v", act)
			}
		}
		// A read-only token may download but not save: nothing is written.
		readOnly := model.WithActor(context.Background(), model.Actor{UserID: f.olga.ID, Role: model.RoleAgent, Scopes: []string{model.ScopeRead}})
		seq = lastSeq(t, s)
		if _, err := f.svc.Merge(readOnly, merge.Request{TemplateID: id, RecordID: f.quote.ID, Save: true}); model.ErrorCode(err) != model.EFORBIDDEN {
			t.Errorf("read-only save: %v", err)
		}
		if _, err := f.svc.Merge(readOnly, merge.Request{TemplateID: id, RecordID: f.contact.ID, RecordType: "quote"}); model.ErrorCode(err) != model.ENOTFOUND {
			t.Errorf("a contact's id as a quote: %v", err)
		}
		if lastSeq(t, s) != seq {
			t.Error("a refused merge wrote to the feed")
		}
	})
}

func hasLink(links []model.Link, entity, id string) bool {
	for _, l := range links {
		if l.Entity == entity && l.ID == id {
			return true
		}
	}
	return false
}

func lastSeq(t testing.TB, s *store.Store) int64 {
	t.Helper()
	seq, err := s.LastSeq(context.Background())
	must(t, err)
	return seq
}

// TestMergeVisibility: a quote of another team is not found, as if it did
// not exist; its contact, which all staff see, merges.
func TestMergeVisibility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, 1)
		sys := model.WithActor(context.Background(), model.System)
		team := &model.Team{Name: "Team B"}
		must(t, store.Create(sys, s, team))
		boris := &model.User{Email: "boris@example.com", Name: "Boris", Role: model.RoleAgent, TeamID: &team.ID}
		must(t, s.CreateUser(sys, boris, ""))
		ctx := model.WithActor(context.Background(), model.Actor{UserID: boris.ID, Role: model.RoleAgent, TeamID: team.ID, TeamIDs: []string{team.ID}})
		quote := f.template("q.txt", "quote", "", []byte(`{quote.number}`))
		_, err := f.svc.Merge(ctx, merge.Request{TemplateID: quote, RecordID: f.quote.ID})
		if model.ErrorCode(err) != model.ENOTFOUND {
			t.Fatalf("another team's quote: %v", err)
		}
		letter := f.template("c.txt", "contact", "", []byte(`{contact.first_name} / {user.name}`))
		doc, err := f.svc.Merge(ctx, merge.Request{TemplateID: letter, RecordID: f.contact.ID})
		must(t, err)
		if string(doc.Body) != "Анна / Boris" {
			t.Errorf("%q", doc.Body)
		}
	})
}

// TestMergeErrors: mistakes come back coded, with their place.
func TestMergeErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, 12)
		typo := f.template("typo.docx", "contact", "", docx(t, "Dear {contact.frist_name},"))
		_, err := f.svc.Merge(f.ctx, merge.Request{TemplateID: typo, RecordID: f.contact.ID})
		if model.ErrorCode(err) != model.EINVALID || !strings.Contains(err.Error(), "paragraph 1, column 7: unknown field contact.frist_name; did you mean contact.first_name?") {
			t.Errorf("typo: %v", err)
		}
		rows := f.template("rows.txt", "quote", "", []byte("x\n{#each quote.lines}{description}\n{/each}"))
		small := merge.New(merge.Config{Store: s, Blobs: f.blobs, Office: office.Config{Template: lang.Limits{MaxIterations: 5}}})
		_, err = small.Merge(f.ctx, merge.Request{TemplateID: rows, RecordID: f.quote.ID})
		if model.ErrorCode(err) != model.ETOOLARGE || !strings.HasPrefix(err.Error(), "line 2, column 1: ") {
			t.Errorf("loop limit: %v", err)
		}
		letter := f.template("ok.docx", "contact", "", docx(t, "{contact.first_name}"))
		for _, c := range []struct {
			req  merge.Request
			code string
			msg  string
		}{
			{merge.Request{TemplateID: rows, RecordID: f.quote.ID, RecordType: "contact"}, model.EINVALID, "the template is for a quote, not a contact"},
			{merge.Request{TemplateID: rows, RecordID: f.quote.ID, Format: "pdf"}, model.EINVALID, "a text template merges into text"},
			{merge.Request{TemplateID: letter, RecordID: f.contact.ID, Format: "odt"}, model.EINVALID, "a docx template merges into docx or pdf"},
			{merge.Request{TemplateID: f.contact.ID, RecordID: f.contact.ID}, model.ENOTFOUND, "no template"},
			{merge.Request{TemplateID: rows, RecordID: "nope"}, model.ENOTFOUND, "no quote nope"},
		} {
			_, err := f.svc.Merge(f.ctx, c.req)
			if model.ErrorCode(err) != c.code || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("%+v: %v", c.req, err)
			}
		}
		if _, err := f.svc.Merge(f.ctx, merge.Request{TemplateID: letter, RecordID: f.contact.ID, Format: "pdf"}); !errors.Is(err, merge.ErrNoPDF) {
			t.Errorf("PDF without LibreOffice: %v", err)
		}
	})
}

// fakePDF stands in for LibreOffice: it checks that it gets a document of
// the format it is told and writes a marker naming it.
type fakePDF struct{ t testing.TB }

func (p fakePDF) ConvertPDF(_ context.Context, in io.Reader, format string, out io.Writer) error {
	data, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	if format == "html" != bytes.HasPrefix(data, []byte("<")) || format != "html" && !bytes.HasPrefix(data, []byte("PK")) {
		p.t.Errorf("the converter got %s that is not one: %.20q", format, data)
	}
	_, err = fmt.Fprintf(out, "%%PDF %s %d", format, len(data))
	return err
}

func TestMergePDF(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, 1)
		svc := merge.New(merge.Config{Store: s, Blobs: f.blobs, PDF: fakePDF{t}})
		for name, data := range map[string][]byte{"a.docx": docx(t, "{contact.first_name}"), "a.html": []byte("<p>{contact.first_name}</p>")} {
			id := f.template(name, "contact", "", data)
			doc, err := svc.Merge(f.ctx, merge.Request{TemplateID: id, RecordID: f.contact.ID, Format: "pdf"})
			must(t, err)
			if !bytes.HasPrefix(doc.Body, []byte("%PDF "+strings.TrimPrefix(name[1:], "."))) || doc.ContentType != "application/pdf" || doc.Filename != "a Анна Smith.pdf" {
				t.Errorf("%s: %q %s %q", name, doc.Body, doc.ContentType, doc.Filename)
			}
		}
	})
}

// TestMergeHTMLEscapes: values are escaped in HTML templates.
func TestMergeHTMLEscapes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, 1)
		c := &model.Contact{FirstName: `<script>alert(1)</script>`}
		must(t, store.Create(f.ctx, s, c))
		id := f.template("mail.html", "contact", "", []byte(`<p title="{contact.first_name}">{contact.first_name}</p>`))
		doc, err := f.svc.Merge(f.ctx, merge.Request{TemplateID: id, RecordID: c.ID})
		must(t, err)
		if want := `<p title="&lt;script&gt;alert(1)&lt;/script&gt;">&lt;script&gt;alert(1)&lt;/script&gt;</p>`; string(doc.Body) != want {
			t.Errorf("%s", doc.Body)
		}
	})
}

// TestOpenTemplateFile: the CLI's template files, by content and name.
func TestOpenTemplateFile(t *testing.T) {
	s := storetest.Open(t, "sqlite")
	f := newFixture(t, s, 2)
	for _, c := range []struct {
		name   string
		data   []byte
		entity string
		format string
	}{
		{"quote-en.docx", file(t, "quote-en.docx"), "quote", "docx"},
		{"letter-ru.ott", file(t, "letter-ru.odt"), "quote", "odt"},
		{"mail.htm", []byte("<b>{quote.number}</b>"), "quote", "html"},
		{"note.txt", []byte("{contact.first_name}"), "contact", "text"},
	} {
		tmpl, err := f.svc.OpenTemplate(c.name, c.data, c.entity, "")
		if err != nil || tmpl.Format != c.format {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		id := f.quote.ID
		if c.entity == "contact" {
			id = f.contact.ID
		}
		if _, err := f.svc.Merge(f.ctx, merge.Request{Template: tmpl, RecordID: id}); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	for _, c := range []struct{ name, data, entity, msg string }{
		{"x.pdf", "%PDF", "contact", "not a template"},
		{"x.txt", "{contact.first_name}", "lead", "record_type"},
		{"x.txt", "\xff", "contact", "UTF-8"},
		{"x.docx", "PK\x03\x04 broken", "contact", "zip"},
	} {
		if _, err := f.svc.OpenTemplate(c.name, []byte(c.data), c.entity, ""); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
