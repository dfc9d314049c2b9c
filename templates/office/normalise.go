package office

import (
	"sort"
	"strings"
	"unicode/utf8"

	"rapport/templates/lang"
)

// normalise gathers every tag that the word processor split across text
// nodes into the node where the tag starts: that node keeps the tag's
// formatting, the following nodes lose the tag's text, and nodes left empty
// disappear with their runs. Nodes that no tag touches stay as they are.
func (p *part) normalise() {
	for i := range p.paras {
		p.normalisePara(&p.paras[i])
	}
}

func (p *part) normalisePara(pa *para) {
	if len(pa.nodes) < 2 {
		return
	}
	cuts := make([]int, len(pa.nodes)+1)
	var b strings.Builder
	for i, n := range pa.nodes {
		cuts[i] = b.Len()
		b.WriteString(p.nodes[n].text)
	}
	cuts[len(pa.nodes)] = b.Len()
	text := b.String()
	if !strings.Contains(text, "{") {
		return
	}
	orig := append([]int(nil), cuts...)
	moved := false
	for _, sp := range lang.Tags(text) {
		i, j := nodeAt(cuts, sp[0]), nodeAt(cuts, sp[1]-1)
		for k := i + 1; k <= j; k++ {
			cuts[k] = sp[1]
			moved = true
		}
	}
	if !moved {
		return
	}
	for k, n := range pa.nodes {
		if cuts[k] != orig[k] || cuts[k+1] != orig[k+1] {
			p.nodes[n].text = text[cuts[k]:cuts[k+1]]
			p.nodes[n].changed = true
		}
	}
}

// nodeAt returns the index of the node whose range [cuts[k], cuts[k+1])
// holds offset off.
func nodeAt(cuts []int, off int) int {
	k := sort.Search(len(cuts)-1, func(k int) bool { return off < cuts[k+1] })
	return min(k, len(cuts)-2)
}

// emptied reports whether normalisation took all of a node's text.
func (n *textNode) emptied() bool { return n.changed && n.text == "" }

// removedRuns returns the runs whose every visible child is an emptied
// text node: they disappear whole.
func (p *part) removedRuns() map[int]bool {
	emptied := map[int]int{}
	for i := range p.nodes {
		if n := &p.nodes[i]; n.emptied() && n.holder >= 0 {
			emptied[n.holder]++
		}
	}
	out := map[int]bool{}
	for h, c := range emptied {
		if c >= p.elems[h].kids {
			out[h] = true
		}
	}
	return out
}

// segments makes a lang.Segment of every node with a tag (or with text
// that normalisation moved), placed by its paragraph; Offset counts the
// paragraph's characters before it, so that errors give paragraph columns.
func (p *part) segments() []lang.Segment {
	var segs []lang.Segment
	for pi := range p.paras {
		pa := &p.paras[pi]
		col := 0
		for _, ni := range pa.nodes {
			n := &p.nodes[ni]
			if n.changed && n.text != "" || strings.ContainsAny(n.text, "{}") {
				n.seg = len(segs)
				p.segs = append(p.segs, ni)
				segs = append(segs, lang.Segment{Place: pa.place, Text: n.text, Offset: col})
			}
			col += utf8.RuneCountInString(n.text)
		}
	}
	return segs
}

// countTags notes, after parsing, which paragraphs hold block tags and
// whether they show anything else.
func (p *part) countTags() {
	for pi := range p.paras {
		pa := &p.paras[pi]
		for _, ni := range pa.nodes {
			n := &p.nodes[ni]
			if n.seg < 0 {
				if strings.TrimSpace(n.text) != "" {
					pa.other = true
				}
				continue
			}
			for k := range p.tmpl.Segments[n.seg].Pieces {
				switch pc := &p.tmpl.Segments[n.seg].Pieces[k]; {
				case pc.IsTag():
					pa.tags++
				case !pc.Blank():
					pa.other = true
				}
			}
		}
	}
}

// tagOnly reports whether a paragraph holds block tags and nothing else
// that shows.
func (pa *para) tagOnly() bool { return pa.tags > 0 && !pa.other && !pa.visible }
