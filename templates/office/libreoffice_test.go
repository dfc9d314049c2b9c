package office

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rapport/templates/internal/officetest"
	"rapport/templates/lang"
)

// TestLibreOffice opens every merged document of the test set with
// LibreOffice, converts it to PDF, and checks with pdftotext that the
// merged values are there: every quote line, the totals, Cyrillic text.
func TestLibreOffice(t *testing.T) {
	soffice, pdftotext, pdfimages := officetest.RequireTool(t, "soffice"), officetest.RequireTool(t, "pdftotext"), officetest.RequireTool(t, "pdfimages")
	dir := t.TempDir()
	type check struct {
		file   string
		want   []string   // text that must show
		rows   [][]string // texts that must show on one line
		images int        // at least this many pictures
	}
	var checks []check
	write := func(name string, data []byte) string {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		return name
	}
	quote := fixtureData(50, "EUR")
	for _, c := range goldenCases {
		d := openBytes(t, templateBytes(t, c.name))
		lines, data := c.lines, fixtureData(c.lines, c.cur)
		if strings.HasPrefix(c.name, "quote") {
			lines, data = 50, quote
		}
		name := write(strings.ReplaceAll(c.name, ".", "-")+"."+string(d.Format()), mergeDoc(t, d, data, c.locale))
		ck := check{file: name, rows: expectRows(t, data, c.locale, lines)}
		switch {
		case strings.HasPrefix(c.name, "quote"):
			ck.want = expectText(t, data, c.locale, "Quote {quote.number}", "Dear {contact.first_name},", "Rapport Ltd · IBAN {company.iban}")
			groups := expectText(t, data, c.locale, `{#each quote.lines group "tax_rate" as g}VAT {g.key | percent}: `+
				`{sum g.items "tax_amount" | money} on {sum g.items "net_amount" | money} ({count g.items} lines)`+"\n{/each}")
			ck.want = append(ck.want, strings.Split(strings.TrimSpace(groups[0]), "\n")...)
			totals := expectText(t, data, c.locale, "{quote.net_total | money}", "{quote.tax_total | money}", "{quote.total | money}")
			ck.rows = append(ck.rows, []string{"Net total", totals[0]}, []string{"VAT", totals[1]}, []string{"Total", totals[2]})
			ck.images = 2
		case strings.HasPrefix(c.name, "letter"):
			ck.want = expectText(t, data, c.locale, "Уважаемый(ая) Анна!", "{today | date}", "на сумму {quote.total | money}",
				"Итого: 3 поз. на {quote.total | money}, в том числе НДС {quote.tax_total | money}.", "ООО «Рапорт» · ИНН 7701234567")
		default:
			ck.want = expectText(t, data, c.locale, "Dear Анна,", "Regards, Olga Petrova")
			ck.rows = append(ck.rows, []string{"Total", expectText(t, data, c.locale, "{quote.total | money}")[0]})
		}
		checks = append(checks, ck)
	}
	for _, format := range []string{"docx", "odt"} {
		d := openFile(t, "letter-ru."+format)
		var b bytes.Buffer
		if err := d.MergeCombined(context.Background(), &b, letters(3), nil); err != nil {
			t.Fatal(err)
		}
		checks = append(checks, check{file: write("combined-"+format+"."+format, b.Bytes()),
			want: []string{"Уважаемый(ая) Анна 1!", "Уважаемый(ая) Анна 2!", "Уважаемый(ая) Анна 3!"}})
	}
	args := []string{"--headless", "--norestore", "-env:UserInstallation=file://" + filepath.Join(dir, "profile"),
		"--convert-to", "pdf", "--outdir", filepath.Join(dir, "pdf")}
	for _, c := range checks {
		args = append(args, filepath.Join(dir, c.file))
	}
	officetest.Run(t, 4*time.Minute, soffice, args...)
	for _, c := range checks {
		failed := t.Failed()
		pdf := filepath.Join(dir, "pdf", strings.TrimSuffix(c.file, filepath.Ext(c.file))+".pdf")
		text := officetest.Spaces(string(officetest.Run(t, time.Minute, pdftotext, "-layout", pdf, "-")))
		for _, w := range c.want {
			if !strings.Contains(text, officetest.Spaces(w)) {
				t.Errorf("%s: the PDF lacks %q", c.file, w)
			}
		}
		for _, row := range c.rows {
			if !officetest.OneLine(text, row) {
				t.Errorf("%s: no line of the PDF shows %q", c.file, row)
			}
		}
		if c.images > 0 {
			list := strings.Split(strings.TrimSpace(string(officetest.Run(t, time.Minute, pdfimages, "-list", pdf))), "\n")
			if n := len(list) - 2; n < c.images { // two heading lines
				t.Errorf("%s: %d pictures in the PDF, want %d", c.file, n, c.images)
			}
		}
		if t.Failed() && !failed {
			t.Logf("%s:\n%s", c.file, text)
		}
	}
}

// expectText merges texts (templates of one line) with the data.
func expectText(t *testing.T, data map[string]any, loc string, texts ...string) []string {
	t.Helper()
	out := make([]string, len(texts))
	for i, s := range texts {
		tm, err := lang.ParseText(lang.Config{}, s)
		if err != nil {
			t.Fatal(err)
		}
		if out[i], err = tm.Text(context.Background(), data, testEnv(loc)); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// expectRows returns, for every quote line, its description and net
// amount as the merge formats them.
func expectRows(t *testing.T, data map[string]any, loc string, n int) [][]string {
	t.Helper()
	text := expectText(t, data, loc, "{#each quote.lines as line}{line.description}\t{line.net_amount | money}\n{/each}")[0]
	var rows [][]string
	for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
		rows = append(rows, strings.Split(l, "\t"))
	}
	if len(rows) != n {
		t.Fatalf("%d rows", len(rows))
	}
	return rows
}
