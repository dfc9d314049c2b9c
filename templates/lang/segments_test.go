package lang

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"rapport/model"
)

// paragraphs makes one segment per text, placed "paragraph N".
func paragraphs(texts ...string) []Segment {
	segs := make([]Segment, len(texts))
	for i, t := range texts {
		segs[i] = Segment{Place: Place(fmt.Sprintf("paragraph %d", i+1)), Text: t}
	}
	return segs
}

// expand parses segments and expands them over the fixture; it returns
// "seg:text" per instance.
func expand(t *testing.T, data map[string]any, segs ...Segment) []string {
	t.Helper()
	tm, err := Parse(Config{}, segs...)
	if err != nil {
		t.Fatal(err)
	}
	insts, err := tm.Start(context.Background(), data, testEnv("en-US")).Expand()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, in := range insts {
		out = append(out, fmt.Sprintf("%d:%s", in.Seg, in.Out.String()))
	}
	return out
}

func TestParagraphLoop(t *testing.T) {
	segs := paragraphs("Dear {contact.first_name},", "{#each quote.lines as line}", "{line.description}", "", "{/each}", "Total {quote.total | money}")
	got := expand(t, fixtureData(2), segs...)
	want := []string{"0:Dear Ann,", "2:Item 1", "3:", "2:Item 2", "3:", "5:Total €30.00"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q\nwant %q", got, want)
	}
	tm, _ := Parse(Config{}, segs...)
	if len(tm.Blocks) != 1 {
		t.Fatalf("blocks: %d", len(tm.Blocks))
	}
	b := tm.Blocks[0]
	if b.Kind != EachBlock || b.Open != (Pos{1, 0}) || b.Close != (Pos{4, 0}) || b.Parent != nil || b.Branches() != 1 {
		t.Errorf("block %+v", b)
	}
	blank, _ := Parse(Config{}, Segment{Text: " {#if true}\u00a0"}, Segment{Text: "{/if}x"})
	if !blank.Segments[0].TagOnly() || blank.Segments[1].TagOnly() {
		t.Error("TagOnly with blanks, or with text")
	}
	for i, want := range []bool{false, true, false, false, true, false} {
		if got := tm.Segments[i].TagOnly(); got != want {
			t.Errorf("segment %d TagOnly = %v", i, got)
		}
	}
}

func TestSegmentsCutByTags(t *testing.T) {
	got := expand(t, fixtureData(2),
		Segment{Text: "Items: {#each quote.lines as line}<"},
		Segment{Text: "{line.description}"},
		Segment{Text: ">{/each} end"})
	want := "0:Items: |0:<|1:Item 1|2:>|0:<|1:Item 2|2:>|2: end"
	if strings.Join(got, "|") != want {
		t.Errorf("got  %q\nwant %q", strings.Join(got, "|"), want)
	}
}

func TestConditionalParagraphs(t *testing.T) {
	segs := paragraphs("{#if quote.discount_total > 0}", "Discount: {quote.discount_total | money}",
		"{#elseif quote.total > 1000}", "Big order", "{#else}", "No discount", "{/if}", "Regards")
	got := expand(t, fixtureData(2), segs...)
	if want := "5:No discount|7:Regards"; strings.Join(got, "|") != want {
		t.Errorf("got %q", got)
	}
	tm, _ := Parse(Config{}, segs...)
	b := tm.Blocks[0]
	if b.Kind != IfBlock || b.Branches() != 3 || len(b.Else) != 2 || b.Else[0] != (Pos{2, 0}) || b.Else[1] != (Pos{4, 0}) || b.Close != (Pos{6, 0}) {
		t.Errorf("block %+v", b)
	}
	p := tm.Segments[4].Pieces[0]
	if p.Role != RoleElse || p.Branch != 2 || p.Block != b {
		t.Errorf("else piece %+v", p)
	}
}

