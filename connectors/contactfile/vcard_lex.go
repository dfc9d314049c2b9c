package contactfile

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"iter"
	"mime/quotedprintable"
	"strings"

	"github.com/emersion/go-vcard"
)

// contentLine is one unfolded vCard line and the file line it starts on.
type contentLine struct {
	text string
	line int
}

// rawCard is the content lines between one BEGIN:VCARD and its END:VCARD.
type rawCard struct {
	n     int // 1-based card number
	line  int // file line of BEGIN:VCARD
	lines []contentLine
	err   error // set when the card is cut short
}

var errNoEnd = errors.New("no END:VCARD before the next card or the end of the file")

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
	head, _, ok := strings.Cut(line, ":")
	return ok && strings.Contains(strings.ToUpper(head), "QUOTED-PRINTABLE")
}

// isBoundary reports whether a line is BEGIN:VCARD or END:VCARD.
func isBoundary(line string) bool {
	return isLine(line, "BEGIN:VCARD") || isLine(line, "END:VCARD")
}

func isLine(line, want string) bool { return strings.EqualFold(strings.TrimSpace(line), want) }

// cardSplitter cuts a .vcf text into cards. A card without END:VCARD ends at
// the next BEGIN:VCARD (or the end of the file) and is reported broken, so
// one damaged card never swallows the next.
type cardSplitter struct {
	stray bool // non-blank text outside any card
}

func (s *cardSplitter) cards(text string) iter.Seq[rawCard] {
	return func(yield func(rawCard) bool) {
		var cur *rawCard
		n := 0
		for l := range unfold(text) {
			switch {
			case isLine(l.text, "BEGIN:VCARD"):
				if cur != nil && !yield(rawCard{n: cur.n, line: cur.line, err: errNoEnd}) {
					return
				}
				n++
				cur = &rawCard{n: n, line: l.line}
			case cur == nil:
				s.stray = s.stray || !isBlank(l.text)
			case isLine(l.text, "END:VCARD"):
				if !yield(*cur) {
					return
				}
				cur = nil
			case !isBlank(l.text):
				cur.lines = append(cur.lines, l)
			}
		}
		if cur != nil {
			yield(rawCard{n: cur.n, line: cur.line, err: errNoEnd})
		}
	}
}

// mappedProps are the properties a contact is built from. The rest (PHOTO,
// X-…) are skipped undecoded, so an odd property Rapport does not keep never
// costs a card.
var mappedProps = map[string]bool{
	vcard.FieldVersion: true, vcard.FieldFormattedName: true, vcard.FieldName: true, vcard.FieldOrganization: true,
	vcard.FieldTitle: true, vcard.FieldNote: true, vcard.FieldLanguage: true, vcard.FieldCategories: true,
	vcard.FieldEmail: true, vcard.FieldTelephone: true, vcard.FieldAddress: true, vcard.FieldBirthday: true,
}

// buildCard parses a card's content lines into a vcard.Card of the mapped
// properties, their values decoded to UTF-8 but still escaped.
func buildCard(lines []contentLine) (vcard.Card, error) {
	card := vcard.Card{}
	for _, l := range lines {
		name, f, err := parseContentLine(l.text)
		if err == nil && !mappedProps[name] {
			continue
		}
		if err == nil {
			err = decodeValue(f)
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", l.line, err)
		}
		card.Add(name, f)
	}
	return card, nil
}

// parseContentLine splits [group "."] name *(";" param) ":" value.
func parseContentLine(s string) (string, *vcard.Field, error) {
	head, value, ok := cut(s, ':', quoted)
	if !ok {
		return "", nil, errors.New("no ':' between property name and value")
	}
	parts := split(head, ';', quoted)
	group, name, grouped := strings.Cut(parts[0], ".")
	if !grouped {
		group, name = "", group
	}
	if !isPropertyName(name) {
		return "", nil, fmt.Errorf("invalid property name %q", name)
	}
	f := &vcard.Field{Value: value, Group: group, Params: vcard.Params{}}
	for _, p := range parts[1:] {
		addParam(f.Params, p)
	}
	return strings.ToUpper(name), f, nil
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

// decodeValue turns a value's ENCODING and CHARSET into plain UTF-8.
func decodeValue(f *vcard.Field) error {
	raw := []byte(f.Value)
	var err error
	switch enc := strings.ToUpper(f.Params.Get("ENCODING")); enc {
	case "QUOTED-PRINTABLE":
		raw, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
	case "B", "BASE64":
		raw, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(f.Value), ""))
	case "", "8BIT", "7BIT":
	default:
		return fmt.Errorf("unknown ENCODING %q", enc)
	}
	if err != nil {
		return fmt.Errorf("broken %s value", f.Params.Get("ENCODING"))
	}
	s, err := toUTF8(raw, f.Params.Get("CHARSET"))
	if err != nil {
		return err
	}
	if strings.IndexByte(s, 0) >= 0 {
		return errors.New("NUL character in a value")
	}
	f.Value = newlines.Replace(s)
	return nil
}
