package api

import (
	"bufio"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"rapport/hub/merge"
	"rapport/hub/problem"
	"rapport/model"
)

// The request bodies register themselves with the OpenAPI schemas here, as
// the store's rules do in their own files, so that documents stay
// self-contained.
func init() { schemaTypes = append(schemaTypes, DocumentRequest{}, BulkDocumentsRequest{}) }

// mountDocuments serves mail merge: one record into a document, saved as
// an attachment of the record with a document activity, and many records
// into one combined document or a zip, streamed.
func (a *API) mountDocuments(r *mux.Router) {
	a.handle(r, http.MethodPost, "/documents", operation{id: "merge_document", tag: "Documents", request: "DocumentRequest",
		summary: "Merge a record into a template: the document is the answer (201 with Location, Rapport-Attachment-Id " +
			"and Rapport-Activity-Id when saved)"}, a.mergeDocument)
	a.handle(r, http.MethodPost, "/documents/bulk", operation{id: "merge_documents_bulk", tag: "Documents", request: "BulkDocumentsRequest",
		summary: "Merge a mailing list, a filter's records or ids into one document or a zip, streamed"}, a.mergeBulk)
}

// DocumentRequest asks for one merged document.
type DocumentRequest struct {
	TemplateID string `json:"template_id"`
	// RecordType, when given, must be the template's record type.
	RecordType string `json:"record_type"`
	RecordID   string `json:"record_id"`
	// Format is docx, odt, html, text (the template's own) or pdf; empty
	// is the template's.
	Format string `json:"format"`
	// Save keeps the document as an attachment of the record, logged as a
	// document activity (default true).
	Save *bool `json:"save"`
}

// BulkDocumentsRequest asks for many records merged at once: the members of
// a mailing list, the records a filter matches, or the records ids name.
type BulkDocumentsRequest struct {
	TemplateID    string        `json:"template_id"`
	MailingListID string        `json:"mailing_list_id"`
	Filter        *model.Filter `json:"filter"`
	IDs           []string      `json:"ids"`
	// Output is combined (one document, each record on a new page) or zip.
	Output string `json:"output"`
	Format string `json:"format"`
}

// mergeDocument answers the merged file itself.
func (a *API) mergeDocument(w http.ResponseWriter, r *http.Request) {
	var req DocumentRequest
	if err := a.decodeStrict(w, r, &req); err != nil {
		fail(w, r, err)
		return
	}
	if msg := required(map[string]string{"template_id": req.TemplateID, "record_id": req.RecordID}); msg != nil {
		fail(w, r, msg)
		return
	}
	if a.cfg.Merge == nil {
		unavailable(w, r, "document merging is not configured on this hub")
		return
	}
	doc, err := a.cfg.Merge.Merge(r.Context(), merge.Request{TemplateID: req.TemplateID, RecordType: req.RecordType,
		RecordID: req.RecordID, Format: req.Format, Save: req.Save == nil || *req.Save})
	if err != nil {
		failMerge(w, r, err)
		return
	}
	h := w.Header()
	fileHeaders(h, doc.ContentType, doc.Filename)
	h.Set("Content-Length", strconv.Itoa(len(doc.Body)))
	status := http.StatusOK
	if doc.Attachment != nil {
		status = http.StatusCreated
		h.Set("Location", Prefix+"/attachments/"+doc.Attachment.ID)
		h.Set("Rapport-Attachment-Id", doc.Attachment.ID)
		h.Set("Rapport-Activity-Id", doc.Activity.ID)
	}
	w.WriteHeader(status)
	_, _ = w.Write(doc.Body)
}

// mergeBulk streams the combined document or the zip. The first 64 KiB
// are held back, so an error in the first records is still answered as a
// problem; a later one cuts the connection, so that no client takes a
// truncated file for a whole one.
func (a *API) mergeBulk(w http.ResponseWriter, r *http.Request) {
	var req BulkDocumentsRequest
	if err := a.decodeStrict(w, r, &req); err != nil {
		fail(w, r, err)
		return
	}
	if err := checkBulk(r, req); err != nil {
		fail(w, r, err)
		return
	}
	if a.cfg.Merge == nil {
		unavailable(w, r, "document merging is not configured on this hub")
		return
	}
	ctx := r.Context()
	bulk, err := a.cfg.Merge.PrepareBulk(ctx, merge.BulkRequest{TemplateID: req.TemplateID, MailingListID: req.MailingListID,
		Filter: req.Filter, IDs: req.IDs, Output: req.Output, Format: req.Format})
	if err != nil {
		failMerge(w, r, err)
		return
	}
	body := &lazyBody{w: w, start: func(h http.Header) { fileHeaders(h, bulk.ContentType, bulk.Filename) }}
	bw := bufio.NewWriterSize(body, 64<<10)
	err = bulk.Write(ctx, bw)
	if err == nil {
		err = bw.Flush()
	}
	switch {
	case err == nil:
	case !body.started:
		failMerge(w, r, err)
	default:
		slog.WarnContext(ctx, "bulk merge stopped", "path", r.URL.Path, "err", err)
		panic(http.ErrAbortHandler)
	}
}

// checkBulk checks a bulk request's shape. A bulk merge writes nothing,
// and an Idempotency-Key would make the API hold its whole answer in
// memory to replay it, so keys are refused.
func checkBulk(r *http.Request, req BulkDocumentsRequest) error {
	if r.Header.Get("Idempotency-Key") != "" {
		return fieldError("Idempotency-Key", "a bulk merge changes nothing: send it without an Idempotency-Key")
	}
	if err := required(map[string]string{"template_id": req.TemplateID}); err != nil {
		return err
	}
	if req.Filter != nil {
		return req.Filter.Validate()
	}
	return nil
}

// required names the fields that are empty.
func required(fields map[string]string) error {
	fe := model.FieldErrors{}
	for name, v := range fields {
		if v == "" {
			fe.Add(name, "required")
		}
	}
	return fe.Err()
}

// fileHeaders describes a file answer: its type and name, and that
// browsers neither sniff it nor run what it holds.
func fileHeaders(h http.Header, contentType, filename string) {
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
}

// lazyBody writes the status and headers of a streamed answer with its
// first bytes.
type lazyBody struct {
	w       http.ResponseWriter
	start   func(http.Header)
	started bool
}

func (b *lazyBody) Write(p []byte) (int, error) {
	if !b.started {
		b.started = true
		b.start(b.w.Header())
		b.w.WriteHeader(http.StatusOK)
	}
	return b.w.Write(p)
}

// failMerge answers a merge error: template mistakes with their places
// (as lint does), PDF without LibreOffice as 501.
func failMerge(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, merge.ErrNoPDF) {
		unavailable(w, r, err.Error())
		return
	}
	failTemplate(w, r, err)
}

// unavailable answers 501: the hub lacks what the request needs.
func unavailable(w http.ResponseWriter, r *http.Request, detail string) {
	p := problem.Problem{Type: "/docs/problems#not_configured", Title: http.StatusText(http.StatusNotImplemented),
		Status: http.StatusNotImplemented, Detail: detail, Instance: r.URL.Path, Code: "not_configured"}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
