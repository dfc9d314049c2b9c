package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"rapport/hub/merge"
	"rapport/model"
	"rapport/model/store"
	"rapport/templates/lang"
	"rapport/templates/templatefile"
)

// maxUploadField bounds each text field of a template form.
const maxUploadField = 16 << 10

// templateOutcome is what the last submit of a template form found, drawn
// beside that form: the file's check, why the submit was refused, and
// what the form held.
type templateOutcome struct {
	Form    string            // the form: "upload", "version", "lint", "preview" or "restore"
	Check   *templateCheck    // what checking the file found, when it was read
	Refused string            // why the submit was refused, translated
	Fields  map[string]string // what the form held
	err     error             // the refusal, translated into Refused when the page is drawn
}

// templateCheck is what checking a template file found: its format, and
// its mistakes with their places (none: the file is fine).
type templateCheck struct {
	Filename string
	Format   string
	Errors   lang.Errors
}

// explain translates the refusal for v and returns the page's status:
// 200 without one; 422 for a file that is no template, too large or
// wrong (the API tells these apart as 422, 400 and 413; the reason says
// which); 501 for PDF without LibreOffice; the API's status otherwise.
func (o *templateOutcome) explain(v *view) int {
	var errs lang.Errors
	switch {
	case o.err == nil:
		return http.StatusOK
	case errors.As(o.err, &errs):
		if o.Check == nil {
			o.Check = &templateCheck{}
		}
		o.Check.Errors, o.Refused = errs, v.T("ops.template.mistakes")
		return http.StatusUnprocessableEntity
	case errors.Is(o.err, merge.ErrNoPDF):
		o.Refused = v.T("ops.template.nopdf")
		return http.StatusNotImplemented
	}
	o.Refused = refusal(v, o.err)
	switch model.ErrorCode(o.err) {
	case model.EINVALID, model.EMALFORMED, model.ETOOLARGE:
		return http.StatusUnprocessableEntity
	default:
		return opsStatus(o.err)
	}
}

// templatesData is the templates list with the form of a new template.
type templatesData struct {
	listData[*model.DocumentTemplate]
	templateOutcome
	RecordType  string // the filter
	RecordTypes []string
	Kinds       map[string]string // record type → its name
	CanUpload   bool
}

// docTemplates lists the document templates by name, filtered by record
// type, with the form that uploads a new one. Every employee reads and
// writes templates (the API's policy).
func (c *Console) docTemplates(w http.ResponseWriter, r *http.Request) {
	c.renderDocTemplates(w, r, templateOutcome{})
}

// renderDocTemplates draws the templates list with the outcome of the last
// upload or check.
func (c *Console) renderDocTemplates(w http.ResponseWriter, r *http.Request, out templateOutcome) {
	ctx := r.Context()
	list, chosen, err := opsList[model.DocumentTemplate](ctx, c, r.URL.Query(), "/admin/templates", "name",
		opsFilter{"record_type", "record_type", model.TemplateEntities})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := c.newPage(r, "admin")
	p.Title = p.T("ops.templates.title")
	status := out.explain(p.view)
	_, keeps := c.templateBlobs()
	p.Data = &templatesData{listData: list, templateOutcome: out, RecordType: chosen["record_type"], RecordTypes: model.TemplateEntities,
		Kinds: recordKinds(p.view), CanUpload: keeps && model.CanWrite(model.ActorFrom(ctx), "document_template", "", "")}
	c.render(w, r, status, "admin_templates", p)
}

// recordKinds name the record types templates are written for.
func recordKinds(v *view) map[string]string {
	return map[string]string{"contact": v.T("ops.record.contact"), "account": v.T("ops.record.account"),
		"quote": v.T("ops.record.quote"), "order": v.T("ops.record.order"), "invoice": v.T("ops.record.invoice"),
		"rma": v.T("ops.record.rma"), "request": v.T("ops.record.request")}
}

// uploadDocTemplate takes the new template's form (multipart: name,
// record_type, locale, description, subject, file). With action=check it
// only checks the file and shows what it found; otherwise a file that is
// no template, too large or has mistakes is refused with them (422) and
// nothing is stored, and a good one is stored as the template's first
// revision, as the API's POST /templates does.
func (c *Console) uploadDocTemplate(w http.ResponseWriter, r *http.Request) {
	blobs, ok := c.templateBlobs()
	if !ok {
		c.notConfigured(w, r)
		return
	}
	up, err := readTemplateUpload(w, r)
	defer up.close()
	f := up.fields
	t := &model.DocumentTemplate{Name: f["name"], RecordType: f["record_type"], Locale: f["locale"],
		Description: f["description"], Subject: f["subject"]}
	t.Normalize()
	out := templateOutcome{Form: "upload", Fields: f}
	if err == nil {
		out.Check, err = up.inspect(t.RecordType, "")
	}
	if err == nil && f["action"] == "check" {
		c.renderDocTemplates(w, r, out)
		return
	}
	if err == nil {
		err = templatefile.CheckNew(*t, out.Check.Format, up.file.name)
	}
	var file store.TemplateFile
	if err == nil {
		file, err = up.file.put(r.Context(), blobs, out.Check.Format, "")
	}
	if err == nil {
		err = c.cfg.Store.CreateTemplate(r.Context(), t, file)
	}
	if err != nil {
		out.err = err
		c.renderDocTemplates(w, r, out)
		return
	}
	seeOther(w, r, "/admin/templates/"+t.ID, "template_uploaded")
}

