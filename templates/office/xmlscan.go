package office

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// maxDepth bounds the nesting of XML elements in a part.
const maxDepth = 256

// tokKind is the kind of an XML token the scanner reports.
type tokKind uint8

const (
	tokStart tokKind = iota
	tokEnd
	tokText  // character data (entities decoded, CDATA included)
	tokOther // comments, processing instructions
)

// token is an XML token with its byte range in the part.
type token struct {
	kind  tokKind
	name  xml.Name // namespace URI and local name, for tokStart and tokEnd
	attr  []xml.Attr
	start int // offset of the token's first byte
	end   int // offset just after it; a self-closing element's tokEnd is empty
	self  bool
	text  string // tokText
}

// scanXML reads a part token by token with encoding/xml, strictly: UTF-8
// only, no DOCTYPE (so no DTD and no entity declarations), well-formed,
// nested at most maxDepth deep. fn sees every token in order.
func scanXML(part string, src []byte, fn func(t *token) error) error {
	d := xml.NewDecoder(bytes.NewReader(src))
	d.Strict = true
	var t token
	depth := 0
	for {
		start := int(d.InputOffset())
		raw, err := d.Token()
		if err == io.EOF {
			if depth != 0 {
				return xmlError(part, src, start, "the XML ends inside an element")
			}
			return nil
		}
		if err != nil {
			return xmlErr(part, src, start, err)
		}
		end := int(d.InputOffset())
		t = token{start: start, end: end}
		switch x := raw.(type) {
		case xml.StartElement:
			depth++
			if depth > maxDepth {
				return xmlError(part, src, start, "elements nested deeper than %d levels", maxDepth)
			}
			t.kind, t.name, t.attr = tokStart, x.Name, x.Attr
			t.self = end >= 2 && src[end-2] == '/' && src[end-1] == '>'
		case xml.EndElement:
			depth--
			t.kind, t.name = tokEnd, x.Name
		case xml.CharData:
			t.kind, t.text = tokText, string(x)
		case xml.Directive:
			return &Error{Kind: ErrUnsafe, Part: part, Line: lineAt(src, start),
				Msg: "the XML has a DOCTYPE or other declaration; documents with DTDs or entities are refused"}
		default:
			t.kind = tokOther
		}
		if err := fn(&t); err != nil {
			return err
		}
	}
}

// xmlErr turns a decoder error into an *Error with its line.
func xmlErr(part string, src []byte, off int, err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return &Error{Kind: ErrMalformed, Part: part, Line: se.Line, Msg: "broken XML: " + se.Msg}
	}
	if strings.Contains(err.Error(), "CharsetReader") {
		return xmlError(part, src, off, "the XML is not in UTF-8; save the document again")
	}
	return xmlError(part, src, off, "broken XML: %v", err)
}

// xmlError builds an *Error at a byte offset of a part.
func xmlError(part string, src []byte, off int, format string, args ...any) error {
	e := errorf(ErrMalformed, part, format, args...)
	e.Line = lineAt(src, off)
	return e
}

// lineAt returns the 1-based line of a byte offset.
func lineAt(src []byte, off int) int {
	off = max(0, min(off, len(src)))
	return bytes.Count(src[:off], []byte{'\n'}) + 1
}

// attr returns the value of the attribute with the given namespace and
// local name.
func attr(attrs []xml.Attr, space, local string) (string, bool) {
	for _, a := range attrs {
		if a.Name.Local == local && a.Name.Space == space {
			return a.Value, true
		}
	}
	return "", false
}
