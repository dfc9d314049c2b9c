package main

import (
	"strings"
	"testing"

	"rapport/model/storetest"
	"rapport/templates/builtin"
)

// fixture is a template file of templates/templatefile's test data.
func fixture(name string) string { return "../../templates/templatefile/testdata/" + name }

func TestTemplateLintCommand(t *testing.T) {
	out, err := run(t, "", "template", "lint", fixture("errors.docx"), "--record-type", "contact")
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "2 error(s)") {
		t.Fatalf("lint errors: %v (exit %d)\n%s", err, exitCode(err), out)
	}
	for _, want := range []string{
		"errors.docx: paragraph 1, column 7: unknown field contact.frist_name; did you mean contact.first_name?",
		"errors.docx: table 1 row 1 cell 1, column 2: unknown field contact.emial; did you mean contact.emails?",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if out, err := run(t, "", "template", "lint", fixture("doctype.docx")); exitCode(err) != 1 || !strings.Contains(out, "DOCTYPE") {
		t.Errorf("unsafe file: %v\n%s", err, out)
	}
	if out := mustRun(t, "", "template", "lint", fixture("letter.odt"), "--record-type", "contact"); !strings.Contains(out, "ok (odt)") {
		t.Errorf("clean lint: %s", out)
	}
	if _, err := run(t, "", "template", "lint", fixture("letter.odt"), "--record-type", "spaceship"); exitCode(err) != 2 {
		t.Errorf("bad record type: %v (exit %d)", err, exitCode(err))
	}
}

func TestTemplateAddListInstall(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			g := []string{"--db", storetest.DSN(t, engine), "--data", t.TempDir()}
			cli := func(args ...string) string { return mustRun(t, "", append(g, args...)...) }
			id := strings.TrimSpace(cli("template", "add", fixture("letter.docx"), "--name", "Welcome", "--record-type", "contact", "--locale", "ru-RU"))
			if len(id) != 36 {
				t.Fatalf("add printed %q", id)
			}
			for _, bad := range [][]string{
				{"template", "add", fixture("errors.docx"), "--name", "Broken", "--record-type", "contact"},
				{"template", "add", fixture("letter.docx"), "--name", "With subject", "--record-type", "contact", "--subject", "Hi"},
				{"template", "add", fixture("letter.docx"), "--record-type", "contact"},
			} {
				if out, err := run(t, "", append(g, bad...)...); err == nil {
					t.Errorf("%v was added:\n%s", bad, out)
				}
			}
			list := cli("template", "list")
			if lines := strings.Split(strings.TrimSpace(list), "\n"); len(lines) != 2 || !strings.Contains(lines[1], id) ||
				!strings.Contains(lines[1], "Welcome") || !strings.Contains(lines[1], "docx") {
				t.Fatalf("list:\n%s", list)
			}
			out := cli("template", "install-builtins")
			if strings.Count(out, "installed") != len(builtin.All()) {
				t.Fatalf("install:\n%s", out)
			}
			if out := cli("template", "install-builtins"); strings.Count(out, "unchanged") != len(builtin.All()) {
				t.Fatalf("install again:\n%s", out)
			}
			if lines := strings.Split(strings.TrimSpace(cli("template", "list")), "\n"); len(lines) != 2+len(builtin.All()) {
				t.Fatalf("list after install: %d lines", len(lines))
			}
		})
	}
}
