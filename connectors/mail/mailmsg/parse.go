package mailmsg

import (
	"bufio"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"

	"github.com/emersion/go-message/textproto"

	"rapport/model"
)

// Limits applied when Options leaves them zero.
const (
	DefaultMaxBytes     = 25 << 20 // a raw message larger than this is refused
	DefaultMaxBodyBytes = 2 << 20  // text or HTML kept in memory per message
	maxHeaderBytes      = 1 << 20  // the top-level header block
	maxDepth            = 32       // multipart nesting; deeper parts are kept as attachments
	maxParts            = 2000     // MIME parts read per message
	maxReportBytes      = 64 << 10 // delivery-status text kept for the bounce step
	maxSubject          = 2000     // bytes of a decoded subject kept
)

// Options tune Parse. The zero value is ready to use.
type Options struct {
	// MaxBytes refuses larger raw messages with an ETOOLARGE error
	// (default DefaultMaxBytes).
	MaxBytes int64
	// MaxBodyBytes caps the text and the HTML kept in Parsed (default
	// DefaultMaxBodyBytes each). A larger body is cut there and also goes to
	// the Sink whole, so nothing is lost.
	MaxBodyBytes int64
	// Sink receives the content of every attachment and inline image. Nil
	// counts their size and discards them.
	Sink Sink
}

// Sink stores one attachment and returns a reference to it (a blob hash,
// say), kept in Attachment.Ref. It must read r to EOF or return an error;
// a.Size is still zero when it is called. An error from r means the message
// itself is unreadable (too large, the connection failed): return it, and
// Parse reports the cause. Any other error is returned by Parse wrapped, and
// is not a reason to quarantine the message.
type Sink func(a Attachment, r io.Reader) (ref string, err error)

// Parsed is what Parse read from one message.
type Parsed struct {
	MessageID  string   // without angle brackets; "" when missing
	InReplyTo  []string // Message-IDs, without angle brackets
	References []string // oldest first, as sent
	From       Address  // zero when the From field has no usable address
	Sender     Address  // the Sender field, zero when absent
	ReplyTo    []Address
	To         []Address
	Cc         []Address
	ReturnPath string // envelope sender without brackets; "<>" is the null sender of bounces and auto-replies
	Subject    string
	Date       time.Time // zero when missing or unreadable

	// Text is the plain-text body; when the message has only HTML it is
	// derived from it and TextFromHTML is set.
	Text         string
	TextFromHTML bool
	HTML         string // sanitised; "" when the message has no HTML part
	Calendar     string // the first text/calendar part (iMIP), also kept as an attachment

	Attachments []Attachment // attachments and inline images, in MIME order
	Report      *Report      // the machine-readable part of a multipart/report

	Size     int64  // raw bytes read
	SHA256   string // hex digest of the raw message, the dedupe key
	Warnings []string

	// Header is the top-level header as read, for anything not lifted into
	// the fields above (the classifier reads Auto-Submitted, List-* …).
	Header textproto.Header
}

// Address is one mailbox: a decoded display name and a normalised
// (trimmed, lower-case) address.
type Address struct {
	Name  string
	Email string
}

// Attachment describes one attachment or inline image.
type Attachment struct {
	Filename    string // decoded, without directories; generated when the part has none
	ContentType string // lower-case media type
	ContentID   string // without angle brackets; how HTML refers to it (cid:)
	Inline      bool   // shown in the body (Content-Disposition inline, or an image with a Content-ID)
	Size        int64  // decoded bytes
	Ref         string // what the Sink returned
	// MessageID is the Message-ID of an attached message (message/rfc822,
	// text/rfc822-headers): a forwarded mail, or the original of a bounce.
	MessageID string
}

// Report is the machine-readable content of a multipart/report (RFC 6522).
type Report struct {
	Type string // the report-type parameter: delivery-status, disposition-notification …
	// Status is the text of the message/delivery-status (or
	// disposition-notification) parts, several joined by blank lines, at
	// most 64 KB; see ParseDSN.
	Status string
	// OriginalMessageID is the Message-ID of the enclosed original message
	// or its headers, when the report includes them.
	OriginalMessageID string
}

// tooLarge is the ETOOLARGE error for a limit.
func tooLarge(limit int64) error {
	return model.Errorf(model.ETOOLARGE, "message larger than %d bytes", limit)
}

// malformed is the EMALFORMED error with the reason the caller quarantines with.
func malformed(format string, args ...any) error {
	return model.Errorf(model.EMALFORMED, "unreadable message: "+format, args...)
}

// Quarantine reports whether err from Parse means the message itself cannot
// be ingested (too large or not mail), as opposed to a failure to retry (the
// connection, the Sink).
func Quarantine(err error) bool {
	c := model.ErrorCode(err)
	return c == model.ETOOLARGE || c == model.EMALFORMED
}

// Parse reads one raw message from r. It reads r to the end unless the
// message is too large, so Size and SHA256 cover every byte.
func Parse(r io.Reader, opts Options) (*Parsed, error) {
	opts = opts.withDefaults()
	src := &source{r: r, h: sha256.New(), max: opts.MaxBytes}
	p := &parser{opts: opts, src: src, out: &Parsed{}}
	br := bufio.NewReaderSize(src, 32<<10)
	h, body, err := p.readTopHeader(br)
	if err != nil {
		return nil, err
	}
	if err := p.entity(h, body, 0, ""); err != nil {
		return nil, err
	}
	if _, err := io.Copy(io.Discard, br); err != nil || src.hard() != nil {
		return nil, p.hardOr(fmt.Errorf("mailmsg: reading the message: %w", err))
	}
	p.finish(h)
	return p.out, nil
}

func (o Options) withDefaults() Options {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	return o
}

// errTooLarge is what the source returns past its limit; Parse turns it
// into tooLarge.
var errTooLarge = errors.New("mailmsg: size limit reached")

// source is the raw input: it hashes and counts every byte, stops one byte
// past the limit, and remembers why reading stopped so that errors surfacing
// deep inside MIME decoding can be told apart from broken MIME.
type source struct {
	r        io.Reader
	h        hash.Hash
	n, max   int64
	tooLarge bool
	err      error // the caller's reader failed
}

func (s *source) Read(p []byte) (int, error) {
	if err := s.hard(); err != nil {
		return 0, err
	}
	if room := s.max + 1 - s.n; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := s.r.Read(p)
	s.h.Write(p[:n])
	s.n += int64(n)
	if s.n > s.max {
		s.tooLarge = true
		return n, errTooLarge
	}
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// hard returns the reason reading had to stop, or nil while the input is fine.
func (s *source) hard() error {
	if s.tooLarge {
		return tooLarge(s.max)
	}
	if s.err != nil {
		return fmt.Errorf("mailmsg: reading the message: %w", s.err)
	}
	return nil
}
