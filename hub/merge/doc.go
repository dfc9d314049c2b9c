// Package merge is the mail-merge service that the REST API and the CLI
// share: it loads a document template (stored, or read from a file), builds
// the template data of a record — the record, its related records as
// lang.Relations lists them, and the globals company, user and today — as
// the caller sees them, chooses the document's locale, fetches pictures
// (contact photos, the company logo) from the blob store, and merges one
// record into the template's format or PDF, optionally saving the result as
// an attachment of the record with a document activity on its timeline.
// Bulk merges (a mailing list, a filter, or a list of ids) stream one
// combined document or a zip of documents, reading the records page by
// page so that memory does not grow with their number.
//
// It imports model, model/store and templates/*; never connectors (cmd
// injects the blob store and the PDF converter through the small interfaces
// declared here) and never other hub packages.
package merge
