package office

import (
	"bytes"
	"strings"
	"testing"
)

// TestWordSplitRuns merges a DOCX written the way Word writes it:
// placeholders cut by proofing marks, rsid changes and bookmarks.
func TestWordSplitRuns(t *testing.T) {
	src := zipDir(t, "word-split")
	d := openBytes(t, src)
	data := fixtureData(3, "EUR")
	data["quote"].(map[string]any)["notes"] = "Line one\nLine two"
	out := entries(t, mergeDoc(t, d, data, "en-GB"))
	doc := out["word/document.xml"]
	got := strings.Join(docText(t, doc), "\n")
	want := strings.Join([]string{
		"Dear Анна,",
		"Our quote Q-2026-0042 of 20 November 2026 for Acme GmbH:",
		"Unchanged red text→ and a tab.",
		"No.", "Item", "Amount",
		"1", "Consulting day 1", "€10.50",
		"2", "Монтаж оборудования 2", "€41.00",
		"3", "Widget <XL> & spare parts 3", "€91.50",
		"Total", "€165.26",
		"Prices are net.",
		"Line one⏎Line two",
		"Regards, Olga Petrova",
	}, "\n")
	if got != want {
		t.Errorf("text:\n%s\nwant:\n%s", got, want)
	}
	for _, frag := range []string{
		// runs without placeholders keep their bytes
		`<w:r w:rsidR="00F60000"><w:rPr><w:color w:val="FF0000"/></w:rPr><w:t>Unchanged red text</w:t></w:r>`,
		`<w:r w:rsidRPr="00C30000"><w:t xml:space="preserve">Dear </w:t></w:r>`,
		// a placeholder keeps the formatting of the run where it starts
		`<w:r><w:t xml:space="preserve">Анна</w:t></w:r><w:proofErr w:type="spellStart"/>`,
		`<w:rPr><w:i/></w:rPr><w:t xml:space="preserve">Q-2026-0042</w:t>`,
		`<w:hyperlink r:id="rId3"><w:r><w:rPr><w:u w:val="single"/></w:rPr><w:t xml:space="preserve">Acme GmbH</w:t></w:r></w:hyperlink>`,
		// bookmarks between the runs of a placeholder stay
		`<w:bookmarkStart w:id="0" w:name="greeting"/><w:bookmarkEnd w:id="0"/>`,
		`<w:rPr><w:b/></w:rPr><w:t xml:space="preserve">Olga Petrova</w:t>`,
	} {
		if !bytes.Contains(doc, []byte(frag)) {
			t.Errorf("document.xml lacks %s", frag)
		}
	}
	for _, gone := range []string{"_name", "{", "w:rsidR=\"00D40000\"", "w:rsidR=\"00E50000\"", "w:rsidR=\"00880000\""} {
		if bytes.Contains(doc, []byte(gone)) {
			t.Errorf("document.xml still has %s", gone)
		}
	}
	if n := bytes.Count(doc, []byte(`<w:tr w:rsidR="00770000">`)); n != 3 {
		t.Errorf("the line row is there %d times, want 3", n)
	}
	if got := strings.Join(docText(t, out["word/header1.xml"]), "|"); got != "Rapport Ltd [picture]" {
		t.Errorf("header: %q", got)
	}
	if got := strings.Join(docText(t, out["word/footnotes.xml"]), "|"); got != "|| Valid until 26 November 2026." {
		t.Errorf("footnotes: %q", got)
	}
}
