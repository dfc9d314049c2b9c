package office

import (
	"context"
	"io"
	"strconv"
	"unicode/utf8"

	"rapport/templates/lang"
)

// sink is where a merge writes a part: a buffer, or a buffered writer over
// a zip entry.
type sink interface {
	io.Writer
	io.StringWriter
	io.ByteWriter
}

// merge is the state of one output document: the pictures it inserts
// and the drawing ids it has given.
type merge struct {
	ctx    context.Context
	doc    *Doc
	images Images
	pics   map[string]*picture // by reference; nil: cannot be had
	order  []*picture
	rels   map[*part]*partRels // DOCX: the relationships each part gains
	ids    int
	// combined: records follow each other in one document, so hooks
	// write their combined form.
	combined bool
}

func (d *Doc) newMerge(ctx context.Context, images Images) *merge {
	return &merge{ctx: ctx, doc: d, images: images, pics: map[string]*picture{}, rels: map[*part]*partRels{}, ids: 1 << 20}
}

// walker writes one part of a merge.
type walker struct {
	m     *merge
	p     *part
	w     sink
	out   lang.Output
	blank bool // ODT: the last character written in this text was a blank
}

// walk writes nodes in scope s.
func (wk *walker) walk(s *lang.Scope, nodes []node) error {
	for i := range nodes {
		n := &nodes[i]
		switch n.kind {
		case nRaw:
			wk.blank = true
			if _, err := wk.w.Write(wk.p.src[n.a:n.b]); err != nil {
				return err
			}
		case nLit:
			wk.blank = true
			wk.w.WriteString(n.lit)
		case nID:
			wk.m.ids++
			wk.w.WriteString(strconv.Itoa(wk.m.ids))
		case nHook:
			if wk.m.combined {
				wk.w.WriteString(n.lit)
			} else {
				wk.w.Write(wk.p.src[n.a:n.b])
			}
		case nPiece:
			wk.out.Reset()
			if err := s.Render(n.piece, &wk.out); err != nil {
				return err
			}
			if err := wk.chunks(wk.out.Chunks); err != nil {
				return err
			}
		case nBlock:
			if err := wk.block(s, n); err != nil {
				return err
			}
		}
	}
	return nil
}

// block writes a block's kept body, or its body once per item.
func (wk *walker) block(s *lang.Scope, n *node) error {
	if n.block.Kind == lang.IfBlock {
		i, err := s.Branch(n.block)
		if err != nil || i < 0 || i >= len(n.bodies) {
			return err
		}
		return wk.walk(s, n.bodies[i])
	}
	items, err := s.Items(n.block)
	if err != nil {
		return err
	}
	for _, sc := range items {
		if err := wk.walk(sc, n.bodies[0]); err != nil {
			return err
		}
	}
	return nil
}

// chunks writes evaluated output: text, and pictures.
func (wk *walker) chunks(cs []lang.Chunk) error {
	f := wk.m.doc.f
	for i := range cs {
		c := &cs[i]
		if ref, ok := c.Object.(*imageRef); ok && c.Kind == lang.ChunkObject {
			pic, err := wk.m.picture(ref.ref)
			if err != nil {
				return err
			}
			if pic != nil {
				w, h := ref.size(pic)
				f.writePicture(wk, pic, w, h)
				continue
			}
		}
		f.writeText(wk, c.Text)
	}
	return nil
}

// escapeText writes s as XML character data, leaving out characters XML
// cannot hold; breaks writes a line break or a tab. With blank set (ODT,
// where blanks in a row collapse into one), a blank after a blank, or at
// the start of a text, is written as <text:s/>; *blank tells whether the
// last character written was a blank.
func escapeText(w sink, s string, breaks func(r rune), blank *bool) {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x80 {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 || r == 0xFFFE || r == 0xFFFF {
				w.WriteString(s[start:i])
				start = i + n
			}
			if blank != nil {
				*blank = false
			}
			i += n
			continue
		}
		special := c == '&' || c == '<' || c == '>' || c < 0x20 || c == ' ' && blank != nil && *blank
		if !special {
			if blank != nil {
				*blank = c == ' '
			}
			i++
			continue
		}
		w.WriteString(s[start:i])
		switch c {
		case '&':
			w.WriteString("&amp;")
		case '<':
			w.WriteString("&lt;")
		case '>':
			w.WriteString("&gt;")
		case ' ':
			w.WriteString("<text:s/>")
		case '\n', '\t':
			breaks(rune(c))
		}
		if blank != nil {
			*blank = c == ' ' || c == '\n' || c == '\t'
		}
		i++
		start = i
	}
	w.WriteString(s[start:])
}
