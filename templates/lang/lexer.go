package lang

import (
	"strings"
	"unicode/utf8"

	"rapport/model"
)

// item is a piece of a segment's text: literal text (with "{{" and "}}"
// already turned into braces) or a tag between braces.
type item struct {
	tag  bool
	text string // literal text, or the tag's inner text
	off  int    // byte offset of the text, or of the tag's "{"
	end  int    // byte offset just after the item
	// parsed is the tag's meaning, filled by the parser.
	parsed *tag
	// block, role and branch place a block tag in its block (matchBlocks).
	block  *Block
	role   TagRole
	branch int
}

// closingQuotes maps each opening quote to the quotes that close it. Word
// and Writer replace typed quotes with typographic ones ("AutoCorrect"), so
// “2 January 2006”, „…“ and «…» are strings as well as "…".
var closingQuotes = map[rune]string{'"': `"`, '“': `”"`, '„': `“”"`, '«': `»"`}

// stringEnd returns the offset just past the string literal that opens at
// s[i] with quote q, or -1 when it is not closed. A backslash escapes the
// next character.
func stringEnd(s string, i int, q rune) int {
	closers := closingQuotes[q]
	for j := i + utf8.RuneLen(q); j < len(s); {
		r, n := utf8.DecodeRuneInString(s[j:])
		switch {
		case r == '\\':
			_, m := utf8.DecodeRuneInString(s[min(j+n, len(s)):])
			j += n + m
			continue
		case strings.ContainsRune(closers, r):
			return j + n
		}
		j += n
	}
	return -1
}

// lex splits a segment's text into items. A tag runs from "{" to the first
// "}" outside a string literal; "{{" and "}}" are literal braces, and so is
// a lone "}".
func lex(seg *Segment) ([]item, *Error) {
	s := seg.Text
	items := make([]item, 0, 2*strings.Count(s, "{")+1)
	lit, litStart := "", 0
	addLit := func(text string, at int) {
		if lit == "" {
			litStart = at
		}
		lit += text // one piece needs no copy; escaped braces join pieces
	}
	for i := 0; i < len(s); {
		j := strings.IndexAny(s[i:], "{}")
		if j < 0 {
			addLit(s[i:], i)
			break
		}
		if j > 0 {
			addLit(s[i:i+j], i)
			i += j
		}
		switch {
		case strings.HasPrefix(s[i:], "{{"), strings.HasPrefix(s[i:], "}}"):
			addLit(s[i:i+1], i)
			i += 2
		case s[i] == '}':
			addLit("}", i)
			i++
		default:
			end, err := tagEnd(seg, i)
			if err != nil {
				return nil, err
			}
			if lit != "" {
				items = append(items, item{text: lit, off: litStart, end: i})
				lit = ""
			}
			items = append(items, item{tag: true, text: s[i+1 : end-1], off: i, end: end})
			i = end
		}
	}
	if lit != "" {
		items = append(items, item{text: lit, off: litStart, end: len(s)})
	}
	return items, nil
}

// tagEnd returns the offset just past the "}" that closes the tag opened at
// s[open].
func tagEnd(seg *Segment, open int) (int, *Error) {
	s := seg.Text
	for j := open + 1; j < len(s); {
		r, n := utf8.DecodeRuneInString(s[j:])
		switch {
		case r == '}':
			return j + 1, nil
		case r == '{':
			return 0, errAt(seg, open, model.EINVALID, "a { opens a placeholder before the one opened here is closed with }")
		case closingQuotes[r] != "":
			e := stringEnd(s, j, r)
			if e < 0 {
				return 0, errAt(seg, j, model.EINVALID, "the string opened here is not closed")
			}
			j = e
			continue
		}
		j += n
	}
	return 0, errAt(seg, open, model.EINVALID, "the placeholder opened here is not closed with }")
}

// trimStandalone removes the lines of a multi-line segment that hold only
// block tags and comments (and blanks), so that
//
//	{#each quote.lines}
//	- {description}
//	{/each}
//
// writes one line per item and no empty lines. Segments of one line
// (document paragraphs) are left alone: the container decides about those.
func trimStandalone(text string, items []item) []item {
	if !strings.Contains(text, "\n") {
		return items
	}
	var out []item
	var lit strings.Builder
	litOff := 0
	addText := func(s string, off int) {
		if lit.Len() == 0 {
			litOff = off
		}
		lit.WriteString(s)
	}
	addTag := func(it item) {
		if lit.Len() > 0 {
			out = append(out, item{text: lit.String(), off: litOff, end: it.off})
			lit.Reset()
		}
		out = append(out, it)
	}
	for _, ln := range splitLines(items) {
		keep := !standalone(ln.parts)
		for _, p := range ln.parts {
			switch {
			case p.tag:
				addTag(p)
			case keep:
				addText(p.text, p.off)
			}
		}
		if keep && ln.newline {
			addText("\n", ln.end)
		}
	}
	if lit.Len() > 0 {
		out = append(out, item{text: lit.String(), off: litOff, end: len(text)})
	}
	return out
}

// line is one line of a segment: tags and text without newlines.
type line struct {
	parts   []item
	newline bool // the line ends with a newline (every line but the last)
	end     int  // offset of the item holding the newline
}

// splitLines cuts items at newlines.
func splitLines(items []item) []line {
	var lines []line
	var cur line
	for _, it := range items {
		if it.tag {
			cur.parts = append(cur.parts, it)
			continue
		}
		rest := it.text
		for {
			head, tail, found := strings.Cut(rest, "\n")
			if head != "" {
				cur.parts = append(cur.parts, item{text: head, off: it.off, end: it.end})
			}
			if !found {
				break
			}
			cur.newline, cur.end = true, it.off
			lines = append(lines, cur)
			cur, rest = line{}, tail
		}
	}
	return append(lines, cur)
}

// standalone reports whether a line holds at least one block tag or comment
// and nothing else but blanks.
func standalone(parts []item) bool {
	tags := 0
	for _, p := range parts {
		switch {
		case p.tag && p.parsed != nil && p.parsed.silent():
			tags++
		case p.tag || strings.Trim(p.text, " \t\r") != "":
			return false
		}
	}
	return tags > 0
}

// Tags returns the byte ranges of the tags in text as the template's lexer
// sees them: placeholders, block tags and comments, without escaped braces.
// A format layer uses them to gather a tag that its document split across
// runs before it makes segments. It returns nil when a tag is not closed
// (Parse reports that).
func Tags(text string) [][2]int {
	items, err := lex(&Segment{Text: text})
	if err != nil {
		return nil
	}
	var out [][2]int
	for _, it := range items {
		if it.tag {
			out = append(out, [2]int{it.off, it.end})
		}
	}
	return out
}
