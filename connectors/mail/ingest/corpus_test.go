package ingest

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rapport/connectors/mail/mailmsg"
	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// testdataDir holds the real-world corpus (corpus/, sources and licences
// in its SOURCES.md) and hand-written messages (extra/, see its README.md).
const testdataDir = "../testdata"

// corpusFile is one message of the test data, relative to testdataDir.
type corpusFile struct {
	name string
	raw  []byte
}

// corpusFiles reads every message under testdataDir, in path order.
func corpusFiles(t testing.TB) []corpusFile {
	t.Helper()
	var out []corpusFile
	err := filepath.WalkDir(testdataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".md") {
			return err
		}
		raw, err := os.ReadFile(path)
		name, _ := filepath.Rel(testdataDir, path)
		out = append(out, corpusFile{name: filepath.ToSlash(name), raw: raw})
		return err
	})
	if err != nil || len(out) < 371 {
		t.Fatalf("%d message files under %s (want the corpus's 371 and the extra ones): %v", len(out), testdataDir, err)
	}
	return out
}

// corpusRun is the corpus ingested into one store: each file's log
// entry, quarantine entry, or the earlier entry it duplicates.
type corpusRun struct {
	*fixture
	files  []corpusFile
	logged map[string]*model.MailMessage    // file → its own log entry
	quar   map[string]*model.MailQuarantine // file → its quarantine entry
	dup    map[string]*model.MailMessage    // file → the earlier entry it repeats
	counts map[string]int
}

// TestCorpus ingests every message of the real-world corpus and the extra
// ones end to end — blob store, parse, classify, one transaction — and
// accounts for each: a new request, an entry on a request, a bounce or
// ignored log entry, a quarantine entry with its reason, or (same
// Message-ID or bytes) the earlier message it repeats. Then it checks the
// outcomes for auto-replies, bounces, threads, charsets and
// acknowledgements.
func TestCorpus(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := ingestCorpus(t, newFixture(t, s))
		sum := 0
		for _, n := range r.counts {
			sum += n
		}
		t.Logf("%d messages: %v", len(r.files), r.counts)
		if sum != len(r.files) {
			t.Fatalf("%d of %d messages accounted for", sum, len(r.files))
		}
		r.checkAutoReplies(t)
		r.checkBounces(t)
		r.checkThreads(t)
		r.checkCharsets(t)
		r.checkAcknowledgements(t)
	})
}

// bounced are the mails we sent that two of the extra bounces report on.
var bounced = map[string]string{
	"exim-original-1@rapport.example": "nobody@isp.example",
	"r-0190f5a2-7c1d-7b3e-9a55-1b2c3d4e5f60.a1b2c3d4e5f60718.9f8e7d6c5b4a39281706f5e4@rapport.example": "old.customer@hoster.example",
}

func ingestCorpus(t *testing.T, f *fixture) *corpusRun {
	ctx := context.Background()
	for id, to := range bounced {
		m := &model.OutboundMail{From: model.MailAddress{Email: "support@rapport.example"}, To: []model.MailAddress{{Email: to}},
			Subject: "Your order", Text: "Shipped.", MessageID: id}
		if err := f.s.QueueMail(admin, m, f.enq.enqueue); err != nil {
			t.Fatal(err)
		}
	}
	r := &corpusRun{fixture: f, files: corpusFiles(t), logged: map[string]*model.MailMessage{},
		quar: map[string]*model.MailQuarantine{}, dup: map[string]*model.MailMessage{}, counts: map[string]int{}}
	for _, file := range r.files {
		if err := f.p.Handle(ctx, f.message(file.raw)); err != nil {
			t.Fatalf("%s: %v", file.name, err)
		}
	}
	byUID := map[uint32]*model.MailMessage{}
	for _, m := range all[model.MailMessage](t, f.s, nil) {
		byUID[m.UID] = m
	}
	quar := map[uint32]*model.MailQuarantine{}
	for _, q := range all[model.MailQuarantine](t, f.s, nil) {
		quar[q.UID] = q
	}
	for i, file := range r.files {
		uid := uint32(i + 1)
		switch {
		case byUID[uid] != nil:
			r.logged[file.name] = byUID[uid]
			r.counts[byUID[uid].Outcome]++
		case quar[uid] != nil:
			r.quar[file.name] = quar[uid]
			r.counts["quarantined"]++
			if quar[uid].Reason == "" || quar[uid].Error == "" {
				t.Errorf("%s: quarantined without a reason: %+v", file.name, quar[uid])
			}
		default:
			r.dup[file.name] = earlier(t, file, byUID, uid)
			r.counts["duplicate"]++
		}
	}
	return r
}

