package office

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"rapport/model"
	"rapport/templates/lang"
)

// mainText merges a template and returns its body's text, one line per
// paragraph.
func mainText(t *testing.T, src []byte, lines int) []string {
	t.Helper()
	d := openBytes(t, src)
	out := entries(t, mergeDoc(t, d, fixtureData(lines, "EUR"), "en-US"))
	return docText(t, out[d.parts[0].name])
}

func TestBlocks(t *testing.T) {
	cases := []struct {
		name string
		body string
		want string // paragraphs joined with |
	}{
		{"paragraph loop: tag paragraphs disappear",
			wp("Lines:") + wp("{#each quote.lines as line}") + wp("{@number}. ", "{line.", "description}") + wp("{/each}") + wp("End"),
			"Lines:|1. Consulting day 1|2. Монтаж оборудования 2|End"},
		{"paragraph if with else",
			wp("{#if quote.discount_total > 0}") + wp("discount") + wp("{#else}") + wp("net ", "{quote.net_total | money}") + wp("{/if}"),
			"net €51.50"},
		{"nested paragraph blocks, tags sharing a paragraph",
			wp("{#each quote.lines as line}") + wp("{line.position}") + wp("{/each}{#if true}") + wp("after") + wp("{/if}"),
			"1|2|after"},
		{"row loop: tags in the first and last cell",
			wtable([]string{"Pos", "Net"}, []string{"{#each quote.lines as line}{line.position}", "{line.net_amount | money}{/each}"}, []string{"Total", "{quote.total | money}"}),
			"Pos|Net|1|€10.50|2|€41.00|Total|€56.37"},
		{"two rows per item",
			wtable([]string{"{#each quote.lines as line}{line.position}", "{line.description}"}, []string{"", "{line.unit_price | money}{/each}"}),
			"1|Consulting day 1||€10.50|2|Монтаж оборудования 2||€20.50"},
		{"row if: a row kept or dropped",
			wtable([]string{"{#if quote.discount_total > 0}Discount", "{quote.discount_total}{/if}"}, []string{"{#if true}Net", "{quote.net_total | money}{/if}"}),
			"Net|€51.50"},
		{"row if with else in a later row",
			wtable([]string{"{#if false}A", "a"}, []string{"{#else}B", "b{/if}"}),
			"B|b"},
		{"paragraph loop inside a cell",
			"<w:tbl><w:tr><w:tc>" + wp("{#each quote.lines as line}") + wp("{line.position}") + wp("{/each}") + "</w:tc><w:tc>" + wp("x") + "</w:tc></w:tr></w:tbl>",
			"1|2||x"},
		{"inline blocks across runs of one paragraph",
			wp("Regards{#if user.name}, ", "{user.name}", "{/if}!") + wp("{#each quote.lines as line}", "{line.position}", "{#if not @last}, {/if}", "{/each}"),
			"Regards, Olga Petrova!|1, 2"},
		{"text loop across paragraphs keeps the text around it",
			wp("Items: {#each quote.lines as line}", "[{line.position}") + wp("{line.unit}]{/each} end"),
			"Items: [1|pc][2|pc] end"},
		{"tags split across runs",
			wp("{#ea", "ch quote.li", "nes as line}") + wp("{line.po", "sition}") + wp("{/e", "ach}"),
			"1|2"},
		{"escaped braces and values with markup",
			wp("{{literal}} ", "{quote.lines.2.description}"),
			"{literal} Widget <XL> & spare parts 3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lines := 2
			if strings.Contains(c.body, "lines.2") {
				lines = 3
			}
			got := strings.Join(mainText(t, docxOf(t, c.body, ""), lines), "|")
			if got != c.want {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

// TestBlocksODT repeats rows and paragraphs of a Writer document, and
// gathers placeholders split across spans.
func TestBlocksODT(t *testing.T) {
	p := func(inner string) string { return `<text:p>` + inner + `</text:p>` }
	row := func(cells ...string) string {
		var b strings.Builder
		b.WriteString("<table:table-row>")
		for _, c := range cells {
			b.WriteString("<table:table-cell>" + p(c) + "</table:table-cell>")
		}
		b.WriteString("</table:table-row>")
		return b.String()
	}
	body := p(`Dear <text:span text:style-name="T1">{contact.</text:span>first_name},`) +
		`<table:table><table:table-header-rows>` + row("Pos", "Net") + `</table:table-header-rows>` +
		row(`{#each quote.lines as line}{line.<text:span text:style-name="T2">position</text:span>}`, `{line.net_amount | money}{/each}`) +
		`</table:table>` +
		p("{#if quote.notes}") + p("{quote.notes}") + p("{/if}") +
		p(`Spaces:<text:s text:c="3"/>{user.name}<text:tab/>end`)
	d := openBytes(t, odtOf(t, body))
	data := fixtureData(2, "EUR")
	data["quote"].(map[string]any)["notes"] = "two  blanks\nand a break"
	out := entries(t, mergeDoc(t, d, data, "en-US"))
	got := strings.Join(docText(t, out["content.xml"]), "|")
	want := "Dear Анна,|Pos|Net|1|€10.50|2|€41.00|two  blanks⏎and a break|Spaces:   Olga Petrova→end"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	for _, frag := range []string{`<text:span text:style-name="T1">Анна</text:span>`, `two <text:s/>blanks<text:line-break/>and a break`} {
		if !bytes.Contains(out["content.xml"], []byte(frag)) {
			t.Errorf("content.xml lacks %s:\n%s", frag, out["content.xml"])
		}
	}
}

// TestPlaces checks that template mistakes name their place in the
// document, with the column counted in the paragraph.
func TestPlaces(t *testing.T) {
	body := wp("Intro") + wp("Dear ", "{contact.frist_name}") + wtable([]string{"a", "b"}, []string{"x", "{quote.total | nope}"}) +
		wtable([]string{"c", "{#each contact.first_name}"}, []string{"{/each}", "d"})
	header := wp("{company.nmae}")
	d, err := Open(bytes.NewReader(docxOf(t, body, header)), 0, Config{})
	if d != nil || err == nil {
		t.Fatal("a bad template opened")
	}
	src := docxOf(t, body, header)
	_, err = Open(bytes.NewReader(src), int64(len(src)), Config{})
	var errs lang.Errors
	if !errors.As(err, &errs) || len(errs) != 1 {
		t.Fatalf("parse errors: %v", err)
	}
	if want := "table 1 row 2 cell 2, column 16: unknown formatter nope; formatters are"; !strings.HasPrefix(errs[0].Error(), want) {
		t.Errorf("got %q\nwant %q…", errs[0].Error(), want)
	}
	body = strings.Replace(body, "nope", "money", 1)
	doc := openBytes(t, docxOf(t, body, header))
	lint := doc.Lint(lang.DefaultSchema(), "quote")
	var msgs []string
	for _, e := range lint {
		msgs = append(msgs, e.Error())
	}
	want := []string{
		"paragraph 2, column 7: unknown field contact.frist_name; did you mean contact.first_name?",
		"table 2 row 1 cell 2, column 8: {#each} needs a list; contact.first_name is text",
		"header 1 paragraph 1, column 2: unknown field company.nmae; did you mean company.name?",
	}
	if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Errorf("lint:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
	if model.ErrorCode(lint) != model.EINVALID {
		t.Errorf("code %q", model.ErrorCode(lint))
	}
}

// TestLayoutErrors checks blocks whose tags sit where nothing can repeat.
func TestLayoutErrors(t *testing.T) {
	cases := []struct{ body, want string }{
		{wp("{#each quote.lines}") + wtable([]string{"x{/each}", "y"}),
			"table 1 row 1 cell 1, column 2: {/each} and the {#each} at paragraph 1, column 1 do not sit in the same kind of place"},
		{wtable([]string{"{#if true}a", "b{/if}{#each quote.lines}", "c{/each}"}),
			"table 1 row 1 cell 2, column 7: this {#each} and the {#if} at table 1 row 1 cell 1, column 1 repeat or drop the same table rows or paragraphs"},
	}
	for _, c := range cases {
		src := docxOf(t, c.body, "")
		_, err := Open(bytes.NewReader(src), int64(len(src)), Config{})
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("got %v\nwant %s…", err, c.want)
		}
	}
}

// TestMergeErrors checks what only the data shows, and the loop limit.
func TestMergeErrors(t *testing.T) {
	d := openBytes(t, docxOf(t, wp("x")+wtable([]string{"{#each quote.lines}{position}", "{/each}"}), ""))
	huge := make([]struct{}, 10_000_000)
	data := fixtureData(1, "EUR")
	data["quote"].(map[string]any)["lines"] = huge
	var b bytes.Buffer
	err := d.Merge(context.Background(), &b, data, testEnv("en-US"), nil)
	if model.ErrorCode(err) != model.ETOOLARGE || !strings.HasPrefix(err.Error(), "table 1 row 1 cell 1, column 1: this reads 10000000 items") {
		t.Errorf("10 million items: %v", err)
	}
	if b.Len() != 0 {
		t.Error("a failed merge wrote output")
	}
	d = openBytes(t, docxOf(t, wp("{quote.number | money}"), ""))
	err = d.Merge(context.Background(), &b, fixtureData(1, "EUR"), testEnv("en-US"), nil)
	if err == nil || !strings.Contains(err.Error(), "paragraph 1, column 17: money") {
		t.Errorf("money of text: %v", err)
	}
}

// TestFixturesLint checks that the templates of the test set lint clean,
// and that lint finds mistakes in headers and footnotes by their place.
func TestFixturesLint(t *testing.T) {
	for _, c := range goldenCases {
		d := openBytes(t, templateBytes(t, c.name))
		if errs := d.Lint(lang.DefaultSchema(), "quote"); errs != nil {
			t.Errorf("%s: %v", c.name, errs)
		}
		if errs := d.Lint(lang.DefaultSchema(), "contact"); len(errs) == 0 || !strings.Contains(errs.Error(), "unknown field quote") {
			t.Errorf("%s as a contact letter: %v", c.name, errs)
		}
	}
	files := entries(t, templateBytes(t, "quote-en.docx"))
	for name, from := range map[string]string{"word/footnotes.xml": "quote.number", "word/footer1.xml": "company.iban"} {
		files[name] = bytes.Replace(files[name], []byte(from), []byte(from+"x"), 1)
	}
	errs := openBytes(t, zipFiles(t, files)).Lint(lang.DefaultSchema(), "quote")
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	want := "footer 1 paragraph 1, column 24: unknown field company.ibanx; did you mean company.iban?\n" +
		"footnote 1 paragraph 1, column 8: unknown field quote.numberx; did you mean quote.number?"
	if got := strings.Join(msgs, "\n"); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
