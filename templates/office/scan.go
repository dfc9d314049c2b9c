package office

import (
	"encoding/xml"
	"strconv"
	"strings"

	"rapport/templates/lang"
)

// ekind is what an element is to the engine.
type ekind uint8

const (
	eOther     ekind = iota
	ePara            // w:p, text:p, text:h
	eTable           // w:tbl, table:table
	eRowGroup        // ODT header rows and row groups: rows inside stay rows of the table
	eRow             // w:tr, table:table-row
	eCell            // w:tc, table:table-cell
	eRun             // w:r, text:span: a run that disappears when its text does
	eLink            // w:hyperlink, text:a: holds runs
	eText            // w:t: its content is a text node
	eSpace           // text:s: spaces, a text node of their own
	eContainer       // footnotes, text boxes, headers: paragraphs of their own
	eProps           // w:pPr, w:rPr: formatting, shows nothing
	eSectPr          // w:sectPr: section properties
	eDrawingID       // wp:docPr: its id is made unique in the output
)

// vocab is the XML vocabulary of a format.
type vocab struct {
	kinds map[xml.Name]ekind
	// inert elements show nothing inside a paragraph (bookmarks, proofing
	// marks): a paragraph of tags and inert elements may disappear.
	inert map[xml.Name]bool
	// charText: character data directly inside paragraphs, runs and links
	// is text (ODT); otherwise text is inside eText elements only (DOCX).
	charText bool
	// label names a container's kind ("footnote", "text box"), and says
	// whether it is numbered; ok is false for containers not counted.
	label func(t *token) (label string, ok bool)
	// spaces returns the text of an eSpace element.
	spaces func(t *token) string
}

// elem is an element of a part, with its byte offsets.
type elem struct {
	name      xml.Name
	kind      ekind
	parent    int
	lastChild int // the last element child, -1 for none
	kids      int // runs: children that show something (not formatting)
	// start is the offset of "<", inner just after the start tag, close
	// the offset of the end tag and end just after it (for a self-closing
	// element inner = close = end).
	start, inner, close, end int
}

// para is a paragraph and its text.
type para struct {
	elem    int
	place   lang.Place
	nodes   []int // text nodes, in order
	visible bool  // holds something besides text and inert elements
	// tags counts the block tags in the paragraph and other says whether
	// anything else shows (text, placeholders); set after parsing.
	tags  int
	other bool
}

// textNode is a piece of text: a w:t element, a run of Writer's character
// data, or a text:s element.
type textNode struct {
	para       int
	elem       int // DOCX: the w:t; ODT: the text:s, or the parent of the character data
	holder     int // the run holding the node, or -1
	start, end int // the bytes the node occupies
	text       string
	changed    bool // normalisation moved text into or out of the node
	seg        int  // index of its segment in the part's template, or -1
}

// part is one XML part that holds text: the body, a header, footnotes.
type part struct {
	name     string
	src      []byte
	charText bool // the format's text is character data (ODT)
	elems    []elem
	paras    []para
	nodes    []textNode
	tmpl     *lang.Template
	segs     []int // the text node of each segment
	// tree is the part to walk for a merge: before the content, the
	// content (what a combined document repeats per record), after it.
	// Parts other than the body have everything in tree[0].
	tree [3][]node
	// hooks are what a combined document adds to the part (a style).
	hooks []repl
}

// frame is a level of place naming: the document, a container, a table,
// a row or a cell.
type frame struct {
	kind                       ekind
	prefix                     string // "table 2 row 3 cell 1", "header 1"
	paras, tables, rows, cells int
}

// scanner builds a part from its tokens.
type scanner struct {
	v        *vocab
	p        *part
	counters map[string]int // containers numbered across the document
	stack    []int          // open elements
	frames   []frame
	paraStk  []int // open paragraphs (text boxes nest them)
	props    int   // depth inside formatting elements
	inText   bool  // inside a DOCX w:t
	textBuf  strings.Builder
	spaces   string // the text of the open text:s
	char     int    // ODT: the text node of the character data being read, or -1
}

// scanPart reads a part's XML into elements, paragraphs and text nodes.
// root names the part's place ("header 1"), "" for the body.
func scanPart(name string, src []byte, v *vocab, root string, counters map[string]int) (*part, error) {
	p := &part{name: name, src: src, charText: v.charText}
	s := &scanner{v: v, p: p, counters: counters, frames: []frame{{prefix: root}}, char: -1}
	if err := scanXML(name, src, s.token); err != nil {
		return nil, err
	}
	return p, nil
}

func (s *scanner) token(t *token) error {
	switch t.kind {
	case tokStart:
		s.char = -1
		s.start(t)
	case tokEnd:
		s.char = -1
		s.end(t)
	case tokText:
		s.text(t)
	default:
		s.char = -1
	}
	return nil
}

// top returns the innermost open element, or -1.
func (s *scanner) top() int {
	if n := len(s.stack); n > 0 {
		return s.stack[n-1]
	}
	return -1
}

// curPara returns the innermost open paragraph's index in p.paras, or -1.
func (s *scanner) curPara() int {
	if n := len(s.paraStk); n > 0 {
		return s.paraStk[n-1]
	}
	return -1
}

