package model

import (
	"strings"
	"unicode"
)

// Search key kinds. A record's keys are stored in an indexed table so that q=
// finds names by word prefix and e-mails and phones by exact value.
const (
	KeyWord  = "w"
	KeyEmail = "e"
	KeyPhone = "p"
)

// SearchKey is one indexed value of a record.
type SearchKey struct {
	Kind  string
	Value string
}

// Searchable records expose their search keys.
type Searchable interface {
	SearchKeys() []SearchKey
}

// Words splits s into folded words (letters and digits), for any script.
func Words(s string) []string {
	return strings.FieldsFunc(Fold(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

func wordKeys(parts ...string) []SearchKey {
	var keys []SearchKey
	seen := map[string]bool{}
	for _, p := range parts {
		for _, w := range Words(p) {
			if !seen[w] {
				seen[w] = true
				keys = append(keys, SearchKey{KeyWord, w})
			}
		}
	}
	return keys
}

// QueryTerm is one part of a q= query, matched against search keys.
type QueryTerm struct {
	Kind   string // KeyEmail and KeyPhone match exactly; KeyWord by prefix
	Value  string
	Prefix bool
}

// ParseQuery turns q= into terms: a whole e-mail address or phone number
// matches exactly; anything else matches by word prefix, all words required.
func ParseQuery(q string) []QueryTerm {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil
	}
	if ValidEmail(strings.ToLower(q)) {
		return []QueryTerm{{Kind: KeyEmail, Value: strings.ToLower(q)}}
	}
	if looksLikePhone(q) {
		if e, ok := NormalizePhone(q); ok {
			return []QueryTerm{{Kind: KeyPhone, Value: e}}
		}
	}
	var terms []QueryTerm
	for _, w := range Words(q) {
		terms = append(terms, QueryTerm{Kind: KeyWord, Value: w, Prefix: true})
	}
	return terms
}

func looksLikePhone(q string) bool {
	digits := 0
	for _, r := range q {
		switch {
		case unicode.IsDigit(r):
			digits++
		case strings.ContainsRune("+-() .", r):
		default:
			return false
		}
	}
	return digits >= 5
}
