package model

import (
	"strings"
	"testing"
)

func TestParseKBQuery(t *testing.T) {
	for _, tc := range []struct{ q, fts, ts string }{
		{"returns", `"return"`, `'return'`},
		{"a1 b2", `("a1" AND "b2")`, `('a1' & 'b2')`},
		{"return -label", `(("return") NOT "label")`, `(('return') & !'label')`},
		{`"return label" OR ship*`, `("return label" OR "ship"*)`, `(('return' <-> 'label') | 'ship':*)`},
		{"(x OR y) z", `(("x" OR "y") AND "z")`, `(('x' | 'y') & 'z')`},
		{"договоры", `"договор"`, `'договор'`},
		{"x AND AND y", `("x" AND "y")`, `('x' & 'y')`},
		{"x ) y", `("x" AND "y")`, `('x' & 'y')`},
		{"--x", `"x"`, `'x'`},
		{"-(-x) y", `("x" AND "y")`, `('x' & 'y')`},
	} {
		q, err := ParseKBQuery(tc.q)
		if err != nil {
			t.Errorf("%q: %v", tc.q, err)
			continue
		}
		if q.FTS5() != tc.fts || q.TSQuery() != tc.ts {
			t.Errorf("%q: fts %s ts %s", tc.q, q.FTS5(), q.TSQuery())
		}
	}
}

func TestKBStem(t *testing.T) {
	for in, want := range map[string]string{"Returns": "return", "договоры": "договор", "Ёлки": "елк", "東京": "東京", "2024": "2024"} {
		if got := KBStem(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

func TestKBHighlightEscapes(t *testing.T) {
	q, _ := ParseKBQuery("script")
	got := KBHighlight(`<b>the script</b> & more`, q, 0)
	if got != `&lt;b&gt;the <mark>script</mark>&lt;/b&gt; &amp; more` {
		t.Fatal(got)
	}
	long := strings.Repeat("filler ", 100) + "needle here"
	q, _ = ParseKBQuery("needle")
	if got := KBHighlight(long, q, 10); !strings.HasPrefix(got, "…") || !strings.Contains(got, "<mark>needle</mark>") {
		t.Fatal(got)
	}
}

// FuzzParseKBQuery: any input parses or fails with EINVALID, never panics,
// and what parses compiles to balanced, quote-safe expressions.
func FuzzParseKBQuery(f *testing.F) {
	for _, s := range []string{"a", `"a b`, "((a", "a OR", "NOT", "-a", "a -(b OR -c)", "ship*", "x AND y) OR (z",
		strings.Repeat("a ", 1000), "договор*", `'a' "b`, "a\x00b", "* - ( )"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseKBQuery(s)
		if err != nil {
			if e, ok := err.(*Error); !ok || e.Code != EINVALID {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		for _, out := range []string{q.FTS5(), q.TSQuery()} {
			if strings.Count(out, "(") != strings.Count(out, ")") || strings.Count(out, `"`)%2 != 0 || strings.Count(out, "'")%2 != 0 {
				t.Fatalf("%q compiled to %s", s, out)
			}
		}
	})
}
