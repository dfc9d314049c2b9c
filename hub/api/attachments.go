package api

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"rapport/model"
	"rapport/model/store"
)

func (a *API) mountAttachments(r *mux.Router) {
	c := &collection[model.Attachment, *model.Attachment]{api: a, path: "/attachments", tag: "Attachments",
		filters: "record_type record_id content_type", create: a.uploadAttachment}
	c.mount(r)
	a.handle(r, http.MethodGet, "/attachments/{id}/content", operation{id: "download_attachment", summary: "Download an attachment's content",
		tag: "Attachments"}, a.downloadAttachment)
}

// uploadAttachment takes multipart/form-data with fields record_type,
// record_id and file. The content streams into the blob store before the
// transaction that records it, so a large upload never holds a write lock.
func (a *API) uploadAttachment(w http.ResponseWriter, r *http.Request) {
	if a.cfg.Blobs == nil {
		fail(w, r, model.Errorf(model.EINTERNAL, "no blob store configured"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, a.cfg.MaxUploadSize+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		fail(w, r, model.Errorf(model.EMALFORMED, "send multipart/form-data with record_type, record_id and file"))
		return
	}
	att := &model.Attachment{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fail(w, r, uploadErr(err))
			return
		}
		if err := a.readPart(r.Context(), part, att); err != nil {
			fail(w, r, err)
			return
		}
	}
	if att.SHA256 == "" {
		fail(w, r, fieldError("file", "required"))
		return
	}
	c := &collection[model.Attachment, *model.Attachment]{api: a, path: "/attachments"}
	c.store(w, r, att, func(ctx context.Context) error {
		if err := a.store.CheckRecord(ctx, att.RecordType, att.RecordID); err != nil {
			return fieldError("record_id", "no such record to attach to")
		}
		return store.Create(ctx, a.store, att)
	})
}

func (a *API) readPart(ctx context.Context, part *multipart.Part, att *model.Attachment) error {
	defer part.Close()
	switch part.FormName() {
	case "record_type", "record_id":
		b, err := io.ReadAll(io.LimitReader(part, 100))
		if err != nil {
			return uploadErr(err)
		}
		if part.FormName() == "record_type" {
			att.RecordType = string(b)
		} else {
			att.RecordID = string(b)
		}
	case "file":
		name := rawFilename(part)
		if msg := model.CheckFilename(name); msg != "" {
			return fieldError("filename", msg)
		}
		info, err := a.cfg.Blobs.Put(ctx, part, name, a.cfg.MaxUploadSize)
		if err != nil {
			return uploadErr(err)
		}
		att.Filename, att.SHA256, att.Size, att.ContentType = name, info.SHA256, info.Size, info.ContentType
	}
	return nil
}

// rawFilename returns the file name exactly as the client sent it: Part's
// FileName strips directories, which would hide a "../" attempt.
func rawFilename(p *multipart.Part) string {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return ""
	}
	return params["filename"]
}

func uploadErr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return model.Errorf(model.ETOOLARGE, "the upload is larger than allowed")
	}
	if model.ErrorCode(err) != model.EINTERNAL {
		return err
	}
	return model.Errorf(model.EMALFORMED, "could not read the upload: %v", err)
}

func (a *API) downloadAttachment(w http.ResponseWriter, r *http.Request) {
	att, err := store.Get[model.Attachment](r.Context(), a.store, mux.Vars(r)["id"])
	if err != nil {
		fail(w, r, err)
		return
	}
	rc, err := a.cfg.Blobs.Open(r.Context(), att.SHA256)
	if err != nil {
		fail(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", att.ContentType)
	w.Header().Set("Content-Length", strconv.FormatInt(att.Size, 10))
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": att.Filename}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("ETag", `"`+att.SHA256+`"`)
	_, _ = io.Copy(w, rc)
}
