package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"rapport/model"
)

const (
	// ExcerptBytes is how much of a response body a Result keeps.
	ExcerptBytes = 1 << 10
	// drainBytes is how much more of a response body is read and discarded so
	// that the connection can be reused; a longer body closes the connection.
	drainBytes = 64 << 10
	// MaxRetryAfter caps a receiver's Retry-After.
	MaxRetryAfter = 24 * time.Hour

	maxCustomHeaders    = 32
	maxHeaderNameBytes  = 128
	maxHeaderValueBytes = 4096
)

// Outcome classifies one delivery attempt for the dispatcher.
type Outcome int

// Outcomes of an attempt. The zero Outcome is not one of them.
//
// Like Svix and Stripe, every answer that is not 2xx counts as a failure and
// is retried on the schedule: 5xx, 429, 408, 409 and 425 are transient by
// definition, and other 4xx (400, 401, 403, 404, 422 ...) are most often a
// receiver that is being deployed or misconfigured and is fixed within the
// retry window, so dropping them at once would lose events. Only 410 Gone is
// final (the receiver asks to be unsubscribed), and a refused address is not
// retried because it cannot change until the configuration does.
const (
	// Delivered: the receiver answered 2xx.
	Delivered Outcome = iota + 1
	// Retry: the attempt failed (timeout, connection error, 3xx, 4xx other
	// than 410, 5xx) and should be retried after Backoff, or after
	// Result.RetryAfter when that is longer.
	Retry
	// Gone: the receiver answered 410; the endpoint should be disabled.
	Gone
	// Refused: the URL or its resolved address is not allowed (SSRF
	// protection) or the request is malformed; retrying cannot help until the
	// endpoint or the allow list changes.
	Refused
)

// String returns the lower-case name of o, as used in logs and the API.
func (o Outcome) String() string {
	switch o {
	case Delivered:
		return "delivered"
	case Retry:
		return "retry"
	case Gone:
		return "gone"
	case Refused:
		return "refused"
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// Request is one delivery attempt of a message to an endpoint.
type Request struct {
	// URL is the endpoint URL (see CheckURL).
	URL string
	// MsgID is the webhook-id: the same on every attempt and replay of a
	// message, so that receivers can deduplicate.
	MsgID string
	// Body is the JSON payload, sent as is.
	Body []byte
	// Secrets are the HMAC keys (ParseSecret); one signature is sent per key.
	Secrets [][]byte
	// Headers are the endpoint's custom headers. They never override the
	// signature headers, Content-Type, User-Agent or transport headers
	// (reserved ones are dropped; see CheckHeaders).
	Headers map[string]string
}

// Result describes one attempt.
type Result struct {
	// Status is the HTTP status, 0 when no response arrived.
	Status int
	// Latency runs from sending the request to reading the excerpt.
	Latency time.Duration
	// ResponseExcerpt is the first ExcerptBytes of the response body, made
	// valid UTF-8.
	ResponseExcerpt string
	// Err says why the attempt did not deliver; "" when Delivered.
	Err string
	// Outcome classifies the attempt.
	Outcome Outcome
	// RetryAfter is the receiver's Retry-After (seconds or HTTP date, capped
	// at MaxRetryAfter) on a Retry outcome, 0 when absent.
	RetryAfter time.Duration
	// Timestamp is the webhook-timestamp that was signed.
	Timestamp time.Time
	// RequestHeaders are the headers sent, for the delivery log.
	RequestHeaders http.Header
}

// Deliverer sends signed webhook attempts. It is safe for concurrent use.
type Deliverer struct {
	client *http.Client
	now    func() time.Time
}

// NewDeliverer returns a Deliverer sending through client, which should come
// from NewClient; nil means NewClient(ClientOptions{}).
func NewDeliverer(client *http.Client) *Deliverer {
	if client == nil {
		client = NewClient(ClientOptions{})
	}
	return &Deliverer{client: client, now: time.Now}
}

// Send makes one attempt: it POSTs r.Body with a fresh webhook-timestamp and
// signature (the webhook-id stays r.MsgID) and classifies the answer. It
// never follows redirects, reads at most ExcerptBytes of the response (and
// discards a bounded rest) and never returns an error: failures are in the
// Result.
func (d *Deliverer) Send(ctx context.Context, r Request) Result {
	ts := d.now()
	res := Result{Timestamp: ts}
	if len(r.Secrets) == 0 {
		res.Outcome, res.Err = Refused, "no signing secret"
		return res
	}
	if err := checkSendURL(r.URL); err != nil {
		res.Outcome, res.Err = Refused, err.Error()
		return res
	}

	h := make(http.Header, len(r.Headers)+5)
	for k, v := range r.Headers {
		if checkHeader(k, v) == nil {
			h.Set(k, v)
		}
	}
	for k, v := range Headers(r.MsgID, ts, Sign(r.Secrets, r.MsgID, ts, r.Body)) {
		h[k] = v
	}
	res.RequestHeaders = h

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		res.Outcome, res.Err = Refused, "invalid request: "+err.Error()
		return res
	}
	req.Header = h

	start := time.Now()
	resp, err := d.client.Do(req)
	if err != nil {
		res.Latency = time.Since(start)
		if re, ok := refusal(err); ok {
			res.Outcome, res.Err = Refused, re.Error()
			return res
		}
		res.Outcome, res.Err = Retry, transportError(ctx, err, d.client.Timeout)
		return res
	}
	res.Status = resp.StatusCode
	res.ResponseExcerpt = readExcerpt(resp.Body)
	res.Latency = time.Since(start)

	classify(&res, resp, d.now())
	return res
}

// classify sets Outcome, Err and RetryAfter from the response status.
func classify(res *Result, resp *http.Response, now time.Time) {
	code := resp.StatusCode
	switch {
	case code >= 200 && code < 300:
		res.Outcome = Delivered
		return
	case code == http.StatusGone:
		res.Outcome = Gone
		res.Err = "status 410: the receiver asks to be unsubscribed"
		return
	case code >= 300 && code < 400:
		loc := resp.Header.Get("Location")
		res.Err = fmt.Sprintf("status %d: redirect to %q not followed; point the endpoint at the final URL", code, truncate(loc, 200))
	case code == http.StatusTooManyRequests:
		res.Err = "status 429: rate limited by the receiver"
	case code == http.StatusRequestTimeout, code == http.StatusConflict, code == http.StatusTooEarly:
		res.Err = fmt.Sprintf("status %d: transient failure at the receiver", code)
	case code >= 400 && code < 500:
		res.Err = fmt.Sprintf("status %d: the receiver rejected the message; retried on the schedule like any failure", code)
	default:
		res.Err = fmt.Sprintf("status %d", code)
	}
	res.Outcome = Retry
	res.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), now)
}

