package lang

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"rapport/model"
)

// tokKind is the kind of a token inside a tag.
type tokKind uint8

const (
	tokEOF tokKind = iota
	tokIdent
	tokNumber
	tokString
	tokAt
	tokOp
	tokPipe
	tokLParen
	tokRParen
)

// token is a token inside a tag; off is its offset in the segment's text.
type token struct {
	kind tokKind
	text string // the identifier, path, number, operator or decoded string
	off  int
}

// reserved words cannot start a field path.
// "as" and "group" are keywords only after an {#each}'s list, and "this"
// starts a path to the innermost loop item.
var reserved = map[string]bool{"and": true, "or": true, "not": true, "true": true, "false": true,
	"sum": true, "count": true, "min": true, "max": true}

// aggregates maps an aggregate's name to whether it takes a field.
var aggregates = map[string]bool{"sum": true, "min": true, "max": true, "count": false}

// tagParser parses the inside of one tag.
type tagParser struct {
	seg   *Segment
	src   string // the whole segment text
	i     int    // next byte to scan
	end   int    // end of the tag's inner text
	tok   token  // current token
	cfg   *Config
	depth int
}

// parseError is raised (as a panic inside the parser only) and recovered
// by parseTag, which keeps the many small parse functions free of error
// plumbing.
type parseError struct{ err *Error }

// fail stops parsing the tag with an error at off.
func (p *tagParser) fail(off int, format string, args ...any) {
	panic(parseError{errAt(p.seg, off, model.EINVALID, format, args...)})
}

// parseTag parses the item's inner text.
func parseTag(seg *Segment, it *item, cfg *Config) (t *tag, err *Error) {
	p := &tagParser{seg: seg, src: seg.Text, i: it.off + 1, end: it.end - 1, cfg: cfg}
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(parseError)
			if !ok {
				panic(r)
			}
			t, err = nil, pe.err
		}
	}()
	p.skipSpace()
	t = &tag{off: it.off}
	switch {
	case p.i < p.end && p.src[p.i] == '!':
		t.kind = tagComment
		return t, nil
	case p.i < p.end && p.src[p.i] == '#':
		p.i++
		p.blockTag(t)
	case p.i < p.end && p.src[p.i] == '/':
		p.i++
		p.closeTag(t)
	default:
		p.next()
		if p.tok.kind == tokEOF {
			p.fail(it.off, "empty placeholder {}; write {{ for a literal brace")
		}
		t.pipe = p.pipeline()
	}
	if p.tok.kind != tokEOF {
		p.fail(p.tok.off, "unexpected %s in %s", p.describe(), t.name())
	}
	return t, nil
}

// blockTag parses what follows "{#".
func (p *tagParser) blockTag(t *tag) {
	kw, off := p.word()
	p.next()
	switch kw {
	case "if":
		t.kind = tagIf
	case "elseif":
		t.kind = tagElseIf
	case "else":
		t.kind = tagElse
		if p.isWord("if") { // {#else if …}
			t.kind = tagElseIf
			p.next()
		}
	case "each":
		t.kind = tagEach
		t.loop = p.loopHead()
		return
	default:
		p.fail(off, "unknown block {#%s}; blocks are {#if}, {#elseif}, {#else} and {#each}", kw)
	}
	if t.kind != tagElse {
		t.cond = p.expr()
	}
}

// closeTag parses what follows "{/".
func (p *tagParser) closeTag(t *tag) {
	kw, off := p.word()
	switch kw {
	case "if":
		t.kind = tagEndIf
	case "each":
		t.kind = tagEndEach
	default:
		p.fail(off, "unknown closing tag {/%s}; write {/if} or {/each}", kw)
	}
	p.next()
}

// word scans the keyword right after "#" or "/".
func (p *tagParser) word() (string, int) {
	start := p.i
	for p.i < p.end {
		r, n := utf8.DecodeRuneInString(p.src[p.i:])
		if !unicode.IsLetter(r) {
			break
		}
		p.i += n
	}
	return p.src[start:p.i], start
}

// loopHead parses "list [group "field"] [as name]".
func (p *tagParser) loopHead() *loopSpec {
	l := &loopSpec{list: p.primary()}
	if p.isWord("group") {
		p.next()
		l.group = p.fieldRef("group")
	}
	if p.isWord("as") {
		p.next()
		if p.tok.kind != tokIdent || strings.Contains(p.tok.text, ".") || reserved[p.tok.text] {
			p.fail(p.tok.off, "as needs a plain name such as line")
		}
		l.name = p.tok.text
		p.next()
	}
	return l
}

// pipeline parses expr (| formatter args...)*.
func (p *tagParser) pipeline() *pipeExpr {
	off := p.tok.off
	pe := &pipeExpr{off: off, x: p.expr()}
	for p.tok.kind == tokPipe {
		p.next()
		pe.stages = append(pe.stages, p.stage())
	}
	return pe
}

