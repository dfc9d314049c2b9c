package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"sync"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/secret"
	"rapport/model/store"
	"rapport/model/storetest"
)

// memBlobs is an in-memory blob store for backup tests: the source of a
// backup and the sink of a restore.
type memBlobs struct {
	mu sync.Mutex
	m  map[string][]byte
}

func newMemBlobs() *memBlobs { return &memBlobs{m: map[string][]byte{}} }

func (b *memBlobs) add(content string) string {
	sum := sha256.Sum256([]byte(content))
	sha := hex.EncodeToString(sum[:])
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m[sha] = []byte(content)
	return sha
}

func (b *memBlobs) Open(_ context.Context, sha string) (io.ReadCloser, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	data, ok := b.m[sha]
	if !ok {
		return nil, model.Errorf(model.ENOTFOUND, "no blob %s", sha)
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

func (b *memBlobs) Put(_ context.Context, r io.Reader) (string, int64, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return "", 0, err
	}
	return b.add(string(data)), int64(len(data)), nil
}

// seedEverything writes at least one record of every kind the store knows
// (with child rows, feed rows, search keys, blobs), through the store's own
// API, as the round-trip tests' database.
func seedEverything(t *testing.T, s *store.Store, blobs *memBlobs) {
	t.Helper()
	ctx := salesAdmin
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Billing: users, accounts, products, contracts, requests, time
	// entries, orders; then a billing run with its invoices, one issued and paid.
	f := newBillingFixture(t, s)
	run, _, err := s.RunBilling(ctx, f.start, f.end)
	must(err)
	_ = run
	inv := draftInvoice(t, s)
	inv, err = s.IssueInvoice(ctx, inv.ID, 0)
	must(err)
	_, err = s.PayInvoice(ctx, inv.ID, 0, store.Payment{PaymentRef: "BANK-1"})
	must(err)
	// Returns: commerce (price lists), contacts, registrations, an RMA.
	r := newReturns(t, s)
	r.rma(t, s)
	_, err = s.CreateQuote(ctx, r.quote(), []model.LineInput{{ProductID: &r.widget.ID, Quantity: ptr(model.Dec("2"))}})
	must(err)
	// Sales and marketing.
	p := newPipeline(t, s, "New business")
	must(store.Create(ctx, s, &model.Opportunity{Name: "Big deal", PipelineID: p.ID, Stage: "proposal", Amount: model.Dec("1000"), Currency: "EUR", AccountID: &r.account.ID}))
	must(store.Create(ctx, s, &model.Lead{FirstName: "Lee", Company: "Leads Ltd"}))
	must(store.Create(ctx, s, &model.Competitor{Name: "Rival"}))
	camp := &model.Campaign{Name: "Spring mailing", Type: "email", Currency: "EUR"}
	must(store.Create(ctx, s, camp))
	list := &model.MailingList{Name: "Newsletter"}
	must(store.Create(ctx, s, list))
	_, err = s.AddListMembers(ctx, list.ID, []string{r.ann.ID, r.bob.ID})
	must(err)
	_, err = s.AddCampaignMembersFromList(ctx, camp.ID, list.ID)
	must(err)
	must(store.Create(ctx, s, &model.ExchangeRate{Currency: "USD", Rate: model.Dec("0.9"), ValidFrom: model.Date{Time: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}}))
	must(store.Create(ctx, s, &model.ReportDefinition{Name: "Deals by stage", Of: "opportunity", GroupBy: []string{"stage"}}))
	team := &model.Team{Name: "East"}
	must(store.Create(ctx, s, team))
	must(store.Create(ctx, s, &model.Territory{Name: "North", OwnerID: &f.anna.ID, TeamID: &team.ID}))
	for i := range 10 { // Latin and Cyrillic names
		must(store.Create(ctx, s, storetest.Contact(i)))
	}
	// Support: activities, the answer book with votes and views.
	must(store.Create(ctx, s, &model.Activity{Kind: model.KindNote, Subject: "Met at the booth — встреча", Links: []model.Link{{Entity: "contact", ID: r.ann.ID}}}))
	kb := seedKB(t, s)
	for id := range kb {
		_, _, err = s.VoteKB(ctx, id, true, "clear")
		must(err)
		_, err = s.CountKBView(ctx, id)
		must(err)
		break
	}
	must(store.Create(ctx, s, &model.SLATarget{Priority: "normal", ContractLevel: "silver", FirstResponseMinutes: 30, ResolutionMinutes: 60}))
	// Files: an attachment, a document template, a mailbox and a mail.
	att := blobs.add("hello, attachment")
	must(store.Create(ctx, s, &model.Attachment{RecordType: "contact", RecordID: r.ann.ID, Filename: "a.txt", ContentType: "text/plain", Size: 17, SHA256: att}))
	blobs.add("letter")
	must(s.CreateTemplate(ctx, &model.DocumentTemplate{Name: "Letter", RecordType: "quote"}, templateFile("letter", "docx")))
	seedMail(t, s, blobs)
	// Credentials, DAV, ICS, webhooks, inbound doors, idempotency.
	_, _, err = s.CreateToken(ctx, f.anna.ID, "ci", []string{"read"}, 0)
	must(err)
	_, _, err = s.CreateAppPassword(ctx, f.anna.ID, "phone")
	must(err)
	_, _, err = s.CreateSession(ctx, f.anna.ID, "127.0.0.1", "test")
	must(err)
	_, _, err = s.CreateICSFeed(ctx, f.anna.ID, true)
	must(err)
	must(store.Create(ctx, s, &model.DAVCollection{OwnerID: f.anna.ID, Kind: model.CollectionAddressBook, Slug: model.SlugMine, Builtin: true, Enabled: true}))
	ep := &model.WebhookEndpoint{URL: "https://hooks.example.com/in", EventTypes: []string{"contact.*"}, Active: true}
	must(s.CreateWebhookEndpoint(ctx, ep, "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"))
	_, err = s.EnqueueWebhookPing(ctx, ep.ID)
	must(err)
	must(s.CreateWebForm(ctx, &model.WebForm{Name: "Contact us", RateLimit: 50, IntakeRules: model.IntakeRules{Active: true, Mapping: map[string]string{"email": "email"}}}))
	hook := &model.InboundHook{Name: "Shop", MatchOn: "email", IntakeRules: model.IntakeRules{Active: true, Mapping: map[string]string{"email": "data.email"}}}
	must(s.CreateInboundHook(ctx, hook, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
	_, _, err = s.ReceiveInboundWebhook(ctx, hook, "msg_1", []byte(`{"data":{"email":"shop@example.com"}}`), func(context.Context, string) error { return nil })
	must(err)
	must(s.SaveIdempotent(ctx, &store.IdempotentResponse{UserID: f.anna.ID, Key: "k1", Method: "POST", Path: "/api/v1/contacts",
		RequestHash: "h", Status: 201, Headers: map[string]string{"Etag": `"1"`}, Body: []byte{0, 1, 2, 255}, CreatedAt: time.Now()}))
	_, err = s.NextNumber(ctx, "quote")
	must(err)
}

// seedMail stores a mailbox (sealed secrets: bytes columns) and one
// ingested mail whose raw bytes are a blob.
func seedMail(t *testing.T, s *store.Store, blobs *memBlobs) {
	t.Helper()
	q := &model.Queue{Name: "Support", Active: true}
	if err := store.Create(salesAdmin, s, q); err != nil {
		t.Fatal(err)
	}
	box, err := secret.NewBox(bytes.Repeat([]byte{42}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	mb := &model.Mailbox{Name: "Support", IMAPHost: "imap.example.com", Username: "support@rapport.example", Password: "imap-secret",
		QueueID: &q.ID, FromAddress: "support@rapport.example", SMTPHost: "smtp.example.com", Active: true}
	if err := s.CreateMailbox(salesAdmin, box, mb); err != nil {
		t.Fatal(err)
	}
	raw := "From: ann@acme.example\r\nSubject: Help\r\n\r\nThe widget is broken.\r\n"
	in := &model.MailIngest{MailboxID: mb.ID, Folder: "INBOX", UIDValidity: 7, UID: 1, SHA256: blobs.add(raw), Size: int64(len(raw)),
		MessageID: "<m1@mail.example>", From: model.MailAddress{Name: "Ann", Email: "ann@acme.example"},
		To: []model.MailAddress{{Email: "support@rapport.example"}}, Subject: "Help", Text: "The widget is broken.",
		HTML: "<p>The widget is broken.</p>", Date: time.Now().Add(-time.Minute),
		Decision: model.MailDecision{Kind: model.MailKindMail, Ack: true, Trace: []model.MailStep{{Name: "dedupe", Verdict: "pass"}}}}
	if _, _, err := s.IngestMail(context.Background(), in); err != nil {
		t.Fatal(err)
	}
}
