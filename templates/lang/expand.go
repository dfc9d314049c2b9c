package lang

import (
	"context"
	"strings"
)

// Instance is one output copy of a segment.
type Instance struct {
	Seg int // index in Template.Segments
	Out Output
}

// Expand evaluates the whole template from this scope, treating the
// segments as sibling units (lines, paragraphs): a block that spans
// segments repeats, keeps or drops the segments between its tags. It
// returns the output in document order; a segment appears once per copy
// (once per iteration of each loop around it), a segment cut by a block tag
// appears as separate instances for the parts before and after the tag, and
// segments without pieces (empty paragraphs) appear with empty output.
// Containers that repeat other units (table rows) walk the blocks
// themselves with Branch, Items and Render.
func (s *Scope) Expand() ([]Instance, error) {
	t := s.r.t
	x := &expander{t: t, all: Output{Chunks: make([]Chunk, 0, t.chunkHint.Load())}}
	err := x.walk(s, 0, len(t.flat))
	x.close()
	t.chunkHint.Store(int64(len(x.all.Chunks)))
	return x.out, err
}

// expander builds Expand's instances. All chunks go to one output; each
// instance gets its range of it when it is closed.
type expander struct {
	t     *Template
	out   []Instance
	all   Output
	start int  // the first chunk of the last instance
	open  bool // the last instance may take more pieces
}

// walk evaluates the pieces flat[from:to] in scope s.
func (x *expander) walk(s *Scope, from, to int) error {
	for i := from; i < to; i++ {
		pos := x.t.flat[i]
		if pos.Piece < 0 {
			x.cut()
			x.instance(pos.Seg)
			continue
		}
		piece := &x.t.Segments[pos.Seg].Pieces[pos.Piece]
		if !piece.IsTag() {
			x.instance(pos.Seg)
			if err := s.Render(piece, &x.all); err != nil {
				return err
			}
			continue
		}
		// Ranges end at else and close tags, so this is an opening tag.
		x.cut()
		if err := x.block(s, piece.Block); err != nil {
			return err
		}
		x.cut()
		i = piece.Block.flat[len(piece.Block.flat)-1]
	}
	return nil
}

// block evaluates a block that spans segments.
func (x *expander) block(s *Scope, b *Block) error {
	f := b.flat
	if b.Kind == IfBlock {
		i, err := s.Branch(b)
		if err != nil || i < 0 {
			return err
		}
		return x.walk(s, f[i]+1, f[i+1])
	}
	scopes, err := s.Items(b)
	if err != nil {
		return err
	}
	for _, sc := range scopes {
		x.cut()
		if err := x.walk(sc, f[0]+1, f[1]); err != nil {
			return err
		}
	}
	return nil
}

// instance makes sure the last instance is one of segment seg that takes
// the next piece.
func (x *expander) instance(seg int) {
	if n := len(x.out); !x.open || n == 0 || x.out[n-1].Seg != seg {
		x.close()
		x.out = append(x.out, Instance{Seg: seg})
		x.start = len(x.all.Chunks)
	}
	x.open = true
}

// close gives the last instance its chunks.
func (x *expander) close() {
	if n := len(x.out); n > 0 && x.out[n-1].Out.Chunks == nil {
		end := len(x.all.Chunks)
		x.out[n-1].Out.Chunks = x.all.Chunks[x.start:end:end]
	}
}

// cut makes the next piece start a new instance.
func (x *expander) cut() { x.open = false }

// Text evaluates the template and returns its output as plain text: every
// instance's text in order. Values are written as they are.
func (t *Template) Text(ctx context.Context, data map[string]any, env Env) (string, error) {
	insts, err := t.Start(ctx, data, env).Expand()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for i := range insts {
		for _, c := range insts[i].Out.Chunks {
			b.WriteString(c.Text)
		}
	}
	return b.String(), nil
}