func (s *scanner) start(t *token) {
	p := s.p
	idx, parent := len(p.elems), s.top()
	k := s.v.kinds[t.name]
	p.elems = append(p.elems, elem{name: t.name, kind: k, parent: parent, lastChild: -1,
		start: t.start, inner: t.end, close: t.end, end: t.end})
	s.stack = append(s.stack, idx)
	if parent >= 0 {
		p.elems[parent].lastChild = idx
		if p.elems[parent].kind == eRun && k != eProps {
			p.elems[parent].kids++
		}
	}
	if s.props > 0 || k == eProps {
		s.props++
		if k == eSectPr {
			s.markVisible()
		}
		return
	}
	switch k {
	case ePara:
		s.paraStk = append(s.paraStk, len(p.paras))
		p.paras = append(p.paras, para{elem: idx, place: s.paraPlace()})
	case eTable, eRow, eCell, eContainer:
		s.pushFrame(k, t)
	case eText:
		s.inText = true
		s.textBuf.Reset()
	case eSpace:
		s.spaces = s.v.spaces(t)
	case eRun, eLink, eDrawingID:
	default:
		if !s.v.inert[t.name] {
			s.markVisible()
		}
	}
}

// markVisible notes that the open paragraph shows something besides text.
func (s *scanner) markVisible() {
	if pi := s.curPara(); pi >= 0 {
		s.p.paras[pi].visible = true
	}
}

func (s *scanner) end(t *token) {
	p := s.p
	idx := s.top()
	s.stack = s.stack[:len(s.stack)-1]
	e := &p.elems[idx]
	e.close, e.end = t.start, t.end
	if s.props > 0 {
		s.props--
		return
	}
	switch e.kind {
	case ePara:
		s.paraStk = s.paraStk[:len(s.paraStk)-1]
	case eTable, eRow, eCell, eContainer:
		if len(s.frames) > 1 && s.frames[len(s.frames)-1].kind == e.kind {
			s.frames = s.frames[:len(s.frames)-1]
		}
	case eText:
		s.inText = false
		s.addNode(idx, e.start, e.end, s.textBuf.String())
	case eSpace:
		s.addNode(idx, e.start, e.end, s.spaces)
	}
}

func (s *scanner) text(t *token) {
	if s.inText {
		s.textBuf.WriteString(t.text)
		return
	}
	if !s.v.charText {
		return
	}
	parent := s.top()
	if parent < 0 {
		return
	}
	switch s.p.elems[parent].kind {
	case ePara, eRun, eLink:
	default:
		return
	}
	if s.char >= 0 {
		n := &s.p.nodes[s.char]
		n.end = t.end
		n.text = collapseSpaces(n.text + t.text)
		return
	}
	if s.addNode(parent, t.start, t.end, collapseSpaces(t.text)) {
		s.char = len(s.p.nodes) - 1
		if s.p.elems[parent].kind == eRun {
			s.p.elems[parent].kids++
		}
	}
}

// collapseSpaces reads ODF character data as Writer shows it: line breaks
// and tabs in the XML are blanks, and blanks in a row are one.
func collapseSpaces(s string) string {
	if !strings.ContainsAny(s, "\t\r\n") && !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	blank := false
	for _, r := range s {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			if !blank {
				b.WriteByte(' ')
			}
			blank = true
			continue
		}
		blank = false
		b.WriteRune(r)
	}
	return b.String()
}

// addNode adds a text node to the open paragraph; it reports false when
// no paragraph is open.
func (s *scanner) addNode(el, start, end int, text string) bool {
	pi := s.curPara()
	if pi < 0 {
		return false
	}
	holder := -1
	if k := s.p.elems[el].kind; k == eRun {
		holder = el
	} else if par := s.p.elems[el].parent; k != ePara && k != eLink && par >= 0 && s.p.elems[par].kind == eRun {
		holder = par
	}
	s.p.paras[pi].nodes = append(s.p.paras[pi].nodes, len(s.p.nodes))
	s.p.nodes = append(s.p.nodes, textNode{para: pi, elem: el, holder: holder, start: start, end: end, text: text, seg: -1})
	return true
}

// pushFrame opens a level of place naming.
func (s *scanner) pushFrame(k ekind, t *token) {
	f := &s.frames[len(s.frames)-1]
	var prefix string
	switch k {
	case eTable:
		f.tables++
		prefix = join(f.prefix, "table "+strconv.Itoa(f.tables))
	case eRow:
		if f.kind != eTable {
			return
		}
		f.rows++
		prefix = f.prefix + " row " + strconv.Itoa(f.rows)
	case eCell:
		if f.kind != eRow {
			return
		}
		f.cells++
		prefix = f.prefix + " cell " + strconv.Itoa(f.cells)
	case eContainer:
		label, ok := s.v.label(t)
		if !ok {
			label = "note"
		} else {
			s.counters[label]++
			label += " " + strconv.Itoa(s.counters[label])
		}
		prefix = join(f.prefix, label)
	}
	s.frames = append(s.frames, frame{kind: k, prefix: prefix})
}

// paraPlace counts a paragraph in the current frame and names its place.
func (s *scanner) paraPlace() lang.Place {
	f := &s.frames[len(s.frames)-1]
	f.paras++
	if f.kind == eCell {
		if f.paras == 1 {
			return lang.Place(f.prefix)
		}
		return lang.Place(f.prefix + " paragraph " + strconv.Itoa(f.paras))
	}
	return lang.Place(join(f.prefix, "paragraph "+strconv.Itoa(f.paras)))
}

// join joins two parts of a place with a blank.
func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + " " + b
}

// ancestor returns the nearest ancestor of element e of kind k, or -1.
func (p *part) ancestor(e int, k ekind) int {
	for e = p.elems[e].parent; e >= 0; e = p.elems[e].parent {
		if p.elems[e].kind == k {
			return e
		}
	}
	return -1
}