// stage parses one formatter with its arguments.
func (p *tagParser) stage() stage {
	if p.tok.kind != tokIdent || strings.Contains(p.tok.text, ".") {
		p.fail(p.tok.off, "a formatter name must follow |")
	}
	st := stage{off: p.tok.off, name: p.tok.text}
	st.f = p.cfg.formatter(st.name)
	if st.f == nil {
		p.fail(st.off, "unknown formatter %s; formatters are %s", st.name, p.cfg.formatterNames())
	}
	p.next()
	for p.tok.kind != tokEOF && p.tok.kind != tokPipe && p.tok.kind != tokRParen {
		st.args = append(st.args, p.primary())
	}
	if len(st.args) < st.f.MinArgs || len(st.args) > st.f.MaxArgs {
		p.fail(st.off, "%s takes %s", st.name, argCount(st.f))
	}
	if st.f.Check != nil {
		if msg := st.f.Check(literalArgs(st.args)); msg != "" {
			p.fail(st.off, "%s: %s", st.name, msg)
		}
	}
	return st
}

// argCount describes how many arguments a formatter takes.
func argCount(f *Formatter) string {
	switch {
	case f.MaxArgs == 0:
		return "no arguments"
	case f.MinArgs == f.MaxArgs:
		return fmt.Sprintf("%d argument(s)", f.MinArgs)
	}
	return fmt.Sprintf("%d to %d arguments", f.MinArgs, f.MaxArgs)
}

// literalArgs returns the arguments' values where they are literals (nil
// for paths and other expressions), for the parse-time checks.
func literalArgs(args []expr) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if l, ok := a.(*literal); ok {
			out[i] = l.v
		}
	}
	return out
}

// expr parses an or-expression.
func (p *tagParser) expr() expr {
	p.enter()
	defer func() { p.depth-- }()
	x := p.and()
	for p.isWord("or") {
		off := p.tok.off
		p.next()
		x = &logicExpr{off: off, x: x, y: p.and()}
	}
	return x
}

func (p *tagParser) and() expr {
	x := p.not()
	for p.isWord("and") {
		off := p.tok.off
		p.next()
		x = &logicExpr{off: off, and: true, x: x, y: p.not()}
	}
	return x
}

func (p *tagParser) not() expr {
	if p.isWord("not") {
		off := p.tok.off
		p.next()
		p.enter()
		defer func() { p.depth-- }()
		return &notExpr{off: off, x: p.not()}
	}
	x := p.operand()
	if p.tok.kind == tokOp {
		op, off := p.tok.text, p.tok.off
		if op == "==" {
			op = "="
		}
		p.next()
		return &cmpExpr{off: off, op: op, x: x, y: p.operand()}
	}
	return x
}

// operand parses an aggregate or a primary.
func (p *tagParser) operand() expr {
	if p.tok.kind != tokIdent {
		return p.primary()
	}
	takesField, ok := aggregates[p.tok.text]
	if !ok {
		return p.primary()
	}
	a := &aggExpr{off: p.tok.off, fn: p.tok.text}
	p.next()
	a.list = p.primary()
	if takesField && p.tok.kind == tokString {
		a.field = p.fieldRef(a.fn)
	}
	return a
}

// fieldRef parses a string naming a field of a list's items.
func (p *tagParser) fieldRef(what string) *fieldRef {
	if p.tok.kind != tokString {
		p.fail(p.tok.off, `%s needs a field name in quotes, such as "net_amount"`, what)
	}
	f := &fieldRef{off: p.tok.off, text: p.tok.text, parts: strings.Split(p.tok.text, ".")}
	for _, part := range f.parts {
		if !isName(part) && !isIndex(part) {
			p.fail(f.off, "%q is not a field path", f.text)
		}
	}
	p.next()
	return f
}

// primary parses a literal, a path, an @-variable, or a parenthesised
// pipeline.
func (p *tagParser) primary() expr {
	t := p.tok
	switch t.kind {
	case tokNumber:
		p.next()
		return &literal{off: t.off, v: decimal.RequireFromString(t.text)}
	case tokString:
		p.next()
		return &literal{off: t.off, v: t.text}
	case tokAt:
		switch t.text {
		case "index", "number", "first", "last":
		default:
			p.fail(t.off, "unknown @%s; loops give @index, @number, @first and @last", t.text)
		}
		p.next()
		return &atVar{off: t.off, name: t.text}
	case tokLParen:
		p.next()
		p.enter()
		pe := p.pipeline()
		p.depth--
		if p.tok.kind != tokRParen {
			p.fail(t.off, "the ( opened here is not closed")
		}
		p.next()
		return pe
	case tokIdent:
		return p.ident()
	}
	p.fail(t.off, "expected a field, a number or a string, found %s", p.describe())
	return nil
}

// ident parses true, false or a field path.
func (p *tagParser) ident() expr {
	t := p.tok
	p.next()
	switch t.text {
	case "true", "false":
		return &literal{off: t.off, v: t.text == "true"}
	}
	parts := strings.Split(t.text, ".")
	if reserved[parts[0]] {
		p.fail(t.off, "%s is a reserved word and cannot start a field path", parts[0])
	}
	for i, part := range parts {
		if !isName(part) && (i == 0 || !isIndex(part)) {
			p.fail(t.off, "%q is not a field path", t.text)
		}
	}
	return &pathExpr{off: t.off, text: t.text, parts: parts}
}

