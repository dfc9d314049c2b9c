package model

import "testing"

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{`{"all": [{"field": "a", "op": "eq", "value": 1}]}`, `{"any": [{"field": "x", "op": "in", "value": [1, "2"]}]}`,
		`{"all": [{"op": "like"}]}`, `{}`, `[]`, `{"all": null}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := ParseFilter([]byte(s))
		if err == nil {
			for _, c := range append(flt.All, flt.Any...) {
				if c.Field == "" {
					t.Fatalf("accepted a condition without a field: %q", s)
				}
			}
		}
	})
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"иван петров", "a@b.c", "+7 (916) 123-45-67", "", "  ", "李伟", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		for _, term := range ParseQuery(q) {
			if term.Value == "" {
				t.Fatalf("empty term from %q", q)
			}
		}
	})
}
