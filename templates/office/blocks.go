package office

import (
	"fmt"
	"slices"
	"sort"
	"unicode/utf8"

	"rapport/model"
	"rapport/templates/lang"
)

// rule is what a block that spans text nodes repeats or drops.
type rule uint8

const (
	// ruleText: the XML between the tags, which must sit at the same depth
	// (in one paragraph, or in paragraphs side by side).
	ruleText rule = iota
	// ruleParas: the paragraphs between tag paragraphs, which disappear.
	ruleParas
	// ruleRows: the table rows from the opening tag's to the closing tag's
	// (tags in different cells of one table).
	ruleRows
)

// blk is a block that spans text nodes, as the part lays it out.
type blk struct {
	b      *lang.Block
	rule   rule
	tags   []lang.Pos // open, else..., close
	parent *blk
	// bodies are the atom ranges of the block's bodies; extent runs from
	// the first body's start to the last one's end.
	bodies [][2]int
	kids   []*blk
}

func (k *blk) start() int { return k.bodies[0][0] }
func (k *blk) end() int   { return k.bodies[len(k.bodies)-1][1] }

// node is a piece of a part's merge tree.
type node struct {
	kind   nodeKind
	a, b   int    // nRaw: bytes of the part
	lit    string // nLit
	piece  *lang.Piece
	block  *lang.Block
	bodies [][]node
}

// nodeKind is the kind of a tree node.
type nodeKind uint8

const (
	nRaw   nodeKind = iota // bytes of the template, written as they are
	nLit                   // text the engine writes (a rewritten start tag)
	nPiece                 // inline content to evaluate
	nID                    // a drawing id, renumbered per output
	nSkip                  // nothing (a tag, a removed run or paragraph)
	nHook                  // bytes a combined document writes as lit, others as they are
	nBlock                 // a block with its bodies
)

// layout decides what each block of the part's template repeats, cuts the
// part into atoms and builds its merge tree. contentStart and contentEnd
// bound the content a combined document repeats (0, 0 for other parts).
func (p *part) layout(contentStart, contentEnd int) error {
	blks, err := p.rules()
	if err != nil {
		return err
	}
	drop := p.dropped(blks)
	cuts := []int{contentStart, contentEnd}
	for _, k := range blks {
		cuts = append(cuts, p.cutsOf(k)...)
	}
	atoms, offs, pieceAtom := p.atomise(drop, cuts)
	atomAt := func(off int) int { return sort.SearchInts(offs, off) }
	for _, k := range blks {
		p.place(k, atomAt, pieceAtom)
	}
	top, err := p.nest(blks)
	if err != nil {
		return err
	}
	bounds := [4]int{0, atomAt(contentStart), atomAt(contentEnd), len(atoms)}
	if contentEnd == 0 {
		bounds = [4]int{0, len(atoms), len(atoms), len(atoms)}
	}
	var kids [3][]*blk
	for _, k := range top {
		r := 0
		for r < 2 && k.start() >= bounds[r+1] && bounds[r+1] < bounds[3] {
			r++
		}
		kids[r] = append(kids[r], k)
	}
	for r := range 3 {
		p.tree[r] = build(atoms, bounds[r], bounds[r+1], kids[r])
	}
	return nil
}

// rules chooses a rule for every block: rows when its tags lie in
// different cells of one table, paragraphs when its tags have paragraphs of
// their own side by side, else text, whose tags must sit at the same depth.
func (p *part) rules() ([]*blk, error) {
	t := p.tmpl
	byBlock := map[*lang.Block]*blk{}
	var blks []*blk
	for _, b := range t.Blocks {
		k := &blk{b: b, tags: slices.Concat([]lang.Pos{b.Open}, b.Else, []lang.Pos{b.Close})}
		switch {
		case p.rowsFit(k.tags):
			k.rule = ruleRows
		case p.parasFit(k.tags):
			k.rule = ruleParas
		}
		byBlock[b] = k
		blks = append(blks, k)
	}
	for _, k := range blks {
		k.parent = byBlock[k.b.Parent]
	}
	// A paragraph that must stay (it holds a tag of a text block) cannot
	// be the tag paragraph of a paragraph block, which becomes a text
	// block in turn.
	byPara := p.tagBlocks(blks)
	var work []int
	for pi, tagged := range byPara {
		if slices.ContainsFunc(tagged, func(k *blk) bool { return k.rule == ruleText }) {
			work = append(work, pi)
		}
	}
	for len(work) > 0 {
		pi := work[len(work)-1]
		work = work[:len(work)-1]
		for _, k := range byPara[pi] {
			if k.rule != ruleParas {
				continue
			}
			k.rule = ruleText
			for _, pos := range k.tags {
				work = append(work, p.tagNode(pos).para)
			}
		}
	}
	for _, k := range blks {
		if k.rule == ruleText {
			if err := p.textFits(k); err != nil {
				return nil, lang.Errors{err}
			}
		}
	}
	return blks, nil
}

