package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"slices"
	"strconv"

	"github.com/gorilla/mux"

	"rapport/hub/problem"
	"rapport/model"
	"rapport/model/store"
	"rapport/templates/lang"
	"rapport/templates/templatefile"
)

// mountTemplates serves document templates: the records, their files and
// revisions, lint, and the data sources for Word's and Writer's own mail
// merge. Mount calls it before the other collections, because
// /contacts/datasource.csv must be matched before /contacts/{id}.
func (a *API) mountTemplates(r *mux.Router) {
	a.mountDataSources(r)
	one := "/templates/{id}"
	a.handle(r, http.MethodPost, "/templates/lint", operation{id: "lint_template_file", tag: "Templates", schema: "TemplateLint",
		summary: "Lint an uploaded template file without storing it (multipart: file, record_type)"}, a.lintUpload)
	(&collection[model.DocumentTemplate, *model.DocumentTemplate]{api: a, path: "/templates", tag: "Templates",
		filters: "record_type format locale builtin", create: a.createTemplate}).mount(r)
	a.handle(r, http.MethodGet, one+"/content", operation{id: "download_template", tag: "Templates",
		summary: "Download the template's current file"}, a.downloadTemplate)
	a.handle(r, http.MethodPost, one+"/lint", operation{id: "lint_template", tag: "Templates", schema: "TemplateLint",
		summary: "Lint the template's current file against its record type"}, a.lintStored)
	a.handle(r, http.MethodGet, one+"/versions", operation{id: "list_template_versions", tag: "Templates",
		schema: "TemplateVersionList", summary: "The template's revisions, oldest first"}, a.templateVersions)
	a.handle(r, http.MethodPost, one+"/versions", operation{id: "add_template_version", tag: "Templates", schema: "DocumentTemplate",
		status: http.StatusCreated, summary: "Upload the template's next revision (multipart: file, note)"}, a.addTemplateVersion)
	a.handle(r, http.MethodGet, one+"/versions/{rev}/content", operation{id: "download_template_version", tag: "Templates",
		summary: "Download one revision's file"}, a.downloadTemplateVersion)
	a.handle(r, http.MethodPost, one+"/versions/{rev}/restore", operation{id: "restore_template_version", tag: "Templates",
		schema: "DocumentTemplate", summary: "Make an earlier revision's file current again, as a new revision"}, a.restoreTemplateVersion)
}

// templateFields are the multipart fields of a new template besides file.
var templateFields = []string{"name", "record_type", "locale", "description", "subject"}

// createTemplate takes multipart/form-data: the file, and the fields name,
// record_type, locale, description and subject. The file is linted for the
// record type before anything is stored.
func (a *API) createTemplate(w http.ResponseWriter, r *http.Request) {
	up, err := a.readUpload(w, r, templateFields...)
	if err != nil {
		failTemplate(w, r, err)
		return
	}
	defer up.close()
	f := up.fields
	t := &model.DocumentTemplate{Name: f["name"], RecordType: f["record_type"], Locale: f["locale"],
		Description: f["description"], Subject: f["subject"]}
	t.Normalize()
	format, err := up.accept(t.RecordType, "")
	if err == nil {
		err = templatefile.CheckNew(*t, format, up.filename)
	}
	var file store.TemplateFile
	if err == nil {
		file, err = a.put(r.Context(), up, format)
	}
	if err != nil {
		failTemplate(w, r, err)
		return
	}
	c := &collection[model.DocumentTemplate, *model.DocumentTemplate]{api: a, path: "/templates"}
	c.store(w, r, t, func(ctx context.Context) error { return a.store.CreateTemplate(ctx, t, file) })
}

