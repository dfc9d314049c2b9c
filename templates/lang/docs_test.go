package lang

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestDocsListEveryField keeps docs/templates.md's "Fields by record type"
// in step with the schema: every record type has a section that names each
// of its fields, and names nothing else (but the fields of its nested
// records, such as an address's city).
func TestDocsListEveryField(t *testing.T) {
	b, err := os.ReadFile("../../docs/templates.md")
	if err != nil {
		t.Fatal(err)
	}
	sections := docSections(string(b))
	names := regexp.MustCompile("`([a-z0-9_]+)`")
	for rec, typ := range DefaultSchema().Records {
		text, ok := sections[rec]
		if !ok {
			t.Errorf("docs/templates.md has no section #### `%s`", rec)
			continue
		}
		documented := map[string]bool{}
		for _, m := range names.FindAllStringSubmatch(text, -1) {
			documented[m[1]] = true
		}
		for _, f := range typ.FieldNames() {
			if !documented[f] {
				t.Errorf("docs/templates.md: %s lacks the field %s", rec, f)
			}
		}
		for name := range documented {
			if _, ok := typ.Fields[name]; !ok && !nestedField(typ, name) {
				t.Errorf("docs/templates.md: %s names %s, which is not one of its fields", rec, name)
			}
		}
	}
}

// docSections returns the text after each "#### `name`" heading, up to the
// first blank line.
func docSections(doc string) map[string]string {
	out := map[string]string{}
	for _, part := range strings.Split(doc, "\n#### `")[1:] {
		name, rest, _ := strings.Cut(part, "`")
		body, _, _ := strings.Cut(strings.TrimLeft(rest, "\n"), "\n\n")
		out[name] = body
	}
	return out
}

// nestedField reports whether name is a field of a record (or list of
// records) that is not a record type of its own, below typ.
func nestedField(typ *Type, name string) bool {
	for _, f := range typ.Fields {
		if f.Kind == KindList {
			f = f.Elem
		}
		if f != nil && f.Kind == KindRecord && f.Name == "" && f.Fields[name] != nil {
			return true
		}
	}
	return false
}
