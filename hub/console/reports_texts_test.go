package console

import (
	"regexp"
	"testing"

	"rapport/model"
	"rapport/model/store"
)

// reportCatalogueKeys are the catalogue keys the reports area builds at
// run time: every built-in report's texts (reportTextKeys), what saved
// definitions count and their aggregate functions. TestEveryKeyExists
// counts them as used.
func reportCatalogueKeys() []string {
	var keys []string
	for _, info := range store.Reports() {
		k := reportTextKeys(info)
		keys = append(keys, k.Title, k.Description)
		keys = append(keys, k.Hints...)
		keys = append(keys, k.Columns...)
	}
	for _, e := range model.ReportEntities {
		keys = append(keys, "report.entity."+e)
	}
	for _, fn := range model.AggregateFuncs {
		keys = append(keys, "report.fn."+fn)
	}
	return keys
}

// reportText matches the keys of reports' own texts.
var reportText = regexp.MustCompile(`^report\.(col\.\w+|param\.\w+\.hint|\w+\.(title|description|col\.\w+|param\.\w+\.hint))$`)

// TestReportTexts checks that every title, description, parameter hint and
// column label of the engine's reports has a catalogue entry whose English
// is the engine's own, so that a report that gains or changes a text fails
// here rather than showing English to Russian users; and that the
// catalogue keeps no text of a report, parameter or column that is gone.
func TestReportTexts(t *testing.T) {
	check := func(report, key, english string) {
		t.Helper()
		v, ok := catalogue[key]
		switch {
		case !ok:
			t.Errorf("%s: the catalogue has no %s for %q", report, key, english)
		case v[0] != english:
			t.Errorf("%s: %s is %q in the catalogue, %q in the engine: update both languages", report, key, v[0], english)
		}
	}
	for _, info := range store.Reports() {
		k := reportTextKeys(info)
		check(info.Name, k.Title, info.Title)
		check(info.Name, k.Description, info.Description)
		for i, p := range info.Params {
			check(info.Name, k.Hints[i], p.Description)
		}
		for i, c := range info.Columns {
			check(info.Name, k.Columns[i], c.Label)
		}
	}
	used := map[string]bool{}
	for _, k := range reportCatalogueKeys() {
		used[k] = true
		if !hasKey(k) {
			t.Errorf("the catalogue has no %s", k)
		}
	}
	for k := range reportMessages {
		if reportText.MatchString(k) && !used[k] {
			t.Errorf("%s is the text of no report's title, description, parameter or column", k)
		}
	}
}