// addTemplateVersion takes multipart/form-data with the file and an
// optional note; If-Match guards against a concurrent change. A file equal
// to the current one adds no revision (200 instead of 201).
func (a *API) addTemplateVersion(w http.ResponseWriter, r *http.Request) {
	version, err := ifMatch(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	ctx := r.Context()
	cur, err := store.Get[model.DocumentTemplate](ctx, a.store, mux.Vars(r)["id"])
	if err != nil {
		fail(w, r, err)
		return
	}
	up, err := a.readUpload(w, r, "note")
	if err != nil {
		failTemplate(w, r, err)
		return
	}
	defer up.close()
	format, err := up.accept(cur.RecordType, cur.Format)
	var file store.TemplateFile
	if err == nil {
		file, err = a.put(ctx, up, format)
	}
	if err != nil {
		failTemplate(w, r, err)
		return
	}
	t, err := a.store.AddTemplateRevision(ctx, cur.ID, version, file)
	if err != nil {
		fail(w, r, err)
		return
	}
	status := http.StatusOK
	if t.Revision != cur.Revision {
		status = http.StatusCreated
		w.Header().Set("Location", Prefix+"/templates/"+t.ID+"/versions/"+strconv.Itoa(t.Revision)+"/content")
	}
	w.Header().Set("ETag", etag(t.Version))
	writeJSON(w, status, t)
}

func (a *API) restoreTemplateVersion(w http.ResponseWriter, r *http.Request) {
	version, err := ifMatch(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	rev, err := revisionParam(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	t, err := a.store.RestoreTemplateRevision(r.Context(), mux.Vars(r)["id"], rev, version)
	if err != nil {
		fail(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(t.Version))
	writeJSON(w, http.StatusOK, t)
}

func (a *API) templateVersions(w http.ResponseWriter, r *http.Request) {
	vs, err := a.store.TemplateVersions(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, TemplateVersionList{Items: vs})
}

func (a *API) downloadTemplate(w http.ResponseWriter, r *http.Request) {
	t, err := store.Get[model.DocumentTemplate](r.Context(), a.store, mux.Vars(r)["id"])
	if err != nil {
		fail(w, r, err)
		return
	}
	a.sendBlob(w, r, t.SHA256, t.Filename, t.ContentType, t.Size)
}

func (a *API) downloadTemplateVersion(w http.ResponseWriter, r *http.Request) {
	rev, err := revisionParam(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	v, err := a.store.TemplateVersion(r.Context(), mux.Vars(r)["id"], rev)
	if err != nil {
		fail(w, r, err)
		return
	}
	a.sendBlob(w, r, v.SHA256, v.Filename, v.ContentType, v.Size)
}

// sendBlob answers with a stored file as a download; its hash is its ETag.
func (a *API) sendBlob(w http.ResponseWriter, r *http.Request, sha, filename, contentType string, size int64) {
	if r.Header.Get("If-None-Match") == `"`+sha+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	rc, err := a.blobs().Open(r.Context(), sha)
	if err != nil {
		fail(w, r, err)
		return
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", `"`+sha+`"`)
	_, _ = io.Copy(w, rc)
}

// lintUpload lints a file sent as multipart/form-data (file, and an
// optional record_type) and stores nothing.
func (a *API) lintUpload(w http.ResponseWriter, r *http.Request) {
	up, err := a.readUpload(w, r, "record_type")
	if err != nil {
		failTemplate(w, r, err)
		return
	}
	defer up.close()
	res, err := up.check(up.fields["record_type"])
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, lintResult(res))
}

// lintStored lints a template's current file against its record type:
// the schema may have changed since it was uploaded.
func (a *API) lintStored(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t, err := store.Get[model.DocumentTemplate](ctx, a.store, mux.Vars(r)["id"])
	if err != nil {
		fail(w, r, err)
		return
	}
	rc, err := a.blobs().Open(ctx, t.SHA256)
	if err != nil {
		fail(w, r, err)
		return
	}
	f, err := spool(rc, t.Filename, t.ContentType, templatefile.MaxBytes, nil)
	rc.Close()
	if err != nil {
		fail(w, r, err)
		return
	}
	defer f.close()
	res, err := f.check(t.RecordType)
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, lintResult(res))
}

// accept checks an upload for a template of recordType (and of format,
// unless "") and returns its format. A template with mistakes is refused
// with them (lang.Errors).
func (s *spooled) accept(recordType, format string) (string, error) {
	res, err := s.check(recordType)
	switch {
	case err != nil:
		return "", err
	case len(res.Errors) > 0:
		return "", res.Errors
	case format != "" && res.Format != format:
		return "", fieldError("file", "the template is "+format+"; this file is "+res.Format)
	}
	return res.Format, nil
}

// put stores an accepted upload's file in the blob store.
func (a *API) put(ctx context.Context, up *upload, format string) (store.TemplateFile, error) {
	if _, err := up.f.Seek(0, io.SeekStart); err != nil {
		return store.TemplateFile{}, err
	}
	info, err := a.blobs().Put(ctx, up.f, up.filename, up.size)
	if err != nil {
		return store.TemplateFile{}, err
	}
	return store.TemplateFile{Format: format, Filename: up.filename, ContentType: templatefile.ContentType(format),
		Size: info.Size, SHA256: info.SHA256, Note: up.fields["note"]}, nil
}

// blobs returns the blob store; without one (a misconfiguration), every
// call fails as an internal error.
func (a *API) blobs() Blobs {
	if a.cfg.Blobs == nil {
		return noBlobs{}
	}
	return a.cfg.Blobs
}

type noBlobs struct{}

func (noBlobs) Put(context.Context, io.Reader, string, int64) (BlobInfo, error) {
	return BlobInfo{}, model.Errorf(model.EINTERNAL, "no blob store configured")
}

func (noBlobs) Open(context.Context, string) (io.ReadCloser, error) {
	return nil, model.Errorf(model.EINTERNAL, "no blob store configured")
}

// revisionParam reads {rev}; a malformed one names no revision.
func revisionParam(r *http.Request) (int, error) {
	rev, err := strconv.Atoi(mux.Vars(r)["rev"])
	if err != nil || rev < 1 {
		return 0, model.Errorf(model.ENOTFOUND, "no such revision")
	}
	return rev, nil
}

// maxFieldBytes bounds each text field of a template upload.
const maxFieldBytes = 16 << 10

// upload is a multipart template upload: its file, spooled to a temporary
// file (the office engine reads a zip at random places, and the file is
// linted before it reaches the blob store), and its text fields.
type upload struct {
	*spooled
	fields map[string]string
}

// readUpload reads multipart/form-data with one "file" part and the given
// text fields; other fields are refused, like unknown JSON fields.
func (a *API) readUpload(w http.ResponseWriter, r *http.Request, fields ...string) (*upload, error) {
	limit := min(a.cfg.MaxUploadSize, templatefile.MaxBytes)
	r.Body = http.MaxBytesReader(w, r.Body, limit+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, model.Errorf(model.EMALFORMED, "send multipart/form-data with the template as the part \"file\"")
	}
	up := &upload{fields: map[string]string{}}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			err = uploadErr(err)
		} else {
			err = up.readPart(part, fields, limit)
			part.Close()
		}
		if err != nil {
			up.close()
			return nil, err
		}
	}
	if up.spooled == nil {
		return nil, fieldError("file", "required")
	}
	return up, nil
}

// readPart reads one part of an upload.
func (up *upload) readPart(part *multipart.Part, fields []string, limit int64) error {
	name := part.FormName()
	switch {
	case name == "file" && up.spooled != nil:
		return fieldError("file", "send one file")
	case name == "file":
		filename := rawFilename(part)
		if msg := model.CheckFilename(filename); msg != "" {
			return fieldError("filename", msg)
		}
		var err error
		up.spooled, err = spool(part, filename, part.Header.Get("Content-Type"), limit, uploadErr)
		return err
	case slices.Contains(fields, name):
		b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
		if err != nil {
			return uploadErr(err)
		}
		if len(b) > maxFieldBytes {
			return fieldError(name, "too long")
		}
		up.fields[name] = string(b)
		return nil
	}
	return fieldError(name, "unknown field")
}

func (up *upload) close() {
	if up.spooled != nil {
		up.spooled.close()
	}
}

// spooled is a file held in a temporary file.
type spooled struct {
	f                     *os.File
	size                  int64
	filename, contentType string
}

// spool copies r into a temporary file, refusing more than limit bytes.
// readErr turns an error reading r into the answer (an upload's is the
// sender's problem); nil keeps it an internal error, like failing to write
// the temporary file.
func spool(r io.Reader, filename, contentType string, limit int64, readErr func(error) error) (*spooled, error) {
	f, err := os.CreateTemp("", "rapport-template-*")
	if err != nil {
		return nil, fmt.Errorf("api: spool: %w", err)
	}
	s := &spooled{f: f, filename: filename, contentType: contentType}
	w := &writerErr{w: f}
	s.size, err = io.Copy(w, io.LimitReader(r, limit+1))
	switch {
	case err != nil && w.err == nil && readErr != nil:
		err = readErr(err)
	case err != nil:
		err = fmt.Errorf("api: spool: %w", err)
	case s.size > limit:
		err = model.Errorf(model.ETOOLARGE, "the template file is larger than %d bytes", limit)
	}
	if err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// writerErr remembers its writer's error, so that a failing disk is told
// from a failing sender.
type writerErr struct {
	w   io.Writer
	err error
}

func (w *writerErr) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	if err != nil {
		w.err = err
	}
	return n, err
}

// check decides the file's format and lints it for recordType.
func (s *spooled) check(recordType string) (templatefile.Result, error) {
	return templatefile.Check(s.f, s.size, s.filename, s.contentType, recordType)
}

func (s *spooled) close() {
	s.f.Close()
	os.Remove(s.f.Name())
}

// LintError is one mistake in a template: its message, and where it is
// (place: the paragraph or table cell, "" in a mail template; line, only
// in text of several lines; column in characters).
type LintError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Place   string `json:"place"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column"`
}

// TemplateLint is the answer of lint: every mistake, none when the
// template is fine.
type TemplateLint struct {
	Format string      `json:"format,omitempty"`
	Errors []LintError `json:"errors"`
}

// TemplateVersionList is a template's revisions.
type TemplateVersionList struct {
	Items []model.DocumentTemplateVersion `json:"items"`
}

func lintErrors(errs lang.Errors) []LintError {
	out := make([]LintError, len(errs))
	for i, e := range errs {
		out[i] = LintError{Code: e.Code, Message: e.Msg, Place: string(e.Place), Line: e.Line, Column: e.Column}
	}
	return out
}

func lintResult(res templatefile.Result) TemplateLint {
	return TemplateLint{Format: res.Format, Errors: lintErrors(res.Errors)}
}

// failTemplate answers a refused upload: a template with mistakes is a
// problem (422, or 413 for an exceeded limit) listing every one with its
// place; anything else as usual.
func failTemplate(w http.ResponseWriter, r *http.Request, err error) {
	var errs lang.Errors
	if !errors.As(err, &errs) {
		fail(w, r, err)
		return
	}
	p := struct {
		problem.Problem
		Errors []LintError `json:"errors"`
	}{problem.From(err), lintErrors(errs)}
	p.Detail, p.Instance = errs.Error(), r.URL.Path
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// templateSchemas are the OpenAPI schemas of templates.
func templateSchemas() map[string]any {
	lintError := objectWith(map[string]any{"code": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"},
		"place": map[string]any{"type": "string"}, "line": map[string]any{"type": "integer"}, "column": map[string]any{"type": "integer"}})
	return map[string]any{
		"TemplateLint": objectWith(map[string]any{"format": map[string]any{"type": "string"},
			"errors": map[string]any{"type": "array", "items": lintError}}),
		"TemplateVersionList": objectWith(map[string]any{"items": map[string]any{"type": "array", "items": ref("DocumentTemplateVersion")}}),
	}
}
