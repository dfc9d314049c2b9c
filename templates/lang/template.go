package lang

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"rapport/model"
)

// Segment is a run of template text that a format layer hands over with its
// place: a DOCX or ODT text run after run normalisation, a paragraph, a
// table cell, or a whole HTML or plain-text template. A placeholder must
// lie within one segment; blocks may span segments.
type Segment struct {
	Place Place
	Text  string
	// Offset is how many characters of its place come before Text, when a
	// place holds several segments (the runs of a DOCX paragraph): error
	// columns count from the start of the place.
	Offset int
	// Pieces is what Parse made of Text, in order: inline content (text,
	// placeholders, and blocks whose tags all lie in this segment) and the
	// tags of blocks that span segments.
	Pieces []Piece
}

// TagOnly reports whether the segment holds tags of blocks that span
// segments and nothing else but blanks: a paragraph holding only
// "{#each quote.lines}" is dropped from the output by the container.
func (s *Segment) TagOnly() bool {
	tags := 0
	for i := range s.Pieces {
		switch p := &s.Pieces[i]; {
		case p.IsTag():
			tags++
		case !p.Blank():
			return false
		}
	}
	return tags > 0
}

// TagRole says which tag of its block a tag piece is.
type TagRole uint8

const (
	// RoleOpen is {#if …} or {#each …}.
	RoleOpen TagRole = iota
	// RoleElse is {#elseif …} or {#else}.
	RoleElse
	// RoleClose is {/if} or {/each}.
	RoleClose
)

// Piece is part of a segment: inline content, or one tag of a block that
// spans segments.
type Piece struct {
	// Start and End are the piece's byte offsets in the segment's text.
	Start, End int
	// Block is set for the tag of a block that spans segments; Role says
	// which tag it is and Branch, for RoleElse, which branch it starts (1
	// for the first {#elseif} or {#else}).
	Block  *Block
	Role   TagRole
	Branch int
	nodes  []node
	seg    *Segment // for error places
}

// IsTag reports whether the piece is a tag of a block that spans segments.
func (p *Piece) IsTag() bool { return p.Block != nil }

// Blank reports whether the piece is inline content of nothing but blank
// text: no placeholder, no block.
func (p *Piece) Blank() bool {
	if p.IsTag() {
		return false
	}
	for _, n := range p.nodes {
		t, ok := n.(*textNode)
		if !ok || strings.TrimSpace(t.text) != "" {
			return false
		}
	}
	return true
}

// BlockKind is the kind of a block.
type BlockKind uint8

const (
	// IfBlock is {#if}…{#elseif}…{#else}…{/if}.
	IfBlock BlockKind = iota
	// EachBlock is {#each}…{/each}.
	EachBlock
)

// Pos addresses a piece: Template.Segments[Seg].Pieces[Piece].
type Pos struct{ Seg, Piece int }

// Block is an {#if} or {#each} whose tags lie in different segments. The
// container decides what the block repeats or drops (paragraphs, table
// rows, runs) and asks a Scope which branch to keep (Scope.Branch) or which
// items to repeat for (Scope.Items).
type Block struct {
	Kind BlockKind
	// Open, Else and Close are the positions of the block's tags; Else
	// holds the {#elseif} and {#else} tags in order.
	Open  Pos
	Else  []Pos
	Close Pos
	// Parent is the block that spans segments around this one, or nil.
	Parent *Block
	conds  []expr // IfBlock: the condition of each branch but a final {#else}
	loop   *loopSpec
	seg    *Segment // the segment of the opening tag, for error places
	off    int      // the opening tag's offset
	inline bool     // all tags in one segment: evaluated as a node
	flat   []int    // indexes of the tags in Template.flat: open, else..., close
}

// Branches returns how many bodies an IfBlock has ({#if}, each {#elseif}
// and a {#else}); an EachBlock has one.
func (b *Block) Branches() int { return 1 + len(b.Else) }

