package office

import (
	"errors"
	"fmt"

	"rapport/model"
)

// Kinds of container errors, for errors.Is.
var (
	// ErrNotDocument: the file is not a DOCX or ODT document (not a zip, or
	// a zip without the parts a word-processing document has).
	ErrNotDocument = errors.New("not a DOCX or ODT document")
	// ErrUnsafe: the file holds something refused for safety (an entry
	// named outside the archive, an XML DOCTYPE or entity declaration).
	ErrUnsafe = errors.New("unsafe document")
	// ErrTooLarge: a limit on entries, sizes or compression ratio was
	// exceeded.
	ErrTooLarge = errors.New("document too large")
	// ErrMalformed: the zip or an XML part is broken.
	ErrMalformed = errors.New("malformed document")
)

// Error is a problem with a document's container or XML, as opposed to its
// template (those are lang.Errors): what is wrong and where.
type Error struct {
	Kind error  // ErrNotDocument, ErrUnsafe, ErrTooLarge or ErrMalformed
	Part string // the zip entry, "" for the file as a whole
	Line int    // the line in an XML part, 0 when unknown
	Msg  string
}

// Error formats "word/document.xml, line 3: ...".
func (e *Error) Error() string {
	switch {
	case e.Part != "" && e.Line > 0:
		return fmt.Sprintf("%s, line %d: %s", e.Part, e.Line, e.Msg)
	case e.Part != "":
		return e.Part + ": " + e.Msg
	}
	return e.Msg
}

// Unwrap returns the kind, and the coded error the API maps to a status:
// 413 for limits, 422 for the rest.
func (e *Error) Unwrap() []error {
	code := model.EMALFORMED
	switch e.Kind {
	case ErrTooLarge:
		code = model.ETOOLARGE
	case ErrUnsafe, ErrNotDocument:
		code = model.EINVALID
	}
	return []error{e.Kind, &model.Error{Code: code, Message: e.Error()}}
}

// errorf builds an *Error.
func errorf(kind error, part string, format string, args ...any) *Error {
	return &Error{Kind: kind, Part: part, Msg: fmt.Sprintf(format, args...)}
}
