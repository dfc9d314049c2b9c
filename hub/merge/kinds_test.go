package merge

import (
	"slices"
	"testing"

	"rapport/templates/lang"
)

// TestKindsCoverRelations checks the data builder against lang.Relations:
// every record type a document or a relation names can be loaded, every
// list relation has its loader, and every single relation has the
// "<name>_id" field it is found by.
func TestKindsCoverRelations(t *testing.T) {
	for _, e := range lang.Entities {
		if _, ok := kinds[e]; !ok {
			t.Errorf("no kind for documents of %s", e)
		}
	}
	for owner, rels := range lang.Relations {
		for _, r := range rels {
			if _, ok := kinds[r.Type]; !ok && !r.Many {
				t.Errorf("%s.%s: no kind %s", owner, r.Name, r.Type)
			}
			if r.Many {
				if kinds[owner].lines == nil {
					t.Errorf("%s.%s: no lines loader", owner, r.Name)
				}
				continue
			}
			fields := jsonNames(t, owner)
			if !slices.Contains(fields, r.Name+"_id") {
				t.Errorf("%s.%s: no field %s_id among %v", owner, r.Name, r.Name, fields)
			}
		}
	}
}

// jsonNames returns the fields of a record type's data, from the schema.
func jsonNames(t *testing.T, typ string) []string {
	rec, ok := lang.DefaultSchema().Records[typ]
	if !ok {
		t.Fatalf("no schema for %s", typ)
	}
	return rec.FieldNames()
}
