package builtin

import (
	"bytes"
	"testing"

	"rapport/model"
	"rapport/templates/lang"
	"rapport/templates/office"
)

// TestLint parses every built-in and lints it against the fields of its
// record type: no unknown field, no bad formatter, no misplaced block.
func TestLint(t *testing.T) {
	for _, tm := range All() {
		t.Run(tm.Key, func(t *testing.T) {
			for _, e := range lintTemplate(t, tm) {
				t.Error(e)
			}
		})
	}
}

// lintTemplate parses a built-in (and its subject) and returns its lint
// errors.
func lintTemplate(t *testing.T, tm Template) lang.Errors {
	t.Helper()
	s := lang.DefaultSchema()
	switch tm.Format {
	case model.TemplateDOCX, model.TemplateODT:
		d, err := office.Open(bytes.NewReader(tm.Content), int64(len(tm.Content)), office.Config{})
		if err != nil {
			t.Fatal(err)
		}
		return d.Lint(s, tm.RecordType)
	}
	var errs lang.Errors
	for _, text := range []string{string(tm.Content), tm.Subject} {
		p, err := lang.ParseText(lang.Config{}, text)
		if err != nil {
			t.Fatal(err)
		}
		errs = append(errs, p.Lint(s, tm.RecordType)...)
	}
	return errs
}
