package lang

// expr is an expression inside a tag. pos is its byte offset in the
// segment's text, for error places.
type expr interface{ pos() int }

// literal is a number (decimal.Decimal), a string or a boolean.
type literal struct {
	off int
	v   any
}

// pathExpr is a field path such as contact.first_name or quote.lines.0.
// A path that starts with "this" starts at the innermost loop's item.
type pathExpr struct {
	off   int
	text  string
	parts []string
}

// atVar is @index, @number, @first or @last of the innermost loop.
type atVar struct {
	off  int
	name string
}

// notExpr is "not x".
type notExpr struct {
	off int
	x   expr
}

// logicExpr is "x and y" or "x or y".
type logicExpr struct {
	off  int
	and  bool
	x, y expr
}

// cmpExpr compares two operands with = != < <= > >=.
type cmpExpr struct {
	off  int
	op   string
	x, y expr
}

// aggExpr is an aggregate over a list: sum, min, max (of a field of the
// items, or of the items themselves) or count.
type aggExpr struct {
	off   int
	fn    string
	list  expr
	field *fieldRef // nil: the items themselves
}

// fieldRef is a field path relative to a list's items, written as a string
// ("net_amount", "product.name") in aggregates and groups.
type fieldRef struct {
	off   int
	text  string
	parts []string
}

// pipeExpr is a value sent through formatters: x | f a b | g.
type pipeExpr struct {
	off    int
	x      expr
	stages []stage
}

// stage is one formatter of a pipeline with its arguments.
type stage struct {
	off  int
	name string
	f    *Formatter
	args []expr
}

func (e *literal) pos() int   { return e.off }
func (e *pathExpr) pos() int  { return e.off }
func (e *atVar) pos() int     { return e.off }
func (e *notExpr) pos() int   { return e.off }
func (e *logicExpr) pos() int { return e.off }
func (e *cmpExpr) pos() int   { return e.off }
func (e *aggExpr) pos() int   { return e.off }
func (e *pipeExpr) pos() int  { return e.off }

// tagKind says what a tag is.
type tagKind uint8

const (
	tagOutput tagKind = iota // {expr | formatter ...}
	tagComment
	tagIf
	tagElseIf
	tagElse
	tagEndIf
	tagEach
	tagEndEach
)

// tag is a parsed tag.
type tag struct {
	kind tagKind
	off  int
	pipe *pipeExpr // output
	cond expr      // if, elseif
	loop *loopSpec // each
}

// silent reports whether the tag writes nothing itself (block tags and
// comments), which makes a line of only such tags disappear.
func (t *tag) silent() bool { return t.kind != tagOutput }

// name is how the tag is written, for messages.
func (t *tag) name() string {
	return [...]string{"placeholder", "comment", "{#if}", "{#elseif}", "{#else}", "{/if}", "{#each}", "{/each}"}[t.kind]
}

// loopSpec is the head of an {#each}: the list, the name of the item, and
// the field the items are grouped by.
type loopSpec struct {
	list  expr
	name  string    // "" without "as": the item's fields are names in the body
	group *fieldRef // non-nil: iterate groups {key, items}
}

// node is inline content: text, a placeholder, or a block whose tags are all
// in one segment.
type node interface{}

// textNode is literal text.
type textNode struct{ text string }

// outputNode is a placeholder.
type outputNode struct{ pipe *pipeExpr }

// blockNode is an {#if} or {#each} within one segment, with its bodies.
type blockNode struct {
	b      *Block
	bodies [][]node
}
