package mailmsg

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message/textproto"
)

// readTopHeader reads the message header leniently and returns it with the
// reader of the body. An mbox "From " line before it is skipped; a field
// whose name is not a valid token is dropped; a line that is neither a field
// nor a continuation ends the header and starts the body, as a reader's mail
// program would show it.
func (p *parser) readTopHeader(br *bufio.Reader) (textproto.Header, io.Reader, error) {
	var block bytes.Buffer
	var rest []byte // a line that ended the header without a blank line
	first, skipping := true, false
	for {
		line, err := readLine(br, maxHeaderBytes-block.Len())
		if err != nil && p.src.hard() != nil {
			return textproto.Header{}, nil, p.src.hard()
		}
		if errors.Is(err, errLineTooLong) {
			return textproto.Header{}, nil, malformed("header larger than %d bytes", maxHeaderBytes)
		}
		if first {
			line = bytes.TrimPrefix(line, []byte("\ufeff"))
			if bytes.HasPrefix(line, []byte("From ")) {
				first = false
				continue
			}
		}
		first = false
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			break // the blank line, or the end of input
		}
		switch {
		case line[0] == ' ' || line[0] == '\t':
			if !skipping && block.Len() > 0 {
				block.Write(line)
			}
		case validFieldLine(line):
			skipping = false
			block.Write(line)
		case bytes.IndexByte(line, ':') >= 0:
			skipping = true
			p.warn("header line dropped, not a field: %q", clip(string(bytes.TrimSpace(line)), 80))
		default:
			rest = line
			p.warn("header ended without a blank line at %q", clip(string(bytes.TrimSpace(line)), 80))
		}
		if rest != nil || err != nil {
			break
		}
	}
	if block.Len() == 0 {
		return textproto.Header{}, nil, malformed("no header fields at the start")
	}
	block.WriteString("\r\n")
	h, err := textproto.ReadHeader(bufio.NewReader(&block))
	if err != nil {
		return textproto.Header{}, nil, malformed("header: %v", err)
	}
	if !hasMailField(h) {
		return textproto.Header{}, nil, malformed("no From, Date, Subject, To, Message-ID or MIME field in the header")
	}
	var body io.Reader = br
	if rest != nil {
		body = io.MultiReader(bytes.NewReader(rest), br)
	}
	return h, body, nil
}

var errLineTooLong = errors.New("line too long")

// readLine returns the next line with its line ending, at most max bytes;
// at the end of input it returns what is left (possibly nothing) and io.EOF.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > max {
			return nil, errLineTooLong
		}
		line = append(line, chunk...)
		if err != bufio.ErrBufferFull {
			return line, err
		}
	}
}

