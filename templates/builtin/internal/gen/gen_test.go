package gen

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"rapport/model"
)

// TestLabels checks that every RMA reason and action of the model has a
// label in each language, and no label names a code the model lacks.
func TestLabels(t *testing.T) {
	for _, l := range languages {
		for _, c := range []struct {
			codes  []string
			labels map[string]string
		}{{model.RMAReasons, reasonLabels(l)}, {model.RMAActions, actionLabels(l)}} {
			got := slices.Sorted(maps.Keys(c.labels))
			if want := slices.Sorted(slices.Values(c.codes)); !slices.Equal(got, want) {
				t.Errorf("%s: labels for %v, the model has %v", l.code, got, want)
			}
		}
	}
}

// TestMarkup checks how paragraph text becomes runs.
func TestMarkup(t *testing.T) {
	got := p("Normal", "a **b\tc**\nPage "+pageNo+" of "+pageCount).runs
	want := []run{{text: "a "}, {text: "b", strong: true}, {kind: runTab}, {text: "c", strong: true}, {kind: runBreak},
		{text: "Page "}, {kind: runPage}, {text: " of "}, {kind: runPages}}
	if !slices.Equal(got, want) {
		t.Errorf("runs:\n got  %+v\n want %+v", got, want)
	}
}

// TestODTBlanks checks that blanks ODF would collapse are written as
// text:s: at the start of a paragraph and after another blank.
func TestODTBlanks(t *testing.T) {
	var b strings.Builder
	oPara(&b, p("Normal", " a  b"))
	if want := `<text:p text:style-name="Standard"><text:s/>a <text:s/>b</text:p>`; b.String() != want {
		t.Errorf("got %s, want %s", b.String(), want)
	}
}

// TestRowWidth checks that a row that does not fill its table is refused.
func TestRowWidth(t *testing.T) {
	tb := table{widths: []float64{1, 2, 3}, rows: []row{tr(plain, c(), span(3))}}
	var b strings.Builder
	if err := wTable(&b, &tb); err == nil || !strings.Contains(err.Error(), "spans 4 columns") {
		t.Errorf("got %v", err)
	}
}
