package mailmsg

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// testdataDir holds the real-world corpus (corpus/, see its SOURCES.md) and
// hand-written messages (extra/, see its README.md).
const testdataDir = "../testdata"

// corpusFiles lists every message file under testdata.
func corpusFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(testdataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !strings.HasSuffix(path, ".md") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("reading %s: %v", testdataDir, err)
	}
	if len(files) < 371 {
		t.Fatalf("found %d message files under %s, want the 371 of the corpus and the extra ones", len(files), testdataDir)
	}
	return files
}

// hashingSink stores attachments as their SHA-256, as the blob store would.
func hashingSink(a Attachment, r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func parseFile(t testing.TB, path string) (*Parsed, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return Parse(f, Options{Sink: hashingSink})
}

// TestCorpus parses and classifies every message: each one is read or
// refused with a reason, none is lost, and what was read is well formed.
func TestCorpus(t *testing.T) {
	c := &Classifier{Tokens: testTokens()}
	parsed, refused := 0, 0
	for _, path := range corpusFiles(t) {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		p, err := parseFile(t, path)
		if err != nil {
			if !Quarantine(err) || err.Error() == "" {
				t.Errorf("%s: an error that is not a reason to quarantine: %v", path, err)
			}
			refused++
			continue
		}
		parsed++
		checkParsed(t, path, p, raw)
		d, err := c.Classify(context.Background(), p)
		if err != nil {
			t.Fatalf("%s: classify: %v", path, err)
		}
		checkDecision(t, path, d)
	}
	t.Logf("%d messages parsed, %d refused with a reason", parsed, refused)
	if refused > 0 {
		t.Errorf("%d corpus messages refused; every one of them is readable mail", refused)
	}
}

// checkParsed states what holds for every parsed message.
func checkParsed(t *testing.T, path string, p *Parsed, raw []byte) {
	t.Helper()
	sum := sha256.Sum256(raw)
	if p.SHA256 != hex.EncodeToString(sum[:]) || p.Size != int64(len(raw)) {
		t.Errorf("%s: hash %s size %d, want the raw message's", path, p.SHA256, p.Size)
	}
	for name, s := range map[string]string{"subject": p.Subject, "text": p.Text, "html": p.HTML, "from": p.From.Name} {
		if !utf8.ValidString(s) {
			t.Errorf("%s: %s is not UTF-8", path, name)
		}
	}
	if p.Text == "" && p.HTML == "" && len(p.Attachments) == 0 && p.Report == nil && len(strings.TrimSpace(string(rawBody(raw)))) > 0 {
		t.Errorf("%s: nothing read from a body of %d bytes", path, len(rawBody(raw)))
	}
	for _, a := range p.Attachments {
		if a.Filename == "" || a.ContentType == "" || len(a.Ref) != 64 {
			t.Errorf("%s: attachment without name, type or stored content: %+v", path, a)
		}
	}
	for _, addr := range append(slices.Clone(p.To), p.From) {
		if addr.Email != strings.ToLower(addr.Email) || strings.ContainsAny(addr.Email, " <>") {
			t.Errorf("%s: address not normalised: %q", path, addr.Email)
		}
	}
}

// rawBody is what follows the first empty line.
func rawBody(raw []byte) []byte {
	for _, sep := range []string{"\r\n\r\n", "\n\n"} {
		if i := strings.Index(string(raw), sep); i >= 0 {
			return raw[i+len(sep):]
		}
	}
	return nil
}

// checkDecision states what holds for every decision.
func checkDecision(t *testing.T, path string, d *Decision) {
	t.Helper()
	var names []string
	for _, s := range d.Trace {
		names = append(names, s.Name)
		if s.Verdict != VerdictPass && s.Verdict != VerdictMatch && s.Verdict != VerdictSkip {
			t.Errorf("%s: step %s has verdict %q", path, s.Name, s.Verdict)
		}
	}
	want := []string{StepDedupe, StepAutoReply, StepBounce, StepLoopGuard, StepThreading, StepAck}
	if !slices.Equal(names, want) {
		t.Errorf("%s: trace steps %v, want %v", path, names, want)
	}
	if d.Ack && d.Kind != KindMail {
		t.Errorf("%s: acknowledgement allowed for a %s", path, d.Kind)
	}
	if d.Kind == KindBounce && d.Bounce == nil {
		t.Errorf("%s: kind %s with bounce %+v", path, d.Kind, d.Bounce)
	}
}

// expectation is the hand-checked outcome of one corpus message; zero
// fields are not checked.
type expectation struct {
	kind        Kind
	subject     string
	fromName    string
	from        string
	text        string // contained in Text
	attachment  string // a file name among the attachments
	hard        []string
	soft        []string
	format      string
	original    string // the bounced mail's Message-ID
	tags        []string
	inReplyTo   string
	references  int
	textFromHTM bool
}

var expectations = map[string]expectation{
	// charsets
	"corpus/comm-central/mail/components/extensions/test/xpcshell/messages/sample04.eml":  {subject: "Алфавит", text: "Вопрос", kind: KindMail},           // KOI8-R
	"corpus/comm-central/mail/components/extensions/test/xpcshell/messages/sample05.eml":  {subject: "Алфавит", text: "Вопрос", kind: KindMail},           // windows-1251
	"corpus/mail/spec/fixtures/emails/multi_charset/japanese_iso_2022.eml":                {subject: "まみむめも", text: "すみません。", fromName: "Mikel Lindsaar"}, // ISO-2022-JP
	"corpus/mail/spec/fixtures/emails/multi_charset/japanese_shift_jis.eml":               {text: "このメールはテスト用のメールです。"},
	"corpus/mail/spec/fixtures/emails/multi_charset/japanese_attachment.eml":              {attachment: "てすと.txt"},
	"corpus/mail/spec/fixtures/emails/multi_charset/japanese_attachment_long_name.eml":    {attachment: "かきくけこかきくけこかきくけこかきくけこかきくけこ.txt"},
	"corpus/mail/spec/fixtures/emails/multi_charset/ks_c_5601-1987.eml":                   {text: "스티해"},
	"corpus/comm-central/mailnews/test/data/iso-2022-jp-qp.eml":                           {text: "日本語の本文がQuoted Printableになっているもの"},
	"corpus/comm-central/mail/test/browser/composition/data/iso-2022-jp.eml":              {text: "世界"},
	"corpus/mail/spec/fixtures/emails/attachment_emails/attachment_nonascii_filename.eml": {attachment: "ciële.txt"},
	"extra/ooo-ru-koi8.eml":     {kind: KindAutoReply, subject: "Автоответ: Re: заказ", fromName: "Игорь Смирнов", text: "Я в отпуске до 15 июля"},
	"extra/reply-cp1251.eml":    {kind: KindMail, subject: "Re: [R-000042] Счёт на оплату", fromName: "Ольга Петрова", from: "o.petrova@example-client.ru", text: "счёт получили", tags: []string{"R-000042"}, references: 2},
	"extra/ooo-fr.eml":          {kind: KindAutoReply, fromName: "Hélène Dupont", text: "25 août"},
	"extra/ooo-exchange-de.eml": {kind: KindAutoReply, text: "nicht im Büro", tags: []string{"R-000123"}},
	// bounces and reports
	"corpus/mail/spec/fixtures/emails/multipart_report_emails/multi_address_bounce1.eml": {kind: KindBounce, format: "dsn",
		hard:     []string{"bbbbvhvbbvkjbhfbvbvjhb@gmail.com", "bscdbcjhasbcjhbdscbhbsdhcbj@gmail.com", "egyfefsdvsfvvhjsd@gmail.com", "kfhejkfbsjkjsbhds@gmail.com", "qfvhgsvhgsduiohncdhcvhsdfvsfygusd@gmail.com"},
		original: "118707422.15521266992174819.JavaMail.root@lvmail01"},
	"corpus/mail/spec/fixtures/emails/multipart_report_emails/multipart_report_multiple_status.eml": {kind: KindBounce, format: "dsn",
		hard: []string{"u@ci.com"}, original: "4c2a146147ac8_61ff157c4ec1652df@s.h.c.mail"},
	"corpus/mail/spec/fixtures/emails/multipart_report_emails/report_530.eml": {kind: KindBounce, format: "dsn",
		hard: []string{"edwin@zzzzzzz.com"}, original: "200712232303.lBNN3jDq002941@mail12.rrrr.com.au"},
	"corpus/mail/spec/fixtures/emails/multipart_report_emails/report_422.eml":                       {kind: KindReport, format: "dsn"},
	"corpus/mail/spec/fixtures/emails/mime_emails/raw_email_with_mimepart_without_content_type.eml": {kind: KindReport, format: "dsn"},
	"extra/bounce-qmail.eml": {kind: KindBounce, format: "qmail", hard: []string{"old.customer@hoster.example"}, soft: []string{"full.mailbox@hoster.example"},
		original: "r-0190f5a2-7c1d-7b3e-9a55-1b2c3d4e5f60.a1b2c3d4e5f60718.9f8e7d6c5b4a39281706f5e4@rapport.example"},
	"extra/bounce-exim.eml":          {kind: KindBounce, format: "exim", hard: []string{"nobody@isp.example"}, original: "exim-original-1@rapport.example"},
	"extra/bounce-postfix-text.eml":  {kind: KindBounce, format: "postfix", hard: []string{"ghost@firma.example"}, soft: []string{"spam.trap@firma.example"}},
	"extra/bounce-sendmail-text.eml": {kind: KindBounce, format: "sendmail", hard: []string{"nouser@legacy.example"}},
	"extra/bounce-gmail-text.eml":    {kind: KindBounce, format: "text", hard: []string{"lost.contact@gmail.example"}},
	"extra/mdn-read-receipt.eml":     {kind: KindReport, format: "mdn", original: "r-abc.0123456789abcdef.000000000000000000000000@rapport.example"},
	// bulk
	"corpus/mail/spec/fixtures/emails/error_emails/bad_date_header.eml": {kind: KindBulk}, // Precedence: junk
	"corpus/comm-central/mailnews/test/data/bugmail19":                  {kind: KindBulk}, // List-Id
	"extra/list-newsletter.eml":                                         {kind: KindBulk, text: "Save 20% on everything <https://vendor.example/shop>.", textFromHTM: true},
	// threads and people's mail
	"corpus/mail/spec/fixtures/emails/plain_emails/raw_email_reply.eml":         {kind: KindMail, inReplyTo: "348F04F142D69C21-291E56D292BC@xxxx.net", references: 2},
	"corpus/mail/spec/fixtures/emails/rfc2822/example10.eml":                    {from: "pete@silly.test", fromName: "Pete"},
	"corpus/mail/spec/fixtures/emails/plain_emails/raw_email_multiple_from.eml": {from: "tim@powerupdev.com"}, // "tim@… concierge@…" without a comma
}

// TestCorpusExpectations checks the hand-picked outcomes above.
func TestCorpusExpectations(t *testing.T) {
	c := &Classifier{Tokens: testTokens()}
	for name, want := range expectations {
		t.Run(name, func(t *testing.T) {
			p, err := parseFile(t, filepath.Join(testdataDir, name))
			if err != nil {
				t.Fatal(err)
			}
			d, err := c.Classify(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			checkExpectation(t, p, d, want)
		})
	}
}

func checkExpectation(t *testing.T, p *Parsed, d *Decision, want expectation) {
	t.Helper()
	check := func(what string, got, wantv any, ok bool) {
		if !ok {
			t.Errorf("%s = %v, want %v\ntrace: %+v", what, got, wantv, d.Trace)
		}
	}
	check("kind", d.Kind, want.kind, want.kind == "" || d.Kind == want.kind)
	check("subject", p.Subject, want.subject, want.subject == "" || p.Subject == want.subject)
	check("from name", p.From.Name, want.fromName, want.fromName == "" || p.From.Name == want.fromName)
	check("from", p.From.Email, want.from, want.from == "" || p.From.Email == want.from)
	check("text", p.Text, want.text, strings.Contains(p.Text, want.text))
	check("text from HTML", p.TextFromHTML, want.textFromHTM, p.TextFromHTML == want.textFromHTM)
	check("subject tags", d.Thread.SubjectTags, want.tags, want.tags == nil || slices.Equal(d.Thread.SubjectTags, want.tags))
	check("in-reply-to", p.InReplyTo, want.inReplyTo, want.inReplyTo == "" || slices.Contains(p.InReplyTo, want.inReplyTo))
	check("references", len(p.References), want.references, want.references == 0 || len(p.References) == want.references)
	if want.attachment != "" {
		names := []string{}
		for _, a := range p.Attachments {
			names = append(names, a.Filename)
		}
		check("attachments", names, want.attachment, slices.Contains(names, want.attachment))
	}
	if want.format == "" {
		return
	}
	if d.Bounce == nil {
		t.Fatalf("no bounce, want format %s\ntrace: %+v", want.format, d.Trace)
	}
	b := d.Bounce
	check("bounce format", b.Format, want.format, b.Format == want.format)
	check("original Message-ID", b.OriginalMessageID, want.original, want.original == "" || b.OriginalMessageID == want.original)
	check("hard failures", b.HardFailures(), want.hard, slices.Equal(b.HardFailures(), want.hard))
	var soft []string
	for _, r := range b.Recipients {
		if r.Failed() && !r.Hard {
			soft = append(soft, r.Address)
		}
	}
	check("soft failures", soft, want.soft, slices.Equal(soft, want.soft))
}