// docTemplateData is a template's page.
type docTemplateData struct {
	templateOutcome
	Template   *model.DocumentTemplate
	Versions   []model.DocumentTemplateVersion
	Names      *names
	Kinds      map[string]string
	Outputs    []string // the formats a preview may take
	CanWrite   bool     // the user may change the template (restore)
	CanUpload  bool     // and the hub keeps template files (a new revision)
	CanLint    bool     // the hub can read the stored file back
	CanPreview bool     // the hub merges documents
}

// docTemplate is a template's page: its current file, its revisions with
// their downloads (the API's) and restore, a new revision's upload, the
// check of the stored file and a preview merge.
func (c *Console) docTemplate(w http.ResponseWriter, r *http.Request) {
	c.renderDocTemplate(w, r, templateOutcome{})
}

// renderDocTemplate draws a template's page with the outcome of the last
// submit of one of its forms.
func (c *Console) renderDocTemplate(w http.ResponseWriter, r *http.Request, out templateOutcome) {
	ctx, s := r.Context(), c.cfg.Store
	t, err := store.Get[model.DocumentTemplate](ctx, s, mux.Vars(r)["id"])
	d := &docTemplateData{templateOutcome: out, Template: t}
	if err == nil {
		d.Versions, err = s.TemplateVersions(ctx, t.ID)
	}
	ids := &nameIDs{}
	for i := range d.Versions {
		ids.user(&d.Versions[i].CreatedBy)
	}
	if err == nil {
		d.Names, err = ids.load(ctx, s)
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := c.newPage(r, "admin")
	p.Title, p.Done, p.Data = p.T("ops.template.title", t.Name), doneKey(r), d
	status := d.explain(p.view)
	_, keeps := c.templateBlobs()
	d.Kinds, d.Outputs = recordKinds(p.view), previewFormats(t.Format)
	d.CanWrite = model.CanWrite(model.ActorFrom(ctx), t.Entity(), "", "")
	d.CanUpload, d.CanLint, d.CanPreview = d.CanWrite && keeps, keeps, c.cfg.Merge != nil
	c.render(w, r, status, "admin_template", p)
}

// previewFormats are the formats a template of format merges into: its
// own, and PDF for Word, Writer and HTML templates (the merge service's
// rule).
func previewFormats(format string) []string {
	if format == model.TemplateText {
		return []string{format}
	}
	return []string{format, merge.FormatPDF}
}

// uploadDocTemplateVersion takes a template's next revision (multipart:
// version, note, file) with the version the page was drawn with (the
// API's If-Match). With action=check it only checks the file; otherwise
// the file must be a template of the same format without mistakes. A file
// equal to the current one adds no revision.
func (c *Console) uploadDocTemplateVersion(w http.ResponseWriter, r *http.Request) {
	blobs, ok := c.templateBlobs()
	if !ok {
		c.notConfigured(w, r)
		return
	}
	cur, found := c.loadDocTemplate(w, r)
	if !found {
		return
	}
	ctx := r.Context()
	up, err := readTemplateUpload(w, r)
	defer up.close()
	out := templateOutcome{Form: "version", Fields: up.fields}
	if err == nil {
		out.Check, err = up.inspect(cur.RecordType, cur.Format)
	}
	if err == nil && up.fields["action"] == "check" {
		c.renderDocTemplate(w, r, out)
		return
	}
	var version int64
	if err == nil {
		version, err = formVersion(up.fields["version"])
	}
	var file store.TemplateFile
	if err == nil {
		file, err = up.file.put(ctx, blobs, cur.Format, up.fields["note"])
	}
	var t *model.DocumentTemplate
	if err == nil {
		t, err = c.cfg.Store.AddTemplateRevision(ctx, cur.ID, version, file)
	}
	switch {
	case err != nil:
		out.err = err
		c.renderDocTemplate(w, r, out)
	case t.Revision == cur.Revision:
		seeOther(w, r, "/admin/templates/"+t.ID, "template_unchanged")
	default:
		seeOther(w, r, "/admin/templates/"+t.ID, "template_revised")
	}
}

// restoreDocTemplateVersion makes an earlier revision's file current again,
// as a new revision, with the version the page was drawn with.
func (c *Console) restoreDocTemplateVersion(w http.ResponseWriter, r *http.Request) {
	vars := mux.Vars(r)
	version, err := formVersion(r.PostFormValue("version"))
	rev, rerr := strconv.Atoi(vars["rev"])
	if err == nil && (rerr != nil || rev < 1) {
		err = model.Errorf(model.ENOTFOUND, "no such revision")
	}
	var t *model.DocumentTemplate
	if err == nil {
		t, err = c.cfg.Store.RestoreTemplateRevision(r.Context(), vars["id"], rev, version)
	}
	if err != nil {
		c.opsRedraw(w, r, err, func(w http.ResponseWriter, r *http.Request, err error) {
			c.renderDocTemplate(w, r, templateOutcome{Form: "restore", err: err})
		})
		return
	}
	seeOther(w, r, "/admin/templates/"+t.ID, "template_restored")
}

// lintDocTemplate checks the template's stored file against its record
// type's fields as they are now (the API's POST /templates/{id}/lint): the
// schema may have changed since the upload.
func (c *Console) lintDocTemplate(w http.ResponseWriter, r *http.Request) {
	t, found := c.loadDocTemplate(w, r)
	blobs, ok := c.templateBlobs()
	switch {
	case !found:
		return
	case !ok:
		c.notConfigured(w, r)
		return
	}
	ctx := r.Context()
	rc, err := blobs.Open(ctx, t.SHA256)
	var file *templateFile
	if err == nil {
		file, err = spoolTemplate(rc, t.Filename, t.ContentType)
		rc.Close()
	}
	var res templatefile.Result
	if err == nil {
		defer file.close()
		res, err = file.check(t.RecordType)
	}
	if err != nil { // the stored file was accepted once: any failure is the hub's
		c.fail(w, r, model.Errorf(model.EINTERNAL, "console: lint template %s: %v", t.ID, err))
		return
	}
	c.renderDocTemplate(w, r, templateOutcome{Form: "lint", Check: &templateCheck{Filename: t.Filename, Format: res.Format, Errors: res.Errors}})
}

// previewDocTemplate merges one record, chosen by its id, into the template
// as the user sees it, and answers the document (the template's format or
// PDF) as a download; nothing is saved. A refusal — no such record, a
// mistake in the template, PDF without LibreOffice — is drawn beside the
// preview form.
func (c *Console) previewDocTemplate(w http.ResponseWriter, r *http.Request) {
	t, found := c.loadDocTemplate(w, r)
	switch {
	case !found:
		return
	case c.cfg.Merge == nil:
		c.notConfigured(w, r)
		return
	}
	v := r.URL.Query()
	var err error
	recordID, format := strings.TrimSpace(v.Get("record_id")), v.Get("format")
	var doc *merge.Document
	if recordID == "" {
		err = fieldErr("record_id", "required")
	} else {
		doc, err = c.cfg.Merge.Merge(r.Context(), merge.Request{TemplateID: t.ID, RecordID: recordID, Format: format})
	}
	if err != nil {
		c.renderDocTemplate(w, r, templateOutcome{Form: "preview", Fields: map[string]string{"record_id": recordID, "format": format}, err: err})
		return
	}
	sendMerged(w, r, doc)
}

// sendMerged answers a merged document as a download that browsers
// neither sniff nor run (auth.Pages has set nosniff).
func sendMerged(w http.ResponseWriter, r *http.Request, doc *merge.Document) {
	h := w.Header()
	h.Set("Content-Type", doc.ContentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": doc.Filename}))
	h.Set("Content-Length", strconv.Itoa(len(doc.Body)))
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(doc.Body)
	}
}

// loadDocTemplate loads the template the path names as the user sees it,
// or answers the error page (404 for one the user may not see).
func (c *Console) loadDocTemplate(w http.ResponseWriter, r *http.Request) (*model.DocumentTemplate, bool) {
	t, err := store.Get[model.DocumentTemplate](r.Context(), c.cfg.Store, mux.Vars(r)["id"])
	if err != nil {
		c.fail(w, r, err)
		return nil, false
	}
	return t, true
}

// templateBlobs returns the blob store template files are kept in: the
// merge service's, which reads them back to merge. ok is false when the
// hub has no merge service or it has no blob store.
func (c *Console) templateBlobs() (merge.Blobs, bool) {
	if c.cfg.Merge == nil {
		return nil, false
	}
	b := c.cfg.Merge.Blobs()
	return b, b != nil
}

// templateUpload is a template form sent as multipart/form-data: its text
// fields, and its file spooled.
type templateUpload struct {
	fields map[string]string
	file   *templateFile
}

// readTemplateUpload reads a template form: its text fields (at most
// maxUploadField bytes each) and one file. It returns what it read even
// when it fails, so that the form is drawn again as it was typed; put the
// file last in the form.
func readTemplateUpload(w http.ResponseWriter, r *http.Request) (*templateUpload, error) {
	up := &templateUpload{fields: map[string]string{}}
	r.Body = http.MaxBytesReader(w, r.Body, templatefile.MaxBytes+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return up, model.Errorf(model.EMALFORMED, "send the form as multipart/form-data")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return up, templateUploadErr(err)
		}
		err = up.readPart(part)
		part.Close()
		if err != nil {
			return up, err
		}
	}
	if up.file == nil {
		return up, fieldErr("file", "required")
	}
	return up, nil
}