// Template is a parsed template. It is immutable and safe for concurrent
// evaluation: parse it once and evaluate it for many records.
type Template struct {
	Segments []Segment
	// Blocks are the blocks that span segments, in the order of their
	// opening tags.
	Blocks []*Block
	cfg    Config
	// flat lists every piece in document order, and {Seg, -1} for a
	// segment without pieces, for Expand.
	flat []Pos
	// chunkHint is how many chunks the last Expand wrote: the next one
	// allocates that much at once.
	chunkHint atomic.Int64
}

// Limits bound what a template may cost. Zero fields take the defaults.
type Limits struct {
	// MaxTemplateBytes bounds the text of all segments (default 2 MiB).
	MaxTemplateBytes int
	// MaxDepth bounds nested blocks, and nested expressions (default 32).
	MaxDepth int
	// MaxIterations bounds the loop iterations of one evaluation, all loops
	// together, plus the items aggregates and groups read (default 100,000).
	MaxIterations int
	// MaxOutputBytes bounds the text one evaluation writes (default 32 MiB).
	MaxOutputBytes int
	// MaxDuration bounds one evaluation's time, besides the context's
	// deadline (default 10 s).
	MaxDuration time.Duration
}

// DefaultLimits are the limits a zero Limits stands for.
var DefaultLimits = Limits{
	MaxTemplateBytes: 2 << 20,
	MaxDepth:         32,
	MaxIterations:    100_000,
	MaxOutputBytes:   32 << 20,
	MaxDuration:      10 * time.Second,
}

// withDefaults fills zero fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	pick := func(v, d int) int {
		if v > 0 {
			return v
		}
		return d
	}
	l.MaxTemplateBytes = pick(l.MaxTemplateBytes, DefaultLimits.MaxTemplateBytes)
	l.MaxDepth = pick(l.MaxDepth, DefaultLimits.MaxDepth)
	l.MaxIterations = pick(l.MaxIterations, DefaultLimits.MaxIterations)
	l.MaxOutputBytes = pick(l.MaxOutputBytes, DefaultLimits.MaxOutputBytes)
	if l.MaxDuration <= 0 {
		l.MaxDuration = DefaultLimits.MaxDuration
	}
	return l
}

// Config is how to parse: limits, and formatters besides the built-in ones
// (a format layer adds its own, such as an image formatter).
type Config struct {
	Limits Limits
	// Formatters are added to the built-in ones; a name here replaces a
	// built-in formatter of the same name.
	Formatters map[string]*Formatter
}

// formatter returns the formatter called name, or nil.
func (c *Config) formatter(name string) *Formatter {
	if f, ok := c.Formatters[name]; ok {
		return f
	}
	return builtins[name]
}

// formatterNames lists every formatter's name for messages.
func (c *Config) formatterNames() string {
	seen := map[string]bool{}
	for n := range builtins {
		seen[n] = true
	}
	for n := range c.Formatters {
		seen[n] = true
	}
	return strings.Join(sortedKeys(seen), ", ")
}

// ParseText parses a template that is one piece of text: an HTML or
// plain-text template.
func ParseText(cfg Config, text string) (*Template, error) {
	return Parse(cfg, Segment{Text: text})
}

// Parse parses the segments of a template. It reports every error it finds
// as Errors, each with its place.
func Parse(cfg Config, segs ...Segment) (*Template, error) {
	cfg.Limits = cfg.Limits.withDefaults()
	t := &Template{Segments: make([]Segment, len(segs)), cfg: cfg}
	size := 0
	for i, s := range segs {
		t.Segments[i] = Segment{Place: s.Place, Text: s.Text, Offset: s.Offset}
		size += len(s.Text)
	}
	if size > cfg.Limits.MaxTemplateBytes {
		e := &Error{Place: placeOf(t.Segments), Column: 1, Code: model.ETOOLARGE,
			Msg: fmt.Sprintf("the template has %d bytes of text; the limit is %d", size, cfg.Limits.MaxTemplateBytes)}
		return nil, Errors{e}
	}
	p := &parser{t: t, cfg: &t.cfg}
	items := p.lexAll()
	p.matchBlocks(items)
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	for i := range t.Segments {
		t.Segments[i].Pieces = p.pieces(i, items[i])
	}
	t.flatten()
	return t, nil
}

