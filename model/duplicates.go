package model

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Duplicate reason kinds: why two records look like one.
const (
	ReasonEmail   = "email"   // the same e-mail address
	ReasonPhone   = "phone"   // the same phone number (E.164)
	ReasonWebsite = "website" // the same web site (host without www.)
	ReasonName    = "name"    // similar names (Jaro-Winkler on folded words)
)

// reasonWeights are how much each reason alone says: the chance, roughly,
// that two records sharing it are one. Shared phones are weaker than
// e-mails (a switchboard), and a name alone weaker still.
var reasonWeights = map[string]float64{ReasonEmail: 0.95, ReasonPhone: 0.8, ReasonWebsite: 0.6, ReasonName: 0.8}

// NameMatchThreshold is the least Jaro-Winkler similarity of two names that
// counts as a reason.
const NameMatchThreshold = 0.88

// DuplicateReason is one reason of a suggested pair: the shared value, or
// the names' similarity.
type DuplicateReason struct {
	Kind       string  `json:"kind"`
	Value      string  `json:"value,omitempty"`
	Similarity float64 `json:"similarity,omitempty"`
}

// DuplicateRecord names one record of a pair.
type DuplicateRecord struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// DuplicatePair is a suggestion that two records are one: A is the older
// (the natural survivor), Score in (0, 1] says how sure, Reasons say why.
type DuplicatePair struct {
	A       DuplicateRecord   `json:"a"`
	B       DuplicateRecord   `json:"b"`
	Score   float64           `json:"score"`
	Reasons []DuplicateReason `json:"reasons"`
}

// DuplicateScore combines reasons as independent evidence: 1 − Π(1 − wᵢ),
// a name counting by its similarity.
func DuplicateScore(reasons []DuplicateReason) float64 {
	miss := 1.0
	for _, r := range reasons {
		w := reasonWeights[r.Kind]
		if r.Kind == ReasonName {
			w *= r.Similarity
		}
		miss *= 1 - w
	}
	return float64(int((1-miss)*1000+0.5)) / 1000
}

// legalForms are company-name words that say nothing about which company
// it is ("Acme Inc" is "ACME"; "ООО Ромашка" is "Ромашка").
var legalForms = []string{"inc", "ltd", "llc", "llp", "lp", "plc", "gmbh", "mbh", "ag", "kg", "co", "corp", "corporation",
	"company", "limited", "sa", "sas", "sarl", "srl", "spa", "bv", "nv", "oy", "ab", "as", "aps", "the",
	"ооо", "оао", "зао", "пао", "ао", "ип", "нко", "тов", "пп"}

// DuplicateName is a name prepared for duplicate search: its folded words,
// sorted (so "Berg Anna" is "Anna Berg"), the blocking keys that bring
// candidates together, and its digits (names that differ in them, such as
// "Office 1" and "Office 2", are never the same).
type DuplicateName struct {
	Sorted string
	Keys   []string
	words  []string
	digits string
}

// NewDuplicateName prepares a person's or company's name: accents and
// diacritics go (Müller is Muller, Пётр is Петр) and company names drop
// their legal forms.
func NewDuplicateName(name string, company bool) DuplicateName {
	words := Words(stripMarks(name))
	if company {
		words = slices.DeleteFunc(words, func(w string) bool { return slices.Contains(legalForms, w) })
	}
	slices.Sort(words)
	var digits strings.Builder
	for _, r := range name {
		if unicode.IsDigit(r) {
			digits.WriteRune(r)
		}
	}
	return DuplicateName{Sorted: strings.Join(words, " "), Keys: blockKeys(words), words: words, digits: digits.String()}
}

// blockKeys pairs the first four letters of each word with the initial of
// each other word ("anna berg" → "anna|b", "berg|a"): two names share a key
// when one word agrees in its start and another in its initial, whatever
// their order, so typos after the fourth letter, swapped first and last
// names and variants of a first name still meet.
func blockKeys(words []string) []string {
	var keys []string
	for i, a := range words {
		if utf8.RuneCountInString(a) < 2 {
			continue
		}
		head := prefixRunes(a, 4) + "|"
		others := 0
		for j, b := range words {
			if j != i && b != "" {
				keys = append(keys, head+prefixRunes(b, 1))
				others++
			}
		}
		if others == 0 {
			keys = append(keys, head)
		}
	}
	return Dedupe(keys)
}

// stripMarks drops combining marks after canonical decomposition.
func stripMarks(s string) string {
	if isASCII(s) {
		return s // the common case, and 40 times faster
	}
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, norm.NFD.String(s))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func prefixRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// Similarity is how alike two prepared names are, from 0 to 1: each word
// of the shorter name is paired with the most similar word of the other
// (Jaro-Winkler, each word used once), and the worst pair counts, so two
// names alike in all but one word ("Anna Berg" and "Boris Berg") stay
// apart while a missing middle name does not matter. A one-word name
// matches only a one-word name; names whose digits differ score 0.
func (n DuplicateName) Similarity(o DuplicateName) float64 {
	short, long := n.words, o.words
	if len(short) > len(long) {
		short, long = long, short
	}
	if len(short) == 0 || (len(short) == 1 && len(long) > 1) || n.digits != o.digits {
		return 0
	}
	used := make([]bool, len(long))
	worst := 1.0
	for _, w := range short {
		best, at := -1.0, 0
		for j, v := range long {
			if sim := JaroWinkler(w, v); !used[j] && sim > best {
				best, at = sim, j
			}
		}
		used[at] = true
		worst = min(worst, best)
	}
	return worst
}

// JaroWinkler is the Jaro-Winkler similarity of two strings, by runes: 1
// for equal strings, 0 for nothing in common; a shared prefix (up to four
// runes) counts extra.
func JaroWinkler(a, b string) float64 {
	if a == b {
		return 1
	}
	ra, rb := []rune(a), []rune(b)
	j := jaro(ra, rb)
	prefix := 0
	for prefix < min(4, len(ra), len(rb)) && ra[prefix] == rb[prefix] {
		prefix++
	}
	return j + float64(prefix)*0.1*(1-j)
}

func jaro(a, b []rune) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	window := max(len(a), len(b))/2 - 1
	window = max(window, 0)
	matchedA, matchedB := make([]bool, len(a)), make([]bool, len(b))
	matches := 0
	for i, r := range a {
		for k := max(0, i-window); k < min(len(b), i+window+1); k++ {
			if !matchedB[k] && b[k] == r {
				matchedA[i], matchedB[k] = true, true
				matches++
				break
			}
		}
	}
	if matches == 0 {
		return 0
	}
	transpositions, k := 0, 0
	for i := range a {
		if !matchedA[i] {
			continue
		}
		for !matchedB[k] {
			k++
		}
		if a[i] != b[k] {
			transpositions++
		}
		k++
	}
	m := float64(matches)
	return (m/float64(len(a)) + m/float64(len(b)) + (m-float64(transpositions)/2)/m) / 3
}

// WebsiteHost is a web site's host without "www.", lower-case, for
// comparing companies' sites; "" when url has none.
func WebsiteHost(url string) string {
	host := strings.ToLower(strings.TrimSpace(url))
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
	}
	host, _, _ = strings.Cut(host, "/")
	host, _, _ = strings.Cut(host, ":")
	return strings.TrimPrefix(host, "www.")
}
