package lang

import (
	"fmt"
	"strings"

	"rapport/model"
)

// LintSource parses segments and checks them against a schema for a
// document merged from a record of type entity ("" accepts every record
// type's names). It returns the parse errors, or else Lint's.
func LintSource(cfg Config, s *Schema, entity string, segs ...Segment) Errors {
	t, err := Parse(cfg, segs...)
	if err != nil {
		return err.(Errors)
	}
	return t.Lint(s, entity)
}

// Lint checks every field path against the schema (unknown fields, with a
// suggestion), that loops and aggregates get lists, that number and date
// formatters get numbers and dates, and that no placeholder writes a whole
// record or list of records. It returns nil when all is well.
func (t *Template) Lint(s *Schema, entity string) Errors {
	roots, err := s.Roots(entity)
	if err != nil {
		return Errors{{Code: model.EINVALID, Column: 1, Msg: err.Error()}}
	}
	l := &linter{roots: roots}
	for _, pos := range t.flat {
		if pos.Piece < 0 {
			continue
		}
		p := &t.Segments[pos.Seg].Pieces[pos.Piece]
		switch {
		case !p.IsTag():
			l.nodes(p.nodes, p.seg)
		case p.Role == RoleOpen:
			l.open(p.Block)
		case p.Role == RoleClose && p.Block.Kind == EachBlock:
			l.frames = l.frames[:len(l.frames)-1]
		}
	}
	return l.errs
}

// frame is a loop's item as lint sees it.
type frame struct {
	name string // "" for an item whose fields are names
	typ  *Type
}

// linter holds the state of one Lint.
type linter struct {
	roots  map[string]*Type
	frames []frame
	errs   Errors
}

var (
	anyType    = &Type{Kind: KindAny}
	textType   = &Type{Kind: KindText}
	numberType = &Type{Kind: KindNumber}
	boolType   = &Type{Kind: KindBool}
)

// add records an error.
func (l *linter) add(seg *Segment, off int, format string, args ...any) {
	if len(l.errs) < maxErrors {
		l.errs = append(l.errs, errAt(seg, off, model.EINVALID, format, args...))
	}
}

// nodes checks inline content.
func (l *linter) nodes(nodes []node, seg *Segment) {
	for _, n := range nodes {
		switch n := n.(type) {
		case *outputNode:
			l.output(n.pipe, seg)
		case *blockNode:
			l.open(n.b)
			for _, body := range n.bodies {
				l.nodes(body, seg)
			}
			if n.b.Kind == EachBlock {
				l.frames = l.frames[:len(l.frames)-1]
			}
		}
	}
}

// output checks a placeholder.
func (l *linter) output(pe *pipeExpr, seg *Segment) {
	t := l.typeOf(pe, seg)
	switch {
	case t.Kind == KindRecord:
		l.add(seg, pe.off, "%s is a record: name one of its fields", describe(pe))
	case t.Kind == KindList && t.Elem != nil && t.Elem.Kind == KindRecord:
		l.add(seg, pe.off, "%s is a list of records: repeat over it with {#each %s}", describe(pe), describe(pe))
	}
}

// open checks a block's head and enters an each-block's frame.
func (l *linter) open(b *Block) {
	if b.Kind == IfBlock {
		for _, c := range b.conds {
			l.typeOf(c, b.seg)
		}
		return
	}
	elem := l.listElem(b.loop.list, "{#each}", b.seg)
	f := frame{name: b.loop.name, typ: elem}
	if b.loop.group != nil {
		key := l.field(elem, b.loop.group, "group "+describe(b.loop.list), b.seg)
		f.typ = &Type{Kind: KindRecord, Fields: map[string]*Type{"key": key, "items": {Kind: KindList, Elem: elem}}}
		if f.name == "" {
			f.name = "group"
		}
	}
	l.frames = append(l.frames, f)
}

// listElem checks that e is a list and returns its item type.
func (l *linter) listElem(e expr, what string, seg *Segment) *Type {
	t := l.typeOf(e, seg)
	switch t.Kind {
	case KindList:
		if t.Elem != nil {
			return t.Elem
		}
	case KindRecord, KindText, KindNumber, KindBool, KindDate, KindTime:
		l.add(seg, e.pos(), "%s needs a list; %s is %s", what, describe(e), t)
	}
	return anyType
}

// field checks a field path relative to a list's items; what names the
// aggregate or group for messages.
func (l *linter) field(elem *Type, f *fieldRef, what string, seg *Segment) *Type {
	t := elem
	for i, part := range f.parts {
		next, msg := member(t, part, strings.Join(f.parts[:i], "."))
		if msg != "" {
			l.add(seg, f.off, "%s: %s", what, msg)
			return anyType
		}
		t = next
	}
	return t
}

// typeOf returns an expression's type and reports its mistakes.
func (l *linter) typeOf(e expr, seg *Segment) *Type {
	switch e := e.(type) {
	case *literal:
		switch e.v.(type) {
		case string:
			return textType
		case bool:
			return boolType
		}
		return numberType
	case *pathExpr:
		return l.path(e, seg)
	case *atVar:
		if len(l.frames) == 0 {
			l.add(seg, e.off, "@%s outside {#each}", e.name)
		}
		if e.name == "index" || e.name == "number" {
			return numberType
		}
		return boolType
	case *notExpr:
		l.typeOf(e.x, seg)
		return boolType
	case *logicExpr:
		l.typeOf(e.x, seg)
		l.typeOf(e.y, seg)
		return boolType
	case *cmpExpr:
		l.compared(e, seg)
		return boolType
	case *aggExpr:
		return l.aggregate(e, seg)
	case *pipeExpr:
		return l.pipe(e, seg)
	}
	return anyType
}

