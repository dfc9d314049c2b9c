package ingest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"rapport/connectors/mail/mailmsg"
	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// typicalMail is a 20 KB support mail as Outlook or Thunderbird send it —
// trace fields, text and HTML alternatives, an inline logo — from customer
// n, a new request with an acknowledgement: the pipeline's longest path.
func typicalMail(n int) []byte {
	para := "Добрый день! Принтер в бухгалтерии снова не печатает, на экране ошибка 0x42. Перезагрузка не помогает. "
	logo := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("\x89PNG logo bytes "), 200))
	var logoLines []string
	for ; len(logo) > 76; logo = logo[76:] {
		logoLines = append(logoLines, logo[:76])
	}
	lines := []string{
		strings.Repeat(fmt.Sprintf("Received: from mx.client%d.example by mail.rapport.example with ESMTPS id %08x; Tue, 2 Dec 2025 10:05:00 +0100\r\n", n%50, n), 5) +
			fmt.Sprintf("From: =?utf-8?B?0J7Qu9GM0LPQsCDQn9C10YLRgNC+0LLQsA==?= <customer%d@client%d.example>", n, n%50),
		"To: Support <support@rapport.example>",
		fmt.Sprintf("Subject: =?utf-8?B?0J/RgNC40L3RgtC10YAg0L3QtSDQv9C10YfQsNGC0LDQtdGC?= %d", n),
		fmt.Sprintf("Date: Tue, 2 Dec 2025 10:05:00 +0100\r\nMessage-ID: <typical-%d-%s@mail.customer.example>", n, randomID()),
		"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=rel\r\n",
		"--rel\r\nContent-Type: multipart/alternative; boundary=alt\r\n",
		"--alt\r\nContent-Type: text/plain; charset=utf-8\r\n",
		strings.Repeat(para+"\r\n", 24),
		"--alt\r\nContent-Type: text/html; charset=utf-8\r\n",
		"<html><body>" + strings.Repeat(`<p style="color:#333;font-family:Calibri">`+para+`<a href="https://customer.example/ticket">ссылка</a></p>`+"\r\n", 30) +
			`<img src="cid:logo@customer.example"></body></html>`,
		"--alt--",
		"--rel\r\nContent-Type: image/png\r\nContent-ID: <logo@customer.example>\r\nContent-Transfer-Encoding: base64\r\n",
		strings.Join(append(logoLines, logo), "\r\n"),
		"--rel--",
	}
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}

func TestTypicalMail(t *testing.T) {
	if n := len(typicalMail(1)); n < 18<<10 || n > 22<<10 {
		t.Fatalf("the typical mail has %d bytes, want about 20 KB", n)
	}
}

// benchCount is how many typical mails a benchmark run ingests.
const benchCount = 300

// noLimits lifts the rate limits for runs of many mails.
var noLimits = store.MailLimits{PerSender: 1 << 20, PerRequest: 1 << 20}

// benchRate runs ingest on every engine, each run with a fresh store, and
// reports messages per second; ingest returns how long its benchCount
// messages took.
func benchRate(b *testing.B, ingest func(b *testing.B, f *fixture) time.Duration) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			var total time.Duration
			for range b.N {
				f := newFixture(b, storetest.Open(b, engine))
				f.p = f.pipeline(Config{Limits: noLimits})
				total += ingest(b, f)
			}
			b.ReportMetric(float64(benchCount*b.N)/total.Seconds(), "msgs/s")
		})
	}
}

// BenchmarkIngest: typical mails through the pipeline straight from
// memory (no IMAP), each a new request with its acknowledgement.
func BenchmarkIngest(b *testing.B) {
	benchRate(b, func(b *testing.B, f *fixture) time.Duration {
		msgs := make([][]byte, benchCount)
		for i := range msgs {
			msgs[i] = typicalMail(i)
		}
		start := time.Now()
		for _, raw := range msgs {
			if err := f.p.Handle(context.Background(), f.message(raw)); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(start)
	})
}

// BenchmarkIngestConcurrent: the same mails as BenchmarkIngest through
// the engine's handler, committed by the engine's default workers in
// batches of 100, as the IMAP engine drives it.
func BenchmarkIngestConcurrent(b *testing.B) {
	benchRate(b, func(b *testing.B, f *fixture) time.Duration {
		msgs := make([][]byte, benchCount)
		for i := range msgs {
			msgs[i] = typicalMail(i)
		}
		c := f.p.concurrent(DefaultWorkers(f.s.Engine()))
		start := time.Now()
		for i, raw := range msgs {
			if err := c.Handle(context.Background(), f.at(uint32(i+1), raw)); err != nil {
				b.Fatal(err)
			}
			if (i+1)%100 == 0 || i == len(msgs)-1 {
				if _, err := c.Settle(context.Background(), f.mb.ID, "INBOX"); err != nil {
					b.Fatal(err)
				}
			}
		}
		return time.Since(start)
	})
}

// BenchmarkDovecotIngest: typical mails from a real Dovecot through the
// engine (connecting and logging in included) into the store, until the
// last one is committed.
func BenchmarkDovecotIngest(b *testing.B) {
	requireDovecot(b)
	benchRate(b, func(b *testing.B, f *fixture) time.Duration {
		c := imapClient(b)
		folder := newFolder(b, c, "bench")
		for i := range benchCount {
			appendMail(b, c, folder, typicalMail(i))
		}
		f.readFromDovecot(folder)
		start := time.Now()
		e := f.startEngine()
		waitFor(b, 5*time.Minute, "ingest", func() bool {
			cp, err := f.p.Checkpoint(context.Background(), f.mb.ID, folder)
			return err == nil && cp.LastUID == benchCount
		})
		took := time.Since(start)
		e.Close() // before the next run empties the tables
		if n := len(all[model.OutboundMail](b, f.s, nil)); n != benchCount {
			b.Fatalf("%d acknowledgements for %d new requests", n, benchCount)
		}
		return took
	})
}

// bigMail streams a plain mail of about size bytes without holding it.
func bigMail(size int64) io.Reader {
	head := "From: Big Sender <big@client.example>\r\nTo: support@rapport.example\r\nSubject: A big log file\r\n" +
		"Date: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <big-" + randomID() + "@client.example>\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n"
	line := strings.Repeat("2026-03-02 10:00:00 printer spooler: job 42 failed, retrying. ", 2) + "\r\n"
	return io.MultiReader(strings.NewReader(head), io.LimitReader(repeatReader(line), size-int64(len(head))))
}

// repeatReader repeats s for ever.
type repeatReader string

func (r repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		n += copy(p[n:], r)
	}
	return n, nil
}