// flatten lists the pieces in document order and records where each
// block's tags are in that list.
func (t *Template) flatten() {
	for si := range t.Segments {
		pieces := t.Segments[si].Pieces
		if len(pieces) == 0 {
			t.flat = append(t.flat, Pos{si, -1})
		}
		for pi := range pieces {
			if b := pieces[pi].Block; b != nil {
				b.flat = append(b.flat, len(t.flat))
			}
			t.flat = append(t.flat, Pos{si, pi})
		}
	}
}

// placeOf returns the first segment's place.
func placeOf(segs []Segment) Place {
	if len(segs) == 0 {
		return ""
	}
	return segs[0].Place
}

// parser holds the state of one Parse.
type parser struct {
	t     *Template
	cfg   *Config
	errs  Errors
	stack []*Block // open blocks while matching
}

// add records an error, up to maxErrors.
func (p *parser) add(e *Error) {
	if len(p.errs) < maxErrors {
		p.errs = append(p.errs, e)
	}
}

// lexAll lexes every segment and parses its tags. A tag that does not
// parse is reported and then ignored, so the rest is still checked.
func (p *parser) lexAll() [][]item {
	all := make([][]item, len(p.t.Segments))
	for i := range p.t.Segments {
		seg := &p.t.Segments[i]
		items, err := lex(seg)
		if err != nil {
			p.add(err)
			continue
		}
		for j := range items {
			if !items[j].tag {
				continue
			}
			tg, err := parseTag(seg, &items[j], p.cfg)
			if err != nil {
				p.add(err)
				tg = &tag{kind: tagComment, off: items[j].off}
			}
			items[j].parsed = tg
		}
		all[i] = trimStandalone(seg.Text, items)
	}
	return all
}

// matchBlocks pairs opening, else and closing tags across all segments.
func (p *parser) matchBlocks(all [][]item) {
	for si := range all {
		seg := &p.t.Segments[si]
		for j := range all[si] {
			it := &all[si][j]
			if it.tag {
				p.matchTag(seg, it)
			}
		}
	}
	for _, b := range p.stack {
		p.add(errAt(b.seg, b.off, model.EINVALID, "%s is not closed: add %s", openName(b), closeName(b)))
	}
}

// matchTag places one tag in the block structure.
func (p *parser) matchTag(seg *Segment, it *item) {
	tg := it.parsed
	var top *Block
	if n := len(p.stack); n > 0 {
		top = p.stack[n-1]
	}
	switch tg.kind {
	case tagIf, tagEach:
		b := &Block{Kind: IfBlock, seg: seg, off: it.off, Parent: top}
		if tg.kind == tagEach {
			b.Kind, b.loop = EachBlock, tg.loop
		} else {
			b.conds = []expr{tg.cond}
		}
		if len(p.stack) >= p.cfg.Limits.MaxDepth {
			p.add(errAt(seg, it.off, model.EINVALID, "blocks nested deeper than %d levels", p.cfg.Limits.MaxDepth))
		}
		p.stack = append(p.stack, b)
		it.block, it.role = b, RoleOpen
	case tagElseIf, tagElse:
		switch {
		case top == nil || top.Kind != IfBlock:
			p.add(errAt(seg, it.off, model.EINVALID, "%s outside an {#if} block", tg.name()))
			return
		case len(top.Else) > len(top.conds)-1:
			p.add(errAt(seg, it.off, model.EINVALID, "%s after {#else}: the {#else} must come last", tg.name()))
			return
		}
		if tg.kind == tagElseIf {
			top.conds = append(top.conds, tg.cond)
		}
		top.Else = append(top.Else, Pos{})
		it.block, it.role, it.branch = top, RoleElse, len(top.Else)
	case tagEndIf, tagEndEach:
		p.close(seg, it, top)
	}
}

