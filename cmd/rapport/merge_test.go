package main

import (
	"archive/zip"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// TestMergeCommand merges template files with records of a real database:
// one contact's letter, a mailing list combined and zipped, a text
// template to standard output with the company's details from the
// environment, and the mistakes people make.
func TestMergeCommand(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) { mergeCommand(t, engine) })
	}
}

func mergeCommand(t *testing.T, engine string) {
	data := t.TempDir()
	dsn := storetest.DSN(t, engine)
	g := []string{"--db", dsn, "--data", data}
	cli := func(args ...string) string { return mustRun(t, "", append(g, args...)...) }
	people := filepath.Join(data, "people.csv")
	writeFile(t, people, "first_name,last_name,email\nAnna,Smith,anna@example.com\nBoris,Brown,boris@example.com\n")
	cli("import", "contacts", people)
	anna := newsletter(t, dsn)
	letter := "../../templates/templatefile/testdata/letter.docx"

	out := filepath.Join(data, "anna.docx")
	if got := cli("merge", "--template", letter, "--record", "contact:"+anna, "-o", out); got != "wrote "+out+"\n" {
		t.Errorf("output %q", got)
	}
	if text := zipText(t, out, "word/document.xml"); !strings.Contains(text, "Dear Anna, Smith") {
		t.Errorf("letter: %s", text)
	}
	combined := filepath.Join(data, "all.docx")
	cli("merge", "--template", letter, "--list", "Newsletter", "-o", combined)
	if text := zipText(t, combined, "word/document.xml"); !strings.Contains(text, "Dear Anna") || !strings.Contains(text, "Dear Boris") {
		t.Errorf("combined: %s", text)
	}
	zipped := filepath.Join(data, "all.zip")
	cli("merge", "--template", letter, "--list", "Newsletter", "--zip", "-o", zipped)
	if n := zipText(t, zipped, ""); n != "00001 Boris Brown.docx 00002 Anna Smith.docx" {
		t.Errorf("zip entries %q", n)
	}

	note := filepath.Join(data, "note.txt")
	writeFile(t, note, "{contact.first_name} / {company.name} / {company.address.city}")
	t.Setenv("RAPPORT_COMPANY_NAME", "Rapport Ltd")
	company := filepath.Join(data, "company.json")
	writeFile(t, company, `{"name": "From the file", "address": {"city": "Berlin"}}`)
	if got := cli("merge", "--template", note, "--record", "contact:"+anna, "-o", "-", "--company", company); got != "Anna / Rapport Ltd / Berlin" {
		t.Errorf("text to stdout: %q", got)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"merge", "--template", letter}, "name what to merge"},
		{[]string{"merge", "--template", letter, "--record", "contact:" + anna, "--list", "Newsletter"}, "name what to merge"},
		{[]string{"merge", "--template", letter, "--record", "lead:" + anna}, "--record is TYPE:ID"},
		{[]string{"merge", "--template", letter, "--list", "Nope"}, `no mailing list called "Nope"`},
		{[]string{"merge", "--template", "missing.docx", "--record", "contact:" + anna}, "--template: open missing.docx"},
		{[]string{"merge", "--template", note, "--list", "Newsletter"}, "use zip"},
		{[]string{"merge", "--template", letter, "--record", "contact:" + anna, "--format", "pdf", "--pdf-soffice", "/nonexistent/soffice"},
			"LibreOffice is not installed"},
		{[]string{"merge", "--template", letter, "--record", "contact:" + anna, "--company", note}, "--company"},
	} {
		if out, err := run(t, "", append(g, c.args...)...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v %s", c.args, err, out)
		}
	}
}

// newsletter puts every contact on a static list called Newsletter and
// returns Anna's id.
func newsletter(t *testing.T, dsn string) string {
	t.Helper()
	ctx := model.WithActor(context.Background(), cliActor)
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	page, err := store.List[model.Contact](ctx, s, store.ListParams{})
	if err != nil || len(page.Items) != 2 {
		t.Fatalf("contacts: %v", err)
	}
	list := &model.MailingList{Name: "Newsletter"}
	if err := store.Create(ctx, s, list); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddListMembers(ctx, list.ID, []string{page.Items[0].ID, page.Items[1].ID}); err != nil {
		t.Fatal(err)
	}
	for _, c := range page.Items {
		if c.FirstName == "Anna" {
			return c.ID
		}
	}
	t.Fatal("no Anna")
	return ""
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// zipText returns an entry of a zip file with its tags as blanks, or with
// entry "", the names of its entries.
func zipText(t *testing.T, path, entry string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Name != entry {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		var text strings.Builder
		inTag := false
		for _, r := range string(b) {
			switch {
			case r == '<':
				inTag = true
				text.WriteRune(' ')
			case r == '>':
				inTag = false
			case !inTag:
				text.WriteRune(r)
			}
		}
		return strings.Join(strings.Fields(text.String()), " ")
	}
	return strings.Join(names, " ")
}

// TestMergeCommandPDF converts a letter and a combined mailing to PDF with
// the real LibreOffice (installed by .ci/test-deps.sh) and reads the PDFs
// back with pdftotext.
func TestMergeCommandPDF(t *testing.T) {
	for _, tool := range []string{"soffice", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run .ci/test-deps.sh (apt-get install libreoffice-writer-nogui poppler-utils)", tool)
		}
	}
	data := t.TempDir()
	t.Setenv("TMPDIR", data) // the converters' profiles
	dsn := storetest.DSN(t, "sqlite")
	g := []string{"--db", dsn, "--data", data}
	people := filepath.Join(data, "people.csv")
	writeFile(t, people, "first_name,last_name,email\nAnna,Smith,anna@example.com\nBoris,Brown,boris@example.com\n")
	mustRun(t, "", append(g, "import", "contacts", people)...)
	anna := newsletter(t, dsn)
	letter := "../../templates/templatefile/testdata/letter.docx"
	one, all := filepath.Join(data, "anna.pdf"), filepath.Join(data, "all.pdf")
	mustRun(t, "", append(g, "merge", "--template", letter, "--record", "contact:"+anna, "--format", "pdf", "-o", one)...)
	mustRun(t, "", append(g, "merge", "--template", letter, "--list", "Newsletter", "--format", "pdf", "-o", all)...)
	for path, want := range map[string][]string{one: {"Dear Anna, Smith"}, all: {"Dear Boris, Brown", "Dear Anna, Smith"}} {
		out, err := exec.Command("pdftotext", path, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext %s: %v", path, err)
		}
		text := strings.Join(strings.Fields(string(out)), " ")
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s lacks %q: %s", filepath.Base(path), w, text)
			}
		}
	}
}
