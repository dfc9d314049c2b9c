package mailmsg

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"path"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// parser holds the state of one Parse call.
type parser struct {
	opts  Options
	src   *source
	out   *Parsed
	parts int
	hint  string // the first declared text charset, for raw 8-bit headers
	text  bodyText
	html  bodyText
	warns map[string]bool
}

// maxWarnings bounds Parsed.Warnings; repeats are listed once.
const maxWarnings = 50

func (p *parser) warn(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if p.warns[msg] || len(p.out.Warnings) >= maxWarnings {
		return
	}
	if p.warns == nil {
		p.warns = map[string]bool{}
	}
	p.warns[msg] = true
	p.out.Warnings = append(p.out.Warnings, msg)
}

// hardOr returns the input's own failure if there is one, else err.
func (p *parser) hardOr(err error) error {
	if hard := p.src.hard(); hard != nil {
		return hard
	}
	return err
}

// part is one MIME entity as the walk sees it.
type part struct {
	header      textproto.Header
	mediaType   string
	params      map[string]string
	disposition string
	dparams     map[string]string
	parent      string // the enclosing multipart's media type
}

// entity handles one MIME entity and its body, recursing into multiparts.
func (p *parser) entity(h textproto.Header, body io.Reader, depth int, parent string) error {
	pt := p.describe(h, parent)
	if p.hint == "" && strings.HasPrefix(pt.mediaType, "text/") {
		p.hint = normCharset(pt.params["charset"])
	}
	if strings.HasPrefix(pt.mediaType, "multipart/") {
		if depth < maxDepth && pt.params["boundary"] != "" {
			return p.multipart(pt, body, depth)
		}
		if depth >= maxDepth {
			p.warn("multipart nested deeper than %d levels kept as an attachment", maxDepth)
			return p.attachment(pt, p.soft(body))
		}
		p.warn("%s without a boundary read as text", pt.mediaType)
		pt.mediaType = "text/plain"
	}
	decoded := p.soft(transferDecoding(p, h.Get("Content-Transfer-Encoding"), body))
	switch {
	case pt.mediaType == "message/delivery-status" || pt.mediaType == "message/global-delivery-status" ||
		pt.mediaType == "message/disposition-notification":
		return p.deliveryStatus(decoded)
	case pt.mediaType == "message/rfc822" || pt.mediaType == "message/global" || pt.mediaType == "text/rfc822-headers":
		return p.enclosed(pt, decoded)
	case pt.mediaType == "text/calendar":
		return p.calendar(pt, decoded)
	case (pt.mediaType == "text/plain" || pt.mediaType == "text/html") && !pt.isAttachment():
		return p.bodyPart(pt, decoded)
	}
	return p.attachment(pt, decoded)
}

// describe reads the content type and disposition of an entity.
func (p *parser) describe(h textproto.Header, parent string) part {
	pt := part{header: h, parent: parent}
	pt.mediaType, pt.params = parseValue(h.Get("Content-Type"), p.hint)
	if pt.mediaType == "" || strings.Count(pt.mediaType, "/") != 1 || strings.ContainsAny(pt.mediaType, " \t") {
		if pt.mediaType != "" {
			p.warn("content type %q read as text/plain", clip(pt.mediaType, 60))
		}
		pt.mediaType = "text/plain"
		if parent == "multipart/digest" {
			pt.mediaType = "message/rfc822"
		}
	}
	pt.disposition, pt.dparams = parseValue(h.Get("Content-Disposition"), p.hint)
	return pt
}

// isAttachment tells an attachment from a body part: disposition attachment
// or a file name.
func (pt part) isAttachment() bool {
	return pt.disposition == "attachment" || pt.filename() != ""
}

func (pt part) filename() string {
	name := pt.dparams["filename"]
	if strings.TrimSpace(name) == "" {
		name = pt.params["name"]
	}
	return cleanFilename(name)
}

