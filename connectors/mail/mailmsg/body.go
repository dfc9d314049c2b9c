package mailmsg

import (
	"bytes"
	"encoding/hex"
	"io"
	"regexp"
	"strings"
	"sync"

	"github.com/emersion/go-message/textproto"
	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// bodyText collects the text (or HTML) parts of a message, at most
// Options.MaxBodyBytes in all.
type bodyText struct {
	parts []string
	n     int64
}

// bodyPart reads an inline text/plain or text/html part. What does not fit
// the body limit is kept whole as an attachment as well.
func (p *parser) bodyPart(pt part, r io.Reader) error {
	isHTML := pt.mediaType == "text/html"
	dst := &p.text
	if isHTML {
		dst = &p.html
	}
	room := max(p.opts.MaxBodyBytes-dst.n, 0)
	buf, err := io.ReadAll(io.LimitReader(r, room+1))
	if err != nil {
		return p.hardOr(err)
	}
	if int64(len(buf)) > room {
		name := "body.txt"
		if isHTML {
			name = "body.html"
		}
		p.warn("%s body larger than %d bytes: cut, and kept whole as %s", pt.mediaType, p.opts.MaxBodyBytes, name)
		a := Attachment{Filename: name, ContentType: pt.mediaType}
		if err := p.store(a, io.MultiReader(bytes.NewReader(buf), r)); err != nil {
			return err
		}
		buf = buf[:room]
	}
	if len(buf) == 0 {
		return nil
	}
	dst.parts = append(dst.parts, p.decodeBody(pt, buf, isHTML))
	dst.n += int64(len(buf))
	return nil
}

// decodeBody converts a body to UTF-8 from its declared charset, an HTML
// <meta> charset, or the fallback, noting when it had to guess.
func (p *parser) decodeBody(pt part, b []byte, isHTML bool) string {
	cs := pt.params["charset"]
	if cs == "" && isHTML {
		cs = metaCharset(b)
	}
	s, ok := convert(cs, b)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if !ok {
		if cs == "" {
			p.warn("8-bit text without a charset read as %s", fallbackCharset)
		} else {
			p.warn("charset %q unknown or wrong; text read as %s", clip(cs, 40), fallbackCharset)
		}
	}
	return s
}

var metaCharsetRe = regexp.MustCompile(`(?i)<meta[^>]{0,200}charset\s*=\s*["']?([a-z0-9_:.-]{1,40})`)

// metaCharset finds the charset an HTML document declares in its head.
func metaCharset(b []byte) string {
	if m := metaCharsetRe.FindSubmatch(b[:min(len(b), 4096)]); m != nil {
		return string(m[1])
	}
	return ""
}

// calendar keeps the first text/calendar part (an iMIP invitation or
// answer) as text and every one as an attachment.
func (p *parser) calendar(pt part, r io.Reader) error {
	buf, err := io.ReadAll(io.LimitReader(r, p.opts.MaxBodyBytes))
	if err != nil {
		return p.hardOr(err)
	}
	if p.out.Calendar == "" {
		p.out.Calendar = toUTF8(pt.params["charset"], buf)
	}
	return p.attachment(pt, io.MultiReader(bytes.NewReader(buf), r))
}

// finish fills in the header fields and the bodies once the walk is done,
// so that raw 8-bit headers can be read in the charset the body declared.
func (p *parser) finish(h textproto.Header) {
	out := p.out
	out.Header = h
	out.Size = p.src.n
	out.SHA256 = hex.EncodeToString(p.src.h.Sum(nil))
	p.readAddresses(h)
	if ids := msgIDs(h.Get("Message-Id")); len(ids) > 0 {
		out.MessageID = ids[0]
	}
	out.InReplyTo = msgIDs(h.Get("In-Reply-To"))
	out.References = msgIDs(strings.Join(h.Values("References"), " "))
	out.ReturnPath = returnPath(h.Get("Return-Path"))
	if out.Subject = p.headerText(h.Get("Subject")); len(out.Subject) > maxSubject {
		p.warn("subject longer than %d bytes cut", maxSubject)
		out.Subject = clip(out.Subject, maxSubject)
	}
	if v := h.Get("Date"); v != "" {
		var ok bool
		if out.Date, ok = parseDate(v); !ok {
			p.warn("date %q unreadable", clip(v, 60))
		}
	}
	out.Text = strings.Join(p.text.parts, "\n\n")
	if len(p.html.parts) > 0 {
		raw := strings.Join(p.html.parts, "\n")
		out.HTML = sanitizer().Sanitize(raw)
		if strings.TrimSpace(out.Text) == "" {
			out.Text, out.TextFromHTML = htmlToText(raw), true
		}
	}
}

func (p *parser) readAddresses(h textproto.Header) {
	out := p.out
	if from := p.addresses(h.Get("From")); len(from) > 0 {
		out.From = from[0]
	} else {
		p.warn("no usable From address in %q", clip(h.Get("From"), 80))
	}
	if sender := p.addresses(h.Get("Sender")); len(sender) > 0 {
		out.Sender = sender[0]
	}
	out.ReplyTo = p.addresses(h.Get("Reply-To"))
	out.To = p.addresses(strings.Join(h.Values("To"), ", "))
	out.Cc = p.addresses(strings.Join(h.Values("Cc"), ", "))
}

// returnPath keeps "<>" for the null sender and the bare address otherwise.
func returnPath(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	if strings.Trim(v, "<> \t") == "" {
		return "<>"
	}
	return normEmail(v)
}

// sanitizer is bluemonday's policy for user content, plus what mail needs:
// cid: links to inline images, data: images and a few typographic styles.
// Remote images stay; the page that shows the mail decides whether to load
// them (its Content-Security-Policy).
var sanitizer = sync.OnceValue(func() *bluemonday.Policy {
	pol := bluemonday.UGCPolicy()
	pol.AllowURLSchemes("mailto", "http", "https", "cid")
	pol.AllowDataURIImages()
	pol.AllowStyles("color", "background-color", "font-weight", "font-style", "font-size",
		"font-family", "text-decoration", "text-align").Globally()
	pol.AllowAttrs("align", "valign", "bgcolor", "width", "height").OnElements("table", "tr", "td", "th", "img")
	pol.AddTargetBlankToFullyQualifiedLinks(true)
	return pol
})

// blockTags start and end a line in the text version of HTML; the
// paragraph-like ones (true) are followed by an empty line.
var blockTags = map[string]bool{
	"p": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"blockquote": true, "pre": true, "table": true, "ul": true, "ol": true, "dl": true,
	"div": false, "tr": false, "li": false, "hr": false, "dt": false, "dd": false,
	"address": false, "section": false, "article": false, "header": false, "footer": false, "center": false,
}

// skipTags hold no readable text.
var skipTags = map[string]bool{"head": true, "script": true, "style": true, "title": true, "template": true, "noscript": true}

// htmlToText renders HTML as plain text: blocks on their own lines, list
// items with a dash, links followed by their address, scripts and styles
// dropped, entities decoded, blank runs collapsed.
func htmlToText(doc string) string {
	z := html.NewTokenizer(strings.NewReader(doc))
	var b strings.Builder
	skip, pre := 0, 0
	href, anchorAt := "", 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		name, _ := z.TagName()
		tag := string(name)
		switch tt {
		case html.TextToken:
			if skip == 0 {
				writeText(&b, string(z.Text()), pre > 0)
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			switch {
			case skipTags[tag] && tt == html.StartTagToken:
				skip++
			case tag == "pre":
				pre++
			case tag == "a":
				href, anchorAt = attr(z, "href"), b.Len()
			}
			if _, block := blockTags[tag]; block {
				lineBreak(&b, false)
			}
			if tag == "br" {
				b.WriteString("\n")
			}
			if tag == "li" {
				b.WriteString("- ")
			}
		case html.EndTagToken:
			switch {
			case skipTags[tag] && skip > 0:
				skip--
			case tag == "pre" && pre > 0:
				pre--
			case tag == "a":
				if strings.HasPrefix(href, "http") && anchorAt <= b.Len() && !strings.Contains(b.String()[anchorAt:], href) {
					b.WriteString(" <" + href + ">")
				}
				href = ""
			}
			if para, block := blockTags[tag]; block {
				lineBreak(&b, para)
			}
		}
	}
	return tidyLines(b.String())
}

// lineBreak ends the current line unless it is empty; blank adds an empty line.
func lineBreak(b *strings.Builder, blank bool) {
	s := strings.TrimRight(b.String(), " ")
	if s != "" && !strings.HasSuffix(s, "\n") {
		b.WriteString("\n")
	}
	if blank && !strings.HasSuffix(s, "\n\n") {
		b.WriteString("\n")
	}
}

func attr(z *html.Tokenizer, want string) string {
	for {
		k, v, more := z.TagAttr()
		if string(k) == want {
			return string(v)
		}
		if !more {
			return ""
		}
	}
}

// writeText appends text, collapsing white space outside <pre>.
func writeText(b *strings.Builder, s string, pre bool) {
	if pre {
		b.WriteString(s)
		return
	}
	s = spaceRun.ReplaceAllString(s, " ")
	if b.Len() == 0 || strings.HasSuffix(b.String(), "\n") {
		s = strings.TrimLeft(s, " ")
	}
	b.WriteString(s)
}

var blankLines = regexp.MustCompile(`\n{3,}`)

// tidyLines trims each line's trailing blanks and keeps at most one empty
// line in a row.
func tidyLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\u00a0")
	}
	return strings.TrimSpace(blankLines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
}
