package mailmsg

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"rapport/model"
)

// typicalMessage is a 20 KB support mail as Outlook or Thunderbird send it:
// a dozen trace and authentication fields, text and HTML alternatives, an
// inline logo, a reply to our mail with a subject tag.
func typicalMessage(tb testing.TB) string {
	tb.Helper()
	ours, err := testTokens().Mint("r-0190f5a2-7c1d-7b3e-9a55-1b2c3d4e5f60")
	if err != nil {
		tb.Fatal(err)
	}
	var b strings.Builder
	for i := range 6 {
		fmt.Fprintf(&b, "Received: from mx%d.customer.example (mx%d.customer.example [192.0.2.%d])\n\tby mail.rapport.example with ESMTPS id %08x\n\tfor <support@rapport.example>; Tue, 2 Dec 2025 10:%02d:00 +0100\n", i, i, i, i*7919, i)
	}
	b.WriteString("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=customer.example; s=sel;\n\th=from:to:subject:date:message-id; bh=" + strings.Repeat("A", 44) + ";\n\tb=" + strings.Repeat("Qk", 170) + "\n")
	b.WriteString("From: =?utf-8?B?0J7Qu9GM0LPQsCDQn9C10YLRgNC+0LLQsA==?= <olga.petrova@customer.example>\n" +
		"To: Support <support@rapport.example>\nCc: Ivan <ivan@customer.example>\n" +
		"Subject: =?utf-8?B?UmU6IFtSLTAwMDEyM10g0J/RgNC40L3RgtC10YAg0L3QtSDQv9C10YfQsNGC0LDQtdGC?=\n" +
		"Date: Tue, 2 Dec 2025 10:05:00 +0100\nMessage-ID: <CAF1234567890abcdef@mail.customer.example>\n" +
		"In-Reply-To: <" + ours + ">\nReferences: <first@customer.example> <" + ours + ">\n" +
		"MIME-Version: 1.0\nContent-Type: multipart/related; boundary=\"rel\"\n\n")
	para := "Добрый день! Принтер в бухгалтерии снова не печатает, на экране ошибка 0x42. Перезагрузка не помогает. "
	b.WriteString("--rel\nContent-Type: multipart/alternative; boundary=\"alt\"\n\n--alt\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n")
	for range 24 {
		b.WriteString(strings.ReplaceAll(para, "ошибка", "ош=\nибка") + "\n")
	}
	b.WriteString("\n--alt\nContent-Type: text/html; charset=utf-8\n\n<html><head><style>p{margin:0}</style></head><body>")
	for range 30 {
		b.WriteString(`<p style="color:#333;font-family:Calibri">` + para + `<a href="https://customer.example/ticket">ссылка</a></p>` + "\n")
	}
	b.WriteString("<img src=\"cid:logo@customer.example\"></body></html>\n--alt--\n")
	b.WriteString("--rel\nContent-Type: image/png\nContent-ID: <logo@customer.example>\nContent-Transfer-Encoding: base64\n\n")
	logo := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("\x89PNG logo bytes ", 200)))
	for len(logo) > 76 {
		b.WriteString(logo[:76] + "\n")
		logo = logo[76:]
	}
	b.WriteString(logo + "\n--rel--\n")
	return crlf(b.String())
}

// BenchmarkParseClassify is the per-message cost of ingest before the
// database: parse a typical 20 KB mail and run the classifier.
func BenchmarkParseClassify(b *testing.B) {
	raw := typicalMessage(b)
	c := &Classifier{Tokens: testTokens(), OwnAddresses: []string{"support@rapport.example"}}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := Parse(strings.NewReader(raw), Options{Sink: hashingSink})
		if err != nil {
			b.Fatal(err)
		}
		d, err := c.Classify(context.Background(), p)
		if err != nil || !d.Ack || len(d.Thread.Refs) != 1 || len(p.Attachments) != 1 {
			b.Fatalf("%v %+v", err, d)
		}
	}
}

