package lang

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"rapport/model"
)

// Place names where a segment sits in its document, such as "paragraph 12"
// or "table 2 row 3 cell 1". The language does not interpret it; errors
// repeat it so that people find the mistake.
type Place string

// Error is a mistake in a template, or an exceeded limit, with its place:
// the segment's Place and the line and column within the segment's text.
// It unwraps to a *model.Error, so the API answers it as a client error.
type Error struct {
	Place Place
	// Line is the 1-based line within a segment of several lines, 0 when the
	// segment has one line (a document paragraph).
	Line int
	// Column is 1-based and counts characters, not bytes.
	Column int
	// Code is model.EINVALID for a mistake in the template or its data,
	// model.ETOOLARGE for an exceeded limit.
	Code string
	Msg  string
}

// Error formats "paragraph 12, column 5: unknown field ...".
func (e *Error) Error() string {
	var b strings.Builder
	if e.Place != "" {
		b.WriteString(string(e.Place))
		b.WriteString(", ")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d, ", e.Line)
	}
	fmt.Fprintf(&b, "column %d: %s", e.Column, e.Msg)
	return b.String()
}

// Unwrap returns the coded error the API maps to an HTTP status.
func (e *Error) Unwrap() error { return &model.Error{Code: e.Code, Message: e.Error()} }

// Errors is every error Parse or Lint found, in document order.
type Errors []*Error

// Error returns the first error and how many more there are.
func (es Errors) Error() string {
	switch len(es) {
	case 0:
		return "no errors"
	case 1:
		return es[0].Error()
	}
	return fmt.Sprintf("%s (and %d more)", es[0].Error(), len(es)-1)
}

// Unwrap returns the errors, so errors.As finds the first *Error and
// model.ErrorCode its code.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// maxErrors bounds how many errors one Parse or Lint collects.
const maxErrors = 100

// errAt builds an error at byte offset off of a segment's text.
func errAt(seg *Segment, off int, code, format string, args ...any) *Error {
	e := &Error{Place: seg.Place, Code: code, Msg: fmt.Sprintf(format, args...)}
	e.Line, e.Column = position(seg, off)
	return e
}

// position returns the line and column of byte offset off in a segment; the
// first line's column counts the segment's Offset.
func position(seg *Segment, off int) (line, col int) {
	line, col = lineCol(seg.Text, off)
	if line <= 1 {
		col += seg.Offset
	}
	return line, col
}

// lineCol converts a byte offset to a line (0 for one-line text) and a
// 1-based character column.
func lineCol(text string, off int) (line, col int) {
	off = max(0, min(off, len(text)))
	start := strings.LastIndexByte(text[:off], '\n') + 1
	col = utf8.RuneCountInString(text[start:off]) + 1
	if strings.IndexByte(text, '\n') < 0 {
		return 0, col
	}
	return strings.Count(text[:off], "\n") + 1, col
}
