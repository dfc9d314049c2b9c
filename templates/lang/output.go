package lang

import "strings"

// ChunkKind says where a chunk of output comes from.
type ChunkKind uint8

const (
	// ChunkText is the template's own text.
	ChunkText ChunkKind = iota
	// ChunkValue is a placeholder's value: data, to be escaped for the
	// output format.
	ChunkValue
	// ChunkRaw is a value the template marked with | raw: HTML that the
	// HTML renderer sanitises rather than escapes; other formats write it
	// as text.
	ChunkRaw
	// ChunkObject is a value a format layer's formatter returned (an
	// image ...); Object holds it and Text its fallback text.
	ChunkObject
)

// Chunk is one piece of evaluated output.
type Chunk struct {
	Kind   ChunkKind
	Text   string
	Object Object
	seg    *Segment // where a value's placeholder is, for the HTML checks
	off    int
}

// Output collects the chunks of evaluated pieces.
type Output struct {
	Chunks []Chunk
}

// String returns the output's text.
func (o *Output) String() string {
	var b strings.Builder
	for _, c := range o.Chunks {
		b.WriteString(c.Text)
	}
	return b.String()
}

// Reset empties the output, keeping its storage.
func (o *Output) Reset() { o.Chunks = o.Chunks[:0] }