// readPart reads one part of a template form.
func (up *templateUpload) readPart(part *multipart.Part) error {
	name := part.FormName()
	if name != "file" {
		b, err := io.ReadAll(io.LimitReader(part, maxUploadField+1))
		switch {
		case err != nil:
			return templateUploadErr(err)
		case len(b) > maxUploadField:
			return fieldErr(name, "too long")
		}
		up.fields[name] = string(b)
		return nil
	}
	filename := part.FileName()
	switch {
	case filename == "" && up.file == nil: // no file chosen
		return nil
	case up.file != nil:
		return fieldErr("file", "send one file")
	}
	if msg := model.CheckFilename(filename); msg != "" {
		return fieldErr("filename", msg)
	}
	var err error
	up.file, err = spoolTemplate(part, filename, part.Header.Get("Content-Type"))
	return err
}

// inspect checks the upload's file for templates of recordType, and of
// format unless "": what the check found, and an error when the file may
// not be stored (lang.Errors for its mistakes).
func (up *templateUpload) inspect(recordType, format string) (*templateCheck, error) {
	res, err := up.file.check(recordType)
	if err != nil {
		return nil, err
	}
	chk := &templateCheck{Filename: up.file.name, Format: res.Format, Errors: res.Errors}
	switch {
	case len(res.Errors) > 0:
		return chk, res.Errors
	case format != "" && res.Format != format:
		return chk, fieldErr("file", "the template is "+format+"; this file is "+res.Format)
	}
	return chk, nil
}