// enter counts nesting depth and stops at the limit.
func (p *tagParser) enter() {
	p.depth++
	if p.depth > p.cfg.Limits.MaxDepth {
		p.fail(p.tok.off, "expression nested deeper than %d levels", p.cfg.Limits.MaxDepth)
	}
}

// isWord reports whether the current token is the identifier w.
func (p *tagParser) isWord(w string) bool { return p.tok.kind == tokIdent && p.tok.text == w }

// describe names the current token for messages.
func (p *tagParser) describe() string {
	switch p.tok.kind {
	case tokEOF:
		return "end of tag"
	case tokString:
		return fmt.Sprintf("string %q", p.tok.text)
	}
	return fmt.Sprintf("%q", p.tok.text)
}

// skipSpace skips blanks, including the no-break spaces word processors put
// into text.
func (p *tagParser) skipSpace() {
	for p.i < p.end {
		r, n := utf8.DecodeRuneInString(p.src[p.i:])
		if !unicode.IsSpace(r) && r != '\u00a0' && r != '\u202f' {
			return
		}
		p.i += n
	}
}

// next scans the next token.
func (p *tagParser) next() {
	p.skipSpace()
	if p.i >= p.end {
		p.tok = token{kind: tokEOF, off: p.end}
		return
	}
	start := p.i
	r, _ := utf8.DecodeRuneInString(p.src[p.i:])
	switch {
	case closingQuotes[r] != "":
		p.tok = token{kind: tokString, text: p.stringLit(r), off: start}
	case r == '-' || (r >= '0' && r <= '9'):
		p.tok = token{kind: tokNumber, text: p.number(), off: start}
	case r == '@':
		p.i++
		w, _ := p.word()
		p.tok = token{kind: tokAt, text: w, off: start}
	case r == '_' || unicode.IsLetter(r):
		p.tok = token{kind: tokIdent, text: p.path(), off: start}
	case r == '|':
		p.i++
		p.tok = token{kind: tokPipe, text: "|", off: start}
	case r == '(':
		p.i++
		p.tok = token{kind: tokLParen, text: "(", off: start}
	case r == ')':
		p.i++
		p.tok = token{kind: tokRParen, text: ")", off: start}
	case strings.ContainsRune("=!<>", r):
		p.tok = token{kind: tokOp, text: p.operator(), off: start}
	default:
		p.fail(start, "unexpected character %q", r)
	}
}

// operator scans = == != < <= > >=.
func (p *tagParser) operator() string {
	start := p.i
	p.i++
	if p.i < p.end && p.src[p.i] == '=' {
		p.i++
	}
	op := p.src[start:p.i]
	if op == "!" {
		p.fail(start, "unexpected !; write != or not")
	}
	return op
}

// number scans -?digits(.digits)?.
func (p *tagParser) number() string {
	start := p.i
	if p.src[p.i] == '-' {
		p.i++
	}
	digits := p.digits()
	if p.i < p.end && p.src[p.i] == '.' {
		p.i++
		if p.digits() == 0 {
			p.fail(start, "%q is not a number", p.src[start:p.i])
		}
	}
	if digits == 0 {
		p.fail(start, "%q is not a number", p.src[start:p.i])
	}
	return p.src[start:p.i]
}

// digits scans ASCII digits and returns how many.
func (p *tagParser) digits() int {
	start := p.i
	for p.i < p.end && p.src[p.i] >= '0' && p.src[p.i] <= '9' {
		p.i++
	}
	return p.i - start
}

// path scans name(.name|.index)*.
func (p *tagParser) path() string {
	start := p.i
	for p.i < p.end {
		r, n := utf8.DecodeRuneInString(p.src[p.i:])
		if r != '.' && r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			break
		}
		p.i += n
	}
	return p.src[start:p.i]
}

// stringLit scans a quoted string and decodes its escapes.
func (p *tagParser) stringLit(q rune) string {
	start := p.i
	end := stringEnd(p.src[:p.end], p.i, q)
	if end < 0 {
		p.fail(start, "the string opened here is not closed")
	}
	_, closeLen := utf8.DecodeLastRuneInString(p.src[start:end])
	body := p.src[start+utf8.RuneLen(q) : end-closeLen]
	p.i = end
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' || i+1 == len(body) {
			b.WriteByte(c)
			continue
		}
		i++
		switch body[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		default:
			b.WriteByte(body[i])
		}
	}
	return b.String()
}

// isName reports whether s is an identifier.
func isName(s string) bool {
	for i, r := range s {
		if !(r == '_' || unicode.IsLetter(r) || (i > 0 && unicode.IsDigit(r))) {
			return false
		}
	}
	return s != ""
}

// isIndex reports whether s is a list index (digits).
func isIndex(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != "" && len(s) < 10
}