// tagBlocks lists, per paragraph, the blocks with a tag in it.
func (p *part) tagBlocks(blks []*blk) map[int][]*blk {
	out := map[int][]*blk{}
	for _, k := range blks {
		for _, pos := range k.tags {
			pi := p.tagNode(pos).para
			if l := len(out[pi]); l == 0 || out[pi][l-1] != k {
				out[pi] = append(out[pi], k)
			}
		}
	}
	return out
}

// tagNode returns the text node of a tag.
func (p *part) tagNode(pos lang.Pos) *textNode { return &p.nodes[p.segs[pos.Seg]] }

// tagPara returns the paragraph element of a tag.
func (p *part) tagPara(pos lang.Pos) int { return p.paras[p.tagNode(pos).para].elem }

// rowsFit reports whether the tags lie in rows of one table, not all in
// one cell, each {#else} in a later row than the tag before it.
func (p *part) rowsFit(tags []lang.Pos) bool {
	rows := make([]int, len(tags))
	oneCell := true
	var cell0 int
	for i, pos := range tags {
		c := p.ancestor(p.tagPara(pos), eCell)
		if c < 0 {
			return false
		}
		if i == 0 {
			cell0 = c
		}
		oneCell = oneCell && c == cell0
		rows[i] = p.elems[c].parent
		if rows[i] < 0 || p.elems[rows[i]].kind != eRow || p.elems[rows[i]].parent != p.elems[rows[0]].parent {
			return false
		}
	}
	if oneCell {
		return false
	}
	n := len(rows) - 1
	for i := 1; i < n; i++ {
		if rows[i] <= rows[i-1] {
			return false
		}
	}
	return rows[n] >= rows[n-1]
}

// parasFit reports whether every tag has a paragraph of its own (tags and
// blanks only), all of them side by side under one parent.
func (p *part) parasFit(tags []lang.Pos) bool {
	prev := -1
	for _, pos := range tags {
		pa := &p.paras[p.tagNode(pos).para]
		if !pa.tagOnly() || prev >= 0 && pa.elem <= prev {
			return false
		}
		if prev >= 0 && p.elems[pa.elem].parent != p.elems[prev].parent {
			return false
		}
		prev = pa.elem
	}
	return true
}

// textFits checks that the text between consecutive tags can repeat: the
// tags sit at the same depth, in elements of the same names, and no table
// structure lies between them.
func (p *part) textFits(k *blk) *lang.Error {
	for i := 1; i < len(k.tags); i++ {
		a, b := p.path(p.tagNode(k.tags[i-1]).elem), p.path(p.tagNode(k.tags[i]).elem)
		ok := len(a) == len(b)
		for j := 0; ok && j < len(a); j++ {
			ok = p.elems[a[j]].name == p.elems[b[j]].name
			if ok && a[j] != b[j] {
				switch p.elems[a[j]].kind {
				case eTable, eRowGroup, eRow, eCell:
					ok = false
				}
			}
		}
		if !ok {
			return p.tagError(k.tags[i], "%s and the %s at %s do not sit in the same kind of place (%s and %s): "+
				"put both tags in one paragraph with the same formatting, each in a paragraph of its own, or in different cells of one table's rows",
				tagName(k, i), tagName(k, 0), p.where(k.tags[0]), p.paras[p.tagNode(k.tags[i-1]).para].place, p.paras[p.tagNode(k.tags[i]).para].place)
		}
	}
	return nil
}

// path returns the elements from the root down to e.
func (p *part) path(e int) []int {
	var out []int
	for ; e >= 0; e = p.elems[e].parent {
		out = append(out, e)
	}
	slices.Reverse(out)
	return out
}

// tagName names a block's i-th tag for messages.
func tagName(k *blk, i int) string {
	switch {
	case i == 0 && k.b.Kind == lang.EachBlock:
		return "{#each}"
	case i == 0:
		return "{#if}"
	case i == len(k.tags)-1 && k.b.Kind == lang.EachBlock:
		return "{/each}"
	case i == len(k.tags)-1:
		return "{/if}"
	}
	return "{#else}"
}

// where names a tag's place and column, as errors do.
func (p *part) where(pos lang.Pos) string {
	e := p.tagError(pos, "")
	return fmt.Sprintf("%s, column %d", e.Place, e.Column)
}

// tagError builds an error at a tag.
func (p *part) tagError(pos lang.Pos, format string, args ...any) *lang.Error {
	seg := &p.tmpl.Segments[pos.Seg]
	pc := &seg.Pieces[pos.Piece]
	col := seg.Offset + utf8.RuneCountInString(seg.Text[:pc.Start]) + 1
	return &lang.Error{Place: seg.Place, Column: col, Code: model.EINVALID, Msg: fmt.Sprintf(format, args...)}
}