// cleanFilename keeps the last path element without control characters,
// at most 255 bytes.
func cleanFilename(name string) string {
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(path.Base(strings.ReplaceAll(name, `\`, "/")))
	if name == "." || name == "/" || name == ".." {
		return ""
	}
	return clip(name, 255)
}

// multipart walks the parts of a multipart body. A multipart in which no
// boundary ever appears is shown as the text it is.
func (p *parser) multipart(pt part, body io.Reader, depth int) error {
	if pt.mediaType == "multipart/report" && p.out.Report == nil {
		p.out.Report = &Report{Type: strings.ToLower(pt.params["report-type"])}
	}
	head := &headCapture{max: p.opts.MaxBodyBytes}
	mr := textproto.NewMultipartReader(io.TeeReader(body, head), pt.params["boundary"])
	n := 0
	for ; ; n++ {
		next, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if hard := p.src.hard(); hard != nil {
				return hard
			}
			if !strings.HasSuffix(err.Error(), "EOF") {
				p.warn("%s: %v; the rest of it skipped", pt.mediaType, clip(err.Error(), 120))
			} else if n > 0 {
				p.warn("%s not closed by its final boundary", pt.mediaType)
			}
			break
		}
		head.stop()
		if p.parts++; p.parts > maxParts {
			p.warn("more than %d MIME parts; the rest skipped", maxParts)
			break
		}
		if err := p.entity(next.Header, next, depth+1, pt.mediaType); err != nil {
			return err
		}
	}
	if _, err := io.Copy(io.Discard, body); err != nil && p.src.hard() != nil {
		return p.src.hard()
	}
	if n == 0 {
		p.warn("%s boundary %q never appears; body read as text", pt.mediaType, clip(pt.params["boundary"], 70))
		text := part{header: pt.header, mediaType: "text/plain", params: pt.params, parent: pt.parent}
		return p.bodyPart(text, bytes.NewReader(head.buf))
	}
	return nil
}

// headCapture keeps the first max bytes written to it until stopped.
type headCapture struct {
	buf     []byte
	max     int64
	stopped bool
}

func (c *headCapture) Write(b []byte) (int, error) {
	if !c.stopped {
		room := c.max - int64(len(c.buf))
		c.buf = append(c.buf, b[:min(int64(len(b)), max(room, 0))]...)
	}
	return len(b), nil
}

func (c *headCapture) stop() { c.stopped, c.buf = true, nil }

// transferDecoding undoes the Content-Transfer-Encoding; an unknown one is
// passed through with a warning.
func transferDecoding(p *parser, cte string, r io.Reader) io.Reader {
	enc, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(cte)), ";")
	enc = strings.NewReplacer(" ", "-", "_", "-").Replace(strings.Trim(strings.TrimSpace(enc), `"'`))
	switch strings.TrimSuffix(enc, "s") {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &base64Filter{r: r})
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	case "", "7bit", "8bit", "binary", "7-bit", "8-bit", "none", "plain":
		return r
	default:
		p.warn("unknown transfer encoding %q read as is", clip(cte, 40))
		return r
	}
}

// base64Filter passes only the base64 alphabet and padding, so stray
// blanks, line breaks and junk between lines do not stop the decoder.
type base64Filter struct{ r io.Reader }

func (f *base64Filter) Read(b []byte) (int, error) {
	for {
		n, err := f.r.Read(b)
		k := 0
		for _, c := range b[:n] {
			if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '=' {
				b[k] = c
				k++
			}
		}
		if k > 0 || err != nil {
			return k, err
		}
	}
}

// soft wraps a decoded body so that broken encoding ends it early with a
// warning instead of failing the message, while the input's own failures
// (too large, connection lost) still surface.
func (p *parser) soft(r io.Reader) io.Reader { return &softReader{r: r, p: p} }

type softReader struct {
	r io.Reader
	p *parser
}

func (s *softReader) Read(b []byte) (int, error) {
	n, err := s.r.Read(b)
	if err == nil || err == io.EOF {
		return n, err
	}
	if hard := s.p.src.hard(); hard != nil {
		return n, hard
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		s.p.warn("MIME part not closed by its boundary; read to the end")
	} else {
		s.p.warn("broken encoding, part cut short: %v", clip(err.Error(), 100))
	}
	return n, io.EOF
}

// attachment streams a part to the Sink.
func (p *parser) attachment(pt part, r io.Reader) error {
	a := Attachment{
		Filename:    pt.filename(),
		ContentType: pt.mediaType,
		ContentID:   strings.Trim(strings.TrimSpace(pt.header.Get("Content-Id")), "<>"),
	}
	a.Inline = pt.disposition == "inline" || (pt.disposition == "" && a.ContentID != "" && strings.HasPrefix(a.ContentType, "image/"))
	if a.Filename == "" {
		a.Filename = defaultFilename(a.ContentType, len(p.out.Attachments)+1)
	}
	return p.store(a, r)
}

// store runs the Sink and records the attachment.
func (p *parser) store(a Attachment, r io.Reader) error {
	cr := &countReader{r: r}
	if p.opts.Sink != nil {
		ref, err := p.opts.Sink(a, cr)
		if err != nil {
			return p.hardOr(fmt.Errorf("mailmsg: storing attachment %q: %w", a.Filename, err))
		}
		a.Ref = ref
	}
	left, err := io.Copy(io.Discard, cr)
	if err != nil {
		return p.hardOr(err)
	}
	if left > 0 && p.opts.Sink != nil {
		return fmt.Errorf("mailmsg: the sink left %d bytes of %q unread", left, a.Filename)
	}
	a.Size = cr.n
	p.out.Attachments = append(p.out.Attachments, a)
	return nil
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

// defaultFilename names a part that has no name: attachment-N with the
// usual extension of its type.
func defaultFilename(mediaType string, n int) string {
	ext := ".bin"
	switch {
	case mediaType == "message/rfc822" || mediaType == "message/global":
		ext = ".eml"
	case mediaType == "text/plain" || mediaType == "text/rfc822-headers":
		ext = ".txt"
	case mediaType == "text/calendar":
		ext = ".ics"
	default:
		if exts, err := mime.ExtensionsByType(mediaType); err == nil && len(exts) > 0 {
			ext = exts[0]
		}
	}
	return fmt.Sprintf("attachment-%d%s", n, ext)
}

// deliveryStatus keeps the text of a delivery-status (or disposition
// notification) part for the bounce step.
func (p *parser) deliveryStatus(r io.Reader) error {
	if p.out.Report == nil {
		p.out.Report = &Report{Type: "delivery-status"}
	}
	b, err := io.ReadAll(io.LimitReader(r, maxReportBytes))
	if err != nil {
		return p.hardOr(err)
	}
	if n, err := io.Copy(io.Discard, r); err != nil {
		return p.hardOr(err)
	} else if n > 0 {
		p.warn("delivery status longer than %d bytes cut", maxReportBytes)
	}
	if p.out.Report.Status != "" {
		p.out.Report.Status += "\n\n"
	}
	p.out.Report.Status += toUTF8("", b)
	return nil
}

// enclosed stores an attached message (or its headers) and notes its
// Message-ID; in a report that is the original message.
func (p *parser) enclosed(pt part, r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(64 << 10)
	id := ""
	h, _ := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(head)))
	if ids := msgIDs(h.Get("Message-Id")); len(ids) > 0 {
		id = ids[0]
	}
	if p.out.Report != nil && p.out.Report.OriginalMessageID == "" && strings.HasPrefix(pt.parent, "multipart/report") {
		p.out.Report.OriginalMessageID = id
	}
	a := Attachment{Filename: pt.filename(), ContentType: pt.mediaType, MessageID: id,
		ContentID: strings.Trim(strings.TrimSpace(pt.header.Get("Content-Id")), "<>")}
	if subject := cleanFilename(p.headerText(h.Get("Subject"))); a.Filename == "" && subject != "" && pt.mediaType != "text/rfc822-headers" {
		a.Filename = clip(subject, 200) + ".eml"
	}
	if a.Filename == "" {
		a.Filename = defaultFilename(pt.mediaType, len(p.out.Attachments)+1)
	}
	return p.store(a, br)
}