// earlier is the log entry, read before uid, that file repeats: the same
// raw bytes or Message-ID. A file with none is lost.
func earlier(t *testing.T, file corpusFile, byUID map[uint32]*model.MailMessage, uid uint32) *model.MailMessage {
	p, err := mailmsg.Parse(bytes.NewReader(file.raw), mailmsg.Options{})
	if err != nil {
		t.Fatalf("%s: neither logged nor quarantined, and it does not parse: %v", file.name, err)
	}
	for u := uint32(1); u < uid; u++ {
		if m := byUID[u]; m != nil && (m.SHA256 == p.SHA256 || p.MessageID != "" && m.MessageID == p.MessageID) {
			return m
		}
	}
	t.Fatalf("%s (UID %d, Message-ID %q): lost — no log entry, no quarantine, no earlier message it repeats", file.name, uid, p.MessageID)
	return nil
}

// entry is a file's own log entry, failing the test without one.
func (r *corpusRun) entry(t *testing.T, name string) *model.MailMessage {
	t.Helper()
	m := r.logged[name]
	if m == nil {
		t.Fatalf("%s: no log entry of its own (duplicate of %v)", name, r.dup[name])
	}
	return m
}

func (r *corpusRun) checkAutoReplies(t *testing.T) {
	for _, name := range []string{"extra/ooo-fr.eml", "extra/ooo-ru-koi8.eml", "extra/ooo-exchange-de.eml"} {
		m := r.entry(t, name)
		if m.Kind != model.MailKindAutoReply || m.AckDue || m.Outcome == model.MailOutcomeRequest {
			t.Errorf("%s: %s %s ack %v", name, m.Kind, m.Outcome, m.AckDue)
		}
	}
}

func (r *corpusRun) checkBounces(t *testing.T) {
	outbox := map[string]*model.OutboundMail{}
	for _, o := range all[model.OutboundMail](t, r.s, nil) {
		outbox[o.MessageID] = o
	}
	for name, sent := range map[string]string{"extra/bounce-exim.eml": "exim-original-1@rapport.example",
		"extra/bounce-qmail.eml": "r-0190f5a2-7c1d-7b3e-9a55-1b2c3d4e5f60.a1b2c3d4e5f60718.9f8e7d6c5b4a39281706f5e4@rapport.example"} {
		m, o := r.entry(t, name), outbox[sent]
		if m.Outcome != model.MailOutcomeBounce || deref(m.OutboundMailID) != o.ID || o.BouncedAt == nil {
			t.Errorf("%s: outcome %s, linked to %v; the mail bounced at %v", name, m.Outcome, m.OutboundMailID, o.BouncedAt)
		}
	}
	suppressed := map[string]bool{}
	for _, sup := range all[model.MailSuppression](t, r.s, nil) {
		suppressed[sup.Address] = sup.Reason == model.SuppressBounce
	}
	for _, a := range []string{"nobody@isp.example", "old.customer@hoster.example", "ghost@firma.example", "nouser@legacy.example",
		"lost.contact@gmail.example", "edwin@zzzzzzz.com", "bbbbvhvbbvkjbhfbvbvjhb@gmail.com"} {
		if !suppressed[a] {
			t.Errorf("%s is not suppressed after its hard bounce", a)
		}
	}
	for _, a := range []string{"full.mailbox@hoster.example", "spam.trap@firma.example"} {
		if suppressed[a] {
			t.Errorf("%s is suppressed after a soft bounce", a)
		}
	}
	if m := r.entry(t, "corpus/mail/spec/fixtures/emails/multipart_report_emails/report_422.eml"); m.Outcome != model.MailOutcomeIgnored || m.Kind != model.MailKindReport {
		t.Errorf("a delay report: %s %s", m.Kind, m.Outcome)
	}
}

