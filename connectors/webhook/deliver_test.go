package webhook

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// received is what a test receiver saw of one request.
type received struct {
	header http.Header
	body   []byte
}

// verifyingReceiver verifies every request with the reference library, once
// per secret in verifiers (each must accept), and records it.
type verifyingReceiver struct {
	t         *testing.T
	verifiers []*standardwebhooks.Webhook
	strangers []*standardwebhooks.Webhook // must reject
	mu        sync.Mutex
	got       []received
}

func (v *verifyingReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	for i, wh := range v.verifiers {
		if err := wh.Verify(body, r.Header); err != nil {
			v.t.Errorf("verifier %d rejects delivery: %v", i, err)
			w.WriteHeader(400)
			return
		}
	}
	for i, wh := range v.strangers {
		if err := wh.Verify(body, r.Header); err == nil {
			v.t.Errorf("stranger %d accepts delivery", i)
		}
	}
	v.mu.Lock()
	v.got = append(v.got, received{r.Header.Clone(), body})
	v.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func newVerifier(t *testing.T, key []byte) *standardwebhooks.Webhook {
	wh, err := standardwebhooks.NewWebhook(secretOf(key))
	if err != nil {
		t.Fatal(err)
	}
	return wh
}

func loopbackDeliverer(timeout time.Duration) *Deliverer {
	return NewDeliverer(NewClient(ClientOptions{Allow: loopbackOnly, Timeout: timeout}))
}

// TestDeliveryVerifiesWithReference: every attempt verifies with the
// Standard Webhooks reference library, with one secret and during rotation
// with two (a receiver holding either accepts); the webhook-id stays, the
// timestamp and signature are fresh on every attempt; custom headers arrive
// but cannot override the signature.
func TestDeliveryVerifiesWithReference(t *testing.T) {
	k1, k2, k3 := testKey(1), testKey(2), testKey(3)
	body := []byte(`{"type":"contact.created","timestamp":"2026-01-02T03:04:05Z","data":{"id":"c_1"}}`)

	t.Run("one secret", func(t *testing.T) {
		rcv := &verifyingReceiver{t: t, verifiers: []*standardwebhooks.Webhook{newVerifier(t, k1)},
			strangers: []*standardwebhooks.Webhook{newVerifier(t, k2)}}
		srv := httptest.NewServer(rcv)
		defer srv.Close()
		d := loopbackDeliverer(5 * time.Second)
		res := d.Send(context.Background(), Request{URL: srv.URL, MsgID: "msg_one", Body: body, Secrets: [][]byte{k1}})
		if res.Outcome != Delivered || res.Status != 204 {
			t.Fatalf("result %+v", res)
		}
		if len(rcv.got) != 1 || string(rcv.got[0].body) != string(body) {
			t.Fatalf("receiver got %+v", rcv.got)
		}
	})

	t.Run("rotation", func(t *testing.T) {
		rcv := &verifyingReceiver{t: t,
			verifiers: []*standardwebhooks.Webhook{newVerifier(t, k1), newVerifier(t, k2)},
			strangers: []*standardwebhooks.Webhook{newVerifier(t, k3)}}
		srv := httptest.NewServer(rcv)
		defer srv.Close()
		d := loopbackDeliverer(5 * time.Second)
		// Two attempts of the same message, one second of clock apart.
		base := time.Now()
		var calls atomic.Int64
		d.now = func() time.Time { return base.Add(time.Duration(calls.Add(1)-1) * time.Second) }
		req := Request{URL: srv.URL + "/hook?x=1", MsgID: "msg_rot", Body: body, Secrets: [][]byte{k1, k2},
			Headers: map[string]string{"X-Tenant": "acme", "webhook-signature": "v1,forged", "Webhook-Id": "other",
				"Content-Type": "text/plain", "Bad Name": "x", "X-Evil": "a\r\nInjected: 1"}}
		for range 2 {
			if res := d.Send(context.Background(), req); res.Outcome != Delivered {
				t.Fatalf("result %+v", res)
			}
		}
		if len(rcv.got) != 2 {
			t.Fatalf("got %d deliveries", len(rcv.got))
		}
		a, b := rcv.got[0].header, rcv.got[1].header
		if a.Get("webhook-id") != "msg_rot" || b.Get("webhook-id") != "msg_rot" {
			t.Errorf("webhook-id %q, %q", a.Get("webhook-id"), b.Get("webhook-id"))
		}
		if a.Get("webhook-timestamp") == b.Get("webhook-timestamp") || a.Get("webhook-signature") == b.Get("webhook-signature") {
			t.Error("timestamp or signature reused across attempts")
		}
		if n := len(strings.Fields(a.Get("webhook-signature"))); n != 2 {
			t.Errorf("%d signatures, want 2", n)
		}
		if a.Get("X-Tenant") != "acme" || a.Get("Content-Type") != "application/json" ||
			a.Get("User-Agent") != UserAgent || a.Get("Injected") != "" || a.Get("X-Evil") != "" {
			t.Errorf("headers %v", a)
		}
	})
}

func TestOutcomes(t *testing.T) {
	var finalHits atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })
	mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) })
	mux.HandleFunc("/429", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(429)
	})
	mux.HandleFunc("/503date", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", time.Now().Add(90*time.Second).UTC().Format(http.TimeFormat))
		w.WriteHeader(503)
	})
	mux.HandleFunc("/410", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(410) })
	mux.HandleFunc("/400", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(400) })
	mux.HandleFunc("/302", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/final", 302) })
	mux.HandleFunc("/final", func(w http.ResponseWriter, r *http.Request) { finalHits.Add(1) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the client hanging up
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		_, _ = io.WriteString(w, "a"+strings.Repeat("é", 100<<10)) // the 1 KiB cut splits a rune
	})
	mux.HandleFunc("/binary", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		_, _ = w.Write([]byte{'o', 'k', 0xff, 0xfe, 'x'})
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + ln.Addr().String() + "/"
	ln.Close()

	d := loopbackDeliverer(300 * time.Millisecond)
	send := func(u string) Result {
		return d.Send(context.Background(), Request{URL: u, MsgID: "msg_o", Body: []byte(`{}`), Secrets: [][]byte{testKey(1)}})
	}
	cases := []struct {
		url        string
		outcome    Outcome
		status     int
		retryAfter time.Duration
		errHas     string
	}{
		{srv.URL + "/ok", Delivered, 200, 0, ""},
		{srv.URL + "/500", Retry, 500, 0, "status 500"},
		{srv.URL + "/429", Retry, 429, 7 * time.Second, "rate limited"},
		{srv.URL + "/410", Gone, 410, 0, "410"},
		{srv.URL + "/400", Retry, 400, 0, "retried"},
		{srv.URL + "/302", Retry, 302, 0, "not followed"},
		{srv.URL + "/slow", Retry, 0, 0, "timeout"},
		{closedURL, Retry, 0, 0, "refused"},
		{"ftp://127.0.0.1/", Refused, 0, 0, "scheme"},
		{"http://u:p@127.0.0.1/", Refused, 0, 0, "user info"},
	}
	for _, c := range cases {
		res := send(c.url)
		if res.Outcome != c.outcome || res.Status != c.status || res.RetryAfter != c.retryAfter || !strings.Contains(res.Err, c.errHas) {
			t.Errorf("%s: got %v status %d retry-after %v err %q; want %v %d %v %q",
				c.url, res.Outcome, res.Status, res.RetryAfter, res.Err, c.outcome, c.status, c.retryAfter, c.errHas)
		}
		if c.outcome == Delivered && res.Err != "" {
			t.Errorf("%s: delivered with err %q", c.url, res.Err)
		}
		if strings.Contains(res.Err, srv.URL) {
			t.Errorf("error repeats the URL: %q", res.Err)
		}
	}
	if n := finalHits.Load(); n != 0 {
		t.Errorf("redirect followed %d times", n)
	}

	res := send(srv.URL + "/503date")
	if res.Outcome != Retry || res.RetryAfter < 85*time.Second || res.RetryAfter > 91*time.Second {
		t.Errorf("503 with date: %v %v", res.Outcome, res.RetryAfter)
	}
	res = send(srv.URL + "/big")
	if res.Outcome != Delivered || len(res.ResponseExcerpt) != ExcerptBytes-1 || !utf8.ValidString(res.ResponseExcerpt) {
		t.Errorf("big: %v, excerpt %d bytes, valid %v", res.Outcome, len(res.ResponseExcerpt), utf8.ValidString(res.ResponseExcerpt))
	}
	res = send(srv.URL + "/binary")
	if res.ResponseExcerpt != "ok\uFFFDx" {
		t.Errorf("binary excerpt %q", res.ResponseExcerpt)
	}
	res = d.Send(context.Background(), Request{URL: srv.URL + "/ok", MsgID: "m", Body: []byte(`{}`)})
	if res.Outcome != Refused {
		t.Errorf("no secret: %v", res.Outcome)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res = d.Send(ctx, Request{URL: srv.URL + "/ok", MsgID: "m", Body: []byte(`{}`), Secrets: [][]byte{testKey(1)}})
	if res.Outcome != Retry || !strings.Contains(res.Err, "canceled") {
		t.Errorf("canceled: %v %q", res.Outcome, res.Err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                               0,
		"7":                              7 * time.Second,
		" 120 ":                          2 * time.Minute,
		"0":                              0,
		"-5":                             0,
		"1.5":                            0,
		"soon":                           0,
		"999999999999999999999":          0, // overflows uint64: not a number we can read
		"86401":                          MaxRetryAfter,
		"18446744073709551615":           MaxRetryAfter,
		"Fri, 02 Jan 2026 03:05:05 GMT":  time.Minute,
		"Thu, 01 Jan 2026 03:05:05 GMT":  0,
		"Sat, 10 Jan 2026 03:05:05 GMT":  MaxRetryAfter,
		"Friday, 02-Jan-26 03:04:15 GMT": 10 * time.Second,
	} {
		if got := parseRetryAfter(v, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestCheckHeaders(t *testing.T) {
	if err := CheckHeaders(map[string]string{"Authorization": "Bearer x", "X-Tenant": "acme\tcorp"}); err != nil {
		t.Error(err)
	}
	for _, h := range []map[string]string{
		{"webhook-signature": "v1,x"}, {"Webhook-Id": "x"}, {"webhook-anything": "x"}, {"Content-Type": "x"},
		{"Host": "evil"}, {"Transfer-Encoding": "chunked"}, {"User-Agent": "x"}, {"Bad Name": "x"},
		{"": "x"}, {"X-A": "a\r\nB: c"}, {"X-A": "a\x00"}, {"X-A": strings.Repeat("a", 5000)},
		{strings.Repeat("a", 200): "x"},
	} {
		if err := CheckHeaders(h); err == nil {
			t.Errorf("CheckHeaders(%q) = nil", h)
		}
	}
	many := map[string]string{}
	for i := range 33 {
		many["X-"+strings.Repeat("a", i+1)] = "v"
	}
	if err := CheckHeaders(many); err == nil {
		t.Error("33 headers accepted")
	}
}

func TestOutcomeString(t *testing.T) {
	for o, s := range map[Outcome]string{Delivered: "delivered", Retry: "retry", Gone: "gone", Refused: "refused", 0: "Outcome(0)"} {
		if o.String() != s {
			t.Errorf("%d: %q", int(o), o.String())
		}
	}
}
