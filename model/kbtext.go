package model

import (
	"html"
	"regexp"
	"strings"
	"unicode"

	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/russian"
)

// maxKBTokenRunes drops longer "words" (hashes, base64) from the index and
// from queries alike, so both engines see the same tokens.
const maxKBTokenRunes = 64

// kbWord is one word of a text: its byte span and its search token.
type kbWord struct {
	start, end int
	token      string
}

// kbWords splits s into words (runs of letters and digits) with their
// stemmed tokens; over-long words are left out.
func kbWords(s string) []kbWord {
	var out []kbWord
	start := -1
	for i, r := range s {
		word := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			out = appendKBWord(out, s, start, i)
			start = -1
		}
	}
	if start >= 0 {
		out = appendKBWord(out, s, start, len(s))
	}
	return out
}

func appendKBWord(out []kbWord, s string, start, end int) []kbWord {
	w := s[start:end]
	if len([]rune(w)) > maxKBTokenRunes {
		return out
	}
	return append(out, kbWord{start, end, KBStem(w)})
}

// KBTokens returns the search tokens of s: each word case-folded and stemmed.
func KBTokens(s string) []string {
	words := kbWords(s)
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = w.token
	}
	return out
}

// KBStem folds one word (lower case, ё as е) and stems it with the Snowball
// stemmer of its script: Russian for Cyrillic, English for Latin; other
// scripts are only folded.
func KBStem(word string) string {
	w := strings.ReplaceAll(strings.ToLower(word), "ё", "е")
	cyrillic, latin := false, false
	for _, r := range w {
		switch {
		case unicode.Is(unicode.Cyrillic, r):
			cyrillic = true
		case r < unicode.MaxASCII && unicode.IsLetter(r):
			latin = true
		}
	}
	switch {
	case cyrillic:
		return russian.Stem(w, true)
	case latin:
		return english.Stem(w, true)
	}
	return w
}

// KBIndexText is what the search index holds for an article: the tokens of
// its question, answer, category and tags, in order, separated by spaces
// (phrases match adjacent tokens).
func KBIndexText(k *KBArticle) string {
	parts := []string{k.Question, KBPlain(k.Answer), k.Category, strings.Join(k.Tags, " ")}
	var tokens []string
	for _, p := range parts {
		tokens = append(tokens, KBTokens(p)...)
	}
	return strings.Join(tokens, " ")
}

var (
	mdLinkTarget = regexp.MustCompile(`\]\([^)]*\)`)
	mdMarks      = strings.NewReplacer("*", "", "_", " ", "#", "", ">", "", "`", "", "~", "", "[", "", "]", "", "|", " ")
)

// KBPlain strips the commonest Markdown markup (emphasis, headings, code
// fences, link targets) from md, for indexing and snippets.
func KBPlain(md string) string {
	return strings.Join(strings.Fields(mdMarks.Replace(mdLinkTarget.ReplaceAllString(md, "]"))), " ")
}

// KBHighlight returns text HTML-escaped with the words the query looks for
// in <mark>, cut to the window of at most width words holding the most
// matches (with "…" where text was cut); width 0 keeps the whole text.
func KBHighlight(text string, q *KBQuery, width int) string {
	words := kbWords(text)
	from, to := 0, len(words)
	if width > 0 && len(words) > width {
		from = bestWindow(words, q, width)
		to = from + width
	}
	if len(words) == 0 {
		return html.EscapeString(text)
	}
	var b strings.Builder
	start, end := 0, len(text)
	if from > 0 {
		start = words[from].start
		b.WriteString("…")
	}
	if to < len(words) {
		end = words[to-1].end
	}
	pos := start
	for _, w := range words[from:to] {
		b.WriteString(html.EscapeString(text[pos:w.start]))
		if q.Matches(w.token) {
			b.WriteString("<mark>" + html.EscapeString(text[w.start:w.end]) + "</mark>")
		} else {
			b.WriteString(html.EscapeString(text[w.start:w.end]))
		}
		pos = w.end
	}
	b.WriteString(html.EscapeString(text[pos:end]))
	if to < len(words) {
		b.WriteString("…")
	}
	return b.String()
}

// bestWindow returns the first word of the width-word window with the most
// matching words (the earliest on ties).
func bestWindow(words []kbWord, q *KBQuery, width int) int {
	hits := make([]int, len(words)+1) // prefix sums of matches
	for i, w := range words {
		hits[i+1] = hits[i]
		if q.Matches(w.token) {
			hits[i+1]++
		}
	}
	best, bestN := 0, -1
	for i := 0; i+width <= len(words); i++ {
		if n := hits[i+width] - hits[i]; n > bestN {
			best, bestN = i, n
		}
	}
	if lead := max(0, best-2); bestN > 0 && hits[lead+width]-hits[lead] == bestN {
		best = lead // a little lead-in before the first match
	}
	return best
}