// compared checks that a comparison compares plain values.
func (l *linter) compared(e *cmpExpr, seg *Segment) {
	for _, x := range []expr{e.x, e.y} {
		if t := l.typeOf(x, seg); t.Kind == KindRecord || t.Kind == KindList {
			l.add(seg, x.pos(), "%s is %s and cannot be compared; compare one of its fields or its count", describe(x), t)
		}
	}
}

// aggregate checks sum, min, max and count.
func (l *linter) aggregate(e *aggExpr, seg *Segment) *Type {
	elem := l.listElem(e.list, e.fn, seg)
	if e.fn == "count" {
		return numberType
	}
	t := elem
	if e.field != nil {
		t = l.field(elem, e.field, e.fn+" "+describe(e.list), seg)
	}
	if e.fn == "sum" && t.Kind != KindNumber && t.Kind != KindAny {
		l.add(seg, e.off, "sum needs numbers; the items' %s is %s", fieldName(e.field), t)
	}
	if e.fn == "sum" {
		return numberType
	}
	return t
}

// fieldName shows an aggregate's field for messages.
func fieldName(f *fieldRef) string {
	if f == nil {
		return "value"
	}
	return f.text
}

// formatterInput says which values the built-in formatters take.
var formatterInput = map[string][]Kind{
	"money": {KindNumber}, "number": {KindNumber}, "percent": {KindNumber}, "date": {KindDate, KindTime},
}

// pipe checks a pipeline's formatters and their arguments.
func (l *linter) pipe(e *pipeExpr, seg *Segment) *Type {
	t := l.typeOf(e.x, seg)
	for _, st := range e.stages {
		for _, a := range st.args {
			l.typeOf(a, seg)
		}
		if kinds, ok := formatterInput[st.name]; ok && builtins[st.name] == st.f && !accepts(kinds, t) {
			l.add(seg, st.off, "%s needs %s; %s is %s", st.name, (&Type{Kind: kinds[0]}).String(), describe(e.x), t)
		}
		switch {
		case st.name == "default" && builtins[st.name] == st.f:
		case builtins[st.name] == st.f:
			t = textType
		default:
			t = anyType
		}
	}
	return t
}

// accepts reports whether a value of type t suits a formatter that takes
// the kinds: unknown types pass, and text may hold numbers or dates only
// when it is anything (custom fields).
func accepts(kinds []Kind, t *Type) bool {
	if t.Kind == KindAny {
		return true
	}
	for _, k := range kinds {
		if t.Kind == k {
			return true
		}
	}
	return false
}

// path resolves a field path through the loop items and the roots.
func (l *linter) path(e *pathExpr, seg *Segment) *Type {
	t := l.head(e, seg)
	if t == nil {
		return anyType
	}
	for i, part := range e.parts[1:] {
		next, msg := member(t, part, strings.Join(e.parts[:i+1], "."))
		if msg != "" {
			l.add(seg, e.off, "%s", msg)
			return anyType
		}
		t = next
	}
	return t
}

// head resolves a path's first name, or reports it unknown.
func (l *linter) head(e *pathExpr, seg *Segment) *Type {
	name := e.parts[0]
	if name == "this" {
		if len(l.frames) == 0 {
			l.add(seg, e.off, "this outside {#each}")
			return nil
		}
		return l.frames[len(l.frames)-1].typ
	}
	var names []string
	for i := len(l.frames) - 1; i >= 0; i-- {
		f := l.frames[i]
		if f.name == name {
			return f.typ
		}
		if f.name == "" {
			if f.typ.Kind == KindAny {
				return anyType // the item may have any field
			}
			if t, ok := f.typ.Fields[name]; ok {
				return t
			}
			names = append(names, f.typ.FieldNames()...)
		} else {
			names = append(names, f.name)
		}
	}
	if t, ok := l.roots[name]; ok {
		return t
	}
	for n := range l.roots {
		names = append(names, n)
	}
	l.add(seg, e.off, "unknown field %s%s", name, suggest(name, names, ""))
	return nil
}

// member looks up a path part below a value of type t; prefix is the path
// so far. It returns the part's type, or a message.
func member(t *Type, part, prefix string) (*Type, string) {
	full := part
	if prefix != "" {
		full = prefix + "." + part
	}
	switch t.Kind {
	case KindAny:
		return anyType, ""
	case KindRecord:
		if f, ok := t.Fields[part]; ok {
			return f, ""
		}
		return nil, fmt.Sprintf("unknown field %s%s", full, suggest(part, t.FieldNames(), prefix))
	case KindList:
		if isIndex(part) {
			return t.Elem, ""
		}
		return nil, fmt.Sprintf("%s is a list: repeat over it with {#each %s} or pick an item such as %s.0", prefix, prefix, prefix)
	}
	if prefix == "" {
		return nil, fmt.Sprintf("the items are %s and have no field %s", t, part)
	}
	return nil, fmt.Sprintf("%s is %s and has no field %s", prefix, t, part)
}

// suggest returns "; did you mean prefix.x?" for the closest of names, or "".
func suggest(name string, names []string, prefix string) string {
	best, bestDist := "", 0
	for _, n := range names {
		d := editDistance(strings.ToLower(name), strings.ToLower(n))
		if best == "" || d < bestDist || (d == bestDist && n < best) {
			best, bestDist = n, d
		}
	}
	if best == "" || bestDist > max(2, len(name)/3) {
		return ""
	}
	if prefix != "" {
		best = prefix + "." + best
	}
	return "; did you mean " + best + "?"
}

// editDistance is the Damerau–Levenshtein distance (with transpositions)
// between a and b, by bytes.
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