// TestRowLoop walks a table-row loop as a container does: the {#each} opens
// in the row's first cell and closes in its last, so the container repeats
// the row and renders each cell's inline pieces in the item's scope.
func TestRowLoop(t *testing.T) {
	segs := []Segment{
		{Place: "table 1 row 2 cell 1", Text: "{#each quote.lines as line}{line.position}."},
		{Place: "table 1 row 2 cell 2", Text: "{line.description}"},
		{Place: "table 1 row 2 cell 3", Text: "{line.net_amount | money}{/each}"},
		{Place: "paragraph 3", Text: "{#if count quote.lines > 2}{count quote.lines} lines{/if}"},
	}
	tm, err := Parse(Config{}, segs...)
	if err != nil {
		t.Fatal(err)
	}
	if len(tm.Blocks) != 1 || tm.Blocks[0].Open.Seg != 0 || tm.Blocks[0].Close.Seg != 2 {
		t.Fatalf("blocks %+v", tm.Blocks)
	}
	root := tm.Start(context.Background(), fixtureData(3), testEnv("de-DE"))
	items, err := root.Items(tm.Blocks[0])
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	var out Output
	for _, sc := range items {
		var cells []string
		for ci := 0; ci < 3; ci++ {
			out.Reset()
			for pi := range tm.Segments[ci].Pieces {
				if p := &tm.Segments[ci].Pieces[pi]; !p.IsTag() {
					if err := sc.Render(p, &out); err != nil {
						t.Fatal(err)
					}
				}
			}
			cells = append(cells, out.String())
		}
		rows = append(rows, strings.Join(cells, " | "))
	}
	want := []string{"1. | Item 1 | 10,00" + nbsp + "€", "2. | Item 2 | 20,00" + nbsp + "€", "3. | Item 3 | 30,00" + nbsp + "€"}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s", strings.Join(rows, "\n"))
	}
	out.Reset()
	if err := root.Render(&tm.Segments[3].Pieces[0], &out); err != nil || out.String() != "3 lines" {
		t.Errorf("inline if: %q %v", out.String(), err)
	}
	if _, err := root.Branch(tm.Blocks[0]); err == nil {
		t.Error("Branch of an each-block")
	}
	if err := root.Render(&tm.Segments[0].Pieces[0], &out); err == nil {
		t.Error("Render of a tag")
	}
}

func TestNestedBlocksAcrossSegments(t *testing.T) {
	segs := paragraphs("{#each quote.lines group \"tax_rate\" as g}", "Tax {g.key | percent}:", "{#each g.items as line}",
		"{#if line.position = 1}", "first", "{/if}", "- {line.description}", "{/each}", "{/each}")
	got := expand(t, fixtureData(3), segs...)
	want := "1:Tax 19%:|4:first|6:- Item 1|6:- Item 3|1:Tax 7%:|6:- Item 2"
	if strings.Join(got, "|") != want {
		t.Errorf("got  %q\nwant %q", strings.Join(got, "|"), want)
	}
	tm, _ := Parse(Config{}, segs...)
	if len(tm.Blocks) != 3 || tm.Blocks[1].Parent != tm.Blocks[0] || tm.Blocks[2].Parent != tm.Blocks[1] {
		t.Errorf("parents wrong")
	}
}