// validFieldLine reports whether line starts a header field: a name of
// printable ASCII before the first colon (blanks around it are tolerated, as
// textproto does).
func validFieldLine(line []byte) bool {
	i := bytes.IndexByte(line, ':')
	if i < 0 {
		return false
	}
	name := bytes.Trim(line[:i], " \t")
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// hasMailField tells a message header from some other "Name: value" text.
func hasMailField(h textproto.Header) bool {
	for _, k := range []string{"From", "Sender", "Date", "Subject", "To", "Cc", "Message-Id",
		"Mime-Version", "Content-Type", "Received", "Return-Path", "Newsgroups"} {
		if h.Has(k) {
			return true
		}
	}
	return false
}

// headerText decodes an unstructured field (Subject): RFC 2047 words, raw
// 8-bit bytes read in the message's charset, folding whitespace collapsed.
func (p *parser) headerText(v string) string {
	return collapseSpace(decodeWords(v, p.hint))
}

var spaceRun = regexp.MustCompile(`[\s\x00]+`)

func collapseSpace(s string) string {
	return strings.TrimSpace(spaceRun.ReplaceAllString(s, " "))
}

// encodedWord matches one RFC 2047 encoded word.
var encodedWord = regexp.MustCompile(`=\?([^?\s]{1,75})\?([bBqQ])\?([^?\s]*)\?=`)

// decodeWords decodes the RFC 2047 words in s. Unlike mime.WordDecoder it
// joins adjacent words of one charset before converting them, so a character
// split across two words survives, and it tolerates unknown charsets, bad
// padding and words inside quoted strings. Text outside the words that is not
// UTF-8 is read in charset hint.
func decodeWords(s, hint string) string {
	locs := encodedWord.FindAllStringSubmatchIndex(s, -1)
	if locs == nil {
		return rawHeader(hint, s)
	}
	var out strings.Builder
	var pending []byte
	pendingCharset := ""
	flush := func() {
		if pending != nil {
			out.WriteString(toUTF8(pendingCharset, pending))
			pending = nil
		}
	}
	last := 0
	for _, m := range locs {
		between := s[last:m[0]]
		if strings.TrimSpace(between) != "" || last == 0 {
			flush()
			out.WriteString(rawHeader(hint, between))
		}
		charset := strings.ToLower(s[m[2]:m[3]])
		if i := strings.IndexByte(charset, '*'); i >= 0 {
			charset = charset[:i] // RFC 2231 language suffix
		}
		if charset != pendingCharset {
			flush()
			pendingCharset = charset
		}
		pending = append(pending, decodeWord(s[m[4]:m[5]], s[m[6]:m[7]])...)
		last = m[1]
	}
	flush()
	out.WriteString(rawHeader(hint, s[last:]))
	return out.String()
}

// rawHeader reads header text outside encoded words: UTF-8 as RFC 6532
// allows, raw ISO-2022-JP (escape sequences) as old Japanese mailers wrote
// it, and other 8-bit bytes in the charset the message's body declares.
func rawHeader(hint, s string) string {
	if strings.IndexByte(s, 0x1b) >= 0 && hint == "" {
		hint = "iso-2022-jp"
	} else if utf8.ValidString(s) {
		return s
	}
	return toUTF8(hint, []byte(s))
}

// decodeWord decodes the payload of a B or Q encoded word, keeping what it
// can of a broken one.
func decodeWord(enc, text string) []byte {
	if enc == "b" || enc == "B" {
		return decodeBase64Lenient(text)
	}
	var b []byte
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '_':
			b = append(b, ' ')
		case c == '=' && i+2 < len(text) && isHex(text[i+1]) && isHex(text[i+2]):
			b = append(b, unhex(text[i+1])<<4|unhex(text[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return b
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// msgIDs returns the Message-IDs in a field, without angle brackets: every
// <…> token, or the bare tokens with an @ when nobody used brackets.
func msgIDs(v string) []string {
	var ids []string
	for rest := v; ; {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '>')
		if j < 0 {
			break
		}
		if id := strings.TrimSpace(rest[i+1 : i+j]); id != "" && !strings.ContainsAny(id, " \t\r\n<") {
			ids = append(ids, id)
		}
		rest = rest[i+j+1:]
	}
	if ids == nil {
		for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\r' || r == '\n' }) {
			if strings.Contains(f, "@") {
				ids = append(ids, strings.Trim(f, "<>"))
			}
		}
	}
	return capIDs(ids)
}

// maxRefs bounds the references kept from one field: the first (the thread's
// root) and the most recent ones.
const maxRefs = 100

func capIDs(ids []string) []string {
	if len(ids) <= maxRefs {
		return ids
	}
	return append(ids[:1:1], ids[len(ids)-maxRefs+1:]...)
}

// dateLayouts are tried after net/mail for dates seen in the wild.
var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04 -0700",
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 MST 2006",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05Z07:00",
	"Mon, 2 Jan 2006 15:04:05",
	"2 Jan 2006",
}

var dateComment = regexp.MustCompile(`\([^)]*\)`)

// parseDate reads a Date field; ok is false when nothing fits.
func parseDate(v string) (time.Time, bool) {
	v = collapseSpace(dateComment.ReplaceAllString(v, " "))
	if v == "" {
		return time.Time{}, false
	}
	if t, err := mail.ParseDate(v); err == nil {
		return t, true
	}
	v = strings.ReplaceAll(v, ",", ", ")
	v = collapseSpace(v)
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// clip shortens s to at most n bytes for messages, on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
