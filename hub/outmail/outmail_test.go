package outmail

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"rapport/hub/merge"
	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

func TestReplySubject(t *testing.T) {
	req := &model.Request{Number: "R-000123", Subject: "Printer"}
	for _, tc := range []struct{ customer, want string }{
		{"Printer broken", "Re: [R-000123] Printer broken"},
		{"RE: Re: Printer broken", "Re: [R-000123] Printer broken"},
		{"Re: [R-000123] Printer broken", "Re: [R-000123] Printer broken"},
		{"AW: [r-000123] Re: Printer   broken", "Re: [R-000123] Printer broken"},
		{"Fwd: Re[2]: Printer", "Re: [R-000123] Printer"},
		{"Ответ: Принтер не печатает", "Re: [R-000123] Принтер не печатает"},
		{"Printer [R-000123] broken", "Re: [R-000123] Printer broken"},
		{"Rebooting did not help", "Re: [R-000123] Rebooting did not help"},
		{"Re: [R-000999] other", "Re: [R-000123] [R-000999] other"},
		{"", "Re: [R-000123] Printer"},
	} {
		var last *model.MailMessage
		if tc.customer != "" {
			last = &model.MailMessage{Subject: tc.customer}
		}
		if got := replySubject(req, last); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.customer, got, tc.want)
		}
	}
}

func TestReferencesKeepFirstAndNewest(t *testing.T) {
	var th thread
	for i := range 30 {
		th.ids = append(th.ids, fmt.Sprintf("m%d@x", i))
	}
	th.lastID = "m10@x" // the customer's last mail, answered after our later ones
	refs := th.references()
	if len(refs) != maxReferences || refs[0] != "m0@x" || refs[len(refs)-1] != "m10@x" || refs[len(refs)-2] != "m29@x" ||
		slices.Index(refs, "m10@x") != len(refs)-1 {
		t.Fatalf("references %v", refs)
	}
	if got := (thread{}).references(); len(got) != 0 {
		t.Errorf("no thread: %v", got)
	}
}

// memBlobs is an in-memory blob store for the merge service.
type memBlobs struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (b *memBlobs) Put(_ context.Context, r io.Reader, _ string, max int64) (merge.BlobInfo, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil || int64(len(data)) > max {
		return merge.BlobInfo{}, fmt.Errorf("blob: %v (or over %d bytes)", err, max)
	}
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m[h] = data
	return merge.BlobInfo{SHA256: h, Size: int64(len(data))}, nil
}

