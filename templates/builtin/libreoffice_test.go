package builtin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rapport/model"
	"rapport/templates/internal/officetest"
)

// TestLibreOffice merges every built-in Word and Writer document with the
// test data, has LibreOffice convert them all to PDF in one run, and
// checks with pdftotext that the merged values show: every line with its
// amount on one line of the page, the totals, Cyrillic names and text, and
// the logo (pdfimages).
func TestLibreOffice(t *testing.T) {
	soffice, pdftotext, pdfimages := officetest.RequireTool(t, "soffice"), officetest.RequireTool(t, "pdftotext"), officetest.RequireTool(t, "pdfimages")
	dir := t.TempDir()
	var docs []Template
	args := []string{"--headless", "--norestore", "-env:UserInstallation=file://" + filepath.Join(dir, "profile"),
		"--convert-to", "pdf", "--outdir", filepath.Join(dir, "pdf")}
	for _, tm := range All() {
		if tm.Format != model.TemplateDOCX && tm.Format != model.TemplateODT {
			continue
		}
		data, _ := fixture(t, tm, lineCount(tm))
		name := filepath.Join(dir, pdfBase(tm)+"."+tm.Format)
		if err := os.WriteFile(name, merge(t, tm, data), 0o644); err != nil {
			t.Fatal(err)
		}
		docs, args = append(docs, tm), append(args, name)
	}
	officetest.Run(t, 4*time.Minute, soffice, args...)
	for _, tm := range docs {
		t.Run(tm.Key, func(t *testing.T) {
			pdf := filepath.Join(dir, "pdf", pdfBase(tm)+".pdf")
			text := officetest.Spaces(string(officetest.Run(t, time.Minute, pdftotext, "-layout", pdf, "-")))
			data, _ := fixture(t, tm, lineCount(tm))
			want, rows := expected(t, tm, data)
			for _, w := range want {
				for _, part := range strings.Split(w, "\n") {
					if !strings.Contains(text, officetest.Spaces(part)) {
						t.Errorf("the PDF lacks %q", part)
					}
				}
			}
			for _, row := range rows {
				if !officetest.OneLine(text, row) {
					t.Errorf("no line of the PDF shows %q", row)
				}
			}
			list := strings.Split(strings.TrimSpace(string(officetest.Run(t, time.Minute, pdfimages, "-list", pdf))), "\n")
			if len(list) < 3 { // two heading lines, then a line per picture
				t.Error("the PDF has no picture: the logo is missing")
			}
			if t.Failed() {
				t.Logf("PDF text:\n%s", text)
			}
		})
	}
}

// TestResavedByLibreOffice has LibreOffice save the Writer built-ins as
// Word documents, as someone customising a template in Writer does: its
// DOCX writer splits runs and rewrites styles and tables its own way. The
// files must still lint clean and merge like the originals.
func TestResavedByLibreOffice(t *testing.T) {
	soffice := officetest.RequireTool(t, "soffice")
	dir := t.TempDir()
	args := []string{"--headless", "--norestore", "-env:UserInstallation=file://" + filepath.Join(dir, "profile"),
		"--convert-to", "docx:MS Word 2007 XML", "--outdir", filepath.Join(dir, "docx")}
	var odts []Template
	for _, tm := range All() {
		if tm.Format != model.TemplateODT {
			continue
		}
		name := filepath.Join(dir, tm.Filename)
		if err := os.WriteFile(name, tm.Content, 0o644); err != nil {
			t.Fatal(err)
		}
		odts, args = append(odts, tm), append(args, name)
	}
	officetest.Run(t, 4*time.Minute, soffice, args...)
	for _, tm := range odts {
		t.Run(tm.Key, func(t *testing.T) {
			var err error
			tm.Format = model.TemplateDOCX
			tm.Content, err = os.ReadFile(filepath.Join(dir, "docx", strings.TrimSuffix(tm.Filename, ".odt")+".docx"))
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range lintTemplate(t, tm) {
				t.Error(e)
			}
			checkMerge(t, tm)
		})
	}
}

// pdfBase names a merged document so that the Word and the Writer
// version of a template give PDFs of their own.
func pdfBase(tm Template) string { return strings.ReplaceAll(tm.Filename, ".", "-") }
