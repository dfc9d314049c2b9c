package office

import (
	"regexp"
	"slices"
	"sort"

	"rapport/templates/lang"
)

// docxTextOpen starts a rewritten w:t: spaces at its ends must stay.
const docxTextOpen = `<w:t xml:space="preserve">`

// repl is a byte range of a part that is not written as it is.
type repl struct {
	start, end int
	kind       nodeKind // nSkip, nPiece (a text node's segment), nID or nHook
	node       int      // nPiece: the text node
	lit        string   // nHook: what a combined document writes instead
}

// atomise cuts the part into atoms in document order: raw bytes (split at
// every offset in cuts), the pieces of text nodes with segments, drawing
// ids, and nothing for removed runs, emptied nodes and dropped paragraphs.
// It returns the atoms, the offset where each starts, and the atom of each
// tag piece (-1 for tags in dropped paragraphs).
func (p *part) atomise(drop map[int]bool, cuts []int) ([]node, []int, func(lang.Pos) int) {
	reps := p.replacements(drop)
	slices.Sort(cuts)
	a := &atomiser{p: p, cuts: slices.Compact(cuts), first: make([]int, len(p.segs))}
	for i := range a.first {
		a.first[i] = -1
	}
	pos, skipEnd := 0, -1
	for _, r := range reps {
		if r.start < skipEnd {
			continue // inside a dropped paragraph or removed run
		}
		a.raw(pos, r.start)
		a.repl(r)
		pos = r.end
		if r.kind == nSkip {
			skipEnd = r.end
		}
	}
	a.raw(pos, len(p.src))
	pieceAtom := func(pos lang.Pos) int {
		if f := a.first[pos.Seg]; f >= 0 {
			return f + pos.Piece
		}
		return -1
	}
	return a.atoms, a.offs, pieceAtom
}

// replacements lists the ranges not written as they are, by start (a
// range that holds others first).
func (p *part) replacements(drop map[int]bool) []repl {
	reps := slices.Clone(p.hooks)
	removed := p.removedRuns()
	for h := range removed {
		reps = append(reps, repl{start: p.elems[h].start, end: p.elems[h].end, kind: nSkip})
	}
	for e := range drop {
		reps = append(reps, repl{start: p.elems[e].start, end: p.elems[e].end, kind: nSkip})
	}
	for i := range p.nodes {
		n := &p.nodes[i]
		switch {
		case n.holder >= 0 && removed[n.holder]:
		case n.emptied():
			reps = append(reps, repl{start: n.start, end: n.end, kind: nSkip})
		case n.seg >= 0:
			reps = append(reps, repl{start: n.start, end: n.end, kind: nPiece, node: i})
		}
	}
	for i := range p.elems {
		if e := &p.elems[i]; e.kind == eDrawingID {
			if m := idAttr.FindSubmatchIndex(p.src[e.start:e.inner]); m != nil {
				reps = append(reps, repl{start: e.start + m[2], end: e.start + m[3], kind: nID})
			}
		}
	}
	sort.Slice(reps, func(i, j int) bool {
		if reps[i].start != reps[j].start {
			return reps[i].start < reps[j].start
		}
		return reps[i].end > reps[j].end
	})
	return reps
}

// idAttr finds the value of an element's id attribute.
var idAttr = regexp.MustCompile(`\sid\s*=\s*["']([^"']*)["']`)

// atomiser collects atoms.
type atomiser struct {
	p     *part
	cuts  []int
	atoms []node
	offs  []int
	first []int // the first piece atom of each segment
}

func (a *atomiser) add(off int, n node) {
	a.atoms = append(a.atoms, n)
	a.offs = append(a.offs, off)
}

// raw adds the bytes [from, to), cut at the cut offsets inside.
func (a *atomiser) raw(from, to int) {
	i := sort.SearchInts(a.cuts, from+1)
	for ; i < len(a.cuts) && a.cuts[i] < to; i++ {
		a.add(from, node{kind: nRaw, a: from, b: a.cuts[i]})
		from = a.cuts[i]
	}
	if from < to {
		a.add(from, node{kind: nRaw, a: from, b: to})
	}
}

// repl adds the atoms of a replaced range.
func (a *atomiser) repl(r repl) {
	switch r.kind {
	case nHook:
		a.add(r.start, node{kind: nHook, a: r.start, b: r.end, lit: r.lit})
		return
	case nSkip, nID:
		a.add(r.start, node{kind: r.kind})
		return
	}
	p := a.p
	n := &p.nodes[r.node]
	docx := !p.charText
	if docx {
		a.add(r.start, node{kind: nLit, lit: docxTextOpen})
	}
	seg := &p.tmpl.Segments[n.seg]
	a.first[n.seg] = len(a.atoms)
	for k := range seg.Pieces {
		kind := nPiece
		if seg.Pieces[k].IsTag() {
			kind = nSkip
		}
		a.add(r.start, node{kind: kind, piece: &seg.Pieces[k]})
	}
	if docx {
		e := &p.elems[n.elem]
		a.add(e.close, node{kind: nRaw, a: e.close, b: e.end})
	}
}
