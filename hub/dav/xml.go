package dav

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"rapport/model"
)

// XML namespaces used in requests and answers.
const (
	nsDAV   = "DAV:"
	nsCal   = "urn:ietf:params:xml:ns:caldav"
	nsCard  = "urn:ietf:params:xml:ns:carddav"
	nsCS    = "http://calendarserver.org/ns/"
	nsApple = "http://apple.com/ns/ical/"
)

// prefixes are declared once on every multistatus root.
var prefixes = map[string]string{nsDAV: "D", nsCal: "C", nsCard: "CR", nsCS: "CS", nsApple: "A"}

const rootNamespaces = ` xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CR="urn:ietf:params:xml:ns:carddav" xmlns:CS="http://calendarserver.org/ns/" xmlns:A="http://apple.com/ns/ical/"`

// Limits on request bodies: XML bodies are small; object bodies are bounded
// by the handler's MaxResourceSize.
const (
	maxXMLBody  = 1 << 20
	maxXMLDepth = 64
	maxXMLNodes = 50_000
)

// node is a parsed XML element: what PROPFIND, PROPPATCH, REPORT and
// MKCALENDAR bodies need, with the raw inner XML kept for dead properties.
type node struct {
	Name     xml.Name
	Attrs    []xml.Attr
	Children []*node
	Text     string
	// body[innerStart:innerEnd] is the raw inner XML, sliced only when a
	// dead property's value is kept.
	body                 []byte
	innerStart, innerEnd int64
	text                 strings.Builder
}

// Inner returns the element's raw inner XML.
func (n *node) Inner() string {
	if n == nil || n.innerEnd < n.innerStart {
		return ""
	}
	return string(n.body[n.innerStart:n.innerEnd])
}

// child returns the first child named space:local, or nil.
func (n *node) child(space, local string) *node {
	if n == nil {
		return nil
	}
	for _, c := range n.Children {
		if c.Name.Space == space && c.Name.Local == local {
			return c
		}
	}
	return nil
}

// attr returns the value of the attribute local (any namespace).
func (n *node) attr(local string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// readXML parses a request body into a tree; an empty body gives nil.
// Oversized, too deep or malformed bodies are 4xx model errors.
func readXML(w http.ResponseWriter, r *http.Request) (*node, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxXMLBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, model.Errorf(model.ETOOLARGE, "the XML body is larger than %d bytes", maxXMLBody)
		}
		return nil, model.Errorf(model.EMALFORMED, "could not read the body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	return parseXML(body)
}

func parseXML(body []byte) (*node, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	var stack []*node
	var root *node
	nodes := 0
	for {
		before := d.InputOffset()
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, model.Errorf(model.EMALFORMED, "malformed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			nodes++
			if len(stack) >= maxXMLDepth || nodes > maxXMLNodes {
				return nil, model.Errorf(model.ETOOLARGE, "the XML body is too deep or too large")
			}
			n := &node{Name: t.Name, Attrs: t.Attr, body: body, innerStart: d.InputOffset()}
			switch {
			case len(stack) > 0:
				parent := stack[len(stack)-1]
				parent.Children = append(parent.Children, n)
			case root != nil:
				return nil, model.Errorf(model.EMALFORMED, "more than one XML root element")
			default:
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			top := stack[len(stack)-1]
			top.innerEnd = before
			top.Text = top.text.String()
			top.text = strings.Builder{}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		}
	}
	if root == nil {
		return nil, model.Errorf(model.EMALFORMED, "no XML element in the body")
	}
	return root, nil
}

// escape returns s escaped for XML character data and attribute values.
// Line feeds stay as they are (calendar and address data are mostly line
// breaks); CR is written as a reference so parsers keep it; characters XML
// cannot carry become U+FFFD.
func escape(s string) string {
	clean := true
	for _, r := range s {
		if r == '&' || r == '<' || r == '>' || r == '"' || r == '\r' || !xmlChar(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"':
			b.WriteString("&#34;")
		case r == '\r':
			b.WriteString("&#13;")
		case !xmlChar(r):
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// xmlChar reports whether XML 1.0 allows r in a document.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || (r >= 0x20 && r <= 0xD7FF && r != utf8.RuneError) ||
		(r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

// elem writes an empty or text element with a known prefix, or with an
// inline namespace declaration when the namespace has none.
func elem(name xml.Name, inner string) string {
	open, close := tagOf(name)
	if inner == "" {
		return strings.TrimSuffix(open, ">") + "/>"
	}
	return open + inner + close
}

func tagOf(name xml.Name) (string, string) {
	if p, ok := prefixes[name.Space]; ok {
		return "<" + p + ":" + name.Local + ">", "</" + p + ":" + name.Local + ">"
	}
	if name.Space == "" {
		return "<" + name.Local + ` xmlns="">`, "</" + name.Local + ">"
	}
	return "<x:" + name.Local + ` xmlns:x="` + escape(name.Space) + `">`, "</x:" + name.Local + ">"
}
