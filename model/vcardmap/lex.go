package vcardmap

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"iter"
	"mime/quotedprintable"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-vcard"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
)

// contentLine is one unfolded vCard line and the input line it starts on.
type contentLine struct {
	text string
	line int
}

// unfold yields the logical lines of data. A physical line that starts with
// a space or tab continues the previous one (RFC 6350 folding); so does any
// line after a vCard 2.1 quoted-printable value that ends in a soft break "="
// unless it begins or ends a card (some phones end every QP value with "=").
func unfold(data string) iter.Seq[contentLine] {
	return func(yield func(contentLine) bool) {
		var cur []byte
		start, qp := 0, false
		for n := 1; data != ""; n++ {
			var phys string
			phys, data, _ = strings.Cut(data, "\n")
			phys = strings.TrimSuffix(phys, "\r")
			switch {
			case start > 0 && qp && bytes.HasSuffix(cur, []byte("=")) && !isBoundary(phys):
				cur = append(cur[:len(cur)-1], phys...)
			case start > 0 && phys != "" && (phys[0] == ' ' || phys[0] == '\t'):
				cur = append(cur, phys[1:]...)
			default:
				if start > 0 && !yield(contentLine{string(cur), start}) {
					return
				}
				cur, start, qp = append(cur[:0], phys...), n, isQuotedPrintable(phys)
			}
		}
		if start > 0 {
			yield(contentLine{string(cur), start})
		}
	}
}

// isQuotedPrintable reports whether a line's parameters declare a
// quoted-printable value, whose soft line breaks unfold must join.
func isQuotedPrintable(line string) bool {
	head, _, ok := cut(line, ':', quoted)
	return ok && slices.ContainsFunc(split(head, ';', quoted)[1:], func(p string) bool {
		p = strings.ToUpper(strings.TrimSpace(p))
		return p == "QUOTED-PRINTABLE" || p == "ENCODING=QUOTED-PRINTABLE"
	})
}

// isBoundary reports whether a line is BEGIN:VCARD or END:VCARD.
func isBoundary(line string) bool {
	return isLine(line, "BEGIN:VCARD") || isLine(line, "END:VCARD")
}

func isLine(line, want string) bool { return strings.EqualFold(strings.TrimSpace(line), want) }

func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

// prop is one content line of a card: upper-case name, group, parameters
// (upper-case keys) and value. The value is always in vCard 3.0/4.0 form:
// UTF-8, escaped as RFC 6350 says (2.1 values, quoted-printable and other
// charsets are converted on reading), or base64 text when binary is set.
// raw is the line as Extra keeps it.
type prop struct {
	name, group string
	params      vcard.Params
	value       string
	binary      bool
	raw         string
	line        int // input line, for error messages
}

// parseLine splits [group "."] name *(";" param) ":" value. It does not
// decode the value.
func parseLine(s string) (prop, error) {
	head, value, ok := cut(s, ':', quoted)
	if !ok {
		return prop{}, errors.New("no ':' between property name and value")
	}
	parts := split(head, ';', quoted)
	group, name, grouped := strings.Cut(parts[0], ".")
	if !grouped {
		group, name = "", group
	}
	if !isPropertyName(name) || grouped && !isPropertyName(group) {
		return prop{}, fmt.Errorf("invalid property name %q", parts[0])
	}
	p := prop{name: strings.ToUpper(name), group: group, params: vcard.Params{}, value: value, raw: s}
	for _, raw := range parts[1:] {
		addParam(p.params, raw)
	}
	return p, nil
}

func isPropertyName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if !(c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// addParam adds "KEY=v1,v2" to p. A vCard 2.1 bare parameter ("CELL",
// "QUOTED-PRINTABLE") is an ENCODING or a TYPE.
func addParam(p vcard.Params, raw string) {
	key, val, ok := strings.Cut(raw, "=")
	if !ok {
		key, val = bareParamKey(raw), raw
	}
	key = strings.ToUpper(strings.TrimSpace(key))
	for _, v := range split(val, ',', quoted) {
		p.Add(key, strings.Trim(strings.TrimSpace(v), `"`))
	}
}

func bareParamKey(v string) string {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT":
		return "ENCODING"
	}
	return vcard.ParamType
}

// decode brings p's value into the form prop documents. Lines that need no
// change keep their text as raw; converted ones get a rewritten raw. Base64
// is binary (PHOTO, LOGO, X-…) except on the properties Rapport maps as text.
func (p *prop) decode(v21 bool) error {
	enc := strings.ToUpper(p.params.Get("ENCODING"))
	charset := p.params.Get("CHARSET")
	textual := p.name == vcard.FieldUID || p.name == "X-ABLABEL" || slices.ContainsFunc(singles, func(s single) bool { return s.name == p.name }) ||
		slices.ContainsFunc(lists, func(l list) bool { return l.name == p.name })
	switch {
	case (enc == "B" || enc == "BASE64") && !textual:
		data, err := decodeBase64(p.value)
		if err != nil {
			return errBase64
		}
		p.value, p.binary = base64.StdEncoding.EncodeToString(data), true
		if enc == "B" && !v21 {
			return nil
		}
		p.params.Set("ENCODING", "b")
		p.raw = p.format()
		return nil
	case enc == "" || enc == "8BIT" || enc == "7BIT" || enc == "QUOTED-PRINTABLE" || enc == "B" || enc == "BASE64":
	default:
		return fmt.Errorf("unknown ENCODING %q", enc)
	}
	if !v21 && enc == "" && charset == "" && utf8.ValidString(p.value) {
		return nil
	}
	raw := []byte(p.value)
	var err error
	switch enc {
	case "QUOTED-PRINTABLE":
		if raw, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw))); err != nil {
			return errors.New("broken QUOTED-PRINTABLE value")
		}
	case "B", "BASE64": // text in base64: rare, but 2.1 allows it
		if raw, err = decodeBase64(p.value); err != nil {
			return errBase64
		}
	}
	s, err := toUTF8(raw, charset)
	if err != nil {
		return err
	}
	if strings.IndexByte(s, 0) >= 0 {
		return errors.New("NUL character in a value")
	}
	s = newlines.Replace(s)
	if v21 {
		s = from21(p.name, s)
	} else {
		s = strings.ReplaceAll(s, "\n", `\n`)
	}
	p.value = s
	delete(p.params, "ENCODING")
	delete(p.params, "CHARSET")
	p.raw = p.format()
	return nil
}

