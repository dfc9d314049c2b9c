package templatefile

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"rapport/model"
	"rapport/templates/lang"
	"rapport/templates/office"
)

// MaxBytes bounds a template file: the office engine's bound on the zip
// (mail templates are bounded by the language's smaller text limit).
var MaxBytes = office.DefaultLimits.MaxFileBytes

// contentTypes are the content types a template of each format is served
// with, whatever its upload said.
var contentTypes = map[string]string{
	model.TemplateDOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	model.TemplateODT:  "application/vnd.oasis.opendocument.text",
	model.TemplateHTML: "text/html; charset=utf-8",
	model.TemplateText: "text/plain; charset=utf-8",
}

// ContentType returns the content type of a template of format.
func ContentType(format string) string { return contentTypes[format] }

// extFormats are the file name extensions that name a format. Word's and
// Writer's template files (.dotx, .ott) are merged like their documents.
var extFormats = map[string]string{
	".docx": model.TemplateDOCX, ".dotx": model.TemplateDOCX, ".odt": model.TemplateODT, ".ott": model.TemplateODT,
	".html": model.TemplateHTML, ".htm": model.TemplateHTML, ".txt": model.TemplateText, ".text": model.TemplateText,
}

// typeFormats are the content types that name a format, for files whose
// name has no known extension.
var typeFormats = map[string]string{
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": model.TemplateDOCX,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.template": model.TemplateDOCX,
	"application/vnd.oasis.opendocument.text":                                 model.TemplateODT,
	"application/vnd.oasis.opendocument.text-template":                        model.TemplateODT,
	"text/html": model.TemplateHTML, "text/plain": model.TemplateText,
}

// officeNames name the office formats for messages.
var officeNames = map[string]string{model.TemplateDOCX: "Word (DOCX)", model.TemplateODT: "Writer (ODT)"}

// Result is what Check found.
type Result struct {
	// Format is the file's format (model.TemplateDOCX …); "" when the
	// document's placeholders did not parse.
	Format string
	// Errors are the template's mistakes, each with its place; nil when the
	// template is fine.
	Errors lang.Errors
}

// Check reads a template file of size bytes named filename and uploaded as
// contentType (may be ""), decides its format and lints it for documents
// merged from a recordType record ("" accepts every record type's fields).
// A file that cannot be a template at all — not a document, unsafe (a
// DOCTYPE, an entry outside the archive), too large (a zip bomb), not UTF-8
// text, of an unknown or contradictory type — is an error coded EINVALID,
// EMALFORMED or ETOOLARGE; mistakes in a template are Result.Errors.
func Check(r io.ReaderAt, size int64, filename, contentType, recordType string) (Result, error) {
	if recordType != "" && !slices.Contains(model.TemplateEntities, recordType) {
		return Result{}, fieldError("record_type", "one of "+strings.Join(model.TemplateEntities, ", "))
	}
	named := nameFormat(filename, contentType)
	if isZip(r) || named == model.TemplateDOCX || named == model.TemplateODT {
		return checkOffice(r, size, filename, recordType)
	}
	if named == "" {
		return Result{}, model.Errorf(model.EINVALID, "%s: not a template: upload a Word (.docx), Writer (.odt), HTML (.html) or text (.txt) file", filename)
	}
	return checkText(r, size, named, recordType)
}

// nameFormat returns the format a file's name, else its content type, names.
func nameFormat(filename, contentType string) string {
	if f, ok := extFormats[strings.ToLower(filepath.Ext(filename))]; ok {
		return f
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	return typeFormats[mt]
}

// isZip reports whether the content starts like a zip archive (a local
// file header, or the end record of an empty one).
func isZip(r io.ReaderAt) bool {
	head := make([]byte, 4)
	n, _ := r.ReadAt(head, 0)
	return n == 4 && (string(head) == "PK\x03\x04" || string(head) == "PK\x05\x06")
}

// checkOffice opens and lints a DOCX or ODT template.
func checkOffice(r io.ReaderAt, size int64, filename, recordType string) (Result, error) {
	doc, err := office.Open(r, size, office.Config{})
	var errs lang.Errors
	switch {
	case errors.As(err, &errs):
		return Result{Errors: errs}, nil
	case err != nil:
		return Result{}, err
	}
	format := string(doc.Format())
	if ext := strings.ToLower(filepath.Ext(filename)); extFormats[ext] != "" && extFormats[ext] != format {
		return Result{}, model.Errorf(model.EINVALID, "%s is a %s document, but its name ends in %s: rename it", filename,
			officeNames[format], ext)
	}
	return Result{Format: format, Errors: doc.Lint(lang.DefaultSchema(), recordType)}, nil
}

// checkText parses and lints an HTML or plain-text template.
func checkText(r io.ReaderAt, size int64, format, recordType string) (Result, error) {
	limit := lang.DefaultLimits.MaxTemplateBytes
	if size > int64(limit) {
		return Result{}, model.Errorf(model.ETOOLARGE, "the template has %d bytes; a mail template may have at most %d", size, limit)
	}
	b := make([]byte, size)
	if _, err := r.ReadAt(b, 0); err != nil && err != io.EOF {
		return Result{}, model.Errorf(model.EMALFORMED, "could not read the template: %v", err)
	}
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	if !utf8.Valid(b) {
		return Result{}, model.Errorf(model.EINVALID, "the template is not UTF-8 text: save it as UTF-8")
	}
	errs := lang.LintSource(lang.Config{}, lang.DefaultSchema(), recordType, lang.Segment{Text: string(b)})
	return Result{Format: format, Errors: errs}, nil
}

// CheckNew validates the fields of a new template t for a file of format
// named filename before the file is stored, so that a template refused for
// its fields leaves nothing behind. The file's hash and revision are the
// store's to set: stand-ins take their place here.
func CheckNew(t model.DocumentTemplate, format, filename string) error {
	t.Format, t.Filename, t.Revision, t.SHA256 = format, filename, 1, strings.Repeat("0", 64)
	t.Normalize()
	return t.Validate()
}

func fieldError(field, msg string) error {
	fe := model.FieldErrors{}
	fe.Add(field, msg)
	return fe.Err()
}
