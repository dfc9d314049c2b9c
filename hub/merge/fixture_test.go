package merge_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"rapport/hub/hubtest"
	"rapport/hub/merge"
	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
	"rapport/templates/lang"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// memBlobs is hubtest's in-memory blob store as the merge service's Blobs.
type memBlobs struct{ *hubtest.MemBlobs }

func (b memBlobs) Put(ctx context.Context, r io.Reader, name string, max int64) (merge.BlobInfo, error) {
	info, err := b.MemBlobs.Put(ctx, r, name, max)
	return merge.BlobInfo(info), err
}

// now is the fixed moment of every merge.
var now = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// fixture is a store with the records the tests merge: a seller (Olga) in
// team A who owns a quote of 12 lines for Acme and its contact Анна, whose
// photo is an attachment; the company's logo is another.
type fixture struct {
	t       testing.TB
	s       *store.Store
	blobs   memBlobs
	svc     *merge.Service
	ctx     context.Context // as Olga
	olga    *model.User
	account *model.Account
	contact *model.Contact
	quote   *model.Quote
	product *model.Product
}

func newFixture(t testing.TB, s *store.Store, lines int) *fixture {
	t.Helper()
	f := &fixture{t: t, s: s, blobs: memBlobs{hubtest.NewMemBlobs()}}
	sys := model.WithActor(context.Background(), model.System)
	team := &model.Team{Name: "Team A"}
	must(t, store.Create(sys, s, team))
	f.olga = &model.User{Email: "olga@example.com", Name: "Olga Petrova", Role: model.RoleAgent, TeamID: &team.ID}
	must(t, s.CreateUser(sys, f.olga, ""))
	f.ctx = model.WithActor(context.Background(), model.Actor{UserID: f.olga.ID, Name: f.olga.Name, Role: f.olga.Role,
		TeamID: team.ID, TeamIDs: []string{team.ID}})
	f.account = &model.Account{Name: "Acme GmbH", Language: "de-DE"}
	f.product = &model.Product{SKU: "W-1", Name: "Widget", Unit: "pc", TaxRate: model.Dec("19"), Active: true}
	must(t, store.Create(sys, s, f.account))
	must(t, store.Create(sys, s, f.product))
	f.contact = &model.Contact{FirstName: "Анна", LastName: "Smith", AccountID: &f.account.ID}
	must(t, store.Create(f.ctx, s, f.contact))
	picture := file(t, "photo.png")
	photo := f.attach("contact", f.contact.ID, "photo.png", picture)
	_, err := store.Update(f.ctx, s, f.contact.ID, 0, func(c *model.Contact) error { c.PhotoID = &photo.ID; return nil })
	must(t, err)
	logo := f.attach("account", f.account.ID, "logo.png", append(picture, 0)) // another blob: PNG ignores what follows its end
	f.quote = f.newQuote(lines)
	f.svc = merge.New(merge.Config{Store: s, Blobs: f.blobs, DefaultLocale: "en-GB", Now: func() time.Time { return now },
		Company: lang.Company{Name: "Rapport Ltd", LegalName: "ООО «Рапорт»", IBAN: "DE00 1234 5678", LogoID: logo.ID}})
	return f
}

// newQuote creates a draft EUR quote of n lines of the product, as Olga.
func (f *fixture) newQuote(n int) *model.Quote {
	in := make([]model.LineInput, n)
	for i := range in {
		desc := fmt.Sprintf("Item %d", i+1)
		in[i] = model.LineInput{ProductID: &f.product.ID, Description: &desc, Quantity: ptr(model.DecInt(int64(i%4 + 1))),
			UnitPrice: ptr(model.Dec(fmt.Sprintf("%d.50", 10*(i+1))))}
	}
	until := model.Date{Time: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)}
	q := &model.Quote{AccountID: &f.account.ID, ContactID: &f.contact.ID, ValidUntil: &until, Notes: "Delivery in two weeks.",
		Pricing: model.Pricing{Currency: "EUR"}}
	_, err := f.s.CreateQuote(f.ctx, q, in)
	must(f.t, err)
	return q
}

// attach stores a file as an attachment of a record.
func (f *fixture) attach(recordType, id, name string, data []byte) *model.Attachment {
	info, err := f.blobs.Put(context.Background(), bytes.NewReader(data), name, 1<<20)
	must(f.t, err)
	att := &model.Attachment{RecordType: recordType, RecordID: id, Filename: name, ContentType: info.ContentType,
		Size: info.Size, SHA256: info.SHA256}
	must(f.t, store.Create(f.ctx, f.s, att))
	return att
}

// template stores a template file for recordType and returns its id.
func (f *fixture) template(name, recordType, locale string, data []byte) string {
	f.t.Helper()
	format := strings.TrimPrefix(filepath.Ext(name), ".")
	if format == "txt" {
		format = model.TemplateText
	}
	info, err := f.blobs.Put(context.Background(), bytes.NewReader(data), name, 64<<20)
	must(f.t, err)
	tmpl := &model.DocumentTemplate{Name: strings.TrimSuffix(name, filepath.Ext(name)), RecordType: recordType, Format: format,
		Locale: locale, Revision: 1, Filename: name, ContentType: info.ContentType, Size: info.Size, SHA256: info.SHA256}
	must(f.t, store.Create(f.ctx, f.s, tmpl))
	return tmpl.ID
}

// file reads a file of testdata.
func file(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	must(t, err)
	return data
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

// docx builds a DOCX whose body has one paragraph per text.
func docx(t testing.TB, paragraphs ...string) []byte {
	t.Helper()
	var body strings.Builder
	for _, p := range paragraphs {
		body.WriteString(`<w:p><w:r><w:t xml:space="preserve">` + escape(p) + `</w:t></w:r></w:p>`)
	}
	return zipOf(t, map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
		"word/document.xml": `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" ` +
			`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:body>` + body.String() + `<w:sectPr/></w:body></w:document>`,
	})
}

// zipOf zips files, in name order.
func zipOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		w, err := zw.Create(name)
		must(t, err)
		_, _ = io.WriteString(w, files[name])
	}
	must(t, zw.Close())
	return b.Bytes()
}

func escape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// entries reads every entry of a zip.
func entries(t testing.TB, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		must(t, err)
		out[f.Name], err = io.ReadAll(rc)
		rc.Close()
		must(t, err)
	}
	return out
}

var tags = regexp.MustCompile(`<[^>]*>`)

// text returns the text of a merged document's main part, tags replaced
// by blanks and blanks collapsed.
func text(t testing.TB, doc []byte) string {
	t.Helper()
	parts := entries(t, doc)
	main, ok := parts["word/document.xml"]
	if !ok {
		main = parts["content.xml"]
	}
	return strings.Join(strings.Fields(tags.ReplaceAllString(string(main), " ")), " ")
}
