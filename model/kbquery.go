package model

import (
	"strings"
	"unicode"
)

// Limits of an answer-book query.
const (
	MaxKBQueryBytes = 1000
	MaxKBQueryTerms = 64
	maxKBQueryDepth = 20
)

// KBNodeKind says what a query node is.
type KBNodeKind int

// Query node kinds.
const (
	KBTerm   KBNodeKind = iota // one token, maybe a prefix
	KBPhrase                   // adjacent tokens
	KBAnd
	KBOr
	KBNot
)

// KBNode is a node of a parsed answer-book query. Tokens are stemmed and
// folded exactly as the index is, so they compile to FTS5 and tsquery alike.
type KBNode struct {
	Kind   KBNodeKind
	Tokens []string
	Prefix bool
	Kids   []*KBNode
}

// KBQuery is a parsed search query: its tree and the tokens it looks for
// (for highlighting).
type KBQuery struct {
	Root     *KBNode
	exact    map[string]bool
	prefixes []string
}

// ParseKBQuery parses q: words (implicit AND), AND, OR, NOT and a leading
// "-", "exact phrases", prefix*, parentheses. Unbalanced quotes and
// parentheses are closed at the end and a dangling operator is ignored
// (best effort); a query too long, too deep, with too many terms, with
// nothing to look for, or whose only terms are excluded is EINVALID.
func ParseKBQuery(q string) (*KBQuery, error) {
	if len(q) > MaxKBQueryBytes {
		return nil, kbQueryErr("at most 1000 characters")
	}
	p := &kbParser{toks: lexKBQuery(q)}
	root := p.top()
	if p.err != nil {
		return nil, p.err
	}
	if p.terms > MaxKBQueryTerms {
		return nil, kbQueryErr("at most 64 search terms")
	}
	root = simplify(root)
	if root == nil {
		return nil, kbQueryErr("give at least one word to search for")
	}
	if err := checkCompilable(root); err != nil {
		return nil, err
	}
	out := &KBQuery{Root: root, exact: map[string]bool{}}
	out.collect(root, false)
	return out, nil
}

func kbQueryErr(msg string) error {
	return fieldErr("q", msg)
}

// kbTok is a lexical token of a query.
type kbTok struct {
	kind   byte // 'w' word, 'p' phrase, '(' ')', '&' AND, '|' OR, '!' NOT / -
	text   string
	prefix bool
}

// lexKBQuery splits a query into tokens; it never fails.
func lexKBQuery(q string) []kbTok {
	var out []kbTok
	rs := []rune(q)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r) || r == '+':
			i++
		case r == '(' || r == ')':
			out = append(out, kbTok{kind: byte(r)})
			i++
		case r == '"':
			j := i + 1
			for j < len(rs) && rs[j] != '"' {
				j++
			}
			out = append(out, kbTok{kind: 'p', text: string(rs[i+1 : min(j, len(rs))])})
			i = j + 1
		case r == '-' && i+1 < len(rs) && !unicode.IsSpace(rs[i+1]) && rs[i+1] != '-':
			out = append(out, kbTok{kind: '!'})
			i++
		default:
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) && !strings.ContainsRune(`()"`, rs[j]) {
				j++
			}
			out = append(out, wordTok(string(rs[i:j])))
			i = j
		}
	}
	return out
}

func wordTok(w string) kbTok {
	switch w {
	case "AND", "&&":
		return kbTok{kind: '&'}
	case "OR", "||", "|":
		return kbTok{kind: '|'}
	case "NOT":
		return kbTok{kind: '!'}
	}
	return kbTok{kind: 'w', text: strings.TrimRight(w, "*"), prefix: strings.HasSuffix(w, "*")}
}

// kbParser is a recursive-descent parser over lexed tokens:
//
//	or    = and { OR and }
//	and   = unary { [AND] unary }
//	unary = (NOT | "-") unary | primary
//	primary = "(" or [")"] | phrase | word
type kbParser struct {
	toks  []kbTok
	pos   int
	depth int
	terms int
	err   error
}