func (r *corpusRun) checkThreads(t *testing.T) {
	parent := r.entry(t, "corpus/mail/spec/fixtures/emails/rfc2822/example06.eml")
	reply := r.entry(t, "corpus/mail/spec/fixtures/emails/rfc2822/example07.eml")
	if parent.RequestID == nil || reply.Outcome != model.MailOutcomeEvent || deref(reply.RequestID) != *parent.RequestID {
		t.Errorf("a reply to an ingested mail: %s on %v, its parent on %v", reply.Outcome, reply.RequestID, parent.RequestID)
	}
	first := r.entry(t, "corpus/comm-central/mail/components/extensions/test/xpcshell/messages/sample04.eml")
	acks := r.acksOf(deref(first.RequestID))
	if len(acks) != 1 {
		t.Fatalf("%d acknowledgements of a new request", len(acks))
	}
	m := r.handle(mail("Somebody Else <else@other.example>", "Re: "+acks[0].Subject, "More details.", "In-Reply-To: <"+acks[0].MessageID+">"))
	if m.Outcome != model.MailOutcomeEvent || deref(m.RequestID) != *first.RequestID {
		t.Errorf("a reply to our acknowledgement: %s on %v, want %s", m.Outcome, m.RequestID, *first.RequestID)
	}
}

func (r *corpusRun) checkCharsets(t *testing.T) {
	for name, want := range map[string]struct{ subject, text string }{
		"corpus/comm-central/mail/components/extensions/test/xpcshell/messages/sample04.eml": {"Алфавит", "Вопрос"}, // KOI8-R
		"corpus/comm-central/mail/components/extensions/test/xpcshell/messages/sample05.eml": {"Алфавит", "Вопрос"}, // windows-1251
		"corpus/mail/spec/fixtures/emails/multi_charset/japanese_iso_2022.eml":               {"まみむめも", "すみません。"},   // ISO-2022-JP body
		"corpus/comm-central/mail/test/browser/composition/data/iso-2022-jp.eml":             {"", "世界"},
		"extra/reply-cp1251.eml": {"Re: [R-000042] Счёт на оплату", "счёт получили"},
		"extra/ooo-ru-koi8.eml":  {"Автоответ: Re: заказ", "Я в отпуске до 15 июля"},
	} {
		m := r.entry(t, name)
		body, err := r.s.MailBody(admin, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want.subject != "" && m.Subject != want.subject || !strings.Contains(body.Text, want.text) {
			t.Errorf("%s: subject %q, text %q", name, m.Subject, body.Text)
		}
	}
}

// checkAcknowledgements: exactly the new requests due one have one,
// threaded under the mail they answer.
func (r *corpusRun) checkAcknowledgements(t *testing.T) {
	due := 0
	for name, m := range r.logged {
		if m.RequestID == nil || m.Outcome != model.MailOutcomeRequest {
			continue
		}
		acks := r.acksOf(*m.RequestID)
		want := 0
		if m.AckDue {
			want = 1
			due++
		}
		if len(acks) != want {
			t.Errorf("%s: %d acknowledgements, ack_due %v", name, len(acks), m.AckDue)
		}
		if want == 1 && (acks[0].InReplyTo != m.MessageID || acks[0].To[0].Email == "") {
			t.Errorf("%s: acknowledgement %+v", name, acks[0])
		}
	}
	if due == 0 {
		t.Error("no message of the corpus was acknowledged")
	}
	t.Logf("%d requests acknowledged", due)
}