func TestMismatchAcrossSegments(t *testing.T) {
	_, err := Parse(Config{}, Segment{Place: "paragraph 3", Text: "x {#if a}"}, Segment{Place: "table 1 row 1 cell 1", Text: "{/each}"})
	want := "table 1 row 1 cell 1, column 1: {/each} closes the {#if} opened at paragraph 3, column 3; close it with {/if} first"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestEvalErrorPlaces(t *testing.T) {
	tm, err := Parse(Config{}, Segment{Place: "paragraph 7", Text: "Total: {quote.total | money}"},
		Segment{Place: "table 2 row 3 cell 1", Text: "{#each contact.first_name}"}, Segment{Text: "{/each}"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tm.Start(context.Background(), fixtureData(1), Env{}).Expand()
	if err == nil || err.Error() != "table 2 row 3 cell 1, column 8: {#each} needs a list; contact.first_name is text" {
		t.Errorf("got %v", err)
	}
}

func TestIterationLimit(t *testing.T) {
	huge := make([]struct{}, 10_000_000)
	tm, err := Parse(Config{}, Segment{Place: "table 1 row 2 cell 1", Text: "{#each items}x{/each}"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = tm.Text(context.Background(), map[string]any{"items": huge}, Env{})
	if err == nil || model.ErrorCode(err) != model.ETOOLARGE ||
		err.Error() != "table 1 row 2 cell 1, column 1: this reads 10000000 items, and a merge may loop over at most 100000 items in all" {
		t.Errorf("got %v (%s)", err, model.ErrorCode(err))
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %s", d)
	}
	// The limit counts all loops together, and aggregates.
	small := Config{Limits: Limits{MaxIterations: 10}}
	for _, text := range []string{
		"{#each a}{#each a}x{/each}{/each}", // 3 + 3×3
		"{#each a group \"k\"}{/each}{sum a}{sum a}{sum a}",
	} {
		tm, _ := ParseText(small, text)
		_, err := tm.Text(context.Background(), map[string]any{"a": []any{1, 2, 3}}, Env{})
		if model.ErrorCode(err) != model.ETOOLARGE {
			t.Errorf("%s: %v", text, err)
		}
	}
	tm, _ = ParseText(small, "{#each a}x{/each}{count a}")
	if got, err := tm.Text(context.Background(), map[string]any{"a": make([]any, 10)}, Env{}); err != nil || got != "xxxxxxxxxx10" {
		t.Errorf("within the limit: %q %v", got, err)
	}
}

func TestOutputLimit(t *testing.T) {
	tm, _ := ParseText(Config{Limits: Limits{MaxOutputBytes: 100}}, "{#each a}{x}{/each}")
	_, err := tm.Text(context.Background(), map[string]any{"a": make([]any, 20), "x": "12345678"}, Env{})
	if model.ErrorCode(err) != model.ETOOLARGE || !strings.Contains(err.Error(), "column 11: the output is larger than 100 bytes") {
		t.Errorf("got %v", err)
	}
}

func TestTimeLimits(t *testing.T) {
	text := "{#each a}{#each a}x{/each}{/each}"
	data := map[string]any{"a": make([]any, 300)}
	tm, _ := ParseText(Config{}, text)
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err := tm.Text(ctx, data, Env{})
	if model.ErrorCode(err) != model.ETOOLARGE || !strings.Contains(err.Error(), "the merge took too long") {
		t.Errorf("deadline: %v", err)
	}
	ctx, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := tm.Text(ctx, data, Env{}); err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("cancelled: %v", err)
	}
	tm, _ = ParseText(Config{Limits: Limits{MaxDuration: time.Nanosecond}}, text)
	if _, err := tm.Text(context.Background(), data, Env{}); model.ErrorCode(err) != model.ETOOLARGE ||
		!strings.Contains(err.Error(), "took longer than 1ns") {
		t.Errorf("duration: %v", err)
	}
}

func TestConcurrentEvaluation(t *testing.T) {
	tm, err := ParseText(Config{}, "{#each quote.lines as line}{line.net_amount | money}{/each}")
	if err != nil {
		t.Fatal(err)
	}
	data := fixtureData(20)
	want, _ := tm.Text(context.Background(), data, testEnv("ru-RU"))
	done := make(chan string)
	for range 4 {
		go func() {
			got, _ := tm.Text(context.Background(), data, testEnv("ru-RU"))
			done <- got
		}()
	}
	for range 4 {
		if got := <-done; got != want {
			t.Errorf("concurrent output differs")
		}
	}
}