func (up *templateUpload) close() {
	if up.file != nil {
		up.file.close()
	}
}

// templateUploadErr turns an error reading a form into the sender's problem: too
// large, or broken off.
func templateUploadErr(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return model.Errorf(model.ETOOLARGE, "the upload is larger than %d bytes", tooBig.Limit)
	}
	return model.Errorf(model.EMALFORMED, "the upload could not be read: %v", err)
}

// templateFile is a template file held in a temporary file: the office
// engine reads a zip at random places, and an upload is checked before it
// reaches the blob store.
type templateFile struct {
	f                 *os.File
	size              int64
	name, contentType string
}

// spoolTemplate copies r into a temporary file, refusing more than
// templatefile.MaxBytes. Failing to write the file is the hub's failure;
// failing to read r, the sender's (an upload that broke off or ran over).
func spoolTemplate(r io.Reader, name, contentType string) (*templateFile, error) {
	f, err := os.CreateTemp("", "rapport-console-template-*")
	if err != nil {
		return nil, fmt.Errorf("console: spool: %w", err)
	}
	t := &templateFile{f: f, name: name, contentType: contentType}
	t.size, err = io.Copy(f, io.LimitReader(r, templatefile.MaxBytes+1))
	var disk *fs.PathError // what *os.File's writes fail with
	switch {
	case errors.As(err, &disk):
		err = fmt.Errorf("console: spool: %w", err)
	case err != nil:
		err = templateUploadErr(err)
	case t.size > templatefile.MaxBytes:
		err = model.Errorf(model.ETOOLARGE, "the template file is larger than %d bytes", templatefile.MaxBytes)
	}
	if err != nil {
		t.close()
		return nil, err
	}
	return t, nil
}

// check decides the file's format and lints it for recordType.
func (t *templateFile) check(recordType string) (templatefile.Result, error) {
	return templatefile.Check(t.f, t.size, t.name, t.contentType, recordType)
}

// put stores the file in the blob store as a revision of format.
func (t *templateFile) put(ctx context.Context, blobs merge.Blobs, format, note string) (store.TemplateFile, error) {
	if _, err := t.f.Seek(0, io.SeekStart); err != nil {
		return store.TemplateFile{}, fmt.Errorf("console: %w", err)
	}
	info, err := blobs.Put(ctx, t.f, t.name, t.size)
	if err != nil {
		return store.TemplateFile{}, err
	}
	return store.TemplateFile{Format: format, Filename: t.name, ContentType: templatefile.ContentType(format),
		Size: info.Size, SHA256: info.SHA256, Note: note}, nil
}

func (t *templateFile) close() {
	t.f.Close()
	os.Remove(t.f.Name())
}
