package lang

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"rapport/model"
	"rapport/templates/locale"
)

// Env is what an evaluation needs besides the data.
type Env struct {
	// Locale formats numbers, money and dates; nil means locale.Default().
	// Choose it with locale.Choose.
	Locale *locale.Locale
	// Location is the time zone times are shown in, and the one "today" is
	// taken in; nil means UTC.
	Location *time.Location
	// Currency is the currency of money whose record names none (see the
	// money formatter); usually the document's own currency.
	Currency string
	// Now is the moment of the merge, for "today"; zero means time.Now().
	Now time.Time
}

// run is the state one evaluation shares among its scopes: limits, the
// clock and the counters.
type run struct {
	ctx      context.Context
	t        *Template
	env      Env
	data     map[string]any
	today    model.Date
	deadline time.Time
	iters    int
	out      int
	steps    int
	err      error // the first limit error: once set, every call returns it
}

// Scope is where an evaluation stands: the data, and the loop items around
// the current position. Template.Start returns the root scope; Items returns
// one scope per loop iteration. The scopes of one evaluation share its
// counters and are for one goroutine; run evaluations in parallel instead.
type Scope struct {
	r      *run
	parent *Scope
	name   string         // the loop variable; "" for an item whose fields are names
	item   any            // the loop's current item
	owner  map[string]any // the record holding the list the loop walks
	index  int
	count  int
	call   Call // reused by every formatter call in this scope
}

// Start begins an evaluation of the template over data and returns its root
// scope. The evaluation stops with an error when ctx is done, or when the
// template's limits are exceeded (loop iterations, output size, time).
func (t *Template) Start(ctx context.Context, data map[string]any, env Env) *Scope {
	if env.Locale == nil {
		env.Locale = locale.Default()
	}
	if env.Location == nil {
		env.Location = time.UTC
	}
	if env.Now.IsZero() {
		env.Now = time.Now()
	}
	now := env.Now.In(env.Location)
	r := &run{ctx: ctx, t: t, env: env, data: data,
		today:    model.Date{Time: time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)},
		deadline: time.Now().Add(t.cfg.Limits.MaxDuration)}
	return &Scope{r: r}
}

// Env returns the evaluation's environment, with its defaults filled in.
func (s *Scope) Env() *Env { return &s.r.env }

// Branch evaluates an IfBlock's conditions and returns the index of the
// body to keep: 0 for the {#if}, i for the i-th {#elseif} or the {#else},
// or -1 when no body is kept.
func (s *Scope) Branch(b *Block) (int, error) {
	if b.Kind != IfBlock {
		return 0, fmt.Errorf("lang: Branch of an {#each} block")
	}
	return s.branch(b)
}

// Items evaluates an EachBlock's list and returns a scope for each item (for
// each group with "group"). Every iteration counts against the limit.
func (s *Scope) Items(b *Block) ([]*Scope, error) {
	if b.Kind != EachBlock {
		return nil, fmt.Errorf("lang: Items of an {#if} block")
	}
	return s.items(b)
}

// Render evaluates an inline piece and appends its output.
func (s *Scope) Render(p *Piece, out *Output) error {
	if p.IsTag() {
		return fmt.Errorf("lang: Render of a block tag")
	}
	if s.r.err != nil {
		return s.r.err
	}
	return s.render(p.nodes, p.seg, out)
}