// parseRetryAfter reads Retry-After as delay-seconds or an HTTP date
// (RFC 9110 10.2.3), capped at MaxRetryAfter; anything else is 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseUint(v, 10, 64); err == nil {
		if n >= uint64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter
		}
		return time.Duration(n) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	d := t.Sub(now)
	switch {
	case d <= 0:
		return 0
	case d > MaxRetryAfter:
		return MaxRetryAfter
	}
	return d.Round(time.Second)
}

// readExcerpt reads the first ExcerptBytes of body as valid UTF-8, discards
// up to drainBytes more (so the connection can be reused) and closes body.
func readExcerpt(body io.ReadCloser) string {
	defer body.Close()
	buf := make([]byte, ExcerptBytes)
	n, _ := io.ReadFull(body, buf)
	b := buf[:n]
	if n == ExcerptBytes {
		// The cut may split a rune: drop its first bytes rather than
		// replacing them.
		for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
			if utf8.RuneStart(b[i]) {
				if !utf8.FullRune(b[i:]) {
					b = b[:i]
				}
				break
			}
		}
		_, _ = io.CopyN(io.Discard, body, drainBytes)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// transportError describes a failed exchange without the URL (which may carry
// a token in its query) for the delivery log.
func transportError(ctx context.Context, err error, timeout time.Duration) string {
	if ctx.Err() != nil {
		return "canceled: " + ctx.Err().Error()
	}
	inner := err
	var ue *url.Error
	if errors.As(err, &ue) {
		inner = ue.Err
	}
	var te interface{ Timeout() bool }
	if errors.As(err, &te) && te.Timeout() {
		return fmt.Sprintf("timeout after %s: %v", timeout, inner)
	}
	return inner.Error()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// checkSendURL repeats the parts of CheckURL that do not depend on the allow
// list, so a stored URL that bypassed CheckURL still cannot smuggle a scheme
// or credentials.
func checkSendURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("invalid URL")
	}
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		return fmt.Errorf("URL scheme %q is not allowed", u.Scheme)
	}
	if u.User != nil {
		return errors.New("URL must not contain user info")
	}
	if u.Hostname() == "" {
		return errors.New("URL has no host")
	}
	return nil
}

// reservedHeaders may not be set by an endpoint's custom headers: the
// signature headers, what Send sets itself, and what the transport owns.
var reservedHeaders = map[string]bool{
	"Webhook-Id": true, "Webhook-Timestamp": true, "Webhook-Signature": true,
	"Content-Type": true, "Content-Length": true, "User-Agent": true,
	"Host": true, "Connection": true, "Keep-Alive": true, "Proxy-Connection": true,
	"Proxy-Authorization": true, "Te": true, "Trailer": true, "Transfer-Encoding": true,
	"Upgrade": true, "Expect": true, "Content-Encoding": true,
}

// CheckHeaders validates an endpoint's custom headers when it is created or
// changed: at most 32, valid field names that are not reserved (webhook-*,
// Content-Type, Content-Length, User-Agent, Host and hop-by-hop headers),
// names up to 128 and values up to 4096 bytes without control characters.
// Errors are *model.Error with EINVALID. Send silently drops headers that
// would fail here.
func CheckHeaders(h map[string]string) error {
	if len(h) > maxCustomHeaders {
		return model.Errorf(model.EINVALID, "at most %d custom headers are allowed", maxCustomHeaders)
	}
	for k, v := range h {
		if err := checkHeader(k, v); err != nil {
			return err
		}
	}
	return nil
}

func checkHeader(name, value string) error {
	if name == "" || len(name) > maxHeaderNameBytes {
		return model.Errorf(model.EINVALID, "custom header name must be 1 to %d bytes", maxHeaderNameBytes)
	}
	for i := 0; i < len(name); i++ {
		if !isTokenChar(name[i]) {
			return model.Errorf(model.EINVALID, "custom header name %q is not a valid field name", truncate(name, 64))
		}
	}
	if reservedHeaders[http.CanonicalHeaderKey(name)] || strings.HasPrefix(strings.ToLower(name), "webhook-") {
		return model.Errorf(model.EINVALID, "custom header %q is reserved", name)
	}
	if len(value) > maxHeaderValueBytes {
		return model.Errorf(model.EINVALID, "custom header %q: value is longer than %d bytes", name, maxHeaderValueBytes)
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return model.Errorf(model.EINVALID, "custom header %q: value contains a control character", name)
		}
	}
	return nil
}

// isTokenChar reports whether c may appear in a field name (RFC 9110 tchar).
func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