func (p *kbParser) peek() byte {
	if p.pos < len(p.toks) {
		return p.toks[p.pos].kind
	}
	return 0
}

// top parses the whole input; a stray ")" is skipped.
func (p *kbParser) top() *KBNode {
	var kids []*KBNode
	for p.peek() != 0 && p.err == nil {
		kids = append(kids, p.or())
		if p.peek() == ')' {
			p.pos++
		}
	}
	return &KBNode{Kind: KBAnd, Kids: kids}
}

func (p *kbParser) or() *KBNode {
	n := &KBNode{Kind: KBOr, Kids: []*KBNode{p.and()}}
	for p.peek() == '|' {
		p.pos++
		n.Kids = append(n.Kids, p.and())
	}
	return n
}

func (p *kbParser) and() *KBNode {
	n := &KBNode{Kind: KBAnd}
	for {
		switch p.peek() {
		case 0, ')', '|':
			return n
		case '&':
			p.pos++
		default:
			n.Kids = append(n.Kids, p.unary())
		}
	}
}

func (p *kbParser) unary() *KBNode {
	if p.peek() != '!' {
		return p.primary()
	}
	p.pos++
	switch p.peek() {
	case 0, ')', '|', '&':
		return nil // a lone NOT: ignored
	}
	return &KBNode{Kind: KBNot, Kids: []*KBNode{p.unary()}}
}

func (p *kbParser) primary() *KBNode {
	t := p.toks[p.pos]
	p.pos++
	if t.kind != '(' {
		return p.leaf(t)
	}
	if p.depth++; p.depth > maxKBQueryDepth {
		p.err = kbQueryErr("parentheses nested too deeply")
		p.pos = len(p.toks)
		return nil
	}
	n := p.or()
	p.depth--
	if p.peek() == ')' {
		p.pos++
	}
	return n
}

// leaf turns a word or phrase into a term or phrase node; a word that is
// several tokens ("e-mail") is a phrase.
func (p *kbParser) leaf(t kbTok) *KBNode {
	tokens := KBTokens(t.text)
	p.terms += len(tokens)
	switch {
	case len(tokens) == 0:
		return nil
	case len(tokens) == 1 && t.kind == 'w':
		return &KBNode{Kind: KBTerm, Tokens: tokens, Prefix: t.prefix && len([]rune(t.text)) >= 2} // A prefix is matched against stems: "returns*" looks for "return*".

	case len(tokens) == 1:
		return &KBNode{Kind: KBTerm, Tokens: tokens}
	}
	return &KBNode{Kind: KBPhrase, Tokens: tokens}
}

// simplify drops empty nodes, flattens nested ANDs and ORs, unwraps single
// children and double negations.
func simplify(n *KBNode) *KBNode {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case KBTerm, KBPhrase:
		return n
	case KBNot:
		k := simplify(n.Kids[0])
		if k == nil {
			return nil
		}
		if k.Kind == KBNot {
			return k.Kids[0]
		}
		return &KBNode{Kind: KBNot, Kids: []*KBNode{k}}
	}
	var kids []*KBNode
	for _, k := range n.Kids {
		if k = simplify(k); k == nil {
			continue
		}
		if k.Kind == n.Kind {
			kids = append(kids, k.Kids...)
		} else {
			kids = append(kids, k)
		}
	}
	switch len(kids) {
	case 0:
		return nil
	case 1:
		return kids[0]
	}
	return &KBNode{Kind: n.Kind, Kids: kids}
}

// positive reports whether n selects documents by itself (an index can
// answer it): NOT alone cannot.
func positive(n *KBNode) bool {
	switch n.Kind {
	case KBNot:
		return false
	case KBAnd:
		for _, k := range n.Kids {
			if positive(k) {
				return true
			}
		}
		return false
	case KBOr:
		for _, k := range n.Kids {
			if !positive(k) {
				return false
			}
		}
	}
	return true
}