// dropped returns the paragraphs (by element) that disappear: tag
// paragraphs whose tags all belong to row or paragraph blocks, except the
// last paragraph of a table cell, which the cell needs.
func (p *part) dropped(blks []*blk) map[int]bool {
	out := map[int]bool{}
	for pi, tagged := range p.tagBlocks(blks) {
		pa := &p.paras[pi]
		if !pa.tagOnly() || slices.ContainsFunc(tagged, func(k *blk) bool { return k.rule == ruleText }) {
			continue
		}
		if par := p.elems[pa.elem].parent; par >= 0 && p.elems[par].kind == eCell && p.elems[par].lastChild == pa.elem {
			continue
		}
		out[pa.elem] = true
	}
	return out
}

// cutsOf returns the offsets where a block's bodies start and end.
func (p *part) cutsOf(k *blk) []int {
	var out []int
	switch k.rule {
	case ruleRows:
		for _, r := range p.tagRows(k) {
			out = append(out, p.elems[r].start, p.elems[r].end)
		}
	case ruleParas:
		for _, pos := range k.tags {
			e := &p.elems[p.tagPara(pos)]
			out = append(out, e.start, e.end)
		}
	}
	return out
}

// tagRows returns the row element of each tag of a row block.
func (p *part) tagRows(k *blk) []int {
	rows := make([]int, len(k.tags))
	for i, pos := range k.tags {
		rows[i] = p.elems[p.ancestor(p.tagPara(pos), eCell)].parent
	}
	return rows
}

// place sets a block's bodies in atoms.
func (p *part) place(k *blk, atomAt func(int) int, pieceAtom func(lang.Pos) int) {
	n := len(k.tags) - 1
	k.bodies = make([][2]int, n)
	switch k.rule {
	case ruleRows:
		rows := p.tagRows(k)
		for i := range n {
			end := atomAt(p.elems[rows[i+1]].start)
			if i == n-1 {
				end = atomAt(p.elems[rows[n]].end)
			}
			k.bodies[i] = [2]int{atomAt(p.elems[rows[i]].start), end}
		}
	case ruleParas:
		for i := range n {
			k.bodies[i] = [2]int{atomAt(p.elems[p.tagPara(k.tags[i])].end), atomAt(p.elems[p.tagPara(k.tags[i+1])].start)}
		}
	default:
		for i := range n {
			k.bodies[i] = [2]int{pieceAtom(k.tags[i]) + 1, pieceAtom(k.tags[i+1])}
		}
	}
}

// nest hangs every block below its parent's body and checks that blocks
// do not overlap; it returns the top-level blocks.
func (p *part) nest(blks []*blk) ([]*blk, error) {
	var top []*blk
	for _, k := range blks {
		if k.parent == nil {
			top = append(top, k)
			continue
		}
		inside := slices.ContainsFunc(k.parent.bodies, func(b [2]int) bool { return b[0] <= k.start() && k.end() <= b[1] })
		if !inside {
			return nil, lang.Errors{p.tagError(k.tags[0], "the rows or paragraphs this %s repeats reach outside the %s at %s around it: "+
				"put that block's tags outside them", tagName(k, 0), tagName(k.parent, 0), p.where(k.parent.tags[0]))}
		}
		k.parent.kids = append(k.parent.kids, k)
	}
	check := func(sibs []*blk) error {
		for i := 1; i < len(sibs); i++ {
			if sibs[i].start() < sibs[i-1].end() {
				return lang.Errors{p.tagError(sibs[i].tags[0], "this %s and the %s at %s repeat or drop the same table rows or paragraphs: "+
					"put one inside the other", tagName(sibs[i], 0), tagName(sibs[i-1], 0), p.where(sibs[i-1].tags[0]))}
			}
		}
		return nil
	}
	if err := check(top); err != nil {
		return nil, err
	}
	for _, k := range blks {
		if err := check(k.kids); err != nil {
			return nil, err
		}
	}
	return top, nil
}

// build makes the tree of atoms [from, to) with the blocks that start in
// it, in order.
func build(atoms []node, from, to int, kids []*blk) []node {
	var out []node
	k := 0
	for i := from; i < to || k < len(kids) && kids[k].start() == i; {
		if k < len(kids) && kids[k].start() == i {
			b := kids[k]
			k++
			bn := node{kind: nBlock, block: b.b, bodies: make([][]node, len(b.bodies))}
			for j, body := range b.bodies {
				var in []*blk
				for _, kid := range b.kids {
					if body[0] <= kid.start() && kid.end() <= body[1] {
						in = append(in, kid)
					}
				}
				bn.bodies[j] = build(atoms, body[0], body[1], in)
			}
			out = append(out, bn)
			i = max(i, b.end())
			continue
		}
		out = appendNode(out, atoms[i])
		i++
	}
	return out
}

// appendNode appends a node, joining raw bytes that follow each other and
// leaving out nodes that write nothing.
func appendNode(out []node, n node) []node {
	if n.kind == nSkip {
		return out
	}
	if l := len(out) - 1; l >= 0 && n.kind == nRaw && out[l].kind == nRaw && out[l].b == n.a {
		out[l].b = n.b
		return out
	}
	return append(out, n)
}