// render evaluates nodes.
func (s *Scope) render(nodes []node, seg *Segment, out *Output) error {
	for _, n := range nodes {
		if err := s.r.tick(seg, 0); err != nil {
			return err
		}
		var err error
		switch n := n.(type) {
		case *textNode:
			err = s.write(out, Chunk{Kind: ChunkText, Text: n.text}, seg, 0)
		case *outputNode:
			err = s.output(n.pipe, seg, out)
		case *blockNode:
			err = s.block(n, seg, out)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// block evaluates an inline block.
func (s *Scope) block(n *blockNode, seg *Segment, out *Output) error {
	if n.b.Kind == IfBlock {
		i, err := s.branch(n.b)
		if err != nil || i < 0 {
			return err
		}
		return s.render(n.bodies[i], seg, out)
	}
	scopes, err := s.items(n.b)
	if err != nil {
		return err
	}
	for _, sc := range scopes {
		if err := sc.render(n.bodies[0], seg, out); err != nil {
			return err
		}
	}
	return nil
}

// output evaluates a placeholder and writes its chunk.
func (s *Scope) output(pe *pipeExpr, seg *Segment, out *Output) error {
	v, err := s.eval(pe, seg)
	if err != nil {
		return err
	}
	c := Chunk{Kind: ChunkValue, seg: seg, off: pe.off}
	switch x := v.v.(type) {
	case rawHTML:
		c.Kind, c.Text = ChunkRaw, string(x)
	case Object:
		c.Kind, c.Object, c.Text = ChunkObject, x, x.Fallback()
	default:
		c.Text, err = display(x, &s.r.env)
		if err != nil {
			return errAt(seg, pe.off, model.EINVALID, "%s %s", describe(pe.x), err.Error())
		}
	}
	return s.write(out, c, seg, pe.off)
}

// write appends a chunk within the output limit.
func (s *Scope) write(out *Output, c Chunk, seg *Segment, off int) error {
	s.r.out += len(c.Text)
	if s.r.out > s.r.t.cfg.Limits.MaxOutputBytes {
		return s.r.fail(errAt(seg, off, model.ETOOLARGE, "the output is larger than %d bytes", s.r.t.cfg.Limits.MaxOutputBytes))
	}
	out.Chunks = append(out.Chunks, c)
	return nil
}

// branch picks an if-block's body.
func (s *Scope) branch(b *Block) (int, error) {
	for i, c := range b.conds {
		v, err := s.eval(c, b.seg)
		if err != nil {
			return 0, err
		}
		if truthy(v.v) {
			return i, nil
		}
	}
	if len(b.Else) == len(b.conds) { // the last body is an {#else}
		return len(b.conds), nil
	}
	return -1, nil
}

// items makes the scopes of an each-block's iterations.
func (s *Scope) items(b *Block) ([]*Scope, error) {
	lv, err := s.eval(b.loop.list, b.seg)
	if err != nil {
		return nil, err
	}
	if lv.v == nil {
		return nil, nil
	}
	n, ok := listLen(lv.v)
	if !ok {
		return nil, errAt(b.seg, b.loop.list.pos(), model.EINVALID, "{#each} needs a list; %s is %s", describe(b.loop.list), kindName(lv.v))
	}
	if err := s.r.spend(n, b.seg, b.off); err != nil {
		return nil, err
	}
	list, _ := asList(lv.v)
	name := b.loop.name
	if b.loop.group != nil {
		list = groupBy(list, b.loop.group.parts)
		if name == "" {
			name = "group"
		}
		if err := s.r.spend(len(list), b.seg, b.off); err != nil {
			return nil, err
		}
	}
	scopes := make([]Scope, len(list))
	out := make([]*Scope, len(list))
	for i, item := range list {
		scopes[i] = Scope{r: s.r, parent: s, name: name, item: item, owner: lv.owner, index: i, count: len(list)}
		out[i] = &scopes[i]
	}
	return out, nil
}

// groupBy splits a list into groups of items with equal values of a field,
// in the order the values first appear: [{key, items}].
func groupBy(list []any, field []string) []any {
	var groups []any
	index := map[string]map[string]any{}
	for _, item := range list {
		key, _ := at(item, field)
		k := groupKey(key)
		g, ok := index[k]
		if !ok {
			g = map[string]any{"key": key, "items": []any{}}
			index[k] = g
			groups = append(groups, g)
		}
		g["items"] = append(g["items"].([]any), item)
	}
	return groups
}

// groupKey is a value's identity for grouping: numbers by value (19 and
// 19.00 are one group), dates by day, the rest by their text.
func groupKey(v any) string {
	if d, ok := toDecimal(v); ok && isNumber(v) {
		return "n" + d.String()
	}
	if t, _, ok := toTime(v); ok && isTime(v) {
		return "t" + t.Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("%T:%v", v, v)
}

// spend counts n iterations (or items read) against the limit.
func (r *run) spend(n int, seg *Segment, off int) error {
	r.iters += n
	if r.iters > r.t.cfg.Limits.MaxIterations {
		return r.fail(errAt(seg, off, model.ETOOLARGE,
			"this reads %d items, and a merge may loop over at most %d items in all", n, r.t.cfg.Limits.MaxIterations))
	}
	return r.tick(seg, off)
}

// tick checks the context and the time limit every few steps.
func (r *run) tick(seg *Segment, off int) error {
	if r.err != nil {
		return r.err
	}
	r.steps++
	if r.steps&255 != 0 {
		return nil
	}
	if err := r.ctx.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return r.fail(errAt(seg, off, model.ETOOLARGE, "the merge took too long and was stopped"))
		}
		return r.fail(fmt.Errorf("lang: %w", err))
	}
	if time.Now().After(r.deadline) {
		return r.fail(errAt(seg, off, model.ETOOLARGE, "the merge took longer than %s and was stopped", r.t.cfg.Limits.MaxDuration))
	}
	return nil
}

// fail remembers a limit error so that the evaluation stops everywhere.
func (r *run) fail(err error) error {
	r.err = err
	return err
}

// val is a value with the record that holds it, from which money finds its
// currency.
type val struct {
	v     any
	owner map[string]any
}

// eval evaluates an expression.
func (s *Scope) eval(e expr, seg *Segment) (val, error) {
	switch e := e.(type) {
	case *literal:
		return val{v: e.v}, nil
	case *pathExpr:
		return s.path(e, seg)
	case *atVar:
		return s.atVar(e, seg)
	case *notExpr:
		v, err := s.eval(e.x, seg)
		return val{v: !truthy(v.v)}, err
	case *logicExpr:
		return s.logic(e, seg)
	case *cmpExpr:
		return s.compare(e, seg)
	case *aggExpr:
		return s.aggregate(e, seg)
	case *pipeExpr:
		return s.pipe(e, seg)
	}
	return val{}, fmt.Errorf("lang: unknown expression %T", e)
}

// path resolves a field path: "this", the loop variables and loop items
// from the innermost out, then the data's top-level names, then "today".
// The value's owner is the nearest record on the path with a currency, else
// the record that holds the value.
func (s *Scope) path(e *pathExpr, seg *Segment) (val, error) {
	head, rest := e.parts[0], e.parts[1:]
	var v any
	var owner map[string]any
	if head == "this" {
		loop := s.loop()
		if loop == nil {
			return val{}, errAt(seg, e.off, model.EINVALID, "this outside {#each}")
		}
		v = loop.item
	} else {
		var ok bool
		if v, owner, ok = s.lookup(head); !ok {
			return val{}, nil
		}
	}
	withCurrency := map[string]any(nil)
	for _, p := range rest {
		if currencyOf(owner) != "" {
			withCurrency = owner
		}
		v, owner = step(v, p)
	}
	if currencyOf(owner) == "" && withCurrency != nil {
		owner = withCurrency
	}
	return val{v: v, owner: owner}, nil
}

// lookup finds a path's first name.
func (s *Scope) lookup(name string) (any, map[string]any, bool) {
	for sc := s; sc.parent != nil; sc = sc.parent {
		if sc.name == name {
			return sc.item, nil, true
		}
		if m, ok := sc.item.(map[string]any); ok && sc.name == "" {
			if v, ok := m[name]; ok {
				return v, m, true
			}
		}
	}
	if v, ok := s.r.data[name]; ok {
		return v, s.r.data, true
	}
	if name == "today" {
		return s.r.today, nil, true
	}
	return nil, nil, false
}

// loop returns the innermost loop scope, or nil outside loops.
func (s *Scope) loop() *Scope {
	if s.parent == nil {
		return nil
	}
	return s
}

// atVar evaluates @index, @number, @first and @last.
func (s *Scope) atVar(e *atVar, seg *Segment) (val, error) {
	loop := s.loop()
	if loop == nil {
		return val{}, errAt(seg, e.off, model.EINVALID, "@%s outside {#each}", e.name)
	}
	switch e.name {
	case "index":
		return val{v: int64(loop.index)}, nil
	case "number":
		return val{v: int64(loop.index + 1)}, nil
	case "first":
		return val{v: loop.index == 0}, nil
	}
	return val{v: loop.index == loop.count-1}, nil
}

// logic evaluates and/or with short-circuit.
func (s *Scope) logic(e *logicExpr, seg *Segment) (val, error) {
	x, err := s.eval(e.x, seg)
	if err != nil {
		return val{}, err
	}
	if truthy(x.v) != e.and {
		return val{v: !e.and}, nil
	}
	y, err := s.eval(e.y, seg)
	return val{v: truthy(y.v)}, err
}

// compare evaluates a comparison.
func (s *Scope) compare(e *cmpExpr, seg *Segment) (val, error) {
	x, err := s.eval(e.x, seg)
	if err != nil {
		return val{}, err
	}
	y, err := s.eval(e.y, seg)
	if err != nil {
		return val{}, err
	}
	switch e.op {
	case "=":
		return val{v: equal(x.v, y.v)}, nil
	case "!=":
		return val{v: !equal(x.v, y.v)}, nil
	}
	if x.v == nil || y.v == nil {
		return val{v: false}, nil // an empty value is neither more nor less
	}
	c, err := order(x.v, y.v)
	if err != nil {
		return val{}, errAt(seg, e.off, model.EINVALID, "%s: %s", e.op, err.Error())
	}
	switch e.op {
	case "<":
		return val{v: c < 0}, nil
	case "<=":
		return val{v: c <= 0}, nil
	case ">":
		return val{v: c > 0}, nil
	}
	return val{v: c >= 0}, nil
}

// aggregate evaluates sum, min, max and count.
func (s *Scope) aggregate(e *aggExpr, seg *Segment) (val, error) {
	lv, err := s.eval(e.list, seg)
	if err != nil {
		return val{}, err
	}
	n, ok := listLen(lv.v)
	if !ok && lv.v != nil {
		return val{}, errAt(seg, e.list.pos(), model.EINVALID, "%s needs a list; %s is %s", e.fn, describe(e.list), kindName(lv.v))
	}
	if e.fn == "count" {
		return val{v: int64(n)}, nil
	}
	if err := s.r.spend(n, seg, e.off); err != nil {
		return val{}, err
	}
	list, _ := asList(lv.v)
	values := make([]any, 0, len(list))
	for _, item := range list {
		v := item
		if e.field != nil {
			v, _ = at(item, e.field.parts)
		}
		if !isEmpty(v) {
			values = append(values, v)
		}
	}
	if e.fn == "sum" {
		return s.sum(e, values, lv.owner, seg)
	}
	return s.extreme(e, values, lv.owner, seg)
}

// sum adds numbers exactly.
func (s *Scope) sum(e *aggExpr, values []any, owner map[string]any, seg *Segment) (val, error) {
	total := decimal.Zero
	for i, v := range values {
		d, ok := toDecimal(v)
		if !ok {
			return val{}, errAt(seg, e.off, model.EINVALID, "sum: value %d (%v) is not a number", i+1, v)
		}
		total = total.Add(d)
	}
	return val{v: model.Decimal{Decimal: total}, owner: owner}, nil
}

// extreme finds the least (min) or greatest (max) value.
func (s *Scope) extreme(e *aggExpr, values []any, owner map[string]any, seg *Segment) (val, error) {
	var best any
	for _, v := range values {
		if best == nil {
			best = v
			continue
		}
		c, err := order(v, best)
		if err != nil {
			return val{}, errAt(seg, e.off, model.EINVALID, "%s: %s", e.fn, err.Error())
		}
		if (e.fn == "min" && c < 0) || (e.fn == "max" && c > 0) {
			best = v
		}
	}
	return val{v: best, owner: owner}, nil
}

// pipe sends a value through its formatters.
func (s *Scope) pipe(e *pipeExpr, seg *Segment) (val, error) {
	v, err := s.eval(e.x, seg)
	if err != nil {
		return val{}, err
	}
	for _, st := range e.stages {
		var args []any
		if len(st.args) > 0 {
			args = make([]any, len(st.args))
		}
		for i, a := range st.args {
			av, err := s.eval(a, seg)
			if err != nil {
				return val{}, err
			}
			args[i] = av.v
		}
		s.call = Call{scope: s, owner: v.owner}
		out, err := st.f.Apply(&s.call, v.v, args)
		if err != nil {
			return val{}, errAt(seg, st.off, model.EINVALID, "%s: %s", st.name, err.Error())
		}
		v.v = out
	}
	return v, nil
}

// describe writes an expression for messages: its path, or "the value".
func describe(e expr) string {
	switch e := e.(type) {
	case *pathExpr:
		return e.text
	case *pipeExpr:
		if len(e.stages) == 0 {
			return describe(e.x)
		}
	case *aggExpr:
		return e.fn
	}
	return "the value"
}

// display is a value's text without formatters: numbers and dates by the
// locale, lists of plain values joined with ", ".
func display(v any, env *Env) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case bool:
		if x {
			return "true", nil
		}
		return "false", nil
	case model.Date:
		return env.Locale.Date(x.Time, locale.StyleLong), nil
	case time.Time:
		return env.Locale.Date(x.In(env.Location), locale.StyleDateTime), nil
	case map[string]any:
		return "", errors.New("is a record: name one of its fields")
	}
	if d, ok := toDecimal(v); ok && isNumber(v) {
		return env.Locale.Number(d, -1), nil
	}
	if list, ok := asList(v); ok {
		parts := make([]string, len(list))
		for i, item := range list {
			if _, rec := item.(map[string]any); rec {
				return "", errors.New("is a list of records: repeat over it with {#each}")
			}
			parts[i], _ = display(item, env)
		}
		return strings.Join(parts, ", "), nil
	}
	return fmt.Sprint(v), nil
}