// checkCompilable rejects what neither FTS5 nor an indexed tsquery can
// answer: a query of excluded terms only, or an OR alternative that is.
func checkCompilable(n *KBNode) error {
	if !positive(n) {
		if n.Kind == KBOr {
			return kbQueryErr("an OR alternative cannot consist only of excluded terms")
		}
		return kbQueryErr("a query cannot consist only of excluded terms (NOT, -): add a word to search for")
	}
	for _, k := range n.Kids {
		if k.Kind == KBNot {
			k = k.Kids[0]
		}
		if err := checkCompilable(k); err != nil {
			return err
		}
	}
	return nil
}

func (q *KBQuery) collect(n *KBNode, negated bool) {
	if n.Kind == KBNot {
		negated = true
	}
	for _, k := range n.Kids {
		q.collect(k, negated)
	}
	if negated {
		return
	}
	for _, t := range n.Tokens {
		if n.Prefix {
			q.prefixes = append(q.prefixes, t)
		} else {
			q.exact[t] = true
		}
	}
}

// Matches reports whether token is one the query looks for (not one it
// excludes): for highlighting.
func (q *KBQuery) Matches(token string) bool {
	if q.exact[token] {
		return true
	}
	for _, p := range q.prefixes {
		if strings.HasPrefix(token, p) {
			return true
		}
	}
	return false
}

// FTS5 compiles the query to an SQLite FTS5 MATCH expression. Every token
// is a double-quoted string, so no input reaches FTS5's own syntax.
func (q *KBQuery) FTS5() string { return compileKB(q.Root, fts5Syntax) }

// TSQuery compiles the query to PostgreSQL to_tsquery('simple', …) text.
// Tokens hold letters and digits only, quoted as lexemes.
func (q *KBQuery) TSQuery() string { return compileKB(q.Root, tsquerySyntax) }

// kbSyntax is how one engine writes the query's parts.
type kbSyntax struct {
	term          func(tok string, prefix bool) string
	phrase        func(toks []string) string
	and, or       string
	andNot        func(pos, neg string) string
	open, closing string
}

var fts5Syntax = kbSyntax{
	term: func(t string, prefix bool) string {
		if prefix {
			return `"` + t + `"*`
		}
		return `"` + t + `"`
	},
	phrase: func(ts []string) string { return `"` + strings.Join(ts, " ") + `"` },
	and:    " AND ", or: " OR ",
	andNot: func(pos, neg string) string { return "(" + pos + " NOT " + neg + ")" },
	open:   "(", closing: ")",
}

var tsquerySyntax = kbSyntax{
	term: func(t string, prefix bool) string {
		if prefix {
			return "'" + t + "':*"
		}
		return "'" + t + "'"
	},
	phrase: func(ts []string) string { return "('" + strings.Join(ts, "' <-> '") + "')" },
	and:    " & ", or: " | ",
	andNot: func(pos, neg string) string { return "(" + pos + " & !" + neg + ")" },
	open:   "(", closing: ")",
}

func compileKB(n *KBNode, s kbSyntax) string {
	switch n.Kind {
	case KBTerm:
		return s.term(n.Tokens[0], n.Prefix)
	case KBPhrase:
		return s.phrase(n.Tokens)
	case KBOr:
		parts := make([]string, len(n.Kids))
		for i, k := range n.Kids {
			parts[i] = compileKB(k, s)
		}
		return s.open + strings.Join(parts, s.or) + s.closing
	}
	// AND (NOT alone never reaches here: checkCompilable refused it).
	var pos, neg []string
	for _, k := range n.Kids {
		if k.Kind == KBNot {
			neg = append(neg, compileKB(k.Kids[0], s))
		} else {
			pos = append(pos, compileKB(k, s))
		}
	}
	out := s.open + strings.Join(pos, s.and) + s.closing
	for _, x := range neg {
		out = s.andNot(out, x)
	}
	return out
}