var errBase64 = errors.New("broken base64 value")

// decodeBase64 reads base64 with or without padding, ignoring white space
// (2.1 writers fold base64 with indented lines).
func decodeBase64(s string) ([]byte, error) {
	s = strings.Join(strings.Fields(s), "")
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

// from21 rewrites a vCard 2.1 value (only "\;" is an escape; everything
// else, commas and backslashes included, is text) in 3.0/4.0 escaping.
// An unescaped ";" separates the components of N, ADR, ORG and unknown
// X- properties and is text elsewhere (Outlook writes "NOTE:a;b");
// CATEGORIES and NICKNAME keep their commas as list separators.
func from21(name, s string) string {
	esc := escaper
	if name == vcard.FieldCategories || name == vcard.FieldNickname {
		esc = listEscaper
	}
	switch {
	case name == vcard.FieldName, name == vcard.FieldAddress, name == vcard.FieldOrganization, strings.HasPrefix(name, "X-"):
	default:
		return esc.Replace(strings.ReplaceAll(s, `\;`, ";"))
	}
	parts := split(s, ';', escaped)
	for i, part := range parts {
		parts[i] = esc.Replace(strings.ReplaceAll(part, `\;`, ";"))
	}
	return strings.Join(parts, ";")
}

// format writes p as a content line in 3.0/4.0 syntax, parameters sorted,
// values quoted where they hold a separator.
func (p *prop) format() string {
	var b strings.Builder
	if p.group != "" {
		b.WriteString(p.group + ".")
	}
	b.WriteString(p.name)
	for _, k := range sortedKeys(p.params) {
		b.WriteString(";" + k + "=")
		for i, v := range p.params[k] {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(paramValue(v))
		}
	}
	b.WriteString(":" + p.value)
	return b.String()
}

// paramValue writes a parameter value, quoted when it holds a separator.
// A double quote cannot be written (parsing took the value's own quotes
// off) and is dropped.
func paramValue(v string) string {
	v = strings.ReplaceAll(v, `"`, "")
	if strings.ContainsAny(v, ":;,") {
		return `"` + v + `"`
	}
	return v
}

func sortedKeys(p vcard.Params) []string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// toUTF8 decodes text in the named charset. With none named, valid UTF-8 is
// kept and anything else is read as windows-1251, which is what Outlook
// writes on Russian Windows.
func toUTF8(b []byte, charset string) (string, error) {
	if charset == "" {
		if utf8.Valid(b) {
			return string(b), nil
		}
		out, err := charmap.Windows1251.NewDecoder().Bytes(b)
		return string(out), err
	}
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return "", fmt.Errorf("unknown CHARSET %q", charset)
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return "", fmt.Errorf("text is not valid %s", charset)
	}
	return string(out), nil
}

// newlines turns CRLF and lone CR into LF: vCard cannot write a lone CR
// back, and one spelling keeps round trips exact.
var newlines = strings.NewReplacer("\r\n", "\n", "\r", "\n")

// syntax says which separators split does not cut at.
type syntax int

const (
	escaped syntax = iota // vCard values: a backslash protects the next byte
	quoted                // vCard parameters: nothing inside double quotes counts
)

// cut splits s at the first sep that is not protected under syn.
func cut(s string, sep byte, syn syntax) (before, after string, found bool) {
	inQuotes := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case syn == quoted && c == '"':
			inQuotes = !inQuotes
		case syn == escaped && c == '\\':
			i++
		case c == sep && !inQuotes:
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// split cuts s at every unprotected sep.
func split(s string, sep byte, syn syntax) []string {
	var out []string
	for {
		before, after, found := cut(s, sep, syn)
		out = append(out, before)
		if !found {
			return out
		}
		s = after
	}
}

// unescape resolves the backslash escapes of vCard 3.0 and 4.0: "\\", "\,",
// "\;", "\:" and "\n" or "\N" for a newline. Unknown escapes are kept.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch next := s[i+1]; next {
		case ';', '\\', ',', ':':
			b.WriteByte(next)
		case 'n', 'N':
			b.WriteByte('\n')
		default:
			b.WriteByte('\\')
			continue
		}
		i++
	}
	return b.String()
}

// escaper escapes text: every separator any property uses, and newlines.
// listEscaper leaves commas alone for values that are comma lists.
var (
	escaper     = strings.NewReplacer(`\`, `\\`, "\n", `\n`, ",", `\,`, ";", `\;`)
	listEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, ";", `\;`)
)
