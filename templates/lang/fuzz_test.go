package lang

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// fuzzSeeds are templates that reach every construct, and broken ones.
var fuzzSeeds = []string{
	"Dear {contact.first_name | upper},",
	"{#each quote.lines as line}{line.description}: {line.net_amount | money}{#if not @last}, {/if}{/each}",
	"{#if quote.total > 100 and not contact.title}a{#elseif quote.total <= 5}b{#else}c{/if}",
	"{#each quote.lines group \"tax_rate\" as g}{g.key | percent} {sum g.items \"net_amount\" | money \"EUR\" 2}{/each}",
	"{quote.valid_until | date “2 January 2006”} {today | date \"short\"} {count quote.lines} {min quote.lines \"position\"}",
	"{{literal}} }} } {! comment } {contact.tags | join \", \"} {contact.title | default \"—\"} {(x | lower) = \"a\"}",
	"line one\n{#each contact.tags}\n- {this}\n{/each}\n",
	"<a href=\"{account.website}\">{account.name}</a><script>x</script>{contact.notes | raw}",
	"{#if a}\n{#each b}\n{/if}\n{/each}", "{", "{\"", "{#", "{/", "{x | }", "{@", "{(", "{-", "{1.", "{«a»}", "{„a“ | date}",
	"{#each quote.lines}{#each quote.lines}{#each quote.lines}{@index}{/each}{/each}{/each}",
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	cfg := Config{Limits: Limits{MaxTemplateBytes: 1 << 16}}
	f.Fuzz(func(t *testing.T, text string) {
		tm, err := ParseText(cfg, text)
		checkParse(t, tm, err)
		// The same text cut at newlines into segments, as paragraphs.
		var segs []Segment
		for _, line := range strings.Split(text, "\n") {
			segs = append(segs, Segment{Place: "paragraph", Text: line})
		}
		tm, err = Parse(cfg, segs...)
		checkParse(t, tm, err)
	})
}

// checkParse checks Parse's result: errors of the right type, blocks whose
// positions point at their tags, and a Lint that runs.
func checkParse(t *testing.T, tm *Template, err error) {
	if err != nil {
		var es Errors
		if !errors.As(err, &es) || len(es) == 0 {
			t.Fatalf("error %T %v", err, err)
		}
		return
	}
	for _, b := range tm.Blocks {
		tags := append(append([]Pos{b.Open}, b.Else...), b.Close)
		for _, p := range tags {
			if piece := &tm.Segments[p.Seg].Pieces[p.Piece]; piece.Block != b {
				t.Fatalf("block tag at %+v is not its tag", p)
			}
		}
	}
	tm.Lint(DefaultSchema(), "quote")
}

func FuzzEval(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	data := fixtureData(3)
	env := testEnv("ru-RU")
	cfg := Config{Limits: Limits{MaxIterations: 1000, MaxOutputBytes: 1 << 16, MaxDuration: time.Second}}
	f.Fuzz(func(t *testing.T, text string) {
		ctx := context.Background()
		if tm, err := ParseText(cfg, text); err == nil {
			_, _ = tm.Text(ctx, data, env)
			_, _ = tm.HTML(ctx, data, env)
		}
		var segs []Segment
		for _, line := range strings.Split(text, "\n") {
			segs = append(segs, Segment{Text: line})
		}
		if tm, err := Parse(cfg, segs...); err == nil {
			_, _ = tm.Start(ctx, data, env).Expand()
		}
	})
}
