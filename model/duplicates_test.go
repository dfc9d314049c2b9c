package model

import (
	"math"
	"slices"
	"testing"
)

func TestJaroWinkler(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want float64
	}{
		{"martha", "marhta", 0.961},
		{"dwayne", "duane", 0.84},
		{"dixon", "dicksonx", 0.813},
		{"same", "same", 1},
		{"abc", "", 0},
		{"иванов", "иванова", 0.971},
		{"петров", "сидоров", 0.532},
	} {
		if got := JaroWinkler(tc.a, tc.b); math.Abs(got-tc.want) > 0.001 {
			t.Errorf("JaroWinkler(%q, %q) = %.3f, want %.3f", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestDuplicateNames(t *testing.T) {
	sim := func(a, b string, company bool) float64 {
		return NewDuplicateName(a, company).Similarity(NewDuplicateName(b, company))
	}
	shareKey := func(a, b string) bool {
		ka, kb := NewDuplicateName(a, false).Keys, NewDuplicateName(b, false).Keys
		return slices.ContainsFunc(ka, func(k string) bool { return slices.Contains(kb, k) })
	}
	for _, tc := range []struct {
		a, b    string
		company bool
		match   bool
	}{
		{"Anna Berg", "Berg Anna", false, true},          // swapped
		{"Jon Smith", "John Smith", false, true},         // a variant
		{"Пётр Иванов", "Петр Иванов", false, true},      // ё and е
		{"Иванов Пётр", "Иванова Анна", false, false},    // the same family, not the same person
		{"Jürgen Müller", "Jurgen Muller", false, true},  // diacritics
		{"ООО «Ромашка»", "Ромашка ООО", true, true},     // legal form anywhere
		{"Acme Inc.", "ACME, Ltd", true, true},           // legal forms differ
		{"Office 1", "Office 2", true, false},            // digits differ
		{"Anna Berg", "Boris Petrov", false, false},      // different
		{"Anna Smith123", "Anna Smith124", false, false}, // numbered synthetic names
		{"Anna Maria Berg", "Anna Berg", false, true},
		{"Anna Berg", "Boris Berg", false, false},
		{"Anna", "Anna Berg", false, false},
		{"Kuznetsov Henry Галина", "Ирина Henry Kuznetsov", false, false},
	} {
		got := sim(tc.a, tc.b, tc.company)
		if (got >= NameMatchThreshold) != tc.match {
			t.Errorf("%q ~ %q = %.3f, want match %v", tc.a, tc.b, got, tc.match)
		}
		if tc.match && !tc.company && !shareKey(tc.a, tc.b) {
			t.Errorf("%q and %q share no blocking key: %v %v", tc.a, tc.b, NewDuplicateName(tc.a, false).Keys, NewDuplicateName(tc.b, false).Keys)
		}
	}
	if k := NewDuplicateName("Anna Berg", false).Keys; !slices.Equal(k, []string{"anna|b", "berg|a"}) {
		t.Errorf("keys %v", k)
	}
	if k := NewDuplicateName("Madonna", false).Keys; !slices.Equal(k, []string{"mado|"}) {
		t.Errorf("keys %v", k)
	}
}

func TestDuplicateScore(t *testing.T) {
	for _, tc := range []struct {
		reasons []DuplicateReason
		want    float64
	}{
		{[]DuplicateReason{{Kind: ReasonEmail}}, 0.95},
		{[]DuplicateReason{{Kind: ReasonName, Similarity: 1}}, 0.8},
		{[]DuplicateReason{{Kind: ReasonEmail}, {Kind: ReasonName, Similarity: 1}}, 0.99},
		{[]DuplicateReason{{Kind: ReasonPhone}, {Kind: ReasonName, Similarity: 0.9}}, 0.944},
	} {
		if got := DuplicateScore(tc.reasons); got != tc.want {
			t.Errorf("%v: %v, want %v", tc.reasons, got, tc.want)
		}
	}
	for url, want := range map[string]string{"https://www.Acme.example/about": "acme.example", "acme.example:8080": "acme.example", "": ""} {
		if got := WebsiteHost(url); got != want {
			t.Errorf("WebsiteHost(%q) = %q", url, got)
		}
	}
}