// heapPeak samples the heap in use every few milliseconds until stop is
// called, which returns the peak's growth over the start in MiB.
func heapPeak() (stop func() float64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	peak.Store(base)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
		}
	}()
	return func() float64 {
		close(done)
		<-finished
		return float64(peak.Load()-base) / (1 << 20)
	}
}

// TestBigMessageMemoryIsFlat: a 50 MB message streams through the
// pipeline without being held: quarantined as too large under the default
// 25 MB limit (the part read is dropped), and ingested whole under 60 MB
// (its text cut to 2 MB in the request, the rest kept as an attachment).
func TestBigMessageMemoryIsFlat(t *testing.T) {
	const size = 50 << 20
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		for _, limit := range []int64{0, 60 << 20} {
			p := f.pipeline(Config{MaxBytes: limit})
			m := f.message(nil)
			m.Size, m.Body = size, bigMail(size)
			stop := heapPeak()
			start := time.Now()
			if err := p.Handle(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			growth, took := stop(), time.Since(start)
			t.Logf("limit %d MB: heap growth %.1f MiB, %v", limit>>20, growth, took)
			if growth > 24 {
				t.Errorf("limit %d MB: the heap grew by %.1f MiB for a 50 MB message", limit>>20, growth)
			}
		}
		if q := all[model.MailQuarantine](t, s, nil); len(q) != 1 || q[0].Reason != model.QuarantineTooLarge {
			t.Errorf("quarantine %+v", q)
		}
		msg := f.byUID(2)
		if msg == nil || msg.Outcome != model.MailOutcomeRequest || msg.Size != size || len(msg.Attachments) != 1 {
			t.Fatalf("ingested %+v", msg)
		}
	})
}

// bigRun is one engine and size limit of BenchmarkDovecotBigMessage.
type bigRun struct {
	name, engine string
	limit        int64
}

func bigRuns() []bigRun {
	var out []bigRun
	for _, engine := range storetest.Engines() {
		for _, limit := range []int64{0, 60 << 20} {
			out = append(out, bigRun{fmt.Sprintf("%s/limit-%dMB", engine, cmp.Or(limit, mailmsg.DefaultMaxBytes)>>20), engine, limit})
		}
	}
	return out
}

// BenchmarkDovecotBigMessage: a 50 MB message in Dovecot, read by the
// engine through the pipeline under the default 25 MB limit (quarantined
// unread) and under 60 MB (ingested); the heap stays flat either way.
func BenchmarkDovecotBigMessage(b *testing.B) {
	const size = 50 << 20
	requireDovecot(b)
	for _, run := range bigRuns() {
		b.Run(run.name, func(b *testing.B) {
			limit := run.limit
			for range b.N {
				f := newFixture(b, storetest.Open(b, run.engine))
				f.p = f.pipeline(Config{MaxBytes: limit})
				c := imapClient(b)
				folder := newFolder(b, c, "big")
				cmd := c.Append(folder, size, nil)
				if _, err := io.Copy(cmd, bigMail(size)); err != nil {
					b.Fatal(err)
				}
				if err := cmd.Close(); err != nil {
					b.Fatal(err)
				}
				if _, err := cmd.Wait(); err != nil {
					b.Fatal(err)
				}
				f.readFromDovecot(folder)
				stop := heapPeak()
				start := time.Now()
				e := f.startEngine()
				waitFor(b, 5*time.Minute, "the big message", func() bool {
					cp, err := f.p.Checkpoint(context.Background(), f.mb.ID, folder)
					return err == nil && cp.LastUID == 1
				})
				b.ReportMetric(time.Since(start).Seconds(), "s")
				b.ReportMetric(stop(), "heap-growth-MiB")
				e.Close()
				logged, quarantined := len(all[model.MailMessage](b, f.s, nil)), len(all[model.MailQuarantine](b, f.s, nil))
				if limit == 0 && quarantined != 1 || limit != 0 && logged != 1 {
					b.Fatalf("limit %d: %d logged, %d quarantined", limit, logged, quarantined)
				}
			}
		})
	}
}
