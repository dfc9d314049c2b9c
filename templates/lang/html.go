package lang

import (
	"context"
	"html"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"

	"rapport/model"
)

// HTML evaluates the template as HTML. The template's own markup is written
// as it is (staff write templates); every value is escaped for where it
// stands: in text, or in a quoted attribute value, where a URL attribute
// (href, src ...) accepts only http, https, mailto and tel links. A value
// inside a tag name, an unquoted attribute, an event-handler attribute, or
// a <script> or <style> element cannot be made safe and is an error. Values
// marked | raw are HTML sanitised with bluemonday's UGC policy (no scripts,
// no event handlers, no javascript: links), and only allowed in text.
func (t *Template) HTML(ctx context.Context, data map[string]any, env Env) (string, error) {
	insts, err := t.Start(ctx, data, env).Expand()
	if err != nil {
		return "", err
	}
	w := &htmlWriter{}
	for i := range insts {
		for _, c := range insts[i].Out.Chunks {
			if err := w.chunk(c); err != nil {
				return "", err
			}
		}
	}
	return w.b.String(), nil
}

// sanitizer is the policy | raw values pass through.
var sanitizer = sync.OnceValue(bluemonday.UGCPolicy)

// htmlState is where an HTML writer stands in the markup.
type htmlState uint8

const (
	hText        htmlState = iota
	hTagOpen               // after "<"
	hTagName               // in a tag name
	hTag                   // in a tag, between attributes
	hAttrName              // in an attribute name
	hAfterName             // after an attribute name
	hBeforeValue           // after "="
	hValue                 // in a quoted attribute value
	hUnquoted              // in an unquoted attribute value
	hDecl                  // in <!…> (comments, doctype)
	hRawText               // in <script> or <style>
)

// urlAttrs are attributes whose value is a URL.
var urlAttrs = map[string]bool{"href": true, "src": true, "action": true, "formaction": true,
	"background": true, "poster": true, "cite": true, "data": true, "srcset": true, "xlink:href": true}

// htmlWriter writes HTML output and tracks the context of the markup, so
// that each value is escaped for where it lands.
type htmlWriter struct {
	b        strings.Builder
	state    htmlState
	closing  bool
	tag      strings.Builder
	attr     strings.Builder
	quote    byte
	valueLen int
	raw      string // the element a raw-text state ends with
	rawMatch int    // how much of "</"+raw has been seen
}

// chunk writes one chunk.
func (w *htmlWriter) chunk(c Chunk) error {
	switch c.Kind {
	case ChunkText:
		w.literal(c.Text)
		return nil
	case ChunkRaw:
		if w.state != hText {
			return errAt(c.seg, c.off, model.EINVALID, "| raw is only allowed in text, not inside an HTML tag or element")
		}
		w.b.WriteString(sanitizer().Sanitize(c.Text))
		return nil
	}
	return w.value(c)
}

// value writes a placeholder's value escaped for the current context.
func (w *htmlWriter) value(c Chunk) error {
	s := c.Text
	switch w.state {
	case hText, hDecl:
	case hValue:
		attr := strings.ToLower(w.attr.String())
		if strings.HasPrefix(attr, "on") {
			return errAt(c.seg, c.off, model.EINVALID, "a placeholder in the %s attribute would run as script", attr)
		}
		if urlAttrs[attr] && w.valueLen == 0 && !safeURL(s) {
			s = "about:invalid#blocked"
		}
		w.valueLen += len(s)
	default:
		return errAt(c.seg, c.off, model.EINVALID,
			"a placeholder inside an HTML tag, an unquoted attribute, or a <script> or <style> element cannot be made safe; put it in text or in a quoted attribute value")
	}
	w.b.WriteString(html.EscapeString(s))
	return nil
}

// safeURL reports whether a URL's scheme is harmless (or it has none).
func safeURL(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	i := strings.IndexAny(s, ":/?#")
	if i < 0 || s[i] != ':' {
		return true // relative
	}
	switch s[:i] {
	case "http", "https", "mailto", "tel":
		return true
	}
	return false
}

// literal writes template text and follows the markup's state.
func (w *htmlWriter) literal(s string) {
	w.b.WriteString(s)
	for i := 0; i < len(s); i++ {
		w.byte(s[i])
	}
}

// byte advances the state by one byte of markup.
func (w *htmlWriter) byte(c byte) {
	space := c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
	switch w.state {
	case hText:
		if c == '<' {
			w.state, w.closing = hTagOpen, false
		}
	case hTagOpen:
		switch {
		case c == '/':
			w.closing = true
		case c == '!':
			w.state = hDecl
		case isLetter(c):
			w.tag.Reset()
			w.tag.WriteByte(lower(c))
			w.state = hTagName
		default:
			w.state = hText
		}
	case hTagName:
		switch {
		case c == '>':
			w.endTag()
		case space || c == '/':
			w.state = hTag
		default:
			w.tag.WriteByte(lower(c))
		}
	case hTag, hAfterName:
		w.inTag(c, space)
	case hAttrName:
		switch {
		case c == '=':
			w.state = hBeforeValue
		case c == '>':
			w.endTag()
		case space:
			w.state = hAfterName
		default:
			w.attr.WriteByte(c)
		}
	case hBeforeValue:
		switch {
		case c == '"' || c == '\'':
			w.state, w.quote, w.valueLen = hValue, c, 0
		case c == '>':
			w.endTag()
		case !space:
			w.state = hUnquoted
		}
	case hValue:
		if c == w.quote {
			w.state = hTag
		} else {
			w.valueLen++
		}
	case hUnquoted:
		if c == '>' {
			w.endTag()
		} else if space {
			w.state = hTag
		}
	case hDecl:
		if c == '>' {
			w.state = hText
		}
	case hRawText:
		w.rawText(c)
	}
}

// inTag handles a byte between attributes.
func (w *htmlWriter) inTag(c byte, space bool) {
	switch {
	case c == '>':
		w.endTag()
	case c == '=' && w.state == hAfterName:
		w.state = hBeforeValue
	case space || c == '/':
	default:
		w.attr.Reset()
		w.attr.WriteByte(c)
		w.state = hAttrName
	}
}

// endTag leaves a tag: into the raw text of <script> and <style>, or text.
func (w *htmlWriter) endTag() {
	w.state = hText
	if t := w.tag.String(); !w.closing && (t == "script" || t == "style") {
		w.state, w.raw, w.rawMatch = hRawText, "</"+t, 0
	}
}

// rawText looks for the end tag of a <script> or <style> element.
func (w *htmlWriter) rawText(c byte) {
	switch {
	case lower(c) == w.raw[w.rawMatch]:
		w.rawMatch++
		if w.rawMatch == len(w.raw) {
			w.state, w.closing = hTagName, true
			w.tag.Reset()
			w.tag.WriteString(w.raw[2:])
		}
	case c == '<':
		w.rawMatch = 1
	default:
		w.rawMatch = 0
	}
}

func isLetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