// close matches a closing tag with the innermost open block.
func (p *parser) close(seg *Segment, it *item, top *Block) {
	want := IfBlock
	if it.parsed.kind == tagEndEach {
		want = EachBlock
	}
	if top == nil {
		p.add(errAt(seg, it.off, model.EINVALID, "%s without an opening %s", it.parsed.name(), map[BlockKind]string{IfBlock: "{#if}", EachBlock: "{#each}"}[want]))
		return
	}
	p.stack = p.stack[:len(p.stack)-1]
	if top.Kind != want {
		l, c := position(top.seg, top.off)
		where := fmt.Sprintf("column %d", c)
		if l > 0 {
			where = fmt.Sprintf("line %d, %s", l, where)
		}
		if top.seg.Place != "" {
			where = string(top.seg.Place) + ", " + where
		}
		p.add(errAt(seg, it.off, model.EINVALID, "%s closes the %s opened at %s; close it with %s first", it.parsed.name(), openName(top), where, closeName(top)))
		return
	}
	top.inline = top.seg == seg
	it.block, it.role = top, RoleClose
}

// openName and closeName name a block's tags for messages.
func openName(b *Block) string {
	if b.Kind == EachBlock {
		return "{#each}"
	}
	return "{#if}"
}

func closeName(b *Block) string {
	if b.Kind == EachBlock {
		return "{/each}"
	}
	return "{/if}"
}

// pieces turns a segment's items into pieces.
func (p *parser) pieces(si int, items []item) []Piece {
	var out []Piece
	var cur []node
	start := 0
	flush := func(end int) {
		if len(cur) > 0 {
			out = append(out, Piece{Start: start, End: end, nodes: cur, seg: &p.t.Segments[si]})
			cur = nil
		}
	}
	for i := 0; i < len(items); {
		it := &items[i]
		if it.block != nil && !it.block.inline {
			flush(it.off)
			out = append(out, Piece{Start: it.off, End: it.end, Block: it.block, Role: it.role, Branch: it.branch})
			p.place(it, Pos{si, len(out) - 1})
			i++
			continue
		}
		if len(cur) == 0 {
			start = it.off
		}
		var n node
		n, i = p.node(items, i)
		if n != nil {
			cur = append(cur, n)
		}
	}
	flush(len(p.t.Segments[si].Text))
	return out
}

// place records a tag's position in its block, and lists the block.
func (p *parser) place(it *item, pos Pos) {
	b := it.block
	switch it.role {
	case RoleOpen:
		b.Open = pos
		p.t.Blocks = append(p.t.Blocks, b)
	case RoleElse:
		b.Else[it.branch-1] = pos
	case RoleClose:
		b.Close = pos
	}
}

// node turns the item at i (and, for an inline block, every item up to its
// closing tag) into a node, and returns the index after it.
func (p *parser) node(items []item, i int) (node, int) {
	it := &items[i]
	switch {
	case !it.tag:
		return &textNode{text: it.text}, i + 1
	case it.parsed.kind == tagOutput:
		return &outputNode{pipe: it.parsed.pipe}, i + 1
	case it.block == nil || it.role != RoleOpen:
		return nil, i + 1 // a comment
	}
	bn := &blockNode{b: it.block, bodies: [][]node{nil}}
	for i++; i < len(items); {
		if items[i].block == bn.b {
			if items[i].role == RoleClose {
				return bn, i + 1
			}
			bn.bodies = append(bn.bodies, nil)
			i++
			continue
		}
		var n node
		n, i = p.node(items, i)
		if n != nil {
			last := len(bn.bodies) - 1
			bn.bodies[last] = append(bn.bodies[last], n)
		}
	}
	return bn, i
}