func (b *memBlobs) Open(_ context.Context, h string) (io.ReadCloser, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	data, ok := b.m[h]
	if !ok {
		return nil, model.Errorf(model.ENOTFOUND, "no blob %s", h)
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

// mailingFixture is a mailing of a text template to every contact, with a
// composer that queues without a job queue.
type mailingFixture struct {
	c      *Composer
	ctx    context.Context
	m      Mailing
	queued atomic.Int64
}

func newMailingFixture(t testing.TB, s *store.Store, contacts int) *mailingFixture {
	ctx := model.WithActor(context.Background(), model.System)
	u := &model.User{Email: "marketing@example.com", Name: "Mia Marketing", Role: model.RoleAgent}
	if err := s.CreateUser(ctx, u, ""); err != nil {
		t.Fatal(err)
	}
	storetest.SeedContacts(t, s, contacts)
	list := &model.MailingList{Name: "Everyone", Kind: model.ListDynamic, Filter: &model.Filter{}}
	if err := store.Create(ctx, s, list); err != nil {
		t.Fatal(err)
	}
	blobs := &memBlobs{m: map[string][]byte{}}
	body := "<p>Dear {contact.first_name},</p><p>our autumn offers are here.</p>"
	info, err := blobs.Put(ctx, strings.NewReader(body), "news.html", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &model.DocumentTemplate{Name: "News", RecordType: "contact", Subject: "Autumn news for {contact.first_name}"}
	if err := s.CreateTemplate(ctx, tmpl, store.TemplateFile{Format: model.TemplateHTML, Filename: "news.html",
		ContentType: "text/html", Size: info.Size, SHA256: info.SHA256}); err != nil {
		t.Fatal(err)
	}
	f := &mailingFixture{ctx: ctx, m: Mailing{ListID: list.ID, TemplateID: tmpl.ID, UserID: u.ID}}
	var n atomic.Int64
	f.c = New(Config{Store: s, Merge: merge.New(merge.Config{Store: s, Blobs: blobs, DefaultLocale: "en-GB"}),
		From: model.MailAddress{Name: "Rapport", Email: "news@example.com"},
		MintMessageID: func(ref, domain string) (string, error) {
			return fmt.Sprintf("%s.%d@%s", ref, n.Add(1), domain), nil
		},
		Enqueue: func(context.Context, string) error { f.queued.Add(1); return nil }})
	return f
}

// TestMailingResumesWithoutDuplicates fails a mailing's second page (its
// transaction rolls back) and runs it again from the progress saved: every
// member gets exactly one mail.
func TestMailingResumesWithoutDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		const members = 2*mailingPage + 20
		f := newMailingFixture(t, s, members)
		var saved []Progress
		pages := 0
		save := func(_ context.Context, p Progress) error {
			if pages++; pages == 2 {
				return errors.New("the database went away")
			}
			saved = append(saved, p)
			return nil
		}
		p, err := f.c.RunMailing(f.ctx, 7, f.m, Progress{}, save)
		if err == nil || p.Done || p.Queued != mailingPage || len(saved) != 1 || saved[0].Cursor != p.Cursor || saved[0].Queued != p.Queued {
			t.Fatalf("first attempt: %v, progress %+v, saved %+v", err, p, saved)
		}
		p, err = f.c.RunMailing(f.ctx, 7, f.m, p, save)
		if err != nil || !p.Done || p.Members != members || p.Queued != members || p.Failed+p.NoAddress+p.Suppressed != 0 {
			t.Fatalf("second attempt: %v, progress %+v", err, p)
		}
		out, err := store.List[model.OutboundMail](f.ctx, s, store.ListParams{Equals: map[string]string{"template_id": f.m.TemplateID}, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, m := range out.Items {
			if seen[*m.ContactID] {
				t.Fatalf("contact %s mailed twice", *m.ContactID)
			}
			seen[*m.ContactID] = true
			if !IsBulk(m) || m.AutoSubmitted != autoGenerated || !strings.HasPrefix(m.Subject, "Autumn news for ") ||
				!strings.Contains(m.HTML, "Dear ") || m.From.Email != "news@example.com" {
				t.Fatalf("mail %+v", m)
			}
		}
		if len(seen) != members || f.queued.Load() != int64(members+mailingPage) {
			// The rolled-back page's jobs were enqueued in its transaction: the
			// fake queue counted them, a real one loses them with it.
			t.Errorf("%d contacts mailed, %d enqueued", len(seen), f.queued.Load())
		}
	})
}

// TestCheckMailing refuses what cannot be mailed before any job runs.
func TestCheckMailing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newMailingFixture(t, s, 1)
		if err := f.c.CheckMailing(f.ctx, f.m); err != nil {
			t.Fatal(err)
		}
		docx := &model.DocumentTemplate{Name: "Letter", RecordType: "quote"}
		if err := s.CreateTemplate(f.ctx, docx, store.TemplateFile{Format: model.TemplateText, Filename: "q.txt",
			ContentType: "text/plain", Size: 1, SHA256: strings.Repeat("b", 64)}); err != nil {
			t.Fatal(err)
		}
		for name, tc := range map[string]struct {
			mutate func(*Mailing)
			code   string
		}{
			"no list":         {func(m *Mailing) { m.ListID = model.NewID() }, model.ENOTFOUND},
			"no template":     {func(m *Mailing) { m.TemplateID = model.NewID() }, model.EINVALID},
			"quote template":  {func(m *Mailing) { m.TemplateID = docx.ID }, model.EINVALID},
			"unknown mailbox": {func(m *Mailing) { m.FromMailboxID = model.NewID() }, model.EINVALID},
		} {
			m := f.m
			tc.mutate(&m)
			if err := f.c.CheckMailing(f.ctx, m); model.ErrorCode(err) != tc.code {
				t.Errorf("%s: %v, want %s", name, err, tc.code)
			}
		}
		if err := New(Config{Store: s}).CheckMailing(f.ctx, f.m); !errors.Is(err, ErrNotConfigured) {
			t.Errorf("without minting and a queue: %v", err)
		}
	})
}

// BenchmarkMailing10000 composes and queues a mailing to 10,000 contacts
// (merging each member's mail and subject, writing the outbox entries and
// their timeline activities page by page); sending is the SMTP job's.
func BenchmarkMailing10000(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			const members = 10_000
			f := newMailingFixture(b, storetest.Open(b, engine), members)
			b.ResetTimer()
			for i := range b.N {
				p, err := f.c.RunMailing(f.ctx, int64(i), f.m, Progress{}, func(context.Context, Progress) error { return nil })
				if err != nil || p.Queued != members {
					b.Fatalf("%v %+v", err, p)
				}
			}
			b.ReportMetric(float64(members*b.N)/b.Elapsed().Seconds(), "mails/s")
		})
	}
}
