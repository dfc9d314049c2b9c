// Package templatefile tells what kind of template an uploaded file is and
// checks it before it is stored: the one place where the API, the CLI and
// whoever installs templates decide a file's format and lint it.
//
// A DOCX or ODT file is recognised by its content (a zip archive, opened by
// templates/office within its limits); an HTML or plain-text mail template
// by its name (.html, .htm, .txt) or, failing that, its content type. The
// name must not contradict the content: a DOCX called letter.odt is
// refused, so that downloads open in the right program.
//
// This package may import model and templates/... only.
package templatefile