func TestTypicalMessage(t *testing.T) {
	raw := typicalMessage(t)
	if len(raw) < 18<<10 || len(raw) > 22<<10 {
		t.Fatalf("the typical message has %d bytes, want about 20 KB", len(raw))
	}
	p := mustParse(t, raw, Options{})
	if !strings.Contains(p.Text, "ошибка 0x42") || p.Subject != "Re: [R-000123] Принтер не печатает" || len(p.Warnings) > 0 {
		t.Errorf("subject %q, warnings %q, text %q…", p.Subject, p.Warnings, clip(p.Text, 80))
	}
}

// bigMessage streams a message of about size bytes, almost all of it one
// base64 attachment, sampling the heap every MiB it hands out.
type bigMessage struct {
	r        io.Reader
	n, next  int64
	peakHeap uint64
}

func newBigMessage(size int64) *bigMessage {
	head := crlf("From: a@example.com\nSubject: big\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nsee attached\n--b\nContent-Type: application/octet-stream; name=big.bin\nContent-Transfer-Encoding: base64\n\n")
	line := strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo", 3)[:76] + "\r\n"
	lines := (size - int64(len(head))) / int64(len(line))
	body := io.LimitReader(repeatReader(line), lines*int64(len(line)))
	return &bigMessage{r: io.MultiReader(strings.NewReader(head), body, strings.NewReader("--b--\r\n"))}
}

func (m *bigMessage) Read(p []byte) (int, error) {
	if m.n >= m.next {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		m.peakHeap = max(m.peakHeap, ms.HeapInuse)
		m.next += 1 << 20
	}
	n, err := m.r.Read(p)
	m.n += int64(n)
	return n, err
}

type repeatReader string

func (s repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		n += copy(p[n:], s)
	}
	return n, nil
}

// heapGrowth parses a big message and returns how far the heap grew above
// what it was before, in MiB.
func heapGrowth(t testing.TB, size int64, opts Options) (*Parsed, error, float64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := newBigMessage(size)
	p, err := Parse(m, opts)
	return p, err, float64(m.peakHeap-min(m.peakHeap, ms.HeapInuse)) / (1 << 20)
}

// TestBigMessageMemoryIsFlat streams 50 MB through Parse: the heap stays
// within a few MiB whether the message is accepted (under a raised limit)
// or refused as too large (under the default 25 MB).
func TestBigMessageMemoryIsFlat(t *testing.T) {
	const size = 50 << 20
	p, err, grew := heapGrowth(t, size, Options{MaxBytes: 64 << 20, Sink: hashingSink})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Attachments) != 1 || p.Attachments[0].Size < 36<<20 || p.Size < size-100 {
		t.Fatalf("attachments %+v, size %d", p.Attachments, p.Size)
	}
	if grew > 16 {
		t.Errorf("the heap grew by %.1f MiB reading a 50 MB message", grew)
	}
	t.Logf("50 MB accepted: heap grew by %.1f MiB", grew)

	_, err, grew = heapGrowth(t, size, Options{Sink: hashingSink})
	if model.ErrorCode(err) != model.ETOOLARGE {
		t.Fatalf("50 MB under the default limit: %v", err)
	}
	if grew > 16 {
		t.Errorf("the heap grew by %.1f MiB refusing a 50 MB message", grew)
	}
	t.Logf("50 MB refused: heap grew by %.1f MiB", grew)

	// the probe itself: a sink that buffers the attachment shows up
	_, err, grew = heapGrowth(t, 32<<20, Options{MaxBytes: 64 << 20, Sink: func(a Attachment, r io.Reader) (string, error) {
		b, err := io.ReadAll(r)
		return fmt.Sprint(len(b)), err
	}})
	if err != nil || grew < 20 {
		t.Errorf("a buffering sink: heap grew by %.1f MiB (%v); the probe does not see it", grew, err)
	}
}

// BenchmarkParse50MB measures throughput and the heap's growth on a 50 MB
// message (reported as peak-heap-MiB).
func BenchmarkParse50MB(b *testing.B) {
	const size = 50 << 20
	b.SetBytes(size)
	worst := 0.0
	for b.Loop() {
		_, err, grew := heapGrowth(b, size, Options{MaxBytes: 64 << 20, Sink: hashingSink})
		if err != nil {
			b.Fatal(err)
		}
		worst = max(worst, grew)
	}
	b.ReportMetric(worst, "peak-heap-MiB")
}
